//! The whole simulated world: per-provider state per account and region, plus the queue of async
//! jobs. `Twin` wraps it with the configuration, the clock and the lock that serializes changes.

use std::collections::BTreeMap;

use parking_lot::Mutex;
use serde::{Deserialize, Serialize};

use crate::core::clock::Clock;
use crate::config::Config;
use crate::core::change::{Slot, Table, Undo};
use crate::core::logbook::LOG_RETENTION_MS;
use crate::huawei::tokens::TokenBook;
use crate::huawei::model::{Fault, HwProject, HwWork};
use crate::core::ids::IdGen;
use crate::inventory::Inventory;
use crate::queue::Jobs;
use crate::tencent::model::{TcRegion, TcWork};
use crate::core::timing::{Gate, TimingPolicy};
use crate::ucloudstack::model::{UcsRegion, UcsWork};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "provider", rename_all = "lowercase")]
pub enum Work {
    Tencent(TcWork),
    Huawei(HwWork),
    UCloudStack(UcsWork),
}

impl Work {
    /// The resource a control-plane `jobs/complete {target}` names.
    pub fn target(&self) -> &str {
        match self {
            Work::Tencent(w) => w.target(),
            Work::Huawei(w) => w.target(),
            Work::UCloudStack(w) => w.target(),
        }
    }

    /// Scheduled events (policy triggers, expiries) happen at their time, never early.
    pub fn is_scheduled(&self) -> bool {
        match self {
            Work::Tencent(w) => w.is_scheduled(),
            Work::Huawei(w) => w.is_scheduled(),
            Work::UCloudStack(_) => false,
        }
    }

    /// A scheduled policy trigger, which queues its next firing when it runs.
    pub fn is_recurring(&self) -> bool {
        matches!(self, Work::Tencent(TcWork::FirePolicy { .. }) | Work::Huawei(HwWork::PolicyTick { .. }))
    }
}

/// Where and when a finished job happened: the log book it may have written to.
enum Scope {
    Tencent { account: String, region: String, at: i64 },
    Huawei { project: String, at: i64 },
    Other,
}

impl Scope {
    fn of(job: &Job, at: i64) -> Scope {
        match &job.work {
            Work::Tencent(_) => Scope::Tencent { account: job.account.clone(), region: job.region.clone(), at },
            Work::Huawei(w) => Scope::Huawei { project: w.project().to_string(), at },
            Work::UCloudStack(_) => Scope::Other,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Job {
    pub id: u64,
    pub account: String,
    pub region: String,
    pub gate: Gate,
    /// When the read that opened a read-gated job happened (the job completes no earlier).
    pub opened_ms: Option<i64>,
    pub work: Work,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct World {
    /// account name → region → state.
    pub tencent: BTreeMap<String, BTreeMap<String, TcRegion>>,
    /// account name → prepaid disks returned so far.
    pub tencent_refunds: Table<String, u32>,
    /// Huawei project id → CBR state (a project is one account in one region).
    pub huawei: BTreeMap<String, HwProject>,
    /// IAM tokens issued so far (never dumped: they are credentials).
    #[serde(skip)]
    pub huawei_tokens: TokenBook,
    /// Failures the control plane asked for (`/_cloudtwin/huawei/faults`).
    pub huawei_faults: Slot<Vec<Fault>>,
    pub jobs: Jobs,
    pub next_id: Slot<u64>,
    /// How async work finishes (control plane: `/_cloudtwin/timing`).
    pub timing: TimingPolicy,
    /// account name → UCloudStack region → state.
    #[serde(default)]
    pub ucloudstack: BTreeMap<String, BTreeMap<String, UcsRegion>>,
}

impl World {
    pub fn seeded(cfg: &Config, inventory: &Inventory, now_ms: i64) -> Result<World, String> {
        let mut world = World::default();
        crate::tencent::seed::apply(&mut world, cfg, inventory, now_ms)?;
        crate::huawei::seed::apply(&mut world, cfg, inventory, now_ms)?;
        crate::ucloudstack::seed::apply(&mut world, cfg, inventory, now_ms)?;
        Ok(world)
    }

    pub fn tc(&mut self, account: &str, region: &str) -> &mut TcRegion {
        self.tencent.entry(account.to_string()).or_default().entry(region.to_string()).or_default()
    }

    pub fn tc_ref(&self, account: &str, region: &str) -> Option<&TcRegion> {
        self.tencent.get(account).and_then(|r| r.get(region))
    }

    /// A fresh number for ordering and log ids.
    pub fn next_seq(&mut self) -> u64 {
        *self.next_id.get_mut() += 1;
        *self.next_id
    }

    pub fn schedule(&mut self, account: &str, region: &str, gate: Gate, work: Work) -> u64 {
        let id = self.next_seq();
        self.jobs.push(Job { id, account: account.into(), region: region.into(), gate, opened_ms: None, work });
        id
    }

    /// A read in `account`/`region` has seen whatever is in flight there.
    pub fn observe(&mut self, account: &str, region: &str, now_ms: i64) {
        self.jobs.observe_region(account, region, now_ms);
    }

    /// A read has seen the in-flight work `watched` picks (work polled for elsewhere than where
    /// it was started, such as a replica at its destination).
    pub fn observe_where(&mut self, now_ms: i64, watched: impl Fn(&Work) -> bool) {
        self.jobs.observe_where(now_ms, |j| watched(&j.work));
    }

    /// The job that drives `target` (a disk or backup point), if one is in flight.
    pub fn job_for(&self, target: &str) -> Option<&Job> {
        self.jobs.for_target(target).find(|j| !j.work.is_scheduled())
    }

    /// Put back everything request `epoch` changed (change.rs): every table of every region and
    /// project, the queue, and the world-wide books. A table another epoch wrote to since has
    /// nothing of `epoch` left, so the walk only restores what this request touched.
    pub fn undo(&mut self, epoch: u64) {
        for r in self.tencent.values_mut().flat_map(|a| a.values_mut()) {
            r.undo(epoch);
        }
        for p in self.huawei.values_mut() {
            p.undo(epoch);
        }
        for r in self.ucloudstack.values_mut().flat_map(|a| a.values_mut()) {
            r.undo(epoch);
        }
        self.tencent_refunds.undo(epoch);
        self.huawei_tokens.undo(epoch);
        self.huawei_faults.undo(epoch);
        self.jobs.undo(epoch);
        self.next_id.undo(epoch);
    }

    /// Finish every job whose gate is open at `now_ms`, earliest first; a finished job may
    /// schedule more work, which is considered in the same pass. Operation logs and tokens
    /// past their retention go on the way, so a long jump keeps only what the retention keeps.
    pub fn catch_up(&mut self, cfg: &Config, now_ms: i64) {
        while let Some(id) = self.jobs.next_due(now_ms) {
            let job = self.jobs.remove(id).expect("a due job is queued");
            let at = self.finish(cfg, job, now_ms);
            self.prune_scope(&at);
        }
        self.prune(cfg, now_ms);
    }

    /// Finish one job; returns where and when it happened (for the pruning that follows).
    fn finish(&mut self, cfg: &Config, job: Job, now_ms: i64) -> Scope {
        let done_at = job.gate.due_ms.max(job.opened_ms.unwrap_or(i64::MIN)).min(now_ms);
        let scope = Scope::of(&job, done_at);
        match job.work {
            Work::Tencent(w) => crate::tencent::jobs::finish(self, cfg, &job.account, &job.region, w, done_at),
            Work::Huawei(w) => crate::huawei::jobs::finish(self, cfg, &job.account, &job.region, w, done_at),
            Work::UCloudStack(w) => crate::ucloudstack::jobs::finish(self, &job.account, &job.region, w),
        }
        scope
    }

    /// After one job: forget what its own log book no longer keeps at the job's time (a long
    /// clock jump then never holds more than the retention at once).
    fn prune_scope(&mut self, scope: &Scope) {
        match scope {
            Scope::Tencent { account, region, at } => {
                if let Some(r) = self.tencent.get_mut(account).and_then(|a| a.get_mut(region)) {
                    r.forget_logs_before(at - LOG_RETENTION_MS);
                }
            }
            Scope::Huawei { project, at } => {
                if let Some(p) = self.huawei.get_mut(project) {
                    p.forget_before(at - LOG_RETENTION_MS);
                }
            }
            Scope::Other => {}
        }
    }

    /// Forget everything past its retention at `now_ms`: one look at the oldest entry of each
    /// book. Tokens go once they have expired on every clock IAM accepts (`--signature-clock`).
    fn prune(&mut self, cfg: &Config, now_ms: i64) {
        let cutoff = now_ms - LOG_RETENTION_MS;
        for r in self.tencent.values_mut().flat_map(|a| a.values_mut()) {
            r.forget_logs_before(cutoff);
        }
        for p in self.huawei.values_mut() {
            p.forget_before(cutoff);
        }
        self.huawei_tokens.forget_expired(cfg.signature_clock.earliest_ms(now_ms));
    }

    /// Complete in-flight jobs now, whatever their gates say (control plane): those `pick`
    /// selects, scheduled events excepted, in due order; returns how many finished.
    pub fn force_complete(&mut self, cfg: &Config, now_ms: i64, pick: &dyn Fn(&Job) -> bool) -> usize {
        let mut n = 0;
        let mut queue = self.jobs.in_flight(now_ms, pick);
        let mut seen = self.jobs.mark();
        while let Some((_, id)) = queue.pop_first() {
            // A job finished before may have taken this one with it (a destroyed disk's work).
            let Some(mut job) = self.jobs.remove(id) else { continue };
            job.gate.due_ms = job.gate.due_ms.min(now_ms);
            job.opened_ms = None;
            self.finish(cfg, job, now_ms);
            n += 1;
            // Work the finished job queued is completed in the same call, in the same order.
            let fresh: Vec<(i64, u64)> = self
                .jobs
                .scheduled_after(seen)
                .filter(|j| !j.work.is_scheduled() && pick(j))
                .map(|j| (j.gate.due_ms.min(now_ms), j.id))
                .collect();
            queue.extend(fresh);
            seen = seen.max(self.jobs.mark());
        }
        n
    }
}

/// Mutable runtime state behind the lock.
#[derive(Debug)]
pub struct State {
    pub world: World,
    pub ids: IdGen,
}

/// One running twin: configuration, clock, seed inventory and state.
#[derive(Debug)]
pub struct Twin {
    pub cfg: Config,
    pub clock: Clock,
    pub inventory: Inventory,
    pub state: Mutex<State>,
    pub limiter: crate::core::ratelimit::Limiter,
}

impl Twin {
    pub fn new(cfg: Config, inventory: Inventory, clock: Clock) -> Result<Twin, String> {
        cfg.validate()?;
        cfg.timing.validate()?;
        let mut world = World::seeded(&cfg, &inventory, clock.now_ms())?;
        world.timing = cfg.timing;
        let state = State { world, ids: IdGen::new(cfg.id_seed) };
        Ok(Twin { cfg, clock, inventory, state: Mutex::new(state), limiter: Default::default() })
    }

    /// A control-plane change through the request transaction (core/txn.rs): the same lock,
    /// catch-up, epoch and undo as an API request; the clock is caught up again after `change`,
    /// which may have moved it.
    pub fn change<T, E>(&self, change: impl FnOnce(&mut State) -> Result<T, E>) -> Result<T, E> {
        crate::core::txn::apply(&self.state, &self.cfg, self.clock.now_ms(), || self.clock.now_ms(), change)
    }

    /// Back to the seeded state (the clock and the timing policy are kept).
    pub fn reset(&self) {
        let now = self.clock.now_ms();
        let mut world = World::seeded(&self.cfg, &self.inventory, now).expect("the inventory was valid at start");
        let _ = self.change(|st| -> Result<(), ()> {
            world.timing = st.world.timing;
            st.world = world;
            st.ids = IdGen::new(self.cfg.id_seed);
            Ok(())
        });
    }
}

impl crate::core::txn::Store for State {
    type Env = Config;

    fn catch_up(&mut self, cfg: &Config, now_ms: i64) {
        self.world.catch_up(cfg, now_ms);
    }

    fn undo(&mut self, epoch: u64) {
        self.world.undo(epoch);
    }
}
