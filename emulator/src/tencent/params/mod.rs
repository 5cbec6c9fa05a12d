//! Action parameters: one JSON object tree whatever the transport. JSON bodies arrive as trees;
//! query strings and forms (`DiskIds.0=a&Filters.0.Values.1=b&Placement.Zone=z`) are folded into
//! the same tree. A per-action schema then checks names (UnknownParameter), presence
//! (MissingParameter) and types (InvalidParameterValue), coercing the string-typed numbers and
//! booleans that the documentation's own examples send (`"DiskSize": "200"`, `"IsPermanent": "TRUE"`).

use std::sync::OnceLock;

use serde_json::{Map, Value};

use super::error::{self as e, TcResult};
use crate::core::limits::{Bound, Exceeded};

mod flat;
mod tree;
pub use flat::fold_flat;
pub use tree::{spell_str, Object, Tree};
use tree::{Builder, Node};

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

/// Checks a decoded tree against a schema into a new node list over the same text: a checked
/// string is the decoded one, not a copy.
struct Checker<'t> {
    text: &'t str,
    input: &'t [Node],
    out: Builder,
}

impl Checker<'_> {
    /// `v` as `ty` wants it. `path` spells the parameter's path (`Filters.0.Values.1`) for an
    /// error message only: a list of 100 IDs would otherwise format 100 paths that are never read.
    fn coerce(&mut self, path: &dyn Fn() -> String, ty: &Ty, v: Node) -> TcResult<Node> {
        let buf = self.text;
        let text = |n| tree::text_at(buf, n).unwrap_or_default();
        match (ty, v) {
            (Ty::Str, Node::Str(..)) => Ok(v),
            (Ty::Int, Node::Int(_)) => Ok(v),
            (Ty::Int, Node::Big(_)) => {
                Err(e::InvalidParameterValue(format!("The value of `{}` is out of range.", path())))
            }
            (Ty::Int, Node::Str(..)) => text(v).trim().parse::<i64>().map(Node::Int).map_err(|_| bad_type(&path(), ty)),
            (Ty::Float, Node::Int(_) | Node::Big(_) | Node::Float(_)) => Ok(v),
            (Ty::Float, Node::Str(..)) => text(v)
                .trim()
                .parse::<f64>()
                .ok()
                .filter(|f| f.is_finite())
                .map(Node::Float)
                .ok_or_else(|| bad_type(&path(), ty)),
            (Ty::Bool, Node::Bool(_)) => Ok(v),
            (Ty::Bool, Node::Str(..)) if text(v).eq_ignore_ascii_case("true") => Ok(Node::Bool(true)),
            (Ty::Bool, Node::Str(..)) if text(v).eq_ignore_ascii_case("false") => Ok(Node::Bool(false)),
            (Ty::Arr(inner), Node::Arr(..)) => {
                let base = self.out.scratch.len();
                for (i, item) in tree::items_at(self.input, v).iter().enumerate() {
                    if matches!((&**inner, item), (Ty::Str, Node::Str(..))) {
                        self.out.scratch.push(*item);
                        continue;
                    }
                    let at = || format!("{}.{i}", path());
                    if *item == Node::Null {
                        return Err(bad_type(&at(), inner));
                    }
                    let checked = self.coerce(&at, inner, *item)?;
                    self.out.scratch.push(checked);
                }
                Ok(self.out.close(base, false))
            }
            (Ty::Obj(fields), Node::Obj(..)) => self.check(&path(), fields, v),
            _ => Err(bad_type(&path(), ty)),
        }
    }

    fn check(&mut self, prefix: &str, fields: &[Field], object: Node) -> TcResult<Node> {
        let join = |name: &str| {
            if prefix.is_empty() {
                name.to_string()
            } else {
                format!("{prefix}.{name}")
            }
        };
        let entries = tree::entries_at(self.input, object).unwrap_or_default();
        let name_of = |entry: &[Node]| tree::text_at(self.text, entry[0]).unwrap_or_default();
        // A request names a few of a schema's dozen fields, so finding each field among them by
        // name is cheaper than a hash lookup of every field.
        if let Some(entry) = entries.chunks_exact(2).find(|e| !fields.iter().any(|f| f.name == name_of(e))) {
            return Err(e::UnknownParameter(format!("The parameter `{}` is not recognized.", join(name_of(entry)))));
        }
        let base = self.out.scratch.len();
        for f in fields {
            // The SDKs drop unset fields; an explicit JSON null means the same thing. A name given
            // twice counts as its last value. The field's path is only spelled out for a field
            // given or missing (a schema has a dozen).
            let given = entries.chunks_exact(2).rev().find(|e| name_of(e) == f.name).filter(|e| e[1] != Node::Null);
            match given {
                None if f.required => {
                    let path = join(f.name);
                    return Err(e::MissingParameter(format!("The request is missing a required parameter `{path}`.")));
                }
                None => {}
                Some(entry) => {
                    let v = self.coerce(&|| join(f.name), &f.ty, entry[1])?;
                    if f.required && matches!(v, Node::Arr(_, 0)) {
                        let path = join(f.name);
                        return Err(e::MissingParameter(format!(
                            "The request is missing a required parameter `{path}`."
                        )));
                    }
                    self.out.scratch.extend([entry[0], v]);
                }
            }
        }
        Ok(self.out.close(base, true))
    }
}

/// Checked, coerced parameters of one action: only the schema's fields, each once, none null.
/// With their spelling for a kept page's key (core/kept.rs), made the first time it is asked:
/// parameters kept by their letter (core/letters.rs) are spelled once for every request.
#[derive(Debug, Clone, Default)]
pub struct Params(Tree, OnceLock<Box<[u8]>>);

impl Params {
    /// `input` checked against `schema`.
    pub fn check(schema: &[Field], input: Tree) -> TcResult<Params> {
        let mut checker =
            Checker { text: &input.text, input: &input.nodes, out: Builder::with_capacity(0, input.nodes.len()) };
        let root = checker.check("", schema, input.root)?;
        let nodes = checker.out.finish(root).nodes;
        Ok(Params(Tree { text: input.text, nodes, root }, OnceLock::new()))
    }

    /// [`Params::check`] of a decoded object (folded flat names, a gateway call's input).
    pub fn parse(schema: &[Field], input: Map<String, Value>) -> TcResult<Params> {
        Self::check(schema, Tree::from_map(&input))
    }

    /// Parameters taken as given, unchecked (tests).
    #[cfg(test)]
    pub fn unchecked(input: &Map<String, Value>) -> Params {
        Params(Tree::from_map(input), OnceLock::new())
    }

    /// The parameters as an object to read.
    pub fn root(&self) -> Object<'_> {
        Object::of(&self.0, self.0.root).unwrap_or_default()
    }

    /// The root object's spelling (`Object::spell`): two spellings are equal only when the
    /// parameters are.
    pub fn spelling(&self) -> &[u8] {
        self.1.get_or_init(|| {
            let mut out = Vec::new();
            self.root().spell(&mut out);
            out.into()
        })
    }

    // The root's readers, by the names handlers use. An `Object` is a view made on demand, not a
    // field, so `Deref` cannot hand it out.
    pub fn has(&self, k: &str) -> bool {
        self.root().has(k)
    }
    pub fn str(&self, k: &str) -> Option<&str> {
        self.root().str(k)
    }
    pub fn int(&self, k: &str) -> Option<i64> {
        self.root().int(k)
    }
    pub fn float(&self, k: &str) -> Option<f64> {
        self.root().float(k)
    }
    pub fn bool(&self, k: &str) -> Option<bool> {
        self.root().bool(k)
    }
    pub fn strs(&self, k: &str) -> Vec<String> {
        self.root().strs(k)
    }
    pub fn str_items(&self, k: &str) -> Vec<&str> {
        self.root().str_items(k)
    }
    pub fn ints(&self, k: &str) -> Vec<i64> {
        self.root().ints(k)
    }
    pub fn obj(&self, k: &str) -> Option<Object<'_>> {
        self.root().obj(k)
    }
    pub fn objs(&self, k: &str) -> Vec<Object<'_>> {
        self.root().objs(k)
    }
    pub fn value(&self, k: &str) -> Option<Value> {
        self.root().value(k)
    }
    pub fn to_map(&self) -> Map<String, Value> {
        self.root().to_map()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

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
    fn a_name_given_twice_counts_as_its_last_value() {
        let body = br#"{"DiskIds": ["a"], "Limit": "ten", "Limit": "20", "Flag": true, "Flag": null}"#;
        let p = Params::check(SCHEMA, Tree::from_json(body).unwrap()).unwrap();
        assert_eq!((p.int("Limit"), p.has("Flag")), (Some(20), false));
        assert_eq!(p.to_map(), json!({"DiskIds": ["a"], "Limit": 20}).as_object().unwrap().clone());
    }

    mod decoders {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            /// A body checked as it is decoded from its bytes answers what the same body checked
            /// from serde_json's `Value` answers: the same parameters or the same error.
            #[test]
            fn bytes_and_values_check_alike(
                ids in proptest::collection::vec(proptest::option::of("[a-z]{0,3}"), 0..3),
                limit in proptest::option::of(prop_oneof![
                    Just(json!(null)), (-3i64..3).prop_map(Value::from),
                    "[0-9a ]{0,3}".prop_map(Value::from), Just(json!(1.5)),
                    Just(json!(u64::MAX))]),
                flag in proptest::option::of(prop_oneof![
                    Just(json!(true)), "(?i)true|false|yes".prop_map(Value::from)]),
                zone in proptest::option::of(proptest::option::of("[a-z]{0,2}")),
                extra in proptest::option::of("[A-Z][a-z]{0,3}"),
            ) {
                let mut m = Map::new();
                if !ids.is_empty() {
                    m.insert("DiskIds".into(), Value::Array(ids.into_iter().map(|i| i.map_or(Value::Null, Value::from)).collect()));
                }
                if let Some(l) = limit { m.insert("Limit".into(), l); }
                if let Some(f) = flag { m.insert("Flag".into(), f); }
                if let Some(z) = zone { m.insert("Placement".into(), json!({"Zone": z})); }
                if let Some(x) = extra { m.insert(x, json!(1)); }
                let body = serde_json::to_vec(&m).unwrap();
                let from_bytes = Params::check(SCHEMA, Tree::from_json(&body).unwrap());
                let from_value = Params::parse(SCHEMA, m);
                match (from_bytes, from_value) {
                    (Ok(a), Ok(b)) => proptest::prop_assert_eq!(a.to_map(), b.to_map()),
                    (Err(a), Err(b)) => proptest::prop_assert_eq!((a.code, a.message), (b.code, b.message)),
                    (a, b) => proptest::prop_assert!(false, "{:?} against {:?}", a.map(|p| p.to_map()), b.map(|p| p.to_map())),
                }
            }
        }
    }
}
