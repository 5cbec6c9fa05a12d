//! The control plane's answers: JSON bodies, `{"error": ...}` for a refusal, and the bounded
//! JSON parse of a request body.

use axum::http::StatusCode;
use serde_json::{json, Value};

use crate::core::http::Answer;

pub(super) fn reply(status: StatusCode, body: Value) -> Answer {
    Answer::json(status.as_u16(), serde_json::to_vec(&body).unwrap_or_default())
}

pub(super) fn ok(body: Value) -> Answer {
    reply(StatusCode::OK, body)
}

pub(super) fn bad(msg: impl Into<String>) -> Answer {
    reply(StatusCode::BAD_REQUEST, json!({"error": msg.into()}))
}

pub(super) fn parse(body: &[u8]) -> Result<Value, Box<Answer>> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(json!({}));
    }
    crate::core::limits::check_json(body).map_err(|e| Box::new(bad(e.to_string())))?;
    serde_json::from_slice(body).map_err(|e| Box::new(bad(format!("body is not JSON: {e}"))))
}
