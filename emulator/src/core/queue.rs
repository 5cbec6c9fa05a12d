//! The job queue. Jobs are kept by id (the order they were scheduled in), with three indexes so
//! that the clock finds the next job to finish, and a resource or a region finds its jobs,
//! without looking at every job: a clock jump over a year of hourly policies costs what
//! happens in that year, whatever else is queued.

use std::collections::{BTreeMap, BTreeSet};

use rustc_hash::FxHashMap;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use smallvec::SmallVec;

use crate::core::change::{change_of, entry_of, Change, Journal, Persist, Slot, Undo};
use crate::core::intern::{self, Name};
use crate::core::key::LongKey;
use crate::core::timing::Gate;

/// What a job does, as the queue needs to know it.
pub trait JobWork: Clone {
    /// The resource the job drives (a disk, a backup point, a policy).
    fn target(&self) -> &str;
    /// A scheduled event (a policy trigger, an expiry): it happens at its time, never early.
    fn is_scheduled(&self) -> bool;
    /// A scheduled event that queues its next firing when it runs.
    fn is_recurring(&self) -> bool;
}

/// Async work on the virtual clock: what to do, for whom, and the gate that says when.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Job<W> {
    pub id: u64,
    /// Account and region kept once for the process (core/intern.rs): a job is made and copied
    /// into the change set for every disk a CreateDisks makes.
    #[serde(deserialize_with = "intern::de")]
    pub account: Name,
    #[serde(deserialize_with = "intern::de")]
    pub region: Name,
    pub gate: Gate,
    /// When the read that opened a read-gated job happened (the job completes no earlier).
    pub opened_ms: Option<i64>,
    pub work: W,
    /// The work ends in failure when it finishes (a fault rule's `fail_job`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub fail: bool,
}

#[derive(Debug)]
pub struct Jobs<W> {
    /// Boxed: a job is ~280 bytes, and a B-tree holding them inline moved kilobytes for every
    /// node it split or filled (a tenth of a CreateDisks ×50, with the change set's copy).
    by_id: BTreeMap<u64, Box<Job<W>>>,
    /// `(due_ms, id)` of every job that waits for nothing but time (not manual, its reads
    /// seen): the first entry due is the next job to finish.
    ready: BTreeSet<(i64, u64)>,
    /// `Work::target()` → ids, ascending. A hash map of inline keys: targets are new resources
    /// with random IDs, which a B-tree of `String`s found by a walk of cold nodes, each key
    /// behind a pointer (a fifth of a CreateDisks ×50 at 100,000 disks with the job's other
    /// work). Fx hashing needs not be flood-proof: targets are the twin's own IDs.
    by_target: FxHashMap<LongKey, SmallVec<[u64; 2]>>,
    /// account → region → ids, for the reads that open read-gated jobs.
    by_region: BTreeMap<String, BTreeMap<String, BTreeSet<u64>>>,
    /// The jobs a request added, removed or let a read see, as they were (change.rs).
    journal: Journal<u64, Box<Job<W>>>,
}

impl<W> Default for Jobs<W> {
    fn default() -> Self {
        Jobs {
            by_id: BTreeMap::new(),
            ready: BTreeSet::new(),
            by_target: FxHashMap::default(),
            by_region: BTreeMap::new(),
            journal: Journal::default(),
        }
    }
}

impl<W: JobWork> Clone for Jobs<W> {
    fn clone(&self) -> Jobs<W> {
        let mut jobs = Jobs::default();
        for j in self.by_id.values() {
            jobs.insert(j.clone());
        }
        jobs
    }
}

impl<W: JobWork> Undo for Jobs<W> {
    fn undo(&mut self, epoch: u64) {
        for (id, prior) in self.journal.take(epoch) {
            if let Some(job) = self.by_id.remove(&id) {
                self.unindex(&job);
            }
            if let Some(job) = prior {
                self.insert(job);
            }
        }
    }
}

impl<W: JobWork + Serialize + DeserializeOwned> Persist for Jobs<W> {
    fn changed(&self, epoch: u64, out: &mut Vec<Change>) -> Result<(), String> {
        for id in self.journal.touched(epoch) {
            out.push(change_of(id, self.by_id.get(id))?);
        }
        Ok(())
    }

    /// The job goes in (or out) with its ready, target and region indexes.
    fn put_back(&mut self, key: &str, value: Option<&str>) -> Result<(), String> {
        let (id, job): (u64, Option<Job<W>>) = entry_of(key, value)?;
        if let Some(old) = self.by_id.remove(&id) {
            self.unindex(&old);
        }
        if let Some(job) = job {
            if job.id != id {
                return Err(format!("job {id} says it is job {}", job.id));
            }
            self.insert(Box::new(job));
        }
        Ok(())
    }
}

fn waits_only_for_time<W>(job: &Job<W>) -> bool {
    !job.gate.manual && job.gate.reads >= job.gate.min_reads
}

impl<W: JobWork> Jobs<W> {
    pub fn len(&self) -> usize {
        self.by_id.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }

    /// Every job, in the order it was scheduled.
    pub fn iter(&self) -> impl Iterator<Item = &Job<W>> {
        self.by_id.values().map(|j| &**j)
    }

    pub fn get(&self, id: u64) -> Option<&Job<W>> {
        self.by_id.get(&id).map(|j| &**j)
    }

    pub fn push(&mut self, job: Job<W>) {
        self.note(job.id);
        if let Some(old) = self.by_id.remove(&job.id) {
            self.unindex(&old);
        }
        self.insert(Box::new(job));
    }

    /// Keep job `id` as it is now in the change set, before a request changes it.
    fn note(&mut self, id: u64) {
        let by_id = &self.by_id;
        self.journal.note(&id, || by_id.get(&id).cloned());
    }

    /// Queue and index a job whose id is not queued.
    fn insert(&mut self, job: Box<Job<W>>) {
        let id = job.id;
        if waits_only_for_time(&job) {
            self.ready.insert((job.gate.due_ms, id));
        }
        let ids = self.by_target.entry(LongKey::from(job.work.target())).or_default();
        if let Err(at) = ids.binary_search(&id) {
            ids.insert(at, id);
        }
        // Look up before inserting: most jobs join a region that has jobs already.
        if !self.by_region.contains_key(&*job.account) {
            self.by_region.insert(job.account.to_string(), BTreeMap::new());
        }
        let regions = self.by_region.get_mut(&*job.account).expect("just made");
        match regions.get_mut(&*job.region) {
            Some(ids) => {
                ids.insert(id);
            }
            None => {
                regions.insert(job.region.to_string(), BTreeSet::from([id]));
            }
        }
        self.by_id.insert(id, job);
    }

    fn unindex(&mut self, job: &Job<W>) {
        self.ready.remove(&(job.gate.due_ms, job.id));
        if let Some(ids) = self.by_target.get_mut(job.work.target()) {
            if let Ok(at) = ids.binary_search(&job.id) {
                ids.remove(at);
            }
            if ids.is_empty() {
                self.by_target.remove(job.work.target());
                // The map keeps its table after a burst of jobs has finished; give most of it
                // back once it is three quarters empty (amortized: it was filled first).
                let (len, cap) = (self.by_target.len(), self.by_target.capacity());
                if cap > 1024 && len < cap / 4 {
                    self.by_target.shrink_to(len * 2);
                }
            }
        }
        if let Some(regions) = self.by_region.get_mut(&*job.account) {
            if let Some(ids) = regions.get_mut(&*job.region) {
                ids.remove(&job.id);
                if ids.is_empty() {
                    regions.remove(&*job.region);
                }
            }
            if regions.is_empty() {
                self.by_region.remove(&*job.account);
            }
        }
    }

    pub fn remove(&mut self, id: u64) -> Option<Job<W>> {
        if self.by_id.contains_key(&id) {
            self.note(id);
        }
        let job = self.by_id.remove(&id)?;
        self.unindex(&job);
        Some(*job)
    }

    /// The job to finish next at `now_ms`: the earliest (due, id) among those whose gate is open.
    pub fn next_due(&self, now_ms: i64) -> Option<u64> {
        self.ready.first().filter(|(due, _)| *due <= now_ms).map(|(_, id)| *id)
    }

    /// The jobs that drive `target`, in the order they were scheduled.
    pub fn for_target<'a>(&'a self, target: &str) -> impl Iterator<Item = &'a Job<W>> + 'a {
        self.by_target.get(target).into_iter().flatten().filter_map(|id| self.get(*id))
    }

    /// Drop the jobs of `target` that `doomed` picks.
    pub fn remove_for_target(&mut self, target: &str, doomed: impl Fn(&Job<W>) -> bool) {
        let ids: Vec<u64> = self.for_target(target).filter(|j| doomed(j)).map(|j| j.id).collect();
        for id in ids {
            self.remove(id);
        }
    }

    /// Make job `id` end in failure (kept in the change set first).
    pub fn set_failing(&mut self, id: u64) {
        if self.by_id.contains_key(&id) {
            self.note(id);
        }
        if let Some(job) = self.by_id.get_mut(&id) {
            job.fail = true;
        }
    }

    /// The highest id queued so far (0 when empty): what `force_complete` has seen.
    pub fn mark(&self) -> u64 {
        self.by_id.last_key_value().map_or(0, |(id, _)| *id)
    }

    /// A read has seen the jobs of `account`/`region`.
    pub fn observe_region(&mut self, account: &str, region: &str, now_ms: i64) {
        let ids: Vec<u64> = self
            .by_region
            .get(account)
            .and_then(|r| r.get(region))
            .map(|s| s.iter().copied().collect())
            .unwrap_or_default();
        for id in ids {
            self.observe_one(id, now_ms);
        }
    }

    /// A read has seen the jobs `seen` picks (work watched from elsewhere than its own region).
    pub fn observe_where(&mut self, now_ms: i64, seen: impl Fn(&Job<W>) -> bool) {
        let ids: Vec<u64> = self.iter().filter(|j| seen(j)).map(|j| j.id).collect();
        for id in ids {
            self.observe_one(id, now_ms);
        }
    }

    fn observe_one(&mut self, id: u64, now_ms: i64) {
        if self.by_id.contains_key(&id) {
            self.note(id);
        }
        let Some(job) = self.by_id.get_mut(&id) else { return };
        let was_ready = waits_only_for_time(job);
        job.gate.reads = job.gate.reads.saturating_add(1);
        if job.opened_ms.is_none() && job.gate.reads >= job.gate.min_reads {
            job.opened_ms = Some(now_ms);
        }
        if !was_ready && waits_only_for_time(job) {
            self.ready.insert((job.gate.due_ms, id));
        }
    }

    /// For the control plane's `jobs/complete`: the in-flight (not scheduled) jobs `pick`
    /// selects, by (due capped at `now_ms`, id).
    pub fn in_flight(&self, now_ms: i64, pick: &dyn Fn(&Job<W>) -> bool) -> BTreeSet<(i64, u64)> {
        self.iter().filter(|j| !j.work.is_scheduled() && pick(j)).map(|j| (j.gate.due_ms.min(now_ms), j.id)).collect()
    }

    /// Jobs scheduled after `after`, for a caller that tracks what a finished job queued.
    pub fn scheduled_after(&self, after: u64) -> impl Iterator<Item = &Job<W>> {
        self.by_id.range(after + 1..).map(|(_, j)| &**j)
    }

    /// Whether a scheduled policy will fire again (the clock work then grows with the span).
    pub fn has_recurring(&self) -> bool {
        self.by_id.values().any(|j| j.work.is_recurring())
    }
}

impl<W: PartialEq> PartialEq for Jobs<W> {
    fn eq(&self, other: &Jobs<W>) -> bool {
        self.by_id == other.by_id
    }
}

/// Serialized as the list of jobs in scheduling order, as `GET /_cloudtwin/jobs` shows it.
impl<W: Serialize> Serialize for Jobs<W> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.by_id.values())
    }
}

impl<'de, W: JobWork + Deserialize<'de>> Deserialize<'de> for Jobs<W> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Jobs<W>, D::Error> {
        let list = Vec::<Job<W>>::deserialize(d)?;
        let mut jobs = Jobs::default();
        for j in list {
            jobs.push(j);
        }
        Ok(jobs)
    }
}

/// A provider's work inside the world's job type (the world wraps every provider's work in one
/// enum; a provider sees only its own).
pub trait Holds<P>: JobWork {
    fn wrap(work: P) -> Self;
    fn peek(&self) -> Option<&P>;
}

/// A provider's view of a job of its own.
pub struct JobRef<'a, P> {
    pub id: u64,
    pub account: &'a str,
    pub region: &'a str,
    pub gate: &'a Gate,
    pub work: &'a P,
}

/// What a provider may do with the job queue and the world's sequence: the interface the world
/// offers every provider, which sees only jobs of its own kind.
pub trait Books<P> {
    /// A fresh number for ordering and log ids.
    fn next_seq(&mut self) -> u64;
    /// Queue work behind `gate`; returns its job id.
    fn schedule(&mut self, account: &str, region: &str, gate: Gate, work: P) -> u64;
    /// The in-flight job that drives `target` (scheduled events excepted), if any.
    fn job_for(&self, target: &str) -> Option<JobRef<'_, P>>;
    /// Drop the jobs of `target` that `doomed` picks.
    fn remove_for_target(&mut self, target: &str, doomed: &dyn Fn(JobRef<'_, P>) -> bool);
    /// A read in `account`/`region` has seen what is in flight there.
    fn observe(&mut self, account: &str, region: &str, now_ms: i64);
    /// A read has seen the jobs `watched` picks.
    fn observe_where(&mut self, now_ms: i64, watched: &dyn Fn(&P) -> bool);
}

/// The world's job queue and sequence: what every provider's `Books` are.
#[derive(Debug, Serialize, Deserialize)]
#[serde(bound(serialize = "W: Serialize", deserialize = "W: JobWork + Deserialize<'de>"))]
pub struct Ledger<W> {
    pub jobs: Jobs<W>,
    pub next_id: Slot<u64>,
}

impl<W: JobWork> Clone for Ledger<W> {
    fn clone(&self) -> Self {
        Ledger { jobs: self.jobs.clone(), next_id: self.next_id.clone() }
    }
}

impl<W> Default for Ledger<W> {
    fn default() -> Self {
        Ledger { jobs: Jobs::default(), next_id: Slot::new(0) }
    }
}

impl<W: PartialEq> PartialEq for Ledger<W> {
    fn eq(&self, other: &Self) -> bool {
        self.jobs == other.jobs && *self.next_id == *other.next_id
    }
}

impl<W: JobWork> Undo for Ledger<W> {
    fn undo(&mut self, epoch: u64) {
        self.jobs.undo(epoch);
        self.next_id.undo(epoch);
    }
}

fn view<W: Holds<P>, P>(j: &Job<W>) -> Option<JobRef<'_, P>> {
    let work = j.work.peek()?;
    Some(JobRef { id: j.id, account: &j.account, region: &j.region, gate: &j.gate, work })
}

impl<W: Holds<P>, P> Books<P> for Ledger<W> {
    fn next_seq(&mut self) -> u64 {
        *self.next_id.get_mut() += 1;
        *self.next_id
    }

    fn schedule(&mut self, account: &str, region: &str, gate: Gate, work: P) -> u64 {
        let id = self.next_seq();
        let (account, region, work) = (intern::intern(account), intern::intern(region), W::wrap(work));
        self.jobs.push(Job { id, account, region, gate, opened_ms: None, work, fail: false });
        id
    }

    fn job_for(&self, target: &str) -> Option<JobRef<'_, P>> {
        self.jobs.for_target(target).filter(|j| !j.work.is_scheduled()).find_map(view)
    }

    fn remove_for_target(&mut self, target: &str, doomed: &dyn Fn(JobRef<'_, P>) -> bool) {
        self.jobs.remove_for_target(target, |j| view(j).is_some_and(doomed));
    }

    fn observe(&mut self, account: &str, region: &str, now_ms: i64) {
        self.jobs.observe_region(account, region, now_ms);
    }

    fn observe_where(&mut self, now_ms: i64, watched: &dyn Fn(&P) -> bool) {
        self.jobs.observe_where(now_ms, |j| j.work.peek().is_some_and(watched));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::timing::TimingPolicy;

    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    struct Build(String);

    impl JobWork for Build {
        fn target(&self) -> &str {
            &self.0
        }
        fn is_scheduled(&self) -> bool {
            false
        }
        fn is_recurring(&self) -> bool {
            false
        }
    }

    fn job(id: u64, region: &str, target: &str, gate: Gate) -> Job<Build> {
        Job {
            id,
            account: "a".into(),
            region: region.to_string().into(),
            gate,
            opened_ms: None,
            work: Build(target.into()),
            fail: false,
        }
    }

    #[test]
    fn the_next_job_is_the_earliest_open_one_by_due_then_id() {
        let mut q: Jobs<Build> = Jobs::default();
        q.push(job(1, "r1", "x", Gate::at(0, 10)));
        q.push(job(2, "r2", "y", Gate::new(TimingPolicy::Realistic { seconds: 0.005 }, 0))); // due 5, needs a read
        q.push(job(3, "r1", "z", Gate::at(0, 5)));
        q.push(job(4, "r1", "x", Gate::new(TimingPolicy::Manual, 0)));
        assert_eq!(q.next_due(4), None);
        assert_eq!(q.next_due(10), Some(3));
        q.remove(3);
        assert_eq!(q.next_due(10), Some(1), "job 2 is not open before a read");
        q.observe_region("a", "r2", 7);
        assert_eq!(q.get(2).unwrap().opened_ms, Some(7));
        assert_eq!(q.next_due(10), Some(2), "(5, 2) comes before (10, 1) once open");
        assert_eq!(q.for_target("x").map(|j| j.id).collect::<Vec<_>>(), [1, 4]);
        q.remove_for_target("x", |j| j.gate.manual);
        assert_eq!(q.for_target("x").map(|j| j.id).collect::<Vec<_>>(), [1]);
        q.remove(2);
        assert_eq!(q.iter().map(|j| j.id).collect::<Vec<_>>(), [1]);
        assert_eq!(q.next_due(i64::MAX), Some(1));
        q.remove(1);
        assert!(q.is_empty() && q.ready.is_empty() && q.by_target.is_empty() && q.by_region.is_empty());
    }

    #[test]
    fn a_target_lists_its_jobs_in_order_and_the_map_gives_its_room_back() {
        let mut q: Jobs<Build> = Jobs::default();
        for id in [5, 2, 9] {
            q.push(job(id, "r", "x", Gate::at(0, 1)));
        }
        assert_eq!(q.for_target("x").map(|j| j.id).collect::<Vec<_>>(), [2, 5, 9]);
        for id in 10..20_000 {
            q.push(job(id, "r", &format!("disk-{id}"), Gate::at(0, 1)));
        }
        let full = q.by_target.capacity();
        for id in 10..20_000 {
            q.remove(id);
        }
        assert!(q.by_target.capacity() * 4 <= full, "{} of {full}", q.by_target.capacity());
        assert_eq!(q.for_target("x").map(|j| j.id).collect::<Vec<_>>(), [2, 5, 9]);
        q.remove(5);
        assert_eq!(q.for_target("x").map(|j| j.id).collect::<Vec<_>>(), [2, 9]);
    }

    #[test]
    fn serialized_as_the_list_in_scheduling_order() {
        let mut q: Jobs<Build> = Jobs::default();
        q.push(job(7, "r", "b", Gate::at(0, 1)));
        q.push(job(3, "r", "a", Gate::at(0, 9)));
        let v = serde_json::to_value(&q).unwrap();
        assert_eq!(v.as_array().unwrap().iter().map(|j| j["id"].as_u64().unwrap()).collect::<Vec<_>>(), [3, 7]);
        let back: Jobs<Build> = serde_json::from_value(v).unwrap();
        assert_eq!(back, q);
        assert_eq!(back.next_due(1), Some(7));
    }
}
