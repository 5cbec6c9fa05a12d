//! The time formats of Tencent Cloud's API: `Timestamp` and `Date` in China Standard Time.

use chrono::{Datelike, FixedOffset, TimeZone, Timelike};

use crate::core::clock::{at, china_tz, put_digits};

/// Tencent Cloud prints `Timestamp` values in China Standard Time (UTC+8), the time zone of its
/// console and of every example in the CBS documentation.
pub fn tencent_tz() -> FixedOffset {
    china_tz()
}

/// `YYYY-MM-DD HH:MM:SS` in UTC+8 (Tencent `Timestamp`).
pub fn tc_timestamp(ms: i64) -> String {
    TcTime::at(ms).as_str().to_string()
}

/// A `Timestamp`'s text held on the stack, or none (an empty string). A listed disk or snapshot
/// prints two, and a page of twenty made forty `String`s of them (docs/performance.md).
#[derive(Clone, Copy)]
pub struct TcTime {
    text: [u8; 32],
    len: u8,
}

impl TcTime {
    /// No time: written as `""`, as the API writes an unset `Timestamp`.
    pub const NONE: TcTime = TcTime { text: [0; 32], len: 0 };

    pub fn at(ms: i64) -> TcTime {
        // The common range skips chrono and `format!` (they were 7% of a 20-disk DescribeDisks
        // page: docs/performance.md).
        if let Some(t) = fast_tc_timestamp(ms) {
            return t;
        }
        let s = by_chrono(ms);
        let mut t = TcTime::NONE;
        // chrono's years have at most six digits and a sign: 22 bytes at most.
        let len = s.len().min(t.text.len());
        t.text[..len].copy_from_slice(&s.as_bytes()[..len]);
        t.len = len as u8;
        t
    }

    pub fn of(ms: Option<i64>) -> TcTime {
        ms.map_or(TcTime::NONE, TcTime::at)
    }

    pub fn as_str(&self) -> &str {
        // Only ASCII digits and separators are ever put in.
        std::str::from_utf8(&self.text[..usize::from(self.len)]).unwrap_or("")
    }

    /// Appends it as a JSON string: its characters need no escape.
    pub fn write_json(&self, out: &mut Vec<u8>) {
        out.push(b'"');
        out.extend_from_slice(&self.text[..usize::from(self.len)]);
        out.push(b'"');
    }
}

impl serde::Serialize for TcTime {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl std::fmt::Debug for TcTime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.as_str().fmt(f)
    }
}

/// The text by chrono: the reference of the arithmetic path, and what is used outside its range.
fn by_chrono(ms: i64) -> String {
    let d = at(ms).with_timezone(&tencent_tz());
    format!("{:04}-{:02}-{:02} {:02}:{:02}:{:02}", d.year(), d.month(), d.day(), d.hour(), d.minute(), d.second())
}

/// The last millisecond whose UTC+8 year has four digits (9999-12-31 23:59:59.999 +08:00).
const FAST_UNTIL_MS: i64 = 253_402_271_999_999;

/// `TcTime::at` for 1970-01-01 (UTC) to year 9999, by the days-to-civil arithmetic of the
/// proleptic Gregorian calendar; `None` outside it (chrono handles the rest).
fn fast_tc_timestamp(ms: i64) -> Option<TcTime> {
    if !(0..=FAST_UNTIL_MS).contains(&ms) {
        return None;
    }
    let secs = ms.div_euclid(1000) + 8 * 3600;
    let (days, sod) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (year, month, day) = crate::core::clock::civil_from_days(days);
    let mut t = TcTime { len: 19, ..TcTime::NONE };
    let out = &mut t.text;
    for (at, width, v) in
        [(0, 4, year), (5, 2, month), (8, 2, day), (11, 2, sod / 3600), (14, 2, sod / 60 % 60), (17, 2, sod % 60)]
    {
        put_digits(out, at, width, v as u64);
    }
    for (i, c) in [(4, b'-'), (7, b'-'), (10, b' '), (13, b':'), (16, b':')] {
        t.text[i] = c;
    }
    Some(t)
}

/// `YYYY-MM-DD` in UTC+8 (Tencent `Date`).
pub fn iso_date(ms: i64) -> String {
    let d = at(ms).with_timezone(&tencent_tz());
    format!("{:04}-{:02}-{:02}", d.year(), d.month(), d.day())
}

/// Parse a Tencent `Timestamp` (`YYYY-MM-DD HH:MM:SS`, UTC+8) into unix milliseconds.
pub fn parse_tc_timestamp(s: &str) -> Option<i64> {
    let naive = chrono::NaiveDateTime::parse_from_str(s.trim(), "%Y-%m-%d %H:%M:%S").ok()?;
    let dt = tencent_tz().from_local_datetime(&naive).single()?;
    Some(dt.timestamp_millis())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::clock::{add_months_ms, iso8601_utc, parse_iso8601, utc_date};

    /// The arithmetic path answers what chrono answers, across leap years, centuries, the
    /// UTC+8 day boundary and the ends of its range.
    #[test]
    fn fast_timestamps_match_chrono() {
        let mut samples = vec![0, 1, 999, 1000, 57_599_999, 57_600_000, FAST_UNTIL_MS, FAST_UNTIL_MS - 1000];
        // 951_782_400_000 is 2000-02-29 00:00 UTC; 4_107_542_400_000 is 2100-03-01 00:00 UTC.
        for base in [951_782_400_000i64, 4_107_542_400_000, 1_767_225_600_000] {
            samples.extend((-3..3).map(|d| base + d * 86_400_000 - 28_800_000));
        }
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..20_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            samples.push((x % (FAST_UNTIL_MS as u64 + 1)) as i64);
        }
        for ms in samples {
            assert_eq!(fast_tc_timestamp(ms).map(|t| t.as_str().to_string()), Some(by_chrono(ms)), "{ms}");
        }
        assert!(fast_tc_timestamp(-1).is_none());
        assert!(fast_tc_timestamp(FAST_UNTIL_MS + 1).is_none());
        // Outside it, chrono's text, whole, at both ends of what `at` takes.
        for ms in [-1, FAST_UNTIL_MS + 1, i64::MIN, i64::MAX, -62_135_596_800_001] {
            assert_eq!(tc_timestamp(ms), by_chrono(ms), "{ms}");
        }
        let mut json = Vec::new();
        TcTime::at(1_551_113_065_000).write_json(&mut json);
        TcTime::NONE.write_json(&mut json);
        assert_eq!(json, b"\"2019-02-26 00:44:25\"\"\"");
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
