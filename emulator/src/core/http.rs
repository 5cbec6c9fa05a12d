//! A request as every family receives it from the edge, and the answer every family gives back:
//! the edge turns one `Answer` into HTTP, whoever made it.

use std::borrow::Cow;

use axum::http::{HeaderMap, Method};
use bytes::Bytes;

/// One HTTP request, its body already read within the family's limit.
pub struct HttpIn<'a> {
    pub method: &'a Method,
    pub path: &'a str,
    pub query: &'a str,
    pub headers: &'a HeaderMap,
    pub body: &'a [u8],
}

/// What goes back over HTTP: a status, a body and the headers the family adds. An empty body
/// goes without a `Content-Type`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub status: u16,
    pub content_type: &'static str,
    pub headers: Vec<(&'static str, String)>,
    /// Bytes the body starts with, shared with whoever keeps them (a kept page:
    /// core/kept.rs) and handed to the connection without a copy; `body` follows.
    pub lead: Option<Bytes>,
    pub body: Vec<u8>,
}

impl Answer {
    /// A JSON body with `Content-Type: application/json`.
    pub fn json(status: u16, body: Vec<u8>) -> Answer {
        Answer { status, content_type: "application/json", headers: Vec::new(), lead: None, body }
    }

    /// A body with its content type (no extra headers).
    pub fn with_type(status: u16, content_type: &'static str, body: Vec<u8>) -> Answer {
        Answer { content_type, ..Answer::json(status, body) }
    }

    /// The whole body, `lead` and `body` together.
    pub fn whole_body(&self) -> Cow<'_, [u8]> {
        match &self.lead {
            None => Cow::Borrowed(&self.body),
            Some(lead) => Cow::Owned([&lead[..], &self.body].concat()),
        }
    }
}
