//! A parameter tree in a few allocations: every string in one text buffer, every value a small
//! node in one list. serde_json's `Value` allocates each string, list and object on its own: a
//! body of 100 disk IDs was ~107 allocations and as many frees; read this way, that page costs a
//! tenth fewer instructions (docs/performance.md, the sixteenth pass).
//!
//! A list's items and an object's entries sit side by side in the node list (an entry is two
//! nodes: its name, a `Str`, then its value), so a structure is its first node and its length.
//! Offsets are `u32`: a tree comes from a request whose size is bounded far below 4 GiB.

use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Node {
    Null,
    Bool(bool),
    Int(i64),
    /// An integer over `i64::MAX` (what serde_json keeps as a `u64`).
    Big(u64),
    Float(f64),
    /// Start and length in the tree's text.
    Str(u32, u32),
    /// First item and item count.
    Arr(u32, u32),
    /// First entry and entry count; an entry is two nodes.
    Obj(u32, u32),
}

/// A parameter tree as decoded, not yet checked against a schema.
#[derive(Debug, Clone)]
pub struct Tree {
    pub(super) text: String,
    pub(super) nodes: Vec<Node>,
    pub(super) root: Node,
}

impl Default for Tree {
    /// The empty object (no parameters).
    fn default() -> Tree {
        Tree { text: String::new(), nodes: Vec::new(), root: Node::Obj(0, 0) }
    }
}

impl Tree {
    /// A JSON body as a tree. The caller has bounded its depth and size
    /// ([`crate::core::limits::check_json`]); syntax errors are serde_json's, as its `Value` gives them.
    pub fn from_json(body: &[u8]) -> serde_json::Result<Tree> {
        // Strings take at most the body's bytes: the text grows no more.
        let mut b = Builder::with_capacity(body.len(), (body.len() / 16).min(1024));
        let mut de = serde_json::Deserializer::from_slice(body);
        let root = Seed(&mut b).deserialize(&mut de)?;
        de.end()?;
        Ok(b.finish(root))
    }

    /// A tree of a decoded object (flat names folded, or a gateway call's input).
    pub fn from_map(map: &Map<String, Value>) -> Tree {
        let mut b = Builder::with_capacity(0, 2 * map.len());
        let root = b.object(map);
        b.finish(root)
    }

    /// The tree as JSON, if it is an object.
    pub fn to_map(&self) -> Option<Map<String, Value>> {
        Object::of(self, self.root).map(|o| o.to_map())
    }

    pub fn is_object(&self) -> bool {
        matches!(self.root, Node::Obj(..))
    }
}

/// Builds a tree: a structure's items wait in `scratch` until it closes, then move to `nodes`
/// together (nested ones closed first, so they are never interleaved).
pub(super) struct Builder {
    pub(super) text: String,
    pub(super) nodes: Vec<Node>,
    pub(super) scratch: Vec<Node>,
}

impl Builder {
    pub(super) fn with_capacity(text: usize, nodes: usize) -> Builder {
        Builder {
            text: String::with_capacity(text),
            nodes: Vec::with_capacity(nodes),
            scratch: Vec::with_capacity(nodes),
        }
    }

    fn str(&mut self, s: &str) -> Node {
        let start = self.text.len() as u32;
        self.text.push_str(s);
        Node::Str(start, s.len() as u32)
    }

    /// Close the structure whose items (or entries' names and values) are `scratch[base..]`.
    pub(super) fn close(&mut self, base: usize, object: bool) -> Node {
        let first = self.nodes.len() as u32;
        let n = (self.scratch.len() - base) as u32;
        self.nodes.extend(self.scratch.drain(base..));
        if object {
            Node::Obj(first, n / 2)
        } else {
            Node::Arr(first, n)
        }
    }

    pub(super) fn finish(self, root: Node) -> Tree {
        Tree { text: self.text, nodes: self.nodes, root }
    }

    fn object(&mut self, map: &Map<String, Value>) -> Node {
        let base = self.scratch.len();
        for (name, value) in map {
            let (name, value) = (self.str(name), self.value(value));
            self.scratch.extend([name, value]);
        }
        self.close(base, true)
    }

    /// Recursion as deep as the value: it was bounded when it was decoded.
    fn value(&mut self, v: &Value) -> Node {
        match v {
            Value::Null => Node::Null,
            Value::Bool(b) => Node::Bool(*b),
            Value::Number(n) => number(n),
            Value::String(s) => self.str(s),
            Value::Array(items) => {
                let base = self.scratch.len();
                for item in items {
                    let node = self.value(item);
                    self.scratch.push(node);
                }
                self.close(base, false)
            }
            Value::Object(map) => self.object(map),
        }
    }
}

fn number(n: &serde_json::Number) -> Node {
    match (n.as_i64(), n.as_u64(), n.as_f64()) {
        (Some(i), _, _) => Node::Int(i),
        (None, Some(u), _) => Node::Big(u),
        (None, None, Some(f)) => Node::Float(f),
        _ => Node::Null,
    }
}

/// serde's view of a builder: decodes one value into it and answers its node.
struct Seed<'b>(&'b mut Builder);

impl<'de> DeserializeSeed<'de> for Seed<'_> {
    type Value = Node;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Node, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Seed<'_> {
    type Value = Node;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Node, E> {
        Ok(Node::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Node, E> {
        Ok(Node::Int(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Node, E> {
        Ok(i64::try_from(v).map_or(Node::Big(v), Node::Int))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Node, E> {
        // As `Value` does: a number that is not finite is null.
        Ok(if v.is_finite() { Node::Float(v) } else { Node::Null })
    }
    fn visit_str<E>(self, v: &str) -> Result<Node, E> {
        Ok(self.0.str(v))
    }
    fn visit_unit<E>(self) -> Result<Node, E> {
        Ok(Node::Null)
    }
    fn visit_none<E>(self) -> Result<Node, E> {
        Ok(Node::Null)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
        let base = self.0.scratch.len();
        while let Some(item) = seq.next_element_seed(Seed(&mut *self.0))? {
            self.0.scratch.push(item);
        }
        Ok(self.0.close(base, false))
    }
    /// A name given twice stays twice: readers take the last, as `Value`'s map keeps the last.
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
        let base = self.0.scratch.len();
        while let Some(name) = map.next_key_seed(Seed(&mut *self.0))? {
            let value = map.next_value_seed(Seed(&mut *self.0))?;
            self.0.scratch.extend([name, value]);
        }
        Ok(self.0.close(base, true))
    }
}

/// The string `node` is, in `text`.
pub(super) fn text_at(text: &str, node: Node) -> Option<&str> {
    match node {
        Node::Str(start, len) => text.get(start as usize..start as usize + len as usize),
        _ => None,
    }
}

/// The items of the list `node` (none if it is not one).
pub(super) fn items_at(nodes: &[Node], node: Node) -> &[Node] {
    match node {
        Node::Arr(first, n) => nodes.get(first as usize..first as usize + n as usize).unwrap_or_default(),
        _ => &[],
    }
}

/// The entries of the object `node`, two nodes each.
pub(super) fn entries_at(nodes: &[Node], node: Node) -> Option<&[Node]> {
    match node {
        Node::Obj(first, n) => nodes.get(first as usize..first as usize + 2 * n as usize),
        _ => None,
    }
}

/// A string in a spelling ([`Object::spell`]): its length, then its bytes.
pub fn spell_str(out: &mut Vec<u8>, s: &str) {
    spell_len(out, s.len());
    out.extend_from_slice(s.as_bytes());
}

/// A count in a spelling, fixed-width.
fn spell_len(out: &mut Vec<u8>, n: usize) {
    out.extend_from_slice(&(n as u64).to_le_bytes());
}

/// One object of a tree, read in place.
#[derive(Debug, Clone, Copy, Default)]
pub struct Object<'a> {
    text: &'a str,
    nodes: &'a [Node],
    entries: &'a [Node],
}

impl<'a> Object<'a> {
    pub(super) fn of(tree: &'a Tree, node: Node) -> Option<Object<'a>> {
        Object { text: &tree.text, nodes: &tree.nodes, entries: &[] }.sub(node)
    }

    fn items(&self, node: Node) -> &'a [Node] {
        items_at(self.nodes, node)
    }

    fn text_of(&self, node: Node) -> Option<&'a str> {
        text_at(self.text, node)
    }

    fn sub(&self, node: Node) -> Option<Object<'a>> {
        Some(Object { entries: entries_at(self.nodes, node)?, ..*self })
    }

    /// Each entry's name and value, in the order given.
    pub(super) fn entries(&self) -> impl Iterator<Item = (&'a str, Node)> + '_ {
        self.entries.chunks_exact(2).map(|e| (self.text_of(e[0]).unwrap_or_default(), e[1]))
    }

    /// The value named `k`; the last one when a name was given twice.
    pub(super) fn get(&self, k: &str) -> Option<Node> {
        self.entries.chunks_exact(2).rev().find(|e| self.text_of(e[0]) == Some(k)).map(|e| e[1])
    }

    pub fn has(&self, k: &str) -> bool {
        self.get(k).is_some()
    }
    pub fn str(&self, k: &str) -> Option<&'a str> {
        self.get(k).and_then(|n| self.text_of(n))
    }
    pub fn int(&self, k: &str) -> Option<i64> {
        match self.get(k)? {
            Node::Int(i) => Some(i),
            _ => None,
        }
    }
    pub fn float(&self, k: &str) -> Option<f64> {
        match self.get(k)? {
            Node::Int(i) => Some(i as f64),
            Node::Big(u) => Some(u as f64),
            Node::Float(f) => Some(f),
            _ => None,
        }
    }
    pub fn bool(&self, k: &str) -> Option<bool> {
        match self.get(k)? {
            Node::Bool(b) => Some(b),
            _ => None,
        }
    }
    pub fn strs(&self, k: &str) -> Vec<String> {
        self.str_items(k).into_iter().map(str::to_string).collect()
    }
    /// [`Object::strs`] without copying them: a 100-ID list is read once, where it is used.
    pub fn str_items(&self, k: &str) -> Vec<&'a str> {
        let items = self.get(k).map(|n| self.items(n)).unwrap_or_default();
        // Sized once: `collect` of a filter grows the list step by step.
        let mut out = Vec::with_capacity(items.len());
        out.extend(items.iter().filter_map(|n| self.text_of(*n)));
        out
    }
    pub fn ints(&self, k: &str) -> Vec<i64> {
        let items = self.get(k).map(|n| self.items(n)).unwrap_or_default();
        items.iter().filter_map(|n| if let Node::Int(i) = n { Some(*i) } else { None }).collect()
    }
    pub fn obj(&self, k: &str) -> Option<Object<'a>> {
        self.sub(self.get(k)?)
    }
    /// The objects of the list `k`.
    pub fn objs(&self, k: &str) -> Vec<Object<'a>> {
        let items = self.get(k).map(|n| self.items(n)).unwrap_or_default();
        items.iter().filter_map(|n| self.sub(*n)).collect()
    }

    /// The value named `k` as JSON (for a gateway route that hands it on).
    pub fn value(&self, k: &str) -> Option<Value> {
        self.get(k).map(|n| self.json_of(n))
    }

    /// The whole object as JSON (a gateway route hands its parameters to a Tencent action).
    pub fn to_map(&self) -> Map<String, Value> {
        self.entries().map(|(k, v)| (k.to_string(), self.json_of(v))).collect()
    }

    /// A spelling of the object: the same bytes for the same parameters, different ones for
    /// different parameters (a kept page's key). Each string and structure goes after its length,
    /// so nothing needs escaping (cheaper than JSON for a list of 100 IDs).
    pub fn spell(&self, out: &mut Vec<u8>) {
        spell_len(out, self.entries.len() / 2);
        for (name, value) in self.entries() {
            spell_str(out, name);
            self.spell_node(out, value);
        }
    }

    /// Recursion as deep as the tree, which was bounded when it was decoded.
    fn spell_node(&self, out: &mut Vec<u8>, node: Node) {
        match node {
            Node::Null => out.push(b'n'),
            Node::Bool(b) => out.push(if b { b't' } else { b'f' }),
            Node::Int(i) => {
                out.push(b'i');
                out.extend_from_slice(&i.to_le_bytes());
            }
            Node::Big(u) => {
                out.push(b'u');
                out.extend_from_slice(&u.to_le_bytes());
            }
            Node::Float(f) => {
                out.push(b'.');
                out.extend_from_slice(&f.to_bits().to_le_bytes());
            }
            Node::Str(..) => {
                out.push(b's');
                spell_str(out, self.text_of(node).unwrap_or_default());
            }
            Node::Arr(..) => {
                let items = self.items(node);
                out.push(b'[');
                spell_len(out, items.len());
                items.iter().for_each(|item| self.spell_node(out, *item));
            }
            Node::Obj(..) => {
                out.push(b'{');
                match self.sub(node) {
                    Some(o) => o.spell(out),
                    None => spell_len(out, 0),
                }
            }
        }
    }

    /// Recursion as deep as the tree, which was bounded when it was decoded.
    fn json_of(&self, node: Node) -> Value {
        match node {
            Node::Null => Value::Null,
            Node::Bool(b) => Value::Bool(b),
            Node::Int(i) => Value::from(i),
            Node::Big(u) => Value::from(u),
            Node::Float(f) => serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number),
            Node::Str(..) => Value::String(self.text_of(node).unwrap_or_default().to_string()),
            Node::Arr(..) => Value::Array(self.items(node).iter().map(|n| self.json_of(*n)).collect()),
            Node::Obj(..) => Value::Object(self.sub(node).map(|o| o.to_map()).unwrap_or_default()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// `v` written as JSON, then read back through a tree, and through serde_json's `Value`.
    fn round_trip(v: &Value) -> (Value, Value) {
        let body = serde_json::to_vec(v).unwrap();
        let tree = Tree::from_json(&body).unwrap();
        let Node::Obj(..) = tree.root else { panic!("not an object") };
        (Value::Object(Object::of(&tree, tree.root).unwrap().to_map()), serde_json::from_slice(&body).unwrap())
    }

    #[test]
    fn a_body_reads_back_as_its_json() {
        let v = json!({"DiskIds": ["a", "b\"c", "é"], "Limit": 20, "Neg": -3, "Big": 18_446_744_073_709_551_615u64,
                       "F": 1.5, "T": true, "N": null, "Filters": [{"Name": "zone", "Values": ["x", []]}], "E": {}});
        assert_eq!(round_trip(&v), (v.clone(), v));
        let tree = Tree::from_json(br#"{"a": [1, {"b": ["c"]}], "d": "e"}"#).unwrap();
        let root = Object::of(&tree, tree.root).unwrap();
        assert_eq!(root.str("d"), Some("e"));
        assert_eq!(root.objs("a")[0].str_items("b"), vec!["c"]);
        assert_eq!(tree.text, "abcde", "every string, names too, in one buffer");
    }

    #[test]
    fn a_name_given_twice_reads_as_its_last_value() {
        let tree = Tree::from_json(br#"{"Limit": 1, "Limit": 2}"#).unwrap();
        assert_eq!(Object::of(&tree, tree.root).unwrap().int("Limit"), Some(2));
        let value: Value = serde_json::from_slice(br#"{"Limit": 1, "Limit": 2}"#).unwrap();
        assert_eq!(value["Limit"], json!(2), "as serde_json's own map");
    }

    #[test]
    fn syntax_errors_are_those_of_serde_json() {
        for bad in [&b"{"[..], b"{\"a\":}", b"{} x", b"[1,]", b"\"\\ud800\"", b"01"] {
            let theirs = serde_json::from_slice::<Value>(bad).unwrap_err().to_string();
            assert_eq!(Tree::from_json(bad).unwrap_err().to_string(), theirs, "{:?}", String::from_utf8_lossy(bad));
        }
    }

    proptest::proptest! {
        /// Any JSON object reads back through a tree as through serde_json's `Value` (which
        /// may round a float's last digit differently from the one written).
        #[test]
        fn any_object_round_trips(v in json_object()) {
            let (tree, value) = round_trip(&v);
            proptest::prop_assert_eq!(tree, value);
        }
    }

    fn json_object() -> impl proptest::strategy::Strategy<Value = Value> {
        use proptest::prelude::*;
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            any::<u64>().prop_map(Value::from),
            (-1e9f64..1e9).prop_map(Value::from),
            ".{0,8}".prop_map(Value::from),
        ];
        let tree = leaf.prop_recursive(4, 32, 6, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                proptest::collection::btree_map("[A-Za-z]{1,6}", inner, 0..6)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        });
        proptest::collection::btree_map("[A-Za-z]{1,6}", tree, 0..6)
            .prop_map(|m| Value::Object(m.into_iter().collect()))
    }
}
