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

/// Huawei: a signed request as the official SDK sends it (every header it sets is signed),
/// at the twin's clock.
pub mod hw {
    use super::{raw, Reply, Twin};
    use cloudtwin_emulator::huawei::settings::{DEFAULT_AK, DEFAULT_PROJECT, DEFAULT_SK};
    use cloudtwin_emulator::huawei::sign::{self, Algorithm, Outgoing};
    use serde_json::Value;

    pub const P: &str = DEFAULT_PROJECT;
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
            self.state()["world"]["huawei"].clone()
        }
    }
}
