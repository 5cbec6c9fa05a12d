//! Who may call: how strictly signatures are checked, against which clock, and the one
//! comparison every secret goes through.

use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;

/// How strictly request signatures are checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum AuthMode {
    /// Reject requests whose signature does not verify (the real clouds' behaviour).
    #[default]
    Enforce,
    /// Verify and log failures, but serve the request anyway.
    Log,
    /// Do not verify; the caller's key still selects the account when it is known.
    Off,
}

impl std::str::FromStr for AuthMode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "enforce" => Ok(AuthMode::Enforce),
            "log" => Ok(AuthMode::Log),
            "off" => Ok(AuthMode::Off),
            other => Err(format!("unknown auth mode `{other}` (expected enforce, log or off)")),
        }
    }
}

/// Which clock a signature's time (Tencent `Timestamp`, Huawei `X-Sdk-Date`) and a Huawei IAM
/// token's validity are checked against. The official SDKs sign with the machine's real time
/// whatever the twin's virtual clock says, while a client that follows the twin's clock signs
/// with the virtual time: `either` accepts both, so moving the clock never breaks either kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum SignatureClock {
    /// Inside the window of the wall clock or of the virtual clock (the default).
    #[default]
    Either,
    /// Only the machine's real time, as a real cloud checks it.
    Wall,
    /// Only the twin's virtual clock.
    Virtual,
}

impl SignatureClock {
    /// The clocks a time is compared with, unix milliseconds: the virtual one and/or the wall.
    pub fn clocks_ms(self, virtual_ms: i64) -> impl Iterator<Item = i64> {
        let wall_ms = chrono::Utc::now().timestamp_millis();
        // No Vec: every signed request and every catch-up asks (docs/performance.md).
        let (first, second) = match self {
            SignatureClock::Either => (virtual_ms, Some(wall_ms)),
            SignatureClock::Wall => (wall_ms, None),
            SignatureClock::Virtual => (virtual_ms, None),
        };
        std::iter::once(first).chain(second)
    }

    /// The earliest accepted clock: whatever has expired by it has expired on every clock that
    /// counts (expired tokens are forgotten then, not before).
    pub fn earliest_ms(self, virtual_ms: i64) -> i64 {
        self.clocks_ms(virtual_ms).min().unwrap_or(virtual_ms)
    }

    /// Whether `signed_at` (unix seconds) is within `window_secs` of an accepted clock.
    pub fn accepts(self, signed_at: i64, virtual_ms: i64, window_secs: i64) -> bool {
        self.clocks_ms(virtual_ms).any(|now| (now.div_euclid(1000) - signed_at).abs() <= window_secs)
    }
}

impl std::str::FromStr for SignatureClock {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "either" => Ok(SignatureClock::Either),
            "wall" => Ok(SignatureClock::Wall),
            "virtual" => Ok(SignatureClock::Virtual),
            other => Err(format!("unknown signature clock `{other}` (expected either, wall or virtual)")),
        }
    }
}

/// Compare two secrets or signatures without leaking where they differ.
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}
