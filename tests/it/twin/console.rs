//! The web console at `/_cloudtwin/ui/` over raw TCP: its files and their headers (content
//! types, caching, the Content-Security-Policy), the login that turns the control token into a
//! session cookie, and what that cookie is (and is not) good for: it stands for the token only on
//! the console's own same-origin calls, and its state-changing calls still pass the cross-site
//! checks. The console in a browser: tests/ui (Playwright, Debian's Chromium).

use crate::common;

use cloudtwin_emulator::clock::Clock;
use cloudtwin_emulator::timing::TimingPolicy;
use cloudtwin_emulator::{AuthMode, Config};
use common::{raw, Reply, Twin};
use serde_json::json;

const TOKEN: &str = "console-t0ken";

fn twin_with_token(token: Option<&str>) -> Twin {
    let mut cfg = Config { timing: TimingPolicy::Immediate, id_seed: Some(42), ..Config::default() };
    cfg.edge.control_token = token.map(str::to_string);
    common::twin_with(cfg, Clock::manual(common::T0), AuthMode::Enforce)
}

fn get(t: &Twin, path: &str, headers: &[(&str, &str)]) -> Reply {
    raw(t.addr, "GET", path, headers, b"")
}

/// The hashed script name the page refers to (`app.<12 hex>.js`).
fn script_name(index: &str) -> String {
    let start = index.find("src=\"app.").expect("the page loads its script") + 5;
    let end = start + index[start..].find('"').unwrap();
    index[start..end].to_string()
}

fn login(t: &Twin, token: &str) -> Reply {
    let body = serde_json::to_vec(&json!({"token": token})).unwrap();
    raw(t.addr, "POST", "/_cloudtwin/ui/login", &[("Content-Type", "application/json")], &body)
}

/// `name=value` of a `Set-Cookie` answer, for sending back.
fn cookie_pair(r: &Reply) -> String {
    r.header("set-cookie").expect("a cookie is set").split(';').next().unwrap().trim().to_string()
}

fn clock_now(t: &Twin) -> i64 {
    let auth = format!("Bearer {TOKEN}");
    get(t, "/_cloudtwin/clock", &[("Authorization", &auth)]).json()["now"].as_i64().unwrap()
}

#[test]
fn the_console_is_served_from_the_binary_with_its_headers() {
    let t = twin_with_token(None);
    let r = get(&t, "/_cloudtwin/ui", &[]);
    assert_eq!((r.status, r.header("location")), (308, Some("/_cloudtwin/ui/")));

    let page = get(&t, "/_cloudtwin/ui/", &[]);
    assert_eq!(page.status, 200);
    assert_eq!(page.header("content-type"), Some("text/html; charset=utf-8"));
    assert_eq!(page.header("cache-control"), Some("no-cache"), "a new binary may bring new assets");
    let csp = page.header("content-security-policy").expect("a CSP");
    for directive in
        ["default-src 'none'", "script-src 'self'", "style-src 'self'", "connect-src 'self'", "frame-ancestors 'none'"]
    {
        assert!(csp.contains(directive), "{directive} in {csp}");
    }
    assert!(!csp.contains("unsafe-inline") && !csp.contains("unsafe-eval") && !csp.contains("http"), "{csp}");
    assert_eq!(page.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(page.header("x-frame-options"), Some("DENY"));
    let html = String::from_utf8(page.body.clone()).unwrap();
    assert!(!html.contains("<script>") && !html.contains("style="), "no inline script or style for the CSP to allow");
    assert!(!html.contains("http://") && !html.contains("https://"), "nothing from elsewhere");

    // The page names its script by content hash: that name is cached for good, the plain one revalidated.
    let hashed = script_name(&html);
    assert!(hashed.len() == "app.".len() + 12 + ".js".len(), "{hashed}");
    let js = get(&t, &format!("/_cloudtwin/ui/{hashed}"), &[]);
    assert_eq!(js.status, 200);
    assert_eq!(js.header("content-type"), Some("text/javascript; charset=utf-8"));
    assert_eq!(js.header("cache-control"), Some("public, max-age=31536000, immutable"));
    assert!(String::from_utf8_lossy(&js.body).contains("/_cloudtwin"));
    let plain = get(&t, "/_cloudtwin/ui/app.js", &[]);
    assert_eq!((plain.status, plain.header("cache-control")), (200, Some("no-cache")));
    assert_eq!(plain.body, js.body);
    let css = get(&t, "/_cloudtwin/ui/app.css", &[]);
    assert_eq!(css.header("content-type"), Some("text/css; charset=utf-8"));
    let icon = get(&t, "/_cloudtwin/ui/icon.svg", &[]);
    assert_eq!(icon.header("content-type"), Some("image/svg+xml"));

    // An old hash, an unknown file, another method: JSON refusals, never a page.
    let stale = get(&t, "/_cloudtwin/ui/app.000000000000.js", &[]);
    assert_eq!((stale.status, stale.header("content-type")), (404, Some("application/json")));
    assert!(stale.json()["error"].as_str().unwrap().contains("app.000000000000.js"));
    assert_eq!(get(&t, "/_cloudtwin/ui/../state", &[]).status, 404);
    assert_eq!(raw(t.addr, "DELETE", "/_cloudtwin/ui/", &[], b"").status, 405);
    assert_eq!(
        raw(t.addr, "POST", "/_cloudtwin/ui/app.js", &[("Content-Type", "application/json")], b"{}").status,
        404
    );

    // Without a control token there is nothing to log in to: no cookie.
    let r = login(&t, "anything");
    assert_eq!((r.status, r.json()["token_required"].as_bool()), (200, Some(false)));
    assert!(r.header("set-cookie").is_none());
    assert_eq!(get(&t, "/_cloudtwin/ui/session", &[]).json()["token_required"], json!(false));
}

#[test]
fn with_a_control_token_the_files_are_public_and_the_state_needs_the_login() {
    let t = twin_with_token(Some(TOKEN));
    assert_eq!(get(&t, "/_cloudtwin/ui/", &[]).status, 200, "the login page loads without the token");
    assert_eq!(get(&t, "/_cloudtwin/ui/app.css", &[]).status, 200);
    assert_eq!(get(&t, "/_cloudtwin/ui/session", &[]).json()["token_required"], json!(true));
    let refused = get(&t, "/_cloudtwin/state", &[]);
    assert_eq!(refused.status, 401);
    assert!(refused.header("set-cookie").is_none());

    // A wrong token sets nothing.
    let wrong = login(&t, "not-it");
    assert_eq!(wrong.status, 401);
    assert!(wrong.header("set-cookie").is_none());
    let form = raw(t.addr, "POST", "/_cloudtwin/ui/login", &[("Content-Type", "text/plain")], b"{\"token\":\"x\"}");
    assert_eq!(form.status, 415, "a cross-site form cannot even try");
    assert_eq!(login(&t, "").status, 401);
    let no_field = raw(t.addr, "POST", "/_cloudtwin/ui/login", &[("Content-Type", "application/json")], b"{}");
    assert_eq!(no_field.status, 400);

    let ok = login(&t, TOKEN);
    assert_eq!(ok.status, 200);
    let set = ok.header("set-cookie").unwrap();
    for attr in ["HttpOnly", "SameSite=Strict", "Path=/_cloudtwin"] {
        assert!(set.split(';').any(|a| a.trim() == attr), "{attr} in {set}");
    }
    assert!(!set.contains(TOKEN), "the cookie is a digest, not the token: {set}");
    assert_eq!(ok.header("cache-control"), Some("no-store"));
    let cookie = cookie_pair(&ok);
    assert!(cookie.starts_with("cloudtwin_console="));

    // The cookie reads, as the token does, and among other cookies.
    let state = get(&t, "/_cloudtwin/state", &[("Cookie", &cookie)]);
    assert_eq!(state.status, 200);
    assert!(state.json()["world"]["tencent"].is_object());
    let among = format!("theme=dark; {cookie}; other=1");
    assert_eq!(get(&t, "/_cloudtwin/jobs", &[("Cookie", &among)]).status, 200);
    let forged = "cloudtwin_console=0000000000000000000000000000000000000000000000000000000000000000";
    assert_eq!(get(&t, "/_cloudtwin/state", &[("Cookie", forged)]).status, 401);
    let token_as_cookie = format!("cloudtwin_console={TOKEN}");
    assert_eq!(get(&t, "/_cloudtwin/state", &[("Cookie", &token_as_cookie)]).status, 401);

    // Logging out clears the cookie in the browser.
    let out = raw(t.addr, "POST", "/_cloudtwin/ui/logout", &[("Content-Type", "application/json")], b"");
    assert_eq!(out.status, 200);
    assert!(out.header("set-cookie").unwrap().contains("Max-Age=0"));
}

#[test]
fn the_session_cookie_changes_state_only_from_the_console_itself() {
    let t = twin_with_token(Some(TOKEN));
    let cookie = cookie_pair(&login(&t, TOKEN));
    let host = t.host();
    let own_origin = format!("http://{host}");
    let advance = serde_json::to_vec(&json!({"advance": 60})).unwrap();
    let before = clock_now(&t);
    let post = |headers: &[(&str, &str)], body: &[u8]| raw(t.addr, "POST", "/_cloudtwin/clock", headers, body);

    // The console's call: same origin, JSON, its header.
    let ok = post(
        &[
            ("Cookie", &cookie),
            ("Origin", &own_origin),
            ("Content-Type", "application/json"),
            ("X-Cloudtwin-Console", "1"),
        ],
        &advance,
    );
    assert_eq!(ok.status, 200, "{}", String::from_utf8_lossy(&ok.body));
    assert_eq!(clock_now(&t), before + 60);

    // Without the console header (what a page of another origin could send without a
    // preflight), the cookie does not stand for the token.
    let bare = post(&[("Cookie", &cookie), ("Origin", &own_origin), ("Content-Type", "application/json")], &advance);
    assert_eq!(bare.status, 401);
    // A page on another local port is same-site, so a browser would send the Strict cookie; the
    // Origin is loopback (allowed in itself) but not the twin's own.
    let other_port = "http://127.0.0.1:1";
    let sibling = post(
        &[
            ("Cookie", &cookie),
            ("Origin", other_port),
            ("Content-Type", "application/json"),
            ("X-Cloudtwin-Console", "1"),
        ],
        &advance,
    );
    assert_eq!(sibling.status, 401);
    assert_eq!(get(&t, "/_cloudtwin/state", &[("Cookie", &cookie), ("Origin", other_port)]).status, 401);
    // Another site is refused before any token is looked at.
    let foreign = post(
        &[
            ("Cookie", &cookie),
            ("Origin", "http://attacker.example"),
            ("Content-Type", "application/json"),
            ("X-Cloudtwin-Console", "1"),
        ],
        &advance,
    );
    assert_eq!(foreign.status, 403);
    // A cross-site media type is refused even with everything else right.
    let text = post(
        &[("Cookie", &cookie), ("Origin", &own_origin), ("Content-Type", "text/plain"), ("X-Cloudtwin-Console", "1")],
        &advance,
    );
    assert_eq!(text.status, 415);
    // A DNS-rebinding name is refused whatever it carries.
    let rebound = post(
        &[
            ("Host", "attacker.example"),
            ("Cookie", &cookie),
            ("Content-Type", "application/json"),
            ("X-Cloudtwin-Console", "1"),
        ],
        &advance,
    );
    assert_eq!(rebound.status, 403);
    let reset = raw(t.addr, "POST", "/_cloudtwin/reset", &[("Cookie", &cookie)], b"");
    assert_eq!(reset.status, 401, "a bodyless POST is a simple request: it needs the console header too");
    assert_eq!(clock_now(&t), before + 60, "no refused call moved the clock");
}
