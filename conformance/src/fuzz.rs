//! `cloudtwin fuzz`: a structured fuzzer against a running twin. It starts from the valid
//! requests of the conformance scenarios (every surface), mutates their parameters, transports
//! and signing modes, signs them again with the same signers the conformance clients use (so
//! most mutations pass authentication and reach the handlers), sometimes breaks the signed
//! request itself (a header, the body, the path), and checks every answer:
//!
//! - never a 5xx, never an empty or HTML answer where the surface always sends JSON;
//! - the surface's own envelope (Tencent `Response.RequestId`, Huawei `error_code`/`error_msg`,
//!   the gateway's `scode` equal to the HTTP status, UCloudStack `RetCode`);
//! - the twin answers health and state at the end (and after any dropped connection).
//!
//! Runs are reproducible: the same `--seed` and `--requests` send the same requests to a fresh
//! embedded twin (its clock is manual).

use std::collections::BTreeMap;
use std::io::Write;
use std::time::Instant;

use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use serde_json::{json, Map, Value};

use crate::surface::{self, Call, HttpReply, HttpRequest, SignMode, Surface};
use crate::target::{Endpoint, Target, TargetOptions, TargetSpec};

pub struct FuzzOptions {
    pub requests: u64,
    pub seed: u64,
    pub target: TargetSpec,
    /// Print every failure as it happens (the summary lists the first ten anyway).
    pub verbose: bool,
    /// A running twin's control token (`cloudtwin serve --control-token`).
    pub control_token: Option<String>,
}

/// What a run did.
#[derive(Debug, Default)]
pub struct Summary {
    pub sent: u64,
    /// Mutations the client itself could not turn into a request (a header value that is not
    /// one): not sent, not counted in `sent`.
    pub unformed: u64,
    pub by_surface: BTreeMap<&'static str, u64>,
    pub by_status: BTreeMap<u16, u64>,
    /// Mutations that broke the signed request after signing.
    pub raw_mutations: u64,
    pub failures: Vec<String>,
    pub failure_count: u64,
    pub seconds: f64,
}

/// One valid request of a scenario: where mutations start.
struct Seed {
    surface: &'static dyn Surface,
    operation: String,
    params: Value,
    transport: Map<String, Value>,
}

/// Every step of every built-in scenario, with the scenario's own variables filled in (the ones
/// captured from answers are filled from IDs the run has seen).
fn corpus() -> Result<Vec<Seed>, String> {
    let files = crate::scenario_files(None)?;
    let scenarios = crate::scenario::parse_all(&files).map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    for s in scenarios {
        let Some(surface) = surface::find(&s.surface) else { continue };
        let mut vars: BTreeMap<String, String> =
            s.vars.iter().filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_string()))).collect();
        vars.insert("run_id".into(), "fuzz".into());
        for step in s.steps.iter().chain(&s.cleanup) {
            let params = fill(&step.params, &vars);
            let transport = match fill(&Value::Object(step.transport.clone()), &vars) {
                Value::Object(m) => m,
                _ => Map::new(),
            };
            out.push(Seed { surface, operation: step.call.clone(), params, transport });
        }
    }
    if out.is_empty() {
        return Err("no scenario steps to start from".into());
    }
    Ok(out)
}

fn fill(v: &Value, vars: &BTreeMap<String, String>) -> Value {
    match v {
        Value::String(s) if s.contains("${") => {
            let mut s = s.clone();
            for (k, val) in vars {
                s = s.replace(&format!("${{{k}}}"), val);
            }
            Value::String(s)
        }
        Value::Array(a) => Value::Array(a.iter().map(|x| fill(x, vars)).collect()),
        Value::Object(m) => Value::Object(m.iter().map(|(k, x)| (k.clone(), fill(x, vars))).collect()),
        other => other.clone(),
    }
}

/// IDs seen in answers, so mutated requests name things that exist.
#[derive(Default)]
struct Pool(Vec<String>);

impl Pool {
    fn learn(&mut self, v: &Value, rng: &mut SmallRng) {
        match v {
            Value::String(s) if looks_like_id(s) => {
                if self.0.len() < 512 {
                    self.0.push(s.clone());
                } else {
                    let i = rng.gen_range(0..self.0.len());
                    self.0[i] = s.clone();
                }
            }
            Value::Array(a) => a.iter().for_each(|x| self.learn(x, rng)),
            Value::Object(m) => m.values().for_each(|x| self.learn(x, rng)),
            _ => {}
        }
    }

    fn pick(&self, rng: &mut SmallRng) -> Option<String> {
        (!self.0.is_empty()).then(|| self.0[rng.gen_range(0..self.0.len())].clone())
    }
}

fn looks_like_id(s: &str) -> bool {
    let prefixed = ["disk-", "snap-", "asp-", "dbp-", "ins-", "vm-", "snapshot-"].iter().any(|p| s.starts_with(p));
    let uuid = s.len() == 36 && s.bytes().filter(|b| *b == b'-').count() == 4;
    (prefixed && s.len() < 64) || uuid || (s.len() == 32 && s.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// Values that break assumptions: types, sizes, encodings, numbers at the edges.
fn nasty(rng: &mut SmallRng, pool: &Pool) -> Value {
    match rng.gen_range(0..20) {
        0 => Value::Null,
        1 => json!(true),
        2 => json!(-1),
        3 => json!(i64::MAX),
        4 => json!(u64::MAX),
        5 => json!(1.5e300),
        6 => json!(""),
        7 => json!(" "),
        8 => json!("\u{0}\u{1f}\u{7f}"),
        9 => json!("云硬盘😀\u{202e}"),
        10 => json!("a".repeat(rng.gen_range(60..5000))),
        11 => json!("%00%ZZ+&=;,/?#"),
        12 => json!(["x", "x", "x"]),
        13 => json!({"Name": "x", "Values": ["y"]}),
        14 => json!("TRUE"),
        15 => json!("2099-13-40T25:61:61Z"),
        16 => json!(rng.gen_range(-5..100_000).to_string()),
        17 => deep(rng.gen_range(2..40)),
        18 => Value::Array((0..rng.gen_range(0..300)).map(|i| json!(format!("disk-{i:08}"))).collect()),
        _ => pool.pick(rng).map_or(json!("disk-00000000"), Value::String),
    }
}

fn deep(levels: usize) -> Value {
    (0..levels).fold(json!("x"), |v, i| if i % 2 == 0 { json!([v]) } else { json!({ "a": v }) })
}

/// A random place inside `v` (itself, often).
fn descend<'v>(v: &'v mut Value, rng: &mut SmallRng) -> &'v mut Value {
    let has_child = match &*v {
        Value::Object(m) => !m.is_empty(),
        Value::Array(a) => !a.is_empty(),
        _ => false,
    };
    if !has_child || !rng.gen_bool(0.6) {
        return v;
    }
    match v {
        Value::Object(m) => {
            let k = m.keys().nth(rng.gen_range(0..m.len())).cloned().unwrap_or_default();
            match m.get_mut(&k) {
                Some(child) => descend(child, rng),
                None => unreachable!("the key was just listed"),
            }
        }
        Value::Array(a) => {
            let i = rng.gen_range(0..a.len());
            descend(&mut a[i], rng)
        }
        other => other,
    }
}

/// One change somewhere in `v`: drop, replace, add, grow, empty.
fn mutate(v: &mut Value, rng: &mut SmallRng, pool: &Pool) {
    let here = descend(v, rng);
    match (here, rng.gen_range(0..6)) {
        (Value::Object(m), 0) if !m.is_empty() => {
            let k = m.keys().nth(rng.gen_range(0..m.len())).cloned().unwrap_or_default();
            m.remove(&k);
        }
        (Value::Object(m), 1) => {
            let k = ["Unknown", "Limit", "Offset", "DiskIds", "Filters", "name", "id", "Region", "x.y"]
                [rng.gen_range(0..9)];
            m.insert(k.to_string(), nasty(rng, pool));
        }
        (Value::Array(a), 2) if !a.is_empty() => {
            let item = a[rng.gen_range(0..a.len())].clone();
            let n = rng.gen_range(1..200);
            a.extend(vec![item; n]);
        }
        (Value::Array(a), 3) => a.clear(),
        (Value::String(s), 4) => {
            if let Some(id) = pool.pick(rng) {
                *s = id;
            } else {
                s.push('x');
            }
        }
        (slot, _) => *slot = nasty(rng, pool),
    }
}

/// Options each surface's client understands, beyond the ones the scenarios use.
fn transports(surface: &str) -> Vec<Value> {
    match surface {
        "tencent-cbs" => vec![
            json!({}),
            json!({"method": "GET"}),
            json!({"signature": "v1-hmacsha1", "method": "GET"}),
            json!({"signature": "v1-hmacsha256", "method": "POST"}),
            json!({"signature": "v1-hmacsha256", "method": "GET"}),
        ],
        "huawei-cbr" => vec![json!({}), json!({"algorithm": "sdk-hmac-sm3"})],
        "ucloudstack" => vec![json!({"encoding": "query"}), json!({"encoding": "form"}), json!({"encoding": "json"})],
        _ => vec![json!({})],
    }
}

fn sign_mode(rng: &mut SmallRng) -> SignMode {
    match rng.gen_range(0..40) {
        0 => SignMode::BadSignature,
        1 => SignMode::UnknownKey,
        2 => SignMode::Expired,
        3 => SignMode::Unsigned,
        _ => SignMode::Valid,
    }
}

/// Break the request after it was signed: most of these must fail authentication cleanly.
fn raw_mutate(req: &mut HttpRequest, rng: &mut SmallRng) {
    match rng.gen_range(0..8) {
        0 if !req.body.is_empty() => {
            let n = rng.gen_range(0..req.body.len());
            req.body.truncate(n);
        }
        1 if !req.body.is_empty() => {
            let i = rng.gen_range(0..req.body.len());
            req.body[i] = rng.gen();
        }
        2 if !req.headers.is_empty() => {
            let i = rng.gen_range(0..req.headers.len());
            if !req.headers[i].0.eq_ignore_ascii_case("host") {
                req.headers.remove(i);
            }
        }
        3 if !req.headers.is_empty() => {
            let i = rng.gen_range(0..req.headers.len());
            let dup = req.headers[i].clone();
            if !dup.0.eq_ignore_ascii_case("host") {
                req.headers.push(dup);
            }
        }
        4 => {
            let ct = ["text/plain", "application/json", "application/x-www-form-urlencoded", "multipart/form-data"]
                [rng.gen_range(0..4)];
            req.headers.retain(|(k, _)| !k.eq_ignore_ascii_case("content-type"));
            req.headers.push(("Content-Type".into(), ct.into()));
        }
        5 => {
            let junk: &[u8] = [&b"{"[..], b"[[[[[[[[", b"\xff\xfe", b"&a.a.a.a=1", b"%"][rng.gen_range(0..5)];
            req.body.extend_from_slice(junk);
        }
        6 => {
            // Query junk, or a longer path under the same prefix: the request stays with its
            // surface (a path of another family would be that family's to answer).
            let extra =
                ["Limit=-1", "a..b=1", "%ZZ", "&&&", "x=%FF%FE", "DiskIds.0=a&DiskIds.0=b"][rng.gen_range(0..6)];
            let sep = if req.path_and_query.contains('?') { '&' } else { '?' };
            if rng.gen_bool(0.3) && req.path_and_query.starts_with("/v") && sep == '?' {
                req.path_and_query.push_str(["x", "/x", "/%41", "/"][rng.gen_range(0..4)]);
            } else {
                req.path_and_query.push(sep);
                req.path_and_query.push_str(extra);
            }
        }
        _ => {
            let m = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"][rng.gen_range(0..7)];
            req.method = m.into();
        }
    }
}

/// The surface's envelope, and nothing a client would read as a server fault.
fn check(surface: &str, method: &str, reply: &HttpReply) -> Result<(), String> {
    if reply.status >= 500 {
        return Err(format!("HTTP {}", reply.status));
    }
    let head = reply.body.iter().find(|b| !b.is_ascii_whitespace());
    if head == Some(&b'<') {
        return Err("an HTML answer".into());
    }
    let no_body = reply.body.iter().all(u8::is_ascii_whitespace);
    if method == "HEAD" && no_body {
        return Ok(());
    }
    if surface == "huawei-cbr" && (reply.status == 202 || reply.status == 204) {
        return if no_body { Ok(()) } else { Err(format!("a body with HTTP {}", reply.status)) };
    }
    // UnregisterAgent documents a 200 without a body.
    if surface == "huawei-cbr" && reply.status == 200 && no_body {
        return Ok(());
    }
    let body: Value = surface::json_body(reply)?;
    let str_at = |p: &str| body.pointer(p).is_some_and(Value::is_string);
    let ok = match surface {
        "tencent-cbs" => reply.status == 200 && str_at("/Response/RequestId"),
        "huawei-cbr" if reply.status >= 400 => {
            (str_at("/error_code") && str_at("/error_msg")) || body.pointer("/error/message").is_some()
        }
        "huawei-cbr" => body.is_object(),
        "gateway" => match body.get("scode").and_then(Value::as_u64) {
            Some(0) => reply.status == 200,
            Some(s) => u64::from(reply.status) == s && body.get("desc").is_some_and(Value::is_string),
            None => false,
        },
        "ucloudstack" => reply.status == 200 && body.get("RetCode").is_some_and(Value::is_i64),
        _ => true,
    };
    if ok {
        Ok(())
    } else {
        let text: String = String::from_utf8_lossy(&reply.body).chars().take(200).collect();
        Err(format!("not the {surface} envelope (HTTP {}): {text}", reply.status))
    }
}

/// Build one mutated request from a random seed.
fn next_request(
    corpus: &[Seed],
    rng: &mut SmallRng,
    pool: &Pool,
    target: &Target,
    now: i64,
) -> Option<(&'static dyn Surface, HttpRequest, bool)> {
    let seed = &corpus[rng.gen_range(0..corpus.len())];
    let mut params = seed.params.clone();
    for _ in 0..rng.gen_range(0..4) {
        mutate(&mut params, rng, pool);
    }
    let mut transport = seed.transport.clone();
    if rng.gen_bool(0.3) {
        let options = transports(seed.surface.name());
        if let Value::Object(m) = options[rng.gen_range(0..options.len())].clone() {
            transport.extend(m);
        }
    }
    let operation = if rng.gen_bool(0.05) {
        corpus[rng.gen_range(0..corpus.len())].operation.clone()
    } else {
        seed.operation.clone()
    };
    let region = target.region_for(seed.surface);
    let call = Call {
        operation: &operation,
        params: &params,
        transport: &transport,
        sign: sign_mode(rng),
        region: &region,
        now,
    };
    let endpoint = target.endpoint(seed.surface)?;
    let mut req = seed.surface.build(&call, &target.credentials, &endpoint.host).ok()?;
    let raw = rng.gen_bool(0.15);
    if raw {
        raw_mutate(&mut req, rng);
    }
    Some((seed.surface, req, raw))
}

async fn healthy(target: &Target, endpoint: &Endpoint) -> Result<(), String> {
    for path in ["/_cloudtwin/health", "/_cloudtwin/state"] {
        let req = HttpRequest { method: "GET".into(), path_and_query: path.into(), headers: vec![], body: vec![] };
        let reply = target.send(endpoint, &req).await.map_err(|e| e.0)??;
        if reply.status != 200 || serde_json::from_slice::<Value>(&reply.body).is_err() {
            return Err(format!("{path} answered HTTP {}", reply.status));
        }
    }
    Ok(())
}

/// Run the fuzzer; `out` gets progress and the summary.
pub async fn run(opts: &FuzzOptions, out: &mut dyn Write) -> Result<Summary, String> {
    let target = connect_twin(opts).await?;
    let corpus = corpus()?;
    let control = target.endpoint(surface::SURFACES[0]).ok_or("the target has no endpoint")?;
    let mut rng = SmallRng::seed_from_u64(opts.seed);
    let mut pool = Pool::default();
    let mut sum = Summary::default();
    let started = Instant::now();
    let mut now = target.now().await.map_err(|e| e.0)?;
    let _ = writeln!(
        out,
        "fuzz: {} requests, seed {}, {} seed requests, {}",
        opts.requests,
        opts.seed,
        corpus.len(),
        target.label
    );
    let (mut i, mut since_wait) = (0u64, 0u32);
    let mut next_progress = opts.requests / 10;
    while sum.sent < opts.requests {
        i += 1;
        since_wait += 1;
        if since_wait == 200 {
            since_wait = 0;
            // Let jobs finish on the clock now and then, so later requests meet finished work.
            target.wait(rng.gen_range(1.0..120.0), &Default::default()).await.map_err(|e| e.0)?;
            now = target.now().await.map_err(|e| e.0)?;
        }
        let Some((surface, req, raw)) = next_request(&corpus, &mut rng, &pool, &target, now) else {
            sum.unformed += 1;
            continue;
        };
        let reply = match target.send(&control, &req).await {
            Ok(Ok(r)) => r,
            Ok(Err(_)) => {
                sum.unformed += 1;
                continue;
            }
            Err(down) => {
                // A dropped connection is a failure; a twin that is gone ends the run.
                let why = format!(
                    "request {i} ({} {} {}): no answer: {}",
                    surface.name(),
                    req.method,
                    req.path_and_query,
                    down.0
                );
                record(&mut sum, why, opts.verbose, out);
                healthy(&target, &control).await.map_err(|e| format!("the twin is down after request {i}: {e}"))?;
                continue;
            }
        };
        tally(&mut sum, (i, surface.name(), raw), &req, &reply, opts, out);
        if let Ok(v) = serde_json::from_slice::<Value>(&reply.body) {
            pool.learn(&v, &mut rng);
        }
        if opts.requests >= 10_000 && sum.sent == next_progress {
            next_progress += opts.requests / 10;
            let _ = writeln!(
                out,
                "fuzz: {} sent, {} failures, {:.0} s",
                sum.sent,
                sum.failure_count,
                started.elapsed().as_secs_f64()
            );
        }
    }
    if let Err(e) = healthy(&target, &control).await {
        record(&mut sum, format!("the twin is not healthy at the end: {e}"), opts.verbose, out);
    }
    sum.seconds = started.elapsed().as_secs_f64();
    Ok(sum)
}

/// The fuzzer's target: a twin, never a real cloud.
async fn connect_twin(opts: &FuzzOptions) -> Result<Target, String> {
    if matches!(opts.target, TargetSpec::Cloud(_)) {
        return Err("the fuzzer only runs against a twin (embedded or http://host:port), never a real cloud".into());
    }
    Target::connect(TargetOptions {
        spec: opts.target.clone(),
        allow_billable: false,
        region: None,
        env: Box::new(|_| None),
        control_token: opts.control_token.clone(),
    })
    .await
}

/// Count one answered request (number `i`, to `surface`, `raw` if mutated after signing) and
/// record it if the answer breaks a rule.
fn tally(
    sum: &mut Summary,
    (i, surface, raw): (u64, &'static str, bool),
    req: &HttpRequest,
    reply: &HttpReply,
    opts: &FuzzOptions,
    out: &mut dyn Write,
) {
    sum.sent += 1;
    sum.raw_mutations += u64::from(raw);
    *sum.by_surface.entry(surface).or_default() += 1;
    *sum.by_status.entry(reply.status).or_default() += 1;
    if let Err(why) = check(surface, &req.method, reply) {
        let path: String = req.path_and_query.chars().take(120).collect();
        record(sum, format!("request {i} ({surface} {} {path}): {why}", req.method), opts.verbose, out);
    }
}

fn record(sum: &mut Summary, why: String, verbose: bool, out: &mut dyn Write) {
    if verbose {
        let _ = writeln!(out, "FAIL {why}");
    }
    sum.failure_count += 1;
    if sum.failures.len() < 10 {
        sum.failures.push(why);
    }
}

impl Summary {
    pub fn print(&self, out: &mut dyn Write) {
        let rate = self.sent as f64 / self.seconds.max(1e-9);
        let _ = writeln!(
            out,
            "fuzz: {} requests in {:.1} s ({rate:.0}/s), {} broken after signing, {} not formed; failures: {}",
            self.sent, self.seconds, self.raw_mutations, self.unformed, self.failure_count
        );
        let surfaces: Vec<String> = self.by_surface.iter().map(|(k, v)| format!("{k} {v}")).collect();
        let statuses: Vec<String> = self.by_status.iter().map(|(k, v)| format!("{k}: {v}")).collect();
        let _ = writeln!(out, "  by surface: {}", surfaces.join(", "));
        let _ = writeln!(out, "  by status:  {}", statuses.join(", "));
        for f in &self.failures {
            let _ = writeln!(out, "  FAIL {f}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_corpus_covers_every_surface() {
        let c = corpus().unwrap();
        for s in surface::SURFACES {
            assert!(c.iter().any(|seed| seed.surface.name() == s.name()), "{}", s.name());
        }
    }

    #[test]
    fn the_checker_rejects_what_a_client_would_choke_on() {
        let r = |status, body: &str| HttpReply { request_id: None, status, body: body.as_bytes().to_vec() };
        assert!(check("tencent-cbs", "POST", &r(200, r#"{"Response":{"RequestId":"x"}}"#)).is_ok());
        assert!(check("tencent-cbs", "POST", &r(500, r#"{"Response":{"RequestId":"x"}}"#)).is_err());
        assert!(check("tencent-cbs", "POST", &r(200, "<html>")).is_err());
        assert!(check("tencent-cbs", "POST", &r(200, "")).is_err());
        assert!(check("huawei-cbr", "DELETE", &r(204, "")).is_ok());
        assert!(check("huawei-cbr", "GET", &r(401, r#"{"error_code":"APIGW.0301","error_msg":"x"}"#)).is_ok());
        assert!(check("huawei-cbr", "GET", &r(404, r#"{"message":"x"}"#)).is_err());
        assert!(check("gateway", "POST", &r(400, r#"{"scode":400,"desc":"InvalidParameter"}"#)).is_ok());
        assert!(check("gateway", "POST", &r(200, r#"{"scode":400,"desc":"InvalidParameter"}"#)).is_err());
        assert!(check("ucloudstack", "POST", &r(200, r#"{"RetCode":0}"#)).is_ok());
        assert!(check("ucloudstack", "POST", &r(200, r#"{"Ret":0}"#)).is_err());
    }

    #[test]
    fn mutations_are_reproducible() {
        let pool = Pool::default();
        let run = |seed| {
            let mut rng = SmallRng::seed_from_u64(seed);
            let mut v = json!({"DiskIds": ["a", "b"], "Filters": [{"Name": "zone", "Values": ["z"]}]});
            for _ in 0..20 {
                mutate(&mut v, &mut rng, &pool);
            }
            v
        };
        assert_eq!(run(7), run(7));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_short_run_against_an_embedded_twin_finds_nothing() {
        let opts =
            FuzzOptions { requests: 300, seed: 1, target: TargetSpec::Embedded, verbose: false, control_token: None };
        let mut out = Vec::new();
        let sum = run(&opts, &mut out).await.unwrap();
        sum.print(&mut out);
        assert_eq!(sum.sent, 300);
        assert_eq!(sum.by_surface.len(), surface::SURFACES.len(), "{}", String::from_utf8_lossy(&out));
        assert!(sum.failures.is_empty(), "{}", String::from_utf8_lossy(&out));
    }
}
