//! What one request did, in one small record: the server loop opens it, the provider families fill
//! in what only they know (operation, account, region, error code, request id) and the loop logs it
//! once the answer is written, and keeps it in the request journal (core/journal.rs).
//!
//! The record travels in a task-local slot rather than through every handler's signature, so a
//! family adds one `record::note` call where it learns a fact and nothing else changes.

use std::cell::RefCell;
use std::future::Future;
use std::time::Duration;

use crate::core::key::{Key, LongKey};

/// One request as the operator sees it: the log line and the request journal's entry
/// (core/journal.rs) are both this record. Never holds a secret: no header, no query string, no
/// signature; only names the twin itself resolved (bodies, kept only when asked, are cleaned).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct RequestRecord {
    /// `tencent-cbs`, `huawei-cbr`, `gateway`, `ucloudstack` or `control`.
    pub surface: &'static str,
    pub method: Key,
    /// The URL path without its query (the query can carry a signature).
    pub path: LongKey,
    /// The action or operation name (`CreateDisks`, `CreateVault`, `DiskCreate`, ...).
    pub operation: Key,
    pub account: Key,
    pub region: Key,
    /// The HTTP status written.
    pub status: u16,
    /// The surface's own error code when the request failed (Tencent codes arrive with HTTP 200).
    pub error_code: Option<String>,
    #[serde(rename = "latency_us", serialize_with = "micros")]
    pub latency: Duration,
    pub request_id: LongKey,
    /// When the request came: the machine's clock and the twin's virtual clock (unix ms).
    pub wall_ms: i64,
    pub virtual_ms: i64,
    /// For a refused signature: what the twin computed (never a key, never the signature sent).
    pub refusal: Option<Refusal>,
    /// The fault rule that changed this request (core/fault.rs).
    pub fault: Option<u64>,
    /// Latency an injected fault adds: the server loop waits this long before it answers,
    /// outside any lock.
    #[serde(skip)]
    pub delay: Duration,
    /// The bodies, kept only with `--journal-bodies` and already cleaned of credentials.
    pub request_body: Option<String>,
    pub response_body: Option<String>,
}

fn micros<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u64(d.as_micros().min(u128::from(u64::MAX)) as u64)
}

/// Why the twin refused a signature, with what it computed to check it.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Refusal {
    pub reason: String,
    pub canonical_request: String,
    pub string_to_sign: String,
}

tokio::task_local! {
    static CURRENT: RefCell<RequestRecord>;
}

/// Run `fut` with `rec` as the current request's record; return its output and the record as the
/// handlers left it.
pub async fn scope<F: Future>(rec: RequestRecord, fut: F) -> (F::Output, RequestRecord) {
    CURRENT
        .scope(RefCell::new(rec), async move {
            let out = fut.await;
            (out, CURRENT.with(|r| r.take()))
        })
        .await
}

/// Read the current request's record (`None` outside a request).
pub fn peek<T>(f: impl FnOnce(&RequestRecord) -> T) -> Option<T> {
    CURRENT.try_with(|r| f(&r.borrow())).ok()
}

/// Note a refused signature: the canonical request (may be empty when the scheme has none) and
/// the string to sign as the twin computed them.
pub fn refused(reason: &str, canonical_request: &str, string_to_sign: &str) {
    note(|r| {
        r.refusal = Some(Refusal {
            reason: reason.to_string(),
            canonical_request: crate::core::redact::signed_text(canonical_request),
            string_to_sign: crate::core::redact::signed_text(string_to_sign),
        })
    });
}

/// Add what the caller knows to the current request's record. Outside a request (a unit test
/// calling a handler directly) it does nothing.
pub fn note(f: impl FnOnce(&mut RequestRecord)) {
    let _ = CURRENT.try_with(|r| f(&mut r.borrow_mut()));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn handlers_fill_the_scoped_record() {
        let ((), rec) = scope(RequestRecord { surface: "gateway", ..Default::default() }, async {
            note(|r| r.operation = "disk/list".into());
            tokio::task::yield_now().await;
            note(|r| r.error_code = Some("InvalidParameter".into()));
        })
        .await;
        assert_eq!(rec.surface, "gateway");
        assert_eq!(rec.operation, "disk/list");
        assert_eq!(rec.error_code.as_deref(), Some("InvalidParameter"));
        note(|r| r.operation = "outside".into()); // no scope: ignored, no panic
    }
}
