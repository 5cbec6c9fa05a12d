//! The seed inventory: things the twin does not create through its own APIs but that requests
//! refer to — CVM instances (with their system disks) and pre-existing data disks. Loaded at
//! start from fixtures/inventory.json (or `--seed FILE`) and again on every reset.

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

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Inventory {
    #[serde(default)]
    pub tencent: Vec<TencentSeed>,
    /// ECS servers and EVS volumes per Huawei project.
    #[serde(default)]
    pub huawei: Vec<crate::huawei::seed::HuaweiSeed>,
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
