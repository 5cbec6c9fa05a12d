//! Huawei CBR's rules, apart from the wire: what a backup, a replication, a vault's capacity, a
//! policy's schedule, a share or an organization policy does to the model, now and when the
//! clock finishes its work. Nothing here decodes a request or renders a response (api/ does);
//! nothing here imports api/.

pub mod backup;
pub mod billing;
pub mod capacity;
pub mod organization;
pub mod replication;
pub mod restore;
pub mod schedule;
pub mod sharing;
pub mod task;
pub mod vault;
