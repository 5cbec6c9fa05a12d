//! Tasks (API 4.3): the operation logs every async action leaves behind.

use crate::huawei::ctx::{Ctx, Reply, Req};
use crate::huawei::error::{self as e, HwResult};
use crate::huawei::model::OpLog;
use crate::huawei::render;

const TYPES: &[&str] = &[
    "backup",
    "replication",
    "delete",
    "restore",
    "vault_delete",
    "remove_resource",
    "sync",
    "copy",
    "migrate_resources",
];
const STATUSES: &[&str] = &["success", "skipped", "failed", "running", "timeout", "waiting"];

pub fn show_op_log(ctx: &mut Ctx<'_>, req: &Req<'_>) -> HwResult<Reply> {
    let id = req.param("operation_log_id");
    let o = ctx.proj_ref().and_then(|p| p.oplogs.get(id)).ok_or_else(|| e::Bs6500("Operation log does not exist."))?;
    Reply::ok(render::one("operation_log", render::oplog(ctx.project, o)))
}

pub fn list_op_logs(ctx: &mut Ctx<'_>, req: &Req<'_>) -> HwResult<Reply> {
    let q = &req.query;
    // The doc sets no upper bound on limit; the vault and backup lists use 1000.
    let (limit, offset) = q.page(1000)?;
    let kind = q.enum_str("operation_type", TYPES)?;
    let status = q.enum_str("status", STATUSES)?;
    let start = q.time("start_time")?;
    let end = q.time("end_time")?;
    let eq = |k: &str| q.get(k);
    let Some(p) = ctx.proj_ref() else { return Reply::ok(render::page("operation_logs", vec![], limit, offset)) };
    let res = |o: &OpLog, f: fn(&(String, String, String)) -> &String, want: Option<&str>, fuzzy: bool| match want {
        None => true,
        Some(w) => o.resource.as_ref().is_some_and(|r| if fuzzy { f(r).contains(w) } else { f(r) == w }),
    };
    let mut list: Vec<&OpLog> = p
        .oplogs
        .values()
        .filter(|o| kind.is_none_or(|k| o.operation_type == k))
        .filter(|o| status.is_none_or(|s| o.status == s))
        .filter(|o| eq("vault_id").is_none_or(|v| o.vault_id == v))
        .filter(|o| eq("vault_name").is_none_or(|v| o.vault_name.contains(v)))
        .filter(|o| eq("provider_id").is_none_or(|v| o.provider_id == v))
        .filter(|o| res(o, |r| &r.0, eq("resource_id"), false))
        .filter(|o| res(o, |r| &r.1, eq("resource_name"), true))
        .filter(|o| start.is_none_or(|t| o.created_ms >= t) && end.is_none_or(|t| o.created_ms <= t))
        .collect();
    list.sort_by_key(|o| std::cmp::Reverse((o.created_ms, o.seq)));
    let items = list.iter().map(|o| render::oplog(ctx.project, o)).collect();
    Reply::ok(render::page("operation_logs", items, limit, offset))
}
