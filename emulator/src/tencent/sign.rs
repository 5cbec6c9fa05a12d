//! Tencent Cloud request signatures: TC3-HMAC-SHA256 (API 3.0) and the v1 HmacSHA1/HmacSHA256
//! query signature. Signers and verifiers share the same canonical-form builders, so the
//! conformance client signs exactly what the twin verifies.

use std::borrow::Cow;
use std::cell::RefCell;

use base64::Engine;
use hmac::{Hmac, Mac};
use sha1::Sha1;
use sha2::{Digest, Sha256};

use crate::core::hex::{hex_lower, push_hex};

pub const TC3_ALGORITHM: &str = "TC3-HMAC-SHA256";
pub const SERVICE: &str = "cbs";

pub fn sha256_hex(data: &[u8]) -> String {
    hex_lower(&Sha256::digest(data))
}

fn hmac_sha256(key: &[u8], msg: &[u8]) -> [u8; 32] {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(msg);
    mac.finalize().into_bytes().into()
}

pub use crate::core::auth::constant_time_eq;

/// The parts of a TC3 `Authorization` header, borrowed from it (a signed request parses it
/// twice: the edge's check of the head, then the decoding).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tc3Authorization<'h> {
    pub secret_id: &'h str,
    pub date: &'h str,
    pub service: &'h str,
    /// Lowercase header names, in the order the client listed them.
    pub signed_headers: Vec<&'h str>,
    /// Lowercase hex.
    pub signature: Cow<'h, str>,
}

/// Parse `TC3-HMAC-SHA256 Credential=ID/DATE/SERVICE/tc3_request, SignedHeaders=a;b, Signature=HEX`.
pub fn parse_tc3_authorization(header: &str) -> Option<Tc3Authorization<'_>> {
    let rest = header.strip_prefix(TC3_ALGORITHM)?.strip_prefix(' ')?;
    let (mut credential, mut signed, mut signature) = (None, None, None);
    for part in rest.split(',') {
        let (k, v) = part.trim().split_once('=')?;
        match k {
            "Credential" if credential.is_none() => credential = Some(v),
            "SignedHeaders" if signed.is_none() => signed = Some(v),
            "Signature" if signature.is_none() => signature = Some(v),
            _ => return None,
        }
    }
    let mut scope = credential?.split('/');
    let (secret_id, date, service, terminator) = (scope.next()?, scope.next()?, scope.next()?, scope.next()?);
    if terminator != "tc3_request" || scope.next().is_some() || secret_id.is_empty() {
        return None;
    }
    let signed_headers: Vec<&str> = signed?.split(';').collect();
    if signed_headers.iter().any(|h| h.is_empty() || h.bytes().any(|b| b.is_ascii_uppercase())) {
        return None;
    }
    let signature = signature?;
    if signature.len() != 64 || !signature.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let signature = match signature.bytes().any(|b| b.is_ascii_uppercase()) {
        true => Cow::Owned(signature.to_ascii_lowercase()),
        false => Cow::Borrowed(signature),
    };
    Some(Tc3Authorization { secret_id, date, service, signed_headers, signature })
}

/// CanonicalRequest: method, `/`, the raw query (GET) or "" (POST), `name:value\n` per signed
/// header, the signed header list and the hex SHA-256 of the payload.
pub fn tc3_canonical_request(method: &str, query: &str, headers: &[(&str, &str)], payload_hash: &str) -> String {
    let query = if method == "GET" { query } else { "" };
    // One buffer, sized once: this runs for every signed request.
    let names: usize = headers.iter().map(|(n, v)| 2 * n.len() + v.len() + 2).sum();
    let mut s = String::with_capacity(method.len() + query.len() + names + payload_hash.len() + 8);
    s.push_str(method);
    s.push_str("\n/\n");
    s.push_str(query);
    s.push('\n');
    for (name, value) in headers {
        s.push_str(name);
        s.push(':');
        s.push_str(value.trim());
        s.push('\n');
    }
    s.push('\n');
    for (i, (name, _)) in headers.iter().enumerate() {
        if i > 0 {
            s.push(';');
        }
        s.push_str(name);
    }
    s.push('\n');
    s.push_str(payload_hash);
    s
}

pub fn tc3_string_to_sign(timestamp: &str, date: &str, service: &str, canonical_request: &str) -> String {
    // Pushed into one buffer sized once, the digest's hex written in place: every signed
    // request builds this.
    let mut s = String::with_capacity(TC3_ALGORITHM.len() + timestamp.len() + date.len() + service.len() + 80);
    for part in [TC3_ALGORITHM, "\n", timestamp, "\n", date, "/", service, "/tc3_request\n"] {
        s.push_str(part);
    }
    push_hex(&mut s, &Sha256::digest(canonical_request.as_bytes()));
    s
}

/// Hex HMAC-SHA256 over the string to sign, with the key chain TC3+SecretKey → date → service →
/// "tc3_request".
pub fn tc3_signature(secret_key: &str, date: &str, service: &str, string_to_sign: &str) -> String {
    hex_lower(&hmac_sha256(&signing_key(secret_key, date, service), string_to_sign.as_bytes()))
}

/// The key the chain derives: three HMACs that depend only on the secret, the date and the
/// service, so the last few are kept per thread (docs/performance.md).
fn signing_key(secret_key: &str, date: &str, service: &str) -> [u8; 32] {
    /// (secret, date, service, key); a handful covers the accounts a test run signs with.
    type Kept = Vec<(String, String, String, [u8; 32])>;
    const KEEP: usize = 8;
    thread_local! {
        static KEYS: RefCell<Kept> = const { RefCell::new(Vec::new()) };
    }
    let derive = || {
        let k_date = hmac_sha256(format!("TC3{secret_key}").as_bytes(), date.as_bytes());
        let k_service = hmac_sha256(&k_date, service.as_bytes());
        hmac_sha256(&k_service, b"tc3_request")
    };
    KEYS.with(|keys| {
        let mut keys = keys.borrow_mut();
        // Both sides of this comparison are configured secrets (the caller chose which by its
        // SecretId, not by sending one), so its timing tells nothing a caller can use.
        if let Some((.., key)) = keys.iter().find(|(s, d, v, _)| s == secret_key && d == date && v == service) {
            return *key;
        }
        let key = derive();
        if keys.len() == KEEP {
            keys.remove(0);
        }
        keys.push((secret_key.to_string(), date.to_string(), service.to_string(), key));
        key
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum V1Method {
    HmacSha1,
    HmacSha256,
}

impl V1Method {
    /// "The HmacSHA256 algorithm is used to verify the signature only when this parameter is
    /// specified as HmacSHA256. In other cases, the signature is verified with HmacSHA1."
    pub fn from_param(p: Option<&str>) -> V1Method {
        if p == Some("HmacSHA256") {
            V1Method::HmacSha256
        } else {
            V1Method::HmacSha1
        }
    }
}

/// The v1 source string: METHOD + host + path + "?" + `k=v` joined by `&`, keys sorted by byte
/// value, values decoded (not URL-encoded), `Signature` excluded. Like the official SDK, `_` in a
/// key is read as `.` before sorting.
pub fn v1_source(method: &str, host: &str, path: &str, params: &[(String, String)]) -> String {
    let mut items: Vec<(String, &str)> =
        params.iter().filter(|(k, _)| k != "Signature").map(|(k, v)| (k.replace('_', "."), v.as_str())).collect();
    items.sort();
    let query: Vec<String> = items.into_iter().map(|(k, v)| format!("{k}={v}")).collect();
    format!("{method}{host}{path}?{}", query.join("&"))
}

pub fn v1_signature(secret_key: &str, method: V1Method, source: &str) -> String {
    let mac = match method {
        V1Method::HmacSha1 => {
            let mut m = Hmac::<Sha1>::new_from_slice(secret_key.as_bytes()).expect("any key length");
            m.update(source.as_bytes());
            m.finalize().into_bytes().to_vec()
        }
        V1Method::HmacSha256 => hmac_sha256(secret_key.as_bytes(), source.as_bytes()).to_vec(),
    };
    base64::engine::general_purpose::STANDARD.encode(mac)
}

/// A request signed with TC3 by [`sign_tc3`]: the headers to send with the body.
#[derive(Debug, Clone)]
pub struct SignedTc3 {
    pub headers: Vec<(String, String)>,
}

/// Inputs of a TC3-signed request (client side).
pub struct Tc3Request<'a> {
    pub secret_id: &'a str,
    pub secret_key: &'a str,
    pub host: &'a str,
    pub method: &'a str,
    pub query: &'a str,
    pub content_type: &'a str,
    pub action: &'a str,
    pub version: &'a str,
    pub region: Option<&'a str>,
    pub timestamp: i64,
    pub payload: &'a [u8],
}

impl<'a> Tc3Request<'a> {
    /// A JSON POST to ap-guangzhou under the default key, as an SDK sends one by default (the
    /// benches' and tests' requests; a field set after it changes the one request).
    pub fn default_post(host: &'a str, action: &'a str, timestamp: i64, payload: &'a [u8]) -> Self {
        Tc3Request {
            secret_id: crate::config::DEFAULT_SECRET_ID,
            secret_key: crate::config::DEFAULT_SECRET_KEY,
            host,
            method: "POST",
            query: "",
            content_type: "application/json",
            action,
            version: "2017-03-12",
            region: Some("ap-guangzhou"),
            timestamp,
            payload,
        }
    }
}

/// Sign a request the way tencentcloud-sdk-python does (SignedHeaders `content-type;host`).
pub fn sign_tc3(r: &Tc3Request<'_>) -> SignedTc3 {
    let date = crate::core::clock::utc_date(r.timestamp);
    let payload = if r.method == "GET" { &b""[..] } else { r.payload };
    let canonical = tc3_canonical_request(
        r.method,
        r.query,
        &[("content-type", r.content_type), ("host", r.host)],
        &sha256_hex(payload),
    );
    let ts = r.timestamp.to_string();
    let sts = tc3_string_to_sign(&ts, &date, SERVICE, &canonical);
    let sig = tc3_signature(r.secret_key, &date, SERVICE, &sts);
    let auth = format!(
        "{TC3_ALGORITHM} Credential={}/{date}/{SERVICE}/tc3_request, SignedHeaders=content-type;host, Signature={sig}",
        r.secret_id
    );
    let mut headers = vec![
        ("Authorization".to_string(), auth),
        ("Content-Type".to_string(), r.content_type.to_string()),
        ("Host".to_string(), r.host.to_string()),
        ("X-TC-Action".to_string(), r.action.to_string()),
        ("X-TC-Timestamp".to_string(), ts),
        ("X-TC-Version".to_string(), r.version.to_string()),
    ];
    if let Some(region) = r.region {
        headers.push(("X-TC-Region".to_string(), region.to_string()));
    }
    SignedTc3 { headers }
}

/// Add the v1 common parameters and the signature to `params` (client side); returns the
/// urlencoded string to send as the query (GET) or form body (POST).
#[allow(clippy::too_many_arguments)]
pub fn sign_v1(
    secret_id: &str,
    secret_key: &str,
    host: &str,
    http_method: &str,
    method: V1Method,
    action: &str,
    region: Option<&str>,
    timestamp: i64,
    nonce: u64,
    mut params: Vec<(String, String)>,
) -> String {
    params.push(("Action".into(), action.into()));
    params.push(("Version".into(), "2017-03-12".into()));
    params.push(("Timestamp".into(), timestamp.to_string()));
    params.push(("Nonce".into(), nonce.to_string()));
    params.push(("SecretId".into(), secret_id.into()));
    if let Some(r) = region {
        params.push(("Region".into(), r.into()));
    }
    params.push((
        "SignatureMethod".into(),
        match method {
            V1Method::HmacSha1 => "HmacSHA1",
            V1Method::HmacSha256 => "HmacSHA256",
        }
        .into(),
    ));
    let sig = v1_signature(secret_key, method, &v1_source(http_method, host, "/", &params));
    params.push(("Signature".into(), sig));
    form_urlencoded::Serializer::new(String::new()).extend_pairs(params).finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC_KEY: &str = "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE";

    #[test]
    fn sha256_hex_is_the_digest_in_hex() {
        assert_eq!(sha256_hex(b"abc"), hex::encode(Sha256::digest(b"abc")));
    }

    /// TC3-B of catalog/tencent-signature-vectors.md: the GET example, reproduced exactly.
    #[test]
    fn doc_vector_tc3_b() {
        let canonical = tc3_canonical_request(
            "GET",
            "Limit=10&Offset=0",
            &[("content-type", "application/x-www-form-urlencoded"), ("host", "cvm.tencentcloudapi.com")],
            &sha256_hex(b""),
        );
        let sts = tc3_string_to_sign("1539084154", "2018-10-09", "cvm", &canonical);
        assert_eq!(
            tc3_signature(DOC_KEY, "2018-10-09", "cvm", &sts),
            "5da7a33f6993f0614b047e5df4582db9e9bf4672ba50567dba16c6ccf174c474"
        );
    }

    /// TC3-A: every key-independent intermediate value of the main worked example.
    #[test]
    fn doc_vector_tc3_a_intermediates() {
        let payload = br#"{"Limit": 1, "Filters": [{"Values": ["unnamed"], "Name": "instance-name"}]}"#;
        let hashed = sha256_hex(payload);
        assert_eq!(hashed, "99d58dfbc6745f6747f36bfca17dee5e6881dc0428a0a36f96199342bc5b4907");
        let canonical = tc3_canonical_request(
            "POST",
            "",
            &[("content-type", "application/json; charset=utf-8"), ("host", "cvm.tencentcloudapi.com")],
            &hashed,
        );
        assert_eq!(
            canonical,
            "POST\n/\n\ncontent-type:application/json; charset=utf-8\nhost:cvm.tencentcloudapi.com\n\ncontent-type;host\n99d58dfbc6745f6747f36bfca17dee5e6881dc0428a0a36f96199342bc5b4907"
        );
        assert_eq!(
            sha256_hex(canonical.as_bytes()),
            "2815843035062fffda5fd6f2a44ea8a34818b0dc46f024b8b3786976a3adda7a"
        );
        let sts = tc3_string_to_sign("1551113065", "2019-02-25", "cvm", &canonical);
        assert!(sts.starts_with("TC3-HMAC-SHA256\n1551113065\n2019-02-25/cvm/tc3_request\n2815843035062fffda5f"));
    }

    /// V1-B: the HmacSHA1 URL printed in the Signature v3 section (with `InstanceIds.0`).
    #[test]
    fn doc_vector_v1_b() {
        let params: Vec<(String, String)> = [
            ("Action", "DescribeInstances"),
            ("SecretId", "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE"),
            ("Timestamp", "1465185768"),
            ("Nonce", "11886"),
            ("Region", "ap-guangzhou"),
            ("InstanceIds.0", "ins-09dx96dg"),
            ("Offset", "0"),
            ("Limit", "20"),
            ("Version", "2017-03-12"),
        ]
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
        let src = v1_source("GET", "cvm.tencentcloudapi.com", "/", &params);
        assert_eq!(src, "GETcvm.tencentcloudapi.com/?Action=DescribeInstances&InstanceIds.0=ins-09dx96dg&Limit=20&Nonce=11886&Offset=0&Region=ap-guangzhou&SecretId=AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE&Timestamp=1465185768&Version=2017-03-12");
        assert_eq!(v1_signature(DOC_KEY, V1Method::HmacSha1, &src), "EliP9YW3pW28FpsEdkXt/+WcGeI=");
    }

    #[test]
    fn v1_sorts_by_byte_value() {
        let p = vec![("InstanceIds.2".to_string(), "b".to_string()), ("InstanceIds.12".to_string(), "a".to_string())];
        assert_eq!(v1_source("GET", "h", "/", &p), "GETh/?InstanceIds.12=a&InstanceIds.2=b");
    }

    #[test]
    fn authorization_parsing() {
        let a = parse_tc3_authorization(
            "TC3-HMAC-SHA256 Credential=AKID/2026-11-22/cbs/tc3_request, SignedHeaders=content-type;host, Signature=585152569771ed3342c9cd25ec9d4111d8cb435ad256177a5eaa107b21a6bb70",
        )
        .unwrap();
        assert_eq!(a.secret_id, "AKID");
        assert_eq!(a.signed_headers, vec!["content-type", "host"]);
        for bad in [
            "",
            "TC3-HMAC-SHA256",
            "TC3-HMAC-SHA256 Credential=AKID/2026-11-22/cbs/tc3_request, SignedHeaders=content-type;host",
            "TC3-HMAC-SHA256 Credential=AKID/2026-11-22/cbs, SignedHeaders=host, Signature=00",
            "HMAC Credential=AKID/2026-11-22/cbs/tc3_request, SignedHeaders=host, Signature=585152569771ed3342c9cd25ec9d4111d8cb435ad256177a5eaa107b21a6bb70",
        ] {
            assert!(parse_tc3_authorization(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn signer_and_verifier_agree() {
        let body = br#"{"Limit": 5}"#;
        let signed = sign_tc3(&Tc3Request {
            secret_id: "AKID",
            secret_key: "key",
            host: "127.0.0.1:4599",
            method: "POST",
            query: "",
            content_type: "application/json",
            action: "DescribeDisks",
            version: "2017-03-12",
            region: Some("ap-guangzhou"),
            timestamp: 1_795_384_433,
            payload: body,
        });
        let auth = parse_tc3_authorization(&signed.headers[0].1).unwrap();
        let canonical = tc3_canonical_request(
            "POST",
            "",
            &[("content-type", "application/json"), ("host", "127.0.0.1:4599")],
            &sha256_hex(body),
        );
        let sts = tc3_string_to_sign("1795384433", auth.date, "cbs", &canonical);
        assert!(constant_time_eq(&tc3_signature("key", auth.date, "cbs", &sts), &auth.signature));
    }

    /// The kept signing keys answer exactly what deriving them anew does, for every secret,
    /// date and service, in any order and past the number kept.
    #[test]
    fn kept_signing_keys_match_the_chain() {
        let fresh = |secret: &str, date: &str, service: &str, sts: &str| {
            let k_date = hmac_sha256(format!("TC3{secret}").as_bytes(), date.as_bytes());
            let k_service = hmac_sha256(&k_date, service.as_bytes());
            let k_signing = hmac_sha256(&k_service, b"tc3_request");
            hex::encode(hmac_sha256(&k_signing, sts.as_bytes()))
        };
        let mut cases = Vec::new();
        for secret in ["key-a", "key-b", "key-c"] {
            for date in ["2026-12-02", "2026-12-03", "2026-12-04", "2027-01-01"] {
                for service in ["cbs", "cvm"] {
                    cases.push((secret, date, service));
                }
            }
        }
        for round in 0..3 {
            for (i, (secret, date, service)) in cases.iter().enumerate() {
                let sts = format!("string {i} {round}");
                assert_eq!(tc3_signature(secret, date, service, &sts), fresh(secret, date, service, &sts));
            }
            cases.reverse();
        }
    }
}
