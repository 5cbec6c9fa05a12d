//! UCloudStack (`/api`): `Action`, `PublicKey` and the parameters, signed with the hex SHA-1 of
//! the sorted `name value` pairs and the private key (the emulator's own signer). Sent as a JSON
//! POST by default, or as a form POST or a GET query. Answers are always HTTP 200; an error is a
//! non-zero `RetCode`, which the runner sees as the error code (`"RetCode": 1234` → `"1234"`).
//! UCloudStack is a private cloud with no public endpoint, so it runs against twins only.

use std::collections::BTreeMap;

use cloudtwin_emulator::ucloudstack::sign;
use serde_json::{Map, Value};

use super::{json_body, one_of, Call, Cloud, HttpReply, HttpRequest, Reply, SignMode, Surface};
use crate::credentials::Credentials;
use crate::redact::RedactRules;

pub struct UCloudStack;

const UNKNOWN_PUBLIC_KEY: &str = "conformUNKNOWNpublicKey00000000000000000";
const TRANSPORT_KEYS: &[&str] = &["encoding"];

/// Snapshot IDs are `snap-` + 8 (as the twin and UCloudStack write them); `CreateTime` and
/// `ExpireTime` are unix seconds, which no date pattern catches, so they are volatile.
static REDACTION: RedactRules = RedactRules {
    id_prefixes: &[("snap", "snap-id"), ("disk", "disk-id"), ("vm", "vm-id")],
    volatile_keys: &["Message", "RequestUUID", "CreateTime", "ExpireTime"],
    account_keys: &[],
};

/// `{"SnapshotIDs": ["a"]}` → `SnapshotIDs.0=a`; scalars as a query would carry them.
fn flatten(prefix: &str, v: &Value, out: &mut BTreeMap<String, String>) {
    let key = |k: &str| if prefix.is_empty() { k.to_string() } else { format!("{prefix}.{k}") };
    match v {
        Value::Object(m) => m.iter().for_each(|(k, x)| flatten(&key(k), x, out)),
        Value::Array(a) => a.iter().enumerate().for_each(|(i, x)| flatten(&key(&i.to_string()), x, out)),
        Value::String(s) => {
            out.insert(prefix.to_string(), s.clone());
        }
        Value::Null => {}
        other => {
            out.insert(prefix.to_string(), other.to_string());
        }
    }
}

impl Surface for UCloudStack {
    fn name(&self) -> &'static str {
        "ucloudstack"
    }

    fn cloud(&self) -> Option<Cloud> {
        None
    }

    /// A UCloudStack installation names its own regions; the twin's one region is `cn`.
    fn default_region(&self) -> &'static str {
        "cn"
    }

    fn validate_transport(&self, t: &Map<String, Value>) -> Result<(), String> {
        if let Some(k) = t.keys().find(|k| !TRANSPORT_KEYS.contains(&k.as_str())) {
            return Err(format!("unknown option `{k}` (known: {})", TRANSPORT_KEYS.join(", ")));
        }
        one_of(t, "encoding", &["json", "form", "query"])
    }

    fn validate_params(&self, _operation: &str, params: &Value, _t: &Map<String, Value>) -> Result<(), String> {
        match params {
            Value::Object(m) if m.contains_key("Action") || m.contains_key("Signature") => {
                Err("Action and Signature are added by the client; leave them out of params".into())
            }
            Value::Object(_) | Value::Null => Ok(()),
            other => Err(format!("params must be an object, not {other}")),
        }
    }

    fn creates(&self, operation: &str, _params: &Value) -> bool {
        operation == "CreateSnapshot"
    }

    fn build(&self, call: &Call<'_>, credentials: &Credentials, host: &str) -> Result<HttpRequest, String> {
        let key = credentials.ucloudstack.as_ref().ok_or("no UCloudStack credentials for this target")?;
        let mut params = BTreeMap::new();
        flatten("", call.params, &mut params);
        params.insert("Action".into(), call.operation.to_string());
        let public = if call.sign == SignMode::UnknownKey { UNKNOWN_PUBLIC_KEY } else { key.public_key.as_str() };
        params.entry("PublicKey".into()).or_insert_with(|| public.to_string());
        match call.sign {
            SignMode::Unsigned => {}
            SignMode::BadSignature => {
                params.insert("Signature".into(), sign::sign(&params, &format!("{}-wrong", key.private_key)));
            }
            // No timestamp is signed, so an old request is as good as a new one.
            _ => {
                params.insert("Signature".into(), sign::sign(&params, &key.private_key));
            }
        }
        let host_header = ("Host".to_string(), host.to_string());
        let encoded = || form_urlencoded::Serializer::new(String::new()).extend_pairs(&params).finish();
        Ok(match call.transport.get("encoding").and_then(Value::as_str).unwrap_or("json") {
            "query" => HttpRequest {
                method: "GET".into(),
                path_and_query: format!("/api?{}", encoded()),
                headers: vec![host_header],
                body: vec![],
            },
            "form" => HttpRequest {
                method: "POST".into(),
                path_and_query: "/api".into(),
                headers: vec![host_header, ("Content-Type".into(), "application/x-www-form-urlencoded".into())],
                body: encoded().into_bytes(),
            },
            _ => HttpRequest {
                method: "POST".into(),
                path_and_query: "/api".into(),
                headers: vec![host_header, ("Content-Type".into(), "application/json".into())],
                body: serde_json::to_vec(&params).map_err(|e| e.to_string())?,
            },
        })
    }

    fn read(&self, reply: &HttpReply) -> Result<Reply, String> {
        let body: Value = json_body(reply)?;
        let code = body.get("RetCode").and_then(Value::as_i64).ok_or("the answer has no numeric RetCode")?;
        let error = (code != 0).then(|| code.to_string());
        let message = (code != 0).then(|| body.get("Message").and_then(Value::as_str).unwrap_or("").to_string());
        Ok(Reply { status: reply.status, error, message, body })
    }

    fn redaction(&self) -> &'static RedactRules {
        &REDACTION
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn build(params: Value, encoding: &str, sign_mode: SignMode) -> HttpRequest {
        let t: Map<String, Value> = serde_json::from_value(json!({"encoding": encoding})).unwrap();
        let call = Call {
            operation: "DescribeSnapshot",
            params: &params,
            transport: &t,
            sign: sign_mode,
            region: "cn",
            now: 0,
        };
        UCloudStack.build(&call, &Credentials::twin_defaults(), "127.0.0.1:1").unwrap()
    }

    #[test]
    fn requests_verify_with_the_twins_verifier() {
        let r = build(json!({"Region": "cn", "SnapshotIDs": ["s-1"], "Limit": 5}), "json", SignMode::Valid);
        let sent: BTreeMap<String, String> = serde_json::from_slice(&r.body).unwrap();
        assert_eq!(sent["Action"], "DescribeSnapshot");
        assert_eq!(sent["SnapshotIDs.0"], "s-1");
        assert_eq!(sent["Limit"], "5");
        let key = cloudtwin_emulator::config::UCS_PRIVATE_KEY;
        assert!(sign::verify(&sent, key, &sent["Signature"]));
        let bad = build(json!({"Region": "cn"}), "json", SignMode::BadSignature);
        let sent: BTreeMap<String, String> = serde_json::from_slice(&bad.body).unwrap();
        assert!(!sign::verify(&sent, key, &sent["Signature"]));
        let q = build(json!({"Region": "cn"}), "query", SignMode::Unsigned);
        assert_eq!(q.method, "GET");
        assert!(q.path_and_query.starts_with("/api?") && !q.path_and_query.contains("Signature"));
    }

    #[test]
    fn snapshot_ids_and_unix_times_are_redacted() {
        let answer = json!({"SnapshotID": "snap-2zddadth", "DiskID": "disk-ucsdata2", "CreateTime": 1700000008});
        let mut r = crate::redact::Redactor::new(UCloudStack.redaction(), &Default::default());
        assert_eq!(
            r.redact(&answer),
            json!({"CreateTime": "<number>", "DiskID": "<disk-id:1>", "SnapshotID": "<snap-id:1>"})
        );
    }

    #[test]
    fn retcode_is_the_error() {
        let ok = br#"{"Action":"DescribeSnapshotResponse","RetCode":0,"Message":"","TotalCount":0,"Infos":[]}"#;
        assert_eq!(
            UCloudStack.read(&HttpReply { request_id: None, status: 200, body: ok.to_vec() }).unwrap().error,
            None
        );
        let bad = br#"{"Action":"DeleteSnapshotResponse","RetCode":8039,"Message":"m"}"#;
        assert_eq!(
            UCloudStack
                .read(&HttpReply { request_id: None, status: 200, body: bad.to_vec() })
                .unwrap()
                .error
                .as_deref(),
            Some("8039")
        );
    }
}
