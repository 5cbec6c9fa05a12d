//! Backup and replication policies on the virtual clock: planning each policy's next trigger,
//! and firing it (a backup of every bound vault, or a replication of its new backups).

use crate::config::Config;
use crate::core::ids::IdGen;
use crate::core::timing::Gate;
use crate::huawei::ctx::Ctx;
use crate::huawei::domain::{backup, replication, vault};
use crate::huawei::model::{HwWork, Policy};
use crate::huawei::world::World;
use crate::huawei::{rrule, settings};

/// (Re)plan a policy's next trigger; a disabled policy has none.
pub fn schedule_policy(ctx: &mut Ctx<'_>, policy_id: &str) {
    unschedule_policy(ctx.world, policy_id);
    let project = ctx.project.to_string();
    let Some(pol) = ctx.proj_ref().and_then(|p| p.policies.get(policy_id)).cloned() else { return };
    if let Some(next) = next_trigger(&pol, ctx.now) {
        let gate = Gate::at(ctx.now, next);
        ctx.schedule_gate(&project, gate, HwWork::PolicyTick { project: project.clone(), policy: policy_id.into() });
    }
}

fn next_trigger(pol: &Policy, after: i64) -> Option<i64> {
    if !pol.enabled {
        return None;
    }
    let rules = rrule::parse_each(&pol.patterns).ok()?;
    rrule::next_after(&rules, pol.start_ms, after)
}

/// (Re)plan the next trigger of a policy in any project, from a job (organization policies
/// deploy into other accounts' projects).
pub fn reschedule_policy(world: &mut World, cfg: &Config, project: &str, policy_id: &str, at: i64) {
    unschedule_policy(world, policy_id);
    let Some(pol) = world.huawei.get(project).and_then(|p| p.policies.get(policy_id)).cloned() else { return };
    let Some((account, _, region)) = settings::project_owner(cfg, project) else { return };
    if let Some(next) = next_trigger(&pol, at) {
        let work = HwWork::PolicyTick { project: project.into(), policy: policy_id.into() };
        world.schedule(account, region, Gate::at(at, next), work);
    }
}

pub fn unschedule_policy(world: &mut World, policy_id: &str) {
    world.jobs.remove_for_target(policy_id, &|j| matches!(j.work, HwWork::PolicyTick { .. }));
}

/// A policy's trigger time: back up (or replicate) every bound vault, then plan the next run.
pub fn fire(world: &mut World, cfg: &Config, account: &str, region: &str, project: &str, policy_id: &str, at: i64) {
    let Some(pol) = world.huawei.get(project).and_then(|p| p.policies.get(policy_id)).cloned() else { return };
    if !pol.enabled {
        return;
    }
    vault::auto_bind(world, project);
    let bound: Vec<(String, Option<String>)> = world
        .huawei
        .get(project)
        .map(|p| {
            p.vaults
                .values()
                .filter_map(|v| {
                    v.policies.iter().find(|(id, _)| id == policy_id).map(|(_, d)| (v.id.clone(), d.clone()))
                })
                .collect()
        })
        .unwrap_or_default();
    let (user, request) = (settings_user(cfg, project), crate::core::ids::uuid_from(world.next_seq()));
    let mut ids = IdGen::new(Some(world.next_seq()));
    let timing = world.timing.unobserved();
    let mut view = world.reborrow();
    let mut ctx = Ctx {
        cfg,
        world: &mut view,
        ids: &mut ids,
        timing,
        now: at,
        account,
        project,
        region,
        user_id: &user,
        request_id: &request,
    };
    for (vault, dest) in bound {
        if pol.operation_type == "backup" {
            let plan = backup::Plan {
                vault_id: vault,
                resources: None,
                name: None,
                description: None,
                incremental: true,
                auto_trigger: true,
                policy: Some(pol.clone()),
                retention_days: pol.definition.retention_duration_days,
            };
            // A run that cannot start (full vault, nothing bound) is skipped, as the service does.
            let _ = backup::start_backup(&mut ctx, plan);
        } else if let (Some(dest), Some(dr), Some(dp)) =
            (dest, pol.definition.destination_region.clone(), pol.definition.destination_project_id.clone())
        {
            let candidates = ctx.proj_ref().map(|p| replication::replicable(p, &vault, &dr)).unwrap_or_default();
            for b in candidates {
                let _ = replication::replicate(&mut ctx, &b, (&dp, &dr, &dest), true, None, None);
            }
        }
    }
    if let Some(p) = world.huawei.get_mut(project).and_then(|p| p.policies.get_mut(policy_id)) {
        p.runs += 1;
    }
    if let Some(next) = next_trigger(&pol, at) {
        world.schedule(
            account,
            region,
            Gate::at(at, next),
            HwWork::PolicyTick { project: project.into(), policy: policy_id.into() },
        );
    }
}

fn settings_user(cfg: &Config, project: &str) -> String {
    settings::project_owner(cfg, project).map(|(_, i, _)| i.user_id.clone()).unwrap_or_default()
}

/// Remove a policy: unbind it from the project's vaults and drop its trigger.
pub fn remove_policy(world: &mut World, project: &str, id: &str) {
    if let Some(p) = world.huawei.get_mut(project) {
        p.policies.remove(id);
        for v in p.vaults.values_mut() {
            v.policies.retain(|(x, _)| x != id);
        }
    }
    unschedule_policy(world, id);
}
