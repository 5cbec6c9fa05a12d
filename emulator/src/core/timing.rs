//! When async work finishes. Every async operation (attach, resize, backup, ...) becomes a job
//! with a gate; before each request the world catches up to "now" and finishes every job whose
//! gate is open, in due order. The policy is settable at runtime through the control plane.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "policy", rename_all = "lowercase")]
pub enum TimingPolicy {
    /// The default: done `seconds` after it started, and only once a read (a Describe call in the
    /// same account and region) has seen it in flight, so a poller always sees the intermediate
    /// state at least once.
    Realistic { seconds: f64 },
    /// Done at the end of the request that started it.
    Immediate,
    /// Done `seconds` after it started, seen or not.
    Duration { seconds: f64 },
    /// Done after `reads` reads have seen it in flight.
    Reads { reads: u32 },
    /// Done only when the control plane completes it (`POST /_cloudtwin/jobs/complete`).
    Manual,
}

impl Default for TimingPolicy {
    fn default() -> Self {
        TimingPolicy::Realistic { seconds: 1.0 }
    }
}

impl TimingPolicy {
    /// The policy for work nobody polls for (snapshots a scheduled policy takes while the clock
    /// jumps ahead): the same durations, without waiting for a read.
    pub fn unobserved(self) -> TimingPolicy {
        match self {
            TimingPolicy::Realistic { seconds } => TimingPolicy::Duration { seconds },
            TimingPolicy::Reads { .. } => TimingPolicy::Immediate,
            other => other,
        }
    }

    pub fn validate(&self) -> Result<(), String> {
        match *self {
            TimingPolicy::Realistic { seconds } | TimingPolicy::Duration { seconds }
                if !(seconds.is_finite() && (0.0..=86_400.0 * 365.0).contains(&seconds)) =>
            {
                return Err("seconds must be between 0 and one year".into());
            }
            TimingPolicy::Reads { reads } if reads > 1_000_000 => return Err("reads must be at most 1000000".into()),
            _ => {}
        }
        Ok(())
    }
}

/// The condition under which one job completes.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Gate {
    pub started_ms: i64,
    pub due_ms: i64,
    pub min_reads: u32,
    pub reads: u32,
    pub manual: bool,
}

impl Gate {
    pub fn new(policy: TimingPolicy, now_ms: i64) -> Gate {
        let secs = |s: f64| (s * 1000.0).round() as i64;
        let (due_ms, min_reads, manual) = match policy {
            TimingPolicy::Realistic { seconds } => (now_ms + secs(seconds), 1, false),
            TimingPolicy::Immediate => (now_ms, 0, false),
            TimingPolicy::Duration { seconds } => (now_ms + secs(seconds), 0, false),
            TimingPolicy::Reads { reads } => (now_ms, reads, false),
            TimingPolicy::Manual => (i64::MAX, 0, true),
        };
        Gate { started_ms: now_ms, due_ms, min_reads, reads: 0, manual }
    }

    /// A gate that opens at a fixed time regardless of policy (scheduled events such as the
    /// recycle-bin expiry of a returned disk).
    pub fn at(now_ms: i64, due_ms: i64) -> Gate {
        Gate { started_ms: now_ms, due_ms, min_reads: 0, reads: 0, manual: false }
    }

    pub fn is_open(&self, now_ms: i64) -> bool {
        !self.manual && now_ms >= self.due_ms && self.reads >= self.min_reads
    }

    /// Progress for percent fields: rises with time, stays below 100 until the job completes.
    pub fn percent(&self, now_ms: i64) -> i64 {
        if self.manual || self.due_ms <= self.started_ms {
            return if self.reads > 0 || self.manual { 50 } else { 0 };
        }
        let span = (self.due_ms - self.started_ms) as f64;
        let done = ((now_ms - self.started_ms) as f64 / span * 100.0).floor() as i64;
        done.clamp(0, 99)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn realistic_needs_time_and_a_read() {
        let mut g = Gate::new(TimingPolicy::Realistic { seconds: 2.0 }, 1_000);
        assert!(!g.is_open(10_000), "not seen yet");
        g.reads += 1;
        assert!(!g.is_open(2_999));
        assert!(g.is_open(3_000));
        assert_eq!(g.percent(2_000), 50);
        assert_eq!(g.percent(9_000), 99);
    }

    #[test]
    fn immediate_duration_reads_manual() {
        assert!(Gate::new(TimingPolicy::Immediate, 5).is_open(5));
        let d = Gate::new(TimingPolicy::Duration { seconds: 1.0 }, 0);
        assert!(!d.is_open(999) && d.is_open(1_000));
        let mut r = Gate::new(TimingPolicy::Reads { reads: 2 }, 0);
        r.reads = 1;
        assert!(!r.is_open(0));
        r.reads = 2;
        assert!(r.is_open(0));
        assert!(!Gate::new(TimingPolicy::Manual, 0).is_open(i64::MAX));
    }

    #[test]
    fn policy_json_shape() {
        let p: TimingPolicy = serde_json::from_str(r#"{"policy":"duration","seconds":3}"#).unwrap();
        assert_eq!(p, TimingPolicy::Duration { seconds: 3.0 });
        assert!(TimingPolicy::Duration { seconds: -1.0 }.validate().is_err());
    }
}
