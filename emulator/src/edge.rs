//! The one listener: decides which provider family a request is for, reads the body within that
//! family's size limit, and hands it to the family's protocol layer or to the control plane.

use std::sync::Arc;

use axum::body::{to_bytes, Body};
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Router;
use serde_json::{json, Value};

use crate::config::AuthMode;
use crate::world::Twin;
use crate::{huawei, tencent};

/// Everything a request handler needs.
pub struct App {
    pub twin: Twin,
    pub auth: AuthMode,
}

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
    let host = host.trim_start_matches("http://").trim_start_matches("https://");
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

pub fn router(app: Arc<App>) -> Router {
    Router::new().fallback(entry).with_state(app)
}

fn json_response(status: StatusCode, content_type: &'static str, body: &Value) -> Response {
    let bytes = serde_json::to_vec(body).unwrap_or_else(|_| b"{}".to_vec());
    let mut resp = (status, bytes).into_response();
    resp.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    resp
}

/// Tencent answers HTTP 200 with `Content-Type: application/json` exactly: the Python SDK only
/// recognizes errors under that exact value.
fn tencent_response(body: Vec<u8>) -> Response {
    let mut resp = (StatusCode::OK, body).into_response();
    resp.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    resp
}

async fn entry(State(app): State<Arc<App>>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let path = parts.uri.path().to_string();
    let query = parts.uri.query().unwrap_or("").to_string();
    let family = classify(&path, &parts.headers);
    let limit = match family {
        Family::Tencent => tencent::protocol::TC3_POST_LIMIT,
        Family::Huawei
            if parts.headers.contains_key("x-auth-token") && !parts.headers.contains_key("authorization") =>
        {
            huawei::protocol::TOKEN_BODY_LIMIT
        }
        Family::Huawei => huawei::protocol::AKSK_BODY_LIMIT,
        _ => 10 * 1024 * 1024,
    };
    let bytes = match read_body(body, limit).await {
        Ok(b) => b,
        Err(()) => return too_large(family),
    };
    match family {
        Family::Control => crate::control::handle(&app, &parts.method, &path, &query, &bytes),
        Family::Tencent => {
            let req = tencent::protocol::HttpIn {
                method: &parts.method,
                path: &path,
                query: &query,
                headers: &parts.headers,
                body: &bytes,
            };
            tencent_response(tencent::handle(&app.twin, app.auth, &req))
        }
        Family::Huawei => {
            let req = huawei::protocol::HttpIn {
                method: &parts.method,
                path: &path,
                query: &query,
                headers: &parts.headers,
                body: &bytes,
            };
            huawei_response(huawei::handle(&app.twin, app.auth, &req))
        }
        Family::Gateway => {
            let (status, body) = crate::gateway::handle(&app.twin, &parts.method, &path, &parts.headers, &bytes);
            bytes_response(status, body)
        }
        Family::UCloudStack => {
            let req = crate::ucloudstack::protocol::HttpIn {
                method: &parts.method,
                query: &query,
                headers: &parts.headers,
                body: &bytes,
            };
            bytes_response(StatusCode::OK, crate::ucloudstack::handle(&app.twin, app.auth, &req))
        }
    }
}

async fn read_body(body: Body, limit: usize) -> Result<bytes::Bytes, ()> {
    to_bytes(body, limit).await.map_err(|_| ())
}

fn too_large(family: Family) -> Response {
    match family {
        Family::Tencent => {
            let err = tencent::error::RequestSizeLimitExceeded("The request body exceeds 10 MB.");
            tencent_response(
                serde_json::to_vec(&tencent::error_body(&err, &uuid::Uuid::new_v4().to_string())).unwrap_or_default(),
            )
        }
        Family::Huawei => {
            let id = uuid::Uuid::new_v4().simple().to_string();
            let err = huawei::error::Apigw0201(
                "The request body is too large: 12 MB with AK/SK signatures, 64 MB with a token.",
            );
            huawei_response(huawei::HttpOut {
                status: err.status,
                body: huawei::error_body(&err, &id),
                request_id: id,
                subject_token: None,
            })
        }
        Family::Gateway => {
            let err =
                crate::gateway::envelope::GwError::new("RequestSizeLimitExceeded", "The request body exceeds 10 MB.");
            bytes_response(StatusCode::PAYLOAD_TOO_LARGE, crate::gateway::envelope::error_body(&err))
        }
        Family::UCloudStack => {
            let err = crate::ucloudstack::error::too_large("Body", "the request body exceeds 10 MB");
            bytes_response(
                StatusCode::OK,
                crate::ucloudstack::protocol::envelope("", err.ret_code, &err.message, Default::default()),
            )
        }
        _ => json_response(
            StatusCode::PAYLOAD_TOO_LARGE,
            "application/json",
            &json!({"error": "request body too large"}),
        ),
    }
}

/// Huawei answers with the API gateway's headers: `X-Request-Id` on every response, JSON bodies
/// as `application/json;charset=utf8`, no body at all for 202/204.
fn huawei_response(out: huawei::HttpOut) -> Response {
    let status = StatusCode::from_u16(out.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut resp = (status, out.body.clone()).into_response();
    let h = resp.headers_mut();
    if !out.body.is_empty() {
        h.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json;charset=utf8"));
    }
    if let Ok(v) = HeaderValue::from_str(&out.request_id) {
        h.insert("x-request-id", v);
    }
    if let Some(t) = out.subject_token.and_then(|t| HeaderValue::from_str(&t).ok()) {
        h.insert("x-subject-token", t);
    }
    resp
}

/// A JSON body the family's protocol layer has already encoded.
fn bytes_response(status: StatusCode, body: Vec<u8>) -> Response {
    let mut resp = (status, body).into_response();
    resp.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

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
    }
}
