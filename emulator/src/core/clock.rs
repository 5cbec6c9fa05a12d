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
    // From `SystemTime` directly: going through a chrono `DateTime` and back computes a
    // calendar date twice, and a request reads the clock several times.
    match std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH) {
        Ok(since) => since.as_millis() as i64,
        Err(before) => -(before.duration().as_millis() as i64),
    }
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
    // Every signed TC3 request checks its scope date: the common range skips chrono's
    // formatting (docs/performance.md).
    if (0..=FAST_DATE_UNTIL).contains(&unix_secs) {
        let (y, m, d) = civil_from_days(unix_secs.div_euclid(86_400));
        let mut b = *b"0000-00-00";
        put_digits(&mut b, 0, 4, y as u64);
        put_digits(&mut b, 5, 2, m as u64);
        put_digits(&mut b, 8, 2, d as u64);
        // Only digits and dashes are written.
        return String::from_utf8_lossy(&b).into_owned();
    }
    at(unix_secs.saturating_mul(1000)).format("%Y-%m-%d").to_string()
}

/// The last second of 9999-12-31 UTC: past it a year has five digits.
const FAST_DATE_UNTIL: i64 = 253_402_300_799;

/// Writes `v` as `width` decimal digits into `buf[at..at + width]` (its last `width` digits),
/// two digits a step from a table: the dates and times on list pages and log lines, formatted
/// a digit at a time, showed in their profiles (docs/performance.md).
#[inline]
pub(crate) fn put_digits(buf: &mut [u8], at: usize, width: usize, v: u64) {
    const PAIRS: &[u8; 200] = b"0001020304050607080910111213141516171819\
        2021222324252627282930313233343536373839\
        4041424344454647484950515253545556575859\
        6061626364656667686970717273747576777879\
        8081828384858687888990919293949596979899";
    let (mut v, mut end) = (v, at + width);
    while end >= at + 2 {
        let pair = (v % 100) as usize * 2;
        buf[end - 2..end].copy_from_slice(&PAIRS[pair..pair + 2]);
        v /= 100;
        end -= 2;
    }
    if end > at {
        buf[at] = b'0' + (v % 10) as u8;
    }
}

/// (year, month, day) of a day count since 1970-01-01 in the proleptic Gregorian calendar
/// (H. Hinnant, "civil_from_days").
pub(crate) fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(month <= 2), month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_system_clock_reads_as_chrono_reads_it() {
        let (before, ms, after) = (Utc::now().timestamp_millis(), system_ms(), Utc::now().timestamp_millis());
        assert!(before <= ms && ms <= after, "{before} <= {ms} <= {after}");
    }

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
    fn digits_are_written_as_format_writes_them() {
        for width in 1..=6usize {
            for v in [0u64, 1, 9, 10, 42, 99, 100, 305, 999, 1000, 2026, 9999, 10_000, 123_456, 999_999] {
                let mut buf = [b'x'; 8];
                put_digits(&mut buf, 1, width, v);
                let full = format!("{v:0width$}");
                assert_eq!(&buf[1..1 + width], &full.as_bytes()[full.len() - width..], "{v} in {width}");
                assert_eq!((buf[0], buf[1 + width]), (b'x', b'x'), "{v} in {width}: stays in its place");
            }
        }
    }

    #[test]
    fn utc_date_matches_chrono() {
        let chrono_date = |secs: i64| at(secs * 1000).format("%Y-%m-%d").to_string();
        let mut secs = 0i64;
        while secs <= FAST_DATE_UNTIL {
            for probe in [secs, secs + 86_399, secs + 86_400 - 1] {
                assert_eq!(utc_date(probe), chrono_date(probe), "{probe}");
            }
            secs += 86_400 * 13 + 7_777;
        }
        for edge in [0, 86_399, 86_400, 951_782_400, 4_107_542_399, FAST_DATE_UNTIL, FAST_DATE_UNTIL + 1, -1] {
            assert_eq!(utc_date(edge), chrono_date(edge), "{edge}");
        }
    }
}
