//! Credentials out of what the journal keeps: request and answer bodies (`--journal-bodies`)
//! and the canonical request of a refused signature. A value under a key that names a secret
//! becomes `***`; a body that is neither JSON nor a form is not kept at all (it could hold
//! anything).

use serde_json::Value;

/// What a secret's value becomes.
pub const MASK: &str = "***";

/// Whether a parameter, field or header of this name carries a credential.
pub fn is_secret(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    ["password", "secret", "signature", "token", "authorization", "privatekey", "private_key", "credential"]
        .iter()
        .any(|w| n.contains(w))
        || n == "sk"
        || n.ends_with(".sk")
}

/// A body as the journal may keep it: JSON or a form with its secrets masked, cut to `max`
/// bytes (then `…` follows); other bodies are described, not kept.
pub fn body(bytes: &[u8], max: usize) -> String {
    if bytes.is_empty() {
        return String::new();
    }
    let text = if let Ok(mut v) = serde_json::from_slice::<Value>(bytes) {
        mask_json(&mut v);
        v.to_string()
    } else if let Some(form) = std::str::from_utf8(bytes).ok().filter(|s| looks_like_form(s)) {
        mask_pairs(form)
    } else {
        return format!("({} bytes, neither JSON nor a form: not kept)", bytes.len());
    };
    cut(text, max)
}

fn looks_like_form(s: &str) -> bool {
    !s.trim().is_empty() && s.split('&').all(|p| p.contains('=') && !p.contains(char::is_whitespace))
}

fn cut(mut s: String, max: usize) -> String {
    if s.len() > max {
        let mut end = max;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        s.truncate(end);
        s.push('…');
    }
    s
}

/// Mask every value under a secret-named key, at any depth.
pub fn mask_json(v: &mut Value) {
    match v {
        Value::Object(map) => {
            for (k, val) in map.iter_mut() {
                if is_secret(k) && !val.is_object() {
                    *val = Value::String(MASK.into());
                } else {
                    mask_json(val);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(mask_json),
        _ => {}
    }
}

/// `a=1&Token=x` → `a=1&Token=***`.
pub fn mask_pairs(s: &str) -> String {
    s.split('&')
        .map(|p| match p.split_once('=') {
            Some((k, _)) if is_secret(k) => format!("{k}={MASK}"),
            _ => p.to_string(),
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// A canonical request or string to sign: a header line `name:value` or a query pair whose
/// name is a secret (a session token a client signs with) loses its value.
pub fn signed_text(s: &str) -> String {
    s.lines()
        .map(|line| match line.split_once(':') {
            Some((name, _)) if is_secret(name) && !name.contains(['&', '=', '?', '/']) => format!("{name}:{MASK}"),
            _ if line.contains('=') => mask_query_in(line),
            _ => line.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Mask the query part of a line (`GETcbs.tencentcloudapi.com/?A=1&Token=x`, or a bare query).
fn mask_query_in(line: &str) -> String {
    match line.split_once('?') {
        Some((head, q)) => format!("{head}?{}", mask_pairs(q)),
        None => mask_pairs(line),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_masked_in_json_forms_and_signed_text() {
        let b = body(
            br#"{"auth":{"identity":{"password":{"user":{"name":"u","password":"hunter2"}}}},"SecretKey":"k"}"#,
            1000,
        );
        assert!(!b.contains("hunter2") && !b.contains("\"k\""), "{b}");
        assert!(b.contains("\"name\":\"u\""));
        assert_eq!(body(b"Action=X&Signature=abc&Token=t", 100), "Action=X&Signature=***&Token=***");
        assert!(body(b"\x00\x01binary", 100).contains("not kept"));
        assert_eq!(body(b"{\"a\":\"0123456789\"}", 5), "{\"a\":…");
        let text = signed_text("POST\n/\n\ncontent-type:application/json\nx-tc-token:tok\n\nhost;x-tc-token");
        assert!(!text.contains("tok\n") && text.contains("x-tc-token:***"), "{text}");
        assert_eq!(
            signed_text("GETcbs.tencentcloudapi.com/?Action=A&Token=t"),
            "GETcbs.tencentcloudapi.com/?Action=A&Token=***"
        );
    }
}
