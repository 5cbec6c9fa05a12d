//! From an HTTP request to (caller, project): AK/SK signatures (SDK-HMAC-SHA256, SDK-HMAC-SM3,
//! V11-HMAC-SHA256) verified from the request's own SignedHeaders, or an IAM token in
//! `X-Auth-Token`. Errors here are the API gateway's (`APIGW.0301`, 401) or CBR's tenant check
//! (`BackupService.1015`, 401). Nothing here knows what a vault is.

use axum::http::HeaderMap;

use super::error::{Apigw0301, Bs1015, HwError, HwResult};
use super::settings::{by_ak, project_owner};
use super::sign;
use super::tokens::TokenBook;
use crate::config::{AuthMode, Config};

/// AK/SK requests carry at most 12 MB of body (larger needs token authentication); token
/// requests may be larger (the doc names no bound, the twin keeps one).
pub use crate::core::limits::{HUAWEI_AKSK_BODY_BYTES as AKSK_BODY_LIMIT, HUAWEI_TOKEN_BODY_BYTES as TOKEN_BODY_LIMIT};

/// The request as the edge hands it over (the same shape for every family).
pub use crate::core::http::HttpIn;

/// Who is calling.
#[derive(Debug, Clone)]
pub struct Caller {
    pub account: String,
    /// Set when a token scoped the call to one project.
    pub token_project: Option<String>,
}

fn header<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

fn iam_error(detail: &str) -> super::error::HwError {
    Apigw0301(format!("Incorrect IAM authentication information: {detail}"))
}

/// Authenticate the request. `AuthMode::Off` accepts anything and takes the account from the
/// AK, the token or, failing both, the project in the path.
pub fn authenticate(
    cfg: &Config,
    tokens: &TokenBook,
    mode: AuthMode,
    now_ms: i64,
    req: &HttpIn<'_>,
    path_project: Option<&str>,
) -> HwResult<Caller> {
    let result = check(cfg, tokens, now_ms, req);
    match (result, mode) {
        (Ok(c), _) => Ok(c),
        (Err(e), AuthMode::Enforce) => Err(e),
        (Err(e), _) => {
            if mode == AuthMode::Log {
                tracing::warn!(code = e.code, message = %e.message, "huawei authentication failed (auth=log, serving anyway)");
            }
            let account = header(req.headers, "authorization")
                .and_then(sign::parse_authorization)
                .and_then(|a| by_ak(cfg, &a.access_key).map(|(acc, _, _)| acc.to_string()))
                .or_else(|| path_project.and_then(|p| project_owner(cfg, p)).map(|(acc, _, _)| acc.to_string()))
                .or_else(|| cfg.accounts.first().map(|a| a.name.clone()))
                .unwrap_or_default();
            Ok(Caller { account, token_project: None })
        }
    }
}

/// AK/SK requests whose signature leaves room for doubt (docs/limits.md, "Huawei signature
/// choices"): two Authorization headers leave which one counts to whoever reads them (TC3
/// refuses the same); and the doc requires Host for AK/SK, which every SDK signs with
/// X-Sdk-Date, so a signature without Host could be replayed to any host.
fn refuse_ambiguous_signature(req: &HttpIn<'_>) -> HwResult<()> {
    if req.headers.contains_key("x-auth-token") {
        return Ok(());
    }
    if req.headers.get_all("authorization").iter().count() > 1 {
        return Err(iam_error("the Authorization header is given more than once"));
    }
    let Some(auth) = header(req.headers, "authorization").and_then(sign::parse_authorization) else {
        return Ok(());
    };
    for needed in ["host", "x-sdk-date"] {
        if !auth.signed_headers.iter().any(|h| h == needed) {
            return Err(iam_error(&format!("SignedHeaders must include {needed}")));
        }
    }
    Ok(())
}

/// What an AK/SK request's head shows before its signature is checked.
struct SignedHead<'r> {
    auth: sign::Authorization,
    account: &'r str,
    sk: &'r str,
    date: &'r str,
}

/// The checks of an AK/SK request that need no body: the Authorization header's form, a known
/// AK, an X-Sdk-Date in the window. The edge runs them before it reads a body
/// (`aksk_head_refusal`), the full check again with the body.
fn check_head<'r>(cfg: &'r Config, now_ms: i64, headers: &'r HeaderMap) -> HwResult<SignedHead<'r>> {
    let raw = header(headers, "authorization").ok_or_else(|| iam_error("no authorization information"))?;
    let auth = sign::parse_authorization(raw).ok_or_else(|| iam_error("the Authorization header is malformed"))?;
    let (account, _, sk) =
        by_ak(cfg, &auth.access_key).ok_or_else(|| iam_error(&format!("ak {} not exist", auth.access_key)))?;
    let date = header(headers, "x-sdk-date").ok_or_else(|| iam_error("x-sdk-date is missing"))?;
    let signed_at = sign::parse_sdk_date(date).ok_or_else(|| iam_error("x-sdk-date is malformed"))?;
    if !cfg.signature_clock.accepts(signed_at, now_ms, cfg.huawei.limits.signature_skew_secs) {
        return Err(iam_error("x-sdk-date expired or not yet valid"));
    }
    Ok(SignedHead { auth, account, sk, date })
}

/// An enforcing twin's refusal of a token call whose token is unknown or expired.
pub fn token_refusal(cfg: &Config, tokens: &TokenBook, mode: AuthMode, now_ms: i64, token: &str) -> Option<HwError> {
    (mode == AuthMode::Enforce).then(|| check_token(cfg, tokens, now_ms, token).err()).flatten()
}

/// An enforcing twin's refusal of an AK/SK call whose head fails `check_head`; None when only
/// the body can tell (the signature).
pub fn aksk_head_refusal(cfg: &Config, mode: AuthMode, now_ms: i64, headers: &HeaderMap) -> Option<HwError> {
    (mode == AuthMode::Enforce).then(|| check_head(cfg, now_ms, headers).err()).flatten()
}

fn check_token(cfg: &Config, tokens: &TokenBook, now_ms: i64, token: &str) -> HwResult<Caller> {
    let t = tokens.get(token).ok_or_else(|| iam_error("decrypt token fail"))?;
    if !cfg.signature_clock.clocks_ms(now_ms).any(|now| now < t.expires_ms) {
        return Err(iam_error("token expires"));
    }
    Ok(Caller { account: t.account.clone(), token_project: Some(t.project_id.clone()) })
}

fn check(cfg: &Config, tokens: &TokenBook, now_ms: i64, req: &HttpIn<'_>) -> HwResult<Caller> {
    refuse_ambiguous_signature(req)?;
    if let Some(token) = header(req.headers, "x-auth-token") {
        return check_token(cfg, tokens, now_ms, token);
    }
    let SignedHead { auth, account, sk, date } = check_head(cfg, now_ms, req.headers)?;
    if let Some(scope) = &auth.scope {
        // V11 scopes the derived key to the signing day.
        if !scope.starts_with(&date[..8.min(date.len())]) {
            return Err(iam_error("verify aksk signature fail"));
        }
    }
    let headers: Vec<(String, String)> =
        req.headers.iter().filter_map(|(n, v)| Some((n.as_str().to_string(), v.to_str().ok()?.to_string()))).collect();
    let signable = sign::Signable {
        method: req.method.as_str(),
        raw_path: req.path,
        raw_query: req.query,
        headers: &headers,
        body: req.body,
    };
    if let Err(m) = sign::verify(&signable, &auth, sk, date) {
        tracing::debug!(
            canonical_request = m.canonical.as_deref().unwrap_or("(a signed header is missing)"),
            string_to_sign = m.string_to_sign.as_deref().unwrap_or(""),
            "huawei signature mismatch"
        );
        crate::core::record::refused(
            "huawei signature mismatch",
            m.canonical.as_deref().unwrap_or("(a signed header is missing)"),
            m.string_to_sign.as_deref().unwrap_or(""),
        );
        return Err(iam_error("verify aksk signature fail"));
    }
    Ok(Caller { account: account.to_string(), token_project: None })
}

/// The project `X-Project-Id` names (the SDK's BasicCredentials send it on every call).
pub fn header_project<'r>(req: &'r HttpIn<'_>) -> Option<&'r str> {
    header(req.headers, "x-project-id")
}

/// The project an account-level call (no project in its path) acts in: the one `X-Project-Id`
/// or the token names, held to the same rules as a path's; else the caller's first project.
/// `X-Domain-Id` (what the SDK's GlobalCredentials send) must be the caller's domain.
pub fn account_project(cfg: &Config, caller: &Caller, req: &HttpIn<'_>) -> HwResult<String> {
    let ident = cfg.accounts.iter().find(|a| a.name == caller.account).and_then(|a| a.huawei.as_ref());
    let mismatch = |what: &str| Bs1015(format!("The tenant ID in the request does not match the token: {what}."));
    let ident = ident.ok_or_else(|| mismatch("the caller has no Huawei Cloud identity"))?;
    if let Some(d) = header(req.headers, "x-domain-id").filter(|d| *d != ident.domain_id) {
        return Err(mismatch(&format!("domain {d}")));
    }
    match header_project(req).or(caller.token_project.as_deref()) {
        Some(p) => {
            check_project(cfg, caller, req, p)?;
            Ok(p.to_string())
        }
        None => ident.projects.first().map(|p| p.id.clone()).ok_or_else(|| mismatch("the account has no project")),
    }
}

/// The project in the path must be one of the caller's, the one its token is scoped to, and the
/// one `X-Project-Id` names when that header is sent.
pub fn check_project(cfg: &Config, caller: &Caller, req: &HttpIn<'_>, project: &str) -> HwResult<()> {
    let mismatch =
        || Bs1015(format!("The tenant ID in the request does not match the project ID in the token: {project}."));
    match project_owner(cfg, project) {
        Some((account, _, _)) if account == caller.account => {}
        _ => return Err(mismatch()),
    }
    if caller.token_project.as_deref().is_some_and(|p| p != project) {
        return Err(mismatch());
    }
    if header(req.headers, "x-project-id").is_some_and(|p| p != project) {
        return Err(mismatch());
    }
    Ok(())
}
