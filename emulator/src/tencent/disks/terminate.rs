//! TerminateDisks: prepaid disks go to the recycle bin (within the account's refund quota) and
//! are destroyed later; pay-as-you-go disks go at once.

use super::super::ctx::{Ctx, Output};
use super::super::disk_input::at_most;
use super::super::disk_rules::not_found;
use super::super::error::{self as e, TcResult};
use super::super::model::{state, TcWork, PREPAID, SYSTEM_DISK};
use super::super::params::{opt, req, Field, Params, INT, STRS};

pub const TERMINATE_DISKS: &[Field] = &[req("DiskIds", STRS), opt("DeleteSnapshot", INT)];

pub fn terminate_disks(ctx: &mut Ctx<'_>, p: &Params) -> TcResult<Output> {
    let ids = p.strs("DiskIds");
    at_most("DiskIds", &ids, 50)?;
    let delete_snapshot = p.int("DeleteSnapshot").unwrap_or(0);
    if !(0..=1).contains(&delete_snapshot) {
        return Err(e::InvalidParameterValue("DeleteSnapshot must be 0 or 1."));
    }
    let prepaid = check_returnable(ctx, &ids)?;
    let now = ctx.now;
    let quota = ctx.cfg.tencent.limits.refund_quota;
    let used = ctx.world.tencent_refunds.get(ctx.account).copied().unwrap_or(0);
    if prepaid > 0 && used + prepaid > quota {
        return Err(e::InsufficientRefundQuota(format!(
            "The account has returned {used} of {quota} prepaid disks; no more can be returned."
        )));
    }
    let recycle_at = now + ctx.cfg.tencent.limits.recycle_days * 86_400_000;
    for id in &ids {
        ctx.log_disk(id, "CBS_OPERATION_ISOLATE", true);
        let disk = ctx.store().disks[id.as_str()].clone();
        if delete_snapshot == 1 || disk.delete_snapshot == 1 {
            delete_temporary_snapshots(ctx, id);
        }
        if disk.disk_charge_type == PREPAID {
            let mut d = ctx.store().disks.get_mut(id.as_str()).expect("checked");
            d.disk_state = state::TORECYCLE.into();
            d.delete_snapshot = delete_snapshot.max(d.delete_snapshot);
            drop(d);
            ctx.schedule_at(recycle_at, TcWork::Destroy { disk_id: id.clone() });
        } else {
            super::super::jobs::destroy_disk(ctx.world, ctx.account, ctx.region, id);
        }
    }
    if prepaid > 0 {
        *ctx.world.tencent_refunds.entry_or_default(ctx.account.to_string()) += prepaid;
    }
    Ok(Output::new())
}

/// Every disk must be an idle, detached, live elastic data disk; returns how many are prepaid
/// (they count against the refund quota).
fn check_returnable(ctx: &mut Ctx<'_>, ids: &[String]) -> TcResult<u32> {
    let now = ctx.now;
    let store = ctx.store();
    let mut prepaid = 0u32;
    for id in ids {
        let d = store.visible_disk(id).ok_or_else(|| not_found(id))?;
        if !d.portable || d.disk_usage == SYSTEM_DISK {
            return Err(e::ResourceUnavailable_NotSupported(format!(
                "`{id}` is not an elastic data disk; it is returned with its instance."
            )));
        }
        if d.disk_state == state::TORECYCLE {
            return Err(e::ResourceUnavailable_RepeatRefund(format!("`{id}` has already been returned.")));
        }
        if d.is_expired(now) {
            return Err(e::ResourceUnavailable_Expire(format!("`{id}` has expired.")));
        }
        if d.is_busy() || d.migrating {
            return Err(e::ResourceBusy(format!("`{id}` is {}; try again later.", d.disk_state)));
        }
        if !d.attached_to.is_empty() {
            return Err(e::UnsupportedOperation(format!(
                "`{id}` is attached to `{}`; detach it first.",
                d.attached_to[0]
            )));
        }
        if d.disk_charge_type == PREPAID {
            prepaid += 1;
        }
    }
    Ok(prepaid)
}

/// DeleteSnapshot=1: the disk's non-permanent snapshots go with it (shared ones stay).
fn delete_temporary_snapshots(ctx: &mut Ctx<'_>, disk_id: &str) {
    let doomed: Vec<String> = ctx
        .store()
        .snapshots
        .values()
        .filter(|s| s.disk_id == disk_id && !s.is_permanent && s.shared_with.is_empty() && !s.copy_from_remote)
        .map(|s| s.snapshot_id.clone())
        .collect();
    for id in doomed {
        super::super::snapshots::remove_snapshot(ctx.store(), &id);
        let (log, uin, now) = (ctx.world.next_seq(), ctx.uin.to_string(), ctx.now);
        super::super::snapshots::log_snapshot(ctx.store(), log, &id, &uin, "SNAP_OPERATION_DELETE", now, true);
    }
}
