//! The one listener: decides which provider family a request is for, lets in only what the
//! guard allows (guard.rs: Host, Origin, control token, methods), reads the body within that
//! family's size limit and the shared body budget (body.rs), and hands it to the family's
//! protocol layer or to the control plane. Every refusal here is in the family's own envelope.

mod answers;
mod body;
mod family;
mod guard;

use answers::{refused, respond, unreadable};
pub use family::{classify, Family};

pub use body::Budget;
pub use guard::{EdgeSettings, Refusal};

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::Response;
use axum::Router;

use crate::config::AuthMode;
use crate::core::http::HttpIn;
use crate::world::Twin;
use crate::{huawei, tencent};

/// Everything a request handler needs.
pub struct App {
    pub twin: Twin,
    pub auth: AuthMode,
    /// Body bytes being buffered, all requests together (`edge.body_budget` of the config).
    pub bodies: Budget,
}

impl App {
    pub fn new(twin: Twin, auth: AuthMode) -> App {
        let edge = &twin.cfg.edge;
        let bodies = Budget::new(edge.body_budget, std::time::Duration::from_millis(edge.body_wait_ms));
        App { twin, auth, bodies }
    }

    /// Whether `/_cloudtwin/*` needs a token (the startup banner warns when it does not).
    pub fn has_control_token(&self) -> bool {
        self.twin.cfg.edge.has_control_token()
    }
}

/// The edge as an axum Router (benches/server_loop.rs serves it with `axum::serve`).
pub fn router(app: Arc<App>) -> Router {
    Router::new().fallback(entry).with_state(app)
}

/// Answer one request: what the server loop (server.rs) calls for every request.
pub async fn serve(app: Arc<App>, req: Request) -> Response {
    entry(State(app), req).await
}

/// The largest body a request of `family` may carry.
fn body_limit(family: Family, path: &str, headers: &HeaderMap) -> usize {
    match family {
        Family::Control if path == "/_cloudtwin/state" => crate::control::state::IMPORT_BYTES,
        Family::Tencent => tencent::protocol::TC3_POST_LIMIT,
        Family::Huawei if headers.contains_key("x-auth-token") && !headers.contains_key("authorization") => {
            huawei::protocol::TOKEN_BODY_LIMIT
        }
        Family::Huawei => huawei::protocol::AKSK_BODY_LIMIT,
        _ => 10 * 1024 * 1024,
    }
}

/// Whether the request announces a body (which an early answer leaves unread).
fn has_body(headers: &HeaderMap) -> bool {
    headers.contains_key(header::TRANSFER_ENCODING) || content_length(headers).is_some_and(|n| n > 0)
}

fn content_length(headers: &HeaderMap) -> Option<u64> {
    headers.get(header::CONTENT_LENGTH)?.to_str().ok()?.trim().parse().ok()
}

/// An answer after which the connection closes: the request's body was not read (or could not
/// be), so the connection cannot carry another request.
fn closing(mut resp: Response) -> Response {
    resp.headers_mut().insert(header::CONNECTION, HeaderValue::from_static("close"));
    resp
}

/// An answer given before the body was read: the connection closes after it, and what the
/// client still sends is drained (not kept) so that it reads the answer.
fn early(resp: Response, body: axum::body::Body, unread: bool, headers: &HeaderMap) -> Response {
    if !unread {
        return resp;
    }
    // A client that sent `Expect: 100-continue` waits for a go-ahead before it sends the body;
    // reading the body would give it one after the final answer, so it is left alone.
    let waits = headers.get(header::EXPECT).is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"100-continue"));
    if !waits {
        body::drain(body);
    }
    closing(resp)
}

async fn entry(State(app): State<Arc<App>>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    crate::core::record::note(|r| r.virtual_ms = app.twin.clock.now_ms());
    let (path, query) = (parts.uri.path(), parts.uri.query().unwrap_or(""));
    let family = classify(path, &parts.headers);
    let unread = has_body(&parts.headers);
    if let Err(refusal) = guard::check(&app.twin.cfg.edge, family, &parts.method, &parts.uri, &parts.headers) {
        tracing::info!(?family, reason = %refusal.message(), "request refused at the edge");
        return early(refused(family, &refusal), body, unread || refusal == Refusal::Connect, &parts.headers);
    }
    // The size limit comes first, as when the body was read before anything else was checked.
    let limit = body_limit(family, parts.uri.path(), &parts.headers);
    let declared = content_length(&parts.headers);
    if declared.is_some_and(|n| n > limit as u64) {
        return early(unreadable(family, body::BodyError::TooLarge), body, true, &parts.headers);
    }
    if family == Family::Huawei {
        if let Some(out) = huawei::answer_before_body(&app.twin, app.auth, &parts.method, path, &parts.headers) {
            return early(respond(out), body, unread, &parts.headers);
        }
    }
    let mut tc3_head = None;
    if family == Family::Tencent {
        match tencent::head_before_body(&app.twin, app.auth, &parts.method, &parts.headers) {
            Ok(head) => tc3_head = head,
            Err(out) => return early(respond(out), body, unread, &parts.headers),
        }
    }
    // HTTP/1.1 without Content-Length or Transfer-Encoding has no body: nothing to wait for.
    let received = if unread {
        let mut body = body;
        match body::read(&mut body, declared, limit, &app.bodies).await {
            Ok(r) => r,
            Err(e @ body::BodyError::Framing(_)) => return closing(unreadable(family, e)),
            // The client is still sending (past any 100-continue): it gets the answer, the
            // rest is dropped.
            Err(e) => {
                body::drain(body);
                return closing(unreadable(family, e));
            }
        }
    } else {
        body::Received::empty()
    };
    let req = HttpIn { method: &parts.method, path, query, headers: &parts.headers, body: &received.bytes };
    let answer = match family {
        Family::Control => crate::control::handle(&app.twin, &parts.method, path, query, &received.bytes),
        Family::Tencent => tencent::handle_after_head(&app.twin, app.auth, &req, tc3_head).await,
        Family::Huawei => huawei::handle(&app.twin, app.auth, &req).await,
        Family::Gateway => crate::gateway::handle(&app.twin, &req).await,
        Family::UCloudStack => crate::ucloudstack::handle(&app.twin, app.auth, &req).await,
    };
    if app.twin.journal.bounds().bodies && family != Family::Control {
        keep_bodies(&received.bytes, &answer.whole_body());
    }
    respond(with_request_id(answer))
}

/// Every answer the families give names the id its journal entry has (`X-Cloudtwin-Request-Id`):
/// the family's own request id, or one the twin makes for a surface that has none (gateway,
/// UCloudStack, the control plane). `cloudtwin conform` reports it for a failing step.
fn with_request_id(mut answer: crate::core::http::Answer) -> crate::core::http::Answer {
    let id = crate::core::record::peek(|r| r.request_id.to_string()).unwrap_or_default();
    let id = if id.is_empty() {
        let made = crate::core::ids::request_uuid();
        crate::core::record::note(|r| r.request_id = made.as_str().into());
        made
    } else {
        id
    };
    answer.headers.push(("x-cloudtwin-request-id", id));
    answer
}

/// `--journal-bodies`: both bodies on the request's record, credentials masked (core/redact.rs).
fn keep_bodies(request: &[u8], answer: &[u8]) {
    use crate::core::{journal::BODY_MAX, redact};
    let (req, resp) = (redact::body(request, BODY_MAX), redact::body(answer, BODY_MAX));
    crate::core::record::note(|r| (r.request_body, r.response_body) = (Some(req), Some(resp)));
}
