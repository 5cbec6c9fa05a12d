//! Projects (API 4.5): account-level calls, outside `/v3/{project_id}` — the caller's projects
//! and domain, and the CSBS/VBS → CBR tenant migration. mod.rs authenticates them for the
//! caller's account; `ctx.project` is the project the request acts in (its region answers).
//!
//! A migration is a record on each migrated project (`HwProject.migration`) and one job per
//! project on the clock: `migrating`, then `success` (or `failed` with code 4002 when the
//! control plane injects a `migrate` fault). The twin holds no CSBS/VBS data, so nothing moves.

use serde_json::{Map, Value};

use crate::config::Config;
use crate::huawei::body::Obj;
use crate::huawei::ctx::{Ctx, Reply, Req};
use crate::huawei::error::{self as e, HwResult};
use crate::huawei::model::{HwWork, Migration};
use crate::huawei::render;
use crate::huawei::settings::{HuaweiIdentity, HwProjectCfg};

fn identity<'a>(cfg: &'a Config, account: &str) -> HwResult<&'a HuaweiIdentity> {
    cfg.accounts
        .iter()
        .find(|a| a.name == account)
        .and_then(|a| a.huawei.as_ref())
        .ok_or_else(|| e::Bs1015(format!("Account {account} has no Huawei Cloud identity.")))
}

/// Another account's domain or project, or one that does not exist, is a tenant mismatch: the
/// doc limits these calls to the current account and has no not-found code for them.
fn not_yours(what: &str) -> e::HwError {
    e::Bs1015(format!("The tenant ID in the request does not match the project ID in the token: {what}."))
}

/// IAM names a project after its region.
pub fn list_projects(ctx: &mut Ctx<'_>, _req: &Req<'_>) -> HwResult<Reply> {
    let ident = identity(ctx.cfg, ctx.account)?;
    // The doc says the call answers nothing unless enterprise projects are enabled; the twin
    // answers what the call is for, the account's project in every region.
    let projects: Vec<Value> = ident.projects.iter().map(|p| render::iam_project(ident, p)).collect();
    Reply::ok(render::iam_projects(projects))
}

pub fn list_domain_projects(ctx: &mut Ctx<'_>, req: &Req<'_>) -> HwResult<Reply> {
    let ident = identity(ctx.cfg, ctx.account)?;
    let name = req.param("domain_name");
    if name != ident.domain_name {
        return Err(not_yours(&format!("domain {name}")));
    }
    let projects: Vec<Value> = ident.projects.iter().map(render::domain_project).collect();
    Reply::ok(render::one("projects", projects))
}

pub fn show_domain(ctx: &mut Ctx<'_>, req: &Req<'_>) -> HwResult<Reply> {
    let ident = identity(ctx.cfg, ctx.account)?;
    let id = req.param("source_project_id");
    let p = ident.projects.iter().find(|p| p.id == id).ok_or_else(|| not_yours(&format!("project {id}")))?;
    Reply::ok(render::domain(ident, p))
}

/// The projects a migration call covers: every project of the account with `all_regions`,
/// else the one the request acts in.
fn covered<'a>(ident: &'a HuaweiIdentity, acting: &str, all_regions: bool) -> Vec<&'a HwProjectCfg> {
    ident.projects.iter().filter(|p| all_regions || p.id == acting).collect()
}

pub fn migrate_domain(ctx: &mut Ctx<'_>, req: &Req<'_>) -> HwResult<Reply> {
    let body = req.json()?;
    let root = Obj::root(&body);
    root.only(&["all_regions", "reservation"])?;
    let all_regions = root.bool("all_regions")?.ok_or_else(|| root.missing("all_regions"))?;
    let reservation = root.float("reservation", 0.0, 1.0)?.ok_or_else(|| root.missing("reservation"))?;
    let ident = identity(ctx.cfg, ctx.account)?;
    let mut out = Map::new();
    for p in covered(ident, ctx.project, all_regions) {
        let state = ctx.world.huawei.get(&p.id).and_then(|h| h.migration.as_ref()).map(|m| m.status.clone());
        // A migration in flight is left to run and one that succeeded has nothing left to
        // move; a failed one starts over.
        let answer = match state.as_deref() {
            Some("migrating") => "running",
            Some("success") => "success",
            _ => {
                ctx.world.huawei.entry(p.id.clone()).or_default().migration.set(Some(Migration {
                    status: "migrating".into(),
                    reservation,
                    started_ms: ctx.now,
                    ended_ms: None,
                    progress: 0,
                    fail_code: None,
                    fail_reason: None,
                }));
                ctx.schedule(&p.id, HwWork::MigrateDone { project: p.id.clone() });
                "running"
            }
        };
        // One project per region in a twin's account; should two share a region, a running
        // migration is what the region reports.
        if out.get(&p.region).and_then(Value::as_str) != Some("running") {
            out.insert(p.region.clone(), Value::from(answer));
        }
    }
    Reply::ok(Value::Object(out))
}

pub fn show_migrate_status(ctx: &mut Ctx<'_>, req: &Req<'_>) -> HwResult<Reply> {
    let all_regions = req.query.bool("all_regions")?.unwrap_or(false);
    let ident = identity(ctx.cfg, ctx.account)?;
    let mut projects = Vec::new();
    for p in covered(ident, ctx.project, all_regions) {
        let Some(m) = ctx.world.huawei.get(&p.id).and_then(|h| h.migration.as_ref()) else { continue };
        let progress = match m.status.as_str() {
            "migrating" => ctx.world.job_for(&p.id).map_or(0, |j| j.gate.percent(ctx.now)),
            _ => m.progress,
        };
        projects.push(render::migration(p, m, progress));
    }
    if projects.is_empty() {
        return Err(e::Bs4001("Migration record does not exist."));
    }
    let has = |s: &str| projects.iter().any(|p| p["status"] == s);
    let status = if has("migrating") {
        "migrating"
    } else if has("failed") {
        "failed"
    } else {
        "success"
    };
    Reply::ok(render::migrations(status, projects))
}
