//! The one virtual clock. Real time by default; tests switch it to manual and move it explicitly,
//! so nothing in the twin ever needs a sleep to reach a later state.

use chrono::{DateTime, Datelike, FixedOffset, TimeZone, Timelike, Utc};
use parking_lot::Mutex;
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ClockMode {
    Real,
    Manual,
}

#[derive(Debug)]
struct Inner {
    mode: ClockMode,
    /// In manual mode: the frozen time. In real mode: unused.
    manual_ms: i64,
}

#[derive(Debug)]
pub struct Clock {
    inner: Mutex<Inner>,
}

impl Default for Clock {
    fn default() -> Self {
        Self::real()
    }
}

fn system_ms() -> i64 {
    Utc::now().timestamp_millis()
}

impl Clock {
    pub fn real() -> Self {
        Clock { inner: Mutex::new(Inner { mode: ClockMode::Real, manual_ms: 0 }) }
    }

    pub fn manual(unix_secs: i64) -> Self {
        Clock { inner: Mutex::new(Inner { mode: ClockMode::Manual, manual_ms: unix_secs * 1000 }) }
    }

    pub fn now_ms(&self) -> i64 {
        let inner = self.inner.lock();
        match inner.mode {
            ClockMode::Real => system_ms(),
            ClockMode::Manual => inner.manual_ms,
        }
    }

    pub fn now_secs(&self) -> i64 {
        self.now_ms().div_euclid(1000)
    }

    pub fn mode(&self) -> ClockMode {
        self.inner.lock().mode
    }

    /// Freeze the clock at `unix_secs` (switches to manual).
    pub fn set(&self, unix_secs: i64) {
        let mut inner = self.inner.lock();
        inner.mode = ClockMode::Manual;
        inner.manual_ms = unix_secs * 1000;
    }

    /// Move the clock forward by `ms` (switches to manual, starting from the current time).
    /// Time never goes backwards through this call: negative values are rejected by the caller.
    pub fn advance_ms(&self, ms: i64) {
        let mut inner = self.inner.lock();
        if inner.mode == ClockMode::Real {
            inner.manual_ms = system_ms();
            inner.mode = ClockMode::Manual;
        }
        inner.manual_ms += ms;
    }

    pub fn set_real(&self) {
        self.inner.lock().mode = ClockMode::Real;
    }
}

/// Tencent Cloud prints `Timestamp` values in China Standard Time (UTC+8), the time zone of its
/// console and of every example in the CBS documentation.
pub fn tencent_tz() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("valid offset")
}

fn at(ms: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(ms).single().unwrap_or_else(|| Utc.timestamp_opt(0, 0).unwrap())
}

/// `YYYY-MM-DD HH:MM:SS` in UTC+8 (Tencent `Timestamp`).
pub fn tc_timestamp(ms: i64) -> String {
    let d = at(ms).with_timezone(&tencent_tz());
    format!("{:04}-{:02}-{:02} {:02}:{:02}:{:02}", d.year(), d.month(), d.day(), d.hour(), d.minute(), d.second())
}

/// `YYYY-MM-DD` in UTC+8 (Tencent `Date`).
pub fn iso_date(ms: i64) -> String {
    let d = at(ms).with_timezone(&tencent_tz());
    format!("{:04}-{:02}-{:02}", d.year(), d.month(), d.day())
}

/// `YYYY-MM-DDTHH:MM:SS+00:00` (Tencent `Timestamp ISO8601`).
pub fn iso8601_utc(ms: i64) -> String {
    let d = at(ms);
    format!("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}+00:00", d.year(), d.month(), d.day(), d.hour(), d.minute(), d.second())
}

/// Parse a Tencent `Timestamp` (`YYYY-MM-DD HH:MM:SS`, UTC+8) into unix milliseconds.
pub fn parse_tc_timestamp(s: &str) -> Option<i64> {
    let naive = chrono::NaiveDateTime::parse_from_str(s.trim(), "%Y-%m-%d %H:%M:%S").ok()?;
    let dt = tencent_tz().from_local_datetime(&naive).single()?;
    Some(dt.timestamp_millis())
}

/// Parse an ISO-8601 timestamp with an offset into unix milliseconds.
pub fn parse_iso8601(s: &str) -> Option<i64> {
    DateTime::parse_from_rfc3339(s.trim()).ok().map(|d| d.timestamp_millis())
}

/// Whole calendar months later, keeping the day where it exists (Jan 31 + 1 month = Feb 28/29).
pub fn add_months_ms(ms: i64, months: u32) -> i64 {
    let dt = at(ms).with_timezone(&tencent_tz());
    dt.checked_add_months(chrono::Months::new(months)).map(|d| d.timestamp_millis()).unwrap_or(ms)
}

/// UTC calendar date of a unix time, `YYYY-MM-DD` (the TC3 credential scope date).
pub fn utc_date(unix_secs: i64) -> String {
    at(unix_secs * 1000).format("%Y-%m-%d").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manual_clock_moves_only_when_told() {
        let c = Clock::manual(1_000);
        assert_eq!(c.now_secs(), 1_000);
        c.advance_ms(2_500);
        assert_eq!(c.now_ms(), 1_002_500);
        c.set(5);
        assert_eq!(c.now_secs(), 5);
        assert_eq!(c.mode(), ClockMode::Manual);
    }

    #[test]
    fn tencent_timestamps_are_utc_plus_8() {
        // 1551113065 is 2019-02-26 00:44:25 in UTC+8 and 2019-02-25 in UTC (from the CBS doc).
        assert_eq!(tc_timestamp(1_551_113_065_000), "2019-02-26 00:44:25");
        assert_eq!(utc_date(1_551_113_065), "2019-02-25");
        assert_eq!(parse_tc_timestamp("2019-02-26 00:44:25"), Some(1_551_113_065_000));
        assert_eq!(iso8601_utc(1_551_113_065_000), "2019-02-25T16:44:25+00:00");
        assert_eq!(parse_iso8601("2019-02-25T16:44:25+00:00"), Some(1_551_113_065_000));
    }

    #[test]
    fn months_clamp_to_month_end() {
        let jan31 = parse_tc_timestamp("2024-01-31 10:00:00").unwrap();
        assert_eq!(tc_timestamp(add_months_ms(jan31, 1)), "2024-02-29 10:00:00");
    }
}
