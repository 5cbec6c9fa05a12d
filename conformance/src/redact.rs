//! Redaction that keeps identity. Resource ids become `<disk-id:1>`, `<disk-id:2>` in order of
//! first appearance, so "the id from the create answer is the one the describe answer lists"
//! survives, while the values themselves (which differ between runs and clouds) do not. Times,
//! request ids and other volatile values become placeholders; so do the values of a scenario's
//! vars (zone, instance), which differ between targets by design. Object keys come out sorted,
//! so the order a server happens to print fields in is not a difference.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

/// What a surface declares about its answers.
pub struct RedactRules {
    /// `(prefix, kind)`: `disk-` + 8 lowercase letters/digits is a `disk-id`.
    pub id_prefixes: &'static [(&'static str, &'static str)],
    /// Keys whose values change on every call (request ids, progress); replaced by their type.
    pub volatile_keys: &'static [&'static str],
    /// Keys whose values are account numbers; identity kept as `<account:N>`.
    pub account_keys: &'static [&'static str],
}

/// Length of the random part of an id (`disk-lzrg2pwi`).
const ID_LEN: usize = 8;

pub struct Redactor<'r> {
    rules: &'r RedactRules,
    /// String value of a var → its name.
    vars: Vec<(String, String)>,
    /// The run id, which names things a run creates; replaced wherever it appears.
    run_id: Option<String>,
    /// kind → value → number.
    seen: BTreeMap<String, BTreeMap<String, usize>>,
}

fn type_placeholder(v: &Value) -> Value {
    Value::String(
        match v {
            Value::String(_) => "<string>",
            Value::Number(_) => "<number>",
            Value::Bool(_) => "<bool>",
            Value::Array(_) => "<array>",
            Value::Object(_) => "<object>",
            Value::Null => return Value::Null,
        }
        .into(),
    )
}

fn digits(s: &[u8]) -> bool {
    s.iter().all(u8::is_ascii_digit)
}

fn is_date(b: &[u8]) -> bool {
    b.len() >= 10 && digits(&b[0..4]) && b[4] == b'-' && digits(&b[5..7]) && b[7] == b'-' && digits(&b[8..10])
}

/// `2026-11-22 21:53:53`, `2026-11-22T21:53:53+00:00`, `2026-11-22T21:53:53.123Z`.
fn is_datetime(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 19
        && is_date(b)
        && (b[10] == b' ' || b[10] == b'T')
        && digits(&b[11..13])
        && b[13] == b':'
        && digits(&b[14..16])
        && b[16] == b':'
        && digits(&b[17..19])
        && b[19..].iter().all(|c| c.is_ascii_digit() || b"+-:.Z".contains(c))
}

fn is_uuid(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() == 5
        && parts.iter().zip([8, 4, 4, 4, 12]).all(|(p, n)| p.len() == n && p.bytes().all(|c| c.is_ascii_hexdigit()))
}

fn id_char(c: u8) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit()
}

impl<'r> Redactor<'r> {
    pub fn new(rules: &'r RedactRules, vars: &BTreeMap<String, Value>) -> Redactor<'r> {
        let run_id = vars.get("run_id").and_then(Value::as_str).filter(|r| !r.is_empty()).map(str::to_string);
        let vars = vars
            .iter()
            .filter(|(k, _)| k.as_str() != "run_id")
            // An empty var (no Huawei project on a Tencent run) would swallow every empty string.
            .filter_map(|(k, v)| Some((v.as_str().filter(|v| !v.is_empty())?.to_string(), k.clone())))
            .collect();
        Redactor { rules, vars, run_id, seen: BTreeMap::new() }
    }

    fn reference(&mut self, kind: &str, value: &str) -> String {
        let known = self.seen.entry(kind.to_string()).or_default();
        let next = known.len() + 1;
        let n = *known.entry(value.to_string()).or_insert(next);
        format!("<{kind}:{n}>")
    }

    pub fn redact(&mut self, v: &Value) -> Value {
        match v {
            Value::Object(m) => {
                let mut keys: Vec<&String> = m.keys().collect();
                keys.sort();
                let mut out = Map::new();
                for k in keys {
                    let x = &m[k];
                    let y = if self.rules.volatile_keys.contains(&k.as_str()) {
                        type_placeholder(x)
                    } else if self.rules.account_keys.contains(&k.as_str()) {
                        self.accounts(x)
                    } else {
                        self.redact(x)
                    };
                    out.insert(k.clone(), y);
                }
                Value::Object(out)
            }
            Value::Array(a) => Value::Array(a.iter().map(|x| self.redact(x)).collect()),
            Value::String(s) => Value::String(self.text(s)),
            other => other.clone(),
        }
    }

    fn var_name(&self, s: &str) -> Option<String> {
        self.vars.iter().find(|(value, _)| value == s).map(|(_, name)| format!("<var:{name}>"))
    }

    fn accounts(&mut self, v: &Value) -> Value {
        match v {
            Value::String(s) if !s.is_empty() => {
                Value::String(self.var_name(s).unwrap_or_else(|| self.reference("account", s)))
            }
            Value::Number(n) => Value::String(self.reference("account", &n.to_string())),
            Value::Array(a) => Value::Array(a.iter().map(|x| self.accounts(x)).collect()),
            other => other.clone(),
        }
    }

    fn text(&mut self, s: &str) -> String {
        if let Some(id) = self.run_id.as_deref().filter(|id| s.contains(id)) {
            let replaced = s.replace(id, "<run-id>");
            return self.text(&replaced);
        }
        if let Some(var) = self.var_name(s) {
            return var;
        }
        if is_datetime(s) {
            return "<time>".into();
        }
        if s.len() == 10 && is_date(s.as_bytes()) {
            return "<date>".into();
        }
        if is_uuid(s) {
            return self.reference("uuid", s);
        }
        self.ids_in(s)
    }

    /// Replace every `prefix-xxxxxxxx` standing on its own inside `s`.
    fn ids_in(&mut self, s: &str) -> String {
        let b = s.as_bytes();
        let mut out = String::with_capacity(s.len());
        let mut i = 0;
        'scan: while i < b.len() {
            let boundary = i == 0 || !b[i - 1].is_ascii_alphanumeric();
            if boundary {
                for (prefix, kind) in self.rules.id_prefixes {
                    let head = prefix.len() + 1;
                    let end = i + head + ID_LEN;
                    if end <= b.len()
                        && s[i..].starts_with(prefix)
                        && b[i + prefix.len()] == b'-'
                        && b[i + head..end].iter().all(|c| id_char(*c))
                        && (end == b.len() || !b[end].is_ascii_alphanumeric())
                    {
                        let r = self.reference(kind, &s[i..end]);
                        out.push_str(&r);
                        i = end;
                        continue 'scan;
                    }
                }
            }
            let ch = s[i..].chars().next().unwrap_or('\u{fffd}');
            out.push(ch);
            i += ch.len_utf8().max(1);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    static RULES: RedactRules = RedactRules {
        id_prefixes: &[("disk", "disk-id"), ("snap", "snap-id")],
        volatile_keys: &["RequestId", "Percent"],
        account_keys: &["AccountId"],
    };

    #[test]
    fn identity_survives_redaction() {
        let vars =
            BTreeMap::from([("zone".to_string(), json!("ap-guangzhou-3")), ("run_id".to_string(), json!("0522"))]);
        let mut r = Redactor::new(&RULES, &vars);
        let create = r.redact(&json!({"Response": {"DiskIdSet": ["disk-aaaa1111", "disk-bbbb2222"], "RequestId": "x", "Name": "ct-0522"}}));
        assert_eq!(
            create,
            json!({"Response": {"DiskIdSet": ["<disk-id:1>", "<disk-id:2>"], "Name": "ct-<run-id>", "RequestId": "<string>"}})
        );
        let describe = r.redact(&json!({"Response": {"DiskSet": [
            {"DiskId": "disk-bbbb2222", "Zone": "ap-guangzhou-3", "CreateTime": "2026-11-23 05:53:53",
             "Deadline": "2026-11-22T21:53:53+00:00", "Day": "2026-11-23", "Percent": 40,
             "SnapshotName": "Copied snap-cccc3333 from South China", "AccountId": "100000000002"}]}}));
        assert_eq!(
            describe,
            json!({"Response": {"DiskSet": [{"AccountId": "<account:1>", "CreateTime": "<time>", "Day": "<date>",
                "Deadline": "<time>", "DiskId": "<disk-id:2>", "Percent": "<number>",
                "SnapshotName": "Copied <snap-id:1> from South China", "Zone": "<var:zone>"}]}})
        );
    }

    #[test]
    fn only_whole_ids_are_ids() {
        let mut r = Redactor::new(&RULES, &BTreeMap::new());
        assert_eq!(r.redact(&json!("disk-abc")), json!("disk-abc"));
        assert_eq!(r.redact(&json!("disk-abcdefgh9")), json!("disk-abcdefgh9"));
        assert_eq!(r.redact(&json!("xdisk-abcdefgh")), json!("xdisk-abcdefgh"));
        assert_eq!(r.redact(&json!("auto_disk-abcdefgh_1")), json!("auto_<disk-id:1>_1"));
        assert_eq!(r.redact(&json!("DISK-ABCDEFGH")), json!("DISK-ABCDEFGH"));
        assert_eq!(r.redact(&json!("ccc96242e-566c")), json!("ccc96242e-566c"));
        assert_eq!(r.redact(&json!("cc96242e-566c-ae6a-b74a-5a1f823683b2")), json!("<uuid:1>"));
        assert_eq!(r.redact(&json!("中文 disk-abcdefgh")), json!("中文 <disk-id:1>"));
    }
}
