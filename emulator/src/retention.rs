//! Which automatic backups a policy's retention settings keep. This is shared by the providers:
//! Tencent's RetentionAmount and AdvancedRetentionPolicy (UTC+8), and Huawei's max_backups,
//! retention_duration_days and day/week/month/year_backups (the policy's timezone).
//!
//! Every setting names backups to keep. A backup is deleted only when at least one setting is
//! active and none of them keeps it. The settings:
//! - `max_backups` N keeps the newest N.
//! - `retention_days` N keeps backups younger than N days. A backup expires when it is exactly
//!   N × 24 h old, the instant Tencent's RetentionDays deadline fires too. The age is a
//!   duration, so the timezone plays no part.
//! - `day`, `week`, `month` and `year` N each keep the newest backup of each of the last N
//!   calendar days, weeks, months or years. The period containing `now` counts as the first.
//!   Periods are taken in the zone `utc_offset_secs`, and weeks run Monday to Sunday. A backup
//!   kept this way is kept whatever `max_backups` says (Huawei: "not limited by max_backups").
//!
//! Deliberate choices where the doc is silent:
//! - A value below 1 leaves its setting off. That covers the documented −1 ("don't prune by
//!   count/time") and the 0 that callers send for "unused" (§G.7). A max_backups or
//!   retention_duration_days of 0, which the API rejects anyway, never means "delete
//!   everything".
//! - retention_duration_days is exclusive with the others at the API. If a caller passes both
//!   anyway, they combine like every other pair: the union of what they keep, so the result
//!   never deletes more than either setting alone would.
//! - Calendar settings alone (no max_backups) do prune: day_backups 7 keeps one backup a day for
//!   a week and deletes the rest. Exempting backups from a count limit that doesn't exist would
//!   make such a policy keep everything, which is not what anyone setting it wants. Tencent's
//!   RetentionAmount 0 with an AdvancedRetentionPolicy behaves the same way.
//! - A backup dated after `now` (possible only with a skewed clock) belongs to no past period.
//!   The count and age settings keep it.

use chrono::{DateTime, Datelike, Duration, NaiveDate};

const DAY_MS: i64 = 86_400_000;

/// One policy's retention settings. The default keeps everything.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Rules {
    /// Keep the newest N. None or below 1 (−1): no count limit.
    pub max_backups: Option<i64>,
    /// Keep backups younger than N days. None or below 1 (−1): kept forever.
    pub retention_days: Option<i64>,
    /// Keep the newest backup of each of the last N days, weeks, months, years (0: off).
    pub day: i64,
    pub week: i64,
    pub month: i64,
    pub year: i64,
    /// The zone the calendar periods are taken in, as seconds east of UTC.
    pub utc_offset_secs: i32,
}

fn active(n: Option<i64>) -> Option<i64> {
    n.filter(|n| *n >= 1)
}

impl Rules {
    /// Whether any setting is on, i.e. whether anything can be deleted at all.
    pub fn prunes(&self) -> bool {
        active(self.max_backups).is_some()
            || active(self.retention_days).is_some()
            || [self.day, self.week, self.month, self.year].iter().any(|n| *n >= 1)
    }
}

fn local_date(ms: i64, utc_offset_secs: i32) -> NaiveDate {
    let shifted = ms.saturating_add(i64::from(utc_offset_secs) * 1000);
    DateTime::from_timestamp_millis(shifted).map(|d| d.date_naive()).unwrap_or_default()
}

#[derive(Clone, Copy)]
enum Period {
    Day,
    Week,
    Month,
    Year,
}

/// How many periods before `today`'s the period containing `d` is (0 = the same one, negative =
/// later).
fn periods_back(period: Period, today: NaiveDate, d: NaiveDate) -> i64 {
    // Count whole weeks between the two Mondays, so a week that spans a year end stays one week.
    let monday = |x: NaiveDate| x - Duration::days(i64::from(x.weekday().num_days_from_monday()));
    let month = |x: NaiveDate| i64::from(x.year()) * 12 + i64::from(x.month0());
    match period {
        Period::Day => (today - d).num_days(),
        Period::Week => (monday(today) - monday(d)).num_days().div_euclid(7),
        Period::Month => month(today) - month(d),
        Period::Year => i64::from(today.year() - d.year()),
    }
}

/// The ids among one resource's backups (newest first, as (id, created ms)) that some active
/// setting keeps at `now_ms`, in input order. With no setting active this is empty. Callers
/// that need "nothing set keeps everything" use [`to_delete`]. Backups created at the same
/// instant are told apart by their input order.
pub fn kept(backups: &[(String, i64)], rules: &Rules, now_ms: i64) -> Vec<String> {
    let mut keep = vec![false; backups.len()];
    if let Some(n) = active(rules.max_backups) {
        keep.iter_mut().take(usize::try_from(n).unwrap_or(usize::MAX)).for_each(|k| *k = true);
    }
    if let Some(days) = active(rules.retention_days) {
        let life = days.saturating_mul(DAY_MS);
        for (k, (_, created)) in keep.iter_mut().zip(backups) {
            *k |= now_ms.saturating_sub(*created) < life;
        }
    }
    let today = local_date(now_ms, rules.utc_offset_secs);
    let calendar = [
        (Period::Day, rules.day),
        (Period::Week, rules.week),
        (Period::Month, rules.month),
        (Period::Year, rules.year),
    ];
    for (period, count) in calendar.into_iter().filter(|(_, n)| *n >= 1) {
        let mut seen: Vec<i64> = Vec::new();
        for (k, (_, created)) in keep.iter_mut().zip(backups) {
            let back = periods_back(period, today, local_date(*created, rules.utc_offset_secs));
            // Newest first, so the first backup met in each period is that period's newest.
            if (0..count).contains(&back) && !seen.contains(&back) {
                seen.push(back);
                *k = true;
            }
        }
    }
    backups.iter().zip(keep).filter(|(_, k)| *k).map(|((id, _), _)| id.clone()).collect()
}

/// Given one resource's automatic backups newest first as (id, created ms), the ids to delete
/// at `now_ms`, in input order. Nothing is deleted unless some setting is active.
pub fn to_delete(backups: &[(String, i64)], rules: &Rules, now_ms: i64) -> Vec<String> {
    if !rules.prunes() {
        return Vec::new();
    }
    let keep = kept(backups, rules, now_ms);
    backups.iter().filter(|(id, _)| !keep.contains(id)).map(|(id, _)| id.clone()).collect()
}

/// Parse a Huawei policy timezone (`UTC+08:00`, `UTC-05:30`, `UTC+00:00`) into seconds east of
/// UTC. Exactly that form: `UTC`, a sign, two-digit hours and minutes. Real offsets run from
/// −12:00 to +14:00, and anything outside is rejected.
pub fn parse_utc_offset(tz: &str) -> Result<i32, String> {
    let bad = || format!("invalid timezone '{tz}': expected UTC+HH:MM or UTC-HH:MM between UTC-12:00 and UTC+14:00");
    let b = tz.as_bytes();
    if b.len() != 9 || !tz.starts_with("UTC") || b[6] != b':' {
        return Err(bad());
    }
    let two = |s: &[u8]| -> Option<i32> {
        s.iter().all(u8::is_ascii_digit).then(|| i32::from(s[0] - b'0') * 10 + i32::from(s[1] - b'0'))
    };
    let (Some(h), Some(m)) = (two(&b[4..6]), two(&b[7..9])) else { return Err(bad()) };
    if m >= 60 {
        return Err(bad());
    }
    let secs = h * 3600 + m * 60;
    match b[3] {
        b'+' if secs <= 14 * 3600 => Ok(secs),
        b'-' if secs <= 12 * 3600 => Ok(-secs),
        _ => Err(bad()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const H: i64 = 3_600_000;

    fn t(s: &str) -> i64 {
        DateTime::parse_from_rfc3339(s).unwrap().timestamp_millis()
    }

    /// Backups at 12:00 UTC on each day from `to` back to `from`, newest first, named by date.
    fn daily(from: &str, to: &str) -> Vec<(String, i64)> {
        let (from, mut day) = (from.parse::<NaiveDate>().unwrap(), to.parse::<NaiveDate>().unwrap());
        let mut out = Vec::new();
        while day >= from {
            out.push((day.to_string(), day.and_hms_opt(12, 0, 0).unwrap().and_utc().timestamp_millis()));
            day = day.pred_opt().unwrap();
        }
        out
    }

    fn ids(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    /// What `rules` keep, sorted.
    fn keeps(backups: &[(String, i64)], rules: Rules, now: i64) -> Vec<String> {
        let gone = to_delete(backups, &rules, now);
        let mut k: Vec<String> = backups.iter().map(|(id, _)| id.clone()).filter(|id| !gone.contains(id)).collect();
        k.sort();
        k
    }

    // 2026-11-22 is a Sunday.
    const NOW: &str = "2026-11-22T13:00:00Z";

    #[test]
    fn nothing_set_keeps_everything() {
        let b = daily("2020-01-01", "2026-11-22");
        assert_eq!(to_delete(&b, &Rules::default(), t(NOW)), Vec::<String>::new());
        let off = Rules { max_backups: Some(-1), retention_days: Some(-1), ..Default::default() };
        assert!(!off.prunes());
        assert_eq!(to_delete(&b, &off, t(NOW)), Vec::<String>::new());
        // 0 is "unused" too, never "keep none".
        let zero = Rules { max_backups: Some(0), retention_days: Some(0), ..Default::default() };
        assert_eq!(to_delete(&b, &zero, t(NOW)), Vec::<String>::new());
        assert_eq!(kept(&b, &zero, t(NOW)), Vec::<String>::new());
    }

    #[test]
    fn max_backups_keeps_the_newest() {
        let b = daily("2026-11-01", "2026-11-22");
        let r = Rules { max_backups: Some(3), ..Default::default() };
        let gone = to_delete(&b, &r, t(NOW));
        assert_eq!(gone.len(), 19);
        assert_eq!((gone[0].as_str(), gone[18].as_str()), ("2026-11-19", "2026-11-01"));
        assert_eq!(keeps(&b, r, t(NOW)), ids(&["2026-11-20", "2026-11-21", "2026-11-22"]));
        // More allowed than exist: nothing to delete.
        assert!(to_delete(&b, &Rules { max_backups: Some(99_999), ..Default::default() }, t(NOW)).is_empty());
        assert!(to_delete(&[], &r, t(NOW)).is_empty());
    }

    #[test]
    fn retention_days_deletes_what_is_n_days_old() {
        let b = daily("2026-11-01", "2026-11-22");
        let r = Rules { retention_days: Some(2), ..Default::default() };
        // At 12:00 the 20th's backup turns exactly two days old and goes; a millisecond earlier it stays.
        assert_eq!(keeps(&b, r, t("2026-11-22T12:00:00Z")), ids(&["2026-11-21", "2026-11-22"]));
        assert_eq!(keeps(&b, r, t("2026-11-22T11:59:59.999Z")), ids(&["2026-11-20", "2026-11-21", "2026-11-22"]));
        // The timezone doesn't move an age.
        let far = Rules { utc_offset_secs: -12 * 3600, ..r };
        assert_eq!(keeps(&b, far, t("2026-11-22T12:00:00Z")), ids(&["2026-11-21", "2026-11-22"]));
    }

    #[test]
    fn each_calendar_setting_keeps_the_newest_per_period() {
        let b = daily("2025-10-01", "2026-11-22");
        let now = t(NOW);
        let only = |r: Rules| keeps(&b, r, now);
        assert_eq!(only(Rules { day: 3, ..Default::default() }), ids(&["2026-11-20", "2026-11-21", "2026-11-22"]));
        // Weeks end on Sunday: this week, last week and the week before.
        assert_eq!(only(Rules { week: 3, ..Default::default() }), ids(&["2026-11-08", "2026-11-15", "2026-11-22"]));
        assert_eq!(only(Rules { month: 3, ..Default::default() }), ids(&["2026-09-30", "2026-10-31", "2026-11-22"]));
        // Only two years have backups.
        assert_eq!(only(Rules { year: 5, ..Default::default() }), ids(&["2025-12-31", "2026-11-22"]));
        assert_eq!(
            only(Rules { day: 2, week: 2, ..Default::default() }),
            ids(&["2026-11-15", "2026-11-21", "2026-11-22"])
        );
        // N = 0 is off, and N = 1 keeps just the current period's newest.
        assert_eq!(only(Rules { day: 1, week: 0, ..Default::default() }), ids(&["2026-11-22"]));
        assert_eq!(only(Rules { week: 1, ..Default::default() }), ids(&["2026-11-22"]));
        // A period with no backup still counts: the last 3 days of a two-day gap keep one backup.
        let gap: Vec<_> =
            b.iter().filter(|(id, _)| !["2026-11-21", "2026-11-22"].contains(&id.as_str())).cloned().collect();
        assert_eq!(keeps(&gap, Rules { day: 3, ..Default::default() }, now), ids(&["2026-11-20"]));
    }

    #[test]
    fn weeks_span_a_year_end() {
        // Mon 2025-12-29 … Sun 2026-01-04 is one week; 2025-12-28 is the Sunday before.
        let jan4 = NaiveDate::from_ymd_opt(2026, 1, 4).unwrap();
        let d = |m, day| NaiveDate::from_ymd_opt(2025, m, day).unwrap();
        assert_eq!(periods_back(Period::Week, jan4, d(12, 29)), 0);
        assert_eq!(periods_back(Period::Week, jan4, d(12, 28)), 1);
        assert_eq!(periods_back(Period::Month, jan4, d(12, 31)), 1);
        assert_eq!(periods_back(Period::Year, jan4, d(1, 1)), 1);
        let b = daily("2025-12-20", "2026-01-04");
        assert_eq!(
            keeps(&b, Rules { week: 2, ..Default::default() }, t("2026-01-04T20:00:00Z")),
            ids(&["2025-12-28", "2026-01-04"])
        );
    }

    #[test]
    fn max_backups_and_week_keep_their_union() {
        let b = daily("2026-10-01", "2026-11-22");
        let r = Rules { max_backups: Some(2), week: 3, ..Default::default() };
        assert_eq!(keeps(&b, r, t(NOW)), ids(&["2026-11-08", "2026-11-15", "2026-11-21", "2026-11-22"]));
        // Overlapping picks are kept once, and the ids come back in input order.
        let r = Rules { max_backups: Some(1), day: 2, ..Default::default() };
        assert_eq!(kept(&b, &r, t(NOW)), ids(&["2026-11-22", "2026-11-21"]));
        assert_eq!(to_delete(&b, &r, t(NOW))[..2], ids(&["2026-11-20", "2026-11-19"]));
    }

    #[test]
    fn retention_days_with_others_keeps_the_union() {
        let b = daily("2026-11-01", "2026-11-22");
        let r = Rules { retention_days: Some(1), month: 2, ..Default::default() };
        assert_eq!(keeps(&b, r, t(NOW)), ids(&["2026-11-22"]));
        let r = Rules { retention_days: Some(3), max_backups: Some(1), ..Default::default() };
        assert_eq!(keeps(&b, r, t(NOW)), ids(&["2026-11-20", "2026-11-21", "2026-11-22"]));
    }

    #[test]
    fn the_timezone_decides_which_day_a_backup_belongs_to() {
        // 15:00 and 17:00 UTC on 2026-03-01, judged at 18:00 UTC.
        let b = vec![("late".to_string(), t("2026-03-01T17:00:00Z")), ("early".to_string(), t("2026-03-01T15:00:00Z"))];
        let now = t("2026-03-01T18:00:00Z");
        let two_days = |tz: &str| {
            let r = Rules { day: 2, utc_offset_secs: parse_utc_offset(tz).unwrap(), ..Default::default() };
            to_delete(&b, &r, now)
        };
        // One day in UTC and in UTC-05:00...
        assert_eq!(two_days("UTC+00:00"), ids(&["early"]));
        assert_eq!(two_days("UTC-05:00"), ids(&["early"]));
        // ...but in UTC+08:00 they are 23:00 on the 1st and 01:00 on the 2nd.
        assert_eq!(two_days("UTC+08:00"), Vec::<String>::new());
        // In UTC+07:30, 16:30 UTC is midnight starting the 2nd; 16:29 UTC is still the 1st.
        let b = vec![("a".to_string(), t("2026-03-01T16:30:00Z")), ("b".to_string(), t("2026-03-01T16:29:00Z"))];
        let r = Rules { day: 1, utc_offset_secs: parse_utc_offset("UTC+07:30").unwrap(), ..Default::default() };
        assert_eq!(to_delete(&b, &r, now), ids(&["b"]));
    }

    #[test]
    fn backups_from_the_future_belong_to_no_period() {
        let b =
            vec![("ahead".to_string(), t("2026-11-23T12:00:00Z")), ("today".to_string(), t("2026-11-22T01:00:00Z"))];
        assert_eq!(to_delete(&b, &Rules { day: 1, ..Default::default() }, t(NOW)), ids(&["ahead"]));
        assert_eq!(to_delete(&b, &Rules { max_backups: Some(1), ..Default::default() }, t(NOW)), ids(&["today"]));
        assert!(to_delete(&b, &Rules { retention_days: Some(1), ..Default::default() }, t(NOW)).is_empty());
    }

    #[test]
    fn utc_offsets() {
        assert_eq!(parse_utc_offset("UTC+08:00"), Ok(8 * 3600));
        assert_eq!(parse_utc_offset("UTC-05:30"), Ok(-(5 * 3600 + 1800)));
        assert_eq!(parse_utc_offset("UTC+00:00"), Ok(0));
        assert_eq!(parse_utc_offset("UTC-00:00"), Ok(0));
        assert_eq!(parse_utc_offset("UTC+05:45"), Ok(5 * 3600 + 45 * 60));
        assert_eq!(parse_utc_offset("UTC+14:00"), Ok(14 * 3600));
        assert_eq!(parse_utc_offset("UTC-12:00"), Ok(-12 * 3600));
        for bad in [
            "",
            "UTC",
            "UTC+8",
            "UTC+8:00",
            "UTC+08",
            "UTC+0800",
            "UTC 08:00",
            "GMT+08:00",
            "utc+08:00",
            "UTC+08:60",
            "UTC+14:01",
            "UTC-12:30",
            "UTC+24:00",
            "UTC±08:00",
            "UTC+08:00 ",
            "UTC+0a:00",
            "Asia/Shanghai",
        ] {
            let e = parse_utc_offset(bad).unwrap_err();
            assert!(e.starts_with(&format!("invalid timezone '{bad}'")), "{e}");
        }
    }

    proptest::proptest! {
        #[test]
        fn to_delete_keeps_the_newest_and_invents_nothing(
            mut created in prop::collection::vec(0i64..3 * 365 * 24 * H, 0..40),
            max_backups in prop::option::of(-1i64..6),
            retention_days in prop::option::of(-1i64..40),
            calendar in (0i64..4, 0i64..4, 0i64..4, 0i64..3),
            quarter_hours in -48i32..=56,
            ahead in 0i64..400 * 24 * H,
        ) {
            created.sort_unstable_by(|a, b| b.cmp(a));
            let base = t("2024-01-01T00:00:00Z");
            let backups: Vec<(String, i64)> = created.iter().enumerate().map(|(i, c)| (format!("b{i}"), base + c)).collect();
            let (day, week, month, year) = calendar;
            let rules = Rules { max_backups, retention_days, day, week, month, year, utc_offset_secs: quarter_hours * 900 };
            let now = base + created.first().copied().unwrap_or(0) + ahead;
            let gone = to_delete(&backups, &rules, now);
            prop_assert!(gone.iter().all(|id| backups.iter().any(|(b, _)| b == id)));
            let mut unique = gone.clone();
            unique.sort();
            unique.dedup();
            prop_assert_eq!(unique.len(), gone.len());
            if max_backups.is_some_and(|n| n >= 1) {
                prop_assert!(backups.is_empty() || !gone.contains(&backups[0].0));
                prop_assert!(backups.len() - gone.len() >= backups.len().min(max_backups.unwrap() as usize));
            }
            if !rules.prunes() {
                prop_assert!(gone.is_empty());
            }
        }
    }
}
