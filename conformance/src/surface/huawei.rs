//! Huawei Cloud CBR (API v3): REST, so a step's params say where each value goes —
//! `{"path": {...}, "query": {...}, "body": {...}}` — and the catalog row gives the method and
//! path template. `project_id` in the path defaults to the credentials' project. Requests are
//! signed SDK-HMAC-SHA256 (or SDK-HMAC-SM3) by the emulator's own signer, with the headers the
//! Python SDK signs. Errors carry `error_code` / `error_msg` and the HTTP status matters.

use cloudtwin_emulator::huawei::sign::{self, Algorithm, Outgoing};
use serde_json::{Map, Value};

use super::{json_body, one_of, Call, Cloud, HttpReply, HttpRequest, Reply, SignMode, Surface};
use crate::catalog;
use crate::credentials::Credentials;
use crate::redact::RedactRules;

/// A well-formed access key no account has.
const UNKNOWN_AK: &str = "CONFORMUNKNOWNAK0000";
/// The gateway allows 15 minutes of clock skew; an expired request is older than that.
const EXPIRED_BY: i64 = 20 * 60;

pub struct HuaweiCbr;

const PARAM_KEYS: &[&str] = &["path", "query", "body"];
const TRANSPORT_KEYS: &[&str] = &["algorithm", "raw_body", "method", "path", "project_header"];

static REDACTION: RedactRules = RedactRules {
    // CBR ids are UUIDs, which redaction numbers on its own; `autobk_xxxx` names are not ids.
    id_prefixes: &[],
    // Order ids (`CS2305291628MSG5A`) are random and shaped like no other id.
    volatile_keys: &["request_id", "error_msg", "progress", "X-Request-Id", "orderId", "order_id"],
    account_keys: &["project_id", "domain_id", "provider_id", "user_id", "dest_project_id", "source_project_id"],
};

fn algorithm(t: &Map<String, Value>) -> Algorithm {
    match t.get("algorithm").and_then(Value::as_str) {
        Some("sdk-hmac-sm3") => Algorithm::HmacSm3,
        _ => Algorithm::HmacSha256,
    }
}

/// (method, path template) of an operation: its catalog row, or the step's transport for an
/// operation deliberately outside the catalog.
fn route(operation: &str, t: &Map<String, Value>) -> Result<(String, String), String> {
    let text = |k: &str| t.get(k).and_then(Value::as_str);
    if let (Some(m), Some(p)) = (text("method"), text("path")) {
        return Ok((m.to_string(), p.to_string()));
    }
    let rows = catalog::find("huawei-cbr").map(|c| c.rows()).unwrap_or_default();
    let row = rows.iter().find(|r| r.name == operation).ok_or_else(|| {
        format!("`{operation}` is not in the huawei-cbr catalog; give transport \"method\" and \"path\"")
    })?;
    match (row.column("method"), row.column("path")) {
        (Some(m), Some(p)) => Ok((m.to_string(), p.to_string())),
        _ => Err(format!("the catalog row of `{operation}` has no method or path")),
    }
}

/// The names in `{...}` of a path template.
fn template_names(path: &str) -> Vec<&str> {
    path.split('/').filter_map(|seg| seg.strip_prefix('{').and_then(|s| s.strip_suffix('}'))).collect()
}

fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// The path with every `{name}` filled in, each value percent-encoded as one segment.
fn fill_path(template: &str, values: &Map<String, Value>, project: &str) -> Result<String, String> {
    let mut out = Vec::new();
    for seg in template.split('/') {
        match seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            Some(name) => {
                let value = match values.get(name) {
                    Some(v) => scalar(v).ok_or_else(|| format!("path value `{name}` must be a string or number"))?,
                    None if name == "project_id" => project.to_string(),
                    None => return Err(format!("the path needs `{name}` (params.path.{name})")),
                };
                out.push(sign::quote(&value));
            }
            None => out.push(seg.to_string()),
        }
    }
    Ok(out.join("/"))
}

/// `k=v` pairs, encoded as the SDK encodes them; an array repeats its key.
fn encode_query(query: &Map<String, Value>) -> Result<String, String> {
    let mut pairs = Vec::new();
    for (k, v) in query {
        let values = match v {
            Value::Array(items) => items.iter().collect(),
            Value::Null => vec![],
            other => vec![other],
        };
        for item in values {
            let text = scalar(item).ok_or_else(|| format!("query value `{k}` must be a scalar or a list of them"))?;
            pairs.push(format!("{}={}", sign::quote(k), sign::quote(&text)));
        }
    }
    Ok(pairs.join("&"))
}

fn object<'a>(params: &'a Value, key: &str) -> Result<Option<&'a Map<String, Value>>, String> {
    match params.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(m)) => Ok(Some(m)),
        Some(other) => Err(format!("params.{key} must be an object, not {other}")),
    }
}

impl Surface for HuaweiCbr {
    fn name(&self) -> &'static str {
        "huawei-cbr"
    }

    fn cloud(&self) -> Option<Cloud> {
        Some(Cloud::Huawei)
    }

    fn default_region(&self) -> &'static str {
        "cn-north-4"
    }

    fn validate_transport(&self, t: &Map<String, Value>) -> Result<(), String> {
        if let Some(k) = t.keys().find(|k| !TRANSPORT_KEYS.contains(&k.as_str())) {
            return Err(format!("unknown option `{k}` (known: {})", TRANSPORT_KEYS.join(", ")));
        }
        one_of(t, "algorithm", &["sdk-hmac-sha256", "sdk-hmac-sm3"])?;
        one_of(t, "method", &["GET", "POST", "PUT", "DELETE", "PATCH"])?;
        for k in ["raw_body", "path", "project_header"] {
            if t.get(k).is_some_and(|v| !v.is_string()) {
                return Err(format!("`{k}` must be a string"));
            }
        }
        if t.contains_key("method") != t.contains_key("path") {
            return Err("`method` and `path` go together (an operation outside the catalog)".into());
        }
        Ok(())
    }

    fn validate_params(&self, operation: &str, params: &Value, t: &Map<String, Value>) -> Result<(), String> {
        let Value::Object(p) = params else {
            return Err("params must be an object with `path`, `query` and `body`".into());
        };
        if let Some(k) = p.keys().find(|k| !PARAM_KEYS.contains(&k.as_str())) {
            return Err(format!("params: unknown key `{k}` (a CBR request has path, query and body)"));
        }
        let (_, template) = route(operation, t)?;
        let names = template_names(&template);
        if let Some(path) = object(params, "path")? {
            if let Some(k) = path.keys().find(|k| !names.contains(&k.as_str())) {
                return Err(format!("params.path.{k}: the path {template} has no `{{{k}}}`"));
            }
            if let Some(n) = names.iter().find(|n| **n != "project_id" && !path.contains_key(**n)) {
                return Err(format!("params.path needs `{n}` for {template}"));
            }
        } else if let Some(n) = names.iter().find(|n| **n != "project_id") {
            return Err(format!("params.path needs `{n}` for {template}"));
        }
        object(params, "query")?;
        if params.get("body").is_some() && t.contains_key("raw_body") {
            return Err("give either params.body or transport raw_body, not both".into());
        }
        Ok(())
    }

    /// Vaults are what costs money: backups (checkpoints, copies) live in vaults and go with them.
    fn creates(&self, operation: &str, _params: &Value) -> bool {
        matches!(operation, "CreateVault" | "CreatePostPaidVault")
    }

    fn build(&self, call: &Call<'_>, credentials: &Credentials, host: &str) -> Result<HttpRequest, String> {
        let key = credentials.huawei.as_ref().ok_or("no Huawei credentials for this target")?;
        let t = call.transport;
        let (method, template) = route(call.operation, t)?;
        let empty = Map::new();
        let path = fill_path(&template, object(call.params, "path")?.unwrap_or(&empty), &key.project_id)?;
        let query = encode_query(object(call.params, "query")?.unwrap_or(&empty))?;
        let body: Vec<u8> = match (t.get("raw_body").and_then(Value::as_str), call.params.get("body")) {
            (Some(raw), _) => raw.as_bytes().to_vec(),
            (None, Some(b)) if !b.is_null() => serde_json::to_vec(b).map_err(|e| e.to_string())?,
            _ => Vec::new(),
        };
        let (ak, sk) = match call.sign {
            SignMode::UnknownKey => (UNKNOWN_AK.to_string(), key.sk.clone()),
            SignMode::BadSignature => (key.ak.clone(), format!("{}-wrong", key.sk)),
            _ => (key.ak.clone(), key.sk.clone()),
        };
        let when = if call.sign == SignMode::Expired { call.expired_at(EXPIRED_BY) } else { call.now };
        let project_header = t.get("project_header").and_then(Value::as_str).unwrap_or(&key.project_id);
        // What the Python SDK sends and signs: host, content type (when there is a body),
        // x-project-id and x-sdk-date.
        let mut headers: Vec<(&str, &str)> = vec![("host", host), ("x-project-id", project_header)];
        if !body.is_empty() {
            headers.push(("content-type", "application/json;charset=UTF-8"));
        }
        let sdk_date = sign::format_sdk_date(when);
        let signed = sign::sign(
            algorithm(t),
            &ak,
            &sk,
            &Outgoing {
                method: &method,
                raw_path: &path,
                raw_query: &query,
                headers: &headers,
                body: &body,
                sdk_date: &sdk_date,
            },
        );
        let mut out = signed.headers;
        if call.sign != SignMode::Unsigned {
            out.push(("authorization".into(), signed.authorization));
        }
        let path_and_query = if query.is_empty() { path } else { format!("{path}?{query}") };
        Ok(HttpRequest { method, path_and_query, headers: out, body })
    }

    fn read(&self, reply: &HttpReply) -> Result<Reply, String> {
        // 202 and 204 answers have no body.
        let body: Value = if reply.body.iter().all(u8::is_ascii_whitespace) { Value::Null } else { json_body(reply)? };
        let text = |k: &str| body.get(k).and_then(Value::as_str).map(str::to_string);
        let error = if reply.status >= 400 { text("error_code").or_else(|| text("code")) } else { None };
        let message = if reply.status >= 400 { text("error_msg").or_else(|| text("message")) } else { None };
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

    fn creds() -> Credentials {
        Credentials::twin_defaults()
    }

    fn build(op: &str, params: Value, t: Value, sign: SignMode) -> Result<HttpRequest, String> {
        let t: Map<String, Value> = serde_json::from_value(t).unwrap();
        let call =
            Call { operation: op, params: &params, transport: &t, sign, region: "cn-north-4", now: 1_795_384_433 };
        HuaweiCbr.build(&call, &creds(), "cbr.cn-north-4.myhuaweicloud.com")
    }

    fn header<'r>(r: &'r HttpRequest, name: &str) -> Option<&'r str> {
        r.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    #[test]
    fn the_catalog_gives_method_and_path_and_the_project_is_filled_in() {
        let r = build(
            "ShowVault",
            json!({"path": {"vault_id": "v 1"}, "query": {"b": "x y", "a": [1, 2]}}),
            json!({}),
            SignMode::Valid,
        )
        .unwrap();
        assert_eq!(r.method, "GET");
        assert_eq!(r.path_and_query, "/v3/0123456789abcdef0123456789abcdef/vaults/v%201?b=x%20y&a=1&a=2");
        assert!(r.body.is_empty());
        assert_eq!(header(&r, "content-type"), None);
        let auth = sign::parse_authorization(header(&r, "authorization").unwrap()).unwrap();
        assert_eq!(auth.access_key, crate::credentials::HUAWEI_DEFAULT_AK);
        assert_eq!(header(&r, "x-sdk-date"), Some("20261122T215353Z"));
    }

    #[test]
    fn the_request_verifies_with_the_twins_verifier_and_sign_modes_break_it() {
        let params = json!({"body": {"vault": {"name": "v"}}});
        let check = |r: &HttpRequest, sk: &str| {
            let (path, query) = r.path_and_query.split_once('?').unwrap_or((&r.path_and_query, ""));
            let headers: Vec<(String, String)> = r.headers.iter().map(|(k, v)| (k.to_lowercase(), v.clone())).collect();
            let auth = sign::parse_authorization(header(r, "authorization").unwrap()).unwrap();
            let s = sign::Signable {
                method: &r.method,
                raw_path: path,
                raw_query: query,
                headers: &headers,
                body: &r.body,
            };
            sign::verify(&s, &auth, sk, header(r, "x-sdk-date").unwrap()).is_ok()
        };
        let sk = crate::credentials::HUAWEI_DEFAULT_SK;
        for alg in ["sdk-hmac-sha256", "sdk-hmac-sm3"] {
            let r = build("CreateVault", params.clone(), json!({"algorithm": alg}), SignMode::Valid).unwrap();
            assert_eq!(r.method, "POST");
            assert_eq!(header(&r, "content-type"), Some("application/json;charset=UTF-8"));
            assert!(check(&r, sk), "{alg}");
        }
        let bad = build("CreateVault", params.clone(), json!({}), SignMode::BadSignature).unwrap();
        assert!(!check(&bad, sk));
        let unknown = build("CreateVault", params.clone(), json!({}), SignMode::UnknownKey).unwrap();
        assert!(header(&unknown, "authorization").unwrap().contains(UNKNOWN_AK));
        let expired = build("CreateVault", params.clone(), json!({}), SignMode::Expired).unwrap();
        assert_eq!(header(&expired, "x-sdk-date"), Some("20261122T213353Z"));
        let unsigned = build("CreateVault", params, json!({}), SignMode::Unsigned).unwrap();
        assert_eq!(header(&unsigned, "authorization"), None);
    }

    #[test]
    fn params_are_checked_against_the_path_template() {
        let t = Map::new();
        assert!(HuaweiCbr.validate_params("ShowVault", &json!({"path": {"vault_id": "x"}}), &t).is_ok());
        let e = HuaweiCbr.validate_params("ShowVault", &json!({}), &t).unwrap_err();
        assert!(e.contains("needs `vault_id`"), "{e}");
        let e = HuaweiCbr.validate_params("ShowVault", &json!({"path": {"vault_id": "x", "vaultid": 1}}), &t);
        assert!(e.unwrap_err().contains("params.path.vaultid"));
        let e = HuaweiCbr.validate_params("ListVault", &json!({"querry": {}}), &t).unwrap_err();
        assert!(e.contains("unknown key `querry`"), "{e}");
        let raw: Map<String, Value> = serde_json::from_value(json!({"raw_body": "{"})).unwrap();
        assert!(HuaweiCbr.validate_params("CreateVault", &json!({"body": {}}), &raw).is_err());
        let custom: Map<String, Value> =
            serde_json::from_value(json!({"method": "GET", "path": "/v3/{project_id}/nope"})).unwrap();
        HuaweiCbr.validate_transport(&custom).unwrap();
        assert!(HuaweiCbr.validate_params("NoSuchOperation", &json!({}), &custom).is_ok());
        let half: Map<String, Value> = serde_json::from_value(json!({"method": "GET"})).unwrap();
        assert!(HuaweiCbr.validate_transport(&half).is_err());
    }

    #[test]
    fn reading_answers() {
        let ok = HuaweiCbr
            .read(&HttpReply { request_id: None, status: 200, body: br#"{"vaults":[],"count":0}"#.to_vec() })
            .unwrap();
        assert_eq!((ok.status, ok.error), (200, None));
        let empty = HuaweiCbr.read(&HttpReply { request_id: None, status: 204, body: vec![] }).unwrap();
        assert_eq!(empty.body, Value::Null);
        let err = HttpReply {
            request_id: None,
            status: 404,
            body: br#"{"error_code":"BackupService.6105","error_msg":"m","request_id":"r"}"#.to_vec(),
        };
        assert_eq!(HuaweiCbr.read(&err).unwrap().error.as_deref(), Some("BackupService.6105"));
    }
}
