//! The time formats of Tencent Cloud's API: `Timestamp` and `Date` in China Standard Time.

use chrono::{Datelike, FixedOffset, TimeZone, Timelike};

use crate::core::clock::{at, china_tz};

/// Tencent Cloud prints `Timestamp` values in China Standard Time (UTC+8), the time zone of its
/// console and of every example in the CBS documentation.
pub fn tencent_tz() -> FixedOffset {
    china_tz()
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
