//! UCloudStack's request signature: every parameter except `Signature`, sorted by name in byte
//! order, written as `name + value` with no separators and no escaping, then the PrivateKey; the
//! signature is the lowercase hex SHA-1 of that string. There is no timestamp, so nothing to
//! check for clock skew. The signer lives here too, for tests and clients.

use std::collections::BTreeMap;

use sha1::{Digest, Sha1};
use subtle::ConstantTimeEq;

use crate::core::hex::hex_lower;

/// The string that is hashed (logged at debug level when a signature fails; it ends with the
/// private key, so callers log it without its tail).
pub fn string_to_sign(params: &BTreeMap<String, String>, private_key: &str) -> String {
    let mut s = String::new();
    for (k, v) in params.iter().filter(|(k, _)| k.as_str() != "Signature") {
        s.push_str(k);
        s.push_str(v);
    }
    s.push_str(private_key);
    s
}

pub fn sign(params: &BTreeMap<String, String>, private_key: &str) -> String {
    hex_lower(&Sha1::digest(string_to_sign(params, private_key).as_bytes()))
}

/// Constant-time comparison; the hex may come in either case.
pub fn verify(params: &BTreeMap<String, String>, private_key: &str, signature: &str) -> bool {
    let expected = sign(params, private_key);
    let given = signature.trim().to_ascii_lowercase();
    expected.as_bytes().ct_eq(given.as_bytes()).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    const PUBLIC: &str = "1UxDcqTHEGGGviQFqlt870EbLuaSJPZOB8hZ74tL";
    const PRIVATE: &str = "tcgX3Xi_mAKpQayggnVLWzerkWB_fH1KXuk05hUrus8KSziLVyjWXwKZ80FOOldC";

    fn vector() -> BTreeMap<String, String> {
        [("Action", "DescribeVMInstance"), ("Limit", "20"), ("Offset", "0"), ("PublicKey", PUBLIC)]
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn the_documented_vector() {
        let p = vector();
        assert_eq!(
            string_to_sign(&p, PRIVATE),
            "ActionDescribeVMInstanceLimit20Offset0PublicKey1UxDcqTHEGGGviQFqlt870EbLuaSJPZOB8hZ74tL\
             tcgX3Xi_mAKpQayggnVLWzerkWB_fH1KXuk05hUrus8KSziLVyjWXwKZ80FOOldC"
        );
        assert_eq!(sign(&p, PRIVATE), "2d86e5b4186ac6e42b628f258a7037c7636c9a81");
        assert!(verify(&p, PRIVATE, "2d86e5b4186ac6e42b628f258a7037c7636c9a81"));
        assert!(verify(&p, PRIVATE, "2D86E5B4186AC6E42B628F258A7037C7636C9A81"));
    }

    #[test]
    fn the_signature_parameter_is_not_signed_and_every_other_byte_is() {
        let mut p = vector();
        p.insert("Signature".into(), "whatever".into());
        assert_eq!(sign(&p, PRIVATE), "2d86e5b4186ac6e42b628f258a7037c7636c9a81");
        p.insert("Limit".into(), "21".into());
        assert!(!verify(&p, PRIVATE, "2d86e5b4186ac6e42b628f258a7037c7636c9a81"));
        assert!(!verify(&vector(), "another-key", "2d86e5b4186ac6e42b628f258a7037c7636c9a81"));
        assert!(!verify(&vector(), PRIVATE, ""));
    }
}
