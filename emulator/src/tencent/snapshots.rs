//! Snapshots (`snap-…`): create (also from a backup point), describe, delete, roll back, rename
//! and retain, share with other accounts, copy to other regions, the account overview and the
//! snapshot operation log.

use std::cell::OnceCell;
use std::collections::BTreeSet;

use super::ctx::{Ctx, Output};
use super::disk_input::time_window;
use super::disk_rules::{check_name, find};
use super::error::{self as e, TcResult};
use super::model::{state, Snapshot, SnapshotOpLog, Tag, TcRegion, TcWork, DATA_DISK, SYSTEM_DISK};
use super::pages;
use super::params::{opt, req, Field, Params, BOOL, FILTERS, INT, STR, STRS, TAGS};
use super::query;
use super::render::{self, DiskView};
use super::snapshot_index::{merged_page, Merged, Rank, SnapshotIndex};
use crate::core::clock::parse_iso8601;
use crate::core::intern::intern;
use crate::core::kept;
use crate::core::shared::Shared;
use crate::tencent::world::World;

pub use super::model::{PRIVATE_SNAPSHOT as PRIVATE, SHARED_SNAPSHOT as SHARED};

fn not_found(id: &str) -> e::TcError {
    e::InvalidSnapshotId_NotFound(format!("The snapshot `{id}` does not exist."))
}

/// Record a snapshot operation (SNAP_OPERATION_*, ASP_OPERATION_*).
pub fn log_snapshot(store: &mut TcRegion, id: u64, snapshot_id: &str, operator: &str, op: &str, now: i64, done: bool) {
    store.snapshot_logs.insert(SnapshotOpLog {
        id,
        snapshot_id: snapshot_id.into(),
        operator: intern(operator),
        operation: intern(op),
        operation_state: if done { "SUCCESS" } else { "PROCESSING" }.into(),
        start_ms: now,
        end_ms: done.then_some(now),
    });
}

impl Ctx<'_> {
    fn log_snapshot(&mut self, snapshot_id: &str, op: &str, done: bool) -> u64 {
        let id = self.world.next_seq();
        let (uin, now) = (self.uin.to_string(), self.now);
        log_snapshot(self.store(), id, snapshot_id, &uin, op, now, done);
        id
    }

    fn new_snapshot_id(&mut self) -> String {
        loop {
            let id = self.ids.short("snap");
            if !self.world.tencent.values().flat_map(|r| r.values()).any(|s| s.snapshots.contains_key(id.as_str())) {
                return id;
            }
        }
    }
}

/// Where a snapshot visible to `uin` in `region` lives: the caller's own store, or another
/// account's store that shares it with the caller. Returns (owner account, shared?).
pub fn locate(world: &World, account: &str, uin: &str, region: &str, id: &str) -> Option<(String, bool)> {
    if world.tc_ref(account, region).is_some_and(|s| s.snapshots.contains_key(id)) {
        return Some((account.to_string(), false));
    }
    world.tencent.iter().find_map(|(owner, regions)| {
        let snap = regions.get(region)?.snapshots.get(id)?;
        (owner != account && snap.shared_with.contains_key(uin)).then(|| (owner.clone(), true))
    })
}

// ------------------------------------------------------------------------------- CreateSnapshot

pub const CREATE_SNAPSHOT: &[Field] = &[
    req("DiskId", STR),
    opt("SnapshotName", STR),
    opt("Deadline", STR),
    opt("DiskBackupId", STR),
    opt("Tags", TAGS),
    // Newer than the 2023 document, sent by the pinned SDK; accepted and ignored.
    opt("DiskUsage", STR),
    opt("LocalSnap", BOOL),
];

fn parse_deadline(ctx: &Ctx<'_>, s: &str) -> TcResult<i64> {
    let t = parse_iso8601(s).ok_or_else(|| {
        e::InvalidParameterValue(format!("Deadline must be UTC ISO-8601 such as 2022-01-08T09:47:55+00:00; got `{s}`."))
    })?;
    if t <= ctx.now {
        return Err(e::InvalidParameterValue(format!("Deadline `{s}` is not in the future.")));
    }
    Ok(t)
}

pub fn create_snapshot(ctx: &mut Ctx<'_>, p: &Params) -> TcResult<Output> {
    let disk_id = p.str("DiskId").unwrap_or_default().to_string();
    let name = p.str("SnapshotName").unwrap_or("Unnamed").to_string();
    check_name("SnapshotName", &name, 60)?;
    let deadline = p.str("Deadline").map(|d| parse_deadline(ctx, d)).transpose()?;
    let tags: Vec<Tag> = p
        .objs("Tags")
        .into_iter()
        .map(|t| Tag { key: t.str("Key").unwrap_or_default().into(), value: t.str("Value").unwrap_or_default().into() })
        .collect();
    let quota = ctx.cfg.tencent.limits.snapshots_per_disk;
    let now = ctx.now;
    let store = ctx.store();
    let d = find(store, &disk_id)?.clone();
    if !d.snapshot_ability {
        return Err(e::TcError::new("InvalidDisk.NotSupportSnapshot", format!("`{disk_id}` cannot take snapshots.")));
    }
    if d.disk_state == state::TORECYCLE || d.is_expired(now) {
        return Err(e::InvalidDisk_NotSupported(format!("`{disk_id}` is expired or in the recycle bin.")));
    }
    if d.disk_state == state::ROLLBACKING {
        return Err(e::ResourceInUse_DiskRollbacking(format!("`{disk_id}` is rolling back.")));
    }
    if store.snapshots.index().creating(&disk_id) {
        return Err(e::TcError::new(
            "InvalidDisk.SnapshotCreating",
            format!("A snapshot of `{disk_id}` is being created; try again later."),
        ));
    }
    let taken = store.snapshots.index().disk_totals(&disk_id).0;
    if taken >= quota {
        return Err(e::TcError::new(
            "InsufficientSnapshotQuota",
            format!("`{disk_id}` has {taken} snapshots; the quota is {quota} per disk."),
        ));
    }
    if let Some(b) = p.str("DiskBackupId") {
        let backup = store
            .backups
            .get(b)
            .ok_or_else(|| e::ResourceNotFound_NotFound(format!("The backup point `{b}` does not exist.")))?;
        if backup.disk_id != disk_id || backup.disk_backup_state != state::NORMAL {
            return Err(e::ResourceUnavailable_NotSupported(format!(
                "The backup point `{b}` is not a NORMAL backup point of `{disk_id}`."
            )));
        }
    }
    let id = ctx.new_snapshot_id();
    let seq = ctx.world.next_seq();
    let snap = Snapshot { tags, ..Snapshot::of_disk(&d, id.clone(), name, deadline, now, seq) };
    let store = ctx.store();
    // Converting a backup point releases it and its quota.
    if let Some(b) = p.str("DiskBackupId") {
        store.backups.remove(b);
    }
    store.snapshots.insert(id.as_str().into(), Shared::new(snap));
    store.recount_snapshots(&disk_id);
    let log = ctx.log_snapshot(&id, "SNAP_OPERATION_CREATE", false);
    ctx.schedule(TcWork::CreateSnapshot { snapshot_id: id.clone(), log });
    if let Some(dl) = deadline {
        ctx.schedule_at(dl, TcWork::ExpireSnapshot { snapshot_id: id.clone() });
    }
    Ok(Output::new().with("SnapshotId", &id))
}

// ---------------------------------------------------------------------------- DescribeSnapshots

pub const DESCRIBE_SNAPSHOTS: &[Field] = &[
    opt("SnapshotIds", STRS),
    opt("Filters", FILTERS),
    opt("Offset", INT),
    opt("Limit", INT),
    opt("Order", STR),
    opt("OrderField", STR),
];

const SNAPSHOT_FILTERS: &[&str] = &[
    "snapshot-id",
    "snapshot-name",
    "snapshot-state",
    "disk-usage",
    "project-id",
    "disk-id",
    "zone",
    "encrypt",
    "snapshot-type",
];

fn snapshot_matches(s: &Snapshot, shared: bool, f: &query::Filter) -> TcResult<bool> {
    Ok(match f.name.as_str() {
        "snapshot-id" => f.any(|v| v == s.snapshot_id),
        "snapshot-name" => f.any(|v| v == s.snapshot_name),
        "snapshot-state" => f.any(|v| v == s.snapshot_state),
        "disk-usage" => f.any(|v| v == s.disk_usage),
        "disk-id" => f.any(|v| v == s.disk_id),
        "zone" => f.any(|v| v == s.zone),
        "snapshot-type" => f.any(|v| v == if shared { SHARED } else { PRIVATE }),
        "project-id" => f.any_int(|id| id == s.project_id)?,
        _ => f.any_bool(|b| b == s.encrypt)?,
    })
}

pub fn describe_snapshots(ctx: &mut Ctx<'_>, p: &Params) -> TcResult<Output> {
    // A page asked before of the same state is served as it was rendered (core/kept.rs).
    pages::kept_or_rendered(
        ctx,
        "DescribeSnapshots",
        p,
        pages::snapshot_stamps,
        Output::from_kept,
        |ctx| {
            snapshot_page(ctx, p, query::paging, |view, total, hits| {
                let steady = kept::overlap(hits.iter().map(|(s, _)| render::snapshot_steady(s)));
                let set = hits.into_iter().map(|(s, shared)| render::snapshot(view, s, shared));
                let out = Output::new().with("TotalCount", &total);
                (out.with_json("SnapshotSet", |out| render::write_snapshot_set(out, set)), steady)
            })
        },
        |out| Output::kept_bytes(out.fields()),
    )
}

/// DescribeSnapshots' page for `p`, cut where `paging` says, handed to `answer` with its
/// TotalCount and the view that renders it: each snapshot with whether another account shares
/// it with the caller (the gateway writes its own shape of the same page from here).
pub fn snapshot_page<T>(
    ctx: &mut Ctx<'_>,
    p: &Params,
    paging: impl FnOnce(&Params) -> TcResult<(usize, usize)>,
    answer: impl FnOnce(&DiskView<'_>, usize, Vec<(&Snapshot, bool)>) -> T,
) -> TcResult<T> {
    query::ids_xor_filters(p, "SnapshotIds")?;
    let filters = query::filters(p, SNAPSHOT_FILTERS, false)?;
    let paging = paging(p)?;
    let (desc, _) = query::order(p, &["CREATE_TIME"])?;
    let ids = p.strs("SnapshotIds");
    let world: &World = ctx.world;
    let empty = OnceCell::new();
    let own = world.tc_or_empty(ctx.account, ctx.region, &empty);
    let (total, hits) = if ids.is_empty() {
        listed_snapshots(world, own, ctx.account, ctx.uin, ctx.region, &filters, desc, paging)?
    } else {
        named_snapshots(world, ctx.account, ctx.uin, ctx.region, &ids, desc, paging)
    };
    let view = DiskView::new(ctx.cfg, world, ctx.account, ctx.region, ctx.now);
    Ok(answer(&view, total, hits))
}

/// A listed snapshot and whether another account shares it with the caller.
type Seen<'w> = (&'w Snapshot, bool);

/// The snapshots named in `ids` that the caller sees (each looked up, so the cost is the list).
fn named_snapshots<'w>(
    world: &'w World,
    account: &str,
    uin: &str,
    region: &str,
    ids: &[String],
    desc: bool,
    paging: (usize, usize),
) -> (usize, Vec<Seen<'w>>) {
    let mut hits: Vec<Seen<'w>> = Vec::new();
    for id in ids.iter().collect::<BTreeSet<_>>() {
        let Some((owner, shared)) = locate(world, account, uin, region, id) else { continue };
        if let Some(s) = world.tc_ref(&owner, region).and_then(|r| r.snapshots.get(id.as_str())) {
            hits.push((s, shared));
        }
    }
    query::sort_page(hits, |(s, _): &Seen<'_>| (s.created_ms, s.seq), desc, paging)
}

/// The filters the indexes answer (one value: that value's list, its length the total).
fn indexed_filter<'i>(index: &'i SnapshotIndex<Snapshot>, f: &query::Filter) -> Option<&'i [Rank]> {
    let [value] = f.values.as_slice() else { return None };
    let groups = match f.name.as_str() {
        "disk-id" => &index.disk,
        "zone" => &index.zone,
        "snapshot-state" => &index.state,
        "snapshot-name" => &index.name,
        _ => return None,
    };
    Some(groups.get(value.as_str()).map_or(&[][..], |l| l.as_slice()))
}

/// A page of the snapshots the caller sees that pass `filters`: its own, from the indexes
/// (a slice when no filter or one indexed filter applies; else the narrowest indexed list, or
/// every snapshot, tested once), and those other accounts share with it (their groups of the
/// caller's UIN, each tested), merged by rank.
#[allow(clippy::too_many_arguments)]
fn listed_snapshots<'w>(
    world: &'w World,
    own: &'w TcRegion,
    account: &str,
    uin: &str,
    region: &str,
    filters: &[query::Filter],
    desc: bool,
    paging: (usize, usize),
) -> TcResult<(usize, Vec<Seen<'w>>)> {
    let index = own.snapshots.index();
    let snap = |store: &'w TcRegion, seq: u64| store.snapshots.index().rows.get(seq);
    let mut others: Vec<(Rank, Seen<'w>)> = Vec::new();
    for (_, regions) in world.tencent.iter().filter(|(o, _)| *o != account) {
        let Some(store) = regions.get(region) else { continue };
        let Some(list) = store.snapshots.index().shared.get(uin) else { continue };
        others.extend(list.iter(false).filter_map(|&(c, seq)| Some(((c, seq), (snap(store, seq)?, true)))));
    }
    // A filter value that is not an integer or a boolean is an error once any snapshot is seen.
    let first =
        index.all.as_slice().first().and_then(|r| Some((snap(own, r.1)?, false))).or(others.first().map(|o| o.1));
    if let Some((s, shared)) = first {
        for f in filters {
            snapshot_matches(s, shared, f)?;
        }
    }
    let passes = |(s, shared): Seen<'_>, fs: &[&query::Filter]| {
        fs.iter().all(|f| snapshot_matches(s, shared, f).unwrap_or(false))
    };
    let all_filters: Vec<&query::Filter> = filters.iter().collect();
    others.retain(|o| passes(o.1, &all_filters));
    // `snapshot-type` decides whether the caller's own snapshots are in at all.
    let (typed, rest): (Vec<&query::Filter>, Vec<&query::Filter>) =
        filters.iter().partition(|f| f.name == "snapshot-type");
    let own_listed = typed.iter().all(|f| f.any(|v| v == PRIVATE));
    let narrowest = (rest.iter().enumerate())
        .filter_map(|(i, f)| Some((i, indexed_filter(index, f)?)))
        .min_by_key(|(_, list)| list.len());
    let walked: Vec<Rank>;
    let mine: &[Rank] = match narrowest {
        _ if !own_listed => &[],
        None if rest.is_empty() => index.all.as_slice(),
        Some((_, list)) if rest.len() == 1 => list,
        Some((i, list)) => {
            let others_f: Vec<&query::Filter> =
                (rest.iter().enumerate()).filter(|(j, _)| *j != i).map(|(_, f)| *f).collect();
            walked = list
                .iter()
                .copied()
                .filter(|r| snap(own, r.1).is_some_and(|s| passes((s, false), &others_f)))
                .collect();
            &walked
        }
        None => {
            let mut hits: Vec<Rank> = own
                .snapshots
                .values()
                .map(|s| &**s)
                .filter(|s| passes((s, false), &rest))
                .map(|s| (s.created_ms, s.seq))
                .collect();
            hits.sort_unstable();
            walked = hits;
            &walked
        }
    };
    let total = mine.len() + others.len();
    let page = merged_page(mine, &others, paging, desc)
        .into_iter()
        .filter_map(|m| match m {
            Merged::Big((_, seq)) => Some((snap(own, seq)?, false)),
            Merged::Small(seen) => Some(seen),
        })
        .collect();
    Ok((total, page))
}

// ------------------------------------------------------------------------------ DeleteSnapshots

pub const DELETE_SNAPSHOTS: &[Field] = &[req("SnapshotIds", STRS), opt("DeleteBindImages", BOOL)];

/// Remove a snapshot and keep its disk's counters right.
pub fn remove_snapshot(store: &mut TcRegion, id: &str) {
    if let Some(s) = store.snapshots.remove(id) {
        store.recount_snapshots(&s.disk_id);
    }
}

pub fn delete_snapshots(ctx: &mut Ctx<'_>, p: &Params) -> TcResult<Output> {
    let ids = p.strs("SnapshotIds");
    let mut seen = BTreeSet::new();
    let store = ctx.store();
    for id in &ids {
        if !seen.insert(id) {
            return Err(e::InvalidParameterValue(format!("`SnapshotIds` lists `{id}` more than once.")));
        }
        let s = store.snapshots.get(id.as_str()).ok_or_else(|| not_found(id))?;
        match &*s.snapshot_state {
            state::NORMAL => {}
            state::CREATING => {
                return Err(e::TcError::new(
                    "ResourceUnavailable.SnapshotCreating",
                    format!("The snapshot `{id}` is still being created."),
                ))
            }
            other => {
                return Err(e::TcError::new(
                    "InvalidSnapshot.NotSupported",
                    format!("The snapshot `{id}` is {other}; only NORMAL snapshots can be deleted."),
                ))
            }
        }
        if !s.shared_with.is_empty() {
            return Err(e::TcError::new(
                "UnsupportedOperation.SnapHasShared",
                format!("The snapshot `{id}` is shared; cancel the sharing first."),
            ));
        }
        if !s.copying_to.is_empty() {
            return Err(e::ResourceBusy(format!(
                "The snapshot `{id}` is being copied to {}.",
                s.copying_to.join(", ")
            )));
        }
    }
    for id in &ids {
        remove_snapshot(ctx.store(), id);
        ctx.log_snapshot(id, "SNAP_OPERATION_DELETE", true);
    }
    Ok(Output::new())
}

// -------------------------------------------------------------------------------- ApplySnapshot

pub const APPLY_SNAPSHOT: &[Field] =
    &[req("SnapshotId", STR), req("DiskId", STR), opt("AutoStopInstance", BOOL), opt("AutoStartInstance", BOOL)];

pub fn apply_snapshot(ctx: &mut Ctx<'_>, p: &Params) -> TcResult<Output> {
    let snap_id = p.str("SnapshotId").unwrap_or_default().to_string();
    let disk_id = p.str("DiskId").unwrap_or_default().to_string();
    let auto_stop = p.bool("AutoStopInstance").unwrap_or(false);
    let store = ctx.store();
    let s = store.snapshots.get(snap_id.as_str()).ok_or_else(|| not_found(&snap_id))?.clone();
    let d = find(store, &disk_id)?.clone();
    if s.disk_id != disk_id {
        return Err(e::InvalidParameterValue(format!(
            "The snapshot `{snap_id}` was taken of `{}`; it can only roll back onto its own disk.",
            s.disk_id
        )));
    }
    if s.snapshot_state == state::CREATING {
        return Err(e::TcError::new(
            "ResourceUnavailable.SnapshotCreating",
            format!("`{snap_id}` is still being created."),
        ));
    }
    if d.disk_state == state::ROLLBACKING {
        return Err(e::ResourceInUse_DiskRollbacking(format!("`{disk_id}` is already rolling back.")));
    }
    if s.snapshot_state != state::NORMAL {
        return Err(e::TcError::new(
            "InvalidSnapshot.NotSupported",
            format!("`{snap_id}` is {}, not NORMAL.", s.snapshot_state),
        ));
    }
    if d.is_busy() || d.migrating || d.disk_state == state::TORECYCLE {
        return Err(e::InvalidDisk_Busy(format!("`{disk_id}` is {}; try again later.", d.disk_state)));
    }
    if s.disk_size != d.disk_size {
        return Err(e::TcError::new(
            "InvalidParameter.DiskSizeNotMatch",
            format!("`{disk_id}` is {} GB but the snapshot was taken at {} GB.", d.disk_size, s.disk_size),
        ));
    }
    if d.portable && !d.attached_to.is_empty() {
        return Err(e::InvalidDisk_Busy(format!("`{disk_id}` is attached; detach it before rolling back.")));
    }
    if !d.portable {
        let running =
            d.attached_to.first().and_then(|i| store.instances.get(i)).is_some_and(|i| i.instance_state == "RUNNING");
        if running && !auto_stop {
            return Err(e::InvalidInstance_NotSupported(format!(
                "The instance of `{disk_id}` must be shut down before rolling back (or pass AutoStopInstance)."
            )));
        }
    }
    store.disks.get_mut(disk_id.as_str()).expect("checked").disk_state = state::ROLLBACKING.into();
    store.snapshots.get_mut(snap_id.as_str()).expect("checked").snapshot_state = state::ROLLBACKING.into();
    let log = ctx.log_snapshot(&snap_id, "SNAP_OPERATION_ROLLBACK", false);
    ctx.schedule(TcWork::RollbackSnapshot { disk_id, snapshot_id: snap_id, log });
    Ok(Output::new())
}

// ---------------------------------------------------------------------- ModifySnapshotAttribute

pub const MODIFY_SNAPSHOT_ATTRIBUTE: &[Field] =
    &[req("SnapshotId", STR), opt("SnapshotName", STR), opt("IsPermanent", BOOL), opt("Deadline", STR)];

pub fn modify_snapshot_attribute(ctx: &mut Ctx<'_>, p: &Params) -> TcResult<Output> {
    let id = p.str("SnapshotId").unwrap_or_default().to_string();
    if let Some(n) = p.str("SnapshotName") {
        check_name("SnapshotName", n, 60)?;
    }
    let deadline = p.str("Deadline").map(|d| parse_deadline(ctx, d)).transpose()?;
    let permanent = p.bool("IsPermanent");
    if permanent == Some(true) && deadline.is_some() {
        return Err(e::InvalidParameterValue("IsPermanent=TRUE cannot be combined with a Deadline."));
    }
    let s = ctx.store().snapshots.get(id.as_str()).ok_or_else(|| not_found(&id))?.clone();
    if !s.shared_with.is_empty() {
        return Err(e::TcError::new(
            "UnsupportedOperation.SnapHasShared",
            format!("`{id}` is shared and cannot be changed."),
        ));
    }
    if permanent == Some(false) && deadline.is_none() && s.deadline_ms.is_none() {
        return Err(e::InvalidParameterValue("A non-permanent snapshot needs a Deadline."));
    }
    if let Some(mut snap) = ctx.store().snapshots.get_mut(id.as_str()) {
        if let Some(n) = p.str("SnapshotName") {
            snap.snapshot_name = n.to_string();
        }
        if permanent == Some(true) {
            snap.is_permanent = true;
            snap.deadline_ms = None;
        }
        if permanent == Some(false) {
            snap.is_permanent = false;
        }
        if let Some(dl) = deadline {
            snap.is_permanent = false;
            snap.deadline_ms = Some(dl);
        }
    }
    if let Some(dl) = deadline {
        ctx.schedule_at(dl, TcWork::ExpireSnapshot { snapshot_id: id.clone() });
    }
    ctx.log_snapshot(&id, "SNAP_OPERATION_MODIFY", true);
    Ok(Output::new())
}

// --------------------------------------------------------------------- CopySnapshotCrossRegions

pub const COPY_SNAPSHOT_CROSS_REGIONS: &[Field] =
    &[req("DestinationRegions", STRS), opt("SnapshotId", STR), opt("SnapshotName", STR)];

pub fn copy_snapshot_cross_regions(ctx: &mut Ctx<'_>, p: &Params) -> TcResult<Output> {
    // The table marks SnapshotId optional, but without it there is nothing to copy.
    let src_id = p
        .str("SnapshotId")
        .ok_or_else(|| e::MissingParameter("The request is missing a required parameter `SnapshotId`."))?
        .to_string();
    let regions = p.strs("DestinationRegions");
    check_destinations(ctx, &regions)?;
    if let Some(n) = p.str("SnapshotName") {
        check_name("SnapshotName", n, 60)?;
    }
    let src = ctx.store().snapshots.get(src_id.as_str()).ok_or_else(|| not_found(&src_id))?.clone();
    check_copyable(&src_id, &src, &regions)?;
    let region_name = ctx.cfg.region(ctx.region).map(|r| r.name.clone()).unwrap_or_default();
    let name = p.str("SnapshotName").map_or_else(|| format!("Copied {src_id} from {region_name}"), str::to_string);
    let mut results = Vec::new();
    for r in &regions {
        results.push(start_copy(ctx, &src_id, &src, &name, r));
    }
    ctx.log_snapshot(&src_id, "SNAP_OPERATION_COPY", true);
    Ok(Output::new().with("SnapshotCopyResultSet", &results))
}

/// Each destination a known region, not the snapshot's own, listed once.
fn check_destinations(ctx: &Ctx<'_>, regions: &[String]) -> TcResult<()> {
    let mut seen = BTreeSet::new();
    for r in regions {
        if ctx.cfg.region(r).is_none() {
            return Err(e::InvalidParameterValue(format!("`{r}` is not a region that supports snapshots.")));
        }
        if r == ctx.region {
            return Err(e::InvalidParameterValue(format!("`{r}` is the snapshot's own region.")));
        }
        if !seen.insert(r) {
            return Err(e::InvalidParameterValue(format!("`{r}` is listed more than once.")));
        }
    }
    Ok(())
}

/// Only a NORMAL snapshot of this region, not already on its way to one of the destinations.
fn check_copyable(src_id: &str, src: &Snapshot, regions: &[String]) -> TcResult<()> {
    if src.snapshot_state != state::NORMAL {
        return Err(e::TcError::new(
            "InvalidSnapshot.NotSupported",
            format!("`{src_id}` is {}, not NORMAL.", src.snapshot_state),
        ));
    }
    if src.copy_from_remote {
        return Err(e::TcError::new(
            "UnsupportedOperation.SnapshotNotSupportCopy",
            format!("`{src_id}` is itself a cross-region copy."),
        ));
    }
    for r in regions {
        if src.copying_to.contains(r) {
            return Err(e::TcError::new(
                "ResourceInUse.CopySnapshotConflict",
                format!("`{src_id}` is already being copied to {r}."),
            ));
        }
    }
    Ok(())
}

/// Put the copy in region `r` (COPYING_FROM_REMOTE until its job ends) and mark the source.
fn start_copy(ctx: &mut Ctx<'_>, src_id: &str, src: &Snapshot, name: &str, r: &str) -> render::CopyResult {
    let id = ctx.new_snapshot_id();
    let seq = ctx.world.next_seq();
    let zone = ctx.cfg.region(r).and_then(|x| x.zones.first().cloned()).unwrap_or_default();
    let copy = Snapshot {
        snapshot_id: id.clone(),
        snapshot_name: name.to_string(),
        snapshot_state: "COPYING_FROM_REMOTE".into(),
        zone: intern(&zone),
        copy_from_remote: true,
        copying_to: vec![],
        shared_with: Default::default(),
        time_start_share_ms: None,
        auto_policy_id: None,
        created_ms: ctx.now,
        seq,
        ..src.clone()
    };
    ctx.world.tc(ctx.account, r).snapshots.insert(id.as_str().into(), Shared::new(copy));
    let gate = crate::core::timing::Gate::new(ctx.timing, ctx.now);
    ctx.world.schedule(
        ctx.account,
        r,
        gate,
        TcWork::CopySnapshot {
            snapshot_id: id.clone(),
            source_region: ctx.region.to_string(),
            source_snapshot_id: src_id.to_string(),
            checking: false,
        },
    );
    ctx.store().snapshots.get_mut(src_id).expect("checked").copying_to.push(r.to_string());
    render::copy_result(id, r.to_string())
}

// -------------------------------------------------------------------------------- Share / unshare

pub const MODIFY_SNAPSHOTS_SHARE_PERMISSION: &[Field] =
    &[req("AccountIds", STRS), req("Permission", STR), req("SnapshotIds", STRS)];

pub fn modify_snapshots_share_permission(ctx: &mut Ctx<'_>, p: &Params) -> TcResult<Output> {
    let accounts = p.strs("AccountIds");
    let ids = p.strs("SnapshotIds");
    let share = match p.str("Permission") {
        Some("SHARE") => true,
        Some("CANCEL") => false,
        other => {
            return Err(e::InvalidParameter(format!(
                "Permission must be SHARE or CANCEL; got `{}`.",
                other.unwrap_or("")
            )))
        }
    };
    let known: BTreeSet<&str> =
        ctx.cfg.accounts.iter().filter_map(|a| a.tencent.as_ref()).map(|t| t.uin.as_str()).collect();
    for a in &accounts {
        if a == ctx.uin {
            return Err(e::InvalidParameter("A snapshot cannot be shared with its own account."));
        }
        if share && !known.contains(a.as_str()) {
            return Err(e::InvalidParameter(format!("The account `{a}` does not exist.")));
        }
    }
    let store = ctx.store();
    for id in &ids {
        let s = store.snapshots.get(id.as_str()).ok_or_else(|| not_found(id))?;
        if !share {
            continue;
        }
        if s.disk_usage != DATA_DISK {
            return Err(e::TcError::new(
                "InvalidSnapshot.NotSupported",
                format!("`{id}` is a system disk snapshot; only data disk snapshots can be shared."),
            ));
        }
        if s.snapshot_state != state::NORMAL {
            return Err(e::TcError::new(
                "InvalidSnapshot.NotSupported",
                format!("`{id}` is {}, not NORMAL.", s.snapshot_state),
            ));
        }
        if s.encrypt {
            return Err(e::TcError::new(
                "InvalidSnapshot.NotSupported",
                format!("`{id}` is encrypted and cannot be shared."),
            ));
        }
        let after: BTreeSet<&str> =
            s.shared_with.keys().map(String::as_str).chain(accounts.iter().map(String::as_str)).collect();
        if after.len() > 50 {
            return Err(e::ResourceInsufficient_OverQuota(format!(
                "`{id}` would be shared with {} accounts; at most 50.",
                after.len()
            )));
        }
    }
    let now = ctx.now;
    for id in &ids {
        let Some(mut s) = ctx.store().snapshots.get_mut(id.as_str()) else { continue };
        for a in &accounts {
            if share {
                s.shared_with.entry(a.clone()).or_insert(now);
            } else {
                s.shared_with.remove(a);
            }
        }
        if share && s.time_start_share_ms.is_none() {
            s.time_start_share_ms = Some(now);
        }
        if s.shared_with.is_empty() {
            s.time_start_share_ms = None;
        }
        drop(s);
        ctx.log_snapshot(id, "SNAP_OPERATION_MODIFY", true);
    }
    Ok(Output::new())
}

pub const DESCRIBE_SNAPSHOT_SHARE_PERMISSION: &[Field] = &[req("SnapshotId", STR)];

pub fn describe_snapshot_share_permission(ctx: &mut Ctx<'_>, p: &Params) -> TcResult<Output> {
    let id = p.str("SnapshotId").unwrap_or_default();
    let s = ctx.store().snapshots.get(id).ok_or_else(|| not_found(id))?;
    let set: Vec<_> = s.shared_with.iter().map(|(uin, at)| render::share_permission(uin, *at)).collect();
    Ok(Output::new().with("SharePermissionSet", &set))
}

// ------------------------------------------------------------------------------ GetSnapOverview

pub const GET_SNAP_OVERVIEW: &[Field] = &[];

pub fn get_snap_overview(ctx: &mut Ctx<'_>, _p: &Params) -> TcResult<Output> {
    let free = ctx.cfg.tencent.limits.snapshot_free_quota_gb;
    let store = ctx.store();
    let nums = store.snapshots.len();
    // (An empty f64 sum is -0.0; fold from +0.0 so an empty account reports 0.)
    let total_gb: f64 = store.snapshots.values().fold(0.0, |acc, s| acc + s.disk_size as f64);
    Ok(Output::new()
        .with("TotalSize", &total_gb)
        .with("RealTradeSize", &(total_gb - free).max(0.0))
        .with("FreeQuota", &free)
        .with("TotalNums", &nums))
}

// ------------------------------------------------------------------ DescribeSnapshotOperationLogs

/// Deprecated and undocumented in the seed, like DescribeDiskOperationLogs: Filters
/// (`snapshot-id`, required), BeginTime, EndTime.
pub const DESCRIBE_SNAPSHOT_OPERATION_LOGS: &[Field] =
    &[req("Filters", FILTERS), opt("BeginTime", STR), opt("EndTime", STR)];

pub fn describe_snapshot_operation_logs(ctx: &mut Ctx<'_>, p: &Params) -> TcResult<Output> {
    let filters = query::filters(p, &["snapshot-id"], false)?;
    let ids: Vec<String> = filters.iter().flat_map(|f| f.values.iter().cloned()).collect();
    if ids.is_empty() {
        return Err(e::MissingParameter("The filter `snapshot-id` is required."));
    }
    let (begin, end) = time_window(p)?;
    let set: Vec<_> = ctx
        .store()
        .snapshot_logs
        .values()
        .filter(|l| ids.iter().any(|i| **i == *l.snapshot_id) && l.start_ms >= begin && l.start_ms <= end)
        .map(render::snapshot_log)
        .collect();
    Ok(Output::new().with("SnapshotOperationLogSet", &set))
}

/// For CreateDisks: the snapshot a new disk starts from (own, or shared with the caller).
pub fn source_for_disk(ctx: &Ctx<'_>, id: &str) -> TcResult<Snapshot> {
    let (owner, _) = locate(ctx.world, ctx.account, ctx.uin, ctx.region, id).ok_or_else(|| not_found(id))?;
    let s = ctx.world.tc_ref(&owner, ctx.region).and_then(|r| r.snapshots.get(id)).ok_or_else(|| not_found(id))?;
    if s.snapshot_state != state::NORMAL {
        return Err(e::InvalidParameterValue(format!("The snapshot `{id}` is {}, not NORMAL.", s.snapshot_state)));
    }
    if s.disk_usage == SYSTEM_DISK {
        return Err(e::InvalidParameterValue(format!(
            "The snapshot `{id}` is a system disk snapshot; disks are created from data disk snapshots."
        )));
    }
    Ok(Snapshot::clone(s))
}
