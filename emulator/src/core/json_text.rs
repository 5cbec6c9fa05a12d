//! A JSON value kept as its compact text rather than as a `Value` tree. A tree with
//! `preserve_order` costs an index map (a hash table and an entry vector) per object: a Huawei
//! backup's metadata and its task's `extra_info` were ~2.9 KB of heap per backup that way
//! (docs/performance.md, "Memory per resource"); the same values as text are ~300 bytes.
//! It serializes as the JSON it holds, so a stored world reads the same either way; the few
//! readers that look inside parse it back (`value`).

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::value::RawValue;
use serde_json::Value;

#[derive(Clone, Debug)]
pub struct JsonText(Box<RawValue>);

impl JsonText {
    /// The value's compact text (as `serde_json::to_string` writes it).
    pub fn new(v: &Value) -> Self {
        JsonText(serde_json::value::to_raw_value(v).expect("a Value always serializes"))
    }

    /// The value, parsed back from its text.
    pub fn value(&self) -> Value {
        serde_json::from_str(self.0.get()).expect("the kept text is JSON")
    }

    pub fn text(&self) -> &str {
        self.0.get()
    }
}

impl From<Value> for JsonText {
    fn from(v: Value) -> Self {
        JsonText::new(&v)
    }
}

impl PartialEq for JsonText {
    fn eq(&self, other: &Self) -> bool {
        self.text() == other.text()
    }
}

impl Serialize for JsonText {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

/// Read through a `Value`: any deserializer can give one (a state import reads from a `Value`,
/// where a raw value cannot be taken), and the text kept is compact whatever the input's spacing.
impl<'de> Deserialize<'de> for JsonText {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Value::deserialize(d).map(|v| JsonText::new(&v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn writes_what_the_value_writes_and_reads_back_the_same() {
        let v = json!({"server": null, "volumes": [{"id": "v1", "size": 10, "bootable": "true"}], "flavor": null, "backups": []});
        let t = JsonText::new(&v);
        assert_eq!(serde_json::to_string(&t).unwrap(), serde_json::to_string(&v).unwrap());
        assert_eq!(t.value(), v);
        // Key order survives (the answers list keys as they were made).
        assert_eq!(
            t.text(),
            r#"{"server":null,"volumes":[{"id":"v1","size":10,"bootable":"true"}],"flavor":null,"backups":[]}"#
        );
        let spaced = "{ \"b\" : 1,\n \"a\": [ ] }";
        let back: JsonText = serde_json::from_str(spaced).unwrap();
        assert_eq!(back.text(), r#"{"b":1,"a":[]}"#);
        let via_value: JsonText = serde_json::from_value(json!({"b": 1})).unwrap();
        assert_eq!(via_value.text(), r#"{"b":1}"#);
        assert_eq!(serde_json::to_value(&t).unwrap(), v);
    }
}
