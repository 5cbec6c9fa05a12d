//! Action parameters: one JSON object tree whatever the transport. JSON bodies arrive as trees;
//! query strings and forms (`DiskIds.0=a&Filters.0.Values.1=b&Placement.Zone=z`) are folded into
//! the same tree. A per-action schema then checks names (UnknownParameter), presence
//! (MissingParameter) and types (InvalidParameterValue), coercing the string-typed numbers and
//! booleans that the documentation's own examples send (`"DiskSize": "200"`, `"IsPermanent": "TRUE"`).

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::error::{self as e, TcResult};
use crate::core::limits::{self, Bound, Exceeded};

#[derive(Debug, Clone, Copy)]
pub enum Ty {
    Str,
    Int,
    Bool,
    Float,
    Obj(&'static [Field]),
    Arr(&'static Ty),
}

#[derive(Debug, Clone, Copy)]
pub struct Field {
    pub name: &'static str,
    pub ty: Ty,
    pub required: bool,
}

pub const fn req(name: &'static str, ty: Ty) -> Field {
    Field { name, ty, required: true }
}
pub const fn opt(name: &'static str, ty: Ty) -> Field {
    Field { name, ty, required: false }
}

pub const STR: Ty = Ty::Str;
pub const INT: Ty = Ty::Int;
pub const BOOL: Ty = Ty::Bool;
pub const FLOAT: Ty = Ty::Float;
pub const STRS: Ty = Ty::Arr(&Ty::Str);
pub const INTS: Ty = Ty::Arr(&Ty::Int);

/// `Filter` (Name + Values), shared by every Describe action.
pub const FILTER: &[Field] = &[req("Name", STR), req("Values", STRS)];
pub const FILTERS: Ty = Ty::Arr(&Ty::Obj(FILTER));
/// `Tag` (Key + Value).
pub const TAG: &[Field] = &[req("Key", STR), req("Value", STR)];
pub const TAGS: Ty = Ty::Arr(&Ty::Obj(TAG));

/// A request over one of the bounds in [`crate::core::limits`], as the Tencent error that fits it.
pub fn exceeded(err: Exceeded) -> crate::tencent::error::TcError {
    let msg = err.to_string();
    match err.bound {
        // No documented parameter has such a name.
        Bound::Depth | Bound::NameBytes if !err.name.is_empty() => e::UnknownParameter(msg),
        Bound::Depth | Bound::NameBytes => e::InvalidParameter(msg),
        Bound::Params => e::RequestSizeLimitExceeded(msg),
        Bound::Items => e::InvalidParameterValue_LimitExceeded(msg),
        Bound::ValueBytes => e::InvalidParameterValue(msg),
    }
}

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

fn type_name(ty: &Ty) -> &'static str {
    match ty {
        Ty::Str => "String",
        Ty::Int => "Integer",
        Ty::Bool => "Boolean",
        Ty::Float => "Float",
        Ty::Obj(_) => "Object",
        Ty::Arr(_) => "Array",
    }
}

fn bad_type(path: &str, ty: &Ty) -> crate::tencent::error::TcError {
    e::InvalidParameterValue(format!("The value type of parameter `{path}` is invalid; expected {}.", type_name(ty)))
}

/// `v` as `ty` wants it. `path` spells the parameter's path (`Filters.0.Values.1`) for an error
/// message only: a list of 100 IDs would otherwise format 100 paths that are never read.
fn coerce(path: &dyn Fn() -> String, ty: &Ty, v: Value) -> TcResult<Value> {
    match ty {
        Ty::Str => match v {
            Value::String(_) => Ok(v),
            _ => Err(bad_type(&path(), ty)),
        },
        Ty::Int => match &v {
            Value::Number(n) if n.is_i64() => Ok(v),
            Value::Number(n) if n.is_u64() => {
                Err(e::InvalidParameterValue(format!("The value of `{}` is out of range.", path())))
            }
            Value::String(s) => s.trim().parse::<i64>().map(Value::from).map_err(|_| bad_type(&path(), ty)),
            _ => Err(bad_type(&path(), ty)),
        },
        Ty::Float => match &v {
            Value::Number(_) => Ok(v),
            Value::String(s) => s
                .trim()
                .parse::<f64>()
                .ok()
                .filter(|f| f.is_finite())
                .and_then(serde_json::Number::from_f64)
                .map(Value::Number)
                .ok_or_else(|| bad_type(&path(), ty)),
            _ => Err(bad_type(&path(), ty)),
        },
        Ty::Bool => match &v {
            Value::Bool(_) => Ok(v),
            Value::String(s) if s.eq_ignore_ascii_case("true") => Ok(Value::Bool(true)),
            Value::String(s) if s.eq_ignore_ascii_case("false") => Ok(Value::Bool(false)),
            _ => Err(bad_type(&path(), ty)),
        },
        Ty::Arr(inner) => match v {
            Value::Array(mut items) => {
                // In place: a list of 100 IDs is checked, not copied.
                for (i, item) in items.iter_mut().enumerate() {
                    if matches!((&**inner, &*item), (Ty::Str, Value::String(_))) {
                        continue;
                    }
                    let at = || format!("{}.{i}", path());
                    if item.is_null() {
                        return Err(bad_type(&at(), inner));
                    }
                    *item = coerce(&at, inner, std::mem::take(item))?;
                }
                Ok(Value::Array(items))
            }
            _ => Err(bad_type(&path(), ty)),
        },
        Ty::Obj(fields) => match v {
            Value::Object(map) => Ok(Value::Object(check(&path(), fields, map)?)),
            _ => Err(bad_type(&path(), ty)),
        },
    }
}

fn check(prefix: &str, fields: &[Field], input: Map<String, Value>) -> TcResult<Map<String, Value>> {
    let join = |name: &str| {
        if prefix.is_empty() {
            name.to_string()
        } else {
            format!("{prefix}.{name}")
        }
    };
    // The given entries as a list: a request names a few of a schema's dozen fields, so finding
    // each field among them by name is cheaper than a hash lookup of every field, and each
    // entry's own name goes into the checked map (no new string for it).
    let mut given: Vec<(String, Value)> = input.into_iter().collect();
    if let Some((key, _)) = given.iter().find(|(k, _)| !fields.iter().any(|f| f.name == k)) {
        return Err(e::UnknownParameter(format!("The parameter `{}` is not recognized.", join(key))));
    }
    let mut out = Map::with_capacity(given.len());
    for f in fields {
        // The SDKs drop unset fields; an explicit JSON null means the same thing. The field's
        // path is only spelled out for a field given or missing (a schema has a dozen).
        let at = given.iter().position(|(k, _)| k == f.name);
        match at.map(|i| given.swap_remove(i)).filter(|(_, v)| !v.is_null()) {
            None if f.required => {
                let path = join(f.name);
                return Err(e::MissingParameter(format!("The request is missing a required parameter `{path}`.")));
            }
            None => {}
            Some((name, v)) => {
                let v = coerce(&|| join(f.name), &f.ty, v)?;
                if f.required && matches!(&v, Value::Array(a) if a.is_empty()) {
                    let path = join(f.name);
                    return Err(e::MissingParameter(format!("The request is missing a required parameter `{path}`.")));
                }
                out.insert(name, v);
            }
        }
    }
    Ok(out)
}

/// Checked, coerced parameters of one action.
#[derive(Debug, Clone, Default)]
pub struct Params(pub Map<String, Value>);

impl Params {
    pub fn parse(schema: &[Field], input: Map<String, Value>) -> TcResult<Params> {
        check("", schema, input).map(Params)
    }

    pub fn has(&self, k: &str) -> bool {
        self.0.contains_key(k)
    }
    pub fn str(&self, k: &str) -> Option<&str> {
        self.0.get(k).and_then(Value::as_str)
    }
    pub fn int(&self, k: &str) -> Option<i64> {
        self.0.get(k).and_then(Value::as_i64)
    }
    pub fn float(&self, k: &str) -> Option<f64> {
        self.0.get(k).and_then(Value::as_f64)
    }
    pub fn bool(&self, k: &str) -> Option<bool> {
        self.0.get(k).and_then(Value::as_bool)
    }
    pub fn strs(&self, k: &str) -> Vec<String> {
        match self.0.get(k) {
            Some(Value::Array(a)) => a.iter().filter_map(|v| v.as_str().map(str::to_string)).collect(),
            _ => vec![],
        }
    }
    /// [`Params::strs`] without copying them: a 100-ID list is read once, where it is used.
    pub fn str_items(&self, k: &str) -> Vec<&str> {
        match self.0.get(k) {
            Some(Value::Array(a)) => {
                // Sized once: `collect` of a filter grows the list step by step.
                let mut items = Vec::with_capacity(a.len());
                items.extend(a.iter().filter_map(Value::as_str));
                items
            }
            _ => vec![],
        }
    }
    pub fn ints(&self, k: &str) -> Vec<i64> {
        match self.0.get(k) {
            Some(Value::Array(a)) => a.iter().filter_map(Value::as_i64).collect(),
            _ => vec![],
        }
    }
    pub fn obj(&self, k: &str) -> Option<Params> {
        self.0.get(k).and_then(Value::as_object).map(|m| Params(m.clone()))
    }
    /// The objects of the list `k`, read where they are ([`Params::objs`] copies each).
    pub fn obj_items(&self, k: &str) -> impl Iterator<Item = &Map<String, Value>> {
        self.0.get(k).and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_object)
    }
    pub fn objs(&self, k: &str) -> Vec<Params> {
        match self.0.get(k) {
            Some(Value::Array(a)) => a.iter().filter_map(|v| v.as_object().map(|m| Params(m.clone()))).collect(),
            _ => vec![],
        }
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

    const SCHEMA: &[Field] = &[
        req("DiskIds", STRS),
        opt("Limit", INT),
        opt("Flag", BOOL),
        opt("Placement", Ty::Obj(&[req("Zone", STR), opt("ProjectId", INT)])),
    ];

    fn parse(v: Value) -> TcResult<Params> {
        Params::parse(SCHEMA, v.as_object().unwrap().clone())
    }

    #[test]
    fn schema_coerces_documented_string_forms() {
        let p = parse(
            json!({"DiskIds": ["a"], "Limit": "20", "Flag": "TRUE", "Placement": {"Zone": "z", "ProjectId": "0"}}),
        )
        .unwrap();
        assert_eq!(p.int("Limit"), Some(20));
        assert_eq!(p.bool("Flag"), Some(true));
        assert_eq!(p.obj("Placement").unwrap().int("ProjectId"), Some(0));
    }

    #[test]
    fn schema_errors_carry_the_documented_codes() {
        assert_eq!(parse(json!({})).unwrap_err().code, "MissingParameter");
        assert_eq!(parse(json!({"DiskIds": []})).unwrap_err().code, "MissingParameter");
        assert_eq!(parse(json!({"DiskIds": ["a"], "Nope": 1})).unwrap_err().code, "UnknownParameter");
        let err = parse(json!({"DiskIds": ["a"], "Placement": {"Zone": "z", "Cage": 1}})).unwrap_err();
        assert_eq!((err.code, err.message.contains("Placement.Cage")), ("UnknownParameter", true));
        assert_eq!(parse(json!({"DiskIds": ["a"], "Limit": "ten"})).unwrap_err().code, "InvalidParameterValue");
        assert_eq!(parse(json!({"DiskIds": ["a"], "Limit": 1.5})).unwrap_err().code, "InvalidParameterValue");
        assert_eq!(parse(json!({"DiskIds": "a"})).unwrap_err().code, "InvalidParameterValue");
        assert_eq!(parse(json!({"DiskIds": [1]})).unwrap_err().code, "InvalidParameterValue");
        assert_eq!(parse(json!({"DiskIds": ["a"], "Flag": "yes"})).unwrap_err().code, "InvalidParameterValue");
    }

    #[test]
    fn an_error_names_the_full_path_of_the_value() {
        const NESTED: &[Field] = &[opt("Filters", Ty::Arr(&Ty::Obj(&[req("Name", STR), opt("Values", STRS)])))];
        let bad = |v: Value| Params::parse(NESTED, v.as_object().unwrap().clone()).unwrap_err().message;
        let third = json!({"Filters": [{"Name": "a"}, {"Name": "b", "Values": ["x", "y", 3]}]});
        assert_eq!(bad(third), "The value type of parameter `Filters.1.Values.2` is invalid; expected String.");
        let null = json!({"Filters": [{"Name": "a", "Values": [null]}]});
        assert_eq!(bad(null), "The value type of parameter `Filters.0.Values.0` is invalid; expected String.");
        let unknown = json!({"Filters": [{"Name": "a"}, {"Name": "b", "Value": []}]});
        assert_eq!(bad(unknown), "The parameter `Filters.1.Value` is not recognized.");
        let missing = json!({"Filters": [{"Values": []}]});
        assert_eq!(bad(missing), "The request is missing a required parameter `Filters.0.Name`.");
        let big = parse(json!({"DiskIds": ["a"], "Limit": 18_446_744_073_709_551_615u64})).unwrap_err().message;
        assert_eq!(big, "The value of `Limit` is out of range.");
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
