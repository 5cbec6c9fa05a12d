//! Lowercase hex of digests, as `hex::encode` writes it. That crate collects one `char` at a
//! time, which showed in the profile of every signed read (two or three digests a request:
//! docs/performance.md); this writes a digest's digits on the stack and appends them at once.

pub fn hex_lower(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    push_hex(&mut out, bytes);
    out
}

pub fn push_hex(out: &mut String, bytes: &[u8]) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    for chunk in bytes.chunks(32) {
        let mut buf = [0u8; 64];
        for (pair, b) in buf.chunks_exact_mut(2).zip(chunk) {
            pair.copy_from_slice(&[DIGITS[usize::from(b >> 4)], DIGITS[usize::from(b & 15)]]);
        }
        // Only ASCII digits and letters were written.
        out.push_str(std::str::from_utf8(&buf[..chunk.len() * 2]).unwrap_or_default());
    }
}

#[cfg(test)]
mod tests {
    use super::hex_lower;

    #[test]
    fn hex_is_what_the_hex_crate_writes() {
        let every: Vec<u8> = (0..=255).chain(0..70).collect();
        assert_eq!(hex_lower(&every), hex::encode(&every));
        assert_eq!(hex_lower(&[]), "");
    }
}
