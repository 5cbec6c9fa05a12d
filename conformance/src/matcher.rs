//! What a field must look like. A plain JSON value means "equal to this"; an object whose only
//! key starts with `$` is an operator: `$exists`, `$len`, `$gte`, `$lte`, `$one_of`, `$type`,
//! `$contains`. Checked when a scenario loads, so a typo in an operator is a load error.

use serde_json::Value;

const OPERATORS: &[&str] = &["$exists", "$len", "$gte", "$lte", "$one_of", "$type", "$contains"];
const TYPES: &[&str] = &["string", "number", "bool", "array", "object", "null"];

fn operator(m: &Value) -> Option<(&str, &Value)> {
    let obj = m.as_object()?;
    if obj.len() != 1 {
        return None;
    }
    let (k, v) = obj.iter().next()?;
    k.starts_with('$').then_some((k.as_str(), v))
}

/// Reject unknown operators and operands of the wrong type.
pub fn validate(m: &Value) -> Result<(), String> {
    let Some((op, arg)) = operator(m) else {
        if let Some(obj) = m.as_object() {
            if let Some(k) = obj.keys().find(|k| k.starts_with('$')) {
                return Err(format!("`{k}` must be the only key of its object"));
            }
        }
        return Ok(());
    };
    let ok = match op {
        "$exists" => arg.is_boolean(),
        "$len" => arg.as_u64().is_some(),
        "$gte" | "$lte" => arg.is_number(),
        "$one_of" => arg.is_array(),
        "$type" => arg.as_str().is_some_and(|t| TYPES.contains(&t)),
        "$contains" => true,
        _ => return Err(format!("unknown operator `{op}` (known: {})", OPERATORS.join(", "))),
    };
    if ok {
        Ok(())
    } else {
        Err(format!("`{op}` does not take {arg}"))
    }
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::String(_) => "string",
        Value::Number(_) => "number",
        Value::Bool(_) => "bool",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
        Value::Null => "null",
    }
}

/// JSON equality where 1 and 1.0 are the same number.
pub fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x == y || x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same(a, b)),
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        _ => a == b,
    }
}

/// Check `actual` (None: the field is absent) against a matcher; Err explains the mismatch.
pub fn check(m: &Value, actual: Option<&Value>) -> Result<(), String> {
    let shown = || actual.map_or_else(|| "nothing (absent)".to_string(), |v| v.to_string());
    let Some((op, arg)) = operator(m) else {
        return match actual {
            Some(v) if same(m, v) => Ok(()),
            _ => Err(format!("expected {m}, got {}", shown())),
        };
    };
    let fail = |what: String| Err(format!("expected {what}, got {}", shown()));
    match (op, actual) {
        ("$exists", a) => {
            let want = arg.as_bool().unwrap_or(true);
            if a.is_some() == want {
                Ok(())
            } else if want {
                fail("a value".into())
            } else {
                fail("no such field".into())
            }
        }
        ("$len", Some(Value::Array(a))) if a.len() as u64 == arg.as_u64().unwrap_or(u64::MAX) => Ok(()),
        ("$len", Some(Value::String(s))) if s.chars().count() as u64 == arg.as_u64().unwrap_or(u64::MAX) => Ok(()),
        ("$len", _) => fail(format!("length {arg}")),
        ("$gte", Some(Value::Number(n))) if n.as_f64() >= arg.as_f64() => Ok(()),
        ("$gte", _) => fail(format!("a number >= {arg}")),
        ("$lte", Some(Value::Number(n))) if n.as_f64() <= arg.as_f64() => Ok(()),
        ("$lte", _) => fail(format!("a number <= {arg}")),
        ("$one_of", Some(v)) if arg.as_array().is_some_and(|opts| opts.iter().any(|o| same(o, v))) => Ok(()),
        ("$one_of", _) => fail(format!("one of {arg}")),
        ("$type", Some(v)) if arg.as_str() == Some(type_name(v)) => Ok(()),
        ("$type", _) => fail(format!("a value of type {arg}")),
        ("$contains", Some(Value::Array(items))) if items.iter().any(|i| same(i, arg)) => Ok(()),
        ("$contains", Some(Value::String(s))) if arg.as_str().is_some_and(|a| s.contains(a)) => Ok(()),
        ("$contains", _) => fail(format!("something containing {arg}")),
        _ => fail(format!("{op} {arg}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn plain_values_mean_equality() {
        assert!(check(&json!("ATTACHED"), Some(&json!("ATTACHED"))).is_ok());
        assert!(check(&json!(1), Some(&json!(1.0))).is_ok());
        let e = check(&json!("ATTACHED"), Some(&json!("ATTACHING"))).unwrap_err();
        assert_eq!(e, r#"expected "ATTACHED", got "ATTACHING""#);
        assert!(check(&json!(null), None).unwrap_err().contains("absent"));
    }

    #[test]
    fn operators() {
        let arr = json!(["a", "b"]);
        assert!(check(&json!({"$len": 2}), Some(&arr)).is_ok());
        assert!(check(&json!({"$len": 3}), Some(&arr)).is_err());
        assert!(check(&json!({"$contains": "b"}), Some(&arr)).is_ok());
        assert!(check(&json!({"$contains": "c"}), Some(&arr)).is_err());
        assert!(check(&json!({"$exists": false}), None).is_ok());
        assert!(check(&json!({"$exists": true}), None).is_err());
        assert!(check(&json!({"$gte": 1}), Some(&json!(1))).is_ok());
        assert!(check(&json!({"$lte": 1}), Some(&json!(2))).is_err());
        assert!(check(&json!({"$one_of": ["X", "Y"]}), Some(&json!("Y"))).is_ok());
        assert!(check(&json!({"$type": "string"}), Some(&json!(""))).is_ok());
        assert!(check(&json!({"$type": "null"}), Some(&json!(0))).is_err());
    }

    #[test]
    fn validation_names_the_problem() {
        assert!(validate(&json!({"$lenght": 1})).unwrap_err().contains("unknown operator `$lenght`"));
        assert!(validate(&json!({"$len": "2"})).is_err());
        assert!(validate(&json!({"$type": "text"})).is_err());
        assert!(validate(&json!({"$len": 1, "x": 2})).is_err());
        assert!(validate(&json!({"Zone": "ap-guangzhou-3"})).is_ok());
    }
}
