//! The whole simulated world: every provider's state per account and region, the one queue of
//! async jobs and the sequence. It stands above the providers: it lends each its part
//! (`tencent::World`, `huawei::World`, `ucloudstack::World`) through the provider's `Host` trait,
//! and hands each finished job back to the provider that owns it. `Twin` (twin.rs) wraps it with
//! the configuration, the clock and the lock that serializes changes.

use std::collections::BTreeMap;
use std::sync::Arc;

use parking_lot::Mutex;
use serde::{Deserialize, Serialize};

use crate::config::Config;
use crate::core::change::{Change, Persist, Slot, Table, Undo};
use crate::core::clock::Clock;
use crate::core::ids::IdGen;
use crate::core::intern::Name;
use crate::core::kept::KeptPages;
use crate::core::logbook::LOG_RETENTION_MS;
use crate::core::queue::{Holds, JobWork, Ledger};
use crate::core::timing::TimingPolicy;
use crate::huawei::model::{Fault, HwProject, HwWork};
use crate::huawei::tokens::TokenBook;
use crate::inventory::Inventory;
use crate::tencent::model::{TcRegion, TcWork};
use crate::ucloudstack::model::{UcsRegion, UcsWork};
use crate::{huawei, tencent, ucloudstack};

/// A job of any provider.
pub type Job = crate::core::queue::Job<Work>;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "provider", rename_all = "lowercase")]
pub enum Work {
    Tencent(TcWork),
    Huawei(HwWork),
    UCloudStack(UcsWork),
}

impl JobWork for Work {
    /// The resource a control-plane `jobs/complete {target}` names.
    fn target(&self) -> &str {
        match self {
            Work::Tencent(w) => w.target(),
            Work::Huawei(w) => w.target(),
            Work::UCloudStack(w) => w.target(),
        }
    }

    /// Scheduled events (policy triggers, expiries) happen at their time, never early.
    fn is_scheduled(&self) -> bool {
        match self {
            Work::Tencent(w) => w.is_scheduled(),
            Work::Huawei(w) => w.is_scheduled(),
            Work::UCloudStack(_) => false,
        }
    }

    /// A scheduled policy trigger, which queues its next firing when it runs.
    fn is_recurring(&self) -> bool {
        matches!(self, Work::Tencent(TcWork::FirePolicy { .. }) | Work::Huawei(HwWork::PolicyTick { .. }))
    }
}

macro_rules! holds {
    ($variant:ident, $work:ty) => {
        impl Holds<$work> for Work {
            fn wrap(work: $work) -> Work {
                Work::$variant(work)
            }
            fn peek(&self) -> Option<&$work> {
                match self {
                    Work::$variant(w) => Some(w),
                    _ => None,
                }
            }
        }
    };
}
holds!(Tencent, TcWork);
holds!(Huawei, HwWork);
holds!(UCloudStack, UcsWork);

/// Where and when a finished job happened: the log book it may have written to.
enum Scope {
    Tencent { account: Name, region: Name, at: i64 },
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
    /// The job queue and the sequence (`jobs` and `next_id` in `/_cloudtwin/state`).
    #[serde(flatten)]
    pub books: Ledger<Work>,
    /// How async work finishes (control plane: `/_cloudtwin/timing`).
    pub timing: TimingPolicy,
    /// account name → UCloudStack region → state.
    #[serde(default)]
    pub ucloudstack: BTreeMap<String, BTreeMap<String, UcsRegion>>,
    /// List pages kept as rendered (core/kept.rs): a cache, never stored or compared.
    #[serde(skip)]
    pub pages: KeptPages,
}

impl World {
    pub fn seeded(cfg: &Config, inventory: &Inventory, now_ms: i64) -> Result<World, String> {
        let mut world = World::default();
        tencent::seed::apply(&mut world.tencent_part(), cfg, inventory, now_ms)?;
        huawei::seed::apply(&mut world.huawei_part(), cfg, inventory, now_ms)?;
        ucloudstack::seed::apply(&mut world.ucloudstack_part(), cfg, inventory, now_ms)?;
        Ok(world)
    }

    /// The part of the world Tencent works on.
    pub fn tencent_part(&mut self) -> tencent::World<'_> {
        tencent::World {
            tencent: &mut self.tencent,
            tencent_refunds: &mut self.tencent_refunds,
            timing: self.timing,
            jobs: &mut self.books,
            pages: &self.pages,
        }
    }

    /// The part of the world Huawei works on.
    pub fn huawei_part(&mut self) -> huawei::World<'_> {
        huawei::World {
            huawei: &mut self.huawei,
            huawei_tokens: &mut self.huawei_tokens,
            huawei_faults: &mut self.huawei_faults,
            timing: self.timing,
            jobs: &mut self.books,
            pages: &self.pages,
        }
    }

    /// The part of the world UCloudStack works on.
    pub fn ucloudstack_part(&mut self) -> ucloudstack::World<'_> {
        ucloudstack::World {
            ucloudstack: &mut self.ucloudstack,
            timing: self.timing,
            jobs: &mut self.books,
            pages: &self.pages,
        }
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
        // Regions and projects the request brought into being go again (and an account with
        // them, when they were all it had).
        self.tencent.retain(|_, regions| !drop_born(regions, epoch));
        self.huawei.retain(|_, p| !p.born.in_epoch(epoch));
        self.ucloudstack.retain(|_, regions| !drop_born(regions, epoch));
        self.tencent_refunds.undo(epoch);
        self.huawei_tokens.undo(epoch);
        self.huawei_faults.undo(epoch);
        self.books.undo(epoch);
    }

    /// What `epoch` changed, as store rows (store.rs): a walk over the regions and projects
    /// (each lists its containers once, in `parts`) and the world-wide books. Each container
    /// answers from its journal, so the work is what changed plus one look per container.
    pub fn changed(&mut self, epoch: u64, out: &mut Vec<Row>) -> Result<(), String> {
        for (account, regions) in self.tencent.iter_mut() {
            for (region, r) in regions.iter_mut() {
                let here = ["tencent", account.as_str(), region.as_str()];
                if r.born.in_epoch(epoch) {
                    out.push(Row::exists(&here));
                }
                let mut res = Ok(());
                r.parts(&mut |name, part| res = res.clone().and_then(|_| rows_of(&here, name, part, epoch, out)));
                res?;
            }
        }
        for (project, p) in self.huawei.iter_mut() {
            let here = ["huawei", project.as_str()];
            if p.born.in_epoch(epoch) {
                out.push(Row::exists(&here));
            }
            let mut res = Ok(());
            p.parts(&mut |name, part| res = res.clone().and_then(|_| rows_of(&here, name, part, epoch, out)));
            res?;
        }
        for (account, regions) in self.ucloudstack.iter_mut() {
            for (region, r) in regions.iter_mut() {
                let here = ["ucloudstack", account.as_str(), region.as_str()];
                if r.born.in_epoch(epoch) {
                    out.push(Row::exists(&here));
                }
                let mut res = Ok(());
                r.parts(&mut |name, part| res = res.clone().and_then(|_| rows_of(&here, name, part, epoch, out)));
                res?;
            }
        }
        rows_of(&[], "tencent_refunds", &mut self.tencent_refunds, epoch, out)?;
        rows_of(&[], "huawei_tokens", &mut self.huawei_tokens, epoch, out)?;
        rows_of(&[], "huawei_faults", &mut self.huawei_faults, epoch, out)?;
        rows_of(&[], "jobs", &mut self.books.jobs, epoch, out)?;
        rows_of(&[], "next_id", &mut self.books.next_id, epoch, out)?;
        Ok(())
    }

    /// Put one store row back (loading the store, outside any epoch). A row under a region or
    /// project brings it into being.
    pub fn put_row(&mut self, path: &[String], key: &str, value: Option<&str>) -> Result<(), String> {
        let path: Vec<&str> = path.iter().map(String::as_str).collect();
        match path.as_slice() {
            ["tencent", a, r, rest @ ..] => {
                let region = self.tencent.entry(a.to_string()).or_default().entry(r.to_string()).or_default();
                put_part(rest, key, value, |f| region.parts(f))
            }
            ["huawei", p, rest @ ..] => {
                let project = self.huawei.entry(p.to_string()).or_default();
                put_part(rest, key, value, |f| project.parts(f))
            }
            ["ucloudstack", a, r, rest @ ..] => {
                let region = self.ucloudstack.entry(a.to_string()).or_default().entry(r.to_string()).or_default();
                put_part(rest, key, value, |f| region.parts(f))
            }
            ["tencent_refunds"] => self.tencent_refunds.put_back(key, value),
            ["huawei_tokens"] => self.huawei_tokens.put_back(key, value),
            ["huawei_faults"] => self.huawei_faults.put_back(key, value),
            ["jobs"] => self.books.jobs.put_back(key, value),
            ["next_id"] => self.books.next_id.put_back(key, value),
            _ => Err(format!("no such place in the world: {path:?}")),
        }
    }

    /// After a load put rows back (`put_row`): rebuild what each container left for later.
    pub fn reindex(&mut self) {
        for r in self.tencent.values_mut().flat_map(|a| a.values_mut()) {
            r.parts(&mut |_, part| part.reindex());
        }
        for p in self.huawei.values_mut() {
            p.parts(&mut |_, part| part.reindex());
        }
        for r in self.ucloudstack.values_mut().flat_map(|a| a.values_mut()) {
            r.parts(&mut |_, part| part.reindex());
        }
    }

    /// Finish every job whose gate is open at `now_ms`, earliest first; a finished job may
    /// schedule more work, which is considered in the same pass. Operation logs and tokens
    /// past their retention go on the way, so a long jump keeps only what the retention keeps.
    pub fn catch_up(&mut self, cfg: &Config, now_ms: i64) {
        while let Some(id) = self.books.jobs.next_due(now_ms) {
            let job = self.books.jobs.remove(id).expect("a due job is queued");
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
            Work::Tencent(w) if job.fail => {
                tencent::jobs::fail(&mut self.tencent_part(), cfg, &job.account, &job.region, w, done_at)
            }
            Work::Tencent(w) => {
                tencent::jobs::finish(&mut self.tencent_part(), cfg, &job.account, &job.region, w, done_at)
            }
            Work::Huawei(w) => {
                huawei::jobs::finish(&mut self.huawei_part(), cfg, &job.account, &job.region, w, done_at)
            }
            Work::UCloudStack(w) => {
                ucloudstack::jobs::finish(&mut self.ucloudstack_part(), &job.account, &job.region, w, job.fail)
            }
        }
        scope
    }

    /// After one job: forget what its own log book no longer keeps at the job's time (a long
    /// clock jump then never holds more than the retention at once).
    fn prune_scope(&mut self, scope: &Scope) {
        match scope {
            Scope::Tencent { account, region, at } => {
                if let Some(r) = self.tencent.get_mut(&**account).and_then(|a| a.get_mut(&**region)) {
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

    /// Make the in-flight work queued after `mark` end in failure, as each provider allows: a
    /// Tencent or UCloudStack job carries the mark to its `finish`; a Huawei task gets a fault
    /// aimed at it, as `/_cloudtwin/huawei/faults` queues them. Returns how many jobs.
    pub fn fail_jobs_after(&mut self, mark: u64) -> usize {
        let picked: Vec<(u64, Option<Fault>)> = self
            .books
            .jobs
            .scheduled_after(mark)
            .filter(|j| !j.work.is_scheduled())
            .filter_map(|j| match &j.work {
                Work::Huawei(w) => huawei::jobs::fault_for(w).map(|f| (j.id, Some(f))),
                _ => Some((j.id, None)),
            })
            .collect();
        for (id, fault) in &picked {
            match fault {
                Some(f) => self.huawei_faults.get_mut().push(f.clone()),
                None => self.books.jobs.set_failing(*id),
            }
        }
        picked.len()
    }

    /// Complete in-flight jobs now, whatever their gates say (control plane): those `pick`
    /// selects, scheduled events excepted, in due order; returns how many finished.
    pub fn force_complete(&mut self, cfg: &Config, now_ms: i64, pick: &dyn Fn(&Job) -> bool) -> usize {
        let mut n = 0;
        let mut queue = self.books.jobs.in_flight(now_ms, pick);
        let mut seen = self.books.jobs.mark();
        while let Some((_, id)) = queue.pop_first() {
            // A job finished before may have taken this one with it (a destroyed disk's work).
            let Some(mut job) = self.books.jobs.remove(id) else { continue };
            job.gate.due_ms = job.gate.due_ms.min(now_ms);
            job.opened_ms = None;
            self.finish(cfg, job, now_ms);
            n += 1;
            // Work the finished job queued is completed in the same call, in the same order.
            let fresh: Vec<(i64, u64)> = self
                .books
                .jobs
                .scheduled_after(seen)
                .filter(|j| !j.work.is_scheduled() && pick(j))
                .map(|j| (j.gate.due_ms.min(now_ms), j.id))
                .collect();
            queue.extend(fresh);
            seen = seen.max(self.books.jobs.mark());
        }
        n
    }
}

/// The rows of one container: `here` + its name is the path.
fn rows_of(here: &[&str], name: &str, part: &mut dyn Persist, epoch: u64, out: &mut Vec<Row>) -> Result<(), String> {
    let mut changes: Vec<Change> = Vec::new();
    part.changed(epoch, &mut changes)?;
    if changes.is_empty() {
        return Ok(());
    }
    let mut path: Vec<&str> = here.to_vec();
    path.push(name);
    let path = serde_json::to_string(&path).map_err(|e| e.to_string())?;
    out.extend(changes.into_iter().map(|c| Row { path: path.clone(), key: c.key, value: c.value }));
    Ok(())
}

/// Put a row into the container named `rest` (none: the region or project's existence row).
fn put_part(
    rest: &[&str],
    key: &str,
    value: Option<&str>,
    parts: impl FnOnce(&mut dyn FnMut(&'static str, &mut dyn Persist)),
) -> Result<(), String> {
    let field = match rest {
        [] => return Ok(()),
        [field] => *field,
        _ => return Err(format!("no such place in a region: {rest:?}")),
    };
    let mut done = None;
    parts(&mut |name, part| {
        if name == field {
            done = Some(part.put_back(key, value));
        }
    });
    done.unwrap_or_else(|| Err(format!("no container named `{field}`")))
}

/// Drop the regions made in `epoch`; whether that left the account with none.
fn drop_born<R: HasBirth>(regions: &mut BTreeMap<String, R>, epoch: u64) -> bool {
    let before = regions.len();
    regions.retain(|_, r| !r.born().in_epoch(epoch));
    regions.is_empty() && before > 0
}

/// A region of any provider, with the epoch it was made in.
trait HasBirth {
    fn born(&self) -> crate::core::change::Born;
}

impl HasBirth for TcRegion {
    fn born(&self) -> crate::core::change::Born {
        self.born
    }
}

impl HasBirth for UcsRegion {
    fn born(&self) -> crate::core::change::Born {
        self.born
    }
}

/// One changed entry: the container's path (a JSON array), the key and the value (JSON).
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub path: String,
    pub key: String,
    pub value: Option<String>,
}

impl Row {
    /// A region or project that came into being (it may hold nothing yet).
    pub fn exists(here: &[&str]) -> Row {
        Row { path: serde_json::to_string(here).unwrap_or_default(), key: "null".into(), value: Some("{}".into()) }
    }
}

/// What one request leaves to write.
#[derive(Debug, Default)]
pub struct Batch {
    pub rows: Vec<Row>,
    pub error: Option<String>,
}

/// What a request waits for once the state lock is let go: its changes, and all queued
/// before them, made durable.
pub use crate::core::durable::Ticket;

/// Where a request's changes are kept (the durable store, store.rs), as the state sees it.
pub trait Keeper: std::fmt::Debug + Send {
    /// Queue `batch` to be made durable (under the state lock, so in the order of the
    /// changes); `None` when there is nothing to wait for. An error stops the writes until a
    /// restart.
    fn commit(&mut self, st: &State, batch: Batch) -> Result<Option<Ticket>, String>;
    /// Queue a named snapshot (`/_cloudtwin/snapshots`) to be kept beside the world: `doc` is
    /// its export document, `None` removes it. A base rewrite leaves it.
    fn keep_snapshot(&mut self, name: &str, doc: Option<String>) -> Result<Option<Ticket>, String>;
    /// Why the state takes no writes, when a commit failed.
    fn degraded(&self) -> Option<String>;
}

/// Mutable runtime state behind the lock.
#[derive(Debug, Clone)]
pub struct State {
    pub world: World,
    pub ids: IdGen,
    /// The fault rules (`/_cloudtwin/faults`): not part of the world (no request's undo takes
    /// back a rule's counts), cleared by a reset.
    pub faults: crate::core::fault::FaultBook,
    /// Counts the times the whole state was replaced (reset, import, restore): the durable
    /// store then writes the world anew instead of the changes.
    pub generation: u64,
    /// The durable store (`serve --store`), when there is one.
    pub durable: Option<Arc<Mutex<dyn Keeper>>>,
}

impl State {
    pub fn new(world: World, ids: IdGen) -> State {
        State { world, ids, faults: Default::default(), generation: 0, durable: None }
    }

    /// Put `new` in place of the whole state (its store stays, and learns of it). The fault
    /// rules stay too: they are the tester's, not the world's.
    pub fn replace(&mut self, new: State) {
        let generation = self.generation + 1;
        let durable = self.durable.take();
        let faults = std::mem::take(&mut self.faults);
        *self = new;
        self.generation = generation;
        self.durable = durable;
        self.faults = faults;
    }

    /// Why the state takes no writes (a commit to the store failed), if it does not.
    pub fn degraded(&self) -> Option<String> {
        self.durable.as_ref().and_then(|d| d.lock().degraded())
    }
}

/// One running twin over this world (twin.rs).
pub type Twin = crate::twin::Twin<State>;

impl Twin {
    pub fn new(cfg: Config, inventory: Inventory, clock: Clock) -> Result<Twin, String> {
        cfg.validate()?;
        cfg.timing.validate()?;
        let mut world = World::seeded(&cfg, &inventory, clock.now_ms())?;
        world.timing = cfg.timing;
        let state = State::new(world, IdGen::new(cfg.id_seed));
        let journal = std::sync::Arc::new(crate::core::journal::Journal::new(cfg.journal.bounds()));
        Ok(crate::twin::Twin {
            cfg,
            clock: Arc::new(clock),
            inventory,
            state: Mutex::new(state),
            limiter: Default::default(),
            letters: Default::default(),
            snapshots: Default::default(),
            journal,
        })
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
            st.replace(State::new(world, IdGen::new(self.cfg.id_seed)));
            st.faults.reset();
            Ok(())
        });
    }
}

impl tencent::Host for State {
    fn tencent(&mut self) -> (tencent::World<'_>, &mut IdGen) {
        (self.world.tencent_part(), &mut self.ids)
    }
}

impl huawei::Host for State {
    fn huawei(&mut self) -> (huawei::World<'_>, &mut IdGen) {
        (self.world.huawei_part(), &mut self.ids)
    }

    fn huawei_tokens(&self) -> &TokenBook {
        &self.world.huawei_tokens
    }
}

impl ucloudstack::Host for State {
    fn ucloudstack(&mut self) -> (ucloudstack::World<'_>, &mut IdGen) {
        (self.world.ucloudstack_part(), &mut self.ids)
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

    fn faults(&mut self) -> Option<&mut crate::core::fault::FaultBook> {
        Some(&mut self.faults)
    }

    fn job_mark(&self) -> u64 {
        *self.world.books.next_id
    }

    fn fail_jobs_after(&mut self, mark: u64) -> usize {
        self.world.fail_jobs_after(mark)
    }

    type Batch = Batch;

    fn records(&self) -> bool {
        self.durable.is_some()
    }

    fn collect(&mut self, epoch: u64, batch: &mut Batch) {
        if self.durable.is_none() || batch.error.is_some() {
            return;
        }
        if let Err(e) = self.world.changed(epoch, &mut batch.rows) {
            batch.error = Some(e);
        }
    }

    fn commit(&mut self, batch: Batch) -> Result<Option<Ticket>, String> {
        let Some(durable) = self.durable.clone() else { return Ok(None) };
        let mut durable = durable.lock();
        durable.commit(self, batch)
    }

    fn degraded(&self) -> Option<String> {
        State::degraded(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::change::Epoch;

    #[test]
    fn undo_removes_what_a_failed_request_brought_into_being() {
        let mut world = World::default();
        world.tencent_part().tc("a", "old");
        world.huawei.entry("p-old".into()).or_default();
        let before = serde_json::to_value(&world).unwrap();
        let epoch = Epoch::open();
        world.tencent_part().tc("a", "new").client_tokens.insert("token".into(), vec!["disk-1".into()]);
        world.tencent_part().tc("b", "new");
        world.huawei_part().huawei.entry("p-new".into()).or_default();
        world.huawei.get_mut("p-old").unwrap().migration.set(None);
        world.huawei.get_mut("p-old").unwrap().org_policies.clear();
        world.tencent_part().tc("a", "old").client_tokens.insert("t".into(), Vec::new());
        world.ucloudstack_part().ucs("a", "cn");
        let id = epoch.id();
        drop(epoch);
        world.undo(id);
        assert_eq!(serde_json::to_value(&world).unwrap(), before);
        assert_eq!(world.tencent.keys().collect::<Vec<_>>(), ["a"], "the account made by the request went");
    }
}
