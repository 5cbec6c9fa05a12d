//! `/v1/tencent/auto_snapshot/policy/*` (seed 000): scheduled snapshot policies.

use serde_json::{json, Value};

use super::envelope::GwResult;
use super::listing::{self, pass};
use super::session::{Gw, Reply};
use super::shape;
use crate::tencent::params::{opt, req, Field, Params, Ty, BOOL, FILTERS, INT, STR, STRS};
use crate::tencent::policies::POLICY;

const SCHEDULES: Ty = Ty::Arr(&Ty::Obj(POLICY));

/// RetentionDays is marked required but described as "7 days by default": it is optional, 7
/// when left out (and not allowed with IsPermanent=true, as in CBS).
pub const POLICY_CREATE: &[Field] = &[
    req("Policy", SCHEDULES),
    req("AutoSnapshotPolicyName", STR),
    opt("IsActivated", BOOL),
    opt("IsPermanent", BOOL),
    opt("RetentionDays", INT),
    opt("DryRun", BOOL),
];

pub fn policy_create(gw: &mut Gw<'_>, p: &Params) -> GwResult<Reply> {
    gw.call("CreateAutoSnapshotPolicy", Value::Object(p.to_map()))?;
    Ok(Reply::Data(shape::empty()))
}

/// The table marks the ID list optional; deleting nothing is not a request, so it is required.
pub const POLICY_DELETE: &[Field] = &[req("AutoSnapshotPolicyIds", STRS)];

pub fn policy_delete(gw: &mut Gw<'_>, p: &Params) -> GwResult<Reply> {
    gw.call("DeleteAutoSnapshotPolicies", Value::Object(p.to_map()))?;
    Ok(Reply::Data(shape::empty()))
}

pub const POLICY_UPDATE: &[Field] = &[
    req("AutoSnapshotPolicyIds", STRS),
    opt("Policy", SCHEDULES),
    opt("AutoSnapshotPolicyName", STR),
    opt("IsActivated", BOOL),
    opt("IsPermanent", BOOL),
    opt("RetentionDays", INT),
];

/// Each named policy gets the same change, all or none.
pub fn policy_update(gw: &mut Gw<'_>, p: &Params) -> GwResult<Reply> {
    let ids = p.strs("AutoSnapshotPolicyIds");
    let change = pass(p, &["Policy", "AutoSnapshotPolicyName", "IsActivated", "IsPermanent", "RetentionDays"]);
    gw.call_each("ModifyAutoSnapshotPolicyAttribute", &ids, |id| {
        let mut input = change.clone();
        input.insert("AutoSnapshotPolicyId".into(), json!(id));
        Value::Object(input)
    })?;
    Ok(Reply::Data(shape::empty()))
}

pub const POLICY_LIST: &[Field] = &[
    opt("AutoSnapshotPolicyIds", STRS),
    opt("Filters", FILTERS),
    opt("Order", STR),
    opt("OrderField", STR),
    opt("Fuzzy", STR),
    opt("PageNum", INT),
    opt("PageSize", INT),
];

pub fn policy_list(gw: &mut Gw<'_>, p: &Params) -> GwResult<Reply> {
    let spec = listing::Plain {
        ids: "AutoSnapshotPolicyIds",
        action: "DescribeAutoSnapshotPolicies",
        set: "AutoSnapshotPolicySet",
        fuzzy: &["AutoSnapshotPolicyName", "AutoSnapshotPolicyId"],
        shape: shape::policy,
    };
    listing::plain(gw, p, &spec)
}

/// bind and unbind: one policy per Tencent call, all or none.
pub const POLICY_BIND: &[Field] = &[req("AutoSnapshotPolicyIds", STRS), req("DiskIds", STRS)];

fn for_each_policy(gw: &mut Gw<'_>, p: &Params, action: &str) -> GwResult<Reply> {
    let ids = p.strs("AutoSnapshotPolicyIds");
    let disks = p.strs("DiskIds");
    gw.call_each(action, &ids, |id| json!({"AutoSnapshotPolicyId": id, "DiskIds": disks}))?;
    Ok(Reply::Data(shape::empty()))
}

pub fn policy_bind(gw: &mut Gw<'_>, p: &Params) -> GwResult<Reply> {
    for_each_policy(gw, p, "BindAutoSnapshotPolicy")
}

pub fn policy_unbind(gw: &mut Gw<'_>, p: &Params) -> GwResult<Reply> {
    for_each_policy(gw, p, "UnbindAutoSnapshotPolicy")
}
