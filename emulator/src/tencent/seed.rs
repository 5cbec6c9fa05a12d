//! Turn the seed inventory into Tencent state: instances, their system disks, pre-existing disks.

use crate::config::Config;
use crate::core::intern::intern;
use crate::core::shared::Shared;
use crate::inventory::Inventory;
use crate::tencent::model::{state, Disk, DATA_DISK, POSTPAID, PREPAID, SYSTEM_DISK};
use crate::tencent::world::World;

fn base_disk(id: &str, zone: &str, disk_type: &str, size: i64, now_ms: i64, seq: u64) -> Disk {
    Disk {
        disk_id: id.into(),
        disk_name: "Unnamed".into(),
        disk_type: intern(disk_type),
        disk_usage: DATA_DISK.into(),
        disk_charge_type: POSTPAID.into(),
        disk_state: state::UNATTACHED.into(),
        disk_size: size,
        portable: true,
        attached_to: vec![],
        shareable: false,
        attach_mode: None,
        zone: intern(zone),
        project_id: 0,
        encrypt: false,
        delete_with_instance: false,
        renew_flag: None,
        deadline_ms: None,
        snapshot_ability: true,
        snapshot_count: 0,
        snapshot_size_mb: 0,
        migrating: false,
        throughput_performance: 0,
        burst_performance: false,
        backup_disk: false,
        delete_snapshot: 0,
        disk_backup_quota: 0,
        tags: vec![],
        created_ms: now_ms,
        last_attach_instance: None,
        error_prompt: None,
        source_snapshot_id: None,
        auto_snapshot_policy_ids: vec![],
        creating: false,
        seq,
    }
}

/// A new data disk with the defaults CreateDisks documents; callers set the rest.
pub fn new_data_disk(id: &str, zone: &str, disk_type: &str, size: i64, now_ms: i64, seq: u64) -> Disk {
    base_disk(id, zone, disk_type, size, now_ms, seq)
}

pub fn apply(world: &mut World, cfg: &Config, inv: &Inventory, now_ms: i64) -> Result<(), String> {
    for seed in &inv.tencent {
        if !cfg.accounts.iter().any(|a| a.name == seed.account && a.tencent.is_some()) {
            return Err(format!("inventory: no Tencent account named `{}`", seed.account));
        }
        let region = cfg.region(&seed.region).ok_or_else(|| format!("inventory: unknown region `{}`", seed.region))?;
        let check_zone = |z: &str| {
            if region.zones.iter().any(|x| x == z) {
                Ok(())
            } else {
                Err(format!("inventory: zone `{z}` is not in region `{}`", seed.region))
            }
        };
        let check_type =
            |t: &str| cfg.disk_type(t).map(|_| ()).ok_or_else(|| format!("inventory: unknown disk type `{t}`"));
        for inst in &seed.instances {
            check_zone(&inst.zone)?;
            let seq = world.next_seq();
            let store = world.tc(&seed.account, &seed.region);
            if store.instances.insert(inst.instance_id.clone(), inst.clone()).is_some() {
                return Err(format!("inventory: instance `{}` appears twice", inst.instance_id));
            }
            if let Some(sys) = &inst.system_disk {
                check_type(&sys.disk_type)?;
                let mut d = base_disk(&sys.disk_id, &inst.zone, &sys.disk_type, sys.disk_size, now_ms, seq);
                d.disk_name = format!("{}-system", inst.instance_name);
                d.disk_usage = SYSTEM_DISK.into();
                d.portable = false;
                d.disk_charge_type = if inst.instance_charge_type == PREPAID { PREPAID } else { POSTPAID }.into();
                if d.disk_charge_type == PREPAID {
                    d.renew_flag = Some("NOTIFY_AND_MANUAL_RENEW".into());
                    d.deadline_ms = Some(crate::core::clock::add_months_ms(now_ms, 1));
                }
                d.attached_to = vec![inst.instance_id.clone()];
                d.disk_state = state::ATTACHED.into();
                d.last_attach_instance = Some(inst.instance_id.as_str().into());
                d.project_id = inst.project_id;
                d.delete_with_instance = true;
                store.disks.insert(d.disk_id.as_str().into(), Shared::new(d));
            }
        }
        for sd in &seed.disks {
            check_zone(&sd.zone)?;
            check_type(&sd.disk_type)?;
            let seq = world.next_seq();
            let store = world.tc(&seed.account, &seed.region);
            let mut d = base_disk(&sd.disk_id, &sd.zone, &sd.disk_type, sd.disk_size, now_ms, seq);
            d.disk_name = sd.disk_name.clone();
            d.disk_charge_type = intern(&sd.disk_charge_type);
            d.project_id = sd.project_id;
            if d.disk_charge_type == PREPAID {
                d.renew_flag = Some("NOTIFY_AND_MANUAL_RENEW".into());
                d.deadline_ms = Some(crate::core::clock::add_months_ms(now_ms, 1));
            }
            if let Some(i) = &sd.instance_id {
                let inst = store
                    .instances
                    .get(i)
                    .ok_or_else(|| format!("inventory: disk `{}` names unknown instance `{i}`", sd.disk_id))?;
                if inst.zone != sd.zone {
                    return Err(format!("inventory: disk `{}` and instance `{i}` are in different zones", sd.disk_id));
                }
                d.attached_to = vec![i.clone()];
                d.disk_state = state::ATTACHED.into();
                d.last_attach_instance = Some(i.as_str().into());
            }
            if store.disks.insert(d.disk_id.as_str().into(), Shared::new(d)).is_some() {
                return Err(format!("inventory: disk `{}` appears twice", sd.disk_id));
            }
        }
    }
    Ok(())
}
