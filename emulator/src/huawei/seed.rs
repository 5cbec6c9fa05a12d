//! Turn the seed inventory into Huawei state: ECS servers with their EVS volumes, and volumes
//! of their own, per project. Also used by the control plane to add resources at run time.

use super::model::{Server, Tag, Volume};
use crate::config::Config;
use crate::huawei::world::World;
use crate::inventory::Inventory;
pub use crate::inventory::{HuaweiSeed, SeedServer, SeedTag, SeedVolume};

pub fn add_server(world: &mut World, project: &str, s: &SeedServer, now_ms: i64) {
    let p = world.huawei.entry(project.to_string()).or_default();
    for (i, v) in s.volumes.iter().enumerate() {
        let device = v.device.clone().unwrap_or_else(|| format!("/dev/vd{}", (b'a' + i as u8) as char));
        p.volumes.insert(v.id.clone(), volume(v, &s.availability_zone, Some((&s.id, device)), now_ms));
    }
    p.servers.insert(
        s.id.clone(),
        Server {
            id: s.id.clone(),
            name: s.name.clone(),
            status: s.status.clone(),
            availability_zone: s.availability_zone.clone(),
            flavor: s.flavor.clone(),
            image_id: s.image_id.clone(),
            architecture: s.architecture.clone(),
            os_type: s.os_type.clone(),
            volumes: s.volumes.iter().map(|v| v.id.clone()).collect(),
            tags: tags(&s.tags),
            created_ms: now_ms,
            agent_version: s.agent_version.clone(),
        },
    );
}

/// Add one unattached volume to a project.
pub fn add_volume(world: &mut World, project: &str, v: &SeedVolume, default_az: &str, now_ms: i64) {
    let az = v.availability_zone.clone().unwrap_or_else(|| default_az.to_string());
    let vol = volume(v, &az, None, now_ms);
    world.huawei.entry(project.to_string()).or_default().volumes.insert(v.id.clone(), vol);
}

fn volume(v: &SeedVolume, az: &str, attached: Option<(&str, String)>, now_ms: i64) -> Volume {
    Volume {
        id: v.id.clone(),
        name: v.name.clone(),
        size: v.size,
        status: if attached.is_some() { "in-use" } else { "available" }.into(),
        volume_type: v.volume_type.clone(),
        availability_zone: v.availability_zone.clone().unwrap_or_else(|| az.to_string()),
        bootable: v.bootable,
        server_id: attached.as_ref().map(|(s, _)| s.to_string()),
        device: attached.map(|(_, d)| d),
        tags: tags(&v.tags),
        created_ms: now_ms,
    }
}

pub fn apply(world: &mut World, cfg: &Config, inventory: &Inventory, now_ms: i64) -> Result<(), String> {
    for seed in &inventory.huawei {
        let (_, _, region) = super::settings::project_owner(cfg, &seed.project_id)
            .ok_or_else(|| format!("inventory: Huawei project `{}` is not configured", seed.project_id))?;
        let az = cfg.huawei.region(region).and_then(|r| r.azs.first()).cloned().unwrap_or_default();
        for s in &seed.servers {
            add_server(world, &seed.project_id, s, now_ms);
        }
        for v in &seed.volumes {
            add_volume(world, &seed.project_id, v, &az, now_ms);
        }
    }
    Ok(())
}

fn tags(seed: &[SeedTag]) -> Vec<Tag> {
    seed.iter().map(|t| Tag { key: t.key.clone(), value: t.value.clone() }).collect()
}
