//! How answers leave: `respond`, the one place where a family's `Answer` becomes HTTP, and the
//! edge's own answers — a refused Host or Origin, a body too large, broken or waiting too long
//! for memory — each in the envelope of the family the request was for, with the codes
//! docs/security.md lists.

use axum::body::Bytes;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

use super::body::BodyError;
use super::family::Family;
use super::guard::Refusal;
use crate::core::http::Answer;
use crate::gateway::envelope::GwError;
use crate::{huawei, tencent, ucloudstack};

fn tencent_error(code: &'static str, message: &str) -> Response {
    let err = tencent::error::TcError { code, message: message.to_string() };
    let body = tencent::error_body(&err, &crate::core::ids::request_uuid());
    respond(Answer::json(200, serde_json::to_vec(&body).unwrap_or_default()))
}

fn huawei_error(status: u16, code: &'static str, message: &str) -> Response {
    let id = crate::core::ids::request_uuid_simple();
    let err = huawei::error::HwError { status, code, message: message.to_string() };
    respond(huawei::error_answer(&err, &id))
}

fn gateway_error(scode: u16, desc: &str, message: &str, message_cn: &str) -> Response {
    let err = GwError { scode, desc: desc.into(), message: message.into(), message_cn: message_cn.into() };
    let status = if StatusCode::from_u16(scode).is_ok() { scode } else { 400 };
    respond(Answer::json(status, crate::gateway::envelope::error_body(&err)))
}

fn ucs_error(ret_code: i64, message: &str) -> Response {
    respond(Answer::json(200, ucloudstack::protocol::envelope("", ret_code, message, b"")))
}

fn control_error(status: StatusCode, message: &str) -> Response {
    json_response(status, "application/json", &json!({"error": message}))
}

/// A request the guard turned away.
pub(super) fn refused(family: Family, refusal: &Refusal) -> Response {
    let msg = refusal.message();
    let origin = matches!(refusal, Refusal::Origin(_));
    match refusal {
        Refusal::Connect => {
            let mut resp = control_error(StatusCode::METHOD_NOT_ALLOWED, &msg);
            resp.headers_mut().insert(header::ALLOW, HeaderValue::from_static("GET, POST, PUT, DELETE"));
            resp
        }
        Refusal::Token => {
            let mut resp = control_error(StatusCode::UNAUTHORIZED, &msg);
            resp.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer realm=\"cloudtwin\""));
            resp
        }
        Refusal::ContentType(_) => control_error(StatusCode::UNSUPPORTED_MEDIA_TYPE, &msg),
        Refusal::Host(_) | Refusal::Origin(_) => match family {
            Family::Control => control_error(StatusCode::FORBIDDEN, &msg),
            Family::Tencent => tencent_error("UnauthorizedOperation", &msg),
            // The API gateway knows no API under a domain it does not serve; a page of another
            // site is an access the gateway denies.
            Family::Huawei if origin => huawei_error(403, "APIGW.0306", &msg),
            Family::Huawei => huawei_error(404, "APIGW.0101", &msg),
            Family::Gateway => gateway_error(403, "UnauthorizedOperation", &msg, "禁止访问"),
            Family::UCloudStack => {
                let name = if origin { "Origin" } else { "Host" };
                ucs_error(ucloudstack::error::PARAMS_NOT_AVAILABLE, &format!("Params [{name}] not available: {msg}"))
            }
        },
    }
}

/// A body that could not be taken in.
pub(super) fn unreadable(family: Family, err: BodyError) -> Response {
    match err {
        BodyError::TooLarge => too_large(family),
        BodyError::Framing(cause) => broken(family, &cause),
        BodyError::Busy => busy(family),
    }
}

fn too_large(family: Family) -> Response {
    match family {
        Family::Tencent => tencent_error("RequestSizeLimitExceeded", "The request body exceeds 10 MB."),
        Family::Huawei => huawei_error(
            413,
            "APIGW.0201",
            "The request body is too large: 12 MB with AK/SK signatures, 64 MB with a token.",
        ),
        Family::Gateway => {
            let err = GwError::new("RequestSizeLimitExceeded", "The request body exceeds 10 MB.");
            respond(Answer::json(413, crate::gateway::envelope::error_body(&err)))
        }
        Family::UCloudStack => {
            let err = ucloudstack::error::too_large("Body", "the request body exceeds 10 MB");
            ucs_error(err.ret_code, &err.message)
        }
        Family::Control => control_error(StatusCode::PAYLOAD_TOO_LARGE, "request body too large"),
    }
}

/// The message ended before its Content-Length, or its chunked framing is broken: a bad
/// request, answered once before the connection closes.
fn broken(family: Family, cause: &str) -> Response {
    let msg = format!("The request body is incomplete or badly framed: {cause}.");
    match family {
        Family::Tencent => tencent_error("InvalidRequest", &msg),
        Family::Huawei => huawei_error(400, "APIGW.0201", &format!("Bad request: {msg}")),
        Family::Gateway => gateway_error(400, "InvalidRequest", &msg, "请求格式错误"),
        Family::UCloudStack => {
            ucs_error(ucloudstack::error::PARAMS_NOT_AVAILABLE, &format!("Params [Body] not available: {msg}"))
        }
        Family::Control => control_error(StatusCode::BAD_REQUEST, &msg),
    }
}

/// Too many large bodies are being received at once: the caller should retry, as after a
/// rate limit.
fn busy(family: Family) -> Response {
    let msg = "Too many large request bodies are being received at once; retry shortly.";
    match family {
        Family::Tencent => tencent_error("RequestLimitExceeded", msg),
        Family::Huawei => huawei_error(429, "APIGW.0308", &format!("The throttling threshold has been reached: {msg}")),
        Family::Gateway => gateway_error(429, "RequestLimitExceeded", msg, "请求频率超过限制"),
        Family::UCloudStack => ucs_error(BUSY_RET_CODE, msg),
        Family::Control => control_error(StatusCode::TOO_MANY_REQUESTS, msg),
    }
}

/// UCloud's "service busy" return code: seed 002 names none, so this is the twin's choice.
pub const BUSY_RET_CODE: i64 = 150;

pub(super) fn json_response(status: StatusCode, content_type: &'static str, body: &Value) -> Response {
    let bytes = serde_json::to_vec(body).unwrap_or_else(|_| b"{}".to_vec());
    let mut resp = (status, bytes).into_response();
    resp.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    resp
}

/// One family's answer as HTTP. Tencent answers `Content-Type: application/json` exactly (the
/// Python SDK only recognizes errors under that exact value); Huawei sends no body, and so no
/// `Content-Type`, for 202/204.
pub(crate) fn respond(a: Answer) -> Response {
    let status = StatusCode::from_u16(a.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let empty = a.body.is_empty() && a.lead.as_ref().is_none_or(|l| l.is_empty());
    let mut resp = match a.lead {
        None => (status, a.body).into_response(),
        Some(lead) => (status, axum::body::Body::new(Chunks([lead, Bytes::from(a.body)]))).into_response(),
    };
    let h = resp.headers_mut();
    if !empty {
        h.insert(header::CONTENT_TYPE, HeaderValue::from_static(a.content_type));
    }
    for (name, value) in a.headers {
        // From the `String` itself: its bytes are taken over, not copied.
        if let Ok(v) = HeaderValue::try_from(value) {
            h.insert(name, v);
        }
    }
    resp
}

/// A body of two chunks sent one after the other, its length known (so it goes with
/// `Content-Length`, and hyper writes both in one `writev` with the head): a kept page is
/// answered from the cache's own bytes, with no copy into a new buffer.
struct Chunks([Bytes; 2]);

impl hyper::body::Body for Chunks {
    type Data = Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<hyper::body::Frame<Bytes>, Self::Error>>> {
        let next = self.0.iter_mut().find(|c| !c.is_empty()).map(std::mem::take);
        std::task::Poll::Ready(next.map(|c| Ok(hyper::body::Frame::data(c))))
    }

    fn is_end_stream(&self) -> bool {
        self.0.iter().all(Bytes::is_empty)
    }

    fn size_hint(&self) -> hyper::body::SizeHint {
        hyper::body::SizeHint::with_exact(self.0.iter().map(|c| c.len() as u64).sum())
    }
}
