//! Which provider family a request is for: by path first, then by the Host prefix SDKs send
//! with a root-domain override.

use axum::http::{header, HeaderMap};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    Control,
    Tencent,
    Huawei,
    Gateway,
    UCloudStack,
}

/// Route by path first, then by the Host prefix SDKs send with a root-domain override.
pub fn classify(path: &str, headers: &HeaderMap) -> Family {
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("");
    let host = trim_all(trim_all(host, "http://"), "https://");
    if path.starts_with("/_cloudtwin/") || path == "/_cloudtwin" {
        Family::Control
    } else if path.starts_with("/v1/") {
        // The gateway is multi-cloud (`/v1/<cloud>/...`): a family it lacks is its own
        // InvalidAction, not a Tencent error.
        Family::Gateway
    } else if path.starts_with("/v3/") || host.starts_with("cbr.") || host.starts_with("iam.") {
        Family::Huawei
    } else if path == "/api" || path.starts_with("/api/") {
        Family::UCloudStack
    } else {
        Family::Tencent
    }
}

/// `s.trim_start_matches(prefix)` without building a substring searcher (it showed in the profile
/// of a read: this runs for every request, twice).
fn trim_all<'s>(mut s: &'s str, prefix: &str) -> &'s str {
    while let Some(rest) = s.strip_prefix(prefix) {
        s = rest;
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn classification() {
        let mut h = HeaderMap::new();
        assert_eq!(classify("/", &h), Family::Tencent);
        assert_eq!(classify("/_cloudtwin/health", &h), Family::Control);
        assert_eq!(classify("/v1/tencent/disk/list", &h), Family::Gateway);
        assert_eq!(classify("/v1/aliyun/disk/list", &h), Family::Gateway);
        assert_eq!(classify("/v3/abc/vaults", &h), Family::Huawei);
        assert_eq!(classify("/api", &h), Family::UCloudStack);
        h.insert(header::HOST, HeaderValue::from_static("cbr.cn-north-4.myhuaweicloud.com"));
        assert_eq!(classify("/", &h), Family::Huawei);
        h.insert(header::HOST, HeaderValue::from_static("http://https://iam.cn-north-4.myhuaweicloud.com"));
        assert_eq!(classify("/", &h), Family::Huawei);
        h.insert(header::HOST, HeaderValue::from_static("http://127.0.0.1:4599"));
        assert_eq!(classify("/", &h), Family::Tencent);
    }
}
