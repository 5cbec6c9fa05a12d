//! The part of the world Huawei works on, as the world lends it (world.rs, above the
//! providers): the CBR state of every project, the IAM tokens, the faults the control plane
//! queued, the timing policy, and the job queue and sequence through `Books` (Huawei sees only
//! its own jobs). Handlers reach it as `ctx.world`.

use std::collections::BTreeMap;

use super::model::{Fault, HwProject, HwWork};
use super::tokens::TokenBook;
use crate::core::change::Slot;
use crate::core::kept::KeptPages;
use crate::core::queue::{Books, JobRef};
use crate::core::timing::{Gate, TimingPolicy};

pub struct World<'w> {
    /// Project id → CBR state (a project is one account in one region).
    pub huawei: &'w mut BTreeMap<String, HwProject>,
    pub huawei_tokens: &'w mut TokenBook,
    /// Failures the control plane asked for (`/_cloudtwin/huawei/faults`).
    pub huawei_faults: &'w mut Slot<Vec<Fault>>,
    pub timing: TimingPolicy,
    pub jobs: &'w mut (dyn Books<HwWork> + 'static),
    /// List pages kept as rendered (core/kept.rs).
    pub pages: &'w KeptPages,
}

impl World<'_> {
    /// The same part of the world, lent on for a shorter while (a `Ctx` made inside a job).
    pub fn reborrow(&mut self) -> World<'_> {
        World {
            huawei: &mut *self.huawei,
            huawei_tokens: &mut *self.huawei_tokens,
            huawei_faults: &mut *self.huawei_faults,
            timing: self.timing,
            jobs: &mut *self.jobs,
            pages: self.pages,
        }
    }

    /// A fresh number for ordering and log ids.
    pub fn next_seq(&mut self) -> u64 {
        self.jobs.next_seq()
    }

    pub fn schedule(&mut self, account: &str, region: &str, gate: Gate, work: HwWork) -> u64 {
        self.jobs.schedule(account, region, gate, work)
    }

    /// The job that drives `target` (a backup, a project migration), if one is in flight.
    pub fn job_for(&self, target: &str) -> Option<JobRef<'_, HwWork>> {
        self.jobs.job_for(target)
    }

    /// A read in `account`/`region` has seen whatever is in flight there.
    pub fn observe(&mut self, account: &str, region: &str, now_ms: i64) {
        self.jobs.observe(account, region, now_ms);
    }

    /// A read has seen the in-flight work `watched` picks (work polled for elsewhere than where
    /// it was started, such as a replica at its destination).
    pub fn observe_where(&mut self, now_ms: i64, watched: impl Fn(&HwWork) -> bool) {
        self.jobs.observe_where(now_ms, &watched);
    }
}
