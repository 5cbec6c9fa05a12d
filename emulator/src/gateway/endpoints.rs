//! The gateway's operation table: every endpoint of gateway.tsv by its documented name, with its
//! path, the Tencent action behind it, how it takes `Region`, which ID-list spellings it
//! accepts, its parameter schema and its handler. It drives dispatch and `cloudtwin operations`.

use super::envelope::GwResult;
use super::session::{Gw, Reply};
use super::{disks as d, inspect as i, policies as a, snapshots as s};
use crate::tencent;
use crate::tencent::params::{Field, Params};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegionRule {
    /// `Region` is required.
    Required,
    /// `Region` may be left out (disk/detach); the default region is used.
    Optional,
    /// The distributed/inspect endpoints: every region, or only the one named.
    Everywhere,
}

pub type Handler = fn(&mut Gw<'_>, &Params) -> GwResult<Reply>;

pub struct Endpoint {
    pub name: &'static str,
    pub path: &'static str,
    /// The Tencent action the endpoint translates to (gateway.tsv `backing_tencent_action`).
    pub backing: &'static str,
    pub region: RegionRule,
    /// (table spelling, example spelling) of the ID lists the endpoint takes.
    pub aliases: &'static [(&'static str, &'static str)],
    pub schema: &'static [Field],
    /// A read: lets in-flight work it has seen complete (realistic timing).
    pub read: bool,
    pub handler: Handler,
}

const NONE: &[(&str, &str)] = &[];
const DISK_IDS: &[(&str, &str)] = &[("DiskIds", "DiskId")];
const POLICY_IDS: &[(&str, &str)] = &[("AutoSnapshotPolicyIds", "AutoSnapshotPolicyId")];
const POLICY_AND_DISK_IDS: &[(&str, &str)] =
    &[("AutoSnapshotPolicyIds", "AutoSnapshotPolicyId"), ("DiskIds", "DiskId")];
const SNAPSHOT_IDS: &[(&str, &str)] = &[("SnapshotIds", "SnapshotId")];

macro_rules! table {
    ($($name:literal $path:literal => $backing:literal, $region:ident, $kind:ident, $aliases:expr, $schema:expr, $handler:expr;)*) => {
        pub static ENDPOINTS: &[Endpoint] = &[$(Endpoint {
            name: $name,
            path: $path,
            backing: $backing,
            region: RegionRule::$region,
            aliases: $aliases,
            schema: $schema,
            read: table!(@read $kind),
            handler: $handler,
        }),*];
    };
    (@read read) => { true };
    (@read write) => { false };
    // Counting across regions shows no intermediate state, so it does not count as a read.
    (@read count) => { false };
}

table! {
    "DiskCreate" "/v1/tencent/disk/create" => "CreateDisks", Required, write, NONE, d::DISK_CREATE, d::disk_create;
    "DiskDistributedInspect" "/v1/tencent/disk/distributed/inspect" => "DescribeDisks", Everywhere, count, DISK_IDS, tencent::disks::DESCRIBE_DISKS, i::disk_distributed_inspect;
    "DiskList" "/v1/tencent/disk/list" => "DescribeDisks", Required, read, DISK_IDS, d::DISK_LIST, d::disk_list;
    "DiskInspect" "/v1/tencent/disk/inspect" => "DescribeDisks", Required, read, DISK_IDS, d::DISK_INSPECT, d::disk_inspect;
    "DiskUpdate" "/v1/tencent/disk/update" => "ModifyDiskAttributes", Required, write, DISK_IDS, d::DISK_UPDATE, d::disk_update;
    "DiskResize" "/v1/tencent/disk/resize" => "ResizeDisk", Required, write, DISK_IDS, d::DISK_RESIZE, d::disk_resize;
    "DiskLogsList" "/v1/tencent/disk/logs/list" => "DescribeDiskOperationLogs", Required, read, NONE, d::DISK_LOGS_LIST, d::disk_logs_list;
    "DiskDelete" "/v1/tencent/disk/delete" => "TerminateDisks", Required, write, DISK_IDS, d::DISK_DELETE, d::disk_delete;
    "DiskAttach" "/v1/tencent/disk/attach" => "AttachDisks", Required, write, DISK_IDS, d::DISK_ATTACH, d::disk_attach;
    "DiskDetach" "/v1/tencent/disk/detach" => "DetachDisks", Optional, write, DISK_IDS, d::DISK_DETACH, d::disk_detach;
    "SnapshotCreate" "/v1/tencent/snapshot/create" => "CreateSnapshot", Required, write, DISK_IDS, s::SNAPSHOT_CREATE, s::snapshot_create;
    "SnapshotList" "/v1/tencent/snapshot/list" => "DescribeSnapshots", Required, read, SNAPSHOT_IDS, s::SNAPSHOT_LIST, s::snapshot_list;
    "SnapshotDelete" "/v1/tencent/snapshot/delete" => "DeleteSnapshots", Required, write, SNAPSHOT_IDS, s::SNAPSHOT_DELETE, s::snapshot_delete;
    "SnapshotApply" "/v1/tencent/snapshot/apply" => "ApplySnapshot", Required, write, NONE, s::SNAPSHOT_APPLY, s::snapshot_apply;
    "AutoSnapshotPolicyCreate" "/v1/tencent/auto_snapshot/policy/create" => "CreateAutoSnapshotPolicy", Required, write, NONE, a::POLICY_CREATE, a::policy_create;
    "AutoSnapshotPolicyDelete" "/v1/tencent/auto_snapshot/policy/delete" => "DeleteAutoSnapshotPolicies", Required, write, POLICY_IDS, a::POLICY_DELETE, a::policy_delete;
    "AutoSnapshotPolicyUpdate" "/v1/tencent/auto_snapshot/policy/update" => "ModifyAutoSnapshotPolicyAttribute", Required, write, POLICY_IDS, a::POLICY_UPDATE, a::policy_update;
    "AutoSnapshotPolicyList" "/v1/tencent/auto_snapshot/policy/list" => "DescribeAutoSnapshotPolicies", Required, read, POLICY_IDS, a::POLICY_LIST, a::policy_list;
    "AutoSnapshotPolicyBind" "/v1/tencent/auto_snapshot/policy/bind" => "BindAutoSnapshotPolicy", Required, write, POLICY_AND_DISK_IDS, a::POLICY_BIND, a::policy_bind;
    "AutoSnapshotPolicyUnbind" "/v1/tencent/auto_snapshot/policy/unbind" => "UnbindAutoSnapshotPolicy", Required, write, POLICY_AND_DISK_IDS, a::POLICY_BIND, a::policy_unbind;
    "SnapshotDistributedInspect" "/v1/tencent/snapshot/distributed/inspect" => "DescribeSnapshots", Everywhere, count, SNAPSHOT_IDS, tencent::snapshots::DESCRIBE_SNAPSHOTS, i::snapshot_distributed_inspect;
    "AutoSnapshotDistributedInspect" "/v1/tencent/auto_snapshot/distributed/inspect" => "DescribeAutoSnapshotPolicies", Everywhere, count, POLICY_IDS, tencent::policies::DESCRIBE_AUTO_SNAPSHOT_POLICIES, i::auto_snapshot_distributed_inspect;
}

/// The endpoint at `path` (a trailing slash is tolerated).
pub fn find(path: &str) -> Option<&'static Endpoint> {
    let p = if path.len() > 1 { path.trim_end_matches('/') } else { path };
    ENDPOINTS.iter().find(|e| e.path == p)
}
