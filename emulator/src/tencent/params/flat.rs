//! Flat names (`DiskIds.0=a&Filters.0.Values.1=b&Placement.Zone=z`, from a query string or a
//! form) folded into the object a JSON body would have given.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::exceeded;
use crate::core::limits::{self, Bound, Exceeded};
use crate::tencent::error::{self as e, TcResult};

/// One node of the flat names' tree: `a.b=1` is a node `a` with a kid `b` whose leaf is `1`.
#[derive(Default)]
struct Node {
    leaf: Option<String>,
    kids: BTreeMap<String, Node>,
}

/// A structure being built: its own key, the kids still to build (in order, each with its key
/// and full path) and the values already built.
struct Open {
    key: String,
    is_array: bool,
    todo: std::vec::IntoIter<(String, String, Node)>,
    built: Vec<(String, Value)>,
}

enum Built {
    Leaf(Value),
    Open(Open),
}

/// Numeric segments index arrays.
fn is_array(kids: &BTreeMap<String, Node>) -> bool {
    kids.keys().all(|k| k.bytes().all(|b| b.is_ascii_digit()))
}

/// Start building `node`: a leaf is done at once, a structure lists its kids.
fn open(key: String, path: String, node: Node) -> TcResult<Built> {
    match (node.leaf, node.kids.is_empty()) {
        (Some(v), true) => Ok(Built::Leaf(Value::String(v))),
        (Some(_), false) => {
            Err(e::InvalidParameter(format!("The parameter `{path}` is given both as a value and as a structure.")))
        }
        (None, _) => {
            let array = is_array(&node.kids);
            let mut todo: Vec<(String, String, Node)> = Vec::with_capacity(node.kids.len());
            if array {
                let mut items: Vec<(u64, Node)> = Vec::with_capacity(node.kids.len());
                for (k, v) in node.kids {
                    let idx = k
                        .parse::<u64>()
                        .map_err(|_| e::InvalidParameterValue(format!("The index in `{path}.{k}` is out of range.")))?;
                    items.push((idx, v));
                }
                items.sort_by_key(|(i, _)| *i);
                todo.extend(items.into_iter().map(|(i, v)| (i.to_string(), format!("{path}.{i}"), v)));
            } else {
                for (k, v) in node.kids {
                    let child = if path.is_empty() { k.clone() } else { format!("{path}.{k}") };
                    todo.push((k, child, v));
                }
            }
            Ok(Built::Open(Open { key, is_array: array, todo: todo.into_iter(), built: Vec::new() }))
        }
    }
}

impl Open {
    fn finish(self) -> Value {
        if self.is_array {
            Value::Array(self.built.into_iter().map(|(_, v)| v).collect())
        } else {
            Value::Object(self.built.into_iter().collect())
        }
    }
}

/// The tree as a JSON value, depth first with a stack of its own (no recursion, however deep).
fn to_value(root: Node) -> TcResult<Value> {
    let mut stack = match open(String::new(), String::new(), root)? {
        Built::Leaf(v) => return Ok(v),
        Built::Open(o) => vec![o],
    };
    loop {
        let top = stack.last_mut().expect("the stack ends only by returning");
        match top.todo.next() {
            Some((key, path, node)) => match open(key.clone(), path, node)? {
                Built::Leaf(v) => top.built.push((key, v)),
                Built::Open(o) => stack.push(o),
            },
            None => {
                let mut done = stack.pop().expect("the top was just read");
                let key = std::mem::take(&mut done.key);
                let value = done.finish();
                match stack.last_mut() {
                    Some(parent) => parent.built.push((key, value)),
                    None => return Ok(value),
                }
            }
        }
    }
}

/// Fold flat `name=value` pairs into a tree. Numeric path segments index arrays. Names are held
/// to [`limits::MAX_DEPTH`] segments and a node to [`limits::MAX_ITEMS`] kids before anything is
/// built, and the tree is turned into JSON with an explicit stack, not recursion.
pub fn fold_flat(pairs: Vec<(String, String)>) -> TcResult<Map<String, Value>> {
    // No parameters at all is the empty object a `{}` body gives, not an empty array.
    if pairs.is_empty() {
        return Ok(Map::new());
    }
    if pairs.len() > limits::MAX_PARAMS {
        return Err(exceeded(Exceeded::new(Bound::Params, "")));
    }
    for (key, _) in &pairs {
        limits::check_flat_name(key).map_err(exceeded)?;
    }
    let mut root = Node::default();
    for (key, value) in pairs {
        let mut node = &mut root;
        for seg in key.split('.') {
            if seg.is_empty() {
                return Err(e::UnknownParameter(format!("The parameter `{key}` is not recognized.")));
            }
            if node.kids.len() >= limits::MAX_ITEMS && !node.kids.contains_key(seg) {
                return Err(exceeded(Exceeded::new(Bound::Items, &key)));
            }
            node = node.kids.entry(seg.to_string()).or_default();
        }
        if node.leaf.is_some() {
            return Err(e::InvalidParameter(format!("The parameter `{key}` is given more than once.")));
        }
        node.leaf = Some(value);
    }
    match to_value(root)? {
        Value::Object(m) => Ok(m),
        Value::Array(_) => Err(e::UnknownParameter("Parameter names must not be bare indexes.")),
        _ => Ok(Map::new()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pairs(s: &[(&str, &str)]) -> Vec<(String, String)> {
        s.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect()
    }

    #[test]
    fn flat_params_fold_into_the_json_shape() {
        let m = fold_flat(pairs(&[
            ("DiskIds.1", "b"),
            ("DiskIds.0", "a"),
            ("Filters.0.Name", "zone"),
            ("Filters.0.Values.0", "ap-guangzhou-3"),
            ("Placement.Zone", "z"),
            ("Limit", "10"),
        ]))
        .unwrap();
        assert_eq!(
            Value::Object(m),
            json!({"DiskIds": ["a", "b"], "Filters": [{"Name": "zone", "Values": ["ap-guangzhou-3"]}],
                   "Placement": {"Zone": "z"}, "Limit": "10"})
        );
    }

    #[test]
    fn no_parameters_fold_into_an_empty_object() {
        assert_eq!(fold_flat(vec![]).unwrap(), Map::new());
    }

    #[test]
    fn index_order_is_numeric_not_lexical() {
        let mut p = vec![];
        for i in 0..12 {
            p.push((format!("DiskIds.{i}"), format!("d{i}")));
        }
        let m = fold_flat(p).unwrap();
        assert_eq!(m["DiskIds"][2], json!("d2"));
        assert_eq!(m["DiskIds"][11], json!("d11"));
    }

    #[test]
    fn conflicting_flat_keys_are_rejected() {
        let err = fold_flat(pairs(&[("DiskIds", "x"), ("DiskIds.0", "y")])).unwrap_err();
        assert_eq!(err.code, "InvalidParameter");
        assert_eq!(fold_flat(pairs(&[("a..b", "x")])).unwrap_err().code, "UnknownParameter");
    }

    #[test]
    fn folding_needs_no_recursion_and_names_the_bound() {
        // The tree itself is folded with an explicit stack; the bound stops long names first.
        let deep = vec!["a"; limits::MAX_DEPTH].join(".");
        let m = fold_flat(pairs(&[(deep.as_str(), "1")])).unwrap();
        let mut v = &Value::Object(m);
        for _ in 0..limits::MAX_DEPTH {
            v = &v["a"];
        }
        assert_eq!(v, &json!("1"));
        let too_deep = vec!["a"; limits::MAX_DEPTH + 1].join(".");
        assert_eq!(fold_flat(pairs(&[(too_deep.as_str(), "1")])).unwrap_err().code, "UnknownParameter");
        let long = vec!["a"; 100_000].join(".");
        assert_eq!(fold_flat(pairs(&[(long.as_str(), "1")])).unwrap_err().code, "UnknownParameter");
        let wide: Vec<(String, String)> = (0..=limits::MAX_ITEMS).map(|i| (format!("Ids.{i}"), "x".into())).collect();
        assert_eq!(fold_flat(wide).unwrap_err().code, "InvalidParameterValue.LimitExceeded");
    }

    proptest::proptest! {
        #[test]
        fn folding_never_panics(keys in proptest::collection::vec("[A-Za-z0-9.]{0,12}", 0..8)) {
            let p: Vec<(String, String)> = keys.into_iter().map(|k| (k, "v".to_string())).collect();
            let _ = fold_flat(p);
        }
    }
}
