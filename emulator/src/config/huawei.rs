//! Huawei configuration: who the caller is (domain, user, AK/SK, one project per region) and
//! what the regions offer. Limits the document names without numbers are values here.

use serde::{Deserialize, Serialize};

pub const DEFAULT_AK: &str = "CLOUDTWINEXAMPLEAK00";
pub const DEFAULT_SK: &str = "cloudtwinEXAMPLEsecretaccesskey0000000000";
pub const DEFAULT_PROJECT: &str = "0123456789abcdef0123456789abcdef";
pub const PEER_AK: &str = "CLOUDTWINEXAMPLEPEER";
pub const PEER_SK: &str = "cloudtwinEXAMPLEpeerSecretAccessKey00000";

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct AkSk {
    pub ak: String,
    /// Never logged, never returned by the control plane.
    #[serde(skip_serializing)]
    pub sk: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct HwProjectCfg {
    /// 32 lowercase hex digits, as IAM issues them.
    pub id: String,
    /// The region the project lives in; IAM names the project after it.
    pub region: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct HuaweiIdentity {
    pub domain_id: String,
    pub domain_name: String,
    pub user_id: String,
    pub user_name: String,
    /// For `POST /v3/auth/tokens` with the password method.
    #[serde(skip_serializing)]
    pub password: String,
    pub keys: Vec<AkSk>,
    pub projects: Vec<HwProjectCfg>,
}

impl HuaweiIdentity {
    pub fn default_account() -> HuaweiIdentity {
        HuaweiIdentity {
            domain_id: "c0ffee00c0ffee00c0ffee00c0ffee01".into(),
            domain_name: "cloudtwin".into(),
            user_id: "d00d0000d00d0000d00d0000d00d0001".into(),
            user_name: "cloudtwin-user".into(),
            password: "cloudtwin-password".into(),
            keys: vec![AkSk { ak: DEFAULT_AK.into(), sk: DEFAULT_SK.into() }],
            projects: vec![
                HwProjectCfg { id: DEFAULT_PROJECT.into(), region: "cn-north-4".into() },
                HwProjectCfg { id: "1123456789abcdef0123456789abcdef".into(), region: "cn-south-1".into() },
                HwProjectCfg { id: "2123456789abcdef0123456789abcdef".into(), region: "cn-east-3".into() },
                HwProjectCfg { id: "3123456789abcdef0123456789abcdef".into(), region: "ap-southeast-1".into() },
            ],
        }
    }

    pub fn peer_account() -> HuaweiIdentity {
        HuaweiIdentity {
            domain_id: "c0ffee00c0ffee00c0ffee00c0ffee02".into(),
            domain_name: "cloudtwin-peer".into(),
            user_id: "d00d0000d00d0000d00d0000d00d0002".into(),
            user_name: "cloudtwin-peer-user".into(),
            password: "cloudtwin-peer-password".into(),
            keys: vec![AkSk { ak: PEER_AK.into(), sk: PEER_SK.into() }],
            projects: vec![
                HwProjectCfg { id: "a123456789abcdef0123456789abcdef".into(), region: "cn-north-4".into() },
                HwProjectCfg { id: "b123456789abcdef0123456789abcdef".into(), region: "cn-south-1".into() },
            ],
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct HwRegion {
    pub id: String,
    pub name: String,
    pub azs: Vec<String>,
    /// Regions this one can replicate backups to (ShowReplicationCapabilities, CopyBackup).
    pub replication_destinations: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct HuaweiLimits {
    /// Vaults per project (BackupService.6133 beyond it).
    pub vaults_per_project: usize,
    /// Resources bound to one vault (BackupService.6100 beyond it).
    pub resources_per_vault: usize,
    /// Policies of one operation type per project (BackupService.6001 beyond it).
    pub policies_per_type: usize,
    /// Tags per vault (BackupService.6600 beyond it).
    pub tags_per_vault: usize,
    /// Available backup paths per file-backup agent (BackupService.7407 beyond it).
    pub paths_per_agent: usize,
    /// An incremental backup stores this share of the resource's size, in percent; a full
    /// backup stores all of it. Drives `billing.used` and auto-expansion.
    pub incremental_percent: i64,
    /// Clock skew allowed between `X-Sdk-Date` and the twin's clock, in seconds.
    pub signature_skew_secs: i64,
    /// Lifetime of an IAM token, in seconds.
    pub token_ttl_secs: i64,
    /// Projects one backup can be shared with (BackupService.6701 beyond it).
    pub members_per_backup: usize,
}

impl Default for HuaweiLimits {
    fn default() -> Self {
        HuaweiLimits {
            vaults_per_project: 100,
            resources_per_vault: 256,
            policies_per_type: 32,
            tags_per_vault: 10,
            paths_per_agent: 100,
            incremental_percent: 10,
            signature_skew_secs: 15 * 60,
            token_ttl_secs: 24 * 3600,
            members_per_backup: 10,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct HuaweiSettings {
    pub regions: Vec<HwRegion>,
    pub limits: HuaweiLimits,
    pub organization: HwOrganization,
}

/// The organization (Huawei Organizations) the configured accounts belong to. Its management
/// account and delegated administrators manage organization policies; those deploy into the
/// member accounts an `effective_scope` names.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct HwOrganization {
    /// `o-` and 32 lowercase letters and digits, like the doc's `o-dgit8w537q7np40f9i22j9ieotkuxbjq`.
    pub id: String,
    pub root_id: String,
    pub management_domain_id: String,
    pub delegated_admins: Vec<String>,
    /// Domain ids of the member accounts, the management account included.
    pub members: Vec<String>,
    pub units: Vec<HwOrgUnit>,
}

/// An organizational unit and the accounts directly in it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct HwOrgUnit {
    pub id: String,
    pub name: String,
    pub domain_ids: Vec<String>,
}

impl Default for HwOrganization {
    fn default() -> Self {
        let (default, peer) = (HuaweiIdentity::default_account().domain_id, HuaweiIdentity::peer_account().domain_id);
        HwOrganization {
            id: "o-cloudtwinexampleorganization0001".into(),
            root_id: "r-ctwn".into(),
            management_domain_id: default.clone(),
            delegated_admins: vec![],
            members: vec![default, peer.clone()],
            units: vec![HwOrgUnit { id: "ou-ctwn-peers001".into(), name: "peers".into(), domain_ids: vec![peer] }],
        }
    }
}

impl HwOrganization {
    pub fn is_admin(&self, domain_id: &str) -> bool {
        self.management_domain_id == domain_id || self.delegated_admins.iter().any(|d| d == domain_id)
    }
}

impl Default for HuaweiSettings {
    fn default() -> Self {
        let r = |id: &str, name: &str, azs: &[&str], dest: &[&str]| HwRegion {
            id: id.into(),
            name: name.into(),
            azs: azs.iter().map(|z| format!("{id}{z}")).collect(),
            replication_destinations: dest.iter().map(|d| d.to_string()).collect(),
        };
        HuaweiSettings {
            regions: vec![
                r("cn-north-4", "CN North-Beijing4", &["a", "b", "c", "g"], &["cn-south-1", "cn-east-3"]),
                r("cn-south-1", "CN South-Guangzhou", &["a", "c", "e", "f"], &["cn-north-4", "cn-east-3"]),
                r("cn-east-3", "CN East-Shanghai1", &["a", "b", "c"], &["cn-north-4", "cn-south-1"]),
                r("ap-southeast-1", "CN-Hong Kong", &["a", "b"], &["cn-south-1"]),
            ],
            limits: HuaweiLimits::default(),
            organization: HwOrganization::default(),
        }
    }
}

impl HuaweiSettings {
    pub fn region(&self, id: &str) -> Option<&HwRegion> {
        self.regions.iter().find(|r| r.id == id)
    }
}
