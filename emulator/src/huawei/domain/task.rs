//! Tasks (operation logs) of asynchronous work: queued `waiting`, then `running`, then
//! `success` or `failed`; and the failures the control plane injects into them.

use crate::core::intern::intern;
use crate::core::timing::Gate;
use crate::huawei::ctx::Ctx;
use crate::huawei::model::{HwProject, HwWork};
use crate::huawei::world::World;

/// Queue a task: it starts (`running`) on one gate, then `done` finishes it on another.
pub fn launch(ctx: &mut Ctx<'_>, project: &str, oplog: &str, done: HwWork) {
    let observed = ctx.timing == ctx.world.timing;
    let work = HwWork::TaskStart { project: project.into(), oplog: oplog.into(), then: Box::new(done), observed };
    ctx.schedule(project, work);
}

/// Fill in what a task is about.
pub fn describe_task(
    world: &mut World,
    project: &str,
    oplog: &str,
    checkpoint: &str,
    policy: &str,
    provider: &str,
    resource: Option<(String, String, String)>,
) {
    if let Some(p) = world.huawei.get_mut(project) {
        p.oplogs.update(oplog, |o| {
            o.checkpoint_id = checkpoint.into();
            o.policy_id = policy.into();
            o.provider_id = intern(provider);
            o.resource = resource;
        });
    }
}

/// End a task: `success`, or `failed` with an error code and message.
pub fn end_task(world: &mut World, project: &str, oplog: &str, at: i64, error: Option<(&str, &str)>) {
    let Some(p) = world.huawei.get_mut(project) else { return };
    p.oplogs.update(oplog, |o| {
        o.started_ms.get_or_insert(at);
        o.ended_ms = Some(at);
        o.updated_ms = at;
        match error {
            None => {
                o.status = "success".into();
                o.progress = 100;
            }
            Some((code, message)) => {
                o.status = "failed".into();
                o.error_code = intern(code);
                o.error_message = message.into();
            }
        }
    });
}

pub fn set_protect_status(p: &mut HwProject, resource: &str, status: &str) {
    for v in p.vaults.values_mut() {
        for r in v.resources.iter_mut().filter(|r| r.id == resource) {
            r.protect_status = status.into();
        }
    }
}

/// Consume a fault the control plane set for this kind of task, if one matches.
pub fn take_fault(world: &mut World, operation_type: &str, targets: &[&str]) -> bool {
    let hit = world.huawei_faults.iter().position(|f| {
        f.operation_type == operation_type && f.count > 0 && f.target.as_deref().is_none_or(|t| targets.contains(&t))
    });
    let Some(i) = hit else { return false };
    world.huawei_faults.get_mut()[i].count -= 1;
    if world.huawei_faults[i].count == 0 {
        world.huawei_faults.get_mut().remove(i);
    }
    true
}

/// The error an injected failure ends a task with.
pub const FAULT: (&str, &str) =
    ("BackupService.9910", "Unknown exception (failure injected through the cloudtwin control plane).");

/// A queued task starts: it reads `running`, and its finishing work is queued on the gate the
/// request chose (observed or not).
pub fn start(
    world: &mut World,
    (account, region): (&str, &str),
    project: &str,
    oplog: &str,
    (then, observed): (HwWork, bool),
    at: i64,
) {
    if let Some(p) = world.huawei.get_mut(project) {
        p.oplogs.update(oplog, |o| {
            o.status = "running".into();
            o.started_ms = Some(at);
            o.updated_ms = at;
            o.progress = 50;
        });
    }
    let policy = if observed { world.timing } else { world.timing.unobserved() };
    world.schedule(account, region, Gate::new(policy, at), then);
}

/// MigrateDomain's job ends: the project's migration record reads success (or an injected failure).
pub fn migrate_done(world: &mut World, project: &str, at: i64) {
    let failed = take_fault(world, "migrate", &[project]);
    let Some(m) = world.huawei.get_mut(project).and_then(|p| p.migration.get_mut().as_mut()) else { return };
    m.ended_ms = Some(at);
    if failed {
        m.status = "failed".into();
        m.fail_code = Some(4002);
        m.fail_reason = Some("Migration failed (failure injected through the cloudtwin control plane).".into());
    } else {
        m.status = "success".into();
        m.progress = 100;
    }
}
