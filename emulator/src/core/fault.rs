//! Fault rules (`/_cloudtwin/faults`): which requests misbehave, how, and how often. The rules
//! are provider-neutral: a surface and an error code are strings the control plane checked
//! against that surface's own tables before a rule got here; the request transaction
//! (txn.rs) asks [`FaultBook::check`] once per request and applies what fires.

use serde::{Deserialize, Serialize};

/// The most rules kept at once.
pub const MAX_RULES: usize = 1000;

/// What a firing rule does to the request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Effect {
    /// Answer with this documented error code instead (the family renders it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<serde_json::Value>,
    /// Answer this much later (wall time).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latency_ms: Option<u64>,
    /// Let the request run, but fail the async work it starts.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub fail_job: bool,
}

/// An error effect as a family needs it: the code (a string; a UCloudStack RetCode or a
/// gateway scode in decimal) and the rule's id for the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Injected {
    pub code: String,
    pub rule: u64,
}

impl Injected {
    /// The suffix every injected message ends with.
    pub fn note(&self) -> String {
        format!("(injected by cloudtwin fault rule {})", self.rule)
    }
}

/// One rule, as stored and as `GET /_cloudtwin/faults` shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rule {
    pub id: u64,
    pub surface: String,
    pub operation: String,
    pub account: Option<String>,
    pub region: Option<String>,
    pub resource: Option<String>,
    pub effect: Effect,
    pub times: Option<u64>,
    pub every: Option<u64>,
    pub probability: Option<f64>,
    pub seed: Option<u64>,
    /// Requests the rule matched.
    pub matches: u64,
    /// Requests it changed.
    pub hits: u64,
    pub spent: bool,
}

/// What the transaction knows of a request when it asks.
pub struct Key<'a> {
    pub surface: &'a str,
    pub operation: &'a str,
    pub account: &'a str,
    pub region: &'a str,
    /// Where a resource id would appear: the path, the query and the body.
    pub text: [&'a [u8]; 3],
}

/// The rules in id order, and the next id (kept by the durable store with the clock).
#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub struct FaultBook {
    rules: Vec<Rule>,
    next_id: u64,
}

impl FaultBook {
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// Add a checked rule; its id, counts and `spent` are set here.
    pub fn add(&mut self, mut rule: Rule) -> Result<Rule, String> {
        if self.rules.len() >= MAX_RULES {
            return Err(format!("at most {MAX_RULES} rules at once; delete some first"));
        }
        self.next_id += 1;
        rule.id = self.next_id;
        (rule.matches, rule.hits, rule.spent) = (0, 0, false);
        self.rules.push(rule.clone());
        Ok(rule)
    }

    pub fn remove(&mut self, id: u64) -> bool {
        let before = self.rules.len();
        self.rules.retain(|r| r.id != id);
        self.rules.len() != before
    }

    pub fn clear(&mut self) {
        self.rules.clear();
    }

    /// Everything goes, and ids start over (a reset).
    pub fn reset(&mut self) {
        *self = FaultBook::default();
    }

    /// The rules matching `key`, in id order: each counts the match, and the first that fires
    /// (by its `times`, `every`, `probability`) is returned with its effect. `will_hit` says
    /// whether a firing rule's effect applies to this request (a `fail_job` rule fires only on
    /// a request that started a job); a rule that fires but does not apply counts no hit.
    pub fn check(&mut self, key: &Key<'_>, will_hit: impl Fn(&Effect) -> bool) -> Option<(u64, Effect)> {
        let mut fired = None;
        for rule in self.rules.iter_mut().filter(|r| !r.spent && matches(r, key)) {
            rule.matches += 1;
            if fired.is_some() || !fires(rule) || !will_hit(&rule.effect) {
                continue;
            }
            rule.hits += 1;
            if rule.times.is_some_and(|t| rule.hits >= t) {
                rule.spent = true;
            }
            fired = Some((rule.id, rule.effect.clone()));
        }
        fired
    }
}

fn matches(rule: &Rule, key: &Key<'_>) -> bool {
    rule.surface == key.surface
        && glob(&rule.operation, key.operation)
        && rule.account.as_deref().is_none_or(|a| a == key.account)
        && rule.region.as_deref().is_none_or(|r| r == key.region)
        && rule.resource.as_deref().is_none_or(|id| key.text.iter().any(|t| contains(t, id.as_bytes())))
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && hay.windows(needle.len()).any(|w| w == needle)
}

/// Whether the rule's `matches`-th match fires.
fn fires(rule: &Rule) -> bool {
    let k = rule.matches;
    if let Some(n) = rule.every {
        return k.is_multiple_of(n);
    }
    if let Some(p) = rule.probability {
        return draw(rule.seed.unwrap_or(0), k) < p;
    }
    true
}

/// The `k`-th draw of a rule in [0, 1): a hash of (seed, k), so the same seed gives the same
/// sequence on every run whatever else the twin serves (splitmix64's finalizer). The rule's id
/// is left out on purpose: re-adding a rule with the same seed repeats its draws.
fn draw(seed: u64, k: u64) -> f64 {
    let mut z = seed.wrapping_add(k.wrapping_mul(0x9E37_79B9_7F4A_7C15));
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    (z >> 11) as f64 / (1u64 << 53) as f64
}

/// `*` any run, `?` one character; anything else literally.
pub fn glob(pattern: &str, name: &str) -> bool {
    let (p, n): (Vec<char>, Vec<char>) = (pattern.chars().collect(), name.chars().collect());
    // Iterative match with one backtrack point (the last `*`): linear in practice, never
    // recursive on a hostile pattern.
    let (mut i, mut j, mut star, mut mark) = (0, 0, None, 0);
    while j < n.len() {
        if i < p.len() && (p[i] == '?' || p[i] == n[j]) {
            i += 1;
            j += 1;
        } else if i < p.len() && p[i] == '*' {
            star = Some(i);
            mark = j;
            i += 1;
        } else if let Some(s) = star {
            i = s + 1;
            mark += 1;
            j = mark;
        } else {
            return false;
        }
    }
    p[i..].iter().all(|c| *c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(op: &str) -> Rule {
        Rule {
            id: 0,
            surface: "s".into(),
            operation: op.into(),
            account: None,
            region: None,
            resource: None,
            effect: Effect { error: Some("E".into()), latency_ms: None, fail_job: false },
            times: None,
            every: None,
            probability: None,
            seed: None,
            matches: 0,
            hits: 0,
            spent: false,
        }
    }

    fn key<'a>(op: &'a str, body: &'a [u8]) -> Key<'a> {
        Key { surface: "s", operation: op, account: "a", region: "r", text: [b"/", b"", body] }
    }

    #[test]
    fn globs() {
        assert!(glob("Describe*", "DescribeDisks"));
        assert!(glob("*", ""));
        assert!(glob("snapshot/*", "snapshot/create"));
        assert!(glob("C?eate*s", "CreateDisks"));
        assert!(!glob("Describe*", "CreateDisks"));
        assert!(!glob("Create", "CreateDisks"));
        assert!(glob("*a*b*c", "xaxxbxxc"));
    }

    #[test]
    fn times_every_and_resource() {
        let mut book = FaultBook::default();
        book.add(Rule { times: Some(2), ..rule("Create*") }).unwrap();
        let fired: Vec<bool> = (0..4).map(|_| book.check(&key("CreateDisks", b""), |_| true).is_some()).collect();
        assert_eq!(fired, [true, true, false, false]);
        assert!(book.rules()[0].spent);
        book.clear();
        book.add(Rule { every: Some(3), resource: Some("disk-1".into()), ..rule("*") }).unwrap();
        let fired: Vec<bool> =
            (0..6).map(|_| book.check(&key("X", b"{\"DiskId\":\"disk-1\"}"), |_| true).is_some()).collect();
        assert_eq!(fired, [false, false, true, false, false, true]);
        assert!(book.check(&key("X", b"{\"DiskId\":\"disk-2\"}"), |_| true).is_none());
        assert_eq!(book.rules()[0].matches, 6);
    }

    #[test]
    fn probability_repeats_with_its_seed() {
        let run = |seed| {
            let mut book = FaultBook::default();
            book.add(Rule { probability: Some(0.3), seed: Some(seed), ..rule("*") }).unwrap();
            (0..200).map(|_| book.check(&key("X", b""), |_| true).is_some()).collect::<Vec<_>>()
        };
        assert_eq!(run(7), run(7));
        assert_ne!(run(7), run(8));
        let n = run(7).iter().filter(|f| **f).count();
        assert!((30..90).contains(&n), "{n} of 200 at p=0.3");
    }
}
