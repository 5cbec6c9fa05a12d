//! Tencent Cloud CBS (API 3.0, 2017-03-12), signed by the emulator's own signers: TC3-HMAC-SHA256
//! by default (POST JSON, as the official SDKs send it), or GET, or the v1 HmacSHA1/HmacSHA256
//! signatures when a step asks for them. Errors are HTTP 200 with `Response.Error.Code`.

use cloudtwin_emulator::tencent::sign;
use serde_json::{Map, Value};

use super::{json_body, one_of, Call, Cloud, HttpReply, HttpRequest, Reply, SignMode, Surface};
use crate::credentials::Credentials;
use crate::redact::RedactRules;

pub const VERSION: &str = "2017-03-12";
/// The real endpoint; `cbs.<region>.tencentcloudapi.com` also works, the bare one is documented.
pub const HOST: &str = "cbs.tencentcloudapi.com";
/// A key id in the right format that no account has.
const UNKNOWN_SECRET_ID: &str = "AKIDconformUNKNOWNkey0000000000000000";

pub struct TencentCbs;

const TRANSPORT_KEYS: &[&str] = &["version", "region", "omit_region", "method", "signature"];

static REDACTION: RedactRules = RedactRules {
    id_prefixes: &[("disk", "disk-id"), ("snap", "snap-id"), ("asp", "asp-id"), ("dbp", "dbp-id"), ("ins", "ins-id")],
    volatile_keys: &["RequestId", "Message", "Percent", "RollbackPercent", "MigratePercent", "DifferDaysOfDeadline"],
    account_keys: &["Operator", "AccountId", "Uin", "AppId"],
};

#[derive(Clone, Copy, PartialEq)]
enum Signature {
    Tc3,
    V1(sign::V1Method),
}

fn signature(t: &Map<String, Value>) -> Signature {
    match t.get("signature").and_then(Value::as_str) {
        Some("v1-hmacsha1") => Signature::V1(sign::V1Method::HmacSha1),
        Some("v1-hmacsha256") => Signature::V1(sign::V1Method::HmacSha256),
        _ => Signature::Tc3,
    }
}

/// `{"DiskIds": ["a"], "Placement": {"Zone": "z"}}` → `DiskIds.0=a`, `Placement.Zone=z`: the
/// query/form spelling of the same parameters.
pub fn flatten(params: &Value) -> Vec<(String, String)> {
    fn walk(prefix: &str, v: &Value, out: &mut Vec<(String, String)>) {
        let key = |k: &str| if prefix.is_empty() { k.to_string() } else { format!("{prefix}.{k}") };
        match v {
            Value::Object(m) => m.iter().for_each(|(k, x)| walk(&key(k), x, out)),
            Value::Array(a) => a.iter().enumerate().for_each(|(i, x)| walk(&key(&i.to_string()), x, out)),
            Value::String(s) => out.push((prefix.to_string(), s.clone())),
            Value::Null => {}
            other => out.push((prefix.to_string(), other.to_string())),
        }
    }
    let mut out = Vec::new();
    walk("", params, &mut out);
    out
}

fn nonce(now: i64) -> u64 {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
    (now.unsigned_abs() % 100_000) * 10_000 + u64::from(nanos % 10_000) + 1
}

impl Surface for TencentCbs {
    fn name(&self) -> &'static str {
        "tencent-cbs"
    }

    fn cloud(&self) -> Option<Cloud> {
        Some(Cloud::Tencent)
    }

    fn validate_transport(&self, t: &Map<String, Value>) -> Result<(), String> {
        if let Some(k) = t.keys().find(|k| !TRANSPORT_KEYS.contains(&k.as_str())) {
            return Err(format!("unknown option `{k}` (known: {})", TRANSPORT_KEYS.join(", ")));
        }
        one_of(t, "method", &["GET", "POST", "PUT", "DELETE"])?;
        one_of(t, "signature", &["tc3", "v1-hmacsha1", "v1-hmacsha256"])?;
        for k in ["version", "region"] {
            if t.get(k).is_some_and(|v| !v.is_string()) {
                return Err(format!("`{k}` must be a string"));
            }
        }
        if t.get("omit_region").is_some_and(|v| !v.is_boolean()) {
            return Err("`omit_region` must be true or false".into());
        }
        if t.contains_key("version") && signature(t) != Signature::Tc3 {
            return Err("`version` can only be overridden with the tc3 signature".into());
        }
        Ok(())
    }

    fn creates(&self, operation: &str, params: &Value) -> bool {
        let dry_run = params.get("DryRun").is_some_and(|v| v == true || v == "true" || v == "TRUE");
        !dry_run
            && matches!(
                operation,
                "CreateDisks"
                    | "CreateSnapshot"
                    | "CreateDiskBackup"
                    | "CreateAutoSnapshotPolicy"
                    | "CopySnapshotCrossRegions"
            )
    }

    fn build(&self, call: &Call<'_>, credentials: &Credentials, host: &str) -> Result<HttpRequest, String> {
        let key = credentials.tencent.as_ref().ok_or("no Tencent credentials for this target")?;
        let t = call.transport;
        let text = |k: &str| t.get(k).and_then(Value::as_str);
        let region = if t.get("omit_region") == Some(&Value::Bool(true)) {
            None
        } else {
            Some(text("region").unwrap_or(call.region))
        };
        let method = text("method").unwrap_or("POST");
        let (secret_id, secret_key) = match call.sign {
            SignMode::UnknownKey => (UNKNOWN_SECRET_ID.to_string(), key.secret_key.clone()),
            SignMode::BadSignature => (key.secret_id.clone(), format!("{}-wrong", key.secret_key)),
            _ => (key.secret_id.clone(), key.secret_key.clone()),
        };
        let timestamp = if call.sign == SignMode::Expired { call.expired_at(600) } else { call.now };

        let signer = Signer { secret_id: &secret_id, secret_key: &secret_key, host, method, region, timestamp };
        match signature(t) {
            Signature::Tc3 => tc3_request(call, &signer, text("version").unwrap_or(VERSION)),
            Signature::V1(v1) => Ok(v1_request(call, &signer, v1)),
        }
    }

    fn read(&self, reply: &HttpReply) -> Result<Reply, String> {
        let body: Value = json_body(reply)?;
        let error = body.pointer("/Response/Error/Code").and_then(Value::as_str).map(str::to_string);
        let message = body.pointer("/Response/Error/Message").and_then(Value::as_str).map(str::to_string);
        Ok(Reply { status: reply.status, error, message, body })
    }

    fn redaction(&self) -> &'static RedactRules {
        &REDACTION
    }
}

/// Who signs a request, where it goes and when it is dated.
struct Signer<'a> {
    secret_id: &'a str,
    secret_key: &'a str,
    host: &'a str,
    method: &'a str,
    region: Option<&'a str>,
    timestamp: i64,
}

/// A TC3-HMAC-SHA256 request: JSON body for POST, the parameters in the query for GET.
fn tc3_request(call: &Call<'_>, s: &Signer<'_>, version: &str) -> Result<HttpRequest, String> {
    let get = s.method == "GET";
    let query = if get {
        form_urlencoded::Serializer::new(String::new()).extend_pairs(flatten(call.params)).finish()
    } else {
        String::new()
    };
    let content_type = if get { "application/x-www-form-urlencoded" } else { "application/json" };
    let payload = if get { Vec::new() } else { serde_json::to_vec(call.params).map_err(|e| e.to_string())? };
    let signed = sign::sign_tc3(&sign::Tc3Request {
        secret_id: s.secret_id,
        secret_key: s.secret_key,
        host: s.host,
        method: s.method,
        query: &query,
        content_type,
        action: call.operation,
        version,
        region: s.region,
        timestamp: s.timestamp,
        payload: &payload,
    });
    let mut headers = signed.headers;
    if call.sign == SignMode::Unsigned {
        headers.retain(|(k, _)| k != "Authorization");
    }
    let path_and_query = if query.is_empty() { "/".to_string() } else { format!("/?{query}") };
    Ok(HttpRequest { method: s.method.to_string(), path_and_query, headers, body: payload })
}

/// A v1 (HmacSHA1/HmacSHA256) request: form-encoded, in the query for GET, the body for POST.
fn v1_request(call: &Call<'_>, s: &Signer<'_>, v1: sign::V1Method) -> HttpRequest {
    let mut encoded = sign::sign_v1(
        s.secret_id,
        s.secret_key,
        s.host,
        s.method,
        v1,
        call.operation,
        s.region,
        s.timestamp,
        nonce(call.now),
        flatten(call.params),
    );
    if call.sign == SignMode::Unsigned {
        if let Some((rest, _)) = encoded.rsplit_once("&Signature=") {
            encoded = rest.to_string();
        }
    }
    let mut headers = vec![("Host".to_string(), s.host.to_string())];
    if s.method == "GET" {
        HttpRequest { method: s.method.into(), path_and_query: format!("/?{encoded}"), headers, body: vec![] }
    } else {
        headers.push(("Content-Type".into(), "application/x-www-form-urlencoded".into()));
        HttpRequest { method: s.method.into(), path_and_query: "/".into(), headers, body: encoded.into_bytes() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn creds() -> Credentials {
        Credentials::twin_defaults()
    }

    fn call<'a>(params: &'a Value, transport: &'a Map<String, Value>, sign: SignMode) -> Call<'a> {
        Call { operation: "DescribeDisks", params, transport, sign, region: "ap-guangzhou", now: 1_795_384_433 }
    }

    fn header<'r>(r: &'r HttpRequest, name: &str) -> Option<&'r str> {
        r.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    #[test]
    fn flattening_follows_the_query_spelling() {
        let p = json!({"DiskIds": ["a", "b"], "Placement": {"Zone": "z"}, "Limit": 5, "Flag": true, "Gone": null});
        let pairs = flatten(&p);
        let text: Vec<String> = pairs.iter().map(|(k, v)| format!("{k}={v}")).collect();
        assert_eq!(text, vec!["DiskIds.0=a", "DiskIds.1=b", "Placement.Zone=z", "Limit=5", "Flag=true"]);
    }

    #[test]
    fn a_default_call_is_a_tc3_post_signed_for_the_given_host() {
        let params = json!({"Limit": 1});
        let t = Map::new();
        let r = TencentCbs.build(&call(&params, &t, SignMode::Valid), &creds(), HOST).unwrap();
        assert_eq!((r.method.as_str(), r.path_and_query.as_str()), ("POST", "/"));
        assert_eq!(header(&r, "Host"), Some(HOST));
        assert_eq!(header(&r, "X-TC-Region"), Some("ap-guangzhou"));
        assert_eq!(header(&r, "X-TC-Version"), Some(VERSION));
        let auth = sign::parse_tc3_authorization(header(&r, "Authorization").unwrap()).unwrap();
        assert_eq!(auth.secret_id, cloudtwin_emulator::config::DEFAULT_SECRET_ID);
        assert_eq!(r.body, br#"{"Limit":1}"#);
    }

    #[test]
    fn sign_modes_change_only_what_they_name() {
        let params = json!({});
        let t = Map::new();
        let valid = TencentCbs.build(&call(&params, &t, SignMode::Valid), &creds(), HOST).unwrap();
        let bad = TencentCbs.build(&call(&params, &t, SignMode::BadSignature), &creds(), HOST).unwrap();
        fn sig(r: &HttpRequest) -> sign::Tc3Authorization<'_> {
            sign::parse_tc3_authorization(header(r, "Authorization").unwrap()).unwrap()
        }
        assert_eq!(sig(&valid).secret_id, sig(&bad).secret_id);
        assert_ne!(sig(&valid).signature, sig(&bad).signature);
        let unknown = TencentCbs.build(&call(&params, &t, SignMode::UnknownKey), &creds(), HOST).unwrap();
        assert_eq!(sig(&unknown).secret_id, UNKNOWN_SECRET_ID);
        let expired = TencentCbs.build(&call(&params, &t, SignMode::Expired), &creds(), HOST).unwrap();
        assert_eq!(header(&expired, "X-TC-Timestamp"), Some("1795383833"));
        let unsigned = TencentCbs.build(&call(&params, &t, SignMode::Unsigned), &creds(), HOST).unwrap();
        assert_eq!(header(&unsigned, "Authorization"), None);
    }

    #[test]
    fn transport_options() {
        let params = json!({"DiskIds": ["disk-1"]});
        let t: Map<String, Value> =
            serde_json::from_value(json!({"signature": "v1-hmacsha256", "method": "GET", "omit_region": true}))
                .unwrap();
        TencentCbs.validate_transport(&t).unwrap();
        let r = TencentCbs.build(&call(&params, &t, SignMode::Valid), &creds(), HOST).unwrap();
        assert_eq!(r.method, "GET");
        assert!(r.path_and_query.contains("SignatureMethod=HmacSHA256"), "{}", r.path_and_query);
        assert!(r.path_and_query.contains("DiskIds.0=disk-1"));
        assert!(!r.path_and_query.contains("Region="));

        for bad in
            [json!({"verison": "x"}), json!({"method": "PATCH"}), json!({"signature": "v1-hmacsha1", "version": "x"})]
        {
            let t: Map<String, Value> = serde_json::from_value(bad.clone()).unwrap();
            assert!(TencentCbs.validate_transport(&t).is_err(), "{bad}");
        }
    }

    #[test]
    fn reading_answers() {
        let ok = HttpReply {
            request_id: None,
            status: 200,
            body: br#"{"Response":{"TotalCount":0,"RequestId":"x"}}"#.to_vec(),
        };
        let r = TencentCbs.read(&ok).unwrap();
        assert_eq!((r.status, r.error), (200, None));
        let err = HttpReply {
            request_id: None,
            status: 200,
            body: br#"{"Response":{"Error":{"Code":"InvalidDiskId.NotFound","Message":"m"},"RequestId":"x"}}"#.to_vec(),
        };
        assert_eq!(TencentCbs.read(&err).unwrap().error.as_deref(), Some("InvalidDiskId.NotFound"));
        let html = HttpReply { request_id: None, status: 502, body: b"<html>bad gateway</html>".to_vec() };
        assert!(TencentCbs.read(&html).unwrap_err().starts_with("the answer (HTTP 502) is not JSON"));
    }
}
