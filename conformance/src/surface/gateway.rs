//! The multi-cloud gateway (`/v1/tencent/*`): POST JSON to the catalog path, no request
//! signature (an optional bearer token), answers in the `{scode, desc, message, message_cn,
//! stack, data}` envelope. A step's params are the JSON body as it is. The gateway is not a
//! public cloud endpoint, so it runs against twins only.

use serde_json::{Map, Value};

use super::{json_body, Call, Cloud, HttpReply, HttpRequest, Reply, Surface};
use crate::catalog;
use crate::credentials::Credentials;
use crate::redact::RedactRules;

pub struct Gateway;

const TRANSPORT_KEYS: &[&str] = &["raw_body", "bearer", "method", "path"];

static REDACTION: RedactRules = RedactRules {
    id_prefixes: &[("disk", "disk-id"), ("snap", "snap-id"), ("asp", "asp-id"), ("dbp", "dbp-id"), ("ins", "ins-id")],
    volatile_keys: &[
        "RequestId",
        "message",
        "Message",
        "Percent",
        "RollbackPercent",
        "percent",
        "DifferDaysOfDeadline",
    ],
    account_keys: &["Operator", "AccountId", "Uin", "AppId"],
};

fn path_of(operation: &str, t: &Map<String, Value>) -> Result<String, String> {
    if let Some(p) = t.get("path").and_then(Value::as_str) {
        return Ok(p.to_string());
    }
    let rows = catalog::find("gateway").map(|c| c.rows()).unwrap_or_default();
    rows.iter()
        .find(|r| r.name == operation)
        .and_then(|r| r.column("path"))
        .map(str::to_string)
        .ok_or_else(|| format!("`{operation}` is not in the gateway catalog; give transport \"path\""))
}

impl Surface for Gateway {
    fn name(&self) -> &'static str {
        "gateway"
    }

    fn cloud(&self) -> Option<Cloud> {
        None
    }

    fn signed(&self) -> bool {
        false
    }

    fn validate_transport(&self, t: &Map<String, Value>) -> Result<(), String> {
        if let Some(k) = t.keys().find(|k| !TRANSPORT_KEYS.contains(&k.as_str())) {
            return Err(format!("unknown option `{k}` (known: {})", TRANSPORT_KEYS.join(", ")));
        }
        for k in TRANSPORT_KEYS {
            if t.get(*k).is_some_and(|v| !v.is_string()) {
                return Err(format!("`{k}` must be a string"));
            }
        }
        Ok(())
    }

    fn validate_params(&self, operation: &str, params: &Value, t: &Map<String, Value>) -> Result<(), String> {
        path_of(operation, t)?;
        match params {
            // A step without params has `{}`, which is no params at all.
            Value::Object(m) if !m.is_empty() && t.contains_key("raw_body") => {
                Err("give either params or raw_body, not both".into())
            }
            Value::Object(_) | Value::Null => Ok(()),
            other => Err(format!("params are the JSON body, an object, not {other}")),
        }
    }

    fn creates(&self, operation: &str, params: &Value) -> bool {
        let dry_run = params.get("DryRun").is_some_and(|v| v == true);
        !dry_run && matches!(operation, "DiskCreate" | "SnapshotCreate" | "AutoSnapshotPolicyCreate")
    }

    /// Every write answers `data: {}` (seeds 000 and 001): the new IDs come from a list.
    fn answer_names_created(&self, _operation: &str) -> bool {
        false
    }

    fn build(&self, call: &Call<'_>, _credentials: &Credentials, host: &str) -> Result<HttpRequest, String> {
        let t = call.transport;
        let text = |k: &str| t.get(k).and_then(Value::as_str);
        let body = match text("raw_body") {
            Some(raw) => raw.as_bytes().to_vec(),
            None if call.params.is_null() => b"{}".to_vec(),
            None => serde_json::to_vec(call.params).map_err(|e| e.to_string())?,
        };
        let mut headers =
            vec![("Host".to_string(), host.to_string()), ("Content-Type".into(), "application/json".into())];
        if let Some(token) = text("bearer") {
            headers.push(("Authorization".into(), format!("Bearer {token}")));
        }
        Ok(HttpRequest {
            method: text("method").unwrap_or("POST").to_string(),
            path_and_query: path_of(call.operation, t)?,
            headers,
            body,
        })
    }

    fn read(&self, reply: &HttpReply) -> Result<Reply, String> {
        let body: Value = json_body(reply)?;
        let failed = body.get("scode").and_then(Value::as_i64).is_some_and(|s| s != 0);
        let text = |k: &str| body.get(k).and_then(Value::as_str).map(str::to_string);
        let (error, message) = if failed { (text("desc"), text("message")) } else { (None, None) };
        Ok(Reply { status: reply.status, error, message, body })
    }

    fn redaction(&self) -> &'static RedactRules {
        &REDACTION
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::surface::SignMode;
    use serde_json::json;

    #[test]
    fn a_call_posts_its_params_to_the_catalog_path() {
        let params = json!({"Region": "ap-guangzhou", "DiskIds": ["disk-1"]});
        let t = Map::new();
        Gateway.validate_params("DiskInspect", &params, &t).unwrap();
        let call = Call {
            operation: "DiskInspect",
            params: &params,
            transport: &t,
            sign: SignMode::Valid,
            region: "ap-guangzhou",
            now: 0,
        };
        let r = Gateway.build(&call, &Credentials::default(), "127.0.0.1:4599").unwrap();
        assert_eq!((r.method.as_str(), r.path_and_query.as_str()), ("POST", "/v1/tencent/disk/inspect"));
        assert_eq!(serde_json::from_slice::<Value>(&r.body).unwrap(), params);
        assert!(Gateway.validate_params("DiskInspect", &json!([1]), &t).is_err());
        let raw: Map<String, Value> = serde_json::from_value(json!({"raw_body": "{not json"})).unwrap();
        assert!(Gateway.validate_params("DiskList", &json!({}), &raw).is_ok());
        assert!(Gateway.validate_params("DiskList", &json!({"Region": "x"}), &raw).is_err());
        assert!(Gateway.validate_params("Nope", &json!({}), &t).is_err());
    }

    #[test]
    fn errors_are_the_envelopes_desc() {
        let ok = br#"{"scode":0,"desc":"","message":"success","message_cn":"","stack":null,"data":{}}"#;
        assert_eq!(Gateway.read(&HttpReply { request_id: None, status: 200, body: ok.to_vec() }).unwrap().error, None);
        let bad =
            br#"{"scode":404,"desc":"InvalidDisk.NotFound","message":"m","message_cn":"","stack":null,"data":null}"#;
        let r = Gateway.read(&HttpReply { request_id: None, status: 404, body: bad.to_vec() }).unwrap();
        assert_eq!((r.status, r.error.as_deref()), (404, Some("InvalidDisk.NotFound")));
    }
}
