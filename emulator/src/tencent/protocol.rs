//! From an HTTP request to (account, region, action, parameters), as Tencent Cloud API 3.0 does
//! it: TC3-HMAC-SHA256 with `X-TC-*` headers (POST JSON or GET query), or signature v1 with
//! common parameters in the query or form body. Nothing here knows what a disk is.

use axum::http::header::{AUTHORIZATION, CONTENT_TYPE, HOST};
use axum::http::{HeaderMap, HeaderName, Method};
use std::borrow::Cow;
use std::sync::Arc;

use super::error::{self as e, TcError, TcResult};
use super::params::{fold_flat, Params, Tree};
use super::sign;
use crate::config::{AuthMode, Config};
use crate::core::letters::Letters;

pub const VERSION: &str = "2017-03-12";
pub use crate::core::limits::{
    TENCENT_GET_BYTES as GET_LIMIT, TENCENT_TC3_POST_BYTES as TC3_POST_LIMIT, TENCENT_V1_POST_BYTES as V1_POST_LIMIT,
};

/// v1 common parameters: not action parameters.
const V1_COMMON: &[&str] = &[
    "Action",
    "Region",
    "Timestamp",
    "Nonce",
    "SecretId",
    "Signature",
    "SignatureMethod",
    "Version",
    "Token",
    "RequestClient",
    "Language",
];

pub use crate::core::http::HttpIn;

/// A request that passed the protocol layer.
#[derive(Debug)]
pub struct Call {
    pub account: String,
    pub uin: String,
    pub region: Option<String>,
    pub action: String,
    pub version: String,
    pub params: Given,
}

/// The parameters as a request gave them.
#[derive(Debug)]
pub enum Given {
    /// From the query string or a form.
    Tree(Tree),
    /// From a JSON body, which a read keeps by its letter once checked.
    Json(Tree),
    /// From a JSON body decoded and checked before for the same action (core/letters.rs).
    Kept(Arc<Params>),
}

/// Outcome of the protocol layer: an error still names the action when it was known, for logs.
pub type Decoded = Result<Call, TcError>;

// Header names as `HeaderName`s: a lookup by `&str` parses and hashes the name anew on every
// call, and a signed request looks up a dozen (docs/performance.md).
const X_TC_ACTION: HeaderName = HeaderName::from_static("x-tc-action");
const X_TC_VERSION: HeaderName = HeaderName::from_static("x-tc-version");
const X_TC_TIMESTAMP: HeaderName = HeaderName::from_static("x-tc-timestamp");
const X_TC_REGION: HeaderName = HeaderName::from_static("x-tc-region");
const X_TC_TOKEN: HeaderName = HeaderName::from_static("x-tc-token");
const X_TC_CONTENT_SHA256: HeaderName = HeaderName::from_static("x-tc-content-sha256");

/// The headers that may be given at most once.
const SINGLE: [HeaderName; 7] =
    [HOST, CONTENT_TYPE, X_TC_TIMESTAMP, X_TC_VERSION, X_TC_REGION, X_TC_TOKEN, AUTHORIZATION];

fn header(headers: &HeaderMap, name: HeaderName) -> TcResult<Option<&str>> {
    let mut it = headers.get_all(&name).iter();
    let Some(first) = it.next() else {
        return Ok(None);
    };
    if it.next().is_some() {
        return Err(if name == AUTHORIZATION {
            e::AuthFailure_InvalidAuthorization("The Authorization header is given more than once.")
        } else {
            e::InvalidParameter(format!("The header `{name}` is given more than once."))
        });
    }
    first.to_str().map(Some).map_err(|_| e::InvalidParameter(format!("The header `{name}` is not valid ASCII.")))
}

fn form_pairs(raw: &[u8]) -> TcResult<Vec<(String, String)>> {
    if std::str::from_utf8(raw).is_err() {
        return Err(e::InvalidParameter("Request parameters must be UTF-8."));
    }
    crate::core::limits::form_pairs(raw).map_err(super::params::exceeded)
}

fn media_type(ct: &str) -> Cow<'_, str> {
    let t = ct.split(';').next().unwrap_or("").trim();
    // Borrowed when already lower case, as SDKs send it: no allocation per request.
    match t.bytes().any(|b| b.is_ascii_uppercase()) {
        true => Cow::Owned(t.to_ascii_lowercase()),
        false => Cow::Borrowed(t),
    }
}

struct Key<'c> {
    account: &'c str,
    uin: &'c str,
    secret: &'c str,
}

fn find_key<'c>(cfg: &'c Config, secret_id: &str) -> Option<Key<'c>> {
    cfg.accounts.iter().find_map(|a| {
        let t = a.tencent.as_ref()?;
        t.keys.iter().find(|k| k.secret_id == secret_id).map(|k| Key {
            account: &a.name,
            uin: &t.uin,
            secret: &k.secret_key,
        })
    })
}

fn default_key(cfg: &Config) -> TcResult<Key<'_>> {
    cfg.accounts
        .iter()
        .find_map(|a| {
            let t = a.tencent.as_ref()?;
            Some(Key { account: &a.name, uin: &t.uin, secret: "" })
        })
        .ok_or_else(|| e::AuthFailure_SecretIdNotFound("No Tencent account is configured."))
}

/// What one signature check needs, whichever algorithm it is.
struct Claim<'r> {
    secret_id: &'r str,
    timestamp: &'r str,
    token: Option<&'r str>,
}

/// Resolve the caller and, unless auth is off, verify the signature. In `log` mode a failure is
/// logged and the request goes on as the claimed (or default) account.
fn authenticate<'c>(
    cfg: &'c Config,
    mode: AuthMode,
    now_secs: i64,
    claim: &Claim<'_>,
    verify: impl FnOnce(&str) -> TcResult<()>,
) -> TcResult<Key<'c>> {
    let check = || -> TcResult<Key<'c>> {
        let key = find_key(cfg, claim.secret_id).ok_or_else(|| {
            e::AuthFailure_SecretIdNotFound("The SecretId is not found, please ensure that your SecretId is correct.")
        })?;
        if claim.token.is_some_and(|t| !t.is_empty()) {
            return Err(e::AuthFailure_TokenFailure(
                "The twin issues no temporary credentials, so no token is valid here.",
            ));
        }
        let ts: i64 = claim
            .timestamp
            .trim()
            .parse()
            .map_err(|_| e::InvalidParameterValue("The value of `Timestamp` must be a Unix time in seconds."))?;
        if !cfg.signature_clock.accepts(ts, now_secs * 1000, 300) {
            return Err(e::AuthFailure_SignatureExpire(format!(
                "Signature expired. Timestamp {ts} and server time {now_secs} differ by more than five minutes."
            )));
        }
        verify(key.secret)?;
        Ok(key)
    };
    match mode {
        AuthMode::Enforce => check(),
        AuthMode::Log | AuthMode::Off => match (mode, check()) {
            (_, Ok(k)) => Ok(k),
            (m, Err(err)) => {
                if m == AuthMode::Log {
                    tracing::warn!(code = err.code, message = %err.message, "signature check failed (auth=log, serving anyway)");
                }
                Ok(find_key(cfg, claim.secret_id).map_or_else(|| default_key(cfg), Ok)?)
            }
        },
    }
}

pub fn decode(cfg: &Config, mode: AuthMode, now_secs: i64, req: &HttpIn<'_>, letters: &Letters) -> Decoded {
    if req.method != Method::GET && req.method != Method::POST {
        return Err(e::UnsupportedProtocol(
            "HTTP(S) request protocol error; only GET and POST requests are supported.",
        ));
    }
    if req.method == Method::GET && req.query.len() > GET_LIMIT {
        return Err(e::RequestSizeLimitExceeded("A GET request may be at most 32 KB."));
    }
    for h in SINGLE {
        header(req.headers, h)?;
    }
    if header(req.headers, X_TC_ACTION)?.is_some() {
        decode_tc3(cfg, mode, now_secs, req, letters)
    } else {
        decode_v1(cfg, mode, now_secs, req)
    }
}

/// A TC3 request's head as an enforcing twin checked it before the body came: every check
/// `decode` makes of the headers passed, the caller's key is found; only the signature over
/// the body is left. The edge hands it to the decoder, so the head is read once.
pub struct Tc3Head<'r> {
    action: &'r str,
    version: &'r str,
    timestamp: &'r str,
    region: Option<&'r str>,
    content_type: &'r str,
    auth: sign::Tc3Authorization<'r>,
    key: Key<'r>,
}

/// What an enforcing twin makes of a TC3 POST's head alone, in the order `decode` checks
/// (duplicated headers, the required X-TC-* headers, the Authorization form, the SecretId, a
/// token, the timestamp window): `Err` is the refusal, answered without reading the body.
/// `Ok(None)` when only the body can tell: another auth mode or method, or v1, whose signature
/// travels in the parameters.
pub fn tc3_head<'r>(
    cfg: &'r Config,
    mode: AuthMode,
    now_secs: i64,
    method: &Method,
    headers: &'r HeaderMap,
) -> TcResult<Option<Tc3Head<'r>>> {
    if mode != AuthMode::Enforce || method != Method::POST {
        return Ok(None);
    }
    for h in SINGLE {
        header(headers, h)?;
    }
    let h = |n: HeaderName| header(headers, n);
    let Some(action) = h(X_TC_ACTION)? else {
        return Ok(None);
    };
    let action = required(Some(action), "X-TC-Action")?;
    let version = required(h(X_TC_VERSION)?, "X-TC-Version")?;
    let timestamp = required(h(X_TC_TIMESTAMP)?, "X-TC-Timestamp")?;
    let region = h(X_TC_REGION)?.filter(|r| !r.is_empty());
    let content_type = h(CONTENT_TYPE)?.unwrap_or("");
    let raw =
        h(AUTHORIZATION)?.ok_or_else(|| e::AuthFailure_InvalidAuthorization("The Authorization header is missing."))?;
    let auth = sign::parse_tc3_authorization(raw).ok_or_else(|| {
        e::AuthFailure_InvalidAuthorization("Authorization in the request header is invalid; expected `TC3-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...`.")
    })?;
    let claim = Claim { secret_id: auth.secret_id, timestamp, token: h(X_TC_TOKEN)? };
    let key = authenticate(cfg, mode, now_secs, &claim, |_| Ok(()))?;
    Ok(Some(Tc3Head { action, version, timestamp, region, content_type, auth, key }))
}

/// The refusal `tc3_head` gives, if any.
pub fn tc3_head_refusal(
    cfg: &Config,
    mode: AuthMode,
    now_secs: i64,
    method: &Method,
    headers: &HeaderMap,
) -> Option<TcError> {
    tc3_head(cfg, mode, now_secs, method, headers).err()
}

/// `decode` of a request whose head `tc3_head` passed: the signature over the body, then the
/// parameters.
pub fn decode_after_head(req: &HttpIn<'_>, head: Tc3Head<'_>, letters: &Letters) -> Decoded {
    verify_tc3(req, &head.auth, head.timestamp, head.key.secret, false)?;
    call_of(req, head.key, head.action, head.version, head.region, head.content_type, letters)
}

fn required<'a>(v: Option<&'a str>, name: &str) -> TcResult<&'a str> {
    v.filter(|s| !s.is_empty())
        .ok_or_else(|| e::MissingParameter(format!("The request is missing a required parameter `{name}`.")))
}

fn decode_tc3(cfg: &Config, mode: AuthMode, now_secs: i64, req: &HttpIn<'_>, letters: &Letters) -> Decoded {
    let h = |n: HeaderName| header(req.headers, n);
    let action = required(h(X_TC_ACTION)?, "X-TC-Action")?;
    let version = required(h(X_TC_VERSION)?, "X-TC-Version")?;
    let timestamp = required(h(X_TC_TIMESTAMP)?, "X-TC-Timestamp")?;
    let region = h(X_TC_REGION)?.filter(|r| !r.is_empty());
    let content_type = h(CONTENT_TYPE)?.unwrap_or("");
    let is_get = req.method == Method::GET;

    let auth_header = h(AUTHORIZATION)?;
    let mut parsed = None;
    if mode == AuthMode::Enforce || auth_header.is_some() {
        let raw =
            auth_header.ok_or_else(|| e::AuthFailure_InvalidAuthorization("The Authorization header is missing."))?;
        let a = sign::parse_tc3_authorization(raw).ok_or_else(|| {
            e::AuthFailure_InvalidAuthorization("Authorization in the request header is invalid; expected `TC3-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...`.")
        })?;
        parsed = Some(a);
    }
    let secret_id = parsed.as_ref().map_or("", |a| a.secret_id);
    let token = h(X_TC_TOKEN)?;
    let claim = Claim { secret_id, timestamp, token };
    let key = authenticate(cfg, mode, now_secs, &claim, |secret| {
        let Some(a) = parsed.as_ref() else {
            return Err(e::AuthFailure_InvalidAuthorization("The Authorization header is missing."));
        };
        verify_tc3(req, a, timestamp, secret, is_get)
    })?;
    call_of(req, key, action, version, region, content_type, letters)
}

/// The call of an authenticated TC3 request: its parameters from the query or the body, or
/// those `letters` kept for the same body of the same action.
fn call_of(
    req: &HttpIn<'_>,
    key: Key<'_>,
    action: &str,
    version: &str,
    region: Option<&str>,
    content_type: &str,
    letters: &Letters,
) -> Decoded {
    let params = if req.method == Method::GET {
        Given::Tree(Tree::from_map(&fold_flat(form_pairs(req.query.as_bytes())?)?))
    } else {
        match &*media_type(content_type) {
            "application/json" => match letters.get::<Params>(action, req.body) {
                Some(kept) => Given::Kept(kept),
                None => Given::Json(json_tree(req.body)?),
            },
            "application/x-www-form-urlencoded" => Given::Tree(Tree::from_map(&fold_flat(form_pairs(req.body)?)?)),
            "multipart/form-data" => {
                return Err(e::InvalidParameter(
                    "CBS actions do not accept multipart/form-data; send application/json.",
                ))
            }
            other => {
                return Err(e::InvalidParameter(format!(
                    "Content-Type `{other}` is not supported; send application/json."
                )))
            }
        }
    };
    Ok(Call {
        account: key.account.to_string(),
        uin: key.uin.to_string(),
        region: region.map(str::to_string),
        action: action.to_string(),
        version: version.to_string(),
        params,
    })
}

/// A JSON body's parameters: an object, within the bounds (core/limits.rs).
fn json_tree(body: &[u8]) -> TcResult<Tree> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Tree::default());
    }
    crate::core::limits::check_json(body).map_err(super::params::exceeded)?;
    let tree = Tree::from_json(body)
        .map_err(|err| e::InvalidParameter(format!("The request body is not valid JSON: {err}.")))?;
    if !tree.is_object() {
        return Err(e::InvalidParameter("The request body must be a JSON object."));
    }
    Ok(tree)
}

fn verify_tc3(
    req: &HttpIn<'_>,
    a: &sign::Tc3Authorization<'_>,
    timestamp: &str,
    secret: &str,
    is_get: bool,
) -> TcResult<()> {
    for needed in ["content-type", "host"] {
        if !a.signed_headers.contains(&needed) {
            return Err(e::AuthFailure_InvalidAuthorization(format!("SignedHeaders must include `{needed}`.")));
        }
    }
    let ts: i64 = timestamp.trim().parse().unwrap_or(0);
    let expected_date = crate::core::clock::utc_date(ts);
    if a.date != expected_date {
        return Err(e::AuthFailure_SignatureFailure(format!(
            "The credential date {} is not the UTC date of X-TC-Timestamp ({expected_date}).",
            a.date
        )));
    }
    if a.service != sign::SERVICE {
        return Err(e::AuthFailure_SignatureFailure(format!(
            "The credential scope names service `{}`; this endpoint is `{}`.",
            a.service,
            sign::SERVICE
        )));
    }
    let mut values: Vec<(&str, &str)> = Vec::with_capacity(a.signed_headers.len());
    for &name in &a.signed_headers {
        // A name that is no valid header name cannot be in the request.
        let given = match HeaderName::from_bytes(name.as_bytes()) {
            Ok(n) => header(req.headers, n)?,
            Err(_) => None,
        };
        let v = given.ok_or_else(|| {
            e::AuthFailure_SignatureFailure(format!("The signed header `{name}` is not in the request."))
        })?;
        values.push((name, v));
    }
    let unsigned = header(req.headers, X_TC_CONTENT_SHA256)?.is_some_and(|v| v == "UNSIGNED-PAYLOAD");
    let payload_hash = if unsigned {
        sign::sha256_hex(b"UNSIGNED-PAYLOAD")
    } else if is_get {
        sign::sha256_hex(b"")
    } else {
        sign::sha256_hex(req.body)
    };
    // The official SDKs sign header values as sent; the documentation describes them lowercased.
    // Both forms are accepted; the lowercased one is only built when the first does not match
    // and differs.
    let check = |headers: &[(&str, &str)]| {
        let canonical = sign::tc3_canonical_request(req.method.as_str(), req.query, headers, &payload_hash);
        let sts = sign::tc3_string_to_sign(timestamp.trim(), a.date, a.service, &canonical);
        let mine = sign::tc3_signature(secret, a.date, a.service, &sts);
        (sign::constant_time_eq(&mine, &a.signature), canonical, sts)
    };
    let (mut ok, mut canonical, mut sts) = check(&values);
    if !ok && values.iter().any(|(_, v)| v.bytes().any(|b| b.is_ascii_uppercase())) {
        let lowered: Vec<(&str, String)> = values.iter().map(|(n, v)| (*n, v.to_ascii_lowercase())).collect();
        let lowered_ref: Vec<(&str, &str)> = lowered.iter().map(|(n, v)| (*n, v.as_str())).collect();
        (ok, canonical, sts) = check(&lowered_ref);
    }
    if ok {
        return Ok(());
    }
    tracing::debug!(canonical_request = %canonical, string_to_sign = %sts, "TC3 signature mismatch");
    crate::core::record::refused("TC3 signature mismatch", &canonical, &sts);
    Err(e::AuthFailure_SignatureFailure(
        "The provided credentials could not be validated. Please check your signature is correct.",
    ))
}

fn decode_v1(cfg: &Config, mode: AuthMode, now_secs: i64, req: &HttpIn<'_>) -> Decoded {
    let raw: &[u8] = if req.method == Method::GET {
        req.query.as_bytes()
    } else {
        let ct = header(req.headers, CONTENT_TYPE)?.map(media_type).unwrap_or_default();
        if ct != "application/x-www-form-urlencoded" {
            return Err(e::MissingParameter(
                "The request is missing a required parameter `Action` (send X-TC-Action with TC3, or a form body with v1).",
            ));
        }
        if req.body.len() > V1_POST_LIMIT {
            return Err(e::RequestSizeLimitExceeded("A HmacSHA1/HmacSHA256-signed POST may be at most 1 MB."));
        }
        req.body
    };
    let pairs = form_pairs(raw)?;
    let mut common: std::collections::HashMap<&str, &str> = std::collections::HashMap::new();
    for (k, v) in &pairs {
        if let Some(name) = V1_COMMON.iter().find(|c| **c == k) {
            if common.insert(name, v.as_str()).is_some() {
                return Err(e::InvalidParameter(format!("The parameter `{k}` is given more than once.")));
            }
        }
    }
    let get = |n: &str| common.get(n).copied();
    let action = required(get("Action"), "Action")?;
    let version = required(get("Version"), "Version")?;
    let timestamp = required(get("Timestamp"), "Timestamp")?;
    let region = get("Region").filter(|r| !r.is_empty());
    let secret_id = if mode == AuthMode::Enforce {
        required(get("Nonce"), "Nonce")?;
        required(get("Signature"), "Signature")?;
        required(get("SecretId"), "SecretId")?
    } else {
        get("SecretId").unwrap_or("")
    };
    let host = header(req.headers, HOST)?.unwrap_or("");
    let claim = Claim { secret_id, timestamp, token: get("Token") };
    let key = authenticate(cfg, mode, now_secs, &claim, |secret| {
        let sent = get("Signature").unwrap_or("");
        let method = sign::V1Method::from_param(get("SignatureMethod"));
        let source = sign::v1_source(req.method.as_str(), host, req.path, &pairs);
        let mine = sign::v1_signature(secret, method, &source);
        if sign::constant_time_eq(&mine, sent) {
            Ok(())
        } else {
            tracing::debug!(string_to_sign = %source, "v1 signature mismatch");
            crate::core::record::refused("v1 signature mismatch", "", &source);
            Err(e::AuthFailure_SignatureFailure(
                "The provided credentials could not be validated. Please check your signature is correct.",
            ))
        }
    })?;
    let action_params: Vec<(String, String)> =
        pairs.iter().filter(|(k, _)| !V1_COMMON.contains(&k.as_str())).cloned().collect();
    Ok(Call {
        account: key.account.to_string(),
        uin: key.uin.to_string(),
        region: region.map(str::to_string),
        action: action.to_string(),
        version: version.to_string(),
        params: Given::Tree(Tree::from_map(&fold_flat(action_params)?)),
    })
}
