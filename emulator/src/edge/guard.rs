//! Who may talk to the twin at all, decided from the request head before any body is read:
//! the Host allowlist (against DNS rebinding), the Origin check and the control plane's
//! Content-Type rule (against cross-site requests from a web page), the optional control token,
//! and the methods no surface serves (CONNECT). docs/security.md describes the rules.

use std::borrow::Cow;

use std::net::IpAddr;

use axum::http::{header, HeaderMap, Method, Uri};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::family::Family;
pub use crate::config::EdgeSettings;

// The settings are plain configuration (config.rs); what they allow is decided here.
impl EdgeSettings {
    fn check_off(&self) -> bool {
        self.allow_hosts.iter().any(|h| h.trim() == "*")
    }

    /// A name the user allowed explicitly, or the listener's own host.
    fn named(&self, host: &str) -> bool {
        let listen = self.listen.as_deref().map(host_of).filter(|h| !is_unspecified(h));
        listen.as_deref() == Some(host)
            || self.allow_hosts.iter().any(|entry| {
                let entry = host_of(entry.trim());
                match entry.strip_prefix("*.") {
                    Some(suffix) => host.len() > suffix.len() + 1 && host.ends_with(&format!(".{suffix}")),
                    None => entry == host,
                }
            })
    }

    /// The Host check: loopback, the clouds' own API domains, the listener, `--allow-host`.
    pub fn host_allowed(&self, host: &str) -> bool {
        self.check_off() || is_loopback(host) || is_cloud_domain(host) || self.named(host)
    }

    /// The Origin check ignores `*`: a browser page is only trusted when it is served from
    /// loopback or from a name the user listed.
    pub fn origin_allowed(&self, origin: &str) -> bool {
        let Some((scheme, rest)) = origin.split_once("://") else { return false };
        if !matches!(scheme.to_ascii_lowercase().as_str(), "http" | "https") || rest.contains('/') {
            return false;
        }
        let host = host_of(rest);
        is_loopback(&host) || self.named(&host)
    }
}

/// The host part of a Host header, URI authority or allowlist entry: no scheme (tccli sends
/// `Host: http://127.0.0.1:4599`), no path, no port, no trailing dot, lower case.
pub fn host_of(raw: &str) -> Cow<'_, str> {
    let raw = raw.trim();
    // `find` by bytes: a `&str` pattern builds a substring searcher, which showed in the profile.
    let raw = raw.as_bytes().windows(3).position(|w| w == b"://").map_or(raw, |at| &raw[at + 3..]);
    let raw = raw.split('/').next().unwrap_or("");
    let raw = raw.rsplit_once('@').map_or(raw, |(_, h)| h);
    let host = if let Some(v6) = raw.strip_prefix('[') {
        v6.split(']').next().unwrap_or("")
    } else {
        match raw.rsplit_once(':') {
            Some((h, port)) if port.bytes().all(|b| b.is_ascii_digit()) => h,
            _ => raw,
        }
    };
    let host = host.trim_end_matches('.');
    // Borrowed when already lower case, as a client's Host nearly always is: no allocation.
    match host.bytes().any(|b| b.is_ascii_uppercase()) {
        true => Cow::Owned(host.to_ascii_lowercase()),
        false => Cow::Borrowed(host),
    }
}

fn is_unspecified(host: &str) -> bool {
    host.is_empty() || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_unspecified())
}

fn is_loopback(host: &str) -> bool {
    if host == "localhost" || host.ends_with(".localhost") {
        return true;
    }
    match host.parse::<IpAddr>() {
        Ok(IpAddr::V4(v4)) => v4.is_loopback(),
        Ok(IpAddr::V6(v6)) => v6.is_loopback() || v6.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback()),
        Err(_) => false,
    }
}

fn is_label(s: &str) -> bool {
    !s.is_empty() && s.len() <= 63 && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// The names the official SDKs send when a connection is routed to the twin while the Host
/// stays the cloud's: `cbs[.<region>].tencentcloudapi.com`, `cbr.<region>.myhuaweicloud.com`
/// and IAM (`iam[.<region>].myhuaweicloud.com`), with `.eu` for Huawei's European site.
fn is_cloud_domain(host: &str) -> bool {
    let labels: Vec<&str> = host.split('.').collect();
    match labels.as_slice() {
        ["cbs", "tencentcloudapi", "com"] => true,
        ["cbs", region, "tencentcloudapi", "com"] => is_label(region),
        ["iam", "myhuaweicloud", "com" | "eu"] => true,
        ["cbr" | "iam", region, "myhuaweicloud", "com" | "eu"] => is_label(region),
        _ => false,
    }
}

/// Why a request is refused before its body is read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The Host (or the absolute URI's authority) is not an allowed name.
    Host(String),
    /// A web page on another site sent it.
    Origin(String),
    /// A control-plane POST a browser could send cross-site without a preflight.
    ContentType(String),
    /// The control token is missing or wrong.
    Token,
    /// CONNECT: the twin is no proxy.
    Connect,
}

impl Refusal {
    pub fn message(&self) -> String {
        match self {
            Refusal::Host(h) => format!(
                "Host `{h}` is not allowed: cloudtwin answers loopback names, its listen address and the clouds' API domains; start it with --allow-host {} to allow this name",
                host_of(h)
            ),
            Refusal::Origin(o) => format!(
                "requests from web pages of another site (Origin `{o}`) are refused; allow the page's host with --allow-host"
            ),
            Refusal::ContentType(t) => format!(
                "control-plane POSTs take a JSON body (Content-Type: application/json) or none; `{t}` is refused because a web page could send it cross-site"
            ),
            Refusal::Token => {
                "this control endpoint needs the control token: send `Authorization: Bearer <token>` or `X-Cloudtwin-Token: <token>`".into()
            }
            Refusal::Connect => "CONNECT is not supported: cloudtwin is not a proxy".into(),
        }
    }
}

fn header_str(headers: &HeaderMap, name: impl header::AsHeaderName) -> Option<&str> {
    headers.get(name).map(|v| v.to_str().unwrap_or("\u{fffd}"))
}

/// Every check on a request head, in order: method, Host, Origin, then the control plane's
/// token and Content-Type.
pub fn check(
    settings: &EdgeSettings,
    family: Family,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
) -> Result<(), Refusal> {
    if method == Method::CONNECT {
        return Err(Refusal::Connect);
    }
    check_host(settings, uri, headers)?;
    if let Some(origin) = header_str(headers, header::ORIGIN) {
        if !settings.origin_allowed(origin) {
            return Err(Refusal::Origin(origin.chars().take(200).collect()));
        }
    }
    if family == Family::Control {
        check_token(settings, method, uri.path(), headers)?;
        check_content_type(method, headers)?;
    }
    Ok(())
}

/// The Host header, and the authority of an absolute-form target (which takes precedence over
/// Host in HTTP/1.1), must both be allowed names. A request without either (HTTP/1.0) passes:
/// browsers always send one.
fn check_host(settings: &EdgeSettings, uri: &Uri, headers: &HeaderMap) -> Result<(), Refusal> {
    let hosts = headers.get_all(header::HOST).iter().map(|v| v.to_str().unwrap_or("\u{fffd}"));
    for raw in hosts.chain(uri.authority().map(|a| a.as_str())) {
        let host = host_of(raw);
        if !settings.host_allowed(&host) {
            return Err(Refusal::Host(raw.chars().take(200).collect()));
        }
    }
    Ok(())
}

fn check_token(settings: &EdgeSettings, method: &Method, path: &str, headers: &HeaderMap) -> Result<(), Refusal> {
    let Some(expected) = settings.control_token.as_deref() else { return Ok(()) };
    if method == Method::GET && path.trim_end_matches('/') == "/_cloudtwin/health" {
        return Ok(());
    }
    // The console's files and its login are served without the token (control/ui.rs).
    if crate::control::ui::is_public(method, path) {
        return Ok(());
    }
    let bearer = header_str(headers, header::AUTHORIZATION).and_then(|v| {
        let (scheme, token) = v.trim().split_once(' ')?;
        scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
    });
    let custom = header_str(headers, "x-cloudtwin-token").map(str::trim);
    // Digests of equal length are compared, so not even the token's length shows in the timing.
    let want = Sha256::digest(expected.as_bytes());
    let matches = |given: Option<&str>| given.is_some_and(|g| bool::from(Sha256::digest(g.as_bytes()).ct_eq(&want)));
    if matches(bearer) || matches(custom) || console_session(expected, method, headers) {
        Ok(())
    } else {
        Err(Refusal::Token)
    }
}

/// The console's session cookie stands for the token only on requests the console itself can
/// have made: `SameSite=Strict` keeps it off requests another site starts, and on top of that an
/// `Origin` must be the twin's own (not merely loopback: a page on another local port is
/// same-site), and a call that changes state must carry the console's header, which a page of
/// another origin can only send after a CORS preflight the twin never grants.
fn console_session(expected: &str, method: &Method, headers: &HeaderMap) -> bool {
    use crate::control::ui;
    let want = ui::session_value(expected);
    let cookie = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .any(|(name, value)| name == ui::COOKIE && crate::core::auth::constant_time_eq(value.trim(), &want));
    if !cookie {
        return false;
    }
    let host = header_str(headers, header::HOST).map(|h| h.trim().to_ascii_lowercase());
    let same_origin = header_str(headers, header::ORIGIN).is_none_or(|origin| {
        let authority = origin.split_once("://").map(|(_, a)| a.trim_end_matches('/').to_ascii_lowercase());
        authority.is_some() && authority == host
    });
    let reads = *method == Method::GET || *method == Method::HEAD;
    same_origin && (reads || headers.contains_key(ui::CONSOLE_HEADER))
}

/// Browsers send `text/plain`, form and multipart bodies cross-site without asking the server
/// first (no CORS preflight), and a Blob body with no type goes out with no Content-Type at all;
/// JSON needs a preflight the twin never grants.
fn check_content_type(method: &Method, headers: &HeaderMap) -> Result<(), Refusal> {
    if method != Method::POST {
        return Ok(());
    }
    let Some(raw) = header_str(headers, header::CONTENT_TYPE) else {
        let declared = header_str(headers, header::CONTENT_LENGTH).map(str::trim);
        let bodyless = declared.is_none_or(|n| n == "0") && !headers.contains_key(header::TRANSFER_ENCODING);
        return if bodyless { Ok(()) } else { Err(Refusal::ContentType("(none)".into())) };
    };
    let media = raw.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    if matches!(media.as_str(), "text/plain" | "application/x-www-form-urlencoded" | "multipart/form-data") {
        return Err(Refusal::ContentType(raw.chars().take(100).collect()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(extra: &[&str]) -> EdgeSettings {
        EdgeSettings { allow_hosts: extra.iter().map(|s| s.to_string()).collect(), ..Default::default() }
    }

    #[test]
    fn host_forms() {
        assert_eq!(host_of("http://127.0.0.1:4599"), "127.0.0.1");
        assert_eq!(host_of("[::1]:4599"), "::1");
        assert_eq!(host_of("LOCALHOST."), "localhost");
        assert_eq!(host_of("cbs.tencentcloudapi.com"), "cbs.tencentcloudapi.com");
        assert_eq!(host_of("user@evil.example:80"), "evil.example");
    }

    #[test]
    fn builtin_allowlist() {
        let s = settings(&[]);
        for ok in [
            "localhost",
            "app.localhost",
            "127.0.0.1",
            "127.8.9.10",
            "::1",
            "::ffff:127.0.0.1",
            "cbs.tencentcloudapi.com",
            "cbs.ap-shanghai.tencentcloudapi.com",
            "cbr.cn-north-4.myhuaweicloud.com",
            "cbr.eu-west-101.myhuaweicloud.eu",
            "iam.myhuaweicloud.com",
            "iam.cn-north-4.myhuaweicloud.com",
        ] {
            assert!(s.host_allowed(ok), "{ok}");
        }
        for bad in [
            "attacker.example",
            "localhost.attacker.example",
            "127.0.0.1.nip.io",
            "0.0.0.0",
            "10.0.0.5",
            "cbs.tencentcloudapi.com.evil.example",
            "evil.cbs.ap-shanghai.tencentcloudapi.com",
            "cvm.tencentcloudapi.com",
            "cbr.myhuaweicloud.com",
            "",
        ] {
            assert!(!s.host_allowed(bad), "{bad}");
        }
    }

    #[test]
    fn named_hosts_listen_address_and_star() {
        let s = settings(&["twin.internal", "*.ci.example", "10.0.0.5"]);
        assert!(s.host_allowed("twin.internal") && s.host_allowed("a.ci.example") && s.host_allowed("10.0.0.5"));
        assert!(!s.host_allowed("ci.example") && !s.host_allowed("other.internal"));
        let s = EdgeSettings { listen: Some("192.168.1.5:4599".into()), ..Default::default() };
        assert!(s.host_allowed("192.168.1.5"));
        let s = EdgeSettings { listen: Some("0.0.0.0:4599".into()), ..Default::default() };
        assert!(!s.host_allowed("0.0.0.0"), "the unspecified address is no name of the twin");
        let s = settings(&["*"]);
        assert!(s.host_allowed("anything.example"));
        assert!(!s.origin_allowed("http://anything.example"), "`*` leaves the Origin check on");
    }

    #[test]
    fn origins() {
        let s = settings(&["console.internal"]);
        assert!(s.origin_allowed("http://localhost:3000") && s.origin_allowed("https://console.internal"));
        assert!(!s.origin_allowed("null") && !s.origin_allowed("http://attacker.example"));
        assert!(!s.origin_allowed("file://") && !s.origin_allowed("http://127.0.0.1.evil.example"));
    }

    #[test]
    fn settings_are_validated() {
        assert!(EdgeSettings::default().validate().is_ok());
        let empty_token = EdgeSettings { control_token: Some(" ".into()), ..Default::default() };
        assert!(empty_token.validate().unwrap_err().contains("control token"));
        let small = EdgeSettings { body_budget: 1 << 20, ..Default::default() };
        assert!(small.validate().unwrap_err().contains("body_budget"));
        assert!(settings(&[""]).validate().is_err());
        let cfg: crate::config::Config =
            serde_json::from_str(r#"{"edge": {"allow_hosts": ["a.example"], "control_token": "t0k"}}"#).unwrap();
        assert!(cfg.edge.host_allowed("a.example") && cfg.edge.has_control_token());
        assert_eq!(cfg.edge.body_budget, crate::core::limits::BODY_BUDGET_BYTES, "unset fields keep their defaults");
    }

    #[test]
    fn debug_hides_the_token() {
        let s = EdgeSettings { control_token: Some("s3cret-value".into()), ..Default::default() };
        assert!(!format!("{s:?}").contains("s3cret"));
        assert!(!serde_json::to_string(&s).unwrap().contains("s3cret"));
    }
}
