//! cloudtwin's emulator, floor by floor (ARCHITECTURE.md): the server loop (server.rs), the edge
//! (edge/), the control plane (control/), the world above the providers (world.rs), one module
//! per provider family (tencent/, huawei/, gateway/, ucloudstack/), the running twin (twin.rs),
//! configuration and seed inventory (config/, inventory.rs), and the provider-neutral core
//! (core/: clock, ids, timing, the job queue, the change set, the request transaction).
#![recursion_limit = "256"]

pub mod config;
pub mod control;
pub mod core;
pub mod edge;
pub mod gateway;
pub mod huawei;
pub mod inventory;
pub mod retention;
pub mod server;
pub mod store;
pub mod tencent;
pub mod tls;
pub mod twin;
pub mod ucloudstack;
pub mod world;

// The core's modules under their earlier names, for the binary and the tests.
pub use crate::core::logbook as history;
pub use crate::core::{clock, ids, limits, ratelimit, record, timing};

use std::net::SocketAddr;
use std::sync::Arc;

pub use crate::core::auth::AuthMode;
pub use crate::core::record::RequestRecord;
pub use config::Config;
pub use control::operations;
pub use edge::App;
pub use inventory::Inventory;
pub use server::{ServerOptions, Shutdown};
pub use world::Twin;

/// A twin serving on a bound listener.
pub struct Running {
    pub addr: SocketAddr,
    pub app: Arc<App>,
    /// Ends once the server has stopped (after [`Running::shutdown`] and the drain).
    pub task: tokio::task::JoinHandle<()>,
    /// Stops the server gracefully; dropping every handle does too.
    pub shutdown: Shutdown,
}

/// Serve `app` on `listener` with the default connection settings.
pub fn spawn(app: Arc<App>, listener: tokio::net::TcpListener) -> std::io::Result<Running> {
    spawn_with(app, listener, ServerOptions::default())
}

/// Serve `app` on `listener` until shut down (see server.rs for the connection bounds).
pub fn spawn_with(
    app: Arc<App>,
    listener: tokio::net::TcpListener,
    mut opts: ServerOptions,
) -> std::io::Result<Running> {
    let addr = listener.local_addr()?;
    opts.journal.get_or_insert_with(|| app.twin.journal.clone());
    let (shutdown, serving) = server::start(app.clone(), listener, opts);
    let task = tokio::spawn(serving);
    Ok(Running { addr, app, task, shutdown })
}

/// Build a twin from a configuration and start it on `addr` (port 0 picks a free port).
pub async fn start(
    cfg: Config,
    inventory: Inventory,
    clock: clock::Clock,
    auth: AuthMode,
    addr: &str,
) -> Result<Running, String> {
    start_with(cfg, inventory, clock, auth, addr, ServerOptions::default()).await
}

/// [`start`] with explicit connection settings (timeouts, cap, TLS).
pub async fn start_with(
    cfg: Config,
    inventory: Inventory,
    clock: clock::Clock,
    auth: AuthMode,
    addr: &str,
    opts: ServerOptions,
) -> Result<Running, String> {
    let twin = Twin::new(cfg, inventory, clock)?;
    let listener = tokio::net::TcpListener::bind(addr).await.map_err(|e| format!("cannot listen on {addr}: {e}"))?;
    spawn_with(Arc::new(App::new(twin, auth)), listener, opts).map_err(|e| e.to_string())
}
