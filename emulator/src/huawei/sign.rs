//! Huawei Cloud AK/SK request signatures, as the official SDK core computes them:
//! SDK-HMAC-SHA256, SDK-HMAC-SM3 (same scheme, SM3 for hash and HMAC) and the derived-key
//! V11-HMAC-SHA256. Signers and verifiers share the canonical-request builder, so the
//! conformance client signs exactly what the twin verifies.

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use sm3::Sm3;

use crate::core::auth::constant_time_eq;
use crate::core::hex::hex_lower;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Algorithm {
    HmacSha256,
    HmacSm3,
    /// Key derived per date/region/service with HKDF-SHA256 from the AK/SK.
    V11HmacSha256,
}

impl Algorithm {
    pub fn name(self) -> &'static str {
        match self {
            Algorithm::HmacSha256 => "SDK-HMAC-SHA256",
            Algorithm::HmacSm3 => "SDK-HMAC-SM3",
            Algorithm::V11HmacSha256 => "V11-HMAC-SHA256",
        }
    }

    fn hash_hex(self, data: &[u8]) -> String {
        match self {
            Algorithm::HmacSm3 => hex_lower(&Sm3::digest(data)),
            _ => hex_lower(&Sha256::digest(data)),
        }
    }

    fn hmac_hex(self, key: &[u8], msg: &[u8]) -> String {
        match self {
            Algorithm::HmacSm3 => {
                let mut m = Hmac::<Sm3>::new_from_slice(key).expect("HMAC takes any key length");
                m.update(msg);
                hex_lower(&m.finalize().into_bytes())
            }
            _ => hex_lower(&hmac_sha256(key, msg)),
        }
    }

    /// The header a client may send instead of hashing the body.
    fn content_header(self) -> &'static str {
        match self {
            Algorithm::HmacSm3 => "x-sdk-content-sm3",
            _ => "x-sdk-content-sha256",
        }
    }
}

fn hmac_sha256(key: &[u8], msg: &[u8]) -> [u8; 32] {
    let mut m = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key length");
    m.update(msg);
    m.finalize().into_bytes().into()
}

/// The parts of an `Authorization` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authorization {
    pub algorithm: Algorithm,
    pub access_key: String,
    /// V11 only: `YYYYMMDD/region/service`.
    pub scope: Option<String>,
    pub signed_headers: Vec<String>,
    pub signature: String,
}

/// Parse `SDK-HMAC-SHA256 Access=AK, SignedHeaders=a;b, Signature=HEX` (or SM3), or
/// `V11-HMAC-SHA256 Credential=AK/DATE/REGION/SERVICE, SignedHeaders=..., Signature=...`.
pub fn parse_authorization(header: &str) -> Option<Authorization> {
    let (alg, rest) = header.split_once(' ')?;
    let algorithm = match alg {
        "SDK-HMAC-SHA256" => Algorithm::HmacSha256,
        "SDK-HMAC-SM3" => Algorithm::HmacSm3,
        "V11-HMAC-SHA256" => Algorithm::V11HmacSha256,
        _ => return None,
    };
    let (mut access, mut signed, mut signature) = (None, None, None);
    for part in rest.split(',') {
        let (k, v) = part.trim().split_once('=')?;
        match k {
            "Access" if algorithm != Algorithm::V11HmacSha256 && access.is_none() => access = Some(v),
            "Credential" if algorithm == Algorithm::V11HmacSha256 && access.is_none() => access = Some(v),
            "SignedHeaders" if signed.is_none() => signed = Some(v),
            "Signature" if signature.is_none() => signature = Some(v),
            _ => return None,
        }
    }
    let (access_key, scope) = match algorithm {
        Algorithm::V11HmacSha256 => {
            let (ak, scope) = access?.split_once('/')?;
            if scope.split('/').count() != 3 {
                return None;
            }
            (ak.to_string(), Some(scope.to_string()))
        }
        _ => (access?.to_string(), None),
    };
    let signed_headers: Vec<String> = signed?.split(';').map(str::to_string).collect();
    if access_key.is_empty() || signed_headers.iter().any(|h| h.is_empty() || h.bytes().any(|b| b.is_ascii_uppercase()))
    {
        return None;
    }
    Some(Authorization { algorithm, access_key, scope, signed_headers, signature: signature?.to_string() })
}

/// What `quote` leaves as it is.
fn unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
}

/// `quote(s, safe="~")` of Python: everything but unreserved characters is %XX-encoded.
pub fn quote(s: &str) -> String {
    const SET: &percent_encoding::AsciiSet =
        &percent_encoding::NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');
    percent_encoding::utf8_percent_encode(s, SET).to_string()
}

fn unquote(s: &str) -> String {
    percent_encoding::percent_decode_str(s).decode_utf8_lossy().into_owned()
}

/// The canonical URI: each decoded segment re-encoded, always ending with `/`.
pub fn canonical_uri(raw_path: &str) -> String {
    // Decoding and re-encoding leave a path of unreserved characters as it is (every path the
    // twin routes): no string per segment for it.
    if raw_path.bytes().all(|b| b == b'/' || unreserved(b)) {
        let mut uri = String::with_capacity(raw_path.len() + 1);
        uri.push_str(raw_path);
        if !uri.ends_with('/') {
            uri.push('/');
        }
        return uri;
    }
    recoded_uri(raw_path)
}

fn recoded_uri(raw_path: &str) -> String {
    let decoded = unquote(raw_path);
    let mut uri = decoded.split('/').map(quote).collect::<Vec<_>>().join("/");
    if !uri.ends_with('/') {
        uri.push('/');
    }
    uri
}

/// The canonical query: pairs decoded (a `+` stays a `+`), sorted by key then value, re-encoded.
pub fn canonical_query(raw_query: &str) -> String {
    let mut pairs: Vec<(&str, &str)> =
        raw_query.split('&').filter(|p| !p.is_empty()).map(|p| p.split_once('=').unwrap_or((p, ""))).collect();
    // Pairs of unreserved characters decode and re-encode to themselves: sorted as they are.
    if pairs.iter().all(|(k, v)| k.bytes().chain(v.bytes()).all(unreserved)) {
        pairs.sort_unstable();
        let mut out = String::with_capacity(raw_query.len() + pairs.len());
        for (i, (k, v)) in pairs.iter().enumerate() {
            if i > 0 {
                out.push('&');
            }
            out.push_str(k);
            out.push('=');
            out.push_str(v);
        }
        return out;
    }
    recoded_query(raw_query)
}

fn recoded_query(raw_query: &str) -> String {
    let mut pairs: Vec<(String, String)> = raw_query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (unquote(k), unquote(v))
        })
        .collect();
    pairs.sort();
    pairs.iter().map(|(k, v)| format!("{}={}", quote(k), quote(v))).collect::<Vec<_>>().join("&")
}

/// What a request looks like to the signature: method, raw path and query, the headers it
/// signed (lowercase name → value as received) and the body.
pub struct Signable<'a> {
    pub method: &'a str,
    pub raw_path: &'a str,
    pub raw_query: &'a str,
    /// (lowercase name, value) for every header of the request.
    pub headers: &'a [(String, String)],
    pub body: &'a [u8],
}

impl Signable<'_> {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    /// Fails when a header listed as signed is absent.
    pub fn canonical_request(&self, alg: Algorithm, signed: &[String]) -> Option<String> {
        let mut out = String::with_capacity(512);
        out.push_str(&self.method.to_ascii_uppercase());
        out.push('\n');
        out.push_str(&canonical_uri(self.raw_path));
        out.push('\n');
        out.push_str(&canonical_query(self.raw_query));
        out.push('\n');
        for name in signed {
            out.push_str(name);
            out.push(':');
            out.push_str(self.header(name)?.trim());
            out.push('\n');
        }
        out.push('\n');
        out.push_str(&signed.join(";"));
        out.push('\n');
        let payload = match self.header(alg.content_header()) {
            Some(declared) if !self.body.is_empty() => declared.to_string(),
            _ => alg.hash_hex(self.body),
        };
        out.push_str(&payload);
        Some(out)
    }
}

pub fn string_to_sign(alg: Algorithm, sdk_date: &str, scope: Option<&str>, canonical: &str) -> String {
    let hash = alg.hash_hex(canonical.as_bytes());
    match scope {
        Some(scope) => format!("{}\n{sdk_date}\n{scope}\n{hash}", alg.name()),
        None => format!("{}\n{sdk_date}\n{hash}", alg.name()),
    }
}

/// The signing key: the SK itself, or for V11 the hex of HKDF-SHA256(salt = AK, SK, info = scope).
fn key(alg: Algorithm, ak: &str, sk: &str, scope: Option<&str>) -> Vec<u8> {
    match (alg, scope) {
        (Algorithm::V11HmacSha256, Some(scope)) => {
            let prk = hmac_sha256(ak.as_bytes(), sk.as_bytes());
            let mut info = scope.as_bytes().to_vec();
            info.push(1);
            hex_lower(&hmac_sha256(&prk, &info)).into_bytes()
        }
        _ => sk.as_bytes().to_vec(),
    }
}

pub fn signature(alg: Algorithm, ak: &str, sk: &str, scope: Option<&str>, string_to_sign: &str) -> String {
    alg.hmac_hex(&key(alg, ak, sk, scope), string_to_sign.as_bytes())
}

/// Why a signature did not verify; the canonical request and string to sign are kept for the
/// debug log (they contain no secret).
#[derive(Debug)]
pub struct Mismatch {
    pub canonical: Option<String>,
    pub string_to_sign: Option<String>,
}

/// A declared body hash (`X-Sdk-Content-Sha256`, or `-Sm3`) stands in for the body's own in the
/// canonical request, so it must be the body's: otherwise a signature made for one body would
/// carry any other. `UNSIGNED-PAYLOAD`, which the SDK sends for non-JSON bodies, declares
/// nothing and is taken as is.
fn declared_hash_matches(req: &Signable<'_>, alg: Algorithm) -> bool {
    match req.header(alg.content_header()) {
        Some(declared) if !req.body.is_empty() && declared.trim() != "UNSIGNED-PAYLOAD" => {
            declared.trim().eq_ignore_ascii_case(&alg.hash_hex(req.body))
        }
        _ => true,
    }
}

/// Check `auth` against the request with the caller's secret key.
pub fn verify(req: &Signable<'_>, auth: &Authorization, sk: &str, sdk_date: &str) -> Result<(), Mismatch> {
    if !declared_hash_matches(req, auth.algorithm) {
        return Err(Mismatch { canonical: None, string_to_sign: None });
    }
    let Some(canonical) = req.canonical_request(auth.algorithm, &auth.signed_headers) else {
        return Err(Mismatch { canonical: None, string_to_sign: None });
    };
    let sts = string_to_sign(auth.algorithm, sdk_date, auth.scope.as_deref(), &canonical);
    let expected = signature(auth.algorithm, &auth.access_key, sk, auth.scope.as_deref(), &sts);
    if constant_time_eq(&expected, &auth.signature) {
        Ok(())
    } else {
        Err(Mismatch { canonical: Some(canonical), string_to_sign: Some(sts) })
    }
}

/// A request signed the way the Python SDK signs it.
pub struct Signed {
    pub authorization: String,
    /// Every header to send, including the signed ones (`host`, `x-sdk-date`, ...).
    pub headers: Vec<(String, String)>,
}

/// What a client signs.
pub struct Outgoing<'a> {
    pub method: &'a str,
    pub raw_path: &'a str,
    pub raw_query: &'a str,
    pub headers: &'a [(&'a str, &'a str)],
    pub body: &'a [u8],
    pub sdk_date: &'a str,
}

/// Sign a request: every header given is signed (as the SDK does), plus `x-sdk-date`.
pub fn sign(alg: Algorithm, ak: &str, sk: &str, r: &Outgoing<'_>) -> Signed {
    let mut all: Vec<(String, String)> =
        r.headers.iter().map(|(n, v)| (n.to_ascii_lowercase(), v.to_string())).collect();
    all.retain(|(n, _)| n != "x-sdk-date");
    all.push(("x-sdk-date".into(), r.sdk_date.into()));
    all.sort();
    let signed: Vec<String> = all.iter().map(|(n, _)| n.clone()).filter(|n| !n.contains('_')).collect();
    let req = Signable { method: r.method, raw_path: r.raw_path, raw_query: r.raw_query, headers: &all, body: r.body };
    let canonical = req.canonical_request(alg, &signed).expect("every signed header is present");
    let sts = string_to_sign(alg, r.sdk_date, None, &canonical);
    let sig = signature(alg, ak, sk, None, &sts);
    let authorization = format!("{} Access={ak}, SignedHeaders={}, Signature={sig}", alg.name(), signed.join(";"));
    Signed { authorization, headers: all }
}

/// `X-Sdk-Date` (`20240416T095341Z`) as unix seconds.
pub fn parse_sdk_date(s: &str) -> Option<i64> {
    chrono::NaiveDateTime::parse_from_str(s, "%Y%m%dT%H%M%SZ").ok().map(|d| d.and_utc().timestamp())
}

pub fn format_sdk_date(unix_secs: i64) -> String {
    chrono::DateTime::from_timestamp(unix_secs, 0).unwrap_or_default().format("%Y%m%dT%H%M%SZ").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_forms_follow_the_sdk() {
        assert_eq!(canonical_uri("/v3/p/vaults"), "/v3/p/vaults/");
        assert_eq!(canonical_uri("/v3/p/a%3Ab"), "/v3/p/a%3Ab/");
        assert_eq!(canonical_query("name=cloudtwin%20vault&limit=10&id=x"), "id=x&limit=10&name=cloudtwin%20vault");
        assert_eq!(canonical_query("resource_type=OS%3A%3ANova"), "resource_type=OS%3A%3ANova");
        assert_eq!(canonical_query("a=1+2"), "a=1%2B2");
        assert_eq!(canonical_query("a=b=c&a=b"), "a=b&a=b%3Dc");
    }

    proptest::proptest! {
        /// The shortcut for plain paths and queries writes what decoding and re-encoding write.
        #[test]
        fn plain_forms_are_their_recoded_forms(raw in "[a-zA-Z0-9/=&._~%+-]{0,40}") {
            proptest::prop_assert_eq!(canonical_uri(&raw), recoded_uri(&raw));
            proptest::prop_assert_eq!(canonical_query(&raw), recoded_query(&raw));
        }
    }

    #[test]
    fn sm3_matches_the_standard_vector() {
        // GB/T 32905-2016 example 1: SM3("abc").
        assert_eq!(
            Algorithm::HmacSm3.hash_hex(b"abc"),
            "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
        );
    }

    #[test]
    fn sign_then_verify_round_trips_and_detects_changes() {
        for alg in [Algorithm::HmacSha256, Algorithm::HmacSm3] {
            let out = Outgoing {
                method: "POST",
                raw_path: "/v3/p/vaults",
                raw_query: "",
                headers: &[("Host", "127.0.0.1:4599"), ("Content-Type", "application/json")],
                body: b"{}",
                sdk_date: "20261122T215353Z",
            };
            let s = sign(alg, "AK", "SK", &out);
            let auth = parse_authorization(&s.authorization).unwrap();
            assert_eq!(auth.signed_headers, ["content-type", "host", "x-sdk-date"]);
            let req =
                Signable { method: "POST", raw_path: "/v3/p/vaults", raw_query: "", headers: &s.headers, body: b"{}" };
            assert!(verify(&req, &auth, "SK", "20261122T215353Z").is_ok());
            let tampered = Signable { body: b"{ }", ..req };
            assert!(verify(&tampered, &auth, "SK", "20261122T215353Z").is_err());
        }
    }

    #[test]
    fn a_declared_body_hash_must_be_the_bodys_own() {
        let body_a = br#"{"vault": {"name": "a"}}"#;
        let hash_a = Algorithm::HmacSha256.hash_hex(body_a);
        for (declared, sent, ok) in [
            (hash_a.as_str(), &body_a[..], true),
            (hash_a.as_str(), &br#"{"vault": {"name": "b"}}"#[..], false),
            ("UNSIGNED-PAYLOAD", &br#"{"vault": {"name": "b"}}"#[..], true),
        ] {
            let headers =
                [("Host", "127.0.0.1:4599"), ("Content-Type", "application/json"), ("X-Sdk-Content-Sha256", declared)];
            let out = Outgoing {
                method: "POST",
                raw_path: "/v3/p/vaults",
                raw_query: "",
                headers: &headers,
                body: body_a,
                sdk_date: "20261122T215353Z",
            };
            let s = sign(Algorithm::HmacSha256, "AK", "SK", &out);
            let auth = parse_authorization(&s.authorization).unwrap();
            let req =
                Signable { method: "POST", raw_path: "/v3/p/vaults", raw_query: "", headers: &s.headers, body: sent };
            assert_eq!(verify(&req, &auth, "SK", "20261122T215353Z").is_ok(), ok, "{declared}");
        }
    }

    #[test]
    fn sdk_dates() {
        assert_eq!(parse_sdk_date("20261122T215353Z"), Some(1_795_384_433));
        assert_eq!(format_sdk_date(1_795_384_433), "20261122T215353Z");
        assert_eq!(parse_sdk_date("2026-11-22"), None);
    }
}
