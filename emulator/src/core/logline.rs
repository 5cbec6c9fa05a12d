//! The request log line written without `tracing`'s formatter: the same bytes the `fmt`
//! subscriber `cloudtwin serve` installs would write (text without colour, or JSON), built in
//! one thread-local buffer and written to stderr in one call. `tracing` spent ~7% of a kept
//! read's cycles on this line (its field visitors, colour painting even when off, the
//! timestamp formatter: docs/performance.md). `serve` turns this on with [`use_stderr`] only
//! when its subscriber writes uncoloured lines to stderr; everything else (other events, a
//! test's subscriber, a terminal) still goes through `tracing`.

use std::cell::RefCell;
use std::io::Write;
use std::sync::OnceLock;
use std::time::SystemTime;

use super::record::RequestRecord;

/// The two formats `--log-format` offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
}

static STDERR: OnceLock<Format> = OnceLock::new();

/// Write request lines to stderr in `format` from now on (once; later calls change nothing).
pub fn use_stderr(format: Format) {
    let _ = STDERR.set(format);
}

/// The format request lines are written in here, if [`use_stderr`] was called.
pub(crate) fn stderr_format() -> Option<Format> {
    STDERR.get().copied()
}

thread_local! {
    static LINE: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// Write `rec`'s line to stderr. False (nothing written) when the wall clock is outside the
/// years the line's timestamp can show: the caller logs through `tracing` then.
pub(crate) fn write(rec: &RequestRecord, format: Format) -> bool {
    LINE.with(|buf| {
        let Ok(mut buf) = buf.try_borrow_mut() else { return false };
        buf.clear();
        if !line(&mut buf, rec, format, SystemTime::now()) {
            return false;
        }
        // As tracing's writer: a failed write to stderr is dropped, never a panic.
        let _ = std::io::stderr().lock().write_all(&buf);
        // A rare long line (a long path) does not keep its buffer for ever.
        if buf.capacity() > 16 * 1024 {
            *buf = Vec::new();
        }
        true
    })
}

/// The line itself, ending in `\n`. False when `at` has no 4-digit year.
pub(crate) fn line(out: &mut Vec<u8>, rec: &RequestRecord, format: Format, at: SystemTime) -> bool {
    let mut stamp = [0u8; 27];
    if !timestamp(&mut stamp, at) {
        return false;
    }
    let error_code = rec.error_code.as_deref().unwrap_or("-");
    let latency_ms = latency_ms(rec.latency);
    let mut num = itoa::Buffer::new();
    // The string fields before `status`, in the order both formats write them.
    let leading = [
        ("surface", rec.surface),
        ("method", rec.method.as_str()),
        ("path", rec.path.as_str()),
        ("operation", rec.operation.as_str()),
        ("account", rec.account.as_str()),
        ("region", rec.region.as_str()),
    ];
    match format {
        Format::Text => {
            out.extend_from_slice(&stamp);
            out.extend_from_slice(b"  INFO cloudtwin::request: request");
            for (name, value) in leading {
                text_field(out, name, value);
            }
            text_field(out, "status", num.format(rec.status));
            text_field(out, "error_code", error_code);
            // `{:?}`, as tracing's text visitor writes an f64.
            let _ = write!(out, " latency_ms={latency_ms:?}");
            text_field(out, "request_id", &rec.request_id);
        }
        Format::Json => {
            out.extend_from_slice(b"{\"timestamp\":\"");
            out.extend_from_slice(&stamp);
            out.extend_from_slice(b"\",\"level\":\"INFO\",\"message\":\"request\"");
            for (name, value) in leading {
                json_field(out, name, value);
            }
            out.extend_from_slice(b",\"status\":");
            out.extend_from_slice(num.format(rec.status).as_bytes());
            json_field(out, "error_code", error_code);
            out.extend_from_slice(b",\"latency_ms\":");
            // serde_json's number, as tracing's JSON visitor writes an f64.
            let _ = serde_json::to_writer(&mut *out, &latency_ms);
            json_field(out, "request_id", &rec.request_id);
            out.extend_from_slice(b",\"target\":\"cloudtwin::request\"}");
        }
    }
    out.push(b'\n');
    true
}

/// Milliseconds rounded to the microsecond, as the line has always shown them.
pub(crate) fn latency_ms(d: std::time::Duration) -> f64 {
    (d.as_secs_f64() * 1e3 * 1000.0).round() / 1000.0
}

fn text_field(out: &mut Vec<u8>, name: &str, value: &str) {
    out.push(b' ');
    out.extend_from_slice(name.as_bytes());
    out.push(b'=');
    out.extend_from_slice(value.as_bytes());
}

fn json_field(out: &mut Vec<u8>, name: &str, value: &str) {
    out.extend_from_slice(b",\"");
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(b"\":");
    // serde_json's escaping, as tracing's JSON visitor uses.
    let _ = serde_json::to_writer(&mut *out, value);
}

/// `YYYY-MM-DDTHH:MM:SS.ffffffZ` (UTC, microseconds), the `fmt` subscriber's timestamp. False
/// before 1970 or after 9999.
fn timestamp(out: &mut [u8; 27], at: SystemTime) -> bool {
    let Ok(since) = at.duration_since(SystemTime::UNIX_EPOCH) else { return false };
    let secs = since.as_secs();
    let (days, rem) = (secs / 86_400, secs % 86_400);
    let (y, m, d) = super::clock::civil_from_days(days as i64);
    if !(0..=9999).contains(&y) {
        return false;
    }
    let put = |out: &mut [u8; 27], at, width, v| super::clock::put_digits(out, at, width, v);
    put(out, 0, 4, y as u64);
    put(out, 5, 2, m as u64);
    put(out, 8, 2, d as u64);
    put(out, 11, 2, rem / 3600);
    put(out, 14, 2, rem % 3600 / 60);
    put(out, 17, 2, rem % 60);
    put(out, 20, 6, u64::from(since.subsec_micros()));
    for (i, c) in [(4, b'-'), (7, b'-'), (10, b'T'), (13, b':'), (16, b':'), (19, b'.'), (26, b'Z')] {
        out[i] = c;
    }
    true
}

// The record's one log line: here rather than in record.rs, so the record knows nothing of
// how it is written.
impl RequestRecord {
    /// Log the record as one line at info level (`cloudtwin::request` target), every field named,
    /// so `--log-format json` gives one object per request. An empty field is logged empty;
    /// `error_code` is `-` for a success. The level filter decides as for any event; `serve`
    /// has the line written without `tracing`'s formatter (below), same bytes.
    pub fn log(&self) {
        let on = tracing::enabled!(
            kind: tracing::metadata::Kind::EVENT,
            target: "cloudtwin::request",
            tracing::Level::INFO,
            { message, surface, method, path, operation, account, region, status, error_code, latency_ms, request_id }
        );
        if !on {
            return;
        }
        match stderr_format() {
            Some(format) if write(self, format) => {}
            _ => self.log_by_tracing(),
        }
    }

    pub(crate) fn log_by_tracing(&self) {
        tracing::info!(
            target: "cloudtwin::request",
            surface = %self.surface,
            method = %self.method,
            path = %self.path,
            operation = %self.operation,
            account = %self.account,
            region = %self.region,
            status = self.status,
            error_code = %self.error_code.as_deref().unwrap_or("-"),
            latency_ms = latency_ms(self.latency),
            request_id = %self.request_id,
            "request"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};
    use std::time::Duration;

    /// What the `fmt` subscriber `serve` installs writes for `rec` (ANSI off).
    fn by_tracing(rec: &RequestRecord, format: Format) -> String {
        #[derive(Clone, Default)]
        struct Sink(Arc<Mutex<Vec<u8>>>);
        impl Write for Sink {
            fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
                self.0.lock().unwrap().extend_from_slice(b);
                Ok(b.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let sink = Sink::default();
        let writer = sink.clone();
        let builder = tracing_subscriber::fmt().with_writer(move || writer.clone()).with_ansi(false);
        let dispatch = match format {
            Format::Text => tracing::Dispatch::new(builder.finish()),
            Format::Json => {
                tracing::Dispatch::new(builder.json().flatten_event(true).with_current_span(false).finish())
            }
        };
        tracing::dispatcher::with_default(&dispatch, || rec.log_by_tracing());
        let out = sink.0.lock().unwrap().clone();
        String::from_utf8(out).unwrap()
    }

    fn ours(rec: &RequestRecord, format: Format, at: SystemTime) -> String {
        let mut out = Vec::new();
        assert!(line(&mut out, rec, format, at));
        String::from_utf8(out).unwrap()
    }

    /// The timestamp is the one part that differs between two writes: put ours in theirs.
    fn same_but_time(theirs: &str, ours: &str) {
        let (at, len) = match theirs.find("\"timestamp\":\"") {
            Some(i) => (i + 13, 27),
            None => (0, 27),
        };
        let mut fixed = theirs.to_string();
        fixed.replace_range(at..at + len, &ours[at..at + len]);
        assert_eq!(fixed, ours);
    }

    fn records() -> Vec<RequestRecord> {
        let full = RequestRecord {
            surface: "tencent-cbs",
            method: "POST".into(),
            path: "/".into(),
            operation: "DescribeDisks".into(),
            account: "default".into(),
            region: "ap-guangzhou".into(),
            status: 200,
            latency: Duration::from_micros(261),
            request_id: "c8049c93-6f91-4dc7-bb57-e62d777c1a2c".into(),
            ..Default::default()
        };
        let mut out = vec![full.clone(), RequestRecord::default()];
        for (latency, code) in [
            (Duration::ZERO, "APIGW.0301"),
            (Duration::from_nanos(1), "x"),
            (Duration::from_nanos(1500), "InvalidParameter"),
            (Duration::from_millis(2), ""),
            (Duration::from_secs(1234), "400"),
            (Duration::from_secs(86_400 * 400), "E"),
        ] {
            out.push(RequestRecord { latency, error_code: Some(code.into()), status: 503, ..full.clone() });
        }
        // What a client chose: quotes, backslashes, control characters, other scripts.
        out.push(RequestRecord {
            surface: "gateway",
            path: "/v1/tencent/disk/\"list\"\\%20".into(),
            operation: "a\tb\u{1}c\"d".into(),
            account: "账户".into(),
            region: "\u{7f}".into(),
            status: 404,
            ..full
        });
        out
    }

    #[test]
    fn the_line_is_the_fmt_subscribers_line() {
        let at = SystemTime::now();
        for rec in records() {
            for format in [Format::Text, Format::Json] {
                same_but_time(&by_tracing(&rec, format), &ours(&rec, format, at));
            }
        }
    }

    #[test]
    fn timestamps_as_the_fmt_subscriber_writes_them() {
        for (secs, micros, want) in [
            (0, 0, "1970-01-01T00:00:00.000000Z"),
            (951_782_400, 7, "2000-02-29T00:00:00.000007Z"),
            (1_764_770_660, 986_619, "2025-12-03T14:04:20.986619Z"),
            (4_107_542_399, 999_999, "2100-02-28T23:59:59.999999Z"),
            (253_402_300_799, 0, "9999-12-31T23:59:59.000000Z"),
        ] {
            let at = SystemTime::UNIX_EPOCH + Duration::from_secs(secs) + Duration::from_micros(micros);
            let mut out = [0u8; 27];
            assert!(timestamp(&mut out, at));
            assert_eq!(std::str::from_utf8(&out).unwrap(), want);
        }
        let far = SystemTime::UNIX_EPOCH + Duration::from_secs(253_402_300_800);
        assert!(!timestamp(&mut [0u8; 27], far));
        assert!(!line(&mut Vec::new(), &RequestRecord::default(), Format::Text, far));
    }
}
