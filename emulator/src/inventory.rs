//! The seed inventory: things the twin does not create through its own APIs but that requests
//! refer to — CVM instances (with their system disks) and pre-existing data disks, UCloudStack
//! VMs (with their boot disks) and disks. Loaded at start from fixtures/inventory.json (or
//! `--seed FILE`) and again on every reset.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct SeedSystemDisk {
    pub disk_id: String,
    pub disk_type: String,
    pub disk_size: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct SeedInstance {
    pub instance_id: String,
    pub instance_name: String,
    pub zone: String,
    /// CVM state: RUNNING, STOPPED, SHUTDOWN (isolated), ...
    pub instance_state: String,
    pub instance_charge_type: String,
    #[serde(default)]
    pub private_ip_addresses: Vec<String>,
    #[serde(default)]
    pub public_ip_addresses: Vec<String>,
    /// Most data disks the instance can have attached (`MaxAttachCount`).
    #[serde(default = "default_max_attach")]
    pub max_data_disk_count: i64,
    #[serde(default)]
    pub project_id: i64,
    pub system_disk: Option<SeedSystemDisk>,
}

fn default_max_attach() -> i64 {
    20
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct SeedDisk {
    pub disk_id: String,
    #[serde(default = "unnamed")]
    pub disk_name: String,
    pub disk_type: String,
    pub disk_size: i64,
    pub zone: String,
    #[serde(default = "postpaid")]
    pub disk_charge_type: String,
    /// Attached to this instance at start, when set.
    #[serde(default)]
    pub instance_id: Option<String>,
    #[serde(default)]
    pub project_id: i64,
}

fn unnamed() -> String {
    "Unnamed".into()
}
fn postpaid() -> String {
    "POSTPAID_BY_HOUR".into()
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TencentSeed {
    pub account: String,
    pub region: String,
    #[serde(default)]
    pub instances: Vec<SeedInstance>,
    #[serde(default)]
    pub disks: Vec<SeedDisk>,
}

/// A UCloudStack disk that exists before any request: a VM's boot disk or a data disk.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct UcsSeedDisk {
    #[serde(rename = "DiskID")]
    pub disk_id: String,
    #[serde(rename = "Name", default)]
    pub name: String,
    #[serde(rename = "Size")]
    pub size: i64,
    #[serde(rename = "SetType")]
    pub set_type: String,
    /// Data disks only: the zone (a boot disk is in its VM's zone).
    #[serde(rename = "Zone", default)]
    pub zone: String,
    /// Data disks only: bound to this VM at start, when set.
    #[serde(rename = "AttachResourceID", default)]
    pub attach_resource_id: Option<String>,
}

/// A UCloudStack VM: what disks are bound to and what RollbackSnapshot checks (its state).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct UcsSeedVm {
    #[serde(rename = "VMID")]
    pub vm_id: String,
    #[serde(rename = "Name")]
    pub name: String,
    #[serde(rename = "Zone")]
    pub zone: String,
    /// Running or Stopped.
    #[serde(rename = "State")]
    pub state: String,
    #[serde(rename = "BootDisk")]
    pub boot_disk: UcsSeedDisk,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct UcsSeed {
    pub account: String,
    pub region: String,
    #[serde(default)]
    pub vms: Vec<UcsSeedVm>,
    #[serde(default)]
    pub disks: Vec<UcsSeedDisk>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Inventory {
    #[serde(default)]
    pub tencent: Vec<TencentSeed>,
    /// ECS servers and EVS volumes per Huawei project.
    #[serde(default)]
    pub huawei: Vec<crate::huawei::seed::HuaweiSeed>,
    #[serde(default)]
    pub ucloudstack: Vec<UcsSeed>,
}

/// The inventory shipped in fixtures/, compiled in so the binary runs from anywhere.
pub const BUILTIN: &str = include_str!("../../fixtures/inventory.json");

impl Inventory {
    pub fn builtin() -> Inventory {
        serde_json::from_str(BUILTIN).expect("fixtures/inventory.json is valid")
    }

    pub fn from_file(path: &std::path::Path) -> Result<Inventory, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn builtin_inventory_parses() {
        let inv = super::Inventory::builtin();
        assert!(inv.tencent.iter().any(|s| s.account == "default" && s.region == "ap-guangzhou"));
    }
}
