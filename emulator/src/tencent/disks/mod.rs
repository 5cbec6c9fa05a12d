//! The cloud-disk actions of the CBS "Cloud Disk APIs" group (backup points and prices live in
//! backups.rs and pricing.rs). Every batch action checks every disk before changing any.
//!
//! Over `disk_rules.rs` (the disk model's own rules: size ranges, periods, type order, lookups)
//! and `disk_input.rs` (request checks shared by several actions, pricing, snapshots and the
//! gateway), one level up so that snapshots can use them too:
//! - `create`, `describe`, `attach`, `modify`, `terminate`: the wire handlers, by concern.

mod attach;
mod create;
mod describe;
mod modify;
mod terminate;

pub use super::disk_input::{check_charge, time_window, DISK_CHARGE_PREPAID, PLACEMENT};
pub use super::disk_rules::{check_name, check_size, find, size_range, valid_period, DISK_TYPES, RENEW_FLAGS};
pub use attach::{attach_disks, detach_disks, ATTACH_DISKS, DETACH_DISKS};
pub use create::{create_disks, CREATE_DISKS};
pub use describe::{
    describe_disk_operation_logs, describe_disks, describe_disks_where, describe_instances_disk_num, disk_page,
    DESCRIBE_DISKS, DESCRIBE_DISK_OPERATION_LOGS, DESCRIBE_INSTANCES_DISK_NUM,
};
pub use modify::{
    check_extra_performance, initialize_disks, modify_disk_attributes, modify_disk_extra_performance, resize_disk,
    INITIALIZE_DISKS, MODIFY_DISK_ATTRIBUTES, MODIFY_DISK_EXTRA_PERFORMANCE, RESIZE_DISK,
};
pub use terminate::{terminate_disks, TERMINATE_DISKS};
