//! Turn the seed inventory into UCloudStack state: VMs with their boot disks, and data disks.

use super::model::{disk_status, UcsDisk, UcsVm, BOOT, DATA, VM_RUNNING, VM_STOPPED};
use crate::config::Config;
use crate::inventory::{Inventory, UcsSeedDisk};
use crate::ucloudstack::world::World;

/// `/dev/vda` for the boot disk, then `/dev/vdb`, `/dev/vdc`, ... for data disks.
pub fn drive(index: usize) -> String {
    let letter = (b'a' + (index.min(25) as u8)) as char;
    format!("/dev/vd{letter}")
}

fn disk(cfg: &Config, account: &str, sd: &UcsSeedDisk, zone: &str, now_ms: i64, seq: u64) -> Result<UcsDisk, String> {
    let spec = cfg
        .ucloudstack
        .set_type(&sd.set_type)
        .ok_or_else(|| format!("inventory: disk `{}` has unknown SetType `{}`", sd.disk_id, sd.set_type))?;
    if sd.size < spec.min_size || sd.size > spec.max_size {
        return Err(format!(
            "inventory: disk `{}` size {} is outside {}–{} GB",
            sd.disk_id, sd.size, spec.min_size, spec.max_size
        ));
    }
    let project = cfg.ucloudstack.user(account).map(|u| u.projects[0].id.clone()).unwrap_or_default();
    Ok(UcsDisk {
        disk_id: sd.disk_id.clone(),
        name: if sd.name.is_empty() { sd.disk_id.clone() } else { sd.name.clone() },
        remark: String::new(),
        zone: zone.to_string(),
        size: sd.size,
        set_type: sd.set_type.clone(),
        disk_type: DATA.into(),
        status: disk_status::UNBOUND.into(),
        charge_type: "Dynamic".into(),
        project_id: project,
        attached_to: None,
        drive: String::new(),
        created_ms: now_ms,
        expire_ms: None,
        seq,
    })
}

pub fn apply(world: &mut World, cfg: &Config, inv: &Inventory, now_ms: i64) -> Result<(), String> {
    for seed in &inv.ucloudstack {
        if cfg.ucloudstack.user(&seed.account).is_none() {
            return Err(format!("inventory: no UCloudStack user for account `{}`", seed.account));
        }
        let region = cfg
            .ucloudstack
            .region(&seed.region)
            .ok_or_else(|| format!("inventory: unknown UCloudStack region `{}`", seed.region))?;
        let check_zone = |z: &str| {
            if region.zones.iter().any(|x| x == z) {
                Ok(())
            } else {
                Err(format!("inventory: zone `{z}` is not in UCloudStack region `{}`", seed.region))
            }
        };
        for vm in &seed.vms {
            check_zone(&vm.zone)?;
            if vm.state != VM_RUNNING && vm.state != VM_STOPPED {
                return Err(format!("inventory: VM `{}` State must be Running or Stopped", vm.vm_id));
            }
            let seq = world.next_seq();
            let mut boot = disk(cfg, &seed.account, &vm.boot_disk, &vm.zone, now_ms, seq)?;
            boot.disk_type = BOOT.into();
            boot.status = disk_status::BOUND.into();
            boot.attached_to = Some(vm.vm_id.clone());
            boot.drive = drive(0);
            let store = world.ucs(&seed.account, &seed.region);
            let v = UcsVm {
                vm_id: vm.vm_id.clone(),
                name: vm.name.clone(),
                zone: vm.zone.clone(),
                state: vm.state.clone(),
            };
            if store.vms.insert(vm.vm_id.clone(), v).is_some() {
                return Err(format!("inventory: VM `{}` appears twice", vm.vm_id));
            }
            if store.disks.insert(boot.disk_id.clone(), boot).is_some() {
                return Err(format!("inventory: disk `{}` appears twice", vm.boot_disk.disk_id));
            }
        }
        for sd in &seed.disks {
            check_zone(&sd.zone)?;
            let seq = world.next_seq();
            let mut d = disk(cfg, &seed.account, sd, &sd.zone, now_ms, seq)?;
            let store = world.ucs(&seed.account, &seed.region);
            if let Some(vm_id) = &sd.attach_resource_id {
                let vm = store
                    .vms
                    .get(vm_id)
                    .ok_or_else(|| format!("inventory: disk `{}` names unknown VM `{vm_id}`", sd.disk_id))?;
                if vm.zone != sd.zone {
                    return Err(format!("inventory: disk `{}` and VM `{vm_id}` are in different zones", sd.disk_id));
                }
                let bound = store.disks.values().filter(|x| x.attached_to.as_deref() == Some(vm_id)).count();
                d.status = disk_status::BOUND.into();
                d.attached_to = Some(vm_id.clone());
                d.drive = drive(bound);
            }
            if store.disks.insert(d.disk_id.clone(), d).is_some() {
                return Err(format!("inventory: disk `{}` appears twice", sd.disk_id));
            }
        }
    }
    Ok(())
}
