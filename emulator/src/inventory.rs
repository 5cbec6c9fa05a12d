//! The seed inventory: things the twin does not create through its own APIs but that requests
//! refer to — CVM instances (with their system disks) and pre-existing data disks, UCloudStack
//! VMs (with their boot disks) and disks. Loaded at start from fixtures/inventory.json (or
//! `--seed FILE`) and again on every reset.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
#[serde(rename_all = "PascalCase")]
pub struct SeedSystemDisk {
    pub disk_id: String,
    pub disk_type: String,
    pub disk_size: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
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
#[serde(deny_unknown_fields)]
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
#[serde(deny_unknown_fields)]
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
#[serde(deny_unknown_fields)]
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
#[serde(deny_unknown_fields)]
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
#[serde(deny_unknown_fields)]
pub struct UcsSeed {
    pub account: String,
    pub region: String,
    #[serde(default)]
    pub vms: Vec<UcsSeedVm>,
    #[serde(default)]
    pub disks: Vec<UcsSeedDisk>,
}

/// A Huawei resource tag as the inventory gives it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct SeedTag {
    pub key: String,
    pub value: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SeedVolume {
    pub id: String,
    pub name: String,
    pub size: i64,
    #[serde(default = "sas")]
    pub volume_type: String,
    #[serde(default)]
    pub bootable: bool,
    /// For a volume of its own (not attached); attached ones take the server's.
    #[serde(default)]
    pub availability_zone: Option<String>,
    #[serde(default)]
    pub device: Option<String>,
    #[serde(default)]
    pub tags: Vec<SeedTag>,
}

fn sas() -> String {
    "SAS".into()
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SeedServer {
    pub id: String,
    pub name: String,
    /// Nova status: ACTIVE, SHUTOFF, ERROR.
    #[serde(default = "active")]
    pub status: String,
    pub availability_zone: String,
    #[serde(default = "flavor")]
    pub flavor: String,
    #[serde(default)]
    pub image_id: String,
    #[serde(default = "x86")]
    pub architecture: String,
    #[serde(default = "linux")]
    pub os_type: String,
    #[serde(default)]
    pub tags: Vec<SeedTag>,
    #[serde(default)]
    pub agent_version: Option<String>,
    pub volumes: Vec<SeedVolume>,
}

fn active() -> String {
    "ACTIVE".into()
}
fn flavor() -> String {
    "s6.large.2".into()
}
fn x86() -> String {
    "x86_64".into()
}
fn linux() -> String {
    "Linux".into()
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct HuaweiSeed {
    pub project_id: String,
    #[serde(default)]
    pub servers: Vec<SeedServer>,
    #[serde(default)]
    pub volumes: Vec<SeedVolume>,
}

/// Add one server (and its volumes) to a project.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Inventory {
    #[serde(default)]
    pub tencent: Vec<TencentSeed>,
    /// ECS servers and EVS volumes per Huawei project.
    #[serde(default)]
    pub huawei: Vec<HuaweiSeed>,
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
        Inventory::from_text(&text).map_err(|e| format!("{}: {e}", path.display()))
    }

    /// Strict: a seed file that is not an inventory (an array, a state dump, a typo in a field
    /// name) would otherwise start an empty world without a word.
    pub fn from_text(text: &str) -> Result<Inventory, String> {
        let v: serde_json::Value = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
        let Some(top) = v.as_object() else {
            return Err(format!(
                "a seed inventory is a JSON object with `tencent`, `huawei` and `ucloudstack` lists, not {} \
                 (fixtures/inventory.json shows the format)",
                kind(&v)
            ));
        };
        // A whole export has `format`, `clock` and `world`; its `world` alone has `jobs` and
        // `next_id`.
        let dump = (top.contains_key("world") && top.contains_key("clock"))
            || (top.contains_key("jobs") && top.contains_key("next_id"));
        if dump {
            return Err("this is a state document (GET /_cloudtwin/state), not a seed inventory: start from it \
                        with `serve --import FILE` (fixtures/inventory.json shows the seed format)"
                .into());
        }
        serde_json::from_value(v).map_err(|e| format!("not a seed inventory: {e}"))
    }
}

fn kind(v: &serde_json::Value) -> &'static str {
    match v {
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Null => "null",
        serde_json::Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn builtin_inventory_parses() {
        let inv = super::Inventory::builtin();
        assert!(inv.tencent.iter().any(|s| s.account == "default" && s.region == "ap-guangzhou"));
    }

    #[test]
    fn anything_but_an_inventory_is_refused() {
        use super::Inventory;
        assert!(Inventory::from_text("[]").unwrap_err().contains("not an array"));
        assert!(Inventory::from_text(r#"{"foo": 1}"#).unwrap_err().contains("unknown field `foo`"));
        let dump = r#"{"clock": {"now": 1}, "world": {}}"#;
        assert!(Inventory::from_text(dump).unwrap_err().contains("state document"));
        let world = r#"{"tencent": {}, "jobs": [], "next_id": 1}"#;
        assert!(Inventory::from_text(world).unwrap_err().contains("--import"));
        let typo = r#"{"tencent": [{"account": "a", "region": "r", "disk": []}]}"#;
        assert!(Inventory::from_text(typo).unwrap_err().contains("unknown field `disk`"));
        assert_eq!(Inventory::from_text("{}").unwrap(), Inventory::default());
        assert_eq!(Inventory::from_text(super::BUILTIN).unwrap(), Inventory::builtin());
    }
}
