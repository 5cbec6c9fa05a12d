//! When a policy triggers: its schedules (days of week or month, or every N days from its
//! creation day, at whole hours) read in UTC+8.

use chrono::{Datelike, Duration, NaiveDate, TimeZone};

use super::super::model::Schedule;
use crate::tencent::time::tencent_tz;

pub(super) fn local_date(ms: i64) -> NaiveDate {
    tencent_tz().timestamp_millis_opt(ms).single().map(|d| d.date_naive()).unwrap_or_default()
}

pub(super) fn at_hour(day: NaiveDate, hour: i64) -> Option<i64> {
    let t = day.and_hms_opt(hour as u32, 0, 0)?;
    tencent_tz().from_local_datetime(&t).single().map(|d| d.timestamp_millis())
}

impl Schedule {
    fn runs_on(&self, day: NaiveDate, created: NaiveDate) -> bool {
        if let Some(days) = &self.day_of_week {
            days.contains(&i64::from(day.weekday().num_days_from_sunday()))
        } else if let Some(days) = &self.day_of_month {
            days.contains(&i64::from(day.day()))
        } else if let Some(n) = self.interval_days {
            let since = (day - created).num_days();
            since >= 0 && since % n.max(1) == 0
        } else {
            false
        }
    }
}

/// The first trigger strictly after `after_ms`: the earliest (day, hour) any schedule picks.
/// IntervalDays counts from the policy's creation day, as the doc describes.
pub fn next_trigger(schedules: &[Schedule], created_ms: i64, after_ms: i64) -> Option<i64> {
    let created = local_date(created_ms);
    let first = local_date(after_ms);
    for offset in 0..=800 {
        let day = first + Duration::days(offset);
        let mut best: Option<i64> = None;
        for s in schedules.iter().filter(|s| s.runs_on(day, created)) {
            for &h in &s.hour {
                if let Some(t) = at_hour(day, h).filter(|t| *t > after_ms) {
                    best = Some(best.map_or(t, |b| b.min(t)));
                }
            }
        }
        if best.is_some() {
            return best;
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tencent::time::{parse_tc_timestamp, tc_timestamp};

    fn sched(week: Option<Vec<i64>>, month: Option<Vec<i64>>, interval: Option<i64>, hour: Vec<i64>) -> Schedule {
        Schedule { day_of_week: week, hour, day_of_month: month, interval_days: interval }
    }

    fn t(s: &str) -> i64 {
        parse_tc_timestamp(s).unwrap()
    }

    #[test]
    fn weekly_daily_monthly_and_interval_triggers() {
        // 2026-11-22 is a Sunday.
        let now = t("2026-11-22 10:30:00");
        let daily = sched(Some((0..7).collect()), None, None, vec![23]);
        assert_eq!(tc_timestamp(next_trigger(std::slice::from_ref(&daily), now, now).unwrap()), "2026-11-22 23:00:00");
        assert_eq!(tc_timestamp(next_trigger(&[daily], now, t("2026-11-22 23:00:00")).unwrap()), "2026-11-23 23:00:00");
        let thursday = sched(Some(vec![4]), None, None, vec![0]);
        assert_eq!(tc_timestamp(next_trigger(&[thursday], now, now).unwrap()), "2026-11-26 00:00:00");
        let the31st = sched(None, Some(vec![31]), None, vec![2]);
        assert_eq!(tc_timestamp(next_trigger(&[the31st], now, now).unwrap()), "2026-12-31 02:00:00");
        // Created after today's hour: the first run is one interval later.
        let every3 = sched(None, None, Some(3), vec![8]);
        assert_eq!(tc_timestamp(next_trigger(std::slice::from_ref(&every3), now, now).unwrap()), "2026-11-25 08:00:00");
        let every3_morning = sched(None, None, Some(3), vec![11, 9]);
        assert_eq!(tc_timestamp(next_trigger(&[every3_morning], now, now).unwrap()), "2026-11-22 11:00:00");
        let two = [sched(Some(vec![1]), None, None, vec![1]), sched(None, Some(vec![23]), None, vec![5])];
        assert_eq!(tc_timestamp(next_trigger(&two, now, now).unwrap()), "2026-11-23 01:00:00");
    }
}
