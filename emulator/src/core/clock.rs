//! The one virtual clock. Real time by default; tests switch it to manual and move it explicitly,
//! so nothing in the twin ever needs a sleep to reach a later state.

use chrono::{DateTime, Datelike, FixedOffset, TimeZone, Timelike, Utc};
use parking_lot::Mutex;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
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
        self.set_ms(unix_secs * 1000);
    }

    /// Freeze the clock at `ms` (switches to manual).
    pub fn set_ms(&self, ms: i64) {
        let mut inner = self.inner.lock();
        inner.mode = ClockMode::Manual;
        inner.manual_ms = ms;
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

/// A unix time in milliseconds as a UTC date-time (the epoch for one out of range).
pub fn at(ms: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(ms).single().unwrap_or_else(|| Utc.timestamp_opt(0, 0).unwrap())
}

/// `YYYY-MM-DDTHH:MM:SS+00:00` (Tencent `Timestamp ISO8601`).
pub fn iso8601_utc(ms: i64) -> String {
    let d = at(ms);
    format!("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}+00:00", d.year(), d.month(), d.day(), d.hour(), d.minute(), d.second())
}

/// Parse an ISO-8601 timestamp with an offset into unix milliseconds.
pub fn parse_iso8601(s: &str) -> Option<i64> {
    DateTime::parse_from_rfc3339(s.trim()).ok().map(|d| d.timestamp_millis())
}

/// China Standard Time (UTC+8): the zone Tencent Cloud and UCloudStack print and bill in.
pub fn china_tz() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("valid offset")
}

/// Whole calendar months later in UTC+8, keeping the day where it exists (Jan 31 + 1 month = Feb 28/29).
pub fn add_months_ms(ms: i64, months: u32) -> i64 {
    let dt = at(ms).with_timezone(&china_tz());
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
}
