//! Reading a request body into memory, bounded three ways: a declared `Content-Length` over the
//! family's limit is refused before a byte is read; the bytes read so far never pass the limit;
//! and every body's bytes beyond a small free allowance come out of one budget shared by all
//! requests in flight, so many concurrent large bodies wait (or are turned away) instead of
//! multiplying memory. A message that ends early or has broken chunked framing is a framing
//! error, not a size error.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use bytes::Bytes;
use http_body_util::BodyExt;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Each body's first bytes need no budget: ordinary API calls never wait for one.
pub const FREE_BYTES: usize = 64 * 1024;
/// The budget is taken in steps of this size, so a large body asks the semaphore a few dozen
/// times, not once per frame.
const STEP: usize = 1024 * 1024;
/// A body that sends nothing for this long is dropped as broken.
pub const BODY_IDLE: Duration = Duration::from_secs(30);

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BodyError {
    /// Declared or actual size over the family's limit.
    TooLarge,
    /// The message ended before its declared length, its chunked framing is broken, or it
    /// stalled: the connection cannot carry another request.
    Framing(String),
    /// The shared budget stayed exhausted for the configured wait.
    Busy,
}

/// The shared budget of body bytes being buffered.
#[derive(Clone)]
pub struct Budget {
    permits: Arc<Semaphore>,
    total: usize,
    wait: Duration,
}

impl Budget {
    pub fn new(total: usize, wait: Duration) -> Budget {
        Budget { permits: Arc::new(Semaphore::new(total)), total, wait }
    }

    /// Bytes of budget no request holds right now.
    pub fn available(&self) -> usize {
        self.permits.available_permits()
    }

    pub fn total(&self) -> usize {
        self.total
    }

    async fn take(&self, bytes: usize) -> Result<OwnedSemaphorePermit, BodyError> {
        let n = u32::try_from(bytes).map_err(|_| BodyError::TooLarge)?;
        if bytes > self.total {
            return Err(BodyError::Busy);
        }
        match tokio::time::timeout(self.wait, self.permits.clone().acquire_many_owned(n)).await {
            Ok(Ok(p)) => Ok(p),
            _ => Err(BodyError::Busy),
        }
    }
}

/// A body in memory and the budget it holds until the request is answered.
pub struct Received {
    pub bytes: Bytes,
    _held: Option<OwnedSemaphorePermit>,
}

impl Received {
    pub fn empty() -> Received {
        Received { bytes: Bytes::new(), _held: None }
    }
}

/// Read `body` whole, within `limit` bytes and the shared `budget`. `declared` is the request's
/// Content-Length, if it has one. On a size or budget refusal the rest of the body is still
/// there, for `drain`.
pub async fn read(
    body: &mut Body,
    declared: Option<u64>,
    limit: usize,
    budget: &Budget,
) -> Result<Received, BodyError> {
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(BodyError::TooLarge);
    }
    // The declared length is reserved up front (pages are only touched as bytes arrive), so
    // the buffer is never copied while it grows.
    let mut buf: Vec<u8> = Vec::with_capacity(declared.map_or(0, |n| n as usize));
    let mut held: Option<OwnedSemaphorePermit> = None;
    let mut allowed = FREE_BYTES;
    loop {
        let frame = match tokio::time::timeout(BODY_IDLE, body.frame()).await {
            Err(_) => return Err(BodyError::Framing(format!("no body bytes arrived for {} s", BODY_IDLE.as_secs()))),
            Ok(None) => break,
            Ok(Some(Err(e))) => return Err(BodyError::Framing(framing_cause(&e))),
            Ok(Some(Ok(frame))) => frame,
        };
        let Ok(data) = frame.into_data() else { continue };
        let len = buf.len() + data.len();
        if len > limit {
            return Err(BodyError::TooLarge);
        }
        if len > allowed {
            let more = (len - allowed).div_ceil(STEP) * STEP;
            let permit = budget.take(more).await?;
            allowed += more;
            match held.as_mut() {
                Some(h) => h.merge(permit),
                None => held = Some(permit),
            }
        }
        buf.extend_from_slice(&data);
    }
    Ok(Received { bytes: Bytes::from(buf), _held: held })
}

/// Read and drop what is left of a body the edge answered without reading, in the background:
/// a client still sending gets the answer instead of a reset connection (the bytes are not
/// kept, so this costs no memory), up to `DRAIN_BYTES` or `DRAIN_TIME`, after which the
/// connection closes.
pub fn drain(mut body: Body) {
    tokio::spawn(async move {
        let deadline = tokio::time::Instant::now() + DRAIN_TIME;
        let mut seen = 0usize;
        while seen <= DRAIN_BYTES {
            match tokio::time::timeout_at(deadline, body.frame()).await {
                Ok(Some(Ok(frame))) => seen += frame.data_ref().map_or(0, |d| d.len()),
                _ => break,
            }
        }
    });
}

/// How much of an unread body is drained after an early answer.
const DRAIN_BYTES: usize = 64 * 1024 * 1024;
const DRAIN_TIME: Duration = Duration::from_secs(10);

/// The innermost cause of a body error ("unexpected end of file", "invalid chunk size line").
fn framing_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut inner = e;
    while let Some(next) = inner.source() {
        inner = next;
    }
    inner.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn limits_and_budget() {
        let budget = Budget::new(4 * STEP, Duration::from_millis(10));
        let big = vec![7u8; 3 * STEP];
        let r = read(&mut Body::from(big.clone()), Some(big.len() as u64), 4 * STEP, &budget).await.unwrap();
        assert_eq!(r.bytes, big);
        assert!(budget.available() <= STEP, "the body holds budget while it lives");
        drop(r);
        assert_eq!(budget.available(), 4 * STEP, "and gives it back");

        let small = read(&mut Body::from(vec![1u8; FREE_BYTES]), None, 10 * STEP, &Budget::new(0, Duration::ZERO))
            .await
            .unwrap();
        assert_eq!(small.bytes.len(), FREE_BYTES, "small bodies need no budget");

        let tiny = Budget::new(STEP, Duration::from_millis(10));
        let r = read(&mut Body::from(vec![0u8; 3 * STEP]), None, 10 * STEP, &tiny).await;
        assert_eq!(r.err(), Some(BodyError::Busy), "more than the whole budget is turned away at once");

        let over = read(&mut Body::from(vec![0u8; 10]), Some(11), 10, &budget).await;
        assert_eq!(over.err(), Some(BodyError::TooLarge), "a declared length over the limit");
        let over = read(&mut Body::from(vec![0u8; 11]), None, 10, &budget).await;
        assert_eq!(over.err(), Some(BodyError::TooLarge), "an undeclared one");
    }
}
