//! Organization policies' asynchronous side: the sync job that deploys an organization policy
//! into the projects of the accounts in its scope (or takes the deployments away on delete).
//! The request rules (who administers, scope, statuses) are in api/organization.rs.

use crate::config::Config;
use crate::huawei::domain::schedule;
use crate::huawei::model::{OrgDeployment, OrgPolicy, Policy};
use crate::huawei::world::World;

/// The job: deploy the policy as it now reads into every project in scope (or, when deleting,
/// remove the deployed policies and the organization policy).
pub fn sync_done(world: &mut World, cfg: &Config, project: &str, id: &str, at: i64) {
    let Some(op) = world.huawei.get(project).and_then(|p| p.org_policies.get(id)).cloned() else { return };
    if op.status == "deleting" {
        for d in &op.deployments {
            schedule::remove_policy(world, &d.project_id, &d.policy_id);
        }
        if let Some(p) = world.huawei.get_mut(project) {
            p.org_policies.remove(id);
        }
        return;
    }
    let mut deployments = op.deployments.clone();
    for d in &mut deployments {
        (d.status, d.error_msg) = match deploy(world, cfg, &op, d, at) {
            Ok(()) => ("available".into(), None),
            Err(msg) => ("error".into(), Some(msg)),
        };
    }
    if let Some(o) = world.huawei.get_mut(project).and_then(|p| p.org_policies.get_mut(id)) {
        o.deployments = deployments;
        o.status = "available".into();
    }
}

/// Create or update one project's copy of the policy.
fn deploy(world: &mut World, cfg: &Config, op: &OrgPolicy, d: &OrgDeployment, at: i64) -> Result<(), String> {
    let mut definition = op.definition.clone();
    if op.operation_type == "replication" {
        let region = definition.destination_region.clone().unwrap_or_default();
        let ident = cfg.accounts.iter().filter_map(|a| a.huawei.as_ref()).find(|i| i.domain_id == d.domain_id);
        let dest = ident.and_then(|i| i.projects.iter().find(|p| p.region == region));
        let dest =
            dest.ok_or_else(|| format!("BackupService.7426: account {} has no project in {region}.", d.domain_id))?;
        definition.destination_project_id = Some(dest.id.clone());
    }
    let (seq, trigger) = (world.next_seq(), crate::core::ids::uuid_from(world.next_seq()));
    let limit = cfg.huawei.limits.policies_per_type;
    let p = world.huawei.entry(d.project_id.clone()).or_default();
    match p.policies.get_mut(&d.policy_id) {
        Some(pol) => {
            pol.name = op.policy_name.clone();
            pol.enabled = op.policy_enabled;
            pol.definition = definition;
            pol.patterns = op.patterns.clone();
        }
        None => {
            if p.policies.values().filter(|x| x.operation_type == op.operation_type).count() >= limit {
                return Err(format!(
                    "BackupService.6001: project {} holds {limit} {} policies already.",
                    d.project_id, op.operation_type
                ));
            }
            let pol = Policy {
                id: d.policy_id.clone(),
                seq,
                name: op.policy_name.clone(),
                enabled: op.policy_enabled,
                operation_type: op.operation_type.clone(),
                definition,
                patterns: op.patterns.clone(),
                trigger_id: trigger,
                start_ms: at,
                runs: 0,
                organization_policy_id: Some(op.id.clone()),
            };
            p.policies.insert(pol.id.clone(), pol);
        }
    }
    schedule::reschedule_policy(world, cfg, &d.project_id, &d.policy_id, at);
    Ok(())
}
