//! A policy's trigger on the virtual clock: snapshot every bound disk in use, prune by the
//! retention rules, schedule the snapshots' ends and deadlines and the next trigger.

use chrono::TimeZone;

use super::super::model::{state, Disk, Snapshot, TcRegion, TcWork};
use super::retention::{prune, retention_deadline};
use super::schedule::next_trigger;
use crate::config::Config;
use crate::core::shared::Shared;
use crate::core::timing::Gate;
use crate::tencent::time::tencent_tz;
use crate::tencent::world::World;

/// "Scheduled snapshots are not created" for a disk that is not in use: an elastic disk that is
/// not attached, or a non-elastic disk whose server is powered off.
fn in_use(store: &TcRegion, d: &Disk) -> bool {
    if d.disk_state == state::TORECYCLE || d.attached_to.is_empty() {
        return false;
    }
    d.portable || d.attached_to.iter().filter_map(|i| store.instances.get(i)).any(|i| i.instance_state == "RUNNING")
}

/// A policy's trigger: one snapshot of every bound disk in use, named
/// `auto_<disk-id>_<YYYYMMDD>_<HH>` (UTC+8 trigger time), then the next trigger is planned.
pub fn fire(world: &mut World, cfg: &Config, account: &str, region: &str, policy_id: &str, generation: u64, at: i64) {
    let timing = world.timing.unobserved();
    let uin = cfg.tencent_uin(account);
    let store = world.tc(account, region);
    let Some(pol) = store.policies.get(policy_id).cloned() else { return };
    if pol.generation != generation || !pol.is_activated || pol.state != state::NORMAL {
        return;
    }
    let local = tencent_tz().timestamp_millis_opt(at).single().expect("valid time");
    let stamp = local.format("%Y%m%d_%H").to_string();
    let mut planned = Vec::new();
    for disk_id in &pol.disk_ids {
        let store = world.tc(account, region);
        let Some(d) = store.disks.get(disk_id.as_str()).cloned() else { continue };
        if !in_use(store, &d) {
            continue;
        }
        let taken = store.snapshots.index().disk_totals(disk_id).0;
        if taken >= cfg.tencent.limits.snapshots_per_disk {
            continue;
        }
        let id = loop {
            let n = world.next_seq();
            let candidate = format!("snap-{}", crate::core::ids::short_from(n ^ 0x5eed_5eed, 8));
            if !world.tencent.values().flat_map(|r| r.values()).any(|s| s.snapshots.contains_key(candidate.as_str())) {
                break candidate;
            }
        };
        let seq = world.next_seq();
        let deadline = retention_deadline(&pol, at);
        let snap = Snapshot {
            auto_policy_id: Some(policy_id.to_string()),
            is_permanent: pol.is_permanent,
            ..Snapshot::of_disk(&d, id.clone(), format!("auto_{disk_id}_{stamp}"), deadline, at, seq)
        };
        let log = world.next_seq();
        let store = world.tc(account, region);
        store.snapshots.insert(id.as_str().into(), Shared::new(snap));
        store.recount_snapshots(disk_id);
        super::super::snapshots::log_snapshot(store, log, &id, &uin, "ASP_OPERATION_CREATE_SNAP", at, false);
        planned.push((id, log, deadline));
    }
    for disk_id in &pol.disk_ids {
        prune(world, &uin, account, region, &pol, disk_id, at);
    }
    for (id, log, deadline) in planned {
        world.schedule(account, region, Gate::new(timing, at), TcWork::CreateSnapshot { snapshot_id: id.clone(), log });
        if let Some(dl) = deadline {
            world.schedule(account, region, Gate::at(at, dl), TcWork::ExpireSnapshot { snapshot_id: id });
        }
    }
    let store = world.tc(account, region);
    let Some(pol) = store.policies.get_mut(policy_id) else { return };
    pol.next_trigger_ms = next_trigger(&pol.schedules, pol.created_ms, at);
    if let Some(next) = pol.next_trigger_ms {
        let generation = pol.generation;
        world.schedule(
            account,
            region,
            Gate::at(at, next),
            TcWork::FirePolicy { policy_id: policy_id.to_string(), generation },
        );
    }
}
