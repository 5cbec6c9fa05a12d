//! Huawei parts of the control plane:
//! - `POST /_cloudtwin/huawei/faults {"operation_type", "target"?, "count"?}`: the next `count`
//!   (default 1) tasks of that type (backup, restore, delete, replication), optionally only those
//!   about `target` (a backup, resource, vault or task id), end `failed`; a failed backup ends
//!   `error`. `migrate` fails the next project migrations (target: a project id) with code 4002.
//!   `GET` lists pending faults, `DELETE` clears them.
//! - `POST /_cloudtwin/huawei/servers {"project_id", "server": {...}}` and
//!   `POST /_cloudtwin/huawei/volumes {"project_id", "volume": {...}}`: add inventory at run time
//!   (same shape as fixtures/inventory.json); auto-binding vaults pick matching resources up.

use axum::http::{Method, StatusCode};
use serde_json::{json, Value};

use super::reply::{bad, ok, parse, reply};
use crate::core::http::Answer;
use crate::huawei::model::Fault;
use crate::huawei::seed::{self, SeedServer, SeedVolume};
use crate::world::Twin;

const FAULT_TYPES: &[&str] = &["backup", "restore", "delete", "replication", "migrate"];

pub(super) fn handle(twin: &Twin, method: &Method, route: &str, body: &[u8]) -> Answer {
    let v = match parse(body) {
        Ok(v) => v,
        Err(r) => return *r,
    };
    let now = twin.clock.now_ms();
    let cfg = &twin.cfg;
    match (method.as_str(), route) {
        ("GET", "/_cloudtwin/huawei/faults") => ok(json!({"faults": twin.state.lock().world.huawei_faults})),
        ("DELETE", "/_cloudtwin/huawei/faults") => {
            let _ = twin.change(|st| {
                st.world.huawei_faults.get_mut().clear();
                Ok::<_, ()>(())
            });
            ok(json!({"faults": []}))
        }
        ("POST", "/_cloudtwin/huawei/faults") => {
            let Some(op) = v.get("operation_type").and_then(Value::as_str).filter(|o| FAULT_TYPES.contains(o)) else {
                return bad(format!("operation_type must be one of {}", FAULT_TYPES.join(", ")));
            };
            let target = match v.get("target") {
                None | Some(Value::Null) => None,
                Some(Value::String(t)) => Some(t.clone()),
                Some(_) => return bad("target must be an id string"),
            };
            let count = match v.get("count") {
                None => 1,
                Some(c) => match c.as_u64() {
                    Some(n @ 1..=1000) => n as u32,
                    _ => return bad("count must be 1 to 1000"),
                },
            };
            let faults = twin.change(|st| {
                st.world.huawei_faults.get_mut().push(Fault { operation_type: op.into(), target, count });
                Ok::<_, ()>(json!(st.world.huawei_faults))
            });
            ok(json!({"faults": faults.unwrap_or_default()}))
        }
        ("POST", "/_cloudtwin/huawei/servers") | ("POST", "/_cloudtwin/huawei/volumes") => {
            let Some(project) = v.get("project_id").and_then(Value::as_str) else {
                return bad("project_id is required");
            };
            let Some((_, _, region)) = crate::huawei::settings::project_owner(cfg, project) else {
                return bad(format!("project {project} is not configured"));
            };
            let added = if route.ends_with("servers") {
                let s: SeedServer = match v.get("server").cloned().map(serde_json::from_value) {
                    Some(Ok(s)) => s,
                    Some(Err(e)) => return bad(format!("server: {e}")),
                    None => return bad("server is required"),
                };
                twin.change(|st| {
                    seed::add_server(&mut st.world.huawei_part(), project, &s, now);
                    crate::huawei::jobs::auto_bind(&mut st.world.huawei_part(), project);
                    Ok::<_, ()>(())
                })
            } else {
                let vol: SeedVolume = match v.get("volume").cloned().map(serde_json::from_value) {
                    Some(Ok(x)) => x,
                    Some(Err(e)) => return bad(format!("volume: {e}")),
                    None => return bad("volume is required"),
                };
                let az = cfg.huawei.region(region).and_then(|r| r.azs.first()).cloned().unwrap_or_default();
                twin.change(|st| {
                    seed::add_volume(&mut st.world.huawei_part(), project, &vol, &az, now);
                    crate::huawei::jobs::auto_bind(&mut st.world.huawei_part(), project);
                    Ok::<_, ()>(())
                })
            };
            ok(json!({"added": added.is_ok()}))
        }
        _ => reply(StatusCode::NOT_FOUND, json!({"error": format!("no control endpoint {method} {route}")})),
    }
}
