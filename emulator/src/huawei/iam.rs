//! The sliver of IAM the CBR SDK needs: project-scoped tokens (`POST /v3/auth/tokens`, token in
//! `X-Subject-Token`) and the project lookup the SDK makes when it has no project id
//! (`GET /v3/projects?name=<region>`). Errors follow Keystone's `{"error": {...}}` shape, which
//! Huawei IAM keeps.

use axum::http::Method;
use serde_json::{json, Value};

use super::body::{self, Obj, Query};
use super::error::{HwError, HwResult};
use super::model::Token;
use super::protocol::{self, HttpIn};
use super::render;
use crate::config::{AuthMode, Config};
use crate::core::http::Answer;
use crate::huawei::world::World;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    Tokens,
    Projects,
}

pub fn route(method: &Method, path: &str) -> Option<Route> {
    match (method.as_str(), path.trim_end_matches('/')) {
        ("POST", "/v3/auth/tokens") => Some(Route::Tokens),
        ("GET", "/v3/projects") => Some(Route::Projects),
        _ => None,
    }
}

fn keystone_error(status: u16, message: &str) -> HwError {
    HwError { status, code: "", message: message.into() }
}

/// An IAM answer: status, body, and the `X-Subject-Token` a new token goes out in.
pub type IamOut = (u16, Value, Option<String>);

/// Run one IAM call against the world (the request transaction holds the lock).
pub fn serve(cfg: &Config, world: &mut World, auth: AuthMode, now: i64, req: &HttpIn<'_>, route: Route) -> IamReply {
    match route {
        Route::Tokens => issue_token(cfg, world, now, req),
        Route::Projects => list_projects(cfg, world, auth, now, req),
    }
}

/// An IAM failure: Keystone's `{"error": {...}}` for its own errors (whose `code` is the HTTP
/// status), the CBR envelope for the rest (token and signature failures).
pub fn error_answer(e: &HwError, request_id: &str) -> Answer {
    let code = if e.code.is_empty() { e.status.to_string() } else { e.code.to_string() };
    crate::core::record::note(|r| r.error_code = Some(code));
    let body = if e.code.is_empty() {
        let title = if e.status == 401 { "Unauthorized" } else { "Bad Request" };
        serde_json::to_vec(&json!({"error": {"code": e.status, "message": e.message, "title": title}}))
            .unwrap_or_default()
    } else {
        render::error_body(e, request_id)
    };
    render::answer(e.status, body, request_id, None)
}

type IamReply = HwResult<IamOut>;

/// Password authentication scoped to a project (by id, or by name = region).
fn issue_token(cfg: &Config, world: &mut World, now: i64, req: &HttpIn<'_>) -> IamReply {
    let v = body::parse(req.body).map_err(|e| keystone_error(400, &e.message))?;
    let bad = |m: &str| keystone_error(400, m);
    let root = Obj::root(&v);
    let auth = root.req_obj("auth").map_err(|e| bad(&e.message))?;
    let identity = auth.req_obj("identity").map_err(|e| bad(&e.message))?;
    let methods = identity.strs("methods", 1, 4).map_err(|e| bad(&e.message))?.unwrap_or_default();
    if methods != ["password"] {
        return Err(bad("Only the password method is supported by cloudtwin's IAM."));
    }
    let user = identity.req_obj("password").and_then(|p| p.req_obj("user")).map_err(|e| bad(&e.message))?;
    let name = user.req_str("name").map_err(|e| bad(&e.message))?;
    let password = user.req_str("password").map_err(|e| bad(&e.message))?;
    let domain = user.req_obj("domain").and_then(|d| d.req_str("name")).map_err(|e| bad(&e.message))?;
    let found = cfg.accounts.iter().find_map(|a| {
        let i = a.huawei.as_ref()?;
        let ok = i.user_name == name
            && i.domain_name == domain
            && crate::core::auth::constant_time_eq(&i.password, password);
        ok.then_some((a.name.as_str(), i))
    });
    let (account, ident) = found.ok_or_else(|| keystone_error(401, "The username or password is wrong."))?;
    let scope = auth
        .req_obj("scope")
        .and_then(|s| s.req_obj("project"))
        .map_err(|_| bad("cloudtwin issues project-scoped tokens only: set auth.scope.project.name or .id."))?;
    let (pid, pname) = (scope.str("id").ok().flatten(), scope.str("name").ok().flatten());
    let project = ident
        .projects
        .iter()
        .find(|p| pid.is_some_and(|i| p.id == i) || pname.is_some_and(|n| p.region == n))
        .ok_or_else(|| keystone_error(401, "The project in the scope does not exist or is not yours."))?;
    let ttl = cfg.huawei.limits.token_ttl_secs * 1000;
    let token = format!("MIIcloudtwin{}", crate::core::ids::request_uuid_simple());
    let t = Token {
        account: account.into(),
        project_id: project.id.clone(),
        user_id: ident.user_id.clone(),
        issued_ms: now,
        expires_ms: now + ttl,
    };
    // Issuing is also when expired tokens go, for a client that only ever asks for tokens.
    let tokens = &mut world.huawei_tokens;
    tokens.forget_expired(cfg.signature_clock.earliest_ms(now));
    tokens.insert(token.clone(), t);
    let body = json!({"token": {
        "expires_at": render::time(now + ttl),
        "issued_at": render::time(now),
        "methods": ["password"],
        "project": {"id": project.id, "name": project.region, "domain": {"id": ident.domain_id, "name": ident.domain_name}},
        "user": {"id": ident.user_id, "name": ident.user_name, "domain": {"id": ident.domain_id, "name": ident.domain_name}},
        "catalog": [],
        "roles": [{"id": "0", "name": "op_user"}],
    }});
    Ok((201, body, Some(token)))
}

/// Keystone's ListProjects, limited to the caller's own projects.
fn list_projects(cfg: &Config, world: &World, auth: AuthMode, now: i64, req: &HttpIn<'_>) -> IamReply {
    let caller = protocol::authenticate(cfg, world.huawei_tokens, auth, now, req, None)?;
    let q = Query(body::query_pairs(req.query)?);
    let name = q.get("name");
    let ident = cfg.accounts.iter().find(|a| a.name == caller.account).and_then(|a| a.huawei.as_ref());
    let host = req.headers.get("host").and_then(|h| h.to_str().ok()).unwrap_or("127.0.0.1:4599");
    let projects: Vec<Value> = ident
        .map(|i| {
            i.projects
                .iter()
                .filter(|p| name.is_none_or(|n| p.region == n))
                .filter(|p| caller.token_project.as_deref().is_none_or(|t| t == p.id))
                .map(|p| {
                    json!({
                        "id": p.id, "name": p.region, "domain_id": i.domain_id, "parent_id": i.domain_id,
                        "enabled": true, "is_domain": false, "description": "",
                        "links": {"self": format!("http://{host}/v3/projects/{}", p.id)},
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    Ok((
        200,
        json!({"projects": projects, "links": {"self": format!("http://{host}/v3/projects"), "previous": null, "next": null}}),
        None,
    ))
}
