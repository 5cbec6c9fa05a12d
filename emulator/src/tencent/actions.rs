//! The CBS operation table: documented action name → parameter schema and handler. It drives
//! dispatch, `cloudtwin operations` and the coverage count; an action is listed only when it works.

use super::ctx::Action;
use super::{backups as b, disks as d, policies as a, pricing as p, snapshots as s};

/// Requests per second per account, from each action's "A maximum of N requests can be
/// initiated per second" line (20 unless stated); enforced with `--rate-limits`.
macro_rules! table {
    ($($name:literal $(@ $rate:literal)? => $schema:expr, $handler:expr;)*) => {
        pub static ACTIONS: &[Action] = &[$(Action {
            name: $name,
            schema: $schema,
            handler: $handler,
            rate: table!(@rate $($rate)?),
        }),*];
    };
    (@rate) => { 20 };
    (@rate $r:literal) => { $r };
}

table! {
    "CreateDisks" => d::CREATE_DISKS, d::create_disks;
    "DescribeDisks" @ 100 => d::DESCRIBE_DISKS, d::describe_disks;
    "AttachDisks" => d::ATTACH_DISKS, d::attach_disks;
    "DetachDisks" => d::DETACH_DISKS, d::detach_disks;
    "ModifyDiskAttributes" => d::MODIFY_DISK_ATTRIBUTES, d::modify_disk_attributes;
    "ResizeDisk" => d::RESIZE_DISK, d::resize_disk;
    "TerminateDisks" => d::TERMINATE_DISKS, d::terminate_disks;
    "InitializeDisks" => d::INITIALIZE_DISKS, d::initialize_disks;
    "DescribeDiskConfigQuota" => p::DESCRIBE_DISK_CONFIG_QUOTA, p::describe_disk_config_quota;
    "DescribeInstancesDiskNum" => d::DESCRIBE_INSTANCES_DISK_NUM, d::describe_instances_disk_num;
    "InquiryPriceCreateDisks" => p::INQUIRY_PRICE_CREATE_DISKS, p::inquiry_price_create_disks;
    "InquiryPriceResizeDisk" => p::INQUIRY_PRICE_RESIZE_DISK, p::inquiry_price_resize_disk;
    "ModifyDiskExtraPerformance" => d::MODIFY_DISK_EXTRA_PERFORMANCE, d::modify_disk_extra_performance;
    "InquirePriceModifyDiskExtraPerformance" => p::INQUIRE_PRICE_MODIFY_DISK_EXTRA_PERFORMANCE, p::inquire_price_modify_disk_extra_performance;
    "ModifyDiskBackupQuota" => b::MODIFY_DISK_BACKUP_QUOTA, b::modify_disk_backup_quota;
    "InquirePriceModifyDiskBackupQuota" => p::INQUIRE_PRICE_MODIFY_DISK_BACKUP_QUOTA, p::inquire_price_modify_disk_backup_quota;
    "CreateDiskBackup" => b::CREATE_DISK_BACKUP, b::create_disk_backup;
    "DescribeDiskBackups" => b::DESCRIBE_DISK_BACKUPS, b::describe_disk_backups;
    "DeleteDiskBackups" => b::DELETE_DISK_BACKUPS, b::delete_disk_backups;
    "ApplyDiskBackup" => b::APPLY_DISK_BACKUP, b::apply_disk_backup;
    "DescribeDiskOperationLogs" @ 1 => d::DESCRIBE_DISK_OPERATION_LOGS, d::describe_disk_operation_logs;
    "CreateSnapshot" => s::CREATE_SNAPSHOT, s::create_snapshot;
    "DescribeSnapshots" => s::DESCRIBE_SNAPSHOTS, s::describe_snapshots;
    "DeleteSnapshots" => s::DELETE_SNAPSHOTS, s::delete_snapshots;
    "ApplySnapshot" => s::APPLY_SNAPSHOT, s::apply_snapshot;
    "ModifySnapshotAttribute" => s::MODIFY_SNAPSHOT_ATTRIBUTE, s::modify_snapshot_attribute;
    "CopySnapshotCrossRegions" => s::COPY_SNAPSHOT_CROSS_REGIONS, s::copy_snapshot_cross_regions;
    "GetSnapOverview" => s::GET_SNAP_OVERVIEW, s::get_snap_overview;
    "ModifySnapshotsSharePermission" => s::MODIFY_SNAPSHOTS_SHARE_PERMISSION, s::modify_snapshots_share_permission;
    "DescribeSnapshotSharePermission" => s::DESCRIBE_SNAPSHOT_SHARE_PERMISSION, s::describe_snapshot_share_permission;
    "CreateAutoSnapshotPolicy" => a::CREATE_AUTO_SNAPSHOT_POLICY, a::create_auto_snapshot_policy;
    "DescribeAutoSnapshotPolicies" => a::DESCRIBE_AUTO_SNAPSHOT_POLICIES, a::describe_auto_snapshot_policies;
    "ModifyAutoSnapshotPolicyAttribute" => a::MODIFY_AUTO_SNAPSHOT_POLICY_ATTRIBUTE, a::modify_auto_snapshot_policy_attribute;
    "DeleteAutoSnapshotPolicies" => a::DELETE_AUTO_SNAPSHOT_POLICIES, a::delete_auto_snapshot_policies;
    "BindAutoSnapshotPolicy" => a::BIND_AUTO_SNAPSHOT_POLICY, a::bind_auto_snapshot_policy;
    "UnbindAutoSnapshotPolicy" => a::UNBIND_AUTO_SNAPSHOT_POLICY, a::unbind_auto_snapshot_policy;
    "DescribeDiskAssociatedAutoSnapshotPolicy" => a::DESCRIBE_DISK_ASSOCIATED_AUTO_SNAPSHOT_POLICY, a::describe_disk_associated_auto_snapshot_policy;
    "DescribeSnapshotOperationLogs" => s::DESCRIBE_SNAPSHOT_OPERATION_LOGS, s::describe_snapshot_operation_logs;
}

pub fn find(name: &str) -> Option<&'static Action> {
    ACTIONS.iter().find(|a| a.name == name)
}
