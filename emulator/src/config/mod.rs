//! Configuration: accounts and their credentials, the Tencent catalog (regions, zones, disk types,
//! prices, limits), timing of async work. Defaults are built in; a JSON file overrides any part.
//! Everything the docs leave open (size ranges, quotas, prices) is a value here, not a constant in
//! a handler, so a user can make the twin match their own account.

pub mod huawei;

use serde::{Deserialize, Serialize};

use crate::core::timing::TimingPolicy;

pub use crate::core::auth::{AuthMode, SignatureClock};

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
    pub huawei: Option<huawei::HuaweiIdentity>,
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
    /// Keep Tencent's rendered list pages (DescribeDisks, DescribeSnapshots and the gateway's
    /// lists; core/kept.rs). On by default; the top-level `kept_pages` turns off every
    /// family's, this one Tencent's alone (it came first).
    pub kept_pages: bool,
}

impl Default for TencentSettings {
    fn default() -> Self {
        TencentSettings {
            default_region: "ap-guangzhou".into(),
            regions: default_regions(),
            disk_types: default_disk_types(),
            limits: TencentLimits::default(),
            rate_limits: false,
            kept_pages: true,
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
    pub huawei: huawei::HuaweiSettings,
    pub timing: TimingPolicy,
    /// Which clock signature times and IAM tokens are checked against.
    pub signature_clock: SignatureClock,
    /// Makes generated IDs deterministic.
    pub id_seed: Option<u64>,
    pub gateway: GatewaySettings,
    pub ucloudstack: UcsSettings,
    /// Who may reach the twin (Host allowlist, control token) and the body budget.
    pub edge: EdgeSettings,
    /// The request journal's bounds (`GET /_cloudtwin/requests`).
    pub journal: JournalSettings,
    /// Keep recently rendered list pages of every family and serve a repeated one again while
    /// nothing it shows has changed (core/kept.rs). On by default; off, every read renders (the
    /// scale bench turns it off to measure the lists themselves).
    pub kept_pages: bool,
}

/// How much of the traffic the request journal keeps (docs/configuration.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct JournalSettings {
    /// The most entries kept.
    pub entries: usize,
    /// The most bytes the entries take (bodies included).
    pub bytes: usize,
    /// Keep request and answer bodies, credentials masked (`--journal-bodies`).
    pub bodies: bool,
}

impl Default for JournalSettings {
    fn default() -> Self {
        let b = crate::core::journal::Bounds::default();
        JournalSettings { entries: b.entries, bytes: b.bytes, bodies: b.bodies }
    }
}

impl JournalSettings {
    pub fn bounds(&self) -> crate::core::journal::Bounds {
        crate::core::journal::Bounds { entries: self.entries, bytes: self.bytes, bodies: self.bodies }
    }

    pub fn validate(&self) -> Result<(), String> {
        if !(1..=1_000_000).contains(&self.entries) {
            return Err(format!("journal.entries must be 1 to 1000000, not {}", self.entries));
        }
        if !(65_536..=1 << 32).contains(&self.bytes) {
            return Err(format!("journal.bytes must be 65536 to 4294967296, not {}", self.bytes));
        }
        Ok(())
    }
}

/// What the edge lets in, beyond the built-in loopback and cloud names.
#[derive(Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct EdgeSettings {
    /// Bytes of request bodies buffered at once beyond each body's free 64 KiB, all requests
    /// together; at least the largest body limit (64 MiB, Huawei with a token).
    pub body_budget: usize,
    /// How long a body waits for budget before it is answered "busy" (429-class), in ms.
    pub body_wait_ms: u64,
    /// Extra Host names (`name`, `*.suffix`, an IP address); `*` switches the Host check off.
    pub allow_hosts: Vec<String>,
    /// The address the twin listens on (`--listen`); its host is allowed as a Host.
    pub listen: Option<String>,
    /// When set, `/_cloudtwin/*` (but `GET /_cloudtwin/health`) needs it. Never serialized,
    /// never printed.
    #[serde(skip_serializing)]
    pub control_token: Option<String>,
}

impl Default for EdgeSettings {
    fn default() -> Self {
        EdgeSettings {
            body_budget: crate::core::limits::BODY_BUDGET_BYTES,
            body_wait_ms: crate::core::limits::BODY_WAIT_MS,
            allow_hosts: vec![],
            listen: None,
            control_token: None,
        }
    }
}

impl std::fmt::Debug for EdgeSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EdgeSettings")
            .field("body_budget", &self.body_budget)
            .field("body_wait_ms", &self.body_wait_ms)
            .field("allow_hosts", &self.allow_hosts)
            .field("listen", &self.listen)
            .field("control_token", &self.control_token.as_ref().map(|_| "<set>"))
            .finish()
    }
}

impl EdgeSettings {
    /// Whether the control plane is protected by a token (the startup banner wants to know).
    pub fn has_control_token(&self) -> bool {
        self.control_token.is_some()
    }

    pub fn validate(&self) -> Result<(), String> {
        if self.control_token.as_deref().is_some_and(|t| t.trim().is_empty()) {
            return Err("the control token must not be empty (leave it out to switch it off)".into());
        }
        let largest = crate::core::limits::HUAWEI_TOKEN_BODY_BYTES;
        if self.body_budget < largest {
            return Err(format!("edge.body_budget must be at least {largest} bytes (the largest body limit)"));
        }
        if let Some(bad) = self.allow_hosts.iter().find(|h| h.trim().is_empty()) {
            return Err(format!("--allow-host `{bad}`: a host name is needed"));
        }
        Ok(())
    }
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
                    huawei: Some(huawei::HuaweiIdentity::default_account()),
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
                    huawei: Some(huawei::HuaweiIdentity::peer_account()),
                    projects: default_projects(),
                },
            ],
            tencent: TencentSettings::default(),
            huawei: Default::default(),
            timing: TimingPolicy::default(),
            signature_clock: SignatureClock::default(),
            id_seed: None,
            gateway: GatewaySettings::default(),
            ucloudstack: UcsSettings::default(),
            edge: Default::default(),
            journal: Default::default(),
            kept_pages: true,
        }
    }
}

impl Config {
    /// Whether Tencent's list pages (and the gateway's, which are Tencent's) are kept: the
    /// switch of every family, and `tencent.kept_pages`, the older switch of Tencent's alone.
    pub fn tencent_pages_kept(&self) -> bool {
        self.kept_pages && self.tencent.kept_pages
    }

    /// Load a JSON configuration file; missing sections keep their defaults.
    pub fn from_file(path: &std::path::Path) -> Result<Config, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let raw: serde_json::Value = serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        let mut cfg: Config = serde_json::from_value(raw.clone()).map_err(|e| format!("{}: {e}", path.display()))?;
        cfg.keep_builtin_entries_of_known_accounts(&raw);
        Ok(cfg)
    }

    /// A file that configures its own accounts but no `gateway` / `ucloudstack` section keeps
    /// only the built-in tenant mappings and UCloudStack users whose account it still has.
    fn keep_builtin_entries_of_known_accounts(&mut self, raw: &serde_json::Value) {
        let names: Vec<String> = self.accounts.iter().map(|a| a.name.clone()).collect();
        let tencent: Vec<String> =
            self.accounts.iter().filter(|a| a.tencent.is_some()).map(|a| a.name.clone()).collect();
        if raw.get("gateway").is_none() {
            self.gateway.tenants.retain(|t| tencent.contains(&t.account));
        }
        if raw.get("ucloudstack").is_none() {
            self.ucloudstack.accounts.retain(|u| names.contains(&u.account));
        }
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
        validate_huawei(self)?;
        if !self.tencent.regions.iter().any(|r| r.id == self.tencent.default_region) {
            return Err(format!("default region `{}` is not a configured region", self.tencent.default_region));
        }
        self.gateway.validate(&self.accounts)?;
        self.edge.validate()?;
        self.journal.validate()?;
        self.ucloudstack.validate(&self.accounts)
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

// ------------------------------------------------------------------------------------- gateway

/// The seeds' tenant and cluster: every gateway example sends these two.
pub const GATEWAY_TENANT: &str = "system";
pub const GATEWAY_CLUSTER: &str = "72db4b34-1473-418f-ade4-de00b956f16b";

/// One `TenantUuid` + `ClusterUuid` pair of the gateway and the account whose Tencent state it
/// works on.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct GatewayTenant {
    pub tenant_uuid: String,
    pub cluster_uuid: String,
    pub account: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct GatewaySettings {
    pub tenants: Vec<GatewayTenant>,
    /// When set, every gateway request needs `Authorization: Bearer <token>`. The seeds show no
    /// authentication, so it is off by default. Never returned by the control plane.
    #[serde(skip_serializing)]
    pub bearer_token: Option<String>,
}

impl Default for GatewaySettings {
    fn default() -> Self {
        let t = |tenant: &str, account: &str| GatewayTenant {
            tenant_uuid: tenant.into(),
            cluster_uuid: GATEWAY_CLUSTER.into(),
            account: account.into(),
        };
        GatewaySettings { tenants: vec![t(GATEWAY_TENANT, "default"), t("peer", "peer")], bearer_token: None }
    }
}

impl GatewaySettings {
    fn validate(&self, accounts: &[Account]) -> Result<(), String> {
        let mut seen = std::collections::HashSet::new();
        for t in &self.tenants {
            if !accounts.iter().any(|a| a.name == t.account && a.tencent.is_some()) {
                return Err(format!(
                    "gateway tenant `{}` maps to `{}`, which has no Tencent identity",
                    t.tenant_uuid, t.account
                ));
            }
            if !seen.insert((t.tenant_uuid.as_str(), t.cluster_uuid.as_str())) {
                return Err(format!(
                    "gateway tenant `{}` / cluster `{}` is configured twice",
                    t.tenant_uuid, t.cluster_uuid
                ));
            }
        }
        if self.bearer_token.as_deref().is_some_and(str::is_empty) {
            return Err("gateway bearer_token must not be empty (leave it out to switch it off)".into());
        }
        Ok(())
    }

    /// The account a `TenantUuid` / `ClusterUuid` pair works on.
    pub fn account(&self, tenant: &str, cluster: &str) -> Result<&str, TenantError> {
        let mut tenant_known = false;
        for t in &self.tenants {
            if t.tenant_uuid == tenant {
                tenant_known = true;
                if t.cluster_uuid == cluster {
                    return Ok(&t.account);
                }
            }
        }
        Err(if tenant_known { TenantError::UnknownCluster } else { TenantError::UnknownTenant })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TenantError {
    UnknownTenant,
    UnknownCluster,
}

// --------------------------------------------------------------------------------- UCloudStack

/// The default UCloudStack key pair (deliberately fake, like the Tencent ones).
pub const UCS_PUBLIC_KEY: &str = "cloudtwinEXAMPLEucsPublicKey000000000000";
pub const UCS_PRIVATE_KEY: &str = "cloudtwinEXAMPLEucsPrivateKey00000000000000000000000000000000000";
pub const UCS_PEER_PUBLIC_KEY: &str = "cloudtwinEXAMPLEucsPeerPublicKey0000000";
pub const UCS_PEER_PRIVATE_KEY: &str = "cloudtwinEXAMPLEucsPeerPrivateKey0000000000000000000000000000000";

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct UcsProject {
    pub id: String,
    pub name: String,
}

/// A UCloudStack user: its key pair and what SnapshotInfo / Disk print about it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UcsAccount {
    /// The cloudtwin account whose UCloudStack state this user works on.
    pub account: String,
    pub public_key: String,
    /// Never logged, never returned by the control plane.
    #[serde(skip_serializing)]
    pub private_key: String,
    pub company_id: i64,
    pub email: String,
    /// The first project is where resources go when a request names none.
    pub projects: Vec<UcsProject>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UcsRegion {
    pub id: String,
    pub zones: Vec<String>,
}

/// A storage set (`SetType`): what Disk prints for it and the sizes it sells.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UcsSetType {
    pub set_type: String,
    pub alias: String,
    pub arch: String,
    pub iops: i64,
    pub bandwidth: i64,
    pub min_size: i64,
    pub max_size: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct UcsSettings {
    pub accounts: Vec<UcsAccount>,
    pub regions: Vec<UcsRegion>,
    pub set_types: Vec<UcsSetType>,
}

impl Default for UcsSettings {
    fn default() -> Self {
        let project = |id: &str, name: &str| UcsProject { id: id.into(), name: name.into() };
        let set = |t: &str, alias: &str, iops: i64, bandwidth: i64| UcsSetType {
            set_type: t.into(),
            alias: alias.into(),
            arch: "X86".into(),
            iops,
            bandwidth,
            min_size: 10,
            max_size: 8000,
        };
        UcsSettings {
            accounts: vec![
                UcsAccount {
                    account: "default".into(),
                    public_key: UCS_PUBLIC_KEY.into(),
                    private_key: UCS_PRIVATE_KEY.into(),
                    company_id: 200001,
                    email: "default@cloudtwin.example".into(),
                    projects: vec![project("prj-default1", "Default"), project("prj-cloudtw1", "cloudtwin-dev")],
                },
                UcsAccount {
                    account: "peer".into(),
                    public_key: UCS_PEER_PUBLIC_KEY.into(),
                    private_key: UCS_PEER_PRIVATE_KEY.into(),
                    company_id: 200002,
                    email: "peer@cloudtwin.example".into(),
                    projects: vec![project("prj-peer0001", "Default")],
                },
            ],
            regions: vec![UcsRegion { id: "cn".into(), zones: vec!["zone-01".into(), "zone-02".into()] }],
            set_types: vec![set("Normal", "Normal storage", 1000, 100), set("SSD", "SSD storage", 6000, 260)],
        }
    }
}

impl UcsSettings {
    fn validate(&self, accounts: &[Account]) -> Result<(), String> {
        let mut keys = std::collections::HashSet::new();
        let mut names = std::collections::HashSet::new();
        for a in &self.accounts {
            if !accounts.iter().any(|x| x.name == a.account) {
                return Err(format!("ucloudstack user `{}` names unknown account `{}`", a.public_key, a.account));
            }
            if !names.insert(a.account.as_str()) {
                return Err(format!("account `{}` has two ucloudstack users", a.account));
            }
            if a.public_key.is_empty() || !keys.insert(a.public_key.as_str()) {
                return Err(format!("ucloudstack public key `{}` is empty or configured twice", a.public_key));
            }
            if a.projects.is_empty() {
                return Err(format!("ucloudstack user of `{}` needs at least one project", a.account));
            }
        }
        for s in &self.set_types {
            if s.min_size < 1 || s.min_size > s.max_size {
                return Err(format!(
                    "ucloudstack set type `{}`: sizes must satisfy 1 <= min_size <= max_size",
                    s.set_type
                ));
            }
        }
        Ok(())
    }

    pub fn by_public_key(&self, key: &str) -> Option<&UcsAccount> {
        self.accounts.iter().find(|a| a.public_key == key)
    }

    pub fn user(&self, account: &str) -> Option<&UcsAccount> {
        self.accounts.iter().find(|a| a.account == account)
    }

    pub fn region(&self, id: &str) -> Option<&UcsRegion> {
        self.regions.iter().find(|r| r.id == id)
    }

    pub fn set_type(&self, t: &str) -> Option<&UcsSetType> {
        self.set_types.iter().find(|s| s.set_type == t)
    }
}

/// Huawei project ids are 32 lowercase hex digits, unique, each in a configured region.
fn validate_huawei(cfg: &Config) -> Result<(), String> {
    let mut seen = std::collections::HashSet::new();
    for a in &cfg.accounts {
        let Some(ident) = &a.huawei else { continue };
        for p in &ident.projects {
            if p.id.len() != 32 || !p.id.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()) {
                return Err(format!("Huawei project id `{}` must be 32 lowercase hex digits", p.id));
            }
            if !seen.insert(p.id.clone()) {
                return Err(format!("Huawei project `{}` is configured twice", p.id));
            }
            if cfg.huawei.region(&p.region).is_none() {
                return Err(format!("Huawei project `{}` is in unknown region `{}`", p.id, p.region));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod signature_clock_tests {
    use super::*;

    #[test]
    fn each_setting_accepts_its_own_clocks_windows() {
        let wall = chrono::Utc::now().timestamp();
        let virtual_ms = (wall + 3 * 86_400) * 1000;
        let (on_wall, on_virtual, on_neither) = (wall - 100, wall + 3 * 86_400 + 100, wall + 86_400);
        let check = |c: SignatureClock, t| c.accepts(t, virtual_ms, 300);
        assert!(check(SignatureClock::Either, on_wall) && check(SignatureClock::Either, on_virtual));
        assert!(!check(SignatureClock::Either, on_neither));
        assert!(check(SignatureClock::Wall, on_wall) && !check(SignatureClock::Wall, on_virtual));
        assert!(!check(SignatureClock::Virtual, on_wall) && check(SignatureClock::Virtual, on_virtual));
    }

    #[test]
    fn the_config_file_and_the_flag_name_it() {
        assert_eq!(Config::default().signature_clock, SignatureClock::Either);
        let cfg: Config = serde_json::from_str(r#"{"signature_clock": "virtual"}"#).unwrap();
        assert_eq!(cfg.signature_clock, SignatureClock::Virtual);
        assert!(serde_json::from_str::<Config>(r#"{"signature_clock": "sundial"}"#).is_err());
        assert_eq!("wall".parse::<SignatureClock>(), Ok(SignatureClock::Wall));
        assert!("sundial".parse::<SignatureClock>().unwrap_err().contains("either, wall or virtual"));
    }
}
