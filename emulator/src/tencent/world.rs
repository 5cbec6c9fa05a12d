//! The part of the world Tencent works on, as the world lends it (world.rs, above the
//! providers): the regions of every account, the prepaid refunds, the timing policy, and the job
//! queue and sequence through `Books` (Tencent sees only its own jobs). Handlers reach it as
//! `ctx.world`.

use std::cell::OnceCell;
use std::collections::BTreeMap;

use super::model::{TcRegion, TcWork};
use crate::core::change::Table;
use crate::core::kept::KeptPages;
use crate::core::queue::{Books, JobRef};
use crate::core::timing::{Gate, TimingPolicy};

pub struct World<'w> {
    /// account name → region → state.
    pub tencent: &'w mut BTreeMap<String, BTreeMap<String, TcRegion>>,
    /// account name → prepaid disks returned so far.
    pub tencent_refunds: &'w mut Table<String, u32>,
    pub timing: TimingPolicy,
    pub jobs: &'w mut (dyn Books<TcWork> + 'static),
    /// List pages kept as rendered (core/kept.rs, tencent/pages.rs).
    pub pages: &'w KeptPages,
}

impl World<'_> {
    /// The same part of the world, lent on for a shorter while.
    pub fn reborrow(&mut self) -> World<'_> {
        World {
            tencent: &mut *self.tencent,
            tencent_refunds: &mut *self.tencent_refunds,
            timing: self.timing,
            jobs: &mut *self.jobs,
            pages: self.pages,
        }
    }

    pub fn tc(&mut self, account: &str, region: &str) -> &mut TcRegion {
        // Made only when missing: `entry` wants owned names, two allocations on every call
        // (a CreateDisks ×50 calls this ~200 times).
        if !self.tencent.get(account).is_some_and(|r| r.contains_key(region)) {
            self.tencent.entry(account.to_string()).or_default().insert(region.to_string(), TcRegion::default());
        }
        let regions = self.tencent.get_mut(account).expect("just made");
        regions.get_mut(region).expect("just made")
    }

    pub fn tc_ref(&self, account: &str, region: &str) -> Option<&TcRegion> {
        self.tencent.get(account).and_then(|r| r.get(region))
    }

    /// The caller's region for a read, or an empty one kept in `empty` when it has none (a read
    /// creates no region; an empty one is only built then: building and dropping one on every
    /// page showed in a profile, docs/performance.md).
    pub fn tc_or_empty<'a>(&'a self, account: &str, region: &str, empty: &'a OnceCell<TcRegion>) -> &'a TcRegion {
        self.tc_ref(account, region).unwrap_or_else(|| empty.get_or_init(TcRegion::default))
    }

    /// A fresh number for ordering and log ids.
    pub fn next_seq(&mut self) -> u64 {
        self.jobs.next_seq()
    }

    pub fn schedule(&mut self, account: &str, region: &str, gate: Gate, work: TcWork) -> u64 {
        self.jobs.schedule(account, region, gate, work)
    }

    /// The job that drives `target` (a disk, snapshot or backup), if one is in flight.
    pub fn job_for(&self, target: &str) -> Option<JobRef<'_, TcWork>> {
        self.jobs.job_for(target)
    }

    /// A read in `account`/`region` has seen whatever is in flight there.
    pub fn observe(&mut self, account: &str, region: &str, now_ms: i64) {
        self.jobs.observe(account, region, now_ms);
    }
}
