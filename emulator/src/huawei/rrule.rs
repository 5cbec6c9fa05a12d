//! Huawei CBR trigger patterns (`trigger.properties.pattern`): the documented subset of the
//! iCalendar RRULE, the policy-wide limits on a set of patterns, and the next fire time.
//!
//! A pattern is `KEY=VALUE` parts joined by `;`, keys in any order, for example
//! `FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR,SA,SU;BYHOUR=14;BYMINUTE=00`. All times are UTC.
//!
//! Where the doc is silent, these are deliberate choices:
//! - Only the five documented keys FREQ, BYDAY, BYHOUR, BYMINUTE and INTERVAL are accepted. Any
//!   other key (COUNT, UNTIL, BYSECOND, WKST, ...) is rejected. So is a leading `RRULE:`: that is
//!   the iCalendar property name, not part of the rule, and no documented example carries it.
//! - Keys and values are exact uppercase text. There is no whitespace trimming, and empty parts
//!   (`;;` or a trailing `;`) and empty list items (`MO,,TU`) are rejected. RFC 5545 would fold
//!   case. Every documented example and generator (console, Terraform) emits uppercase, so a
//!   lowercase pattern is more likely a client bug worth surfacing.
//! - A repeated key is rejected: RFC 5545 says rule parts MUST NOT occur more than once, and
//!   there is no sensible winner. A repeated value within a list (`BYHOUR=6,6`) is merely
//!   collapsed, since RRULE lists are sets.
//! - FREQ and BYHOUR are required. RFC 5545 would take a missing hour from DTSTART. Huawei has
//!   no DTSTART: start_time is the creation instant, not a chosen time of day.
//! - BYMINUTE defaults to 0, the natural reading of `BYHOUR=6`.
//! - BYHOUR and BYMINUTE take one or two digits (`6`, `06`, `00`, as in RFC 5545) and may list
//!   several values. The rule then fires at every BYHOUR × BYMINUTE combination.
//! - WEEKLY requires BYDAY. Falling back to the start day would make the schedule depend on the
//!   creation weekday, and no generator omits BYDAY. On a DAILY rule, BYDAY is the RFC filter:
//!   it fires on the interval's days that are also listed days.
//! - INTERVAL defaults to 1 and must be 1–30. Terraform's `huaweicloud_cbr_policy` documents
//!   "every 1 to 30 days", the only published bound. WEEKLY takes the same bound, since no
//!   generator emits a weekly INTERVAL. That keeps every rule's period within 210 days, which
//!   bounds the search in [`next_after`].
//! - INTERVAL counts from the policy's start_time (the anchor). DAILY counts whole UTC days
//!   from the anchor's day. WEEKLY counts Monday-to-Sunday UTC weeks from the anchor's week.
//!   If a time of day has already passed on the anchor day, that time waits a whole interval.
//!   The anchor only fixes the phase: the schedule extends both ways, so callers ask from
//!   `after_ms >= anchor_ms`.
//! - [`parse_all`] checks the limits exactly, for every day the schedule can produce,
//!   INTERVAL included, and for whichever weekday the policy starts on. Validation doesn't see
//!   start_time (UpdatePolicy may keep an old one). A pattern set valid on a Monday but not on a
//!   Tuesday would be baffling to a client.
//! - A rule that can never fire for some starts (`FREQ=DAILY;INTERVAL=7;BYDAY=TU` started on a
//!   Monday) is still accepted. [`next_after`] then has nothing to return for it.

use chrono::Weekday;

/// Most patterns one policy may carry.
pub const MAX_PATTERNS: usize = 24;
/// Largest INTERVAL, in days (DAILY) or weeks (WEEKLY).
pub const MAX_INTERVAL: u32 = 30;
/// Most distinct run times on one day.
const MAX_PER_DAY: usize = 24;
/// Shortest allowed gap between two runs, in minutes.
const MIN_GAP: i64 = 60;
const DAY_MINUTES: i64 = 1440;
const DAY_MS: i64 = 86_400_000;
const MINUTE_MS: i64 = 60_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Freq {
    Daily,
    Weekly,
}

/// One parsed pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    pub freq: Freq,
    /// In days (DAILY) or weeks (WEEKLY), 1..=[`MAX_INTERVAL`].
    pub interval: u32,
    /// The days the rule may fire on, Monday first, distinct. All seven for a DAILY rule
    /// without BYDAY.
    pub by_day: Vec<Weekday>,
    /// Run times as minutes after midnight UTC, ascending and distinct. One per BYHOUR ×
    /// BYMINUTE combination.
    pub times: Vec<u32>,
}

const DAYS: [(&str, Weekday); 7] = [
    ("MO", Weekday::Mon),
    ("TU", Weekday::Tue),
    ("WE", Weekday::Wed),
    ("TH", Weekday::Thu),
    ("FR", Weekday::Fri),
    ("SA", Weekday::Sat),
    ("SU", Weekday::Sun),
];

fn digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// An hour or minute: one or two digits, as RFC 5545 writes them.
fn small(s: &str, below: u32) -> Option<u32> {
    if digits(s) && s.len() <= 2 {
        s.parse().ok().filter(|v| *v < below)
    } else {
        None
    }
}

/// A comma-separated list, each item checked by `item`, as a sorted set.
fn list<T: Ord>(key: &str, value: &str, what: &str, item: impl Fn(&str) -> Option<T>) -> Result<Vec<T>, String> {
    let mut out = Vec::new();
    for v in value.split(',') {
        out.push(item(v).ok_or_else(|| format!("{key} value '{v}' is not {what}"))?);
    }
    out.sort();
    out.dedup();
    Ok(out)
}

/// Parse one pattern. The error names the pattern and is meant for an API `error_msg`.
pub fn parse(pattern: &str) -> Result<Rule, String> {
    parse_parts(pattern).map_err(|why| format!("invalid trigger pattern '{pattern}': {why}"))
}

fn parse_parts(pattern: &str) -> Result<Rule, String> {
    if pattern.starts_with("RRULE:") {
        return Err("leave out the 'RRULE:' prefix; a pattern is the rule value only".into());
    }
    let (mut freq, mut interval, mut days, mut hours, mut minutes) = (None, None, None, None, None);
    let mut seen: Vec<&str> = Vec::new();
    for part in pattern.split(';') {
        let Some((key, value)) = part.split_once('=') else {
            return Err(if part.is_empty() { "empty part".into() } else { format!("'{part}' is not KEY=VALUE") });
        };
        if seen.contains(&key) {
            return Err(format!("{key} is given more than once"));
        }
        seen.push(key);
        match key {
            "FREQ" => {
                freq = Some(match value {
                    "DAILY" => Freq::Daily,
                    "WEEKLY" => Freq::Weekly,
                    _ => return Err(format!("FREQ must be DAILY or WEEKLY, not '{value}'")),
                })
            }
            "INTERVAL" => {
                if !digits(value) {
                    return Err(format!("INTERVAL '{value}' is not a number"));
                }
                // A huge INTERVAL is out of range rather than malformed, so saturate.
                let n = value.parse::<u32>().unwrap_or(u32::MAX);
                if !(1..=MAX_INTERVAL).contains(&n) {
                    return Err(format!("INTERVAL must be 1 to {MAX_INTERVAL}, not {value}"));
                }
                interval = Some(n);
            }
            "BYDAY" => {
                days = Some(list(key, value, "one of MO,TU,WE,TH,FR,SA,SU", |v| {
                    DAYS.iter().find(|(name, _)| *name == v).map(|(_, d)| d.num_days_from_monday())
                })?)
            }
            "BYHOUR" => hours = Some(list(key, value, "an hour 0-23", |v| small(v, 24))?),
            "BYMINUTE" => minutes = Some(list(key, value, "a minute 0-59", |v| small(v, 60))?),
            _ => {
                return Err(format!(
                    "unsupported key '{key}'; only FREQ, BYDAY, BYHOUR, BYMINUTE and INTERVAL are allowed"
                ))
            }
        }
    }
    let freq = freq.ok_or("FREQ is required")?;
    let hours = hours.ok_or("BYHOUR is required")?;
    let minutes = minutes.unwrap_or_else(|| vec![0]);
    let days = match (days, freq) {
        (Some(d), _) => d,
        (None, Freq::Daily) => (0..7).collect(),
        (None, Freq::Weekly) => return Err("BYDAY is required with FREQ=WEEKLY".into()),
    };
    let mut times: Vec<u32> = hours.iter().flat_map(|h| minutes.iter().map(move |m| h * 60 + m)).collect();
    times.sort_unstable();
    Ok(Rule {
        freq,
        interval: interval.unwrap_or(1),
        by_day: days.into_iter().map(|d| DAYS[d as usize].1).collect(),
        times,
    })
}

/// Parse a policy's patterns and check the limits that span them: 1 to 24 patterns, at most 24
/// runs on any day, and at least an hour between any two runs. The gap check spans midnight and
/// week ends, and covers a pattern's own runs as well as runs of different patterns. Two patterns
/// firing at the same instant make one run, which is allowed.
/// The rules of patterns `parse_all` accepted before (a stored policy's), without checking again
/// how they sit together: a policy's next trigger is planned at every run.
pub fn parse_each(patterns: &[String]) -> Result<Vec<Rule>, String> {
    patterns.iter().map(|p| parse(p)).collect()
}

pub fn parse_all(patterns: &[String]) -> Result<Vec<Rule>, String> {
    if patterns.is_empty() {
        return Err("at least one trigger pattern is required".into());
    }
    if patterns.len() > MAX_PATTERNS {
        return Err(format!("at most {MAX_PATTERNS} trigger patterns are allowed, got {}", patterns.len()));
    }
    let rules = patterns.iter().map(|p| parse(p)).collect::<Result<Vec<_>, _>>()?;
    let classes: Vec<Vec<Vec<(i64, i64)>>> = rules.iter().map(|r| (0..7).map(|w| r.day_classes(w)).collect()).collect();
    // Whether, for some start weekday, rule a runs on a day and rule b `shift` days later.
    let meet = |a: usize, b: usize, shift: i64| {
        (0..7).any(|w| {
            classes[a][w]
                .iter()
                .any(|&(ra, ma)| classes[b][w].iter().any(|&(rb, mb)| (ra + shift - rb).rem_euclid(gcd(ma, mb)) == 0))
        })
    };

    // Any day with more than 24 runs also breaks the gap rule. This check exists to give the
    // clearer message for the usual cases: one crowded pattern, or two.
    for (a, ra) in rules.iter().enumerate() {
        for (b, rb) in rules.iter().enumerate().skip(a) {
            let mut union: Vec<u32> = ra.times.iter().chain(&rb.times).copied().collect();
            union.sort_unstable();
            union.dedup();
            if union.len() > MAX_PER_DAY && (a == b || meet(a, b, 0)) {
                return Err(format!(
                    "at most {MAX_PER_DAY} backup times per day are allowed; {} {} on one day",
                    named(patterns, a, b, "give"),
                    union.len()
                ));
            }
        }
    }

    for (a, ra) in rules.iter().enumerate() {
        for (b, rb) in rules.iter().enumerate() {
            for shift in [0, 1] {
                let Some((ta, tb)) = too_close(&ra.times, &rb.times, shift) else { continue };
                if (a == b && shift == 0) || meet(a, b, shift) {
                    let next = if shift == 1 { " the next day" } else { "" };
                    return Err(format!(
                        "backups must be at least one hour apart; {} at {} and {}{next}",
                        named(patterns, a, b, "run"),
                        hhmm(ta),
                        hhmm(tb)
                    ));
                }
            }
        }
    }
    Ok(rules)
}

/// The subject of an error about patterns `a` and `b` (possibly the same one), with its verb.
fn named(patterns: &[String], a: usize, b: usize, verb: &str) -> String {
    if a == b {
        format!("pattern '{}' {verb}s", patterns[a])
    } else {
        format!("patterns '{}' and '{}' {verb}", patterns[a], patterns[b])
    }
}

fn hhmm(t: u32) -> String {
    format!("{:02}:{:02}", t / 60, t % 60)
}

/// Two run times, one from each list, less than an hour apart: `b` is taken `shift` days after `a`.
/// Equal times on the same day are one run, not two.
fn too_close(a: &[u32], b: &[u32], shift: i64) -> Option<(u32, u32)> {
    a.iter().flat_map(|&x| b.iter().map(move |&y| (x, y))).find(|&(x, y)| {
        let gap = (i64::from(y) + shift * DAY_MINUTES - i64::from(x)).abs();
        gap != 0 && gap < MIN_GAP
    })
}

fn gcd(a: i64, b: i64) -> i64 {
    if b == 0 {
        a
    } else {
        gcd(b, a % b)
    }
}

fn weekday_of(day: i64) -> u32 {
    // Day 0 (1970-01-01) was a Thursday, three days after a Monday.
    (day + 3).rem_euclid(7) as u32
}

fn week_of(day: i64) -> i64 {
    (day + 3).div_euclid(7)
}

impl Rule {
    fn allows(&self, weekday: u32) -> bool {
        self.by_day.iter().any(|d| d.num_days_from_monday() == weekday)
    }

    /// Whether the rule runs on UTC day `day` (days since the epoch), counting INTERVAL from
    /// `anchor_day`.
    fn runs_on(&self, day: i64, anchor_day: i64) -> bool {
        let n = i64::from(self.interval);
        let on_beat = match self.freq {
            Freq::Daily => (day - anchor_day).rem_euclid(n) == 0,
            Freq::Weekly => (week_of(day) - week_of(anchor_day)).rem_euclid(n) == 0,
        };
        on_beat && self.allows(weekday_of(day))
    }

    /// After this many days the rule's run days repeat.
    fn period_days(&self) -> i64 {
        let n = i64::from(self.interval);
        match self.freq {
            Freq::Daily => n * 7 / gcd(n, 7),
            Freq::Weekly => 7 * n,
        }
    }

    /// The days the rule runs on, as residue classes (r mod m) of e, where e counts days from
    /// the Monday of the anchor's week and `start` is the anchor's weekday (Monday = 0). They
    /// depend on nothing else about the anchor. That is what lets [`parse_all`] cover every
    /// start at once.
    fn day_classes(&self, start: usize) -> Vec<(i64, i64)> {
        let n = i64::from(self.interval);
        let days = self.by_day.iter().map(|d| i64::from(d.num_days_from_monday()));
        match self.freq {
            Freq::Weekly => days.map(|d| (d, 7 * n)).collect(),
            // e ≡ start (mod n) and e ≡ d (mod 7): solvable within one lcm, or never.
            Freq::Daily => days
                .filter_map(|d| {
                    (0..7).map(|k| start as i64 + k * n).find(|e| e % 7 == d).map(|e| (e, self.period_days()))
                })
                .collect(),
        }
    }
}

/// The earliest run of any rule strictly after `after_ms`. INTERVAL counts from `anchor_ms` (the
/// policy's start_time), all in unix milliseconds. None if no rule can ever run, or past the
/// representable range. The search looks at most one rule period (≤ 210 days) ahead, one day at
/// a time.
pub fn next_after(rules: &[Rule], anchor_ms: i64, after_ms: i64) -> Option<i64> {
    let anchor_day = anchor_ms.div_euclid(DAY_MS);
    let first = after_ms.div_euclid(DAY_MS);
    // One period past the first day: that day's runs may all be over already.
    let horizon = rules.iter().map(Rule::period_days).max()?;
    for day in first..=first.checked_add(horizon)? {
        let Some(midnight) = day.checked_mul(DAY_MS) else { continue };
        let best = rules
            .iter()
            .filter(|r| r.runs_on(day, anchor_day))
            .flat_map(|r| r.times.iter())
            .filter_map(|&t| midnight.checked_add(i64::from(t) * MINUTE_MS))
            .filter(|&t| t > after_ms)
            .min();
        if best.is_some() {
            return best;
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{DateTime, Datelike, NaiveDate, Timelike};
    use proptest::prelude::*;

    fn t(s: &str) -> i64 {
        DateTime::parse_from_rfc3339(s).unwrap().timestamp_millis()
    }

    fn show(ms: i64) -> String {
        DateTime::from_timestamp_millis(ms).unwrap().format("%Y-%m-%dT%H:%M %a").to_string()
    }

    fn rules(ps: &[&str]) -> Vec<Rule> {
        parse_all(&ps.iter().map(|p| p.to_string()).collect::<Vec<_>>()).unwrap()
    }

    fn err(ps: &[&str]) -> String {
        parse_all(&ps.iter().map(|p| p.to_string()).collect::<Vec<_>>()).unwrap_err()
    }

    /// The first `n` runs after `from`, formatted.
    fn runs(rs: &[Rule], anchor: i64, from: i64, n: usize) -> Vec<String> {
        let mut at = from;
        (0..n)
            .map(|_| {
                at = next_after(rs, anchor, at).unwrap();
                show(at)
            })
            .collect()
    }

    const EVERY_DAY_14: &str = "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR,SA,SU;BYHOUR=14;BYMINUTE=00";

    #[test]
    fn documented_examples_parse() {
        let all =
            vec![Weekday::Mon, Weekday::Tue, Weekday::Wed, Weekday::Thu, Weekday::Fri, Weekday::Sat, Weekday::Sun];
        assert_eq!(
            parse(EVERY_DAY_14).unwrap(),
            Rule { freq: Freq::Weekly, interval: 1, by_day: all.clone(), times: vec![14 * 60] }
        );
        assert_eq!(
            parse("FREQ=DAILY;INTERVAL=1;BYHOUR=6;BYMINUTE=00").unwrap(),
            Rule { freq: Freq::Daily, interval: 1, by_day: all.clone(), times: vec![6 * 60] }
        );
        // Sunday-first BYDAY is the same set.
        assert_eq!(
            parse("FREQ=WEEKLY;BYDAY=SU,MO,TU,WE,TH,FR,SA;BYHOUR=23;BYMINUTE=00").unwrap(),
            Rule { freq: Freq::Weekly, interval: 1, by_day: all, times: vec![23 * 60] }
        );
        // Terraform's generated form: zero-padded hour, INTERVAL before BYHOUR.
        assert_eq!(parse("FREQ=DAILY;INTERVAL=5;BYHOUR=08;BYMINUTE=00").unwrap().interval, 5);
        let many = rules(&[EVERY_DAY_14, "FREQ=DAILY;INTERVAL=1;BYHOUR=6;BYMINUTE=00"]);
        assert_eq!(many.len(), 2);
    }

    #[test]
    fn choices_for_what_the_doc_leaves_open() {
        // Key order is free; BYMINUTE defaults to 0; lists expand to every combination.
        let r = parse("BYMINUTE=30,0;BYHOUR=13,1;FREQ=DAILY").unwrap();
        assert_eq!(r.times, vec![60, 90, 13 * 60, 13 * 60 + 30]);
        assert_eq!(parse("FREQ=DAILY;BYHOUR=7").unwrap().times, vec![7 * 60]);
        // Repeated values collapse; DAILY keeps BYDAY as a filter.
        let r = parse("FREQ=DAILY;BYDAY=WE,MO,MO;BYHOUR=6,6").unwrap();
        assert_eq!((r.by_day, r.times), (vec![Weekday::Mon, Weekday::Wed], vec![360]));
        assert_eq!(parse("FREQ=WEEKLY;INTERVAL=30;BYDAY=MO;BYHOUR=0").unwrap().interval, 30);
    }

    #[test]
    fn each_malformed_pattern_is_rejected_with_a_reason() {
        let cases = [
            ("FREQ=DAILY;BYHOUR=6;COUNT=3", "unsupported key 'COUNT'"),
            ("RRULE:FREQ=DAILY;BYHOUR=6", "leave out the 'RRULE:' prefix"),
            ("FREQ=MONTHLY;BYHOUR=6", "FREQ must be DAILY or WEEKLY, not 'MONTHLY'"),
            ("FREQ=HOURLY;BYHOUR=6", "FREQ must be DAILY or WEEKLY"),
            ("freq=DAILY;BYHOUR=6", "unsupported key 'freq'"),
            ("FREQ=daily;BYHOUR=6", "FREQ must be DAILY or WEEKLY"),
            ("FREQ=WEEKLY;BYDAY=MO,XX;BYHOUR=6", "BYDAY value 'XX' is not one of MO,TU,WE,TH,FR,SA,SU"),
            ("FREQ=WEEKLY;BYDAY=1MO;BYHOUR=6", "BYDAY value '1MO'"),
            ("FREQ=WEEKLY;BYDAY=mo;BYHOUR=6", "BYDAY value 'mo'"),
            ("FREQ=WEEKLY;BYDAY=MO,,TU;BYHOUR=6", "BYDAY value ''"),
            ("FREQ=DAILY;BYHOUR=24", "BYHOUR value '24' is not an hour 0-23"),
            ("FREQ=DAILY;BYHOUR=-1", "BYHOUR value '-1'"),
            ("FREQ=DAILY;BYHOUR=006", "BYHOUR value '006'"),
            ("FREQ=DAILY;BYHOUR=", "BYHOUR value ''"),
            ("FREQ=DAILY;BYHOUR=6;BYMINUTE=60", "BYMINUTE value '60' is not a minute 0-59"),
            ("FREQ=DAILY;BYHOUR=6;BYMINUTE=+5", "BYMINUTE value '+5'"),
            ("FREQ=DAILY;INTERVAL=0;BYHOUR=6", "INTERVAL must be 1 to 30, not 0"),
            ("FREQ=DAILY;INTERVAL=31;BYHOUR=6", "INTERVAL must be 1 to 30, not 31"),
            ("FREQ=DAILY;INTERVAL=99999999999;BYHOUR=6", "INTERVAL must be 1 to 30, not 99999999999"),
            ("FREQ=DAILY;INTERVAL=x;BYHOUR=6", "INTERVAL 'x' is not a number"),
            ("FREQ=DAILY;INTERVAL=;BYHOUR=6", "INTERVAL '' is not a number"),
            ("FREQ=DAILY;FREQ=DAILY;BYHOUR=6", "FREQ is given more than once"),
            ("FREQ=DAILY;BYHOUR=6;BYHOUR=7", "BYHOUR is given more than once"),
            ("FREQ=DAILY;BYHOUR=6;", "empty part"),
            ("FREQ=DAILY;;BYHOUR=6", "empty part"),
            ("", "empty part"),
            ("FREQ=DAILY;BYHOUR", "'BYHOUR' is not KEY=VALUE"),
            ("FREQ=DAILY; BYHOUR=6", "unsupported key ' BYHOUR'"),
            ("BYHOUR=6", "FREQ is required"),
            ("FREQ=DAILY;BYMINUTE=0", "BYHOUR is required"),
            ("FREQ=WEEKLY;BYHOUR=6", "BYDAY is required with FREQ=WEEKLY"),
        ];
        for (pattern, want) in cases {
            let got = parse(pattern).unwrap_err();
            assert!(got.starts_with(&format!("invalid trigger pattern '{pattern}': ")), "{got}");
            assert!(got.contains(want), "{pattern}: {got}");
            assert_eq!(err(&[pattern]), got);
        }
    }

    #[test]
    fn pattern_count_is_1_to_24() {
        assert_eq!(err(&[]), "at least one trigger pattern is required");
        let hourly: Vec<String> = (0..25).map(|h| format!("FREQ=DAILY;BYHOUR={}", h % 24)).collect();
        assert!(parse_all(&hourly[..24]).is_ok());
        assert_eq!(parse_all(&hourly).unwrap_err(), "at most 24 trigger patterns are allowed, got 25");
    }

    #[test]
    fn runs_closer_than_an_hour_are_rejected() {
        let e = err(&["FREQ=DAILY;BYHOUR=6;BYMINUTE=0", "FREQ=DAILY;BYHOUR=6;BYMINUTE=30"]);
        assert!(e.starts_with("backups must be at least one hour apart;"), "{e}");
        assert!(e.contains("at 06:00 and 06:30"), "{e}");
        // Within one pattern.
        let e = err(&["FREQ=DAILY;BYHOUR=1,2;BYMINUTE=0,45"]);
        assert!(e.contains("pattern 'FREQ=DAILY;BYHOUR=1,2;BYMINUTE=0,45' runs at 01:00 and 01:45"), "{e}");
        // Across midnight.
        let e = err(&["FREQ=DAILY;BYHOUR=23;BYMINUTE=30", "FREQ=DAILY;BYHOUR=0;BYMINUTE=15"]);
        assert!(
            e.contains("patterns 'FREQ=DAILY;BYHOUR=23;BYMINUTE=30' and 'FREQ=DAILY;BYHOUR=0;BYMINUTE=15' run"),
            "{e}"
        );
        assert!(e.contains("run at 23:30 and 00:15 the next day"), "{e}");
        // Across the week's end: Sunday 23:30, Monday 00:10.
        let e = err(&["FREQ=WEEKLY;BYDAY=SU;BYHOUR=23;BYMINUTE=30", "FREQ=WEEKLY;BYDAY=MO;BYHOUR=0;BYMINUTE=10"]);
        assert!(e.contains("the next day"), "{e}");
        // Exactly an hour is fine, and so is one instant named twice.
        rules(&["FREQ=DAILY;BYHOUR=6;BYMINUTE=0", "FREQ=DAILY;BYHOUR=7;BYMINUTE=0", EVERY_DAY_14]);
        rules(&["FREQ=DAILY;BYHOUR=23;BYMINUTE=30", "FREQ=DAILY;BYHOUR=0;BYMINUTE=30"]);
        rules(&[EVERY_DAY_14, "FREQ=DAILY;BYHOUR=14"]);
    }

    #[test]
    fn the_gap_rule_counts_only_days_that_can_meet() {
        // Saturday 23:30 then Monday 00:15 never follow each other.
        rules(&["FREQ=WEEKLY;BYDAY=SA;BYHOUR=23;BYMINUTE=30", "FREQ=WEEKLY;BYDAY=MO;BYHOUR=0;BYMINUTE=15"]);
        // Every other day: 23:30 is followed by the 00:15 two days later.
        rules(&["FREQ=DAILY;INTERVAL=2;BYHOUR=23;BYMINUTE=30", "FREQ=DAILY;INTERVAL=2;BYHOUR=0;BYMINUTE=15"]);
        // Days 0, 2, 4 ... and 0, 3, 6 ...: both run on day 0, so 06:00 and 06:30 clash.
        assert!(err(&["FREQ=DAILY;INTERVAL=2;BYHOUR=6", "FREQ=DAILY;INTERVAL=3;BYHOUR=6;BYMINUTE=30"])
            .contains("06:00 and 06:30"));
        // In a two-week cycle, Sunday is the end of an active week and Monday starts an idle one.
        rules(&["FREQ=WEEKLY;INTERVAL=2;BYDAY=SU;BYHOUR=23;BYMINUTE=30", "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO;BYHOUR=0"]);
        // ...but "every 7th day on Tuesdays" meets "every other Tuesday" when the policy starts on a
        // Tuesday, and that start is possible.
        assert!(err(&[
            "FREQ=DAILY;INTERVAL=7;BYDAY=TU;BYHOUR=6",
            "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU;BYHOUR=6;BYMINUTE=20"
        ])
        .contains("06:00 and 06:20"));
    }

    #[test]
    fn more_than_24_runs_a_day_is_rejected() {
        let e = err(&["FREQ=DAILY;BYHOUR=0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23;BYMINUTE=0,30"]);
        assert!(e.starts_with("at most 24 backup times per day are allowed; pattern '"), "{e}");
        assert!(e.ends_with("gives 48 on one day"), "{e}");
        let all_hours = "FREQ=DAILY;BYHOUR=0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23";
        rules(&[all_hours]);
        let e = err(&[all_hours, "FREQ=WEEKLY;BYDAY=WE;BYHOUR=12;BYMINUTE=30"]);
        assert!(e.contains("patterns '") && e.ends_with("give 25 on one day"), "{e}");
        // 24 on Mondays and 24 on Tuesdays is 24 a day.
        let mondays = "FREQ=WEEKLY;BYDAY=MO;BYHOUR=0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23";
        let tuesdays = format!("{};BYMINUTE=30", mondays.replace("MO", "TU"));
        rules(&[mondays, &tuesdays]);
    }

    #[test]
    fn daily_runs() {
        let rs = rules(&["FREQ=DAILY;INTERVAL=1;BYHOUR=6;BYMINUTE=00"]);
        let anchor = t("2026-03-02T10:00:00Z");
        assert_eq!(runs(&rs, anchor, anchor, 2), ["2026-03-03T06:00 Tue", "2026-03-04T06:00 Wed"]);
        // Strictly after: a run at exactly `after` is not returned again.
        assert_eq!(runs(&rs, anchor, t("2026-03-03T06:00:00Z"), 1), ["2026-03-04T06:00 Wed"]);
        assert_eq!(runs(&rs, anchor, t("2026-03-03T05:59:59.999Z"), 1), ["2026-03-03T06:00 Tue"]);
        let rs = rules(&["FREQ=DAILY;BYHOUR=6,18;BYMINUTE=15"]);
        assert_eq!(
            runs(&rs, anchor, anchor, 3),
            ["2026-03-02T18:15 Mon", "2026-03-03T06:15 Tue", "2026-03-03T18:15 Tue"]
        );
    }

    #[test]
    fn weekly_runs_on_the_listed_days() {
        // 2026-03-06 is a Friday.
        let anchor = t("2026-03-06T12:00:00Z");
        let rs = rules(&["FREQ=WEEKLY;BYDAY=MO,FR;BYHOUR=9"]);
        assert_eq!(
            runs(&rs, anchor, anchor, 3),
            ["2026-03-09T09:00 Mon", "2026-03-13T09:00 Fri", "2026-03-16T09:00 Mon"]
        );
        let rs = rules(&["FREQ=WEEKLY;BYDAY=SU,MO,TU,WE,TH,FR,SA;BYHOUR=23;BYMINUTE=00"]);
        assert_eq!(runs(&rs, anchor, anchor, 2), ["2026-03-06T23:00 Fri", "2026-03-07T23:00 Sat"]);
    }

    #[test]
    fn interval_counts_from_the_anchor() {
        // Anchor Wednesday 2026-03-04 10:00: today's 06:00 is gone, so the first run is two days on.
        let anchor = t("2026-03-04T10:00:00Z");
        let rs = rules(&["FREQ=DAILY;INTERVAL=2;BYHOUR=6"]);
        assert_eq!(
            runs(&rs, anchor, anchor, 3),
            ["2026-03-06T06:00 Fri", "2026-03-08T06:00 Sun", "2026-03-10T06:00 Tue"]
        );
        let rs = rules(&["FREQ=DAILY;INTERVAL=2;BYHOUR=6,12"]);
        assert_eq!(runs(&rs, anchor, anchor, 2), ["2026-03-04T12:00 Wed", "2026-03-06T06:00 Fri"]);
        // Weeks run Monday to Sunday: the anchor's week is week 0 even though its Monday is past.
        let rs = rules(&["FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,SU;BYHOUR=6"]);
        assert_eq!(
            runs(&rs, anchor, anchor, 4),
            ["2026-03-08T06:00 Sun", "2026-03-16T06:00 Mon", "2026-03-22T06:00 Sun", "2026-03-30T06:00 Mon"]
        );
        // The same rule later on, far from the anchor.
        assert_eq!(runs(&rs, anchor, t("2027-01-01T00:00:00Z"), 1), ["2027-01-04T06:00 Mon"]);
        // DAILY with BYDAY: every 3rd day that is also a Monday, i.e. every 21 days.
        let rs = rules(&["FREQ=DAILY;INTERVAL=3;BYDAY=MO;BYHOUR=6"]);
        assert_eq!(runs(&rs, anchor, anchor, 2), ["2026-03-16T06:00 Mon", "2026-04-06T06:00 Mon"]);
        // Every 7th day, only on Tuesdays, anchored on a Wednesday: never.
        let never = rules(&["FREQ=DAILY;INTERVAL=7;BYDAY=TU;BYHOUR=6"]);
        assert_eq!(next_after(&never, anchor, anchor), None);
        assert_eq!(next_after(&[], anchor, anchor), None);
    }

    #[test]
    fn several_rules_interleave() {
        let anchor = t("2026-03-02T00:00:00Z"); // Monday
        let rs = rules(&[
            "FREQ=WEEKLY;BYDAY=MO,WE;BYHOUR=22",
            "FREQ=DAILY;INTERVAL=2;BYHOUR=3;BYMINUTE=30",
            "FREQ=WEEKLY;BYDAY=TU;BYHOUR=12",
            EVERY_DAY_14,
        ]);
        assert_eq!(
            runs(&rs, anchor, anchor, 9),
            [
                "2026-03-02T03:30 Mon",
                "2026-03-02T14:00 Mon",
                "2026-03-02T22:00 Mon",
                "2026-03-03T12:00 Tue",
                "2026-03-03T14:00 Tue",
                "2026-03-04T03:30 Wed",
                "2026-03-04T14:00 Wed",
                "2026-03-04T22:00 Wed",
                "2026-03-05T14:00 Thu",
            ]
        );
    }

    #[test]
    fn extreme_instants_do_not_overflow() {
        let rs = rules(&[EVERY_DAY_14]);
        assert_eq!(next_after(&rs, 0, i64::MAX - 1), None);
        assert!(next_after(&rs, i64::MIN, i64::MIN).is_some());
    }

    /// Does `rule` run at `at`, judged with calendar arithmetic rather than day numbers?
    fn matches(rule: &Rule, anchor: i64, at: i64) -> bool {
        let d = DateTime::from_timestamp_millis(at).unwrap();
        let a = DateTime::from_timestamp_millis(anchor).unwrap().date_naive();
        let monday = |x: NaiveDate| x - chrono::Duration::days(i64::from(x.weekday().num_days_from_monday()));
        let n = i64::from(rule.interval);
        let beat = match rule.freq {
            Freq::Daily => (d.date_naive() - a).num_days().rem_euclid(n) == 0,
            Freq::Weekly => ((monday(d.date_naive()) - monday(a)).num_days() / 7).rem_euclid(n) == 0,
        };
        d.second() == 0
            && d.nanosecond() == 0
            && rule.times.contains(&(d.hour() * 60 + d.minute()))
            && rule.by_day.contains(&d.weekday())
            && beat
    }

    /// Every run of `rules` on the UTC days `from..to`, ascending.
    fn all_runs(rules: &[Rule], anchor: i64, from: i64, to: i64) -> Vec<i64> {
        let mut out: Vec<i64> = (from..to)
            .flat_map(|day| {
                rules.iter().flat_map(move |r| r.times.iter().map(move |&m| day * DAY_MS + i64::from(m) * MINUTE_MS))
            })
            .filter(|&at| rules.iter().any(|r| matches(r, anchor, at)))
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    /// Random patterns, biased towards near misses: runs around midnight, single weekdays.
    fn pattern() -> impl Strategy<Value = String> {
        let hour = prop_oneof![Just(0u32), Just(23), Just(12), 0u32..24];
        let minute = prop_oneof![Just(0u32), Just(30), Just(45), 0u32..60];
        (
            any::<bool>(),
            prop_oneof![Just(None), Just(Some(1)), (2u32..=3).prop_map(Some), (2u32..=3).prop_map(Some)],
            prop_oneof![(0..7).prop_map(|i| 1u8 << i), 1u8..128],
            prop::collection::vec(hour, 1..=3),
            prop::option::of(prop::collection::vec(minute, 1..=2)),
        )
            .prop_map(|(weekly, interval, days, hours, minutes)| {
                let mut p = format!("FREQ={}", if weekly { "WEEKLY" } else { "DAILY" });
                if let Some(n) = interval {
                    p += &format!(";INTERVAL={n}");
                }
                if weekly || days % 3 == 0 {
                    let names: Vec<&str> = (0..7).filter(|i| days & (1 << i) != 0).map(|i| DAYS[i].0).collect();
                    p += &format!(";BYDAY={}", names.join(","));
                }
                let join = |v: Vec<u32>| v.iter().map(|x| format!("{x:02}")).collect::<Vec<_>>().join(",");
                p += &format!(";BYHOUR={}", join(hours));
                if let Some(m) = minutes {
                    p += &format!(";BYMINUTE={}", join(m));
                }
                p
            })
    }

    proptest::proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn next_after_walks_the_runs_in_order(
            patterns in prop::collection::vec(pattern(), 1..=3),
            anchor in 946_684_800_000i64..4_102_444_800_000,
            lead in 0i64..400 * DAY_MS,
        ) {
            let rs: Vec<Rule> = patterns.iter().map(|p| parse(p).unwrap()).collect();
            let mut at = anchor + lead;
            for _ in 0..40 {
                let Some(next) = next_after(&rs, anchor, at) else {
                    // Only a rule that can never run has no next run.
                    prop_assert!(all_runs(&rs, anchor, at.div_euclid(DAY_MS), at.div_euclid(DAY_MS) + 430).is_empty());
                    break;
                };
                prop_assert!(next > at);
                prop_assert!(rs.iter().any(|r| matches(r, anchor, next)), "{} matches no rule", show(next));
                let skipped = all_runs(&rs, anchor, at.div_euclid(DAY_MS), next.div_euclid(DAY_MS) + 1);
                prop_assert!(skipped.iter().all(|&s| s <= at || s >= next), "skipped a run before {}", show(next));
                at = next;
            }
        }

        #[test]
        fn parse_all_accepts_exactly_what_a_simulation_allows(patterns in prop::collection::vec(pattern(), 1..=4)) {
            let rs: Vec<Rule> = patterns.iter().map(|p| parse(p).unwrap()).collect();
            // Intervals are at most 3, so every schedule repeats within lcm(7·1, 7·2, 7·3) = 42 days:
            // simulate a little over that, from a Monday, starting on each weekday in turn.
            let monday = t("2026-03-02T00:00:00Z").div_euclid(DAY_MS);
            let fine = (0..7).all(|w| {
                let runs = all_runs(&rs, (monday + w) * DAY_MS, monday, monday + 44);
                let spaced = runs.windows(2).all(|p| p[1] - p[0] >= 3_600_000);
                let mut per_day = std::collections::BTreeMap::new();
                for r in &runs {
                    *per_day.entry(r.div_euclid(DAY_MS)).or_insert(0) += 1;
                }
                spaced && per_day.values().all(|&n| n <= 24)
            });
            prop_assert_eq!(parse_all(&patterns).is_ok(), fine, "{:?}", parse_all(&patterns).err());
        }
    }
}
