//! Huawei Cloud CBR (Cloud Backup and Recovery, API v3) and the sliver of IAM its SDK needs.
//!
//! protocol.rs authenticates; routes.rs is the operation table (documented name, method, path
//! template, handler); the handlers in api/ decode each request, call the rules in domain/
//! (backups, replication, capacity, schedules, sharing, organization policies, vault lookup and
//! auto-binding) and answer through render.rs. jobs.rs hands the work the clock finishes to the
//! domain rule that owns it.

pub mod api;
pub mod body;
pub mod ctx;
pub mod domain;
pub mod error;
pub mod iam;
pub mod index;
pub mod jobs;
pub mod model;
pub mod pages;
pub mod protocol;
pub mod render;
pub mod routes;
pub mod rrule;
pub mod seed;
pub mod settings;
pub mod shapes;
pub mod sign;
pub mod tokens;
pub mod world;

use axum::http::Method;

use crate::config::{AuthMode, Config};
use crate::core::http::Answer;
use crate::core::ids::IdGen;
use crate::core::txn::{self, Access, Family};
use crate::twin::Twin;
use body::Query;
use error::{HwError, HwResult};
use model::HwWork;
use protocol::HttpIn;
use tokens::TokenBook;

pub use ctx::{Ctx, Reply, Req};
use render::answer;
pub use render::{error_answer, error_body};
pub use world::World;

/// What Huawei needs of the state it serves requests against (world.rs implements it).
pub trait Host: txn::Store<Env = Config> {
    /// The Huawei part of the world, and the id generator.
    fn huawei(&mut self) -> (World<'_>, &mut IdGen);
    /// The IAM tokens, for the checks made before a body is read.
    fn huawei_tokens(&self) -> &TokenBook;
}

fn no_such_api() -> HwError {
    error::Apigw0101("The API does not exist or has not been published in the environment")
}

/// The answer a request gets whatever its body says, when that is known from its head: no API
/// at the path, an `X-Auth-Token` that is unknown or expired (a token call is authenticated by
/// the token alone), or an AK/SK head that fails before the signature (malformed or missing
/// Authorization, unknown AK, X-Sdk-Date missing or out of the window). The edge sends it
/// without reading the body, so a refused request costs no memory for its body.
pub fn answer_before_body<S: Host>(
    twin: &Twin<S>,
    auth: AuthMode,
    method: &Method,
    path: &str,
    headers: &axum::http::HeaderMap,
) -> Option<Answer> {
    if iam::route(method, path).is_some() {
        return None;
    }
    let answer = |e: HwError| error_answer(&e, &crate::core::ids::request_uuid_simple());
    if routes::find(method, path).is_none() {
        return Some(answer(no_such_api()));
    }
    let now = twin.clock.now_ms();
    let refused = match headers.get("x-auth-token").and_then(|v| v.to_str().ok()) {
        Some(token) => protocol::token_refusal(&twin.cfg, twin.state.lock().huawei_tokens(), auth, now, token),
        None => protocol::aksk_head_refusal(&twin.cfg, auth, now, headers),
    };
    refused.map(answer)
}

/// Serve one Huawei request (CBR or IAM) through the request transaction.
pub async fn handle<S: Host>(twin: &Twin<S>, auth: AuthMode, req: &HttpIn<'_>) -> Answer {
    let family = Huawei { twin, auth, req, request_id: crate::core::ids::request_uuid_simple() };
    crate::core::record::note(|r| r.request_id = family.request_id.as_str().into());
    txn::serve(&twin.state, &twin.cfg, family, req, twin.clock.now_ms()).finish().await
}

/// What only Huawei knows of a request: its routes, AK/SK and token authentication, projects.
struct Huawei<'t, 'r, S> {
    twin: &'t Twin<S>,
    auth: AuthMode,
    req: &'r HttpIn<'r>,
    request_id: String,
}

/// Which table a request is for.
enum Route {
    Iam(iam::Route),
    Cbr { op: &'static routes::Operation, params: Vec<(&'static str, String)>, path_project: Option<String> },
}

/// A request that ran: who called in which project (for the reads it saw), and the reply.
enum Done {
    Iam(iam::IamOut),
    Cbr { reply: Reply, account: String, project: String, region: String },
}

impl<S: Host> Family<S> for Huawei<'_, '_, S> {
    type Call = Route;
    type Output = Done;
    type Error = HwError;

    fn decode(&self, req: &HttpIn<'_>, _now: i64) -> HwResult<Route> {
        if let Some(iam_route) = iam::route(req.method, req.path) {
            let name = match iam_route {
                iam::Route::Tokens => "KeystoneCreateUserTokenByPassword",
                iam::Route::Projects => "KeystoneListProjects",
            };
            crate::core::record::note(|r| (r.surface, r.operation) = ("huawei-iam", name.into()));
            return Ok(Route::Iam(iam_route));
        }
        let Some((op, params)) = routes::find(req.method, req.path) else {
            return Err(no_such_api());
        };
        let path_project = params.iter().find(|(n, _)| *n == "project_id").map(|(_, v)| v.clone());
        crate::core::record::note(|r| r.operation = op.name.into());
        Ok(Route::Cbr { op, params, path_project })
    }

    fn access(&self, route: &Route) -> Access {
        match route {
            Route::Cbr { op, .. } if op.method == Method::GET => Access::Read,
            _ => Access::Write,
        }
    }

    fn run(&self, st: &mut S, route: &Route, now: i64) -> HwResult<Done> {
        match route {
            Route::Iam(r) => {
                iam::serve(&self.twin.cfg, &mut st.huawei().0, self.auth, now, self.req, *r).map(Done::Iam)
            }
            Route::Cbr { op, params, path_project } => self.run_cbr(st, op, params, path_project.as_deref(), now),
        }
    }

    fn observe(&self, st: &mut S, route: &Route, done: &Done, now: i64) {
        let (Route::Cbr { path_project, .. }, Done::Cbr { account, project, region, .. }) = (route, done) else {
            return;
        };
        let (mut world, _) = st.huawei();
        world.observe(account, region, now);
        world.observe_where(now, |h| h.watched_from(project));
        let owners = domain::sharing::owners_sharing_with(world.huawei, project);
        world.observe_where(now, |h| owners.iter().any(|o| o == h.project()));
        if path_project.is_none() {
            // An account-level read (ShowMigrateStatus) sees the account's migrations in every
            // region; the acting region's were just observed with the rest of that region.
            let Some((_, ident, _)) = settings::project_owner(&self.twin.cfg, project) else { return };
            let others: Vec<&str> = ident.projects.iter().map(|p| p.id.as_str()).filter(|p| p != project).collect();
            world.observe_where(
                now,
                |w| matches!(w, HwWork::MigrateDone { project: p } if others.contains(&p.as_str())),
            );
        }
    }

    fn injected(&self, _: &Route, fault: &crate::core::fault::Injected) -> HwError {
        let (status, code) =
            error::CODES.iter().copied().find(|(_, c)| *c == fault.code).unwrap_or((500, "BackupService.1001"));
        HwError { status, code, message: format!("The request failed {}", fault.note()) }
    }

    fn internal(&self, reason: &str) -> HwError {
        error::Bs1001(reason.to_string())
    }

    fn render(&self, route: Option<&Route>, out: HwResult<Done>) -> Answer {
        let id = &self.request_id;
        match (route, out) {
            (_, Ok(Done::Iam((status, body, token)))) => {
                answer(status, serde_json::to_vec(&body).unwrap_or_default(), id, token)
            }
            (Some(Route::Iam(_)), Err(e)) => iam::error_answer(&e, id),
            (_, Ok(Done::Cbr { reply, .. })) => {
                let (lead, body) = match reply.body {
                    Some(ctx::Body::Json(v)) => (None, serde_json::to_vec(&v).unwrap_or_default()),
                    Some(ctx::Body::Bytes(b)) => (None, b),
                    // The same envelope: only where the bytes come from differs.
                    Some(ctx::Body::Kept(b)) => (Some(b), Vec::new()),
                    None => (None, Vec::new()),
                };
                Answer { lead, ..answer(reply.status, body, id, None) }
            }
            (_, Err(e)) => error_answer(&e, id),
        }
    }
}

impl<S: Host> Huawei<'_, '_, S> {
    fn run_cbr(
        &self,
        st: &mut S,
        op: &routes::Operation,
        params: &[(&'static str, String)],
        path_project: Option<&str>,
        now: i64,
    ) -> HwResult<Done> {
        let (cfg, req) = (&self.twin.cfg, self.req);
        let hint = path_project.or_else(|| protocol::header_project(req));
        let (mut world, ids) = st.huawei();
        let caller = protocol::authenticate(cfg, world.huawei_tokens, self.auth, now, req, hint)?;
        let project = match path_project {
            Some(p) => {
                protocol::check_project(cfg, &caller, req, p)?;
                p.to_string()
            }
            // Account-level routes (`/v3/region-projects`, `/v3/domain/...`, `/v3/migrates`) work on
            // the caller's account, in the project the request names or else its first one.
            None => protocol::account_project(cfg, &caller, req)?,
        };
        let (_, ident, region) = settings::project_owner(cfg, &project).expect("the caller's project");
        crate::core::record::note(|r| (r.account, r.region) = (caller.account.as_str().into(), region.into()));
        let query = Query(body::query_pairs(req.query)?);
        let hreq = Req { params: params.to_vec(), query, body: req.body };
        let timing = world.timing;
        let mut ctx = Ctx {
            cfg,
            world: &mut world,
            ids,
            timing,
            now,
            account: &caller.account,
            project: &project,
            region,
            user_id: &ident.user_id,
            request_id: &self.request_id,
        };
        let reply = (op.handler)(&mut ctx, &hreq)?;
        Ok(Done::Cbr { reply, account: caller.account, project, region: region.to_string() })
    }
}
