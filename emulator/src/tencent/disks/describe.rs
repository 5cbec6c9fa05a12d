//! The disk queries: DescribeDisks, DescribeInstancesDiskNum, DescribeDiskOperationLogs.

use super::super::ctx::{Ctx, Output};
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
    let empty = TcRegion::default();
    let store = world.tc_ref(ctx.account, ctx.region).unwrap_or(&empty);
    let mut hits: Vec<&Disk> = Vec::new();
    for d in store.disks.values().filter(|d| !d.creating) {
        if !ids.is_empty() && !ids.contains(&d.disk_id) {
            continue;
        }
        let mut ok = true;
        for f in &filters {
            ok &= disk_matches(store, d, f)?;
        }
        if ok {
            hits.push(d);
        }
    }
    let key = |d: &&Disk| match field {
        Some("DEADLINE") => (d.deadline_ms.unwrap_or(i64::MAX), d.seq),
        _ => (d.created_ms, d.seq),
    };
    let (total, hits) = query::sort_page(hits, key, desc, paging);
    let view = DiskView {
        cfg: ctx.cfg,
        world,
        account: ctx.account,
        region: ctx.region,
        now: ctx.now,
        with_policies: p.bool("ReturnBindAutoSnapshotPolicy").unwrap_or(false),
    };
    let set: Vec<_> = hits.into_iter().map(|d| view.disk(d)).collect();
    Ok(Output::new().with("TotalCount", &total).with("DiskSet", &set))
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
        .filter(|l| ids.contains(&l.disk_id) && l.start_ms >= begin && l.start_ms <= end)
        .map(render::disk_log)
        .collect();
    Ok(Output::new().with("DiskOperationLogSet", &logs))
}
