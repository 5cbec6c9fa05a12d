//! Shared helpers for the HTTP tests: an in-process twin on a free port, a raw HTTP/1.1 client
//! (so requests go out byte for byte, Host header included), and Tencent-signed calls.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};

use cloudtwin_emulator::clock::Clock;
use cloudtwin_emulator::config::{DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY};
use cloudtwin_emulator::tencent::sign;
use cloudtwin_emulator::timing::TimingPolicy;
use cloudtwin_emulator::{AuthMode, Config, Inventory, Running};
use serde_json::{json, Value};

pub const T0: i64 = 1_795_384_433; // 2026-11-22, the captures' signing time

pub struct Twin {
    pub addr: SocketAddr,
    pub running: Running,
    _rt: Option<tokio::runtime::Runtime>,
}

pub fn twin_with(cfg: Config, clock: Clock, auth: AuthMode) -> Twin {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let running = rt
        .block_on(cloudtwin_emulator::start(cfg, Inventory::builtin(), clock, auth, "127.0.0.1:0"))
        .expect("twin starts");
    Twin { addr: running.addr, running, _rt: Some(rt) }
}

/// A twin with the default configuration, a manual clock at T0 and the given timing policy.
pub fn twin(timing: TimingPolicy) -> Twin {
    let cfg = Config { timing, id_seed: Some(42), ..Config::default() };
    twin_with(cfg, Clock::manual(T0), AuthMode::Enforce)
}

#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }
    /// `Response.Error.Code` of a Tencent answer, if it is an error.
    pub fn tc_code(&self) -> Option<String> {
        self.json()["Response"]["Error"]["Code"].as_str().map(str::to_string)
    }
}

/// Send one HTTP/1.1 request exactly as given (headers in order, no additions but
/// Content-Length and Connection: close) and read the whole answer.
/// Read a `cloudtwin serve` banner up to its fixed last line, `cloudtwin ready in X ms at URL`,
/// and return that URL.
#[allow(dead_code)]
pub fn ready_url(out: &mut impl std::io::BufRead) -> String {
    let mut line = String::new();
    while out.read_line(&mut line).unwrap_or(0) > 0 {
        if line.starts_with("cloudtwin ready in ") {
            return line.split_whitespace().last().unwrap_or_default().to_string();
        }
        line.clear();
    }
    panic!("serve ended before its ready line");
}

pub fn raw(addr: SocketAddr, method: &str, target: &str, headers: &[(&str, &str)], body: &[u8]) -> Reply {
    let mut s = TcpStream::connect(addr).unwrap();
    let mut head = format!("{method} {target} HTTP/1.1\r\n");
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    if !headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("host")) {
        head.push_str(&format!("Host: {addr}\r\n"));
    }
    head.push_str(&format!("Content-Length: {}\r\nConnection: close\r\n\r\n", body.len()));
    s.write_all(head.as_bytes()).unwrap();
    s.write_all(body).unwrap();
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).unwrap();
    let split = buf.windows(4).position(|w| w == b"\r\n\r\n").expect("header end");
    let head = String::from_utf8_lossy(&buf[..split]).to_string();
    let mut lines = head.split("\r\n");
    let status: u16 = lines.next().unwrap().split(' ').nth(1).unwrap().parse().unwrap();
    let headers: Vec<(String, String)> =
        lines.filter_map(|l| l.split_once(':').map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))).collect();
    let mut body = buf[split + 4..].to_vec();
    if headers.iter().any(|(k, v)| k.eq_ignore_ascii_case("transfer-encoding") && v.contains("chunked")) {
        body = dechunk(&body);
    }
    Reply { status, headers, body }
}

fn dechunk(mut b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let nl = b.windows(2).position(|w| w == b"\r\n").unwrap();
        let n = usize::from_str_radix(std::str::from_utf8(&b[..nl]).unwrap().trim(), 16).unwrap();
        if n == 0 {
            return out;
        }
        out.extend_from_slice(&b[nl + 2..nl + 2 + n]);
        b = &b[nl + 4 + n..];
    }
}

impl Twin {
    pub fn host(&self) -> String {
        self.addr.to_string()
    }

    /// A TC3-signed POST (JSON) as the official SDK sends it, signed at the twin's clock.
    pub fn call_as(&self, secret_id: &str, secret_key: &str, action: &str, region: Option<&str>, body: Value) -> Reply {
        let payload = serde_json::to_vec(&body).unwrap();
        let host = self.host();
        let ts = self.now();
        let signed = sign::sign_tc3(&sign::Tc3Request {
            secret_id,
            secret_key,
            host: &host,
            method: "POST",
            query: "",
            content_type: "application/json",
            action,
            version: "2017-03-12",
            region,
            timestamp: ts,
            payload: &payload,
        });
        let headers: Vec<(&str, &str)> = signed.headers.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        raw(self.addr, "POST", "/", &headers, &payload)
    }

    pub fn call(&self, action: &str, body: Value) -> Reply {
        self.call_as(DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY, action, Some("ap-guangzhou"), body)
    }

    /// `Response` of a call that must succeed.
    pub fn ok(&self, action: &str, body: Value) -> Value {
        let r = self.call(action, body);
        let v = r.json();
        assert!(v["Response"]["Error"].is_null(), "{action} failed: {v}");
        v["Response"].clone()
    }

    /// Error code of a call that must fail.
    pub fn err(&self, action: &str, body: Value) -> String {
        self.call(action, body).tc_code().unwrap_or_else(|| panic!("{action} unexpectedly succeeded"))
    }

    pub fn control(&self, method: &str, path: &str, body: Option<Value>) -> Reply {
        let b = body.map(|v| serde_json::to_vec(&v).unwrap()).unwrap_or_default();
        raw(self.addr, method, path, &[("Content-Type", "application/json")], &b)
    }

    pub fn now(&self) -> i64 {
        self.control("GET", "/_cloudtwin/clock", None).json()["now"].as_i64().unwrap()
    }

    pub fn advance(&self, secs: f64) {
        let r = self.control("POST", "/_cloudtwin/clock", Some(json!({"advance": secs})));
        assert_eq!(r.status, 200);
    }

    pub fn state(&self) -> Value {
        self.control("GET", "/_cloudtwin/state", None).json()["world"].clone()
    }

    pub fn disk(&self, id: &str) -> Option<Value> {
        let r = self.ok("DescribeDisks", json!({"DiskIds": [id]}));
        r["DiskSet"].as_array().unwrap().first().cloned()
    }

    /// Create one postpaid CLOUD_PREMIUM data disk and let it finish (advancing the clock).
    pub fn new_disk(&self, zone: &str, size: i64) -> String {
        let r = self.ok(
            "CreateDisks",
            json!({"Placement": {"Zone": zone}, "DiskChargeType": "POSTPAID_BY_HOUR", "DiskType": "CLOUD_PREMIUM", "DiskSize": size}),
        );
        let id = r["DiskIdSet"][0].as_str().unwrap().to_string();
        self.settle();
        id
    }

    /// Let in-flight work finish: one read, time past the due point, another read.
    pub fn settle(&self) {
        self.ok("DescribeDisks", json!({"Limit": 1}));
        self.advance(5.0);
        self.ok("DescribeDisks", json!({"Limit": 1}));
    }
}

/// The captured requests of one provider (fixtures/captures/<prefix>-*.json), by file name.
pub fn captures(prefix: &str) -> Vec<(String, Value)> {
    let dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/captures");
    let mut out: Vec<(String, Value)> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| {
            let p = e.unwrap().path();
            let name = p.file_name()?.to_str()?.to_string();
            (name.starts_with(&format!("{prefix}-")) && name.ends_with(".json"))
                .then(|| (name, serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap()))
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// Send a captured request again, byte for byte (minus the length and connection headers the
/// HTTP library added).
pub fn replay(t: &Twin, cap: &Value) -> Reply {
    let req = &cap["request"];
    let query = req["query"].as_str().unwrap();
    let path = req["url_path"].as_str().unwrap();
    let target = if query.is_empty() { path.to_string() } else { format!("{path}?{query}") };
    let headers: Vec<(String, String)> = req["headers"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(k, _)| !k.eq_ignore_ascii_case("content-length") && !k.eq_ignore_ascii_case("connection"))
        .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
        .collect();
    let h: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    raw(t.addr, req["method"].as_str().unwrap(), &target, &h, req["body"].as_str().unwrap().as_bytes())
}

/// Huawei: a signed request as the official SDK sends it (every header it sets is signed),
/// at the twin's clock.
pub mod hw {
    use super::{raw, Reply, Twin};
    use cloudtwin_emulator::huawei::settings::{DEFAULT_AK, DEFAULT_PROJECT, DEFAULT_SK, PEER_AK, PEER_SK};
    use cloudtwin_emulator::huawei::sign::{self, Algorithm, Outgoing};
    use serde_json::Value;

    pub const P: &str = DEFAULT_PROJECT;

    /// Who calls: the keys, and the project that `{p}` in a path stands for.
    #[derive(Clone, Copy)]
    pub struct Who {
        pub ak: &'static str,
        pub sk: &'static str,
        pub project: &'static str,
    }

    pub const OWNER: Who = Who { ak: DEFAULT_AK, sk: DEFAULT_SK, project: P };
    /// Another account: the receiver of the owner's shares.
    pub const RECEIVER: Who = Who { ak: PEER_AK, sk: PEER_SK, project: PEER };
    /// The owner's account in cn-south-1: the destination of its replicas.
    pub const SOUTH_P: Who = Who { ak: DEFAULT_AK, sk: DEFAULT_SK, project: SOUTH };

    /// `method path` (`{p}` the caller's project) signed with `who`'s keys.
    pub fn call(t: &Twin, who: Who, method: &str, path: &str, body: Option<Value>) -> Reply {
        let path = path.replace("{p}", who.project);
        t.hw_signed(Algorithm::HmacSha256, who.ak, who.sk, method, &path, body.as_ref(), Some(who.project))
    }

    /// [`call`], which must succeed: its JSON (null for an empty body).
    pub fn ok(t: &Twin, who: Who, method: &str, path: &str, body: Option<Value>) -> Value {
        let r = call(t, who, method, path, body);
        assert!(r.status < 300, "{method} {path}: {} {}", r.status, String::from_utf8_lossy(&r.body));
        if r.body.is_empty() {
            Value::Null
        } else {
            r.json()
        }
    }
    pub const SOUTH: &str = "1123456789abcdef0123456789abcdef";
    pub const PEER: &str = "a123456789abcdef0123456789abcdef";
    pub const WEB: &str = "c0a80001-0000-4000-8000-000000000001";
    pub const DB: &str = "c0a80001-0000-4000-8000-000000000002";
    pub const STOPPED: &str = "c0a80001-0000-4000-8000-000000000003";
    pub const BROKEN: &str = "c0a80001-0000-4000-8000-000000000004";
    pub const VOL_ARCHIVE: &str = "d0a80001-0000-4000-8000-000000000010";
    pub const SOUTH_SERVER: &str = "c0a80002-0000-4000-8000-000000000001";

    impl Twin {
        #[allow(clippy::too_many_arguments)]
        pub fn hw_signed(
            &self,
            alg: Algorithm,
            ak: &str,
            sk: &str,
            method: &str,
            path_q: &str,
            body: Option<&Value>,
            project_header: Option<&str>,
        ) -> Reply {
            let (path, query) = path_q.split_once('?').unwrap_or((path_q, ""));
            let payload = body.map(|b| serde_json::to_vec(b).unwrap()).unwrap_or_default();
            let host = self.host();
            let ct = if body.is_some() { "application/json;charset=utf-8" } else { "application/json" };
            let mut headers =
                vec![("Host", host.as_str()), ("Content-Type", ct), ("User-Agent", "huaweicloud-usdk-python/3.0")];
            if let Some(p) = project_header {
                headers.push(("X-Project-Id", p));
            }
            let date = sign::format_sdk_date(self.now());
            let out = Outgoing {
                method,
                raw_path: path,
                raw_query: query,
                headers: &headers,
                body: &payload,
                sdk_date: &date,
            };
            let s = sign::sign(alg, ak, sk, &out);
            let mut h: Vec<(String, String)> = s.headers.clone();
            h.push(("Authorization".into(), s.authorization));
            let hh: Vec<(&str, &str)> = h.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            raw(self.addr, method, path_q, &hh, &payload)
        }

        /// Signed with the default keys, `{project_id}` replaced by the default project.
        pub fn hw(&self, method: &str, path_q: &str, body: Option<Value>) -> Reply {
            let path_q = path_q.replace("{p}", P);
            let project = path_q.split('/').nth(2).map(str::to_string);
            self.hw_signed(
                Algorithm::HmacSha256,
                DEFAULT_AK,
                DEFAULT_SK,
                method,
                &path_q,
                body.as_ref(),
                project.as_deref(),
            )
        }

        /// A successful call's JSON body (panics with the answer otherwise).
        pub fn hw_ok(&self, method: &str, path_q: &str, body: Option<Value>) -> Value {
            let r = self.hw(method, path_q, body);
            assert!(r.status < 300, "{method} {path_q}: {} {}", r.status, String::from_utf8_lossy(&r.body));
            if r.body.is_empty() {
                Value::Null
            } else {
                r.json()
            }
        }

        /// A failed call: (status, error_code).
        pub fn hw_err(&self, method: &str, path_q: &str, body: Option<Value>) -> (u16, String) {
            let r = self.hw(method, path_q, body);
            assert!(r.status >= 400, "{method} {path_q} succeeded: {}", String::from_utf8_lossy(&r.body));
            (r.status, r.json()["error_code"].as_str().unwrap_or("").to_string())
        }

        /// The CBR part of the state (for "nothing changed" checks).
        pub fn hw_state(&self) -> Value {
            self.state()["huawei"].clone()
        }
    }
}

// ------------------------------------------------------------------------------------- gateway

pub const GW_TENANT: &str = "system";
pub const GW_CLUSTER: &str = "72db4b34-1473-418f-ade4-de00b956f16b";

impl Twin {
    /// POST `body` (any bytes) to a gateway path, with extra headers.
    pub fn gw_bytes(&self, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Reply {
        let mut h = vec![("Content-Type", "application/json")];
        h.extend_from_slice(headers);
        raw(self.addr, "POST", path, &h, body)
    }

    /// A gateway call as the seeds' examples send it: the `system` tenant and cluster and
    /// `ap-guangzhou` are added unless the body names its own.
    pub fn gw(&self, path: &str, body: Value) -> Reply {
        let mut b = body;
        for (k, v) in [("TenantUuid", GW_TENANT), ("ClusterUuid", GW_CLUSTER), ("Region", "ap-guangzhou")] {
            if b.get(k).is_none() {
                b[k] = json!(v);
            }
        }
        self.gw_bytes(path, &[], &serde_json::to_vec(&b).unwrap())
    }

    /// `data` of a gateway call that must succeed (and carry the seeds' success envelope).
    pub fn gw_ok(&self, path: &str, body: Value) -> Value {
        let r = self.gw(path, body);
        let v = r.json();
        assert_eq!((r.status, v["scode"].as_i64()), (200, Some(0)), "{path} failed: {v}");
        assert_eq!((v["desc"].as_str(), v["message"].as_str()), (Some(""), Some("success")));
        assert_eq!((v["message_cn"].as_str(), v["stack"].is_null()), (Some("成功"), true));
        v["data"].clone()
    }

    /// (scode, desc) of a gateway call that must fail; checks the error envelope.
    pub fn gw_err(&self, path: &str, body: Value) -> (i64, String) {
        let r = self.gw(path, body);
        gw_error_of(&r)
    }
}

/// (scode, desc) of a gateway error answer, checking the envelope and that the HTTP status is
/// the scode.
pub fn gw_error_of(r: &Reply) -> (i64, String) {
    let v = r.json();
    let scode = v["scode"].as_i64().unwrap_or_else(|| panic!("no scode: {v}"));
    assert_ne!(scode, 0, "unexpected success: {v}");
    assert_eq!(i64::from(r.status), scode, "{v}");
    assert!(r.status < 500, "{v}");
    assert!(v["message"].as_str().is_some_and(|m| !m.is_empty()), "{v}");
    assert!(v["message_cn"].as_str().is_some_and(|m| !m.is_empty() && !m.is_ascii()), "{v}");
    assert!(v["stack"].is_null() && v["data"].is_null(), "{v}");
    (scode, v["desc"].as_str().unwrap_or_default().to_string())
}

// --------------------------------------------------------------------------------- UCloudStack

#[allow(unused_imports)]
pub use cloudtwin_emulator::config::{UCS_PEER_PRIVATE_KEY, UCS_PEER_PUBLIC_KEY, UCS_PRIVATE_KEY, UCS_PUBLIC_KEY};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    Get,
    Form,
    Json,
}

pub const TRANSPORTS: [Transport; 3] = [Transport::Get, Transport::Form, Transport::Json];

/// `application/x-www-form-urlencoded`, every byte but the unreserved ones escaped.
pub fn form_encode(params: &std::collections::BTreeMap<String, String>) -> String {
    let esc = |s: &str| {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
                _ => format!("%{b:02X}"),
            })
            .collect::<String>()
    };
    params.iter().map(|(k, v)| format!("{}={}", esc(k), esc(v))).collect::<Vec<_>>().join("&")
}

/// `params` plus PublicKey and a Signature made with `private_key`.
pub fn ucs_signed(
    params: &[(&str, &str)],
    public_key: &str,
    private_key: &str,
) -> std::collections::BTreeMap<String, String> {
    let mut m: std::collections::BTreeMap<String, String> =
        params.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    m.insert("PublicKey".into(), public_key.into());
    let sig = cloudtwin_emulator::ucloudstack::sign::sign(&m, private_key);
    m.insert("Signature".into(), sig);
    m
}

impl Twin {
    /// Send already-final parameters to `/api` over one transport (JSON sends every value as a
    /// string, which is what the flattened, signed form is).
    pub fn ucs_send(&self, t: Transport, params: &std::collections::BTreeMap<String, String>) -> Reply {
        match t {
            Transport::Get => raw(self.addr, "GET", &format!("/api?{}", form_encode(params)), &[], b""),
            Transport::Form => raw(
                self.addr,
                "POST",
                "/api",
                &[("Content-Type", "application/x-www-form-urlencoded")],
                form_encode(params).as_bytes(),
            ),
            Transport::Json => raw(
                self.addr,
                "POST",
                "/api",
                &[("Content-Type", "application/json")],
                &serde_json::to_vec(params).unwrap(),
            ),
        }
    }

    /// A call signed with the default UCloudStack keys; `Region=cn` is added unless given.
    pub fn ucs_via(&self, t: Transport, action: &str, params: &[(&str, &str)]) -> Value {
        let mut p: Vec<(&str, &str)> = vec![("Action", action)];
        if !params.iter().any(|(k, _)| *k == "Region") {
            p.push(("Region", "cn"));
        }
        p.extend_from_slice(params);
        let r = self.ucs_send(t, &ucs_signed(&p, UCS_PUBLIC_KEY, UCS_PRIVATE_KEY));
        assert_eq!(r.status, 200);
        assert_eq!(r.header("content-type"), Some("application/json"));
        let v = r.json();
        assert_eq!(v["Action"], json!(format!("{action}Response")), "{v}");
        v
    }

    pub fn ucs(&self, action: &str, params: &[(&str, &str)]) -> Value {
        self.ucs_via(Transport::Form, action, params)
    }

    /// A call that must succeed (RetCode 0, Message "").
    pub fn ucs_ok(&self, action: &str, params: &[(&str, &str)]) -> Value {
        let v = self.ucs(action, params);
        assert_eq!((v["RetCode"].as_i64(), v["Message"].as_str()), (Some(0), Some("")), "{action}: {v}");
        v
    }

    /// RetCode of a call that must fail.
    pub fn ucs_err(&self, action: &str, params: &[(&str, &str)]) -> i64 {
        let v = self.ucs(action, params);
        let code = v["RetCode"].as_i64().unwrap();
        assert_ne!(code, 0, "{action} unexpectedly succeeded: {v}");
        assert!(v["Message"].as_str().is_some_and(|m| !m.is_empty()), "{v}");
        code
    }
}
