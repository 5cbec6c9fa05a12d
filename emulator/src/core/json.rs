//! Writing JSON by hand, byte for byte what serde_json writes (compact form), for the answers
//! that are hot enough for serde's per-key escaping to show in the profile (docs/performance.md):
//! keys are written as constants already quoted, and only values are escaped.

/// Appends `s` as a JSON string, escaped exactly as serde_json does: `"` and `\`, the control
/// characters below 0x20 (the short forms `\b \t \n \f \r`, the rest `\u00xx`), nothing else.
pub fn string(out: &mut Vec<u8>, s: &str) {
    out.push(b'"');
    let bytes = s.as_bytes();
    // Nearly every value needs no escape: find that out eight bytes at a time, then copy.
    if is_clean(bytes) {
        out.extend_from_slice(bytes);
        out.push(b'"');
        return;
    }
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        if b >= 0x20 && b != b'"' && b != b'\\' {
            continue;
        }
        out.extend_from_slice(&bytes[start..i]);
        match b {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            0x08 => out.extend_from_slice(b"\\b"),
            b'\t' => out.extend_from_slice(b"\\t"),
            b'\n' => out.extend_from_slice(b"\\n"),
            0x0c => out.extend_from_slice(b"\\f"),
            b'\r' => out.extend_from_slice(b"\\r"),
            _ => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                out.extend_from_slice(b"\\u00");
                out.push(HEX[usize::from(b >> 4)]);
                out.push(HEX[usize::from(b & 0xf)]);
            }
        }
        start = i + 1;
    }
    out.extend_from_slice(&bytes[start..]);
    out.push(b'"');
}

/// True when no byte needs an escape: none below 0x20, none `"` or `\\`. Per 8-byte word, the
/// classic "has a zero byte" test (`(x - 0x01..) & !x & 0x80..`) on `x`, on `x ^ '"'..` and on
/// `x ^ '\\'..`, and "has a byte below 0x20" as the same test on `x` with 0x20 for 0x01. The
/// bytes past the last whole word are tested as the word that ends the string (overlapping the
/// one before), and a string shorter than a word as a word padded with spaces: no byte loop
/// (a UUID's last four bytes were tested one at a time).
fn is_clean(bytes: &[u8]) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let below = |x: u64, n: u8| x.wrapping_sub(ONES * u64::from(n)) & !x & HIGH;
    let clean = |w: &[u8]| {
        let x = u64::from_le_bytes([w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7]]);
        below(x, 0x20) | below(x ^ (ONES * u64::from(b'"')), 1) | below(x ^ (ONES * u64::from(b'\\')), 1) == 0
    };
    if bytes.len() < 8 {
        let mut word = [b' '; 8];
        word[..bytes.len()].copy_from_slice(bytes);
        return clean(&word);
    }
    bytes.chunks_exact(8).all(clean) && clean(&bytes[bytes.len() - 8..])
}

pub fn int(out: &mut Vec<u8>, v: i64) {
    out.extend_from_slice(itoa::Buffer::new().format(v).as_bytes());
}

pub fn boolean(out: &mut Vec<u8>, v: bool) {
    out.extend_from_slice(if v { b"true" } else { b"false" });
}

pub fn opt_string(out: &mut Vec<u8>, v: Option<&str>) {
    match v {
        Some(s) => string(out, s),
        None => out.extend_from_slice(b"null"),
    }
}

pub fn opt_int(out: &mut Vec<u8>, v: Option<i64>) {
    match v {
        Some(n) => int(out, n),
        None => out.extend_from_slice(b"null"),
    }
}

pub fn opt_bool(out: &mut Vec<u8>, v: Option<bool>) {
    match v {
        Some(b) => boolean(out, b),
        None => out.extend_from_slice(b"null"),
    }
}

pub fn strings(out: &mut Vec<u8>, v: &[String]) {
    out.push(b'[');
    for (i, s) in v.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        string(out, s);
    }
    out.push(b']');
}

pub fn opt_strings(out: &mut Vec<u8>, v: Option<&[String]>) {
    match v {
        Some(v) => strings(out, v),
        None => out.extend_from_slice(b"null"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_escaped_as_serde_json_escapes_them() {
        let mut every_byte: String = (0u8..0x80).map(char::from).collect();
        every_byte.push_str("é中文🙂\u{7f}\u{2028}");
        for s in ["", "plain", "a\"b\\c", "\u{0}\u{1f}\n\r\t\u{8}\u{c}", "ends with \\", every_byte.as_str()] {
            let mut out = Vec::new();
            string(&mut out, s);
            assert_eq!(String::from_utf8(out).unwrap(), serde_json::to_string(s).unwrap(), "{s:?}");
        }
    }

    #[test]
    fn the_word_at_a_time_check_finds_every_byte_that_needs_an_escape() {
        let specials: Vec<u8> = (0u8..0x20).chain([b'"', b'\\']).collect();
        for len in 1..20 {
            for at in 0..len {
                for &b in &specials {
                    let mut bytes = vec![b'a'; len];
                    bytes[at] = b;
                    assert!(!is_clean(&bytes), "{b:#x} at {at} of {len}");
                }
                // Bytes just around the special ones, and high bytes, need nothing.
                let mut bytes = vec![b'a'; len];
                for (i, b) in bytes.iter_mut().enumerate() {
                    *b = [0x20, b'!', b'#', b'[', b']', 0x7f, 0x80, 0xff][(i + at) % 8];
                }
                assert!(is_clean(&bytes));
            }
        }
    }

    #[test]
    fn numbers_and_options_match_serde_json() {
        for v in [0, -1, 7, i64::MIN, i64::MAX, 1_700_000_000_000] {
            let mut out = Vec::new();
            opt_int(&mut out, Some(v));
            assert_eq!(out, serde_json::to_vec(&v).unwrap());
        }
        let mut out = Vec::new();
        opt_int(&mut out, None);
        opt_bool(&mut out, Some(false));
        opt_string(&mut out, None);
        opt_strings(&mut out, Some(&["a".into(), "\"".into()]));
        opt_strings(&mut out, Some(&[]));
        assert_eq!(String::from_utf8(out).unwrap(), "nullfalsenull[\"a\",\"\\\"\"][]");
    }
}
