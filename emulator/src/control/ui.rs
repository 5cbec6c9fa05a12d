//! The web console at `/_cloudtwin/ui/`: static HTML, CSS and JavaScript compiled into the
//! binary (nothing is fetched at run time, no CDN), and the login that turns the control token
//! into a session cookie. The page reads and steers the twin through the ordinary control
//! endpoints (`/_cloudtwin/state`, `/jobs`, `/clock`, `/requests`, `/faults`); docs/console.md.
//!
//! Caching: the page itself is `no-cache` (a new binary may bring new assets), and it refers to
//! its script and style sheet by a name carrying their content hash (`app.<hash>.js`), which is
//! served `immutable`. The un-hashed names work too, `no-cache`.

use std::sync::OnceLock;

use axum::http::{Method, StatusCode};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use super::reply::{bad, ok, parse, reply};
use crate::core::auth::constant_time_eq;
use crate::core::http::Answer;
use crate::world::Twin;

/// The path prefix of the console.
pub const PREFIX: &str = "/_cloudtwin/ui";
/// The session cookie the login sets (`HttpOnly`, `SameSite=Strict`, path `/_cloudtwin`).
pub const COOKIE: &str = "cloudtwin_console";
/// The header the console adds to its state-changing calls. A page of another origin cannot
/// send a custom header without a CORS preflight, which the twin never grants.
pub const CONSOLE_HEADER: &str = "x-cloudtwin-console";

/// The page's policy: only its own script, style and fetches; no inline code, no frames, no
/// form posts elsewhere, nothing from another origin.
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; \
                   form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

struct Asset {
    name: &'static str,
    content_type: &'static str,
    body: &'static [u8],
}

const ASSETS: [Asset; 3] = [
    Asset { name: "app.js", content_type: "text/javascript; charset=utf-8", body: include_bytes!("ui/app.js") },
    Asset { name: "app.css", content_type: "text/css; charset=utf-8", body: include_bytes!("ui/app.css") },
    Asset { name: "icon.svg", content_type: "image/svg+xml", body: include_bytes!("ui/icon.svg") },
];

const INDEX: &str = include_str!("ui/index.html");

/// Each asset's name with its content hash (`app.3f2a…​.js`), and the page with `{{app.js}}`
/// replaced by it; computed once.
struct Built {
    hashed: Vec<String>,
    index: String,
}

fn built() -> &'static Built {
    static BUILT: OnceLock<Built> = OnceLock::new();
    BUILT.get_or_init(|| {
        let hashed: Vec<String> = ASSETS
            .iter()
            .map(|a| {
                let fp = hex::encode(&Sha256::digest(a.body)[..6]);
                match a.name.rsplit_once('.') {
                    Some((stem, ext)) => format!("{stem}.{fp}.{ext}"),
                    None => format!("{}.{fp}", a.name),
                }
            })
            .collect();
        let mut index = INDEX.to_string();
        for (a, h) in ASSETS.iter().zip(&hashed) {
            index = index.replace(&format!("{{{{{}}}}}", a.name), h);
        }
        Built { hashed, index }
    })
}

/// The value the session cookie holds for a control token: a digest, so the cookie is not the
/// token itself (a cookie that leaks through a browser profile does not give away the token
/// scripts use).
pub fn session_value(token: &str) -> String {
    let mut h = Sha256::new();
    h.update(b"cloudtwin console session v1\0");
    h.update(token.as_bytes());
    hex::encode(h.finalize())
}

/// The security headers every console answer carries.
fn hardened(mut a: Answer, cache: &'static str) -> Answer {
    a.headers.extend([
        ("cache-control", cache.to_string()),
        ("content-security-policy", CSP.to_string()),
        ("x-content-type-options", "nosniff".to_string()),
        ("x-frame-options", "DENY".to_string()),
        ("referrer-policy", "no-referrer".to_string()),
        ("cross-origin-opener-policy", "same-origin".to_string()),
        ("cross-origin-resource-policy", "same-origin".to_string()),
    ]);
    a
}

fn file(content_type: &'static str, body: &[u8], cache: &'static str) -> Answer {
    hardened(Answer::with_type(200, content_type, body.to_vec()), cache)
}

/// Whether a request is one the console serves without the control token: its static files
/// (they hold no state and no secret) and the login/logout that set or clear the cookie.
pub fn is_public(method: &Method, path: &str) -> bool {
    let Some(rest) = path.strip_prefix(PREFIX) else { return false };
    if !(rest.is_empty() || rest.starts_with('/')) {
        return false;
    }
    match *method {
        Method::GET => !matches!(rest, "/login" | "/logout"),
        Method::POST => matches!(rest, "/login" | "/logout"),
        _ => false,
    }
}

pub fn handle(twin: &Twin, method: &Method, path: &str, body: &[u8]) -> Answer {
    let rest = path.strip_prefix(PREFIX).unwrap_or(path);
    match (method.as_str(), rest) {
        ("GET", "") => {
            let body = format!("the console is at {PREFIX}/\n").into_bytes();
            let mut a = Answer::with_type(308, "text/plain; charset=utf-8", body);
            a.headers.push(("location", format!("{PREFIX}/")));
            a
        }
        ("GET", "/" | "/index.html") => file("text/html; charset=utf-8", built().index.as_bytes(), "no-cache"),
        // Whether the page should offer a log out (it cannot see its HttpOnly cookie).
        ("GET", "/session") => hardened(ok(json!({"token_required": twin.cfg.edge.has_control_token()})), "no-store"),
        ("POST", "/login") => login(twin, body),
        ("POST", "/logout") => with_cookie(ok(json!({"logged_out": true})), format!("{COOKIE}=; Max-Age=0")),
        ("GET", name) => {
            let name = name.trim_start_matches('/');
            let found = ASSETS.iter().zip(&built().hashed).find(|(a, h)| a.name == name || h.as_str() == name);
            match found {
                Some((a, h)) if h == name => file(a.content_type, a.body, "public, max-age=31536000, immutable"),
                Some((a, _)) => file(a.content_type, a.body, "no-cache"),
                None => hardened(
                    reply(StatusCode::NOT_FOUND, json!({"error": format!("the console has no file {name}")})),
                    "no-store",
                ),
            }
        }
        ("POST", _) => reply(StatusCode::NOT_FOUND, json!({"error": format!("no console endpoint at {path}")})),
        _ => reply(StatusCode::METHOD_NOT_ALLOWED, json!({"error": format!("{method} is not allowed on {path}")})),
    }
}

/// `Set-Cookie` with the attributes every console cookie has: only for the control plane's
/// paths, never sent by a browser on a request another site started, out of reach of scripts.
fn with_cookie(mut a: Answer, cookie: String) -> Answer {
    a.headers.push(("set-cookie", format!("{cookie}; Path=/_cloudtwin; HttpOnly; SameSite=Strict")));
    a.headers.push(("cache-control", "no-store".to_string()));
    a
}

/// `{"token": "..."}` → the session cookie, when it is the control token. Without a control
/// token there is nothing to log in to, and no cookie is set.
fn login(twin: &Twin, body: &[u8]) -> Answer {
    let v = match parse(body) {
        Ok(v) => v,
        Err(r) => return *r,
    };
    let Some(given) = v.get("token").and_then(Value::as_str) else {
        return bad("send {\"token\": \"<the control token>\"}");
    };
    let Some(expected) = twin.cfg.edge.control_token.as_deref() else {
        return ok(json!({"logged_in": true, "token_required": false}));
    };
    // Digests of equal length are compared, as the guard does with the headers.
    if constant_time_eq(&session_value(given.trim()), &session_value(expected)) {
        with_cookie(
            ok(json!({"logged_in": true, "token_required": true})),
            format!("{COOKIE}={}", session_value(expected)),
        )
    } else {
        reply(StatusCode::UNAUTHORIZED, json!({"error": "that is not the control token"}))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_names_the_hashed_assets() {
        let b = built();
        for (a, h) in ASSETS.iter().zip(&b.hashed) {
            assert!(h.starts_with(a.name.split('.').next().unwrap()) && h.len() == a.name.len() + 13, "{h}");
        }
        assert!(b.index.contains(&b.hashed[0]) && b.index.contains(&b.hashed[1]), "{}", b.index);
        assert!(!b.index.contains("{{"), "every placeholder is filled");
    }

    #[test]
    fn public_paths() {
        assert!(is_public(&Method::GET, "/_cloudtwin/ui") && is_public(&Method::GET, "/_cloudtwin/ui/app.js"));
        assert!(is_public(&Method::POST, "/_cloudtwin/ui/login"));
        assert!(!is_public(&Method::GET, "/_cloudtwin/uix") && !is_public(&Method::POST, "/_cloudtwin/ui/app.js"));
        assert!(!is_public(&Method::GET, "/_cloudtwin/state") && !is_public(&Method::DELETE, "/_cloudtwin/ui/"));
    }

    #[test]
    fn the_cookie_is_not_the_token() {
        let v = session_value("s3cret");
        assert_eq!(v.len(), 64);
        assert!(!v.contains("s3cret") && v != session_value("s3cret2"));
    }
}
