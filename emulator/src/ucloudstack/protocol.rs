//! From an HTTP request to a flat `name → value` map, whatever the transport: a GET query, a
//! form-encoded POST body or a JSON POST body. JSON arrays and objects are flattened into the
//! `Name.N` / `Name.Key` form the other transports use, so one map is signed and handled for
//! all three. Nothing here knows what a disk is.

use std::collections::BTreeMap;

use axum::http::{header, HeaderMap, Method};
use serde_json::{Map, Value};

use super::error::{self as e, UcsResult};
use crate::core::json;
use crate::core::limits::{self, Bound, Exceeded};

pub use crate::core::http::HttpIn;

/// Request parameters by name (byte order, which is also the signing order).
pub type Flat = BTreeMap<String, String>;

fn insert(out: &mut Flat, key: String, value: String) -> UcsResult<()> {
    if key.is_empty() {
        return Err(e::invalid("", "a parameter has no name"));
    }
    if out.contains_key(&key) {
        return Err(e::invalid(&key, "given more than once"));
    }
    out.insert(key, value);
    Ok(())
}

/// A request over one of the bounds in [`crate::core::limits`]: `Params too large` (240), or not
/// available (230) for nesting, which no documented parameter has.
fn exceeded(err: Exceeded) -> e::UcsError {
    match err.bound {
        Bound::Depth => e::invalid(&err.name, &err),
        _ => e::too_large(&err.name, &err),
    }
}

fn form(raw: &[u8], out: &mut Flat) -> UcsResult<()> {
    if std::str::from_utf8(raw).is_err() {
        return Err(e::invalid("", "request parameters must be UTF-8"));
    }
    for (k, v) in limits::form_pairs(raw).map_err(exceeded)? {
        insert(out, k, v)?;
    }
    if out.len() > limits::MAX_PARAMS {
        return Err(exceeded(Exceeded::new(Bound::Params, "")));
    }
    Ok(())
}

/// Scalars become the text a query string would carry (`20`, `true`); null means "not given".
fn flatten(prefix: &str, v: &Value, out: &mut Flat) -> UcsResult<()> {
    match v {
        Value::Null => Ok(()),
        Value::String(s) => insert(out, prefix.to_string(), s.clone()),
        Value::Bool(b) => insert(out, prefix.to_string(), b.to_string()),
        Value::Number(n) => insert(out, prefix.to_string(), n.to_string()),
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                flatten(&format!("{prefix}.{i}"), item, out)?;
            }
            Ok(())
        }
        Value::Object(map) => flatten_object(prefix, map, out),
    }
}

fn flatten_object(prefix: &str, map: &Map<String, Value>, out: &mut Flat) -> UcsResult<()> {
    for (k, v) in map {
        let key = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
        flatten(&key, v, out)?;
    }
    Ok(())
}

fn is_json(headers: &HeaderMap, body: &[u8]) -> bool {
    match headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()) {
        Some(ct) => ct.split(';').next().unwrap_or("").trim().eq_ignore_ascii_case("application/json"),
        None => body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{'),
    }
}

/// All parameters of a request: the query string, plus the body of a POST.
pub fn decode(req: &HttpIn<'_>) -> UcsResult<Flat> {
    let mut out = Flat::new();
    form(req.query.as_bytes(), &mut out)?;
    match *req.method {
        Method::GET => {}
        Method::POST if is_json(req.headers, req.body) => {
            if !req.body.iter().all(u8::is_ascii_whitespace) {
                // Counted before anything is built: a million-item body with a bad signature
                // costs one scan up to its 1,001st item, not a million-entry map to sign.
                limits::check_json(req.body).map_err(exceeded)?;
                let v: Value = serde_json::from_slice(req.body)
                    .map_err(|err| e::invalid("Body", format!("the body is not JSON ({err})")))?;
                let Value::Object(map) = v else {
                    return Err(e::invalid("Body", "the JSON body must be an object"));
                };
                flatten_object("", &map, &mut out)?;
                if out.len() > limits::MAX_PARAMS {
                    return Err(exceeded(Exceeded::new(Bound::Params, "")));
                }
            }
        }
        Method::POST => form(req.body, &mut out)?,
        ref m => return Err(e::invalid("Method", format!("{m} is not supported; use GET or POST"))),
    }
    Ok(out)
}

/// Typed access to the parameters of one action.
pub struct Params<'a>(pub &'a Flat);

impl Params<'_> {
    pub fn opt(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }

    /// A required parameter; empty counts as missing.
    pub fn req(&self, name: &str) -> UcsResult<&str> {
        self.opt(name).filter(|v| !v.is_empty()).ok_or_else(|| e::missing(name))
    }

    pub fn int(&self, name: &str) -> UcsResult<Option<i64>> {
        match self.opt(name) {
            None => Ok(None),
            Some(v) => v.trim().parse().map(Some).map_err(|_| e::invalid(name, format!("`{v}` is not an integer"))),
        }
    }

    pub fn req_int(&self, name: &str) -> UcsResult<i64> {
        self.req(name)?;
        Ok(self.int(name)?.unwrap_or_default())
    }

    /// An array given as `Name.0`, `Name.1`, ... (in index order), or a single bare `Name`.
    pub fn list(&self, name: &str) -> UcsResult<Vec<String>> {
        let prefix = format!("{name}.");
        let mut items: Vec<(u64, String)> = Vec::new();
        for (k, v) in self.0.range(prefix.clone()..) {
            let Some(idx) = k.strip_prefix(&prefix) else { break };
            let n: u64 = idx.parse().map_err(|_| e::invalid(k, "array items are written Name.0, Name.1, ..."))?;
            items.push((n, v.clone()));
        }
        if let Some(single) = self.opt(name) {
            if !items.is_empty() {
                return Err(e::invalid(name, format!("give either {name} or {name}.N, not both")));
            }
            items.push((0, single.to_string()));
        }
        items.sort_by_key(|(n, _)| *n);
        Ok(items.into_iter().map(|(_, v)| v).filter(|v| !v.is_empty()).collect())
    }

    /// Text of at most `max` characters (not bytes: names are often Chinese).
    pub fn text(&self, name: &str, max: usize, required: bool) -> UcsResult<Option<String>> {
        let v = if required { Some(self.req(name)?) } else { self.opt(name) };
        match v {
            Some(s) if s.chars().count() > max => {
                Err(e::too_large(name, format!("at most {max} characters; got {}", s.chars().count())))
            }
            other => Ok(other.map(str::to_string)),
        }
    }

    /// `Offset` (default 0) and `Limit` (default 20, 1 to 100).
    pub fn paging(&self) -> UcsResult<(usize, usize)> {
        let offset = self.int("Offset")?.unwrap_or(0);
        if offset < 0 {
            return Err(e::invalid("Offset", format!("must be 0 or more; got {offset}")));
        }
        let limit = self.int("Limit")?.unwrap_or(20);
        if !(1..=100).contains(&limit) {
            return Err(e::invalid("Limit", format!("must be between 1 and 100; got {limit}")));
        }
        Ok((offset as usize, limit as usize))
    }
}

/// `{"Action": "<Action>Response", "RetCode": 0, "Message": "", ...fields}`.
/// `fields`: the JSON text after `Message` (`Fields::text`: empty, or `,"Name":value...`).
pub fn envelope(action: &str, ret_code: i64, message: &str, fields: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(64 + action.len() + message.len() + fields.len());
    out.extend_from_slice(b"{\"Action\":");
    // `"<action>Response"`: the action escaped, its closing quote moved past the suffix.
    json::string(&mut out, action);
    out.pop();
    out.extend_from_slice(b"Response\"");
    out.extend_from_slice(b",\"RetCode\":");
    json::int(&mut out, ret_code);
    out.extend_from_slice(b",\"Message\":");
    json::string(&mut out, message);
    out.extend_from_slice(fields);
    out.push(b'}');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn decode_json(v: Value) -> UcsResult<Flat> {
        let body = serde_json::to_vec(&v).unwrap();
        let mut h = HeaderMap::new();
        h.insert(header::CONTENT_TYPE, "application/json".parse().unwrap());
        decode(&HttpIn { method: &Method::POST, path: "/api", query: "", headers: &h, body: &body })
    }

    #[test]
    fn json_flattens_like_the_query_string() {
        let f = decode_json(json!({"Action": "DescribeSnapshot", "Limit": 20, "SnapshotIDs": ["a", "b"], "X": true}))
            .unwrap();
        let p = Params(&f);
        assert_eq!(p.opt("Limit"), Some("20"));
        assert_eq!(p.opt("X"), Some("true"));
        assert_eq!(p.list("SnapshotIDs").unwrap(), vec!["a", "b"]);
        assert!(decode_json(json!([1])).is_err());
    }

    #[test]
    fn arrays_by_index_or_bare() {
        let mut f = Flat::new();
        for (k, v) in [("SnapshotIDs.10", "k"), ("SnapshotIDs.2", "c"), ("SnapshotIDs.0", "a")] {
            f.insert(k.into(), v.into());
        }
        assert_eq!(Params(&f).list("SnapshotIDs").unwrap(), vec!["a", "c", "k"]);
        let mut g = Flat::new();
        g.insert("SnapshotIDs".into(), "one".into());
        assert_eq!(Params(&g).list("SnapshotIDs").unwrap(), vec!["one"]);
        g.insert("SnapshotIDs.x".into(), "two".into());
        assert_eq!(Params(&g).list("SnapshotIDs").unwrap_err().ret_code, e::PARAMS_NOT_AVAILABLE);
    }

    #[test]
    fn duplicates_and_methods() {
        let h = HeaderMap::new();
        let r = decode(&HttpIn { method: &Method::GET, path: "/api", query: "A=1&A=2", headers: &h, body: b"" });
        assert_eq!(r.unwrap_err().ret_code, e::PARAMS_NOT_AVAILABLE);
        let r = decode(&HttpIn { method: &Method::PUT, path: "/api", query: "", headers: &h, body: b"" });
        assert_eq!(r.unwrap_err().ret_code, e::PARAMS_NOT_AVAILABLE);
        let r =
            decode(&HttpIn { method: &Method::POST, path: "/api", query: "Action=X", headers: &h, body: b"Region=cn" })
                .unwrap();
        assert_eq!(r.len(), 2);
    }
}
