//! The UCloudStack operation table: action name → handler. It drives dispatch; the four snapshot
//! actions of seed 002 (the catalog) are what `cloudtwin operations` lists, the disk actions of
//! the public API guide are there so a user can start from nothing.

use super::ctx::Handler;
use super::{disks as d, snapshots as s};

pub struct Action {
    pub name: &'static str,
    pub handler: Handler,
    /// A read: it lets in-flight work it has seen complete (realistic timing).
    pub read: bool,
    /// Listed in ucloudstack.tsv (seed 002); the others come from the API guide.
    pub in_catalog: bool,
}

macro_rules! table {
    ($($name:literal => $handler:expr, $kind:ident, $source:ident;)*) => {
        pub static ACTIONS: &[Action] = &[$(Action {
            name: $name,
            handler: $handler,
            read: table!(@read $kind),
            in_catalog: table!(@catalog $source),
        }),*];
    };
    (@read read) => { true };
    (@read write) => { false };
    (@catalog seed) => { true };
    (@catalog guide) => { false };
}

table! {
    "CreateSnapshot" => s::create_snapshot, write, seed;
    "DescribeSnapshot" => s::describe_snapshot, read, seed;
    "RollbackSnapshot" => s::rollback_snapshot, write, seed;
    "DeleteSnapshot" => s::delete_snapshot, write, seed;
    "CreateDisk" => d::create_disk, write, guide;
    "DescribeDisk" => d::describe_disk, read, guide;
    "DeleteDisk" => d::delete_disk, write, guide;
    "AttachDisk" => d::attach_disk, write, guide;
    "DetachDisk" => d::detach_disk, write, guide;
}

pub fn find(name: &str) -> Option<&'static Action> {
    ACTIONS.iter().find(|a| a.name == name)
}
