//! Typed access to JSON request bodies. Every accessor names the field by its full path in the
//! error, rejects wrong types, and `Obj::only` rejects fields the API does not define — the
//! real service validates bodies against its schema and answers BackupService.9900.

use serde_json::{Map, Value};

use super::error::{Bs9900, HwResult};

pub fn parse(bytes: &[u8]) -> HwResult<Value> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(Bs9900("The request body is empty; a JSON object is required."));
    }
    crate::core::limits::check_json(bytes).map_err(|e| Bs9900(e.to_string()))?;
    let v: Value =
        serde_json::from_slice(bytes).map_err(|e| Bs9900(format!("The request body is not valid JSON: {e}.")))?;
    if !v.is_object() {
        return Err(Bs9900("The request body must be a JSON object."));
    }
    Ok(v)
}

/// A JSON object and where it sits in the body (for messages).
#[derive(Clone)]
pub struct Obj<'a> {
    pub map: &'a Map<String, Value>,
    pub path: String,
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

fn type_error(path: &str, key: &str, want: &str) -> super::error::HwError {
    Bs9900(format!("Invalid {}: expected {want}.", join(path, key)))
}

impl<'a> Obj<'a> {
    pub fn root(v: &'a Value) -> Obj<'a> {
        static EMPTY: std::sync::OnceLock<Map<String, Value>> = std::sync::OnceLock::new();
        Obj { map: v.as_object().unwrap_or_else(|| EMPTY.get_or_init(Map::new)), path: String::new() }
    }

    pub fn at(map: &'a Map<String, Value>, path: String) -> Obj<'a> {
        Obj { map, path }
    }

    /// Fail on any field outside `allowed`.
    pub fn only(&self, allowed: &[&str]) -> HwResult<()> {
        match self.map.keys().find(|k| !allowed.contains(&k.as_str())) {
            Some(k) => Err(Bs9900(format!("Unknown field {}.", join(&self.path, k)))),
            None => Ok(()),
        }
    }

    pub fn has(&self, key: &str) -> bool {
        self.map.get(key).is_some_and(|v| !v.is_null())
    }

    fn get(&self, key: &str) -> Option<&'a Value> {
        self.map.get(key).filter(|v| !v.is_null())
    }

    pub fn missing(&self, key: &str) -> super::error::HwError {
        Bs9900(format!("Missing required field {}.", join(&self.path, key)))
    }

    pub fn obj(&self, key: &str) -> HwResult<Option<Obj<'a>>> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Object(m)) => Ok(Some(Obj { map: m, path: join(&self.path, key) })),
            Some(_) => Err(type_error(&self.path, key, "an object")),
        }
    }

    pub fn req_obj(&self, key: &str) -> HwResult<Obj<'a>> {
        self.obj(key)?.ok_or_else(|| self.missing(key))
    }

    pub fn str(&self, key: &str) -> HwResult<Option<&'a str>> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.as_str())),
            Some(_) => Err(type_error(&self.path, key, "a string")),
        }
    }

    pub fn req_str(&self, key: &str) -> HwResult<&'a str> {
        self.str(key)?.ok_or_else(|| self.missing(key))
    }

    /// A string from a fixed set.
    pub fn enum_str(&self, key: &str, allowed: &[&str]) -> HwResult<Option<&'a str>> {
        match self.str(key)? {
            Some(s) if !allowed.contains(&s) => {
                Err(Bs9900(format!("Invalid {}: `{s}` is not one of {}.", join(&self.path, key), allowed.join(", "))))
            }
            other => Ok(other),
        }
    }

    pub fn bool(&self, key: &str) -> HwResult<Option<bool>> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(_) => Err(type_error(&self.path, key, "a boolean")),
        }
    }

    /// An integer within `min..=max` (JSON numbers only; the SDK never sends strings).
    pub fn int(&self, key: &str, min: i64, max: i64) -> HwResult<Option<i64>> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Number(n)) => match n.as_i64() {
                Some(i) if (min..=max).contains(&i) => Ok(Some(i)),
                _ => Err(Bs9900(format!("Invalid {}: must be an integer from {min} to {max}.", join(&self.path, key)))),
            },
            Some(_) => Err(type_error(&self.path, key, "an integer")),
        }
    }

    /// A number (integer or not) within `min..=max`.
    pub fn float(&self, key: &str, min: f64, max: f64) -> HwResult<Option<f64>> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Number(n)) => match n.as_f64() {
                Some(f) if (min..=max).contains(&f) => Ok(Some(f)),
                _ => Err(Bs9900(format!("Invalid {}: must be a number from {min} to {max}.", join(&self.path, key)))),
            },
            Some(_) => Err(type_error(&self.path, key, "a number")),
        }
    }

    pub fn arr(&self, key: &str) -> HwResult<Option<&'a Vec<Value>>> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Array(a)) => Ok(Some(a)),
            Some(_) => Err(type_error(&self.path, key, "an array")),
        }
    }

    /// An array of strings with `min..=max` items.
    pub fn strs(&self, key: &str, min: usize, max: usize) -> HwResult<Option<Vec<&'a str>>> {
        let Some(a) = self.arr(key)? else { return Ok(None) };
        if a.len() < min || a.len() > max {
            return Err(Bs9900(format!("Invalid {}: must have {min} to {max} items.", join(&self.path, key))));
        }
        a.iter()
            .map(|v| v.as_str().ok_or_else(|| type_error(&self.path, key, "an array of strings")))
            .collect::<HwResult<Vec<_>>>()
            .map(Some)
    }

    /// The objects of an array, each with its own path.
    pub fn objs(&self, key: &str, min: usize, max: usize) -> HwResult<Option<Vec<Obj<'a>>>> {
        let Some(a) = self.arr(key)? else { return Ok(None) };
        if a.len() < min || a.len() > max {
            return Err(Bs9900(format!("Invalid {}: must have {min} to {max} items.", join(&self.path, key))));
        }
        a.iter()
            .enumerate()
            .map(|(i, v)| {
                v.as_object()
                    .map(|m| Obj { map: m, path: format!("{}[{i}]", join(&self.path, key)) })
                    .ok_or_else(|| type_error(&self.path, key, "an array of objects"))
            })
            .collect::<HwResult<Vec<_>>>()
            .map(Some)
    }
}

/// Names of vaults, policies and backups: 1–64 of Chinese characters, letters, digits, `_`, `-`.
pub fn check_name(field: &str, name: &str, allow_empty: bool) -> HwResult<()> {
    let n = name.chars().count();
    let ok_char = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-' || is_han(c);
    if (n == 0 && !allow_empty) || n > 64 || !name.chars().all(ok_char) {
        return Err(Bs9900(format!(
            "Invalid {field}: 1 to 64 characters of Chinese, letters, digits, underscores (_) and hyphens (-)."
        )));
    }
    Ok(())
}

/// CJK unified ideographs (the `\p{Han}` the doc's pattern names), main blocks.
pub fn is_han(c: char) -> bool {
    matches!(c as u32, 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2EBEF)
}

/// Descriptions: at most 255 characters, no `<` or `>`.
pub fn check_description(field: &str, d: &str) -> HwResult<()> {
    if d.chars().count() > 255 || d.contains(['<', '>']) {
        return Err(Bs9900(format!("Invalid {field}: at most 255 characters, without < or >.")));
    }
    Ok(())
}

/// Query parameters as (name, value) pairs, decoded; repeated names are kept. Held to the
/// bounds of [`crate::core::limits`] before anything is decoded.
pub fn query_pairs(raw: &str) -> HwResult<Vec<(String, String)>> {
    crate::core::limits::form_pairs(raw.as_bytes()).map_err(|e| Bs9900(e.to_string()))
}

/// Typed access to the query string.
pub struct Query(pub Vec<(String, String)>);

impl Query {
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    pub fn all(&self, key: &str) -> Vec<&str> {
        self.0.iter().filter(|(k, _)| k == key).map(|(_, v)| v.as_str()).collect()
    }

    pub fn int(&self, key: &str, min: i64, max: i64) -> HwResult<Option<i64>> {
        match self.get(key) {
            None => Ok(None),
            Some(s) => match s.parse::<i64>() {
                Ok(i) if (min..=max).contains(&i) => Ok(Some(i)),
                _ => Err(Bs9900(format!("Invalid {key}: must be an integer from {min} to {max}."))),
            },
        }
    }

    pub fn bool(&self, key: &str) -> HwResult<Option<bool>> {
        match self.get(key) {
            None => Ok(None),
            Some("true") => Ok(Some(true)),
            Some("false") => Ok(Some(false)),
            Some(_) => Err(Bs9900(format!("Invalid {key}: must be true or false."))),
        }
    }

    pub fn enum_str(&self, key: &str, allowed: &[&str]) -> HwResult<Option<&str>> {
        match self.get(key) {
            Some(s) if !allowed.contains(&s) => {
                Err(Bs9900(format!("Invalid {key}: `{s}` is not one of {}.", allowed.join(", "))))
            }
            other => Ok(other),
        }
    }

    /// A time filter in the doc's query format, `YYYY-MM-DDTHH:MM:SSZ`, as unix milliseconds.
    pub fn time(&self, key: &str) -> HwResult<Option<i64>> {
        match self.get(key) {
            None => Ok(None),
            Some(s) => chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%SZ")
                .map(|d| Some(d.and_utc().timestamp_millis()))
                .map_err(|_| Bs9900(format!("Invalid {key}: expected YYYY-MM-DDTHH:MM:SSZ."))),
        }
    }

    /// `limit` and `offset` with the list's bounds; `limit` defaults to `max_limit`.
    pub fn page(&self, max_limit: i64) -> HwResult<(usize, usize)> {
        let limit = self.int("limit", 1, max_limit)?.unwrap_or(max_limit);
        let offset = self.int("offset", 0, i64::MAX)?.unwrap_or(0);
        Ok((limit as usize, offset as usize))
    }
}
