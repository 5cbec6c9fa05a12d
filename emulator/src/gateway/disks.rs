//! `/v1/tencent/disk/*` (seed 001): create, list, inspect, update, resize, logs, delete, attach,
//! detach — each over its Tencent action.

use bytes::Bytes;
use serde_json::{json, Value};

use super::envelope::{self, GwError, GwResult};
use super::listing::{self, pass};
use super::session::{Gw, Reply};
use super::shape;
use crate::config::Config;
use crate::core::kept::{self, Window};
use crate::core::search::Needle;
use crate::tencent::disks::{describe_disks_where, disk_page, size_range, DISK_CHARGE_PREPAID, PLACEMENT};
use crate::tencent::error::TcResult;
use crate::tencent::json;
use crate::tencent::model::{state, Disk, DATA_DISK, POSTPAID, PREPAID};
use crate::tencent::pages;
use crate::tencent::params::{opt, req, Field, Params, Ty, BOOL, FILTERS, INT, STR, STRS, TAGS};
use crate::tencent::render::DiskView;
use crate::tencent::Ctx;

fn done() -> GwResult<Reply> {
    Ok(Reply::Data(shape::empty()))
}

fn no_duplicates(field: &str, ids: &[String]) -> GwResult<()> {
    for (i, id) in ids.iter().enumerate() {
        if ids[..i].contains(id) {
            return Err(GwError::new("InvalidParameterValue", format!("`{field}` lists `{id}` more than once.")));
        }
    }
    Ok(())
}

/// The per-disk operations a console offers, from the disk's state, type and charge type:
///
/// - a disk is *usable* when no operation is in flight on it (not ATTACHING, DETACHING,
///   EXPANDING, ROLLBACKING, not changing type), it is not in the recycle bin and not expired;
/// - `IsModify`: usable and prepaid (the subscription — renewal, configuration — can be changed;
///   a pay-as-you-go disk has none, as the seed's example shows);
/// - `IsExpand`: usable, elastic, and below its type's largest size;
/// - `IsDetach`: usable elastic data disk that is ATTACHED;
/// - `IsDelete`: usable elastic data disk that is UNATTACHED (what TerminateDisks accepts).
///
/// Returns (`IsModify`, `IsExpand`, `IsDetach`, `IsDelete`).
pub fn properties(cfg: &Config, d: &Disk, now: i64) -> (bool, bool, bool, bool) {
    let usable = !d.is_busy() && !d.migrating && d.disk_state != state::TORECYCLE && !d.is_expired(now);
    let elastic_data = d.portable && d.disk_usage == DATA_DISK;
    let max = cfg.disk_type(&d.disk_type).map_or(0, |s| size_range(s, &d.disk_usage).1);
    (
        usable && d.disk_charge_type == PREPAID,
        usable && d.portable && d.disk_size < max,
        usable && elastic_data && d.disk_state == state::ATTACHED,
        usable && elastic_data && d.disk_state == state::UNATTACHED,
    )
}

// ---------------------------------------------------------------------------------- disk/create

pub const DISK_CREATE: &[Field] = &[
    req("DiskType", STR),
    opt("DiskChargeType", STR),
    req("Placement", Ty::Obj(PLACEMENT)),
    opt("DiskName", STR),
    opt("DiskCount", INT),
    opt("DiskChargePrepaid", Ty::Obj(DISK_CHARGE_PREPAID)),
    req("DiskSize", INT),
    opt("SnapshotId", STR),
    opt("ClientToken", STR),
    opt("Encrypt", STR),
    opt("Tags", TAGS),
    opt("Shareable", BOOL),
];

/// The table marks DiskChargeType required, the seed's example leaves it out and the disk it
/// creates lists as POSTPAID_BY_HOUR: that is the default.
pub fn disk_create(gw: &mut Gw<'_>, p: &Params) -> GwResult<Reply> {
    let mut input = p.to_map();
    input.entry("DiskChargeType").or_insert_with(|| json!(POSTPAID));
    gw.call("CreateDisks", Value::Object(input))?;
    done()
}

// ------------------------------------------------------------------------------------ disk/list

pub const DISK_LIST: &[Field] = &[
    opt("DiskIds", STRS),
    opt("Filters", FILTERS),
    opt("Offset", INT),
    opt("Limit", INT),
    opt("Order", STR),
    opt("OrderField", STR),
    opt("ReturnBindAutoSnapshotPolicy", BOOL),
    opt("State", STR),
    opt("AutoSnapshotPolicyId", STR),
    opt("Fuzzy", STR),
    opt("Zone", STR),
    opt("PageNum", INT),
    opt("PageSize", INT),
];

/// `Disk.DiskState` values of the CBS documentation.
const DISK_STATES: &[&str] =
    &["UNATTACHED", "ATTACHING", "ATTACHED", "DETACHING", "EXPANDING", "ROLLBACKING", "TORECYCLE", "DUMPING"];

pub fn disk_list(gw: &mut Gw<'_>, p: &Params) -> GwResult<Reply> {
    let window = listing::window(p, true)?;
    if let Some(s) = p.str("State") {
        if !DISK_STATES.contains(&s) {
            return Err(GwError::new(
                "InvalidParameterValue",
                format!("State must be one of {}; got `{s}`.", DISK_STATES.join(", ")),
            ));
        }
    }
    if let Some(z) = p.str("Zone") {
        if !gw.cfg.region(&gw.region).is_some_and(|r| r.zones.iter().any(|x| x == z)) {
            return Err(GwError::new(
                "InvalidParameterValue",
                format!("The zone `{z}` is not in region {}.", gw.region),
            ));
        }
    }
    let mut input = pass(p, &["DiskIds", "Filters", "Order", "OrderField"]);
    listing::default_ascending(&mut input);
    input.insert("ReturnBindAutoSnapshotPolicy".into(), json!(true));
    let region = gw.region.clone();
    let with_policies = p.bool("ReturnBindAutoSnapshotPolicy").unwrap_or(false);
    let (cfg, now) = (gw.cfg, gw.now);
    // The page is written straight from the disks DescribeDisks picks, in the shape shape::disk
    // gives their DescribeDisks JSON (docs/performance.md), with the virtual times over which it
    // reads the same, for the kept pages (core/kept.rs): `properties` reads the clock only for
    // expiry, which a disk's steady window never crosses.
    let write = |view: &DiskView<'_>, total: usize, page: &[&Disk]| {
        let steady = kept::overlap(page.iter().map(|d| view.steady(d)));
        let body = envelope::ok_with(page.len() * 1100 + 96, |out| {
            out.extend_from_slice(b"{\"TotalCount\":");
            json::int(out, i64::try_from(total).unwrap_or(i64::MAX));
            out.extend_from_slice(b",\"List\":[");
            for (i, d) in page.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                shape::write_disk(out, &view.disk(d), with_policies);
            }
            out.extend_from_slice(b"],\"Properties\":[");
            for (i, d) in page.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                shape::write_properties(out, properties(cfg, d, now));
            }
            out.extend_from_slice(b"]}");
        });
        (Bytes::from(body), steady)
    };
    // A page asked before of the same state is served as it was rendered, whichever way below
    // made it; the key is the gateway's own parameters, which decide the way.
    let kept = |ctx: &mut Ctx<'_>, render: &dyn Fn(&mut Ctx<'_>) -> TcResult<(Bytes, Window)>| {
        pages::kept_or_rendered(ctx, "gateway disk/list", p, pages::disk_stamps, Bytes::clone, render, Bytes::clone)
    };
    let body = match window {
        // State and Zone are DescribeDisks' `disk-state` and `zone` filters (the same fields
        // compared the same way), so without a search, a policy or an ID list (which Filters
        // cannot join) DescribeDisks' own paging over its indexes cuts the page.
        (skip, Some(take)) if !listing::has_fuzzy(p) && !p.has("AutoSnapshotPolicyId") && !p.has("DiskIds") => {
            let mut filters = listing::list(p, "Filters");
            if let Some(s) = p.str("State") {
                filters.push(json!({"Name": "disk-state", "Values": [s]}));
            }
            if let Some(z) = p.str("Zone") {
                filters.push(json!({"Name": "zone", "Values": [z]}));
            }
            if !filters.is_empty() {
                input.insert("Filters".into(), Value::Array(filters));
            }
            gw.with_action(&region, "DescribeDisks", Value::Object(input), |ctx, tp| {
                kept(ctx, &|ctx| {
                    disk_page(ctx, tp, |_| Ok((skip, take)), |view, total, page| write(view, total, &page))
                })
            })?
        }
        _ => {
            // The gateway's own filters are tested on the kept disks, so only the page is
            // rendered; a search tests every listed disk (no index answers a substring).
            let (state, zone, policy) = (p.str("State"), p.str("Zone"), p.str("AutoSnapshotPolicyId"));
            let needle = p.str("Fuzzy").and_then(Needle::new);
            let keep = |d: &Disk| {
                state.is_none_or(|s| *d.disk_state == *s)
                    && zone.is_none_or(|z| *d.zone == *z)
                    && policy.is_none_or(|id| d.auto_snapshot_policy_ids.iter().any(|x| x == id))
                    && needle.as_ref().is_none_or(|n| n.found_in(&d.disk_name) || n.found_in(&d.disk_id))
            };
            gw.with_action(&region, "DescribeDisks", Value::Object(input), |ctx, tp| {
                kept(ctx, &|ctx| {
                    describe_disks_where(ctx, tp, &keep, |view, hits| {
                        let total = hits.len();
                        write(view, total, &listing::cut(hits, window))
                    })
                })
            })?
        }
    };
    Ok(Reply::Kept(body))
}

// --------------------------------------------------------------------------------- disk/inspect

pub const DISK_INSPECT: &[Field] = &[
    req("DiskIds", STRS),
    opt("Filters", FILTERS),
    opt("Offset", INT),
    opt("Limit", INT),
    opt("Order", STR),
    opt("OrderField", STR),
    opt("ReturnBindAutoSnapshotPolicy", BOOL),
];

/// One disk's details (`data` is the disk itself), so exactly one ID.
pub fn disk_inspect(gw: &mut Gw<'_>, p: &Params) -> GwResult<Reply> {
    let ids = p.strs("DiskIds");
    if ids.len() != 1 {
        return Err(GwError::new(
            "InvalidParameterValue",
            format!("disk/inspect shows one disk; `DiskIds` names {}.", ids.len()),
        ));
    }
    let v = gw.call("DescribeDisks", Value::Object(p.to_map()))?;
    let disk = v["DiskSet"]
        .as_array()
        .and_then(|a| a.first())
        .ok_or_else(|| GwError::new("InvalidDiskId.NotFound", format!("The disk `{}` does not exist.", ids[0])))?;
    Ok(Reply::Data(shape::disk(disk, p.bool("ReturnBindAutoSnapshotPolicy").unwrap_or(false))))
}

// ---------------------------------------------------------------------------------- disk/update

pub const DISK_UPDATE: &[Field] = &[
    req("DiskIds", STRS),
    opt("ProjectId", INT),
    opt("DiskName", STR),
    opt("Portable", BOOL),
    opt("DeleteWithInstance", BOOL),
    opt("DiskType", STR),
];

pub fn disk_update(gw: &mut Gw<'_>, p: &Params) -> GwResult<Reply> {
    gw.call("ModifyDiskAttributes", Value::Object(p.to_map()))?;
    done()
}

// ---------------------------------------------------------------------------------- disk/resize

pub const DISK_RESIZE: &[Field] = &[req("DiskIds", STRS), req("DiskSize", INT)];

/// ResizeDisk takes one disk; every listed disk grows to DiskSize, or none does.
pub fn disk_resize(gw: &mut Gw<'_>, p: &Params) -> GwResult<Reply> {
    let ids = p.strs("DiskIds");
    no_duplicates("DiskIds", &ids)?;
    let size = p.int("DiskSize").unwrap_or_default();
    gw.call_each("ResizeDisk", &ids, |id| json!({"DiskId": id, "DiskSize": size}))?;
    done()
}

// ------------------------------------------------------------------------------- disk/logs/list

pub const DISK_LOGS_LIST: &[Field] = &[
    opt("Filters", FILTERS),
    opt("BeginTime", STR),
    opt("EndTime", STR),
    req("DiskId", STR),
    opt("Fuzzy", STR),
    opt("PageNum", INT),
    opt("PageSize", INT),
];

/// Answers with the Tencent-style body seed 001 documents (`{"Response": {...}}`, not the
/// gateway envelope), kept on purpose; TotalCount (in the returns table) is added to it.
pub fn disk_logs_list(gw: &mut Gw<'_>, p: &Params) -> GwResult<Reply> {
    let window = listing::window(p, false)?;
    let disk_id = p.str("DiskId").unwrap_or_default();
    let mut filters = vec![json!({"Name": "disk-id", "Values": [disk_id]})];
    filters.extend(listing::list(p, "Filters"));
    let mut input = pass(p, &["BeginTime", "EndTime"]);
    input.insert("Filters".into(), Value::Array(filters));
    let v = gw.call("DescribeDiskOperationLogs", Value::Object(input))?;
    let logs = v["DiskOperationLogSet"].as_array().cloned().unwrap_or_default();
    let logs = listing::fuzzy(logs, p, &["Operation", "OperationState", "Operator"]);
    let total = logs.len();
    let set: Vec<Value> = listing::cut(logs, window).into_iter().map(|l| shape::disk_log(&l)).collect();
    let request_id = crate::core::ids::request_uuid();
    Ok(Reply::Raw(shape::disk_logs_response(&request_id, total, set)))
}

// --------------------------------------------------------------------- disk/delete, attach, detach

pub const DISK_DELETE: &[Field] = &[req("DiskIds", STRS)];

pub fn disk_delete(gw: &mut Gw<'_>, p: &Params) -> GwResult<Reply> {
    gw.call("TerminateDisks", Value::Object(p.to_map()))?;
    done()
}

pub const DISK_ATTACH: &[Field] = &[req("DiskIds", STRS), req("InstanceId", STR), opt("DeleteWithInstance", BOOL)];

pub fn disk_attach(gw: &mut Gw<'_>, p: &Params) -> GwResult<Reply> {
    gw.call("AttachDisks", Value::Object(p.to_map()))?;
    done()
}

pub const DISK_DETACH: &[Field] = &[req("DiskIds", STRS), opt("InstanceId", STR)];

pub fn disk_detach(gw: &mut Gw<'_>, p: &Params) -> GwResult<Reply> {
    gw.call("DetachDisks", Value::Object(p.to_map()))?;
    done()
}
