//! `/v1/tencent/snapshot/*` (seed 000): create, list, delete, apply.

use bytes::Bytes;
use serde_json::{json, Value};

use super::envelope::{self, GwError, GwResult};
use super::listing;
use super::session::{Gw, Reply};
use super::shape;
use crate::core::kept;
use crate::tencent::json;
use crate::tencent::pages;
use crate::tencent::params::{opt, req, Field, Params, FILTERS, INT, STR, STRS};
use crate::tencent::render;
use crate::tencent::snapshots::snapshot_page;
use crate::tencent::Ctx;

pub const SNAPSHOT_CREATE: &[Field] = &[req("DiskIds", STRS), req("SnapshotName", STR)];

/// "Create a snapshot of each given disk": CreateSnapshot once per disk, all or none.
pub fn snapshot_create(gw: &mut Gw<'_>, p: &Params) -> GwResult<Reply> {
    let ids = p.strs("DiskIds");
    for (i, id) in ids.iter().enumerate() {
        if ids[..i].contains(id) {
            return Err(GwError::new("InvalidParameterValue", format!("`DiskIds` lists `{id}` more than once.")));
        }
    }
    let name = p.str("SnapshotName").unwrap_or_default().to_string();
    gw.call_each("CreateSnapshot", &ids, |id| json!({"DiskId": id, "SnapshotName": name}))?;
    Ok(Reply::Data(shape::empty()))
}

pub const SNAPSHOT_LIST: &[Field] = &[
    opt("SnapshotIds", STRS),
    opt("Filters", FILTERS),
    opt("Order", STR),
    opt("OrderField", STR),
    opt("Fuzzy", STR),
    opt("PageNum", INT),
    opt("PageSize", INT),
];

pub fn snapshot_list(gw: &mut Gw<'_>, p: &Params) -> GwResult<Reply> {
    if !listing::has_fuzzy(p) {
        // Without a search DescribeSnapshots' own paging (over its indexes) cuts the page, and
        // the page is written straight from the snapshots it picks, in the shape
        // shape::snapshot gives their DescribeSnapshots JSON.
        let (skip, take) = listing::window(p, false)?;
        let mut input = listing::pass(p, &["SnapshotIds", "Filters", "Order", "OrderField"]);
        listing::default_ascending(&mut input);
        let region = gw.region.clone();
        // A page asked before of the same state is served as it was rendered (core/kept.rs).
        let page = |ctx: &mut Ctx<'_>, tp: &Params| {
            snapshot_page(
                ctx,
                tp,
                |_| Ok((skip, take.unwrap_or(usize::MAX))),
                |view, total, page| {
                    let steady = kept::overlap(page.iter().map(|(s, _)| render::snapshot_steady(s)));
                    let body = envelope::ok_with(page.len() * 700 + 64, |out| {
                        out.extend_from_slice(b"{\"TotalCount\":");
                        json::int(out, i64::try_from(total).unwrap_or(i64::MAX));
                        out.extend_from_slice(b",\"List\":[");
                        for (i, (s, shared)) in page.into_iter().enumerate() {
                            if i > 0 {
                                out.push(b',');
                            }
                            shape::write_snapshot(out, &render::snapshot(view, s, shared));
                        }
                        out.extend_from_slice(b"]}");
                    });
                    (Bytes::from(body), steady)
                },
            )
        };
        let body = gw.with_action(&region, "DescribeSnapshots", Value::Object(input), |ctx, tp| {
            let stamps = pages::snapshot_stamps;
            pages::kept_or_rendered(
                ctx,
                "gateway snapshot/list",
                p,
                stamps,
                Bytes::clone,
                |ctx| page(ctx, tp),
                Bytes::clone,
            )
        })?;
        return Ok(Reply::Kept(body));
    }
    let spec = listing::Plain {
        ids: "SnapshotIds",
        action: "DescribeSnapshots",
        set: "SnapshotSet",
        fuzzy: &["SnapshotName", "SnapshotId"],
        shape: shape::snapshot,
    };
    listing::plain(gw, p, &spec)
}

pub const SNAPSHOT_DELETE: &[Field] = &[req("SnapshotIds", STRS)];

pub fn snapshot_delete(gw: &mut Gw<'_>, p: &Params) -> GwResult<Reply> {
    gw.call("DeleteSnapshots", Value::Object(p.to_map()))?;
    Ok(Reply::Data(shape::empty()))
}

pub const SNAPSHOT_APPLY: &[Field] = &[req("SnapshotId", STR), req("DiskId", STR)];

pub fn snapshot_apply(gw: &mut Gw<'_>, p: &Params) -> GwResult<Reply> {
    gw.call("ApplySnapshot", Value::Object(p.to_map()))?;
    Ok(Reply::Data(shape::empty()))
}
