//! The integration tests of cloudtwin, in one test binary.
//!
//! Every test here links the whole emulator; one binary links it once instead of once per file,
//! which was most of the test build time. Modules follow the surfaces: run one with a filter,
//! e.g. `cargo test --test it tencent::disks` or `cargo test --test it huawei::`.
//!
//! The tests share one process and run in parallel threads, so none of them may change
//! process-wide state (environment variables, the current directory, a fixed port): a child
//! process gets its environment through `Command::env`, a twin listens on port 0. The one
//! exception, `twin::ops` raising this process's soft limit of open files, only ever helps the
//! others. A new test file is a module here: a file directly in `tests/` would be a binary of its
//! own again, linking the emulator once more.

mod common;

/// The `cloudtwin` binary's subcommands run as a user runs them (`conform`, `seed`).
mod cli {
    mod conform;
    mod seed;
}

/// The twin as a whole: its HTTP edge, the control plane and its web console, bounds on input and history, the
/// `serve` process (connections, TLS, signals, logs).
mod twin {
    mod console;
    mod control_plane;
    mod edge;
    mod faults;
    mod hardening;
    mod history_bounds;
    mod journal;
    mod ops;
    mod state;
    mod store;
    mod store_pg;
}

/// Tencent Cloud CBS (`cbs.tencentcloudapi.com`).
mod tencent {
    mod captures;
    mod disk_paging;
    mod disks;
    mod kept_pages;
    mod protocol;
    mod snapshot_paging;
    mod snapshots;
}

/// Huawei Cloud CBR.
mod huawei {
    mod agents_projects;
    mod api;
    mod captures;
    mod kept_pages;
    mod sharing_org;
    mod tags_billing;
}

/// The multi-cloud gateway in front of Tencent (`/v1/tencent/*`).
mod gateway;

/// UCloudStack snapshots.
mod ucloudstack;

/// Lists read off kept indexes (Huawei backups and vaults, UCloudStack snapshots) against a
/// plain filter and sort.
mod indexed_lists;
