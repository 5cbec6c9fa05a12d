//! Checkpoints (API 4.13): back up a vault now, show a restore point, replicate a vault's
//! backups, and synchronize a hybrid-cloud vault.

use serde_json::{json, Value};

use super::vaults;
use crate::huawei::body::{check_description, check_name, Obj};
use crate::huawei::ctx::{Ctx, Reply, Req};
use crate::huawei::domain::{backup, replication, task, vault};
use crate::huawei::error::{self as e, HwResult};
use crate::huawei::render;

pub fn create_checkpoint(ctx: &mut Ctx<'_>, req: &Req<'_>) -> HwResult<Reply> {
    let body = req.json()?;
    let root = Obj::root(&body);
    root.only(&["checkpoint"])?;
    let c = root.req_obj("checkpoint")?;
    c.only(&["vault_id", "parameters"])?;
    let vault_id = c.req_str("vault_id")?.to_string();
    let mut plan = backup::Plan {
        vault_id: vault_id.clone(),
        resources: None,
        name: None,
        description: None,
        incremental: true,
        auto_trigger: false,
        policy: None,
        retention_days: None,
    };
    if let Some(p) = c.obj("parameters")? {
        p.only(&[
            "auto_trigger",
            "description",
            "incremental",
            "name",
            "resources",
            "resource_details",
            "policy_id",
            "retention_duration_days",
        ])?;
        plan.auto_trigger = p.bool("auto_trigger")?.unwrap_or(false);
        if let Some(d) = p.str("description")? {
            check_description("checkpoint.parameters.description", d)?;
            plan.description = Some(d.into());
        }
        if let Some(n) = p.str("name")? {
            check_name("checkpoint.parameters.name", n, false)?;
            plan.name = Some(n.into());
        }
        plan.incremental = p.bool("incremental")?.unwrap_or(true);
        let mut ids: Vec<String> =
            p.strs("resources", 1, 256)?.unwrap_or_default().into_iter().map(str::to_string).collect();
        for r in p.objs("resource_details", 1, 256)?.unwrap_or_default() {
            r.only(&["id", "type", "name", "extra_info"])?;
            let id = r.req_str("id")?;
            r.enum_str("type", vaults::RESOURCE_TYPES)?.ok_or_else(|| r.missing("type"))?;
            if !ids.iter().any(|x| x == id) {
                ids.push(id.into());
            }
        }
        if !ids.is_empty() {
            plan.resources = Some(ids);
        }
        if let Some(pid) = p.str("policy_id")? {
            let pol = ctx.proj_ref().and_then(|pr| pr.policies.get(pid)).cloned();
            plan.policy = Some(pol.ok_or_else(|| e::Bs6000(format!("Policy {pid} does not exist.")))?);
        }
        plan.retention_days = p.int("retention_duration_days", -1, 99_999)?;
    }
    let p = ctx.proj_ref();
    let vault = vault::get(p, &vault_id)?;
    // The answer shows the resources as they were when the backup was asked for (scenario 5.1:
    // `available`, backup_count and backup_size "0" beside the restore point's `protecting`);
    // ShowCheckpoint shows them as they are.
    let before: Vec<(String, Value)> = vault
        .resources
        .iter()
        .map(|r| (r.id.clone(), render::checkpoint_resource(p.expect("vault found"), &vault_id, &r.id)))
        .collect();
    let id = backup::start_backup(ctx, plan)?;
    let p = ctx.proj_ref().expect("checkpoint created");
    let c = &p.checkpoints[&id];
    let resources = c
        .resources
        .iter()
        .map(|rid| match before.iter().find(|(id, _)| id == rid) {
            Some((_, v)) => v.clone(),
            None => render::checkpoint_resource(p, &vault_id, rid),
        })
        .collect();
    Reply::ok(render::one("checkpoint", render::checkpoint_with(p, ctx.project, c, resources)))
}

pub fn show_checkpoint(ctx: &mut Ctx<'_>, req: &Req<'_>) -> HwResult<Reply> {
    let id = req.param("checkpoint_id");
    let p = ctx.proj_ref();
    let c =
        p.and_then(|p| p.checkpoints.get(id)).ok_or_else(|| e::Bs6217(format!("Checkpoint {id} does not exist.")))?;
    Reply::ok(render::one("checkpoint", render::checkpoint(p.expect("found"), ctx.project, c)))
}

pub fn copy_checkpoint(ctx: &mut Ctx<'_>, req: &Req<'_>) -> HwResult<Reply> {
    let body = req.json()?;
    let root = Obj::root(&body);
    root.only(&["replicate"])?;
    let r = root.req_obj("replicate")?;
    r.only(&[
        "auto_trigger",
        "destination_project_id",
        "destination_region",
        "destination_vault_id",
        "enable_acceleration",
        "vault_id",
        "cross_account_urn",
    ])?;
    r.bool("auto_trigger")?;
    r.bool("enable_acceleration")?;
    r.str("cross_account_urn")?;
    let dp = r.req_str("destination_project_id")?;
    let dr = r.req_str("destination_region")?;
    let dv = r.req_str("destination_vault_id")?;
    let vid = r.req_str("vault_id")?;
    let p = ctx.proj_ref();
    let vault = vault::get(p, vid)?;
    if vault.billing.object_type != "server" || vault.billing.protect_type != "backup" {
        return Err(e::Bs6128("Only server backup vaults support replication."));
    }
    let provider = vault.provider_id.clone();
    let candidates = replication::replicable(p.expect("vault found"), vid, dr);
    if candidates.is_empty() {
        return Err(e::Bs7493(format!("Vault {vid} has no backup left to replicate to {dr}.")));
    }
    let mut out = Vec::new();
    for b in candidates {
        let record = replication::replicate(ctx, &b, (dp, dr, dv), false, None, None)?;
        out.push(render::copied(&b, &record));
    }
    Reply::ok(render::checkpoint_copy(out, (dp, dr, dv), (ctx.project, ctx.region), &provider, vid))
}

pub fn import_checkpoint(ctx: &mut Ctx<'_>, req: &Req<'_>) -> HwResult<Reply> {
    let body = req.json()?;
    let root = Obj::root(&body);
    root.only(&["sync"])?;
    let s = root.req_obj("sync")?;
    s.only(&["auto_trigger", "vault_id"])?;
    s.bool("auto_trigger")?.ok_or_else(|| s.missing("auto_trigger"))?;
    let vid = s.req_str("vault_id")?.to_string();
    let project = ctx.project.to_string();
    let vault = vault::get(ctx.proj_ref(), &vid)?;
    if vault.billing.cloud_type != "hybrid" {
        return Err(e::Bs7300(format!("Vault {vid} is not a hybrid-cloud vault; it does not support sync.")));
    }
    let name = vault.name.clone();
    let extra = json!({"sync": {"sync_backup_num": 0, "delete_backup_num": 0, "err_sync_backup_num": 0}});
    let log = ctx.new_oplog(&project, "sync", (&vid, &name), extra);
    task::end_task(ctx.world, &project, &log, ctx.now, None);
    Reply::ok(render::vault_sync(&log, &vid))
}
