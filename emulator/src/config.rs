//! Configuration: accounts and their credentials, the Tencent catalog (regions, zones, disk types,
//! prices, limits), timing of async work. Defaults are built in; a JSON file overrides any part.
//! Everything the docs leave open (size ranges, quotas, prices) is a value here, not a constant in
//! a handler, so a user can make the twin match their own account.

use serde::{Deserialize, Serialize};

use crate::timing::TimingPolicy;

/// How strictly request signatures are checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum AuthMode {
    /// Reject requests whose signature does not verify (the real clouds' behaviour).
    #[default]
    Enforce,
    /// Verify and log failures, but serve the request anyway.
    Log,
    /// Do not verify; the caller's key still selects the account when it is known.
    Off,
}

impl std::str::FromStr for AuthMode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "enforce" => Ok(AuthMode::Enforce),
            "log" => Ok(AuthMode::Log),
            "off" => Ok(AuthMode::Off),
            other => Err(format!("unknown auth mode `{other}` (expected enforce, log or off)")),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct KeyPair {
    pub secret_id: String,
    /// Never logged, never returned by the control plane.
    #[serde(skip_serializing)]
    pub secret_key: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TencentIdentity {
    pub app_id: u64,
    /// The account UIN; shown as `Operator` in operation logs and used for snapshot sharing.
    pub uin: String,
    pub keys: Vec<KeyPair>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Project {
    pub id: i64,
    pub name: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Account {
    pub name: String,
    pub tencent: Option<TencentIdentity>,
    /// Huawei Cloud identity (domain, AK/SK, one project per region); none = no Huawei access.
    #[serde(default)]
    pub huawei: Option<crate::huawei::settings::HuaweiIdentity>,
    #[serde(default = "default_projects")]
    pub projects: Vec<Project>,
}

fn default_projects() -> Vec<Project> {
    vec![Project { id: 0, name: "Default Project".into() }]
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Region {
    pub id: String,
    pub name: String,
    pub zones: Vec<String>,
}

/// Purchasable size range of one disk type (served by DescribeDiskConfigQuota, enforced by
/// CreateDisks and ResizeDisk).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DiskTypeSpec {
    pub disk_type: String,
    pub min_size: i64,
    pub max_size: i64,
    pub step: i64,
    /// Extra throughput range in MB/s, for the types that support it.
    pub extra_performance: Option<[i64; 2]>,
    /// USD per GB per month (prepaid).
    pub price_gb_month: f64,
    /// USD per GB per hour (pay-as-you-go).
    pub price_gb_hour: f64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct TencentLimits {
    /// Disks per account and region (CreateDisks answers `ResourceInsufficient` beyond it).
    pub disks_per_region: usize,
    /// `DiskCount` upper limit per CreateDisks call.
    pub disks_per_create: i64,
    /// Prepaid disks an account may return (TerminateDisks) before `InsufficientRefundQuota`.
    pub refund_quota: u32,
    /// Days a returned prepaid disk stays in TORECYCLE before it is destroyed.
    pub recycle_days: i64,
    /// Largest `DiskBackupQuota` a disk can have.
    pub max_backup_quota: i64,
    /// Snapshots per disk (CreateSnapshot answers `InsufficientSnapshotQuota` beyond it).
    pub snapshots_per_disk: i64,
    /// Scheduled snapshot policies per account and region.
    pub policies_per_region: usize,
    /// Disks bound to one scheduled snapshot policy.
    pub disks_per_policy: usize,
    /// Free snapshot capacity in GB (GetSnapOverview.FreeQuota).
    pub snapshot_free_quota_gb: f64,
    /// USD per backup point of quota per hour.
    pub backup_point_price_hour: f64,
    /// USD per MB/s of extra throughput per month (prepaid).
    pub throughput_price_month: f64,
    /// USD per MB/s of extra throughput per hour (pay-as-you-go).
    pub throughput_price_hour: f64,
}

impl Default for TencentLimits {
    fn default() -> Self {
        TencentLimits {
            disks_per_region: 500,
            disks_per_create: 50,
            refund_quota: 199,
            recycle_days: 7,
            max_backup_quota: 1024,
            snapshots_per_disk: 64,
            policies_per_region: 30,
            disks_per_policy: 200,
            snapshot_free_quota_gb: 0.0,
            backup_point_price_hour: 0.059,
            throughput_price_month: 3.0,
            throughput_price_hour: 0.006,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct TencentSettings {
    /// Used when a request names no region (every CBS action declares Region optional).
    pub default_region: String,
    pub regions: Vec<Region>,
    pub disk_types: Vec<DiskTypeSpec>,
    pub limits: TencentLimits,
    /// Enforce the documented per-action request rates (`RequestLimitExceeded`). Off by default,
    /// so tests and benchmarks can go as fast as they like.
    pub rate_limits: bool,
}

impl Default for TencentSettings {
    fn default() -> Self {
        TencentSettings {
            default_region: "ap-guangzhou".into(),
            regions: default_regions(),
            disk_types: default_disk_types(),
            limits: TencentLimits::default(),
            rate_limits: false,
        }
    }
}

fn default_regions() -> Vec<Region> {
    let r = |id: &str, name: &str, zones: &[u32]| Region {
        id: id.into(),
        name: name.into(),
        zones: zones.iter().map(|z| format!("{id}-{z}")).collect(),
    };
    vec![
        r("ap-guangzhou", "South China (Guangzhou)", &[2, 3, 4, 6, 7]),
        r("ap-shanghai", "East China (Shanghai)", &[2, 3, 4, 5, 8]),
        r("ap-beijing", "North China (Beijing)", &[3, 4, 5, 6, 7]),
        r("ap-chengdu", "Southwest China (Chengdu)", &[1, 2]),
        r("ap-chongqing", "Southwest China (Chongqing)", &[1]),
        r("ap-hongkong", "Hong Kong, Macao, Taiwan (Hong Kong, China)", &[2, 3]),
        r("ap-singapore", "Southeast Asia (Singapore)", &[1, 2, 3, 4]),
        r("ap-bangkok", "Southeast Asia (Bangkok)", &[1, 2]),
        r("ap-mumbai", "South Asia (Mumbai)", &[1, 2]),
        r("ap-seoul", "Northeast Asia (Seoul)", &[1, 2]),
        r("ap-tokyo", "Northeast Asia (Tokyo)", &[1, 2]),
        r("na-ashburn", "U.S. East Coast (Virginia)", &[1, 2]),
        r("na-siliconvalley", "U.S. West Coast (Silicon Valley)", &[1, 2]),
        r("na-toronto", "North America (Toronto)", &[1]),
        r("eu-frankfurt", "Europe (Frankfurt)", &[1, 2]),
    ]
}

fn default_disk_types() -> Vec<DiskTypeSpec> {
    // Prices are chosen so the documented InquiryPriceCreateDisks examples come out as printed
    // (500 GB CLOUD_TSSD + 100 MB/s for one month = 800; 100 GB CLOUD_PREMIUM hourly = 0.042).
    let t = |name: &str, min: i64, perf: Option<[i64; 2]>, month: f64, hour: f64| DiskTypeSpec {
        disk_type: name.into(),
        min_size: min,
        max_size: 32000,
        step: 1,
        extra_performance: perf,
        price_gb_month: month,
        price_gb_hour: hour,
    };
    vec![
        t("CLOUD_BASIC", 10, None, 0.05, 0.00012),
        t("CLOUD_PREMIUM", 10, None, 0.21, 0.00042),
        t("CLOUD_BSSD", 20, None, 0.30, 0.0006),
        t("CLOUD_SSD", 20, None, 0.50, 0.001),
        t("CLOUD_HSSD", 20, Some([0, 650]), 0.60, 0.0012),
        t("CLOUD_TSSD", 20, Some([0, 1000]), 1.00, 0.002),
    ]
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct Config {
    pub accounts: Vec<Account>,
    pub tencent: TencentSettings,
    pub huawei: crate::huawei::settings::HuaweiSettings,
    pub timing: TimingPolicy,
    /// Makes generated IDs deterministic.
    pub id_seed: Option<u64>,
}

pub const DEFAULT_SECRET_ID: &str = "AKIDcloudtwinEXAMPLEid000000000000";
pub const DEFAULT_SECRET_KEY: &str = "cloudtwinEXAMPLEsecretKey00000000";
/// A second built-in account, so tenancy and sharing work out of the box.
pub const PEER_SECRET_ID: &str = "AKIDcloudtwinEXAMPLEpeer0000000000";
pub const PEER_SECRET_KEY: &str = "cloudtwinEXAMPLEpeerSecretKey0000";

impl Default for Config {
    fn default() -> Self {
        Config {
            accounts: vec![
                Account {
                    name: "default".into(),
                    tencent: Some(TencentIdentity {
                        app_id: 1300000001,
                        uin: "100000000001".into(),
                        keys: vec![KeyPair {
                            secret_id: DEFAULT_SECRET_ID.into(),
                            secret_key: DEFAULT_SECRET_KEY.into(),
                        }],
                    }),
                    huawei: Some(crate::huawei::settings::HuaweiIdentity::default_account()),
                    projects: vec![
                        Project { id: 0, name: "Default Project".into() },
                        Project { id: 1001, name: "cloudtwin-dev".into() },
                    ],
                },
                Account {
                    name: "peer".into(),
                    tencent: Some(TencentIdentity {
                        app_id: 1300000002,
                        uin: "100000000002".into(),
                        keys: vec![KeyPair { secret_id: PEER_SECRET_ID.into(), secret_key: PEER_SECRET_KEY.into() }],
                    }),
                    huawei: Some(crate::huawei::settings::HuaweiIdentity::peer_account()),
                    projects: default_projects(),
                },
            ],
            tencent: TencentSettings::default(),
            huawei: Default::default(),
            timing: TimingPolicy::default(),
            id_seed: None,
        }
    }
}

impl Config {
    /// Load a JSON configuration file; missing sections keep their defaults.
    pub fn from_file(path: &std::path::Path) -> Result<Config, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
    }

    /// Add Tencent keys (`SECRET_ID:SECRET_KEY`) to the first account.
    pub fn add_tencent_keys(&mut self, spec: &str) -> Result<(), String> {
        let account = self.accounts.first_mut().ok_or("no account configured")?;
        let ident = account.tencent.get_or_insert_with(|| TencentIdentity {
            app_id: 1300000001,
            uin: "100000000001".into(),
            keys: vec![],
        });
        for pair in spec.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let (id, key) = pair.split_once(':').ok_or_else(|| format!("`{pair}`: expected SECRET_ID:SECRET_KEY"))?;
            ident.keys.push(KeyPair { secret_id: id.into(), secret_key: key.into() });
        }
        Ok(())
    }

    pub fn validate(&self) -> Result<(), String> {
        if self.accounts.is_empty() {
            return Err("at least one account must be configured".into());
        }
        let mut seen = std::collections::HashSet::new();
        for a in &self.accounts {
            if !seen.insert(a.name.as_str()) {
                return Err(format!("account `{}` is configured twice", a.name));
            }
        }
        crate::huawei::settings::validate(self)?;
        if !self.tencent.regions.iter().any(|r| r.id == self.tencent.default_region) {
            return Err(format!("default region `{}` is not a configured region", self.tencent.default_region));
        }
        Ok(())
    }

    /// The Tencent UIN of an account (the operator in logs, the id in sharing).
    pub fn tencent_uin(&self, account: &str) -> String {
        self.accounts
            .iter()
            .find(|a| a.name == account)
            .and_then(|a| a.tencent.as_ref())
            .map(|t| t.uin.clone())
            .unwrap_or_default()
    }

    pub fn region(&self, id: &str) -> Option<&Region> {
        self.tencent.regions.iter().find(|r| r.id == id)
    }

    pub fn disk_type(&self, t: &str) -> Option<&DiskTypeSpec> {
        self.tencent.disk_types.iter().find(|d| d.disk_type == t)
    }
}
