//! The part of the world UCloudStack works on, as the world lends it (world.rs): the regions of
//! every account, the timing policy, and the job queue and sequence through `Books`.

use std::collections::BTreeMap;

use super::model::{UcsRegion, UcsWork};
use crate::core::kept::KeptPages;
use crate::core::queue::Books;
use crate::core::timing::{Gate, TimingPolicy};

pub struct World<'w> {
    /// account name → UCloudStack region → state.
    pub ucloudstack: &'w mut BTreeMap<String, BTreeMap<String, UcsRegion>>,
    pub timing: TimingPolicy,
    pub jobs: &'w mut (dyn Books<UcsWork> + 'static),
    /// List pages kept as rendered (core/kept.rs).
    pub pages: &'w KeptPages,
}

impl World<'_> {
    pub fn ucs(&mut self, account: &str, region: &str) -> &mut UcsRegion {
        self.ucloudstack.entry(account.to_string()).or_default().entry(region.to_string()).or_default()
    }

    pub fn ucs_ref(&self, account: &str, region: &str) -> Option<&UcsRegion> {
        self.ucloudstack.get(account).and_then(|r| r.get(region))
    }

    /// A fresh number for ordering and log ids.
    pub fn next_seq(&mut self) -> u64 {
        self.jobs.next_seq()
    }

    pub fn schedule(&mut self, account: &str, region: &str, gate: Gate, work: UcsWork) -> u64 {
        self.jobs.schedule(account, region, gate, work)
    }

    /// A read in `account`/`region` has seen whatever is in flight there.
    pub fn observe(&mut self, account: &str, region: &str, now_ms: i64) {
        self.jobs.observe(account, region, now_ms);
    }
}
