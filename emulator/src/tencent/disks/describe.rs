//! The disk queries: DescribeDisks, DescribeInstancesDiskNum, DescribeDiskOperationLogs.

use super::super::ctx::{Ctx, Output};
use super::super::disk_index::{DiskIndex, List, Rank};
use super::super::disk_input::{at_most, time_window};
use super::super::error::{self as e, TcResult};
use super::super::model::{Disk, TcRegion};
use super::super::params::{opt, req, Field, Params, BOOL, FILTERS, INT, STR, STRS};
use super::super::query::{self, Filter};
use super::super::render::{self, DiskView};

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
    query::ids_xor_filters(p, "DiskIds")?;
    let filters = query::filters(p, DISK_FILTERS, true)?;
    let paging = query::paging(p)?;
    let (desc, field) = query::order(p, &["CREATE_TIME", "DEADLINE"])?;
    let ids = p.strs("DiskIds");
    if ids.len() > 100 {
        return Err(e::InvalidParameterValue_LimitExceeded("DiskIds may list at most 100 disks."));
    }
    let world: &crate::tencent::world::World = ctx.world;
    // An empty region is only built when there is none (building and dropping one showed in
    // the profile of every page: docs/performance.md).
    let empty;
    let store = match world.tc_ref(ctx.account, ctx.region) {
        Some(store) => store,
        None => {
            empty = TcRegion::default();
            &empty
        }
    };
    let by_deadline = field == Some("DEADLINE");
    let (total, hits) = if ids.is_empty() {
        listed_page(store, &filters, by_deadline, desc, paging)?
    } else {
        ids_page(store, &ids, by_deadline, desc, paging)
    };
    let view = DiskView {
        cfg: ctx.cfg,
        world,
        account: ctx.account,
        region: ctx.region,
        now: ctx.now,
        with_policies: p.bool("ReturnBindAutoSnapshotPolicy").unwrap_or(false),
    };
    let set: Vec<_> = hits.into_iter().map(|d| view.disk(d)).collect();
    Ok(Output::new().with("TotalCount", &total).with_json("DiskSet", |out| render::write_disk_set(out, &set)))
}

/// The filters the indexes answer (one value: that value's list, its length the total).
fn indexed<'i>(index: &'i DiskIndex, f: &Filter, by_deadline: bool) -> Option<List<'i>> {
    let [value] = f.values.as_slice() else { return None };
    let groups = match f.name.as_str() {
        "zone" => &index.zone,
        "disk-state" => &index.state,
        "instance-id" => &index.instance,
        _ => return None,
    };
    Some(groups.by(value, by_deadline))
}

/// A page of the listed disks that pass `filters`. No filter, or one the indexes answer, costs
/// the page; otherwise the narrowest indexed list is walked in order once, or, when no filter
/// is indexed, every disk is tested once and the matches sorted.
fn listed_page<'s>(
    store: &'s TcRegion,
    filters: &[Filter],
    by_deadline: bool,
    desc: bool,
    (offset, limit): (usize, usize),
) -> TcResult<(usize, Vec<&'s Disk>)> {
    let index = store.disks.index();
    let disk = |&(_, seq): &Rank| -> &'s Disk {
        index.id(seq).and_then(|id| store.disks.get(id)).expect("indexed disks exist")
    };
    // A filter value that is not an integer or a boolean is an error once any disk is tested.
    if let Some(first) = index.all.by(false).iter(false).next() {
        for f in filters {
            disk_matches(store, disk(first), f)?;
        }
    }
    let narrowest = (filters.iter().enumerate())
        .filter_map(|(i, f)| Some((i, indexed(index, f, by_deadline)?)))
        .min_by_key(|(_, list)| list.len());
    let (source, rest): (List<'_>, Vec<&Filter>) = match narrowest {
        None if filters.is_empty() => (index.all.by(by_deadline), Vec::new()),
        None => return Ok(scan(store, filters, by_deadline, desc, (offset, limit))),
        Some((i, list)) => (list, filters.iter().enumerate().filter(|(j, _)| *j != i).map(|(_, f)| f).collect()),
    };
    if rest.is_empty() {
        let page = source.page(offset, limit, desc).map(disk).collect();
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
fn ids_page<'s>(
    store: &'s TcRegion,
    ids: &[String],
    by_deadline: bool,
    desc: bool,
    paging: (usize, usize),
) -> (usize, Vec<&'s Disk>) {
    let mut hits: Vec<&Disk> = ids.iter().filter_map(|id| store.visible_disk(id)).collect();
    hits.sort_by_key(|d| d.seq);
    hits.dedup_by_key(|d| d.seq);
    query::sort_page(hits, |d| rank(d, by_deadline), desc, paging)
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
