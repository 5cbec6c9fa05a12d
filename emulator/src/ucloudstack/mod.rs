//! UCloudStack: the snapshot API of seed 002 (CreateSnapshot, DescribeSnapshot,
//! RollbackSnapshot, DeleteSnapshot) and the disk operations of UCloudStack's public API guide
//! that give those snapshots something to be taken of, at `/api`.
//!
//! protocol.rs turns any of the three transports into one flat parameter map; sign.rs checks the
//! SHA-1 signature; actions.rs is the operation table; disks.rs and snapshots.rs are the
//! handlers, which change the model (model.rs) through `Ctx` and answer through render.rs;
//! pages.rs keeps DescribeSnapshot's pages as rendered (core/kept.rs).

pub mod actions;
pub mod ctx;
pub mod disks;
pub mod error;
pub mod index;
pub mod jobs;
pub mod model;
pub mod pages;
pub mod protocol;
pub mod render;
pub mod seed;
pub mod sign;
pub mod snapshots;
pub mod world;

use std::cell::RefCell;

use crate::config::{AuthMode, Config, UcsAccount};
use crate::core::http::Answer;
use crate::core::ids::IdGen;
use crate::core::txn::{self, Access, Family};
use crate::twin::Twin;
use error::{self as e, UcsError, UcsResult};
use protocol::{Flat, HttpIn, Params};

pub use ctx::{Ctx, Fields, Handler};
pub use world::World;

/// What UCloudStack needs of the state it serves requests against (world.rs implements it).
pub trait Host: txn::Store<Env = Config> {
    /// The UCloudStack part of the world, and the id generator.
    fn ucloudstack(&mut self) -> (World<'_>, &mut IdGen);
}

/// Serve one UCloudStack request through the request transaction: always HTTP 200 with the
/// `<Action>Response` envelope.
pub async fn handle<S: Host>(twin: &Twin<S>, auth: AuthMode, req: &HttpIn<'_>) -> Answer {
    let family = UCloudStack { twin, auth, action: RefCell::new(String::new()) };
    txn::serve(&twin.state, &twin.cfg, family, req, twin.clock.now_ms()).finish().await
}

/// What only UCloudStack knows of a request: three transports, the SHA-1 signature, its table.
struct UCloudStack<'t, S> {
    twin: &'t Twin<S>,
    auth: AuthMode,
    /// The action as the request named it: the envelope echoes it, even when it is unknown.
    action: RefCell<String>,
}

/// A request past decoding and the checks that need no state.
struct Decoded<'t> {
    act: &'static actions::Action,
    flat: Flat,
    user: &'t UcsAccount,
}

impl<'t, S: Host> Family<S> for UCloudStack<'t, S> {
    type Call = Decoded<'t>;
    type Output = Fields;
    type Error = UcsError;

    fn decode(&self, req: &HttpIn<'_>, _now: i64) -> UcsResult<Decoded<'t>> {
        let flat = protocol::decode(req)?;
        let action = flat.get("Action").cloned().unwrap_or_default();
        crate::core::record::note(|r| {
            (r.operation, r.region) =
                (action.as_str().into(), flat.get("Region").map(|r| r.as_str().into()).unwrap_or_default())
        });
        self.action.replace(action);
        let (act, user) = check(&self.twin.cfg, self.auth, &self.action.borrow(), &flat)?;
        Ok(Decoded { act, flat, user })
    }

    fn access(&self, d: &Decoded) -> Access {
        if d.act.read {
            Access::Read
        } else {
            Access::Write
        }
    }

    fn run(&self, st: &mut S, d: &Decoded, now: i64) -> UcsResult<Fields> {
        let (act, user, cfg) = (d.act, d.user, &self.twin.cfg);
        let p = Params(&d.flat);
        let region = p.req("Region")?;
        let (mut world, ids) = st.ucloudstack();
        let timing = world.timing;
        let mut ctx = Ctx { cfg, world: &mut world, ids, timing, now, account: &user.account, region, user };
        (act.handler)(&mut ctx, &p)
    }

    fn observe(&self, st: &mut S, d: &Decoded, _: &Fields, now: i64) {
        if let Some(region) = d.flat.get("Region") {
            st.ucloudstack().0.observe(&d.user.account, region, now);
        }
    }

    fn injected(&self, _: &Decoded, fault: &crate::core::fault::Injected) -> UcsError {
        let code = fault.code.parse().unwrap_or(e::PARAMS_NOT_AVAILABLE);
        e::with_code(code, format!("The request failed {}", fault.note()))
    }

    fn internal(&self, reason: &str) -> UcsError {
        e::internal(reason)
    }

    fn render(&self, _: Option<&Decoded>, out: UcsResult<Fields>) -> Answer {
        let action = self.action.borrow();
        let action = action.as_str();
        let (lead, body) = match out {
            Ok(fields) => fields.into_body(action),
            Err(err) => {
                crate::core::record::note(|r| r.error_code = Some(err.ret_code.to_string()));
                tracing::debug!(action, code = err.ret_code, message = %err.message, "ucloudstack request failed");
                (None, protocol::envelope(action, err.ret_code, &err.message, b""))
            }
        };
        Answer { lead, ..Answer::json(200, body) }
    }
}

/// The user whose key signed the request. With `--auth off` (or a failure in `log` mode) the
/// named user still selects the account when it is known, else the first configured one.
fn authenticate<'c>(cfg: &'c Config, mode: AuthMode, params: &Flat) -> UcsResult<&'c UcsAccount> {
    let claimed = params.get("PublicKey").and_then(|k| cfg.ucloudstack.by_public_key(k));
    let check = || -> UcsResult<&'c UcsAccount> {
        let key = params.get("PublicKey").filter(|k| !k.is_empty()).ok_or_else(|| e::missing_signature("PublicKey"))?;
        let signature =
            params.get("Signature").filter(|s| !s.is_empty()).ok_or_else(|| e::missing_signature("Signature"))?;
        let user = cfg.ucloudstack.by_public_key(key).ok_or_else(e::unknown_user)?;
        if !sign::verify(params, &user.private_key, signature) {
            // A secret-named parameter (a VM password) would show in the text: masked first.
            let masked: Flat = params
                .iter()
                .map(|(k, v)| {
                    let v = if crate::core::redact::is_secret(k) { crate::core::redact::MASK } else { v.as_str() };
                    (k.clone(), v.to_string())
                })
                .collect();
            let text = sign::string_to_sign(&masked, "");
            tracing::debug!(string_to_sign_without_key = %text, "ucloudstack signature mismatch");
            crate::core::record::refused(
                "ucloudstack signature mismatch (string to sign shown without the key)",
                "",
                &text,
            );
            return Err(e::bad_signature());
        }
        Ok(user)
    };
    let fallback = || claimed.or_else(|| cfg.ucloudstack.accounts.first()).ok_or_else(e::unknown_user);
    match mode {
        AuthMode::Enforce => check(),
        AuthMode::Log => check().or_else(|err| {
            tracing::warn!(code = err.ret_code, message = %err.message, "ucloudstack auth failed (served: --auth log)");
            fallback()
        }),
        AuthMode::Off => fallback(),
    }
}

/// The checks that need no state: the action, the signature, the region and zone.
fn check<'c>(
    cfg: &'c Config,
    auth: AuthMode,
    action: &str,
    params: &Flat,
) -> UcsResult<(&'static actions::Action, &'c UcsAccount)> {
    if action.is_empty() {
        return Err(e::missing_action());
    }
    let user = authenticate(cfg, auth, params)?;
    crate::core::record::note(|r| r.account = user.account.as_str().into());
    let act = actions::find(action).ok_or_else(|| e::no_such_action(action))?;
    let p = Params(params);
    let region_id = p.req("Region")?;
    let region = cfg
        .ucloudstack
        .region(region_id)
        .ok_or_else(|| e::invalid("Region", format!("`{region_id}` is not a region")))?;
    if let Some(z) = p.opt("Zone").filter(|z| !z.is_empty()) {
        if !region.zones.iter().any(|x| x == z) {
            return Err(e::invalid("Zone", format!("`{z}` is not a zone of {region_id}")));
        }
    }
    // Only an admin's CompanyID / MemberID take effect; a user's are checked and ignored.
    p.int("CompanyID")?;
    p.int("MemberID")?;

    Ok((act, user))
}
