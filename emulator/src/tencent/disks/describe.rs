//! The disk queries: DescribeDisks, DescribeInstancesDiskNum, DescribeDiskOperationLogs.

use std::cell::OnceCell;

use super::super::ctx::{Ctx, Output};
use super::super::disk_index::{DiskIndex, Rank, Union};
use super::super::disk_input::{at_most, time_window};
use super::super::error::{self as e, TcResult};
use super::super::model::{Disk, TcRegion};
use super::super::pages;
use super::super::params::{opt, req, Field, Params, BOOL, FILTERS, INT, STR, STRS};
use super::super::query::{self, Filter};
use super::super::render::{self, DiskView};
use crate::core::kept;
use crate::core::key::Key;

pub const DESCRIBE_DISKS: &[Field] = &[
    opt("DiskIds", STRS),
    opt("Filters", FILTERS),
    opt("Offset", INT),
    opt("Limit", INT),
    opt("Order", STR),
    opt("OrderField", STR),
    opt("ReturnBindAutoSnapshotPolicy", BOOL),
];

const DISK_FILTERS: &[&str] = &[
    "disk-usage",
    "disk-charge-type",
    "portable",
    "project-id",
    "disk-id",
    "disk-name",
    "disk-type",
    "disk-state",
    "instance-id",
    "zone",
    "instance-ip-address",
    "instance-name",
    "tag-key",
    "tag-value",
];

fn disk_matches(store: &TcRegion, d: &Disk, f: &Filter) -> TcResult<bool> {
    let instances = || d.attached_to.iter().filter_map(|i| store.instances.get(i));
    Ok(match f.name.as_str() {
        "disk-usage" => f.any(|v| v == d.disk_usage),
        "disk-charge-type" => f.any(|v| v == d.disk_charge_type),
        "portable" => f.any_bool(|b| b == d.portable)?,
        "project-id" => f.any_int(|id| id == d.project_id)?,
        "disk-id" => f.any(|v| v == d.disk_id),
        "disk-name" => f.any(|v| v == d.disk_name),
        "disk-type" => f.any(|v| v == d.disk_type),
        "disk-state" => f.any(|v| v == d.disk_state),
        "instance-id" => f.any(|v| d.attached_to.iter().any(|i| i == v)),
        "zone" => f.any(|v| v == d.zone),
        "instance-ip-address" => f.any(|v| {
            instances().any(|i| i.private_ip_addresses.iter().chain(&i.public_ip_addresses).any(|ip| ip == v))
        }),
        "instance-name" => f.any(|v| instances().any(|i| i.instance_name == v)),
        "tag-key" => f.any(|v| d.tags.iter().any(|t| t.key == v)),
        "tag-value" => f.any(|v| d.tags.iter().any(|t| t.value == v)),
        name => {
            let key = &name[4..];
            f.any(|v| d.tags.iter().any(|t| t.key == key && t.value == v))
        }
    })
}

pub fn describe_disks(ctx: &mut Ctx<'_>, p: &Params) -> TcResult<Output> {
    // A page asked before of the same state is served as it was rendered (core/kept.rs).
    pages::kept_or_rendered(
        ctx,
        "DescribeDisks",
        p,
        pages::disk_stamps,
        Output::from_kept,
        |ctx| {
            disk_page(ctx, p, query::paging, |view, total, hits| {
                let steady = kept::overlap(hits.iter().map(|d| view.steady(d)));
                let set = hits.into_iter().map(|d| view.disk(d));
                let out = Output::new().with("TotalCount", &total);
                (out.with_json("DiskSet", |out| render::write_disk_set(out, set)), steady)
            })
        },
        |out| Output::kept_bytes(out.fields()),
    )
}

/// DescribeDisks' page for `p` (its ID list or Filters, its order), cut where `paging` says,
/// handed to `answer` with its TotalCount and the view that renders its disks. The gateway
/// writes its own shape of the same disks from here, without DescribeDisks' JSON in between.
pub fn disk_page<T>(
    ctx: &mut Ctx<'_>,
    p: &Params,
    paging: impl FnOnce(&Params) -> TcResult<(usize, usize)>,
    answer: impl FnOnce(&DiskView<'_>, usize, Vec<&Disk>) -> T,
) -> TcResult<T> {
    query::ids_xor_filters(p, "DiskIds")?;
    let filters = query::filters(p, DISK_FILTERS, true)?;
    let paging = paging(p)?;
    let (desc, field) = query::order(p, &["CREATE_TIME", "DEADLINE"])?;
    let ids = p.str_items("DiskIds");
    if ids.len() > 100 {
        return Err(e::InvalidParameterValue_LimitExceeded("DiskIds may list at most 100 disks."));
    }
    let world: &crate::tencent::world::World = ctx.world;
    let empty = OnceCell::new();
    let store = world.tc_or_empty(ctx.account, ctx.region, &empty);
    let by_deadline = field == Some("DEADLINE");
    let (total, hits) = if ids.is_empty() {
        listed_page(store, &filters, by_deadline, desc, paging)?
    } else {
        ids_page(store, &ids, by_deadline, desc, paging)
    };
    let view = disk_view(ctx, world, p);
    Ok(answer(&view, total, hits))
}

/// How DescribeDisks renders a disk for this request.
fn disk_view<'v>(ctx: &'v Ctx<'_>, world: &'v crate::tencent::world::World<'v>, p: &Params) -> DiskView<'v> {
    DiskView::new(ctx.cfg, world, ctx.account, ctx.region, ctx.now)
        .with_policies(p.bool("ReturnBindAutoSnapshotPolicy").unwrap_or(false))
}

/// Every disk DescribeDisks would list for `p` (its ID list or Filters, its order; paging aside)
/// that `keep` also says yes to, handed to `answer` with the view that renders them. For a
/// search the indexes cannot answer (the gateway's `Fuzzy`): `keep` is tested on the kept disks
/// first, in the order the map keeps them, and only the disks that pass are sorted.
pub fn describe_disks_where<T>(
    ctx: &mut Ctx<'_>,
    p: &Params,
    keep: &dyn Fn(&Disk) -> bool,
    answer: impl FnOnce(&DiskView<'_>, Vec<&Disk>) -> T,
) -> TcResult<T> {
    query::ids_xor_filters(p, "DiskIds")?;
    let filters = query::filters(p, DISK_FILTERS, true)?;
    let (desc, field) = query::order(p, &["CREATE_TIME", "DEADLINE"])?;
    let ids = p.str_items("DiskIds");
    if ids.len() > 100 {
        return Err(e::InvalidParameterValue_LimitExceeded("DiskIds may list at most 100 disks."));
    }
    let world: &crate::tencent::world::World = ctx.world;
    let empty = OnceCell::new();
    let store = world.tc_or_empty(ctx.account, ctx.region, &empty);
    let by_deadline = field == Some("DEADLINE");
    let everything = (0, usize::MAX);
    let (_, mut hits) = if ids.is_empty() {
        check_filters(store, &filters)?;
        let kept: Vec<&Disk> = (store.disks.values())
            .map(|d| &**d)
            .filter(|d| !d.creating && keep(d) && filters.iter().all(|f| disk_matches(store, d, f).unwrap_or(false)))
            .collect();
        query::sort_page(kept, |d| rank(d, by_deadline), desc, everything)
    } else {
        ids_page(store, &ids, by_deadline, desc, everything)
    };
    hits.retain(|d| keep(d));
    let view = disk_view(ctx, world, p);
    Ok(answer(&view, hits))
}

/// A filter value that is not an integer or a boolean is an error once any disk is tested.
fn check_filters(store: &TcRegion, filters: &[Filter]) -> TcResult<()> {
    let index = store.disks.index();
    let first = index.all.by(false).iter(false).next().and_then(|&(_, seq)| index.row(seq));
    if let Some(d) = first {
        for f in filters {
            disk_matches(store, d, f)?;
        }
    }
    Ok(())
}

/// The sources the indexes give for `filters`, each with the filters it answers: every `zone`
/// and `disk-state` filter together (any number of values: the union of the (zone, state)
/// pairs they allow), and each one-value `instance-id` filter.
fn indexed<'i>(index: &'i DiskIndex<Disk>, filters: &[Filter], by_deadline: bool) -> Vec<(Union<'i>, Vec<usize>)> {
    let mut out = Vec::new();
    let pair: Vec<usize> =
        (0..filters.len()).filter(|&i| matches!(filters[i].name.as_str(), "zone" | "disk-state")).collect();
    if !pair.is_empty() {
        let allows = |name: &str, v: &str| {
            pair.iter().map(|&i| &filters[i]).filter(|f| f.name == name).all(|f| f.values.iter().any(|x| x == v))
        };
        let union = index.zone_state.union(|(z, s)| allows("zone", z) && allows("disk-state", s), by_deadline);
        out.push((union, pair));
    }
    for (i, f) in filters.iter().enumerate() {
        if let ("instance-id", [value]) = (f.name.as_str(), f.values.as_slice()) {
            out.push((index.instance.by(value.as_str(), by_deadline).into(), vec![i]));
        }
    }
    out
}

/// A page of the listed disks that pass `filters`. No filter, or only filters the indexes
/// answer together, costs the page; otherwise the narrowest indexed source is walked in order
/// once, or, when no filter is indexed, every disk is tested once and the matches sorted.
fn listed_page<'s>(
    store: &'s TcRegion,
    filters: &[Filter],
    by_deadline: bool,
    desc: bool,
    (offset, limit): (usize, usize),
) -> TcResult<(usize, Vec<&'s Disk>)> {
    let index = store.disks.index();
    let disk = |&(_, seq): &Rank| -> &'s Disk { index.row(seq).expect("indexed disks are held") };
    check_filters(store, filters)?;
    let narrowest = indexed(index, filters, by_deadline).into_iter().min_by_key(|(source, _)| source.len());
    let (source, rest): (Union<'_>, Vec<&Filter>) = match narrowest {
        None if filters.is_empty() => (index.all.by(by_deadline).into(), Vec::new()),
        None => return Ok(scan(store, filters, by_deadline, desc, (offset, limit))),
        Some((source, answered)) => {
            (source, filters.iter().enumerate().filter(|(j, _)| !answered.contains(j)).map(|(_, f)| f).collect())
        }
    };
    if rest.is_empty() {
        let page = source.page(offset, limit, desc).into_iter().map(disk).collect();
        return Ok((source.len(), page));
    }
    let mut total = 0;
    let mut page = Vec::new();
    for rank in source.iter(desc) {
        let d = disk(rank);
        if rest.iter().all(|f| disk_matches(store, d, f).unwrap_or(false)) {
            if total >= offset && page.len() < limit {
                page.push(d);
            }
            total += 1;
        }
    }
    Ok((total, page))
}

/// Filters no index answers: one pass over the disks, then a sort of the matches.
fn scan<'s>(
    store: &'s TcRegion,
    filters: &[Filter],
    by_deadline: bool,
    desc: bool,
    paging: (usize, usize),
) -> (usize, Vec<&'s Disk>) {
    let hits: Vec<&Disk> = (store.disks.values())
        .map(|d| &**d)
        .filter(|d| !d.creating && filters.iter().all(|f| disk_matches(store, d, f).unwrap_or(false)))
        .collect();
    query::sort_page(hits, |d| rank(d, by_deadline), desc, paging)
}

fn rank(d: &Disk, by_deadline: bool) -> Rank {
    match by_deadline {
        true => (d.deadline_ms.unwrap_or(i64::MAX), d.seq),
        false => (d.created_ms, d.seq),
    }
}

/// A page of the listed disks named in `ids` (at most 100, so sorting them is the page's cost).
/// They are ranked from the index (one hash probe an ID), and only the page's own disks are
/// read, by their number from the rows the index holds.
fn ids_page<'s>(
    store: &'s TcRegion,
    ids: &[&str],
    by_deadline: bool,
    desc: bool,
    (offset, limit): (usize, usize),
) -> (usize, Vec<&'s Disk>) {
    let index = store.disks.index();
    let mut hits: Vec<Rank> = Vec::with_capacity(ids.len());
    hits.extend(ids.iter().filter_map(|&id| index.ranks(&Key::from(id)).map(|r| r.rank(by_deadline))));
    // No two disks share a rank (the seq breaks ties), so an ID named twice is a repeated rank.
    hits.sort_unstable();
    hits.dedup();
    let total = hits.len();
    let read = |&(_, seq): &Rank| -> &'s Disk { index.row(seq).expect("indexed disks are held") };
    let page = match desc {
        true => hits.iter().rev().skip(offset).take(limit).map(read).collect(),
        false => hits.iter().skip(offset).take(limit).map(read).collect(),
    };
    (total, page)
}

pub const DESCRIBE_INSTANCES_DISK_NUM: &[Field] = &[req("InstanceIds", STRS)];

pub fn describe_instances_disk_num(ctx: &mut Ctx<'_>, p: &Params) -> TcResult<Output> {
    let ids = p.strs("InstanceIds");
    at_most("InstanceIds", &ids, 100)?;
    let store = ctx.store();
    let mut out = Vec::new();
    for id in &ids {
        let inst = store
            .instances
            .get(id)
            .ok_or_else(|| e::InvalidInstanceId_NotFound(format!("The instance `{id}` does not exist.")))?;
        out.push(render::attach_detail(id, store.attached_data_disks(id), inst.max_data_disk_count));
    }
    Ok(Output::new().with("AttachDetail", &out))
}

/// Deprecated and undocumented in the seed; the inputs are those of the last SDK releases that
/// carried it: Filters (`disk-id`, required, at most 10 IDs), BeginTime, EndTime.
pub const DESCRIBE_DISK_OPERATION_LOGS: &[Field] =
    &[req("Filters", FILTERS), opt("BeginTime", STR), opt("EndTime", STR)];

pub fn describe_disk_operation_logs(ctx: &mut Ctx<'_>, p: &Params) -> TcResult<Output> {
    let filters = query::filters(p, &["disk-id"], false)?;
    let ids: Vec<String> = filters.iter().flat_map(|f| f.values.iter().cloned()).collect();
    if ids.is_empty() {
        return Err(e::MissingParameter("The filter `disk-id` is required."));
    }
    at_most("disk-id", &ids, 10)?;
    let (begin, end) = time_window(p)?;
    let logs: Vec<_> = ctx
        .store()
        .disk_logs
        .values()
        .filter(|l| ids.iter().any(|i| **i == *l.disk_id) && l.start_ms >= begin && l.start_ms <= end)
        .map(render::disk_log)
        .collect();
    Ok(Output::new().with("DiskOperationLogSet", &logs))
}

#[cfg(test)]
mod tests {
    use super::{ids_page, listed_page, scan};
    use crate::core::change::Table;
    use crate::core::key::Key;
    use crate::core::shared::Shared;
    use crate::tencent::model::{Disk, TcRegion};
    use crate::tencent::query::Filter;
    use proptest::prelude::*;
    use serde_json::json;

    const ZONES: [&str; 3] = ["zone-a", "zone-b", "zone-c"];
    const STATES: [&str; 3] = ["UNATTACHED", "ATTACHED", "EXPANDING"];

    fn disk(i: u64, zone: usize, state: usize, dated: bool, creating: bool) -> (Key, Shared<Disk>) {
        let id = format!("disk-{:08}", (i * 7919) % 100_000);
        let d = serde_json::from_value(json!({
            "disk_id": id, "disk_name": "d", "disk_type": "CLOUD_SSD", "disk_usage": "DATA_DISK",
            "disk_charge_type": "POSTPAID_BY_HOUR", "disk_state": STATES[state], "disk_size": 20,
            "portable": true, "attached_to": if state == 1 { vec![format!("ins-{}", i % 2)] } else { vec![] },
            "shareable": false, "attach_mode": null, "zone": ZONES[zone], "project_id": 0, "encrypt": false,
            "delete_with_instance": false, "renew_flag": null,
            "deadline_ms": if dated { Some((i * 31 % 7) as i64) } else { None },
            "snapshot_ability": true, "snapshot_count": 0, "snapshot_size_mb": 0, "migrating": false,
            "throughput_performance": 0, "burst_performance": false, "backup_disk": false, "delete_snapshot": 0,
            "disk_backup_quota": 0, "tags": [], "created_ms": (i / 3) as i64, "last_attach_instance": null,
            "error_prompt": null, "source_snapshot_id": null, "auto_snapshot_policy_ids": [], "creating": creating,
            "seq": i
        }))
        .unwrap();
        (Key::from(id), Shared::new(d))
    }

    fn filter(name: &str, pick: &[bool], names: &[&str]) -> Filter {
        let values = names.iter().zip(pick).filter(|(_, p)| **p).map(|(n, _)| n.to_string()).collect();
        Filter { name: name.into(), values }
    }

    /// Account B's kept page survives account A's writes in the same region (a new disk, a
    /// returned prepaid disk) and goes with B's own: what makes B's reads wait for nobody's
    /// writes but B's (issue 14, "reads do not wait for other tenants").
    #[test]
    fn another_accounts_writes_keep_a_kept_page() {
        use crate::core::kept::KeptPages;
        use crate::tencent::pages::{ask as page_ask, disk_stamps};
        use crate::tencent::params::Params;

        let mut whole = crate::world::World::default();
        let mut world = whole.tencent_part();
        for (i, account) in ["a", "b"].into_iter().enumerate() {
            let (id, d) = disk(i as u64, 0, 0, false, false);
            world.tc(account, "gz").disks.insert(id, d);
        }
        let pages = KeptPages::default();
        let page = Params::default();
        let ask = |world: &crate::tencent::World<'_>| {
            page_ask("DescribeDisks", "b", "gz", &page, disk_stamps(world, "b", "gz").unwrap())
        };
        let served = |world: &crate::tencent::World<'_>| pages.lookup(&ask(world), 0, |_| ()).is_some();
        pages.keep(ask(&world), Some((0, 1)), bytes::Bytes::from_static(b"\"TotalCount\":1"));
        assert!(served(&world));

        let (id, d) = disk(7, 1, 1, true, true);
        world.tc("a", "gz").disks.insert(id, d);
        assert!(served(&world), "A's new disk threw B's page away");
        *world.tencent_refunds.entry_or_default("a".into()) += 1;
        assert!(served(&world), "A's returned disk threw B's page away");

        *world.tencent_refunds.entry_or_default("b".into()) += 1;
        assert!(!served(&world), "B's own returned disk changes IsReturnable on B's page");
        pages.keep(ask(&world), Some((0, 1)), bytes::Bytes::from_static(b"\"TotalCount\":1"));
        let (id, d) = disk(8, 1, 1, true, true);
        world.tc("b", "gz").disks.insert(id, d);
        assert!(!served(&world), "B's new disk is on B's page");
    }

    proptest! {
        /// Every page the indexes answer (zone and state together, with any values, alone or
        /// with an instance) is the page of testing every disk and sorting the matches.
        #[test]
        fn an_indexed_page_equals_a_plain_scan(
            disks in proptest::collection::vec((0usize..3, 0usize..3, any::<bool>(), 0u8..10), 0..120),
            zones in proptest::collection::vec(any::<bool>(), 3),
            states in proptest::collection::vec(any::<bool>(), 3),
            which in 0u8..6,
            offset in 0usize..130,
            limit in 0usize..40,
            desc in any::<bool>(),
            by_deadline in any::<bool>(),
        ) {
            let table: Table<Key, Shared<Disk>> = (disks.iter().enumerate())
                .map(|(i, &(z, s, dated, c))| disk(i as u64, z, s, dated, c == 0))
                .collect();
            let store = TcRegion { disks: table.into(), ..TcRegion::default() };
            let zone = filter("zone", &zones, &ZONES);
            let state = filter("disk-state", &states, &STATES);
            let instance = Filter { name: "instance-id".into(), values: vec!["ins-1".into()] };
            let usage = Filter { name: "disk-usage".into(), values: vec!["DATA_DISK".into()] };
            let filters = match which {
                0 => vec![zone],
                1 => vec![state],
                2 => vec![zone, state],
                3 => vec![state, instance, zone],
                4 => vec![zone, usage, state.clone(), state],
                _ => vec![],
            };
            let seqs = |(n, page): (usize, Vec<&Disk>)| (n, page.iter().map(|d| d.seq).collect::<Vec<_>>());
            let want = seqs(scan(&store, &filters, by_deadline, desc, (offset, limit)));
            let got = seqs(listed_page(&store, &filters, by_deadline, desc, (offset, limit)).unwrap());
            prop_assert_eq!(got, want);
        }

        /// A `DiskIds` page (ranked by the index's by-ID map) is the page of testing every disk
        /// for one of the IDs and sorting the matches: unknown and repeated IDs, disks still
        /// being created, both orders; the store built at once, or disk by disk and then changed
        /// (created disks finished, deadlines moved, disks removed), which the map must follow.
        #[test]
        fn an_ids_page_equals_a_plain_scan(
            disks in proptest::collection::vec((0usize..3, any::<bool>(), 0u8..10), 0..80),
            picks in proptest::collection::vec(0u64..100, 0..40),
            changes in proptest::collection::vec((0u64..80, 0u8..3), 0..20),
            one_by_one in any::<bool>(),
            offset in 0usize..50,
            limit in 0usize..30,
            desc in any::<bool>(),
            by_deadline in any::<bool>(),
        ) {
            let rows = (disks.iter().enumerate()).map(|(i, &(s, dated, c))| disk(i as u64, i % 3, s, dated, c == 0));
            let mut store = TcRegion::default();
            if one_by_one {
                for (id, d) in rows {
                    store.disks.insert(id, d);
                }
                for (i, change) in changes {
                    let id = disk(i, 0, 0, false, false).0;
                    match change {
                        0 => drop(store.disks.remove(&id)),
                        1 => if let Some(mut d) = store.disks.get_mut(&id) { d.creating = false },
                        _ => if let Some(mut d) = store.disks.get_mut(&id) { d.deadline_ms = Some(i as i64 % 5) },
                    }
                }
            } else {
                let table: Table<Key, Shared<Disk>> = rows.collect();
                store.disks = table.into();
            }
            let ids: Vec<String> = picks.iter().map(|&i| disk(i, 0, 0, false, false).0.to_string()).collect();
            let by_id = Filter { name: "disk-id".into(), values: ids.clone() };
            let seqs = |(n, page): (usize, Vec<&Disk>)| (n, page.iter().map(|d| d.seq).collect::<Vec<_>>());
            let want = seqs(scan(&store, &[by_id], by_deadline, desc, (offset, limit)));
            let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
            let got = seqs(ids_page(&store, &ids, by_deadline, desc, (offset, limit)));
            prop_assert_eq!(got, want);
        }
    }
}
