//! The edge, over raw TCP: the Host allowlist (DNS rebinding), the Origin and Content-Type rules
//! (cross-site requests), the control token, bodies refused before they are buffered, framing
//! errors told from oversized bodies, and odd methods. Every refusal leaves the state as it was.

use crate::common;

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::time::Duration;

use cloudtwin_emulator::clock::Clock;
use cloudtwin_emulator::config::DEFAULT_SECRET_ID;
use cloudtwin_emulator::huawei::settings::{DEFAULT_AK, DEFAULT_PROJECT, DEFAULT_SK};
use cloudtwin_emulator::huawei::sign as hwsign;
use cloudtwin_emulator::tencent::sign;
use cloudtwin_emulator::timing::TimingPolicy;
use cloudtwin_emulator::{AuthMode, Config};
use common::{raw, ucs_signed, Reply, Twin, UCS_PRIVATE_KEY, UCS_PUBLIC_KEY};
use serde_json::{json, Value};

const EVIL: &str = "attacker.example";

fn twin_cfg(f: impl FnOnce(&mut Config)) -> Twin {
    let mut cfg = Config { timing: TimingPolicy::Immediate, id_seed: Some(42), ..Config::default() };
    f(&mut cfg);
    common::twin_with(cfg, Clock::manual(common::T0), AuthMode::Enforce)
}

fn parse(buf: &[u8]) -> Option<Reply> {
    let split = buf.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = String::from_utf8_lossy(&buf[..split]).to_string();
    let mut lines = head.split("\r\n");
    let status: u16 = lines.next()?.split(' ').nth(1)?.parse().ok()?;
    let headers: Vec<(String, String)> =
        lines.filter_map(|l| l.split_once(':').map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))).collect();
    Some(Reply { status, headers, body: buf[split + 4..].to_vec() })
}

/// Send `bytes` as they are, optionally close our side, and read the answer (None when the
/// twin sends nothing within `wait`).
fn send(addr: SocketAddr, bytes: &[u8], close_write: bool, wait: Duration) -> Option<Reply> {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(wait)).unwrap();
    s.write_all(bytes).unwrap();
    if close_write {
        s.shutdown(Shutdown::Write).unwrap();
    }
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    loop {
        match s.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
            Err(_) => break,
        }
        if let Some(r) = parse(&buf) {
            let len = r.header("content-length").and_then(|v| v.parse::<usize>().ok());
            if len.is_some_and(|n| r.body.len() >= n) {
                break;
            }
        }
    }
    parse(&buf)
}

fn get(t: &Twin, path: &str, headers: &[(&str, &str)]) -> Reply {
    raw(t.addr, "GET", path, headers, b"")
}

fn world(t: &Twin) -> Value {
    t.state()
}

/// A TC3-signed Tencent call whose Host (signed too) is `host`: valid in every other way.
fn tencent_as_host(t: &Twin, host: &str, action: &str, body: Value, extra: &[(&str, &str)]) -> Reply {
    let payload = serde_json::to_vec(&body).unwrap();
    let signed = sign::sign_tc3(&sign::Tc3Request::default_post(host, action, t.now(), &payload));
    let mut headers: Vec<(&str, &str)> = signed.headers.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    headers.extend_from_slice(extra);
    raw(t.addr, "POST", "/", &headers, &payload)
}

/// A Huawei AK/SK-signed call whose Host (signed) is `host`.
fn huawei_as_host(t: &Twin, host: &str, method: &str, path: &str, body: Option<&Value>) -> Reply {
    let payload = body.map(|b| serde_json::to_vec(b).unwrap()).unwrap_or_default();
    let headers =
        vec![("Host", host), ("Content-Type", "application/json;charset=utf-8"), ("X-Project-Id", DEFAULT_PROJECT)];
    let date = hwsign::format_sdk_date(t.now());
    let out =
        hwsign::Outgoing { method, raw_path: path, raw_query: "", headers: &headers, body: &payload, sdk_date: &date };
    let s = hwsign::sign(hwsign::Algorithm::HmacSha256, DEFAULT_AK, DEFAULT_SK, &out);
    let mut h: Vec<(String, String)> = s.headers.clone();
    h.push(("Authorization".into(), s.authorization));
    let hh: Vec<(&str, &str)> = h.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    raw(t.addr, method, path, &hh, &payload)
}

fn vault_body() -> Value {
    json!({"vault": {"name": "v", "resources": [], "billing": {"consistent_level": "crash_consistent",
        "object_type": "server", "protect_type": "backup", "size": 100}}})
}

const DISK: &str = r#"{"Placement": {"Zone": "ap-guangzhou-3"}, "DiskChargeType": "POSTPAID_BY_HOUR", "DiskType": "CLOUD_PREMIUM", "DiskSize": 10}"#;

// ------------------------------------------------------------------------------ Host allowlist

#[test]
fn a_foreign_host_is_refused_on_every_surface_and_changes_nothing() {
    let t = common::twin(TimingPolicy::Immediate);
    let before = world(&t);
    let clock = t.now();

    // Control plane: reset, clock, state read (DNS rebinding), health.
    for (method, path, body) in [
        ("POST", "/_cloudtwin/reset", ""),
        ("POST", "/_cloudtwin/clock", r#"{"advance": 94608000}"#),
        ("GET", "/_cloudtwin/state", ""),
        ("GET", "/_cloudtwin/health", ""),
    ] {
        let r = raw(t.addr, method, path, &[("Host", EVIL), ("Content-Type", "application/json")], body.as_bytes());
        assert_eq!(r.status, 403, "{method} {path}");
        assert!(r.json()["error"].as_str().unwrap().contains("--allow-host attacker.example"), "{}", r.json());
    }
    // Tencent: signed for that Host, so only the Host check stops it.
    let r = tencent_as_host(&t, EVIL, "CreateDisks", serde_json::from_str(DISK).unwrap(), &[]);
    assert_eq!((r.status, r.tc_code().as_deref()), (200, Some("UnauthorizedOperation")));
    // tccli's literal form of a foreign Host.
    let r = tencent_as_host(&t, &format!("http://{EVIL}:4599"), "DescribeDisks", json!({}), &[]);
    assert_eq!(r.tc_code().as_deref(), Some("UnauthorizedOperation"));
    // Huawei: signed for that Host too.
    let r = huawei_as_host(&t, EVIL, "POST", &format!("/v3/{DEFAULT_PROJECT}/vaults"), Some(&vault_body()));
    assert_eq!((r.status, r.json()["error_code"].as_str()), (404, Some("APIGW.0101")));
    assert!(r.header("x-request-id").is_some());
    // Gateway (no signature at all): the Host check is what protects it.
    let r = raw(
        t.addr,
        "POST",
        "/v1/tencent/disk/create",
        &[("Host", EVIL), ("Content-Type", "text/plain")],
        br#"{"TenantUuid": "system", "ClusterUuid": "72db4b34-1473-418f-ade4-de00b956f16b", "Region": "ap-guangzhou"}"#,
    );
    assert_eq!(common::gw_error_of(&r), (403, "UnauthorizedOperation".to_string()));
    // UCloudStack.
    let params = ucs_signed(
        &[("Action", "CreateSnapshot"), ("Region", "cn"), ("Name", "s"), ("DiskID", "disk-ucsdata2")],
        UCS_PUBLIC_KEY,
        UCS_PRIVATE_KEY,
    );
    let form = common::form_encode(&params);
    let r = raw(
        t.addr,
        "POST",
        "/api",
        &[("Host", EVIL), ("Content-Type", "application/x-www-form-urlencoded")],
        form.as_bytes(),
    );
    let v = r.json();
    assert_eq!((r.status, v["RetCode"].as_i64()), (200, Some(230)), "{v}");
    assert!(v["Message"].as_str().unwrap().starts_with("Params [Host] not available"), "{v}");

    assert_eq!(t.now(), clock, "the clock did not move");
    assert_eq!(world(&t), before, "nothing changed");
}

#[test]
fn loopback_names_and_the_clouds_domains_are_served() {
    let t = common::twin(TimingPolicy::Immediate);
    let port = t.addr.port();
    for host in [
        format!("localhost:{port}"),
        format!("LOCALHOST.:{port}"),
        "127.0.0.1".to_string(),
        format!("127.1.2.3:{port}"),
        format!("[::1]:{port}"),
        format!("http://127.0.0.1:{port}"),
        "cbs.tencentcloudapi.com".to_string(),
        "cbr.cn-north-4.myhuaweicloud.com".to_string(),
        "iam.myhuaweicloud.com".to_string(),
    ] {
        let r = get(&t, "/_cloudtwin/health", &[("Host", &host)]);
        assert_eq!(r.status, 200, "{host}: {}", String::from_utf8_lossy(&r.body));
    }
    // SDK calls addressed as the cloud, only the connection routed to the twin.
    for host in ["cbs.tencentcloudapi.com", "cbs.ap-shanghai.tencentcloudapi.com"] {
        let r = tencent_as_host(&t, host, "DescribeDisks", json!({"Limit": 1}), &[]);
        assert_eq!(r.tc_code(), None, "{host}: {}", r.json());
    }
    let r =
        huawei_as_host(&t, "cbr.cn-north-4.myhuaweicloud.com", "GET", &format!("/v3/{DEFAULT_PROJECT}/vaults"), None);
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
}

#[test]
fn an_absolute_target_names_its_host_too() {
    let t = common::twin(TimingPolicy::Immediate);
    let host = t.host();
    let r = send(
        t.addr,
        format!("GET http://{EVIL}/_cloudtwin/state HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n").as_bytes(),
        false,
        Duration::from_secs(5),
    )
    .unwrap();
    assert_eq!(r.status, 403);
    let r = send(
        t.addr,
        format!("GET http://{host}/_cloudtwin/health HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n").as_bytes(),
        false,
        Duration::from_secs(5),
    )
    .unwrap();
    assert_eq!(r.status, 200);
}

#[test]
fn allow_host_names_and_the_star() {
    let t = twin_cfg(|c| c.edge.allow_hosts = vec!["twin.internal".into(), "*.ci.example".into()]);
    assert_eq!(get(&t, "/_cloudtwin/health", &[("Host", "twin.internal:4599")]).status, 200);
    assert_eq!(get(&t, "/_cloudtwin/health", &[("Host", "runner-7.ci.example")]).status, 200);
    assert_eq!(get(&t, "/_cloudtwin/health", &[("Host", "ci.example")]).status, 403);
    assert_eq!(get(&t, "/_cloudtwin/health", &[("Host", EVIL)]).status, 403);

    let t = twin_cfg(|c| c.edge.allow_hosts = vec!["*".into()]);
    assert_eq!(get(&t, "/_cloudtwin/state", &[("Host", "twin-7f3a.svc")]).status, 200);
    let r = get(&t, "/_cloudtwin/state", &[("Origin", "http://attacker.example")]);
    assert_eq!(r.status, 403, "`*` switches off the Host check, not the Origin check");

    let t = twin_cfg(|c| c.edge.listen = Some("192.0.2.7:4599".into()));
    assert_eq!(get(&t, "/_cloudtwin/health", &[("Host", "192.0.2.7:4599")]).status, 200, "the listen address");
}

// ------------------------------------------------------------------------- Origin, Content-Type

#[test]
fn a_foreign_origin_is_refused_and_changes_nothing() {
    let t = common::twin(TimingPolicy::Immediate);
    let before = world(&t);
    let clock = t.now();
    for origin in ["http://attacker.example", "null", "https://127.0.0.1.attacker.example"] {
        let h = [("Origin", origin), ("Content-Type", "application/json")];
        let r = raw(t.addr, "POST", "/_cloudtwin/clock", &h, br#"{"advance": 3600}"#);
        assert_eq!(r.status, 403, "{origin}");
        let r = raw(t.addr, "POST", "/_cloudtwin/reset", &h, b"");
        assert_eq!(r.status, 403, "{origin}");
        let r = raw(t.addr, "POST", "/v1/tencent/disk/list", &h, br#"{"TenantUuid": "system"}"#);
        assert_eq!(common::gw_error_of(&r).0, 403, "{origin}");
        let r =
            tencent_as_host(&t, &t.host(), "CreateDisks", serde_json::from_str(DISK).unwrap(), &[("Origin", origin)]);
        assert_eq!(r.tc_code().as_deref(), Some("UnauthorizedOperation"), "{origin}");
        let r = raw(t.addr, "GET", &format!("/v3/{DEFAULT_PROJECT}/vaults"), &[("Origin", origin)], b"");
        assert_eq!((r.status, r.json()["error_code"].as_str()), (403, Some("APIGW.0306")), "{origin}");
        let r = raw(t.addr, "GET", "/api?Action=DescribeSnapshot", &[("Origin", origin)], b"");
        let v = r.json();
        assert_eq!(v["RetCode"], 230, "{v}");
        assert!(v["Message"].as_str().unwrap().starts_with("Params [Origin] not available"), "{v}");
        // A CORS preflight gets no permission either.
        let r = raw(
            t.addr,
            "OPTIONS",
            "/_cloudtwin/clock",
            &[("Origin", origin), ("Access-Control-Request-Method", "POST")],
            b"",
        );
        assert_eq!(r.status, 403);
        assert!(r.header("access-control-allow-origin").is_none());
    }
    assert_eq!((t.now(), world(&t)), (clock, before), "nothing changed");
    // A page served from loopback is the user's own.
    let r = raw(t.addr, "GET", "/_cloudtwin/health", &[("Origin", "http://localhost:3000")], b"");
    assert_eq!(r.status, 200);
}

#[test]
fn control_posts_a_browser_sends_without_asking_are_refused() {
    let t = common::twin(TimingPolicy::Immediate);
    t.ok("CreateDisks", serde_json::from_str(DISK).unwrap());
    let before = world(&t);
    let clock = t.now();
    for ct in [
        "text/plain",
        "text/plain;charset=UTF-8",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
    ] {
        for (path, body) in [("/_cloudtwin/clock", r#"{"advance": 3600}"#), ("/_cloudtwin/reset", "")] {
            let r = raw(t.addr, "POST", path, &[("Content-Type", ct)], body.as_bytes());
            assert_eq!(r.status, 415, "{ct} {path}");
        }
    }
    // A Blob body goes out with no Content-Type at all.
    let r = raw(t.addr, "POST", "/_cloudtwin/clock", &[], br#"{"advance": 3600}"#);
    assert_eq!(r.status, 415);
    assert_eq!((t.now(), world(&t)), (clock, before.clone()), "nothing changed");

    // JSON works, and so does a body-less POST (the conformance runner's reset).
    let r = raw(
        t.addr,
        "POST",
        "/_cloudtwin/clock",
        &[("Content-Type", "application/json; charset=utf-8")],
        br#"{"advance": 60}"#,
    );
    assert_eq!(r.status, 200);
    assert_eq!(t.now(), clock + 60);
    let r = raw(t.addr, "POST", "/_cloudtwin/reset", &[], b"");
    assert_eq!(r.status, 200);
    assert_ne!(world(&t), before, "the reset happened");
}

// ------------------------------------------------------------------------------- control token

#[test]
fn the_control_token_guards_the_control_plane_but_health() {
    const TOKEN: &str = "tok-3f9a1c";
    let t = twin_cfg(|c| c.edge.control_token = Some(TOKEN.into()));
    let clock = t.now_with(TOKEN);
    assert_eq!(get(&t, "/_cloudtwin/health", &[]).status, 200, "readiness checks need no token");
    for (method, path) in [
        ("GET", "/_cloudtwin/state"),
        ("GET", "/_cloudtwin/clock"),
        ("POST", "/_cloudtwin/reset"),
        ("GET", "/_cloudtwin/operations"),
    ] {
        let r = raw(t.addr, method, path, &[("Content-Type", "application/json")], b"");
        assert_eq!(r.status, 401, "{method} {path}");
        assert!(r.header("www-authenticate").is_some_and(|v| v.starts_with("Bearer")));
        assert!(!String::from_utf8_lossy(&r.body).contains(TOKEN));
        for wrong in ["Bearer tok-3f9a1d", "Bearer ", "Basic dG9rLTNmOWExYw==", TOKEN] {
            assert_eq!(raw(t.addr, method, path, &[("Authorization", wrong)], b"").status, 401, "{wrong}");
        }
    }
    let bad =
        raw(t.addr, "POST", "/_cloudtwin/clock", &[("Content-Type", "application/json")], br#"{"advance": 3600}"#);
    assert_eq!(bad.status, 401);
    assert_eq!(t.now_with(TOKEN), clock, "the clock did not move");

    let bearer = format!("Bearer {TOKEN}");
    let r = raw(
        t.addr,
        "POST",
        "/_cloudtwin/clock",
        &[("Authorization", &bearer), ("Content-Type", "application/json")],
        br#"{"advance": 60}"#,
    );
    assert_eq!(r.status, 200);
    let r = raw(t.addr, "GET", "/_cloudtwin/state", &[("X-Cloudtwin-Token", TOKEN)], b"");
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["clock"]["now"], clock + 60);
    // The API surfaces are unaffected.
    t.ucs_ok("DescribeSnapshot", &[]);
    assert_eq!(t.gw_ok("/v1/tencent/disk/list", json!({"Limit": 1}))["TotalCount"].as_i64().map(|n| n > 0), Some(true));
}

impl TwinToken for Twin {
    fn now_with(&self, token: &str) -> i64 {
        let r = raw(self.addr, "GET", "/_cloudtwin/clock", &[("X-Cloudtwin-Token", token)], b"");
        r.json()["now"].as_i64().unwrap()
    }
}

trait TwinToken {
    fn now_with(&self, token: &str) -> i64;
}

/// `cloudtwin conform --target http://...` reaches a twin started with a control token when it
/// is given the token (flag or CLOUDTWIN_CONTROL_TOKEN), and says why when it is not.
#[test]
fn the_conformance_runner_passes_the_control_token() {
    const TOKEN: &str = "conform-token-81";
    let t = twin_cfg(|c| {
        c.edge.control_token = Some(TOKEN.into());
        c.timing = TimingPolicy::Manual;
    });
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("tencent-cbs");
    std::fs::create_dir_all(&dir).unwrap();
    let scenario = r#"{"name": "waits", "surface": "tencent-cbs", "targets": ["twin"],
        "steps": [{"name": "list", "call": "DescribeDisks", "params": {"Limit": 1},
                   "wait": {"until": {"Response.TotalCount": 999}, "timeout": 60, "every": 30}}]}"#;
    std::fs::write(dir.join("waits.json"), scenario).unwrap();
    let run = |extra: &[&str], env: Option<&str>| {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_cloudtwin"));
        cmd.args([
            "conform",
            "--target",
            &format!("http://{}", t.addr),
            "--scenario-dir",
            tmp.path().to_str().unwrap(),
        ]);
        cmd.args(extra).env_remove("CLOUDTWIN_CONTROL_TOKEN");
        if let Some(v) = env {
            cmd.env("CLOUDTWIN_CONTROL_TOKEN", v);
        }
        cmd.output().unwrap()
    };
    let clock = t.now_with(TOKEN);
    let out = run(&[], None);
    assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stdout));
    assert!(String::from_utf8_lossy(&out.stderr).contains("HTTP 401"), "{}", String::from_utf8_lossy(&out.stderr));
    for (extra, env) in [(&["--control-token", TOKEN][..], None), (&[][..], Some(TOKEN))] {
        let out = run(extra, env);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(1), "the wait gives up, on the twin's clock: {stdout}");
        assert!(stdout.contains("gave up after waiting 60 s"), "{stdout}");
        assert!(!stdout.contains(TOKEN) && !String::from_utf8_lossy(&out.stderr).contains(TOKEN));
    }
    assert_eq!(t.now_with(TOKEN), clock + 120, "two runs waited 60 s each");
}

// ------------------------------------------------------------------ bodies: size before buffer

/// The head of a request with a large declared body; the body itself is never sent.
fn head_only(t: &Twin, method: &str, path: &str, headers: &[(&str, &str)], declared: usize) -> Option<Reply> {
    head_only_within(t, method, path, headers, declared, Duration::from_secs(5))
}

fn head_only_within(
    t: &Twin,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    declared: usize,
    wait: Duration,
) -> Option<Reply> {
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {}\r\n", t.host());
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str(&format!("Content-Length: {declared}\r\n\r\n"));
    send(t.addr, head.as_bytes(), false, wait)
}

#[test]
fn a_huawei_token_call_with_a_bad_token_is_refused_before_its_body() {
    let t = common::twin(TimingPolicy::Immediate);
    let before = world(&t);
    let path = format!("/v3/{DEFAULT_PROJECT}/vaults");
    let r =
        head_only(&t, "POST", &path, &[("X-Auth-Token", "MIIgarbage"), ("Content-Type", "application/json")], 63 << 20)
            .expect("answered without waiting for the 63 MiB body");
    assert_eq!((r.status, r.header("connection")), (401, Some("close")));
    let v: Value = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(v["error_code"], "APIGW.0301", "{v}");
    assert_eq!(r.header("x-request-id"), v["request_id"].as_str());
    // A client waiting for `100 Continue` gets the final answer instead, not a go-ahead.
    let h = [("X-Auth-Token", "MIIgarbage"), ("Expect", "100-continue")];
    let r = head_only(&t, "POST", &path, &h, 63 << 20).unwrap();
    assert_eq!(r.status, 401);
    // AK/SK calls whose head already fails: no Authorization, an unknown AK, a stale date.
    let stale = hwsign::format_sdk_date(t.now() - 3600);
    let unknown = "SDK-HMAC-SHA256 Access=NOSUCHAK, SignedHeaders=host;x-sdk-date, Signature=00";
    let known = format!("SDK-HMAC-SHA256 Access={DEFAULT_AK}, SignedHeaders=host;x-sdk-date, Signature=00");
    let now = hwsign::format_sdk_date(t.now());
    for h in [
        vec![],
        vec![("Authorization", unknown), ("X-Sdk-Date", now.as_str())],
        vec![("Authorization", known.as_str()), ("X-Sdk-Date", stale.as_str())],
    ] {
        let r = head_only(&t, "POST", &path, &h, 11 << 20).expect("answered without the body");
        let v: Value = serde_json::from_slice(&r.body).unwrap();
        assert_eq!((r.status, v["error_code"].as_str()), (401, Some("APIGW.0301")), "{h:?}");
    }
    // A known AK with a fresh date: only the body can tell, so the twin waits for it.
    let h = [("Authorization", known.as_str()), ("X-Sdk-Date", now.as_str())];
    let r = head_only_within(&t, "POST", &path, &h, 1 << 20, Duration::from_millis(500));
    assert!(r.is_none(), "no answer before the body");
    // No API at the path: the same answer as with a body.
    let r = head_only(&t, "POST", "/v3/nope", &[("X-Auth-Token", "MIIgarbage")], 63 << 20).unwrap();
    assert_eq!(r.status, 404);
    assert_eq!(world(&t), before);
}

#[test]
fn a_tencent_tc3_call_whose_head_fails_auth_is_refused_before_its_body() {
    let t = common::twin(TimingPolicy::Immediate);
    let before = world(&t);
    let now = t.now().to_string();
    let stale = (t.now() - 3600).to_string();
    let auth = |id: &str| {
        format!(
            "TC3-HMAC-SHA256 Credential={id}/2026-12-02/cbs/tc3_request, SignedHeaders=content-type;host, Signature={}",
            "0".repeat(64)
        )
    };
    let (unknown, known) = (auth("AKIDnosuchkey"), auth(DEFAULT_SECRET_ID));
    let base = [("Content-Type", "application/json"), ("X-TC-Action", "DescribeDisks"), ("X-TC-Version", "2017-03-12")];
    for (extra, code) in [
        (vec![("X-TC-Timestamp", now.as_str())], "AuthFailure.InvalidAuthorization"),
        (vec![("X-TC-Timestamp", now.as_str()), ("Authorization", unknown.as_str())], "AuthFailure.SecretIdNotFound"),
        (vec![("X-TC-Timestamp", stale.as_str()), ("Authorization", known.as_str())], "AuthFailure.SignatureExpire"),
    ] {
        let h: Vec<(&str, &str)> = base.iter().copied().chain(extra).collect();
        let r = head_only(&t, "POST", "/", &h, 9 << 20).expect("answered without waiting for the 9 MiB body");
        assert_eq!((r.status, r.header("connection")), (200, Some("close")));
        let v: Value = serde_json::from_slice(&r.body).unwrap();
        assert_eq!(v["Response"]["Error"]["Code"], code, "{h:?}: {v}");
    }
    // A known SecretId in the window: only the body can tell (the signature covers it).
    let h: Vec<(&str, &str)> =
        base.iter().copied().chain([("X-TC-Timestamp", now.as_str()), ("Authorization", known.as_str())]).collect();
    assert!(head_only_within(&t, "POST", "/", &h, 1 << 20, Duration::from_millis(500)).is_none());
    assert_eq!(world(&t), before);
}

#[test]
fn a_declared_length_over_the_limit_is_refused_before_the_body() {
    let t = common::twin(TimingPolicy::Immediate);
    let before = world(&t);
    let r =
        head_only(&t, "POST", "/", &[("Content-Type", "application/json"), ("X-TC-Action", "CreateDisks")], 11 << 20)
            .unwrap();
    let v: Value = serde_json::from_slice(&r.body).unwrap();
    assert_eq!((r.status, v["Response"]["Error"]["Code"].as_str()), (200, Some("RequestSizeLimitExceeded")));
    let path = format!("/v3/{DEFAULT_PROJECT}/vaults");
    let r = head_only(
        &t,
        "POST",
        &path,
        &[("Authorization", "SDK-HMAC-SHA256 Access=x, SignedHeaders=host, Signature=0")],
        13 << 20,
    )
    .unwrap();
    assert_eq!(r.status, 413);
    let r =
        head_only(&t, "POST", "/v1/tencent/disk/create", &[("Content-Type", "application/json")], 11 << 20).unwrap();
    assert_eq!(r.status, 413);
    let r = head_only(&t, "POST", "/api", &[("Content-Type", "application/json")], 11 << 20).unwrap();
    let v: Value = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(v["RetCode"], 240, "{v}");
    let r = head_only(&t, "POST", "/_cloudtwin/clock", &[("Content-Type", "application/json")], 11 << 20).unwrap();
    assert_eq!(r.status, 413);
    assert_eq!(world(&t), before);
}

/// Bodies in flight share one budget: while one large body holds most of it, another large
/// one waits and is answered "busy" in its surface's envelope; small calls go on unaffected.
#[test]
fn concurrent_large_bodies_share_one_budget() {
    let t = twin_cfg(|c| {
        c.edge.body_budget = 64 << 20;
        c.edge.body_wait_ms = 300;
    });
    let before = world(&t);
    // The holder: a Huawei call with a valid token (64 MiB limit) that sends 62 MiB and pauses.
    let body = serde_json::to_vec(&json!({"auth": {"identity": {"methods": ["password"], "password": {"user": {"name": "cloudtwin-user", "password": "cloudtwin-password", "domain": {"name": "cloudtwin"}}}}, "scope": {"project": {"name": "cn-north-4"}}}})).unwrap();
    let r = raw(t.addr, "POST", "/v3/auth/tokens", &[("Content-Type", "application/json")], &body);
    let token = r.header("x-subject-token").unwrap().to_string();
    let mut holder = TcpStream::connect(t.addr).unwrap();
    let head = format!(
        "POST /v3/{DEFAULT_PROJECT}/vaults HTTP/1.1\r\nHost: {}\r\nX-Auth-Token: {token}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        t.host(),
        64 << 20
    );
    holder.write_all(head.as_bytes()).unwrap();
    holder.write_all(&vec![b' '; 62 << 20]).unwrap();
    std::thread::sleep(Duration::from_millis(500));

    // A second large body cannot get budget.
    let big = format!("{{\"Limit\": 1{}}}", " ".repeat(9 << 20));
    let r = raw(t.addr, "POST", "/v1/tencent/disk/list", &[("Content-Type", "application/json")], big.as_bytes());
    assert_eq!(common::gw_error_of(&r), (429, "RequestLimitExceeded".to_string()));
    let r = tencent_as_host(&t, &t.host(), "DescribeDisks", json!({"Limit": 1, "Pad": " ".repeat(9 << 20)}), &[]);
    assert_eq!(r.tc_code().as_deref(), Some("RequestLimitExceeded"));
    // Small calls go on.
    assert_eq!(tencent_as_host(&t, &t.host(), "DescribeDisks", json!({"Limit": 1}), &[]).tc_code(), None);

    drop(holder);
    std::thread::sleep(Duration::from_millis(300));
    let r = raw(t.addr, "POST", "/v1/tencent/disk/list", &[("Content-Type", "application/json")], big.as_bytes());
    assert_ne!(r.status, 429, "the budget came back: {}", String::from_utf8_lossy(&r.body[..200.min(r.body.len())]));
    assert_eq!(world(&t), before);
}

// ------------------------------------------------------------------------ framing is not size

#[test]
fn a_short_or_badly_chunked_body_is_a_bad_request_not_too_large() {
    let t = common::twin(TimingPolicy::Immediate);
    let before = world(&t);
    let host = t.host();
    let cases: [(&str, &str, &str); 5] = [
        ("/", "", "tencent"),
        (
            "/v3/{p}/vaults",
            "Authorization: SDK-HMAC-SHA256 Access={ak}, SignedHeaders=host, Signature=0\r\nX-Sdk-Date: {date}\r\n",
            "huawei",
        ),
        ("/v1/tencent/disk/create", "", "gateway"),
        ("/api", "", "ucloudstack"),
        ("/_cloudtwin/clock", "", "control"),
    ];
    for (path, extra, family) in cases {
        let path = path.replace("{p}", DEFAULT_PROJECT);
        // A head that passes every check but the signature, so the body is read.
        let extra = extra.replace("{ak}", DEFAULT_AK).replace("{date}", &hwsign::format_sdk_date(t.now()));
        let short = format!("POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n{extra}Content-Length: 100\r\n\r\n{{\"a\":");
        let chunked = format!("POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n{extra}Transfer-Encoding: chunked\r\n\r\nzz\r\n{{}}\r\n0\r\n\r\n");
        for (what, req, close) in [("short", short, true), ("chunked", chunked, false)] {
            let r = send(t.addr, req.as_bytes(), close, Duration::from_secs(5))
                .unwrap_or_else(|| panic!("{family} {what}: no answer"));
            assert_eq!(r.header("connection"), Some("close"), "{family} {what}");
            let v: Value = serde_json::from_slice(&r.body).unwrap();
            let text = v.to_string();
            assert!(!text.contains("too large") && !text.contains("exceeds"), "{family} {what}: {text}");
            match family {
                "tencent" => assert_eq!(
                    (r.status, v["Response"]["Error"]["Code"].as_str()),
                    (200, Some("InvalidRequest")),
                    "{what}"
                ),
                "huawei" => assert_eq!((r.status, v["error_code"].as_str()), (400, Some("APIGW.0201")), "{what}"),
                "gateway" => assert_eq!(
                    (r.status, v["scode"].as_i64(), v["desc"].as_str()),
                    (400, Some(400), Some("InvalidRequest")),
                    "{what}"
                ),
                "ucloudstack" => assert_eq!((r.status, v["RetCode"].as_i64()), (200, Some(230)), "{what}"),
                _ => assert_eq!(r.status, 400, "{what}"),
            }
        }
    }
    // A body really over the limit, chunked (no length to check first), is still "too large".
    let mut req = format!(
        "POST / HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
    )
    .into_bytes();
    let chunk = vec![b' '; 1 << 20];
    for _ in 0..11 {
        req.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
        req.extend_from_slice(&chunk);
        req.extend_from_slice(b"\r\n");
    }
    req.extend_from_slice(b"0\r\n\r\n");
    let r = send_tolerant(t.addr, &req);
    let v: Value = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(v["Response"]["Error"]["Code"], "RequestSizeLimitExceeded");
    assert_eq!(world(&t), before);
}

/// Send a large request whose answer may come (and the connection close) before all of it
/// is written.
fn send_tolerant(addr: SocketAddr, bytes: &[u8]) -> Reply {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let _ = s.write_all(bytes);
    let mut buf = Vec::new();
    let _ = s.read_to_end(&mut buf);
    parse(&buf).expect("an answer")
}

// --------------------------------------------------------------------------------- odd methods

#[test]
fn connect_is_refused_and_odd_methods_get_clean_answers() {
    let t = common::twin(TimingPolicy::Immediate);
    let before = world(&t);
    let host = t.host();
    let r = send(
        t.addr,
        b"CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n",
        false,
        Duration::from_secs(5),
    )
    .expect("an answer");
    assert_eq!(r.status, 405, "not a tunnel");
    assert!(r.json()["error"].as_str().unwrap().contains("not a proxy"));
    let r = send(
        t.addr,
        format!("CONNECT {host} HTTP/1.1\r\nHost: {host}\r\n\r\n").as_bytes(),
        false,
        Duration::from_secs(5),
    )
    .unwrap();
    assert_eq!(r.status, 405);

    for method in ["OPTIONS", "TRACE", "PATCH"] {
        for path in
            ["/", "/_cloudtwin/state", &format!("/v3/{DEFAULT_PROJECT}/vaults"), "/v1/tencent/disk/list", "/api"]
        {
            let r = raw(t.addr, method, path, &[], b"");
            assert!(r.status < 500 && r.status != 0, "{method} {path}: {}", r.status);
            assert_eq!(
                r.header("content-type").map(|c| c.starts_with("application/json")),
                Some(true),
                "{method} {path}"
            );
            let v = r.json();
            assert!(!v.to_string().is_empty());
        }
    }
    let r = send(
        t.addr,
        format!("OPTIONS * HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n").as_bytes(),
        false,
        Duration::from_secs(5),
    )
    .unwrap();
    assert_eq!(r.json()["Response"]["Error"]["Code"], "UnsupportedProtocol");
    assert_eq!(world(&t), before);
}
