//! One client per API family: how an operation and its parameters become a signed HTTP request,
//! and how an answer's status, error code and body are read. The runner, redaction, snapshots
//! and reports are shared; adding a family is one more module here and one more line in
//! [`SURFACES`].
//!
//! - `tencent-cbs`: actions, TC3 (or v1) signatures, `Response.Error.Code`.
//! - `huawei-cbr`: REST; params carry `path`, `query` and `body`; SDK-HMAC-SHA256; `error_code`.
//! - `gateway`: POST JSON to the catalog path; the error is the envelope's `desc`.
//! - `ucloudstack`: `/api` with `Action`, the SHA-1 signature; the error is a non-zero `RetCode`.

pub mod gateway;
pub mod huawei;
pub mod tencent;
pub mod ucloudstack;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::credentials::Credentials;
use crate::redact::RedactRules;

/// How a step signs its request. Anything but `valid` is a negative test of authentication.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SignMode {
    #[default]
    Valid,
    /// Signed with a wrong secret key: the signature does not verify.
    BadSignature,
    /// Signed with a well-formed key id the cloud does not know.
    UnknownKey,
    /// Signed correctly, but longer ago than the cloud allows.
    Expired,
    /// No signature at all.
    Unsigned,
}

/// The real cloud behind a surface (defined below the surfaces and the credentials).
pub use crate::cloud::Cloud;

/// One operation to send.
pub struct Call<'a> {
    pub operation: &'a str,
    pub params: &'a Value,
    pub transport: &'a Map<String, Value>,
    pub sign: SignMode,
    /// The target's region (a step's transport may override it).
    pub region: &'a str,
    /// The target's clock, unix seconds: what the signature is dated.
    pub now: i64,
}

impl Call<'_> {
    /// When an `expired` request is dated: `by` seconds before both the target's clock and the
    /// wall clock, since a twin accepts a signature inside the window of either.
    pub fn expired_at(&self, by: i64) -> i64 {
        self.now.min(chrono::Utc::now().timestamp()) - by
    }
}

/// A request ready to send: `host` is what the Host header says and what was signed; the
/// target decides where the TCP connection goes.
#[derive(Debug, Clone)]
pub struct HttpRequest {
    pub method: String,
    pub path_and_query: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

#[derive(Debug, Clone)]
pub struct HttpReply {
    /// The id the twin journals this request under (`X-Cloudtwin-Request-Id`, else a family's
    /// own `X-Request-Id`), to find it in `GET /_cloudtwin/requests?request_id=`.
    pub request_id: Option<String>,
    pub status: u16,
    pub body: Vec<u8>,
}

/// An answer as the runner sees it, whatever the family.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    /// The family's error code, when the answer is an error.
    pub error: Option<String>,
    pub message: Option<String>,
    pub body: Value,
}

pub trait Surface: Sync {
    /// As the catalog file is named.
    fn name(&self) -> &'static str;
    /// The real cloud that serves this family, if any.
    fn cloud(&self) -> Option<Cloud>;
    /// The region a twin is called in unless `--region` says otherwise.
    fn default_region(&self) -> &'static str {
        "ap-guangzhou"
    }
    /// Whether requests carry a signature (so a step may ask for a broken one).
    fn signed(&self) -> bool {
        true
    }
    /// Check a step's `transport` options when the scenario loads.
    fn validate_transport(&self, transport: &Map<String, Value>) -> Result<(), String>;
    /// Check a step's params (before templates are filled in) when the scenario loads.
    fn validate_params(
        &self,
        _operation: &str,
        _params: &Value,
        _transport: &Map<String, Value>,
    ) -> Result<(), String> {
        Ok(())
    }
    /// Whether a call creates something that costs money until it is deleted.
    fn creates(&self, operation: &str, params: &Value) -> bool;
    /// Whether the answer of a creating call names what it created. When it does not (the
    /// gateway's writes answer `data: {}`), a later step has to find the new resource and
    /// capture its id for the cleanup.
    fn answer_names_created(&self, _operation: &str) -> bool {
        true
    }
    fn build(&self, call: &Call<'_>, credentials: &Credentials, host: &str) -> Result<HttpRequest, String>;
    fn read(&self, reply: &HttpReply) -> Result<Reply, String>;
    fn redaction(&self) -> &'static RedactRules;
}

pub static SURFACES: &[&dyn Surface] =
    &[&tencent::TencentCbs, &huawei::HuaweiCbr, &gateway::Gateway, &ucloudstack::UCloudStack];

pub fn find(name: &str) -> Option<&'static dyn Surface> {
    SURFACES.iter().copied().find(|s| s.name() == name)
}

/// An answer's body as JSON; otherwise an error that shows the status and how the body starts
/// (an HTML error page from a proxy, say).
pub fn json_body(reply: &HttpReply) -> Result<Value, String> {
    serde_json::from_slice(&reply.body).map_err(|e| {
        let text = String::from_utf8_lossy(&reply.body);
        let cut: String = text.chars().take(200).collect();
        format!("the answer (HTTP {}) is not JSON ({e}): {cut}", reply.status)
    })
}

/// A transport option that must be a string from a fixed set.
pub fn one_of(t: &Map<String, Value>, key: &str, allowed: &[&str]) -> Result<(), String> {
    match t.get(key) {
        None => Ok(()),
        Some(Value::String(s)) if allowed.contains(&s.as_str()) => Ok(()),
        Some(v) => Err(format!("`{key}` must be one of {}, not {v}", allowed.join(", "))),
    }
}
