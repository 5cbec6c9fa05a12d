//! Huawei CBR state: plain data per project (a project is one account in one region). Seeded
//! ECS servers and EVS volumes live beside the vaults that protect them.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::core::change::{Born, Persist, Slot, Table, Undo};
use crate::core::index::{Indexed, Indexer};
use crate::core::intern;
use crate::core::json_text::JsonText;
use crate::core::key::LongKey;
use crate::core::logbook::{Entry, LogBook};
use crate::core::shared::Shared;
use crate::huawei::index::{BackupIndex, BackupKeys};

pub const PROVIDER_SERVER: &str = "0daac4c5-6707-4851-97ba-169e36266b66";
pub const PROVIDER_DISK: &str = "d1603440-187d-4516-af25-121250c7cc97";
pub const PROVIDER_TURBO: &str = "3f3c3220-245c-4805-b811-758870015881";
pub const PROVIDER_VMWARE: &str = "a13639de-00be-4e94-af30-26912d75e4a2";

/// A value of a small closed set (statuses, types, providers, zones, project ids), kept once per
/// process (core/intern.rs): a backup and its task would otherwise hold ~370 bytes of them.
pub use crate::core::intern::Name;

pub const TYPE_SERVER: &str = "OS::Nova::Server";
pub const TYPE_VOLUME: &str = "OS::Cinder::Volume";

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct HwProject {
    pub vaults: Table<String, Vault>,
    pub policies: Table<String, Policy>,
    pub backups: Indexed<LongKey, Shared<Backup>, BackupIndex<Backup>>,
    pub checkpoints: Table<String, Checkpoint>,
    #[serde(with = "crate::core::logbook::by_key")]
    pub oplogs: LogBook<OpLog>,
    /// (when, checkpoint id) of checkpoints whose backups are all gone, forgotten after the
    /// operation-log retention (core/logbook.rs).
    #[serde(skip)]
    pub emptied_checkpoints: Slot<std::collections::BTreeSet<(i64, String)>>,
    pub servers: Table<String, Server>,
    pub volumes: Table<String, Volume>,
    /// File-backup client agents by `agent_id` (API 4.2).
    #[serde(default)]
    pub agents: Table<String, Agent>,
    /// This project's CSBS/VBS → CBR migration, once MigrateDomain started one.
    #[serde(default)]
    pub migration: Slot<Option<Migration>>,
    /// Share records of this project's backups, by record id (sharing.rs).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub members: Table<String, Member>,
    /// Organization policies created from this project (organization.rs).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub org_policies: Table<String, OrgPolicy>,
    /// Made by a request that failed? Then its undo removes the project again.
    #[serde(skip)]
    pub born: Born,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Tag {
    pub key: String,
    pub value: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Billing {
    pub cloud_type: String,
    pub consistent_level: String,
    pub object_type: String,
    pub protect_type: String,
    pub size: i64,
    pub charging_mode: String,
    pub status: String,
    pub is_multi_az: bool,
    /// The yearly/monthly terms of a `pre_paid` vault.
    #[serde(default)]
    pub period: Option<Period>,
    /// Every order placed for the vault, oldest first; the newest is `billing.order_id`.
    #[serde(default)]
    pub orders: Vec<String>,
    /// The product the newest order change named (`billing.product_id`).
    #[serde(default)]
    pub product_id: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Period {
    /// `month` or `year`.
    pub period_type: String,
    /// 1–9 periods.
    pub period_num: i64,
    pub is_auto_renew: bool,
    pub is_auto_pay: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct VaultResource {
    pub id: String,
    pub name: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub exclude_volumes: Vec<String>,
    pub protect_status: String,
    /// SetVaultResource `suspend`: scheduled backups skip the resource.
    pub suspended: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Vault {
    pub id: String,
    pub seq: u64,
    pub name: String,
    pub description: Option<String>,
    pub user_id: String,
    pub created_ms: i64,
    pub updated_ms: i64,
    pub provider_id: String,
    pub resources: Vec<VaultResource>,
    pub tags: Vec<Tag>,
    pub enterprise_project_id: String,
    pub auto_bind: bool,
    pub bind_rules: Vec<Tag>,
    pub auto_expand: bool,
    pub smn_notify: bool,
    pub threshold: i64,
    pub sys_lock_source_service: String,
    pub locked: bool,
    pub availability_zone: Option<String>,
    pub backup_name_prefix: Option<String>,
    pub demand_billing: bool,
    pub billing: Billing,
    /// The bound policies: (policy id, destination vault id for replication policies).
    pub policies: Vec<(String, Option<String>)>,
}

impl Vault {
    pub fn resource(&self, id: &str) -> Option<&VaultResource> {
        self.resources.iter().find(|r| r.id == id)
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct OperationDefinition {
    pub max_backups: Option<i64>,
    pub retention_duration_days: Option<i64>,
    pub day_backups: Option<i64>,
    pub week_backups: Option<i64>,
    pub month_backups: Option<i64>,
    pub year_backups: Option<i64>,
    pub timezone: Option<String>,
    pub full_backup_interval: Option<i64>,
    pub destination_region: Option<String>,
    pub destination_project_id: Option<String>,
    pub enable_acceleration: Option<bool>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Policy {
    pub id: String,
    pub seq: u64,
    pub name: String,
    pub enabled: bool,
    pub operation_type: String,
    pub definition: OperationDefinition,
    pub patterns: Vec<String>,
    pub trigger_id: String,
    /// `trigger.properties.start_time`: the anchor of INTERVAL counting.
    pub start_ms: i64,
    /// Number of automatic backups taken so far, for `full_backup_interval`.
    pub runs: i64,
    /// The organization policy that deployed it (`policy_type: organization_policy_v2`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization_policy_id: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ReplicationRecord {
    pub id: String,
    pub created_ms: i64,
    pub status: String,
    pub vault_id: String,
    pub source_backup_id: String,
    pub source_checkpoint_id: String,
    pub source_project_id: String,
    pub source_region: String,
    pub destination_backup_id: String,
    pub destination_checkpoint_id: String,
    pub destination_project_id: String,
    pub destination_region: String,
    pub destination_vault_id: String,
    pub progress: i64,
    pub fail_code: String,
    pub fail_reason: String,
    pub auto_trigger: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Backup {
    pub id: String,
    pub seq: u64,
    pub name: String,
    pub description: Option<String>,
    pub checkpoint_id: String,
    pub vault_id: String,
    #[serde(deserialize_with = "intern::de")]
    pub project_id: Name,
    #[serde(deserialize_with = "intern::de")]
    pub provider_id: Name,
    pub resource_id: String,
    pub resource_name: String,
    #[serde(deserialize_with = "intern::de")]
    pub resource_type: Name,
    pub resource_size: i64,
    #[serde(deserialize_with = "intern::de")]
    pub resource_az: Name,
    #[serde(deserialize_with = "intern::de")]
    pub image_type: Name,
    #[serde(deserialize_with = "intern::de")]
    pub status: Name,
    pub parent_id: Option<String>,
    pub children: Vec<String>,
    pub created_ms: i64,
    pub updated_ms: i64,
    pub protected_ms: Option<i64>,
    pub expired_ms: Option<i64>,
    pub incremental: bool,
    pub auto_trigger: bool,
    /// The policy whose trigger made it (retention applies only to those).
    pub policy_id: Option<String>,
    /// Stored data in MB (counts toward the vault's `billing.used`).
    pub size_mb: i64,
    pub bootable: bool,
    pub snapshot_id: Option<String>,
    pub replication_records: Vec<ReplicationRecord>,
    /// What the resource looked like when it was backed up (ShowMetadata), as JSON text.
    pub metadata: JsonText,
}

/// A backup shared with another project: `pending` until that project accepts (into one of its
/// vaults) or rejects it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Member {
    pub id: String,
    pub seq: u64,
    pub backup_id: String,
    pub dest_project_id: String,
    pub status: String,
    /// The receiving project's vault, while accepted.
    pub vault_id: Option<String>,
    pub created_ms: i64,
    /// None until the receiver first answers.
    pub updated_ms: Option<i64>,
}

/// An organization-wide policy and where it is deployed: one policy per member project.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct OrgPolicy {
    pub id: String,
    pub seq: u64,
    pub name: String,
    pub description: Option<String>,
    pub operation_type: String,
    pub domain_id: String,
    pub domain_name: String,
    pub policy_name: String,
    pub policy_enabled: bool,
    pub definition: OperationDefinition,
    pub patterns: Vec<String>,
    pub effective_scope: String,
    /// syncing (first deployment), updating, deleting, available.
    pub status: String,
    pub deployments: Vec<OrgDeployment>,
}

/// One project's copy of an organization policy.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct OrgDeployment {
    /// The policy deployed into `project_id`.
    pub policy_id: String,
    pub domain_id: String,
    pub project_id: String,
    /// syncing, updating, deleting, available, error.
    pub status: String,
    pub error_msg: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Skipped {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub name: String,
    pub code: String,
    pub reason: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Checkpoint {
    pub id: String,
    pub vault_id: String,
    pub created_ms: i64,
    pub status: String,
    pub name: Option<String>,
    pub description: Option<String>,
    pub resources: Vec<String>,
    pub skipped: Vec<Skipped>,
    pub backups: Vec<String>,
    pub retention_duration: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct OpLog {
    pub id: String,
    pub seq: u64,
    #[serde(deserialize_with = "intern::de")]
    pub operation_type: Name,
    #[serde(deserialize_with = "intern::de")]
    pub status: Name,
    pub checkpoint_id: String,
    pub policy_id: String,
    #[serde(deserialize_with = "intern::de")]
    pub provider_id: Name,
    pub vault_id: String,
    pub vault_name: String,
    pub created_ms: i64,
    pub started_ms: Option<i64>,
    pub ended_ms: Option<i64>,
    pub updated_ms: i64,
    #[serde(deserialize_with = "intern::de")]
    pub error_code: Name,
    pub error_message: String,
    /// The type-specific parts of `extra_info` (`backup`, `restore`, `replication`, ...).
    pub extra: JsonText,
    pub progress: i64,
    pub request_id: String,
    /// `extra_info.resource`: (id, name, type).
    pub resource: Option<(String, String, String)>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Server {
    pub id: String,
    pub name: String,
    /// Nova status: ACTIVE, SHUTOFF, ERROR, DELETED.
    pub status: String,
    pub availability_zone: String,
    pub flavor: String,
    pub image_id: String,
    pub architecture: String,
    pub os_type: String,
    pub volumes: Vec<String>,
    pub tags: Vec<Tag>,
    pub created_ms: i64,
    /// Version of the app-consistency agent, when one is installed (CheckAgent).
    #[serde(default)]
    pub agent_version: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Volume {
    pub id: String,
    pub name: String,
    pub size: i64,
    /// Cinder status: available, in-use, error, deleting.
    pub status: String,
    pub volume_type: String,
    pub availability_zone: String,
    pub bootable: bool,
    pub server_id: Option<String>,
    pub device: Option<String>,
    pub tags: Vec<Tag>,
    pub created_ms: i64,
}

/// A file-backup client (agent) as it registered itself.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Agent {
    pub agent_id: String,
    pub seq: u64,
    pub agent_version: String,
    pub agent_type: Option<String>,
    pub host_name: String,
    pub host_nickname: String,
    pub host_ip: String,
    pub host_os: String,
    /// normal, abnormal or uninstall.
    pub status: String,
    pub created_ms: i64,
    pub updated_ms: i64,
    pub last_active_ms: i64,
    pub paths: Vec<AgentPath>,
}

/// A directory an agent backs up.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct AgentPath {
    pub id: String,
    pub dir_path: String,
    /// available, or remove once RemoveAgentPath took it out (it stays listed).
    pub status: String,
    pub exclude_paths: Vec<String>,
}

/// One project's CSBS/VBS → CBR migration.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Migration {
    /// migrating, success or failed.
    pub status: String,
    /// The default expansion ratio of the vaults the migration creates (0–1).
    pub reservation: f64,
    pub started_ms: i64,
    pub ended_ms: Option<i64>,
    /// Percent done once it ended (while migrating it follows the job's gate).
    pub progress: i64,
    pub fail_code: Option<i64>,
    pub fail_reason: Option<String>,
}

/// Async work on the clock, addressed by project.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum HwWork {
    /// A task leaves `waiting` for `running`, then `then` runs on its own gate (`observed`:
    /// whether that gate waits for a read, as for work a caller polls).
    TaskStart {
        project: String,
        oplog: String,
        then: Box<HwWork>,
        observed: bool,
    },
    /// One resource's backup of a checkpoint is written.
    BackupDone {
        project: String,
        checkpoint: String,
        backup: String,
        oplog: String,
    },
    RestoreDone {
        project: String,
        backup: String,
        oplog: String,
    },
    DeleteDone {
        project: String,
        backup: String,
        oplog: String,
    },
    VaultDeleteDone {
        project: String,
        vault: String,
        oplog: String,
    },
    /// A replica lands in `destination` (a project), named and described as the request asked.
    ReplicationDone {
        project: String,
        backup: String,
        record: String,
        oplog: String,
        destination: String,
        name: Option<String>,
        description: Option<String>,
    },
    /// A policy's next trigger time.
    PolicyTick {
        project: String,
        policy: String,
    },
    /// A backup reaches its `expired_at`.
    Expire {
        project: String,
        backup: String,
    },
    /// A project's CSBS/VBS → CBR migration ends.
    MigrateDone {
        project: String,
    },
    /// An organization policy's deployments catch up with it (or, when deleting, go away).
    OrgPolicySync {
        project: String,
        policy: String,
    },
}

impl HwWork {
    /// The resource a control-plane `jobs/complete {target}` names.
    pub fn target(&self) -> &str {
        match self {
            HwWork::TaskStart { oplog, .. } => oplog,
            HwWork::BackupDone { backup, .. } => backup,
            HwWork::RestoreDone { backup, .. } | HwWork::DeleteDone { backup, .. } => backup,
            HwWork::ReplicationDone { backup, .. } => backup,
            HwWork::VaultDeleteDone { vault, .. } => vault,
            HwWork::PolicyTick { policy, .. } => policy,
            HwWork::Expire { backup, .. } => backup,
            HwWork::OrgPolicySync { policy, .. } => policy,
            HwWork::MigrateDone { project } => project,
        }
    }

    pub fn is_scheduled(&self) -> bool {
        matches!(self, HwWork::PolicyTick { .. } | HwWork::Expire { .. })
    }

    pub fn project(&self) -> &str {
        match self {
            HwWork::TaskStart { project, .. }
            | HwWork::BackupDone { project, .. }
            | HwWork::RestoreDone { project, .. }
            | HwWork::DeleteDone { project, .. }
            | HwWork::VaultDeleteDone { project, .. }
            | HwWork::ReplicationDone { project, .. }
            | HwWork::PolicyTick { project, .. }
            | HwWork::Expire { project, .. }
            | HwWork::OrgPolicySync { project, .. }
            | HwWork::MigrateDone { project } => project,
        }
    }

    /// Whether a read in `project` watches this work (a replica is polled for at its destination).
    pub fn watched_from(&self, project: &str) -> bool {
        match self {
            HwWork::ReplicationDone { destination, .. } => destination == project,
            HwWork::TaskStart { then, .. } => then.watched_from(project),
            _ => false,
        }
    }

    pub fn oplog(&self) -> Option<&str> {
        match self {
            HwWork::PolicyTick { .. }
            | HwWork::Expire { .. }
            | HwWork::OrgPolicySync { .. }
            | HwWork::MigrateDone { .. } => None,
            HwWork::TaskStart { oplog, .. }
            | HwWork::BackupDone { oplog, .. }
            | HwWork::RestoreDone { oplog, .. }
            | HwWork::DeleteDone { oplog, .. }
            | HwWork::VaultDeleteDone { oplog, .. }
            | HwWork::ReplicationDone { oplog, .. } => Some(oplog),
        }
    }
}

/// An IAM token: who it is for and until when.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Token {
    pub account: String,
    pub project_id: String,
    pub user_id: String,
    pub issued_ms: i64,
    pub expires_ms: i64,
}

/// A failure the control plane asked for: the next `count` tasks of `operation_type` (and, when
/// given, about `target`) end `failed`, and their backups `error`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Fault {
    pub operation_type: String,
    pub target: Option<String>,
    pub count: u32,
}

impl Entry for OpLog {
    type Key = String;
    /// Task ids are random UUIDs: a map takes them in any order (boxed: a task is large).
    type Shelf = crate::core::logbook::BoxedMap<String, OpLog>;
    fn key(&self) -> String {
        self.id.clone()
    }
    fn ended_ms(&self) -> Option<i64> {
        self.ended_ms
    }
}

impl HwProject {
    /// Every container of state in it, by name, once: its undo and the durable store (world.rs)
    /// both walk this list, and a new field does not compile until it is named here.
    pub fn parts(&mut self, f: &mut dyn FnMut(&'static str, &mut dyn Persist)) {
        let HwProject {
            vaults,
            policies,
            backups,
            checkpoints,
            oplogs,
            emptied_checkpoints,
            servers,
            volumes,
            agents,
            migration,
            members,
            org_policies,
            born: _,
        } = self;
        f("vaults", vaults);
        f("policies", policies);
        f("backups", backups);
        f("checkpoints", checkpoints);
        f("oplogs", oplogs);
        f("emptied_checkpoints", emptied_checkpoints);
        f("servers", servers);
        f("volumes", volumes);
        f("agents", agents);
        f("migration", migration);
        f("members", members);
        f("org_policies", org_policies);
    }
}

impl Undo for HwProject {
    fn undo(&mut self, epoch: u64) {
        self.parts(&mut |_, part| part.undo(epoch));
    }
}

impl HwProject {
    /// Forget the tasks that ended, and the emptied checkpoints, before `cutoff_ms` (retention:
    /// core/logbook.rs).
    pub fn forget_before(&mut self, cutoff_ms: i64) {
        self.oplogs.forget_before(cutoff_ms);
        self.forget_emptied_checkpoints(cutoff_ms);
    }

    /// Forget the checkpoints emptied before `cutoff_ms` that are still empty.
    fn forget_emptied_checkpoints(&mut self, cutoff_ms: i64) {
        while self.emptied_checkpoints.first().is_some_and(|(at, _)| *at < cutoff_ms) {
            let (_, id) = self.emptied_checkpoints.get_mut().pop_first().expect("just seen");
            let empty = self
                .checkpoints
                .get(&id)
                .is_some_and(|c| c.backups.iter().all(|b| !self.backups.contains_key(b.as_str())));
            if empty {
                self.checkpoints.remove(&id);
            }
        }
    }
}

/// What the indexes keep of each entry (BackupIndex holds the lists).
impl Indexer<LongKey, Shared<Backup>> for BackupIndex<Backup> {
    type Keys = Option<BackupKeys>;

    fn keys(_: &LongKey, b: &Shared<Backup>) -> Self::Keys {
        b.parent_id.is_none().then(|| BackupKeys {
            seq: b.seq,
            created: b.created_ms,
            updated: b.updated_ms,
            protected: b.protected_ms.unwrap_or(0),
            size_mb: b.size_mb,
            name: b.name.clone(),
            status: b.status.to_string(),
            vault: b.vault_id.clone(),
            resource: b.resource_id.clone(),
            resource_type: b.resource_type.to_string(),
            image_type: b.image_type.to_string(),
            checkpoint: b.checkpoint_id.clone(),
        })
    }

    fn add(&mut self, id: &LongKey, keys: &Self::Keys) {
        self.add_keys(id, keys);
    }

    fn remove(&mut self, id: &LongKey, keys: &Self::Keys) {
        self.remove_keys(id, keys);
        self.release(id, keys);
    }

    fn settle(&mut self) {
        BackupIndex::settle(self);
    }

    const HOLDS: bool = true;

    fn hold(&mut self, _: &LongKey, keys: &Self::Keys, row: &Shared<Backup>) {
        if let Some(k) = keys {
            self.rows.hold(k.seq, row);
        }
    }

    fn release(&mut self, id: &LongKey, keys: &Self::Keys) {
        if let Some(k) = keys {
            self.rows.release(k.seq, |r| *r.id == **id);
        }
    }
}
