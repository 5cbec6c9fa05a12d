//! The snapshot actions of seed 002: CreateSnapshot, DescribeSnapshot, RollbackSnapshot and
//! DeleteSnapshot.

use serde_json::Value;

use super::ctx::{Ctx, Fields};
use super::error::{self as e, UcsResult};
use super::model::{disk_status, snapshot_status, UcsDisk, UcsRegion, UcsSnapshot, UcsWork, VM_STOPPED};
use super::pages::{self, SnapshotQuery};
use super::protocol::Params;
use super::render::{self, fields};
use crate::core::index::Ordered;
use crate::core::search::Needle;
use crate::core::shared::Shared;

/// `Name`: the seed gives no limit; the API guide (v1.16) limits it to 30 characters.
pub const NAME_MAX: usize = 30;
/// `Remark`: "限制字符长度100".
pub const REMARK_MAX: usize = 100;
pub const TYPES: &[&str] = &["Manual", "Automatic"];

fn disk<'s>(ctx: &'s mut Ctx<'_>, id: &str) -> UcsResult<&'s UcsDisk> {
    ctx.store().disks.get(id).ok_or_else(|| e::disk_not_found(id))
}

// ------------------------------------------------------------------------------ CreateSnapshot

pub fn create_snapshot(ctx: &mut Ctx<'_>, p: &Params<'_>) -> UcsResult<Fields> {
    let name = p.text("Name", NAME_MAX, true)?.unwrap_or_default();
    let disk_id = p.req("DiskID")?.to_string();
    let remark = p.text("Remark", REMARK_MAX, false)?.unwrap_or_default();
    let kind = p.opt("Type").filter(|t| !t.is_empty()).unwrap_or("Manual").to_string();
    if !TYPES.contains(&kind.as_str()) {
        return Err(e::invalid("Type", format!("must be Manual or Automatic; got `{kind}`")));
    }
    let d = disk(ctx, &disk_id)?.clone();
    // "Only unbound and bound disks can be snapshotted; not while upgrading or snapshotting."
    if !d.is_resting() {
        return Err(e::disk_state(format!(
            "Disk [{disk_id}] is {}; snapshots are taken of Unbound or Bound disks",
            d.status
        )));
    }
    let project = ctx.project(p, "ProjectID", Some(&d.project_id))?;
    let id = ctx.new_id("snap");
    let seq = ctx.world.next_seq();
    let snap = UcsSnapshot {
        snapshot_id: id.clone(),
        name,
        remark,
        status: snapshot_status::CREATEING.into(),
        kind,
        disk_id: disk_id.clone(),
        disk_type: d.disk_type.clone(),
        project_id: project,
        size: d.size,
        created_ms: ctx.now,
        seq,
    };
    let store = ctx.store();
    store.snapshots.insert(id.as_str().into(), Shared::new(snap));
    store.disks.get_mut(&disk_id).expect("checked").status = disk_status::SNAPSHOTING.into();
    ctx.schedule(UcsWork::CreateSnapshot { snapshot_id: id.clone(), disk_id });
    Ok(fields([("SnapshotID", Value::String(id))]))
}

// ---------------------------------------------------------------------------- DescribeSnapshot

fn matches_keyword(s: &UcsSnapshot, keyword: &Needle) -> bool {
    keyword.found_in(&s.name) || keyword.found_in(&s.snapshot_id)
}

pub fn describe_snapshot(ctx: &mut Ctx<'_>, p: &Params<'_>) -> UcsResult<Fields> {
    let (offset, limit) = p.paging()?;
    let ids = p.list("SnapshotIDs")?;
    let projects = p.list("ProjectIDs")?;
    let disk_id = p.opt("DiskID").filter(|v| !v.is_empty());
    let keyword = p.opt("Keyword").and_then(Needle::new);
    // A page asked before of the same state is served as it was rendered (core/kept.rs).
    let q = SnapshotQuery { offset, limit, ids: &ids, projects: &projects, disk_id, keyword: keyword.as_ref() };
    Ok(pages::kept_or_rendered(ctx, &q, |ctx| snapshot_page(ctx, &q)))
}

/// DescribeSnapshot's page for `q`, rendered.
fn snapshot_page(ctx: &Ctx<'_>, q: &SnapshotQuery<'_>) -> Fields {
    let SnapshotQuery { offset, limit, ids, projects, disk_id, keyword } = *q;
    let empty = Default::default();
    let store = ctx.world.ucs_ref(ctx.account, ctx.region).unwrap_or(&empty);
    let keeps = |s: &UcsSnapshot| {
        (ids.is_empty() || ids.contains(&s.snapshot_id))
            && (projects.is_empty() || projects.contains(&s.project_id))
            && disk_id.is_none_or(|d| d == s.disk_id)
            && keyword.is_none_or(|k| matches_keyword(s, k))
    };
    let (total, page) = if !ids.is_empty() {
        // Named snapshots: looked up one by one, then listed newest first as the console does.
        let mut hits: Vec<&UcsSnapshot> = Vec::new();
        for id in ids {
            if let Some(s) = store.snapshots.get(id.as_str()).filter(|s| keeps(s)) {
                if !hits.iter().any(|h| h.snapshot_id == s.snapshot_id) {
                    hits.push(s);
                }
            }
        }
        hits.sort_by_key(|s| std::cmp::Reverse((s.created_ms, s.seq)));
        (hits.len(), hits.into_iter().skip(offset).take(limit).collect())
    } else {
        newest_first(
            store,
            projects,
            disk_id,
            keyword.map(|_| &keeps as &dyn Fn(&UcsSnapshot) -> bool),
            (offset, limit),
        )
    };
    render::page(total, page.into_iter(), |out, s| render::snapshot(ctx, store, s).write_json(out))
}

/// The snapshots newest first from the region's index: the disk's list when `DiskID` names
/// one, else the project's when `ProjectIDs` names one (or names every project that has
/// snapshots: then all of them), else all. A page of such a list costs the page; what the list
/// does not decide (more projects, `Keyword`) is checked entry by entry, so it costs the list.
fn newest_first<'s>(
    store: &'s UcsRegion,
    projects: &[String],
    disk_id: Option<&str>,
    keyword: Option<&dyn Fn(&UcsSnapshot) -> bool>,
    (offset, limit): (usize, usize),
) -> (usize, Vec<&'s UcsSnapshot>) {
    let ix = store.snapshots.index();
    let empty = Ordered::default();
    let every_project = projects.is_empty()
        || (ix.project_count() <= projects.len() && ix.by_project.groups().all(|g| projects.iter().any(|p| p == g)));
    let (list, residual_projects) = match (disk_id, projects) {
        (Some(d), _) => (ix.by_disk.get(d).unwrap_or(&empty), !every_project),
        (None, _) if every_project => (&ix.all, false),
        (None, [one]) => (ix.by_project.get(one.as_str()).unwrap_or(&empty), false),
        (None, _) => (&ix.all, true),
    };
    let snapshot = |&(_, seq): &(i64, u64)| ix.rows.get(seq);
    if !residual_projects && keyword.is_none() {
        return (list.len(), list.page(offset, limit, true).filter_map(snapshot).collect());
    }
    let keep =
        |s: &UcsSnapshot| (!residual_projects || projects.contains(&s.project_id)) && keyword.is_none_or(|k| k(s));
    if std::ptr::eq(list, &ix.all) {
        // Every snapshot is tested: read them where they are kept (no lookup by id per entry),
        // then sort the matches.
        let mut hits: Vec<&UcsSnapshot> = store.snapshots.values().map(|s| &**s).filter(|s| keep(s)).collect();
        hits.sort_unstable_by_key(|s| std::cmp::Reverse((s.created_ms, s.seq)));
        return (hits.len(), hits.into_iter().skip(offset).take(limit).collect());
    }
    let mut total = 0;
    let mut page = Vec::new();
    for s in list.iter(true).filter_map(snapshot) {
        let keep = keep(s);
        if keep {
            if total >= offset && page.len() < limit {
                page.push(s);
            }
            total += 1;
        }
    }
    (total, page)
}

// ---------------------------------------------------------------------------- RollbackSnapshot

pub fn rollback_snapshot(ctx: &mut Ctx<'_>, p: &Params<'_>) -> UcsResult<Fields> {
    let disk_id = p.req("DiskID")?.to_string();
    let snap_id = p.req("SnapshotID")?.to_string();
    let store = ctx.store();
    let s = store.snapshots.get(snap_id.as_str()).ok_or_else(|| e::snapshot_not_found(&snap_id))?;
    let d = store.disks.get(&disk_id).ok_or_else(|| e::disk_not_found(&disk_id))?;
    if s.disk_id != disk_id {
        return Err(e::invalid(
            "DiskID",
            format!("snapshot [{snap_id}] was taken of disk [{}], not [{disk_id}]", s.disk_id),
        ));
    }
    if s.status != snapshot_status::NORMAL {
        return Err(e::snapshot_state(format!(
            "Snapshot [{snap_id}] is {}; only Normal snapshots can be rolled back",
            s.status
        )));
    }
    if !d.is_resting() {
        return Err(e::disk_state(format!("Disk [{disk_id}] is {}; try again when it is Unbound or Bound", d.status)));
    }
    // "The disk must be unbound, or the VM it is mounted on shut down."
    if let Some(vm_id) = &d.attached_to {
        let state = store.vms.get(vm_id).map_or("", |v| v.state.as_str());
        if state != VM_STOPPED {
            return Err(e::vm_state(format!(
                "Disk [{disk_id}] is bound to VM [{vm_id}], which is {state}; stop the VM or unbind the disk first"
            )));
        }
    }
    store.snapshots.get_mut(snap_id.as_str()).expect("checked").status = snapshot_status::ROLLBACKING.into();
    store.disks.get_mut(&disk_id).expect("checked").status = disk_status::ROLLBACKING.into();
    ctx.schedule(UcsWork::RollbackSnapshot { snapshot_id: snap_id, disk_id });
    Ok(Fields::new())
}

// ------------------------------------------------------------------------------ DeleteSnapshot

/// "Only Normal snapshots can be deleted"; a deleted snapshot is released at once and is gone
/// from DescribeSnapshot.
pub fn delete_snapshot(ctx: &mut Ctx<'_>, p: &Params<'_>) -> UcsResult<Fields> {
    let snap_id = p.req("SnapshotID")?.to_string();
    let store = ctx.store();
    let s = store.snapshots.get(snap_id.as_str()).ok_or_else(|| e::snapshot_not_found(&snap_id))?;
    if s.status != snapshot_status::NORMAL {
        return Err(e::snapshot_state(format!(
            "Snapshot [{snap_id}] is {}; only Normal snapshots can be deleted",
            s.status
        )));
    }
    store.snapshots.remove(snap_id.as_str());
    Ok(Fields::new())
}

#[cfg(test)]
mod tests {
    use super::{matches_keyword, newest_first};
    use crate::core::change::Table;
    use crate::core::key::Key;
    use crate::core::search::Needle;
    use crate::core::shared::Shared;
    use crate::ucloudstack::model::{UcsRegion, UcsSnapshot};
    use proptest::prelude::*;

    proptest! {
        /// A `Keyword` page (with or without disk and projects) is the page of testing every
        /// snapshot and sorting the matches newest first.
        #[test]
        fn a_keyword_page_equals_a_plain_scan(
            snaps in proptest::collection::vec((0i64..20, 0usize..3, 0usize..3, "[aAbB]{0,3}"), 0..80),
            keyword in "[aAbB]{1,2}",
            projects in proptest::collection::vec(0usize..3, 0..3),
            disk in proptest::option::of(0usize..3),
            offset in 0usize..90,
            limit in 0usize..30,
        ) {
            let table: Table<Key, Shared<UcsSnapshot>> = (snaps.iter().enumerate())
                .map(|(i, (at, d, p, name))| {
                    let id = format!("snap-{:04}", (i * 37) % 1000);
                    let s = UcsSnapshot {
                        snapshot_id: id.clone(), name: name.clone(), remark: String::new(),
                        status: "Available".into(), kind: "Manual".into(), disk_id: format!("disk-{d}"),
                        disk_type: "Data".into(), project_id: format!("p{p}"), size: 10, created_ms: *at,
                        seq: i as u64,
                    };
                    (Key::from(id), Shared::new(s))
                })
                .collect();
            let store = UcsRegion { snapshots: table.into(), ..UcsRegion::default() };
            let projects: Vec<String> = projects.iter().map(|p| format!("p{p}")).collect();
            let disk = disk.map(|d| format!("disk-{d}"));
            let needle = Needle::new(&keyword).unwrap();
            let other_filters = |s: &UcsSnapshot| {
                (projects.is_empty() || projects.contains(&s.project_id))
                    && disk.as_ref().is_none_or(|d| *d == s.disk_id)
            };
            let keep = |s: &UcsSnapshot| other_filters(s) && matches_keyword(s, &needle);
            // The plain scan: the keyword in the lowered name or ID, as the docs say.
            let plain = |s: &UcsSnapshot| {
                let k = keyword.to_lowercase();
                other_filters(s) && (s.name.to_lowercase().contains(&k) || s.snapshot_id.to_lowercase().contains(&k))
            };
            let mut want: Vec<&UcsSnapshot> = store.snapshots.values().map(|s| &**s).filter(|s| plain(s)).collect();
            want.sort_by_key(|s| std::cmp::Reverse((s.created_ms, s.seq)));
            let want_total = want.len();
            let want: Vec<u64> = want.into_iter().skip(offset).take(limit).map(|s| s.seq).collect();
            let (total, page) =
                newest_first(&store, &projects, disk.as_deref(), Some(&keep), (offset, limit));
            prop_assert_eq!(total, want_total);
            prop_assert_eq!(page.iter().map(|s| s.seq).collect::<Vec<_>>(), want);
        }
    }
}
