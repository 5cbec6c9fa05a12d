//! Field-level differences between a recorded snapshot and a fresh answer, each with the path
//! of the field that drifted.

use serde_json::Value;

use crate::matcher::same;
use crate::path::Path;

#[derive(Debug, Clone, PartialEq)]
pub struct Drift {
    pub path: Path,
    /// None: the field was not in the recording.
    pub recorded: Option<Value>,
    /// None: the field is gone from the answer.
    pub actual: Option<Value>,
}

impl std::fmt::Display for Drift {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (&self.recorded, &self.actual) {
            (Some(r), Some(a)) => write!(f, "{}: recorded {r}, got {a}", self.path),
            (None, Some(a)) => write!(f, "{}: new field, got {a}", self.path),
            (Some(r), None) => write!(f, "{}: missing, recorded {r}", self.path),
            (None, None) => write!(f, "{}", self.path),
        }
    }
}

/// Every difference below `at`, skipping paths `ignored` says to skip.
pub fn diff(recorded: &Value, actual: &Value, ignored: &dyn Fn(&Path) -> bool) -> Vec<Drift> {
    let mut out = Vec::new();
    walk(&Path::default(), recorded, actual, ignored, &mut out);
    out
}

fn walk(at: &Path, r: &Value, a: &Value, ignored: &dyn Fn(&Path) -> bool, out: &mut Vec<Drift>) {
    if ignored(at) {
        return;
    }
    match (r, a) {
        (Value::Object(rm), Value::Object(am)) => {
            for (k, rv) in rm {
                let p = at.child_key(k);
                match am.get(k) {
                    Some(av) => walk(&p, rv, av, ignored, out),
                    None if !ignored(&p) => out.push(Drift { path: p, recorded: Some(rv.clone()), actual: None }),
                    None => {}
                }
            }
            for (k, av) in am.iter().filter(|(k, _)| !rm.contains_key(*k)) {
                let p = at.child_key(k);
                if !ignored(&p) {
                    out.push(Drift { path: p, recorded: None, actual: Some(av.clone()) });
                }
            }
        }
        (Value::Array(ra), Value::Array(aa)) => {
            for i in 0..ra.len().max(aa.len()) {
                let p = at.child_index(i);
                match (ra.get(i), aa.get(i)) {
                    (Some(rv), Some(av)) => walk(&p, rv, av, ignored, out),
                    (rv, av) if !ignored(&p) => out.push(Drift { path: p, recorded: rv.cloned(), actual: av.cloned() }),
                    _ => {}
                }
            }
        }
        _ if same(r, a) => {}
        _ => out.push(Drift { path: at.clone(), recorded: Some(r.clone()), actual: Some(a.clone()) }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn drift_names_the_field() {
        let rec = json!({"s": {"body": {"Response": {"DiskSet": [{"DiskState": "UNATTACHED", "Old": 1}]}}}});
        let now = json!({"s": {"body": {"Response": {"DiskSet": [{"DiskState": "ATTACHED", "New": true}]}}}});
        let d: Vec<String> = diff(&rec, &now, &|_| false).iter().map(ToString::to_string).collect();
        assert_eq!(
            d,
            vec![
                r#"s.body.Response.DiskSet[0].DiskState: recorded "UNATTACHED", got "ATTACHED""#,
                "s.body.Response.DiskSet[0].Old: missing, recorded 1",
                "s.body.Response.DiskSet[0].New: new field, got true",
            ]
        );
        let skip = Path::parse("s.body.Response.DiskSet[*].DiskState").unwrap();
        assert_eq!(diff(&rec, &now, &|p| skip.covers(p)).len(), 2);
        assert!(diff(&json!([1, 2]), &json!([1, 2.0]), &|_| false).is_empty());
        assert_eq!(diff(&json!([1]), &json!([1, 2]), &|_| false)[0].to_string(), "[1]: new field, got 2");
    }
}
