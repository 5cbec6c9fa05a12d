//! cloudtwin's emulator: the edge (edge.rs), the control plane (control.rs), one module per
//! provider family (tencent/, huawei/, gateway/, ucloudstack/), and the shared model pieces (world,
//! clock, timing, ids, retention).
#![recursion_limit = "256"]

pub mod clock;
pub mod config;
pub mod control;
pub mod edge;
pub mod gateway;
pub mod history;
pub mod huawei;
pub mod ids;
pub mod inventory;
pub mod queue;
pub mod ratelimit;
pub mod retention;
pub mod tencent;
pub mod timing;
pub mod ucloudstack;
pub mod world;

use std::net::SocketAddr;
use std::sync::Arc;

pub use config::{AuthMode, Config};
pub use edge::App;
pub use inventory::Inventory;
pub use world::Twin;

/// Every implemented operation as (surface, name), surfaces named as the catalog files are.
pub fn operations() -> Vec<(&'static str, &'static str)> {
    let mut ops: Vec<(&'static str, &'static str)> =
        tencent::actions::ACTIONS.iter().map(|a| ("tencent-cbs", a.name)).collect();
    ops.extend(huawei::routes::OPERATIONS.iter().map(|o| ("huawei-cbr", o.name)));
    ops.extend(gateway::endpoints::ENDPOINTS.iter().map(|e| ("gateway", e.name)));
    ops.extend(ucloudstack::actions::ACTIONS.iter().filter(|a| a.in_catalog).map(|a| ("ucloudstack", a.name)));
    ops
}

/// A twin serving on a bound listener.
pub struct Running {
    pub addr: SocketAddr,
    pub app: Arc<App>,
    pub task: tokio::task::JoinHandle<()>,
}

/// Serve `app` on `listener` until the task is dropped or aborted.
pub fn spawn(app: Arc<App>, listener: tokio::net::TcpListener) -> std::io::Result<Running> {
    let addr = listener.local_addr()?;
    let router = edge::router(app.clone());
    let task = tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, router).await {
            tracing::error!(error = %e, "server stopped");
        }
    });
    Ok(Running { addr, app, task })
}

/// Build a twin from a configuration and start it on `addr` (port 0 picks a free port).
pub async fn start(
    cfg: Config,
    inventory: Inventory,
    clock: clock::Clock,
    auth: AuthMode,
    addr: &str,
) -> Result<Running, String> {
    let twin = Twin::new(cfg, inventory, clock)?;
    let listener = tokio::net::TcpListener::bind(addr).await.map_err(|e| format!("cannot listen on {addr}: {e}"))?;
    spawn(Arc::new(App { twin, auth }), listener).map_err(|e| e.to_string())
}
