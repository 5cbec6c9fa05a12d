//! Where scenarios run: a twin started in-process (`embedded`), a running twin (`http://host:port`)
//! or a real cloud (`tencent`, `huawei`). A target also owns the clock a scenario waits on: against
//! a twin a wait advances the twin's virtual clock, against a cloud it sleeps.
//!
//! Real clouds are guarded: the run needs `--allow-billable` and the SDK's environment
//! credentials (never the twin's fake ones), both checked before anything is sent.

use std::time::Duration;

use cloudtwin_emulator::clock::Clock;
use cloudtwin_emulator::timing::TimingPolicy;
use cloudtwin_emulator::{AuthMode, Config, Inventory, Running};
use serde_json::{json, Value};

use crate::cloud::Cloud;
use crate::credentials::Credentials;
use crate::scenario::TargetKind;
use crate::surface::{HttpReply, HttpRequest, Surface};

/// For tests only: send a real-cloud run's TCP connections to this `host:port` (plain HTTP)
/// instead, leaving every byte of the request as the real run would send it.
pub const CONNECT_OVERRIDE_ENV: &str = "CLOUDTWIN_CONFORM_CONNECT";

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TargetSpec {
    Embedded,
    Twin(String),
    Cloud(Cloud),
}

impl std::str::FromStr for TargetSpec {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "embedded" => Ok(TargetSpec::Embedded),
            "tencent" => Ok(TargetSpec::Cloud(Cloud::Tencent)),
            "huawei" => Ok(TargetSpec::Cloud(Cloud::Huawei)),
            url if url.starts_with("http://") || url.starts_with("https://") => {
                let rest = url.split_once("://").map_or("", |(_, r)| r).trim_end_matches('/');
                if rest.is_empty() || rest.contains('/') {
                    return Err(format!("target `{url}`: give the twin's base URL, like http://127.0.0.1:4599"));
                }
                Ok(TargetSpec::Twin(url.trim_end_matches('/').to_string()))
            }
            other => Err(format!("unknown target `{other}` (embedded, http://host:port, tencent or huawei)")),
        }
    }
}

/// Reads one environment variable; tests pass their own.
pub type EnvReader = Box<dyn Fn(&str) -> Option<String> + Send + Sync>;

/// Everything needed to reach a target, gathered before the first request.
pub struct TargetOptions {
    pub spec: TargetSpec,
    /// Consent to create billable resources on a real cloud.
    pub allow_billable: bool,
    pub region: Option<String>,
    /// Reads an environment variable (credentials, the test-only connect override).
    pub env: EnvReader,
    /// A running twin's control token (`cloudtwin serve --control-token`).
    pub control_token: Option<String>,
}

/// Where one surface's requests go.
pub struct Endpoint {
    /// Scheme and authority the TCP connection goes to.
    pub base_url: String,
    /// The Host header, which is also what gets signed.
    pub host: String,
}

pub struct Target {
    pub label: String,
    pub kind: TargetKind,
    /// `--region`, or a real cloud's default; a twin otherwise uses each surface's own default.
    region: Option<String>,
    pub credentials: Credentials,
    cloud: Option<Cloud>,
    /// A twin's base URL (also its control plane).
    twin_url: Option<String>,
    connect_override: Option<String>,
    /// Only an embedded twin is ours to reset between scenarios.
    owns_state: bool,
    /// Sent as a bearer token on control-plane calls.
    control_token: Option<String>,
    http: reqwest::Client,
    _embedded: Option<Running>,
}

/// One scenario's run on a target (all defaults against a cloud).
#[derive(Debug, Default)]
pub struct Session {
    /// The newest job that existed when the scenario started: later ones are the scenario's.
    jobs_before: u64,
    /// The twin only finishes work when told to: waits complete the scenario's jobs.
    manual: bool,
    /// The twin's own timing, replaced for the scenario because it shows no work in flight.
    restore_timing: Option<Value>,
}

/// A policy under which work can finish inside the request that started it, so no later read
/// ever sees it in flight.
fn finishes_within_the_request(p: TimingPolicy) -> bool {
    match p {
        TimingPolicy::Immediate => true,
        TimingPolicy::Duration { seconds } => seconds <= 0.0,
        TimingPolicy::Reads { reads } => reads == 0,
        TimingPolicy::Realistic { .. } | TimingPolicy::Manual => false,
    }
}

/// The target went away: the run stops with this one message instead of failing every step.
#[derive(Debug, Clone)]
pub struct TargetDown(pub String);

fn client() -> Result<reqwest::Client, String> {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(60))
        .connect_timeout(Duration::from_secs(10))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| format!("cannot build the HTTP client: {e}"))
}

/// The innermost cause of a transport error, which is the readable one ("Connection refused").
fn cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut inner = e;
    while let Some(next) = inner.source() {
        inner = next;
    }
    inner.to_string()
}

impl Target {
    pub async fn connect(opts: TargetOptions) -> Result<Target, String> {
        let http = client()?;
        match opts.spec {
            TargetSpec::Embedded => {
                let now = chrono::Utc::now().timestamp();
                let running = cloudtwin_emulator::start(
                    Config::default(),
                    Inventory::builtin(),
                    Clock::manual(now),
                    AuthMode::Enforce,
                    "127.0.0.1:0",
                )
                .await
                .map_err(|e| format!("cannot start the embedded twin: {e}"))?;
                let url = format!("http://{}", running.addr);
                let label = format!("embedded twin (cloudtwin {})", env!("CARGO_PKG_VERSION"));
                Ok(Target::twin(label, url, opts.region, http, Some(running)))
            }
            TargetSpec::Twin(url) => {
                let health = format!("{url}/_cloudtwin/health");
                let reply = http
                    .get(&health)
                    .send()
                    .await
                    .map_err(|e| format!("target {url} is not reachable: {}", cause(&e)))?;
                let status = reply.status().as_u16();
                let body: Value = reply.json().await.unwrap_or(Value::Null);
                if status != 200 || body.get("status").and_then(Value::as_str) != Some("ready") {
                    return Err(format!(
                        "target {url} does not answer like a cloudtwin (GET /_cloudtwin/health gave HTTP {status})"
                    ));
                }
                let mut target = Target::twin(format!("twin at {url}"), url, opts.region, http, None);
                target.control_token = opts.control_token.filter(|t| !t.is_empty());
                Ok(target)
            }
            TargetSpec::Cloud(cloud) => {
                let name = match cloud {
                    Cloud::Tencent => "tencent",
                    Cloud::Huawei => "huawei",
                };
                if !opts.allow_billable {
                    return Err(format!(
                        "--target {name} creates billable resources in your account; pass --allow-billable to run it (nothing was sent)"
                    ));
                }
                let credentials = Credentials::for_cloud(cloud, &opts.env)?;
                let region = opts.region.unwrap_or_else(|| {
                    match cloud {
                        Cloud::Tencent => "ap-guangzhou",
                        Cloud::Huawei => "cn-north-4",
                    }
                    .into()
                });
                let connect_override = (opts.env)(CONNECT_OVERRIDE_ENV).filter(|v| !v.is_empty());
                let mut target = Target {
                    label: String::new(),
                    kind: TargetKind::Cloud,
                    region: Some(region),
                    credentials,
                    cloud: Some(cloud),
                    twin_url: None,
                    connect_override,
                    owns_state: false,
                    control_token: None,
                    http,
                    _embedded: None,
                };
                let host = target.cloud_host(cloud);
                target.label = match &target.connect_override {
                    Some(addr) => format!("{name} ({host}, connected to {addr} for testing)"),
                    None => format!("{name} ({host})"),
                };
                target.probe(&host).await?;
                Ok(target)
            }
        }
    }

    /// A twin: its fake keys, its control plane, and (only when it runs in this process) its
    /// state to reset between scenarios.
    fn twin(
        label: String,
        url: String,
        region: Option<String>,
        http: reqwest::Client,
        embedded: Option<Running>,
    ) -> Target {
        Target {
            label,
            kind: TargetKind::Twin,
            region,
            credentials: Credentials::twin_defaults(),
            cloud: None,
            twin_url: Some(url),
            connect_override: None,
            owns_state: embedded.is_some(),
            control_token: None,
            http,
            _embedded: embedded,
        }
    }

    /// Whether the run resets this target's state before each scenario (only an embedded twin).
    pub fn owns_state(&self) -> bool {
        self.owns_state
    }

    fn cloud_host(&self, cloud: Cloud) -> String {
        match cloud {
            Cloud::Tencent => crate::surface::tencent::HOST.to_string(),
            Cloud::Huawei => format!("cbr.{}.myhuaweicloud.com", self.region.as_deref().unwrap_or("cn-north-4")),
        }
    }

    /// A TCP connection, no request: a cloud that cannot be reached is one clear error.
    async fn probe(&self, host: &str) -> Result<(), String> {
        let addr = self.connect_override.clone().unwrap_or_else(|| format!("{host}:443"));
        match tokio::time::timeout(Duration::from_secs(10), tokio::net::TcpStream::connect(&addr)).await {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(e)) => Err(format!("target {} is not reachable: {e}", self.label)),
            Err(_) => Err(format!("target {} is not reachable: no answer within 10 s", self.label)),
        }
    }

    /// The region a surface's requests name.
    pub fn region_for(&self, surface: &dyn Surface) -> String {
        self.region.clone().unwrap_or_else(|| surface.default_region().to_string())
    }

    /// Where a surface's requests go, or None when this target does not serve it.
    pub fn endpoint(&self, surface: &dyn Surface) -> Option<Endpoint> {
        if let Some(url) = &self.twin_url {
            let host = url.split_once("://").map_or(url.as_str(), |(_, h)| h).to_string();
            return Some(Endpoint { base_url: url.clone(), host });
        }
        let cloud = self.cloud?;
        if surface.cloud() != Some(cloud) {
            return None;
        }
        let host = self.cloud_host(cloud);
        let base_url = match &self.connect_override {
            Some(addr) => format!("http://{addr}"),
            None => format!("https://{host}"),
        };
        Some(Endpoint { base_url, host })
    }

    async fn control(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Result<Value, TargetDown> {
        let Some(url) = &self.twin_url else {
            return Err(TargetDown("no control plane on a real cloud".into()));
        };
        let mut req = self.http.request(method, format!("{url}/_cloudtwin/{path}"));
        if let Some(token) = &self.control_token {
            req = req.bearer_auth(token);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let reply =
            req.send().await.map_err(|e| TargetDown(format!("target {} went away: {}", self.label, cause(&e))))?;
        let status = reply.status().as_u16();
        let value: Value = reply.json().await.unwrap_or(Value::Null);
        if status != 200 {
            return Err(TargetDown(format!("control plane /_cloudtwin/{path} answered HTTP {status}: {value}")));
        }
        Ok(value)
    }

    /// The target's time, unix seconds: what requests are signed with.
    pub async fn now(&self) -> Result<i64, TargetDown> {
        if self.twin_url.is_none() {
            return Ok(chrono::Utc::now().timestamp());
        }
        let v = self.control(reqwest::Method::GET, "clock", None).await?;
        v.get("now").and_then(Value::as_i64).ok_or_else(|| TargetDown(format!("the twin's clock answer is odd: {v}")))
    }

    /// Let `secs` pass: the twin's virtual clock moves and, when its timing is manual, the work
    /// this scenario started is completed (nothing else would finish it); a cloud is waited for.
    pub async fn wait(&self, secs: f64, session: &Session) -> Result<(), TargetDown> {
        if self.twin_url.is_none() {
            tokio::time::sleep(Duration::from_secs_f64(secs)).await;
            return Ok(());
        }
        self.control(reqwest::Method::POST, "clock", Some(json!({"advance": secs}))).await?;
        if session.manual {
            let ours = self.jobs_after(session.jobs_before).await?;
            if !ours.is_empty() {
                self.control(reqwest::Method::POST, "jobs/complete", Some(json!({"ids": ours}))).await?;
            }
        }
        Ok(())
    }

    /// The ids of the twin's in-flight jobs newer than `after` (job ids only grow).
    async fn jobs_after(&self, after: u64) -> Result<Vec<u64>, TargetDown> {
        let v = self.control(reqwest::Method::GET, "jobs", None).await?;
        let jobs =
            v.get("jobs").and_then(Value::as_array).ok_or_else(|| TargetDown(format!("odd jobs answer: {v}")))?;
        Ok(jobs.iter().filter_map(|j| j.get("id").and_then(Value::as_u64)).filter(|id| *id > after).collect())
    }

    /// Start a scenario: from the seed state when the state is ours to reset; on any twin, note
    /// which jobs exist already, and give the scenario a timing under which work is seen in
    /// flight (its steps check those states), to be put back by [`Target::end`].
    pub async fn begin(&self) -> Result<Session, TargetDown> {
        let mut session = Session::default();
        if self.twin_url.is_none() {
            return Ok(session);
        }
        if self.owns_state {
            self.control(reqwest::Method::POST, "reset", None).await?;
        }
        session.jobs_before = self.jobs_after(0).await?.into_iter().max().unwrap_or(0);
        let timing = self.control(reqwest::Method::GET, "timing", None).await?;
        match serde_json::from_value::<TimingPolicy>(timing.clone()) {
            Ok(TimingPolicy::Manual) => session.manual = true,
            Ok(p) if finishes_within_the_request(p) => {
                self.control(reqwest::Method::POST, "timing", Some(json!(TimingPolicy::default()))).await?;
                session.restore_timing = Some(timing);
            }
            Ok(_) => {}
            Err(e) => return Err(TargetDown(format!("the twin's timing answer is odd ({e}): {timing}"))),
        }
        Ok(session)
    }

    /// End a scenario: put back the timing [`Target::begin`] replaced.
    pub async fn end(&self, session: &Session) -> Result<(), TargetDown> {
        if let Some(timing) = &session.restore_timing {
            self.control(reqwest::Method::POST, "timing", Some(timing.clone())).await?;
        }
        Ok(())
    }

    /// Send one request. The outer error ends the run (the target is gone); the inner one is a
    /// request that could not even be formed (a header value a var made invalid), which fails
    /// only its step.
    pub async fn send(&self, endpoint: &Endpoint, req: &HttpRequest) -> Result<Result<HttpReply, String>, TargetDown> {
        let Ok(method) = reqwest::Method::from_bytes(req.method.as_bytes()) else {
            return Ok(Err(format!("`{}` is not an HTTP method", req.method)));
        };
        let mut r = self.http.request(method, format!("{}{}", endpoint.base_url, req.path_and_query));
        // The Host header is set explicitly: it is what was signed, whatever the TCP destination.
        for (k, v) in &req.headers {
            r = r.header(k.as_str(), v.as_str());
        }
        if !req.headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("host")) {
            r = r.header("Host", endpoint.host.as_str());
        }
        let reply = match r.body(req.body.clone()).send().await {
            Ok(reply) => reply,
            Err(e) if e.is_builder() => return Ok(Err(format!("the request cannot be sent: {}", cause(&e)))),
            Err(e) => return Err(TargetDown(format!("target {} went away: {}", self.label, cause(&e)))),
        };
        let status = reply.status().as_u16();
        let header = |n: &str| reply.headers().get(n).and_then(|v| v.to_str().ok()).map(str::to_string);
        let request_id = header("x-cloudtwin-request-id").or_else(|| header("x-request-id"));
        let body = reply
            .bytes()
            .await
            .map_err(|e| TargetDown(format!("target {} broke off an answer: {}", self.label, cause(&e))))?;
        Ok(Ok(HttpReply { request_id, status, body: body.to_vec() }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn target_names() {
        assert_eq!("embedded".parse::<TargetSpec>(), Ok(TargetSpec::Embedded));
        assert_eq!("tencent".parse::<TargetSpec>(), Ok(TargetSpec::Cloud(Cloud::Tencent)));
        assert_eq!(
            "http://127.0.0.1:4599/".parse::<TargetSpec>(),
            Ok(TargetSpec::Twin("http://127.0.0.1:4599".into()))
        );
        assert!("http://127.0.0.1:4599/api".parse::<TargetSpec>().is_err());
        assert!("aws".parse::<TargetSpec>().unwrap_err().contains("unknown target `aws`"));
    }

    fn cloud_opts(allow: bool, vars: &'static [(&'static str, &'static str)]) -> TargetOptions {
        TargetOptions {
            spec: TargetSpec::Cloud(Cloud::Tencent),
            allow_billable: allow,
            region: None,
            env: Box::new(move |n| vars.iter().find(|(k, _)| *k == n).map(|(_, v)| v.to_string())),
            control_token: None,
        }
    }

    #[tokio::test]
    async fn real_clouds_need_consent_and_credentials_before_anything_is_sent() {
        let e = Target::connect(cloud_opts(false, &[])).await.err().unwrap();
        assert!(e.contains("pass --allow-billable"), "{e}");
        let e = Target::connect(cloud_opts(true, &[])).await.err().unwrap();
        assert!(e.starts_with("missing credentials"), "{e}");
    }
}
