//! Property-based fuzzing of every protocol decoder and signature parser, in process: arbitrary
//! and structured-but-hostile inputs must never panic, must answer in the surface's envelope
//! with no 5xx, and the bounds scan must agree exactly with the tree it guards. With `--auth off`
//! (AuthMode::Off) the inputs reach the handlers, not just the signature check.
//!
//! The number of cases per property follows PROPTEST_CASES (default 256); docs/fuzzing.md gives
//! the long-run command.

use std::sync::OnceLock;

use axum::http::{HeaderMap, HeaderName, HeaderValue, Method};
use cloudtwin_emulator::clock::Clock;
use cloudtwin_emulator::core::letters::Letters;
use cloudtwin_emulator::limits::{self, Bounds};
use cloudtwin_emulator::tencent::protocol::Given;
use cloudtwin_emulator::world::Twin;
use cloudtwin_emulator::{huawei, tencent, ucloudstack, AuthMode, Config, Inventory};
use proptest::prelude::*;
use serde_json::{Map, Value};

const T0: i64 = 1_795_384_433;

/// The answer of a request to the in-memory twin, which has nothing to wait for before it
/// answers (no store).
fn served(
    answer: impl std::future::Future<Output = cloudtwin_emulator::core::http::Answer>,
) -> cloudtwin_emulator::core::http::Answer {
    let waker = std::task::Waker::noop();
    match std::future::Future::poll(std::pin::pin!(answer), &mut std::task::Context::from_waker(waker)) {
        std::task::Poll::Ready(answer) => answer,
        std::task::Poll::Pending => panic!("an in-memory twin waited before it answered"),
    }
}

fn twin() -> &'static Twin {
    static TWIN: OnceLock<Twin> = OnceLock::new();
    TWIN.get_or_init(|| Twin::new(Config::default(), Inventory::builtin(), Clock::manual(T0)).unwrap())
}

fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(Value::from),
        "[a-zA-Z0-9 ._\\-\"\\\\/\u{4e00}-\u{4e10}\u{0}-\u{1f}]{0,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(6, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map("[A-Za-z.]{0,6}", inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect::<Map<String, Value>>())),
        ]
    })
}

/// Bodies: JSON trees, JSON-looking text, form text with dotted names, raw bytes.
fn arb_body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        arb_json().prop_map(|v| serde_json::to_vec(&v).unwrap()),
        "[\\[\\]{}\",:a-zA-Z0-9 .\\\\-]{0,80}".prop_map(String::into_bytes),
        prop::collection::vec(("[A-Za-z]{1,8}(\\.[0-9a-zA-Z]{0,3}){0,6}", "[a-z0-9%+&=]{0,8}"), 0..12).prop_map(
            |pairs| pairs.into_iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("&").into_bytes()
        ),
        prop::collection::vec(any::<u8>(), 0..64),
        (1usize..3000).prop_map(|n| format!("{}=1", vec!["a"; n].join(".")).into_bytes()),
        (1usize..3000).prop_map(|n| format!("{}{}", "[".repeat(n), "]".repeat(n)).into_bytes()),
    ]
}

fn arb_method() -> impl Strategy<Value = Method> {
    prop_oneof![Just(Method::GET), Just(Method::POST), Just(Method::PUT), Just(Method::DELETE), Just(Method::HEAD)]
}

fn arb_headers(names: &'static [&'static str]) -> impl Strategy<Value = HeaderMap> {
    let value = prop_oneof![
        Just("application/json".to_string()),
        Just("application/x-www-form-urlencoded".to_string()),
        Just("DescribeDisks".to_string()),
        Just("2017-03-12".to_string()),
        Just(T0.to_string()),
        "[ -~]{0,40}",
    ];
    prop::collection::vec((prop::sample::select(names), value), 0..8).prop_map(|hs| {
        let mut m = HeaderMap::new();
        for (n, v) in hs {
            if let Ok(v) = HeaderValue::from_str(&v) {
                m.append(HeaderName::from_static(n), v);
            }
        }
        m
    })
}

const TENCENT_HEADERS: &[&str] =
    &["content-type", "x-tc-action", "x-tc-version", "x-tc-timestamp", "x-tc-region", "authorization", "host"];
const HUAWEI_HEADERS: &[&str] =
    &["content-type", "authorization", "x-sdk-date", "x-auth-token", "x-project-id", "host", "x-sdk-content-sha256"];

fn json_of(bytes: &[u8]) -> Value {
    serde_json::from_slice(bytes).unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(bytes)))
}

/// Depth, number of values, largest container, longest key and string (as escaped on the wire).
fn metrics(v: &Value) -> (usize, usize, usize, usize, usize) {
    let esc = |s: &str| serde_json::to_string(s).unwrap().len() - 2;
    match v {
        Value::Array(a) => a.iter().map(metrics).fold((1, 1, a.len(), 0, 0), |acc, m| {
            (acc.0.max(m.0 + 1), acc.1 + m.1, acc.2.max(m.2), acc.3.max(m.3), acc.4.max(m.4))
        }),
        Value::Object(o) => o.iter().fold((1, 1, o.len(), 0, 0), |acc, (k, x)| {
            let m = metrics(x);
            (acc.0.max(m.0 + 1), acc.1 + m.1, acc.2.max(m.2), acc.3.max(m.3).max(esc(k)), acc.4.max(m.4))
        }),
        Value::String(s) => (0, 1, 0, 0, esc(s)),
        _ => (0, 1, 0, 0, 0),
    }
}

/// A TC3 POST signed with the default key, then changed by `edit`: (header index or a new
/// header, value); `None` leaves it signed as it is.
fn arb_signed_tc3() -> impl Strategy<Value = (HeaderMap, Vec<u8>)> {
    let edit = prop::option::of((0usize..8, prop::sample::select(TENCENT_HEADERS), "[ -~]{0,40}", any::<bool>()));
    (arb_body(), prop_oneof![Just("application/json"), Just("application/x-www-form-urlencoded")], edit, -400i64..400)
        .prop_map(|(body, ct, edit, skew)| {
            let signed = tencent::sign::sign_tc3(&tencent::sign::Tc3Request {
                secret_id: cloudtwin_emulator::config::DEFAULT_SECRET_ID,
                secret_key: cloudtwin_emulator::config::DEFAULT_SECRET_KEY,
                host: "cbs.tencentcloudapi.com",
                method: "POST",
                query: "",
                content_type: ct,
                action: "DescribeDisks",
                version: "2017-03-12",
                region: Some("ap-guangzhou"),
                timestamp: T0 + skew,
                payload: &body,
            });
            let mut m = HeaderMap::new();
            for (k, v) in &signed.headers {
                m.append(
                    HeaderName::from_bytes(k.to_ascii_lowercase().as_bytes()).unwrap(),
                    HeaderValue::from_str(v).unwrap(),
                );
            }
            if let Some((at, name, value, append)) = edit {
                let name = match m.keys().nth(at) {
                    Some(k) if !append => k.clone(),
                    _ => HeaderName::from_static(name),
                };
                if let Ok(v) = HeaderValue::from_str(&value) {
                    if append {
                        m.append(name, v);
                    } else {
                        m.insert(name, v);
                    }
                }
            }
            (m, body)
        })
}

/// The outcome of decoding, comparable: the call's parts or the error's code and message.
fn outcome(d: tencent::protocol::Decoded) -> Result<String, String> {
    d.map(|c| format!("{} {} {:?} {} {} {:?}", c.account, c.uin, c.region, c.action, c.version, c.params))
        .map_err(|e| format!("{} {}", e.code, e.message))
}

proptest! {
    #![proptest_config(ProptestConfig { failure_persistence: None, ..ProptestConfig::default() })]

    /// The bounds scan refuses exactly the documents that break a bound (small bounds, so the
    /// generator reaches them).
    #[test]
    fn json_scan_agrees_with_the_tree(v in arb_json()) {
        let b = Bounds { depth: 3, params: 25, items: 4, name_bytes: 4, value_bytes: 6 };
        let (depth, values, items, key, string) = metrics(&v);
        let within = depth <= b.depth && values <= b.params && items <= b.items && key <= b.name_bytes
            && string <= b.value_bytes;
        let text = serde_json::to_vec(&v).unwrap();
        prop_assert_eq!(limits::check_json_with(&text, &b).is_ok(), within, "{}", String::from_utf8_lossy(&text));
    }

    /// The edge checks a TC3 head before the body and hands it to the decoder: together they
    /// decide every request as the decoder alone does (signed, tampered with, or made up).
    #[test]
    fn a_head_checked_at_the_edge_decodes_as_the_whole_request(
        signed in arb_signed_tc3(), made_up in arb_headers(TENCENT_HEADERS), pick in any::<bool>(),
    ) {
        let (headers, body) = if pick { signed } else { (made_up, b"{}".to_vec()) };
        let req = tencent::protocol::HttpIn { method: &Method::POST, path: "/", query: "", headers: &headers, body: &body };
        let cfg = &twin().cfg;
        let whole = outcome(tencent::protocol::decode(cfg, AuthMode::Enforce, T0, &req, &Letters::default()));
        match tencent::protocol::tc3_head(cfg, AuthMode::Enforce, T0, &Method::POST, &headers) {
            Err(e) => prop_assert_eq!(Err(format!("{} {}", e.code, e.message)), whole),
            Ok(Some(head)) => prop_assert_eq!(outcome(tencent::protocol::decode_after_head(&req, head, &Letters::default())), whole),
            Ok(None) => {}
        }
    }

    #[test]
    fn tencent_decoder_and_handlers_answer_in_the_envelope(
        method in arb_method(), query in "[A-Za-z0-9._=&%+\\-]{0,60}", headers in arb_headers(TENCENT_HEADERS),
        body in arb_body(), off in any::<bool>(),
    ) {
        let req = tencent::protocol::HttpIn { method: &method, path: "/", query: &query, headers: &headers, body: &body };
        let auth = if off { AuthMode::Off } else { AuthMode::Enforce };
        let out = json_of(&served(tencent::handle(twin(), auth, &req)).body);
        prop_assert!(out["Response"]["RequestId"].is_string(), "{}", out);
        if let Ok(call) = tencent::protocol::decode(&twin().cfg, AuthMode::Off, T0, &req, &Letters::default()) {
            let (Given::Tree(tree) | Given::Json(tree)) = call.params else { unreachable!("no letters kept") };
            let (depth, values, items, ..) = metrics(&Value::Object(tree.to_map().unwrap_or_default()));
            prop_assert!(depth <= limits::MAX_DEPTH + 1 && values <= limits::MAX_PARAMS + 1 && items <= limits::MAX_ITEMS);
        }
    }

    #[test]
    fn huawei_decoders_and_handlers_answer_in_the_envelope(
        method in arb_method(),
        path in prop::sample::select(vec![
            "/v3/0123456789abcdef0123456789abcdef/vaults", "/v3/0123456789abcdef0123456789abcdef/policies",
            "/v3/0123456789abcdef0123456789abcdef/backups", "/v3/0123456789abcdef0123456789abcdef/checkpoints",
            "/v3/auth/tokens", "/v3/0123456789abcdef0123456789abcdef/agents", "/v3/x/y/z",
        ]),
        query in "[a-z_=&%0-9]{0,40}", headers in arb_headers(HUAWEI_HEADERS), body in arb_body(), off in any::<bool>(),
    ) {
        let req = huawei::protocol::HttpIn { method: &method, path, query: &query, headers: &headers, body: &body };
        let auth = if off { AuthMode::Off } else { AuthMode::Enforce };
        let out = served(huawei::handle(twin(), auth, &req));
        prop_assert!(out.status < 500, "{} {}", out.status, String::from_utf8_lossy(&out.body));
        if !out.body.is_empty() {
            let v = json_of(&out.body);
            prop_assert!(out.status < 400 || v["error_code"].is_string() || v["error"].is_object(), "{}", v);
        }
        let _ = huawei::body::parse(&body);
        let _ = huawei::body::query_pairs(&query);
    }

    #[test]
    fn ucloudstack_transports_and_handlers_answer_in_the_envelope(
        method in arb_method(), query in "[A-Za-z0-9._=&%+]{0,60}", json_ct in any::<bool>(), body in arb_body(),
        off in any::<bool>(),
    ) {
        let mut headers = HeaderMap::new();
        let ct = if json_ct { "application/json" } else { "application/x-www-form-urlencoded" };
        headers.insert("content-type", HeaderValue::from_static(ct));
        let req = ucloudstack::protocol::HttpIn { method: &method, path: "/api", query: &query, headers: &headers, body: &body };
        let auth = if off { AuthMode::Off } else { AuthMode::Enforce };
        let v = json_of(&served(ucloudstack::handle(twin(), auth, &req)).body);
        prop_assert!(v["RetCode"].is_i64(), "{}", v);
        if let Ok(flat) = ucloudstack::protocol::decode(&req) {
            prop_assert!(flat.len() <= 2 * limits::MAX_PARAMS);
            let _ = ucloudstack::sign::verify(&flat, "key", flat.get("Signature").map_or("", String::as_str));
        }
    }

    #[test]
    fn gateway_bodies_answer_in_the_envelope(
        path in prop::sample::select(vec![
            "/v1/tencent/disk/list", "/v1/tencent/snapshot/create", "/v1/tencent/auto_snapshot/list",
            "/v1/tencent/disk/inspect", "/v1/tencent/nope", "/v1/aliyun/disk/list",
        ]),
        method in arb_method(), body in arb_body(),
    ) {
        let headers = HeaderMap::new();
        let req = tencent::protocol::HttpIn { method: &method, path, query: "", headers: &headers, body: &body };
        let out = served(cloudtwin_emulator::gateway::handle(twin(), &req));
        prop_assert!(out.status < 500);
        let v = json_of(&out.body);
        prop_assert!(v["scode"].is_u64(), "{}", v);
    }

    #[test]
    fn signature_parsers_never_panic(s in "[ -~]{0,120}", q in "[ -~]{0,60}") {
        let _ = tencent::sign::parse_tc3_authorization(&s);
        let _ = tencent::sign::parse_tc3_authorization(&format!("TC3-HMAC-SHA256 {s}"));
        for alg in ["SDK-HMAC-SHA256", "SDK-HMAC-SM3", "V11-HMAC-SHA256"] {
            if let Some(a) = huawei::sign::parse_authorization(&format!("{alg} {s}")) {
                let headers = vec![("host".to_string(), "h".to_string())];
                let req = huawei::sign::Signable { method: "GET", raw_path: &q, raw_query: &q, headers: &headers, body: b"" };
                let _ = huawei::sign::verify(&req, &a, "sk", "20261122T215353Z");
            }
        }
        let _ = huawei::sign::canonical_query(&q);
        let _ = huawei::sign::canonical_uri(&q);
        let _ = huawei::sign::parse_sdk_date(&s);
    }
}
