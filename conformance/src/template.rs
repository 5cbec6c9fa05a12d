//! `${name}` references in step parameters and expectations. A string that is exactly one
//! reference takes the referenced value with its JSON type (an array of ids stays an array);
//! references inside a longer string are spliced in as text. `${now}` and `${now+SECS}` /
//! `${now-SECS}` are the target's current time in ISO 8601 (UTC), for deadlines.

use std::collections::BTreeMap;

use serde_json::Value;

/// Values a reference can name: scenario variables, built-ins and earlier captures.
#[derive(Debug, Clone, Default)]
pub struct Scope {
    pub values: BTreeMap<String, Value>,
    /// The target's clock, unix seconds, for `${now...}`.
    pub now: i64,
}

/// A reference to the clock: `now`, `now+N` or `now-N`.
fn clock_offset(name: &str) -> Option<i64> {
    let rest = name.strip_prefix("now")?;
    if rest.is_empty() {
        return Some(0);
    }
    let (sign, digits) = rest.split_at(1);
    let n: i64 = digits.parse().ok()?;
    match sign {
        "+" => Some(n),
        "-" => Some(-n),
        _ => None,
    }
}

pub fn is_clock_reference(name: &str) -> bool {
    clock_offset(name).is_some()
}

fn iso8601(unix: i64) -> String {
    chrono::DateTime::from_timestamp(unix, 0)
        .map(|d| d.format("%Y-%m-%dT%H:%M:%S+00:00").to_string())
        .unwrap_or_default()
}

/// The names referenced in a string, in order.
pub fn references_in(text: &str) -> Result<Vec<String>, String> {
    let mut names = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        let after = &rest[start + 2..];
        let end = after.find('}').ok_or_else(|| format!("`{text}`: `${{` without a closing `}}`"))?;
        let name = &after[..end];
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || "_-+".contains(c)) {
            return Err(format!("`{text}`: `${{{name}}}` is not a valid reference"));
        }
        names.push(name.to_string());
        rest = &after[end + 1..];
    }
    Ok(names)
}

/// Every reference anywhere inside a JSON value (object keys included).
pub fn references(v: &Value) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    collect(v, &mut out)?;
    Ok(out)
}

fn collect(v: &Value, out: &mut Vec<String>) -> Result<(), String> {
    match v {
        Value::String(s) => out.extend(references_in(s)?),
        Value::Array(a) => {
            for x in a {
                collect(x, out)?;
            }
        }
        Value::Object(m) => {
            for (k, x) in m {
                out.extend(references_in(k)?);
                collect(x, out)?;
            }
        }
        _ => {}
    }
    Ok(())
}

impl Scope {
    fn get(&self, name: &str) -> Result<Value, String> {
        if let Some(v) = self.values.get(name) {
            return Ok(v.clone());
        }
        if let Some(offset) = clock_offset(name) {
            return Ok(Value::String(iso8601(self.now + offset)));
        }
        Err(format!("`${{{name}}}` has no value (was the step that captures it skipped or failed?)"))
    }

    /// Resolve every reference in `v`.
    pub fn apply(&self, v: &Value) -> Result<Value, String> {
        Ok(match v {
            Value::String(s) => self.apply_str(s)?,
            Value::Array(a) => Value::Array(a.iter().map(|x| self.apply(x)).collect::<Result<_, _>>()?),
            Value::Object(m) => {
                let mut out = serde_json::Map::new();
                for (k, x) in m {
                    let key = match self.apply_str(k)? {
                        Value::String(s) => s,
                        other => other.to_string(),
                    };
                    out.insert(key, self.apply(x)?);
                }
                Value::Object(out)
            }
            other => other.clone(),
        })
    }

    fn apply_str(&self, s: &str) -> Result<Value, String> {
        let names = references_in(s)?;
        if names.is_empty() {
            return Ok(Value::String(s.to_string()));
        }
        if names.len() == 1 && s == format!("${{{}}}", names[0]) {
            return self.get(&names[0]);
        }
        let mut text = s.to_string();
        for name in names {
            let piece = match self.get(&name)? {
                Value::String(x) => x,
                v @ (Value::Number(_) | Value::Bool(_)) => v.to_string(),
                other => return Err(format!("`${{{name}}}` is {other}, which cannot be spliced into the text `{s}`")),
            };
            text = text.replacen(&format!("${{{name}}}"), &piece, 1);
        }
        Ok(Value::String(text))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn scope() -> Scope {
        let mut s = Scope { now: 1_795_384_433, ..Scope::default() };
        s.values.insert("disk".into(), json!("disk-abc12345"));
        s.values.insert("ids".into(), json!(["a", "b"]));
        s.values.insert("size".into(), json!(20));
        s
    }

    #[test]
    fn whole_references_keep_their_type_and_partial_ones_splice_text() {
        let s = scope();
        let v = s.apply(&json!({"DiskIds": "${ids}", "Id": "${disk}", "Name": "ct-${disk}-${size}", "N": 3})).unwrap();
        assert_eq!(v, json!({"DiskIds": ["a", "b"], "Id": "disk-abc12345", "Name": "ct-disk-abc12345-20", "N": 3}));
    }

    #[test]
    fn clock_references_are_iso_8601_utc() {
        let s = scope();
        assert_eq!(s.apply(&json!("${now}")).unwrap(), json!("2026-11-22T21:53:53+00:00"));
        assert_eq!(s.apply(&json!("${now+3600}")).unwrap(), json!("2026-11-22T22:53:53+00:00"));
        assert_eq!(s.apply(&json!("${now-60}")).unwrap(), json!("2026-11-22T21:52:53+00:00"));
    }

    #[test]
    fn unknown_and_malformed_references_are_errors() {
        let s = scope();
        assert!(s.apply(&json!("${nope}")).unwrap_err().contains("`${nope}` has no value"));
        assert!(s.apply(&json!("x-${ids}")).unwrap_err().contains("cannot be spliced"));
        assert!(references_in("${open").is_err());
        assert!(references_in("${a b}").is_err());
        assert_eq!(references(&json!({"${k}": ["${a}", 1]})).unwrap(), vec!["k", "a"]);
    }
}
