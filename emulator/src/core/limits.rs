//! Every bound the twin puts on what a client sends, in one place (docs/limits.md lists them with
//! their sources). The size of a body is the first bound; the rest are checked on the raw bytes
//! before any tree, map or list is built from them, so a hostile request costs one linear scan
//! that stops at the first breach: no deep recursion when building or dropping, no million-entry
//! map to sign. Each surface turns a breach into its own documented error.

use std::fmt;

/// "The size of a GET request packet is up to 32 KB." (Tencent, API 3.0 common doc)
pub const TENCENT_GET_BYTES: usize = 32 * 1024;
/// "up to 1 MB when the HmacSHA1 or HmacSHA256 signature algorithm is used"
pub const TENCENT_V1_POST_BYTES: usize = 1024 * 1024;
/// "and up to 10 MB when TC3-HMAC-SHA256 is used"
pub const TENCENT_TC3_POST_BYTES: usize = 10 * 1024 * 1024;
/// Huawei API gateway: AK/SK-signed requests carry at most 12 MB of body.
pub const HUAWEI_AKSK_BODY_BYTES: usize = 12 * 1024 * 1024;
/// Huawei with a token: the doc names no bound; the twin's choice.
pub const HUAWEI_TOKEN_BODY_BYTES: usize = 64 * 1024 * 1024;
/// Request bodies buffered at once, all requests together, beyond each body's free first 64 KiB
/// (config `edge.body_budget`): concurrency cannot multiply memory. The twin's choice.
pub const BODY_BUDGET_BYTES: usize = 128 * 1024 * 1024;
/// How long a body waits for that budget before it is answered "busy" (config
/// `edge.body_wait_ms`). The twin's choice.
pub const BODY_WAIT_MS: u64 = 10_000;

/// Nesting of JSON arrays and objects, and segments of a dotted flat name
/// (`Filters.0.Values.1` is 4). The deepest documented request is 5 levels; the twin's choice.
/// (serde_json itself stops at 128; this bound is checked first.)
pub const MAX_DEPTH: usize = 32;
/// Values in one request: flat `name=value` pairs, or JSON values of any kind. The twin's choice,
/// far above any documented request (100 IDs, 10 filters of 5 values, 256 resources).
pub const MAX_PARAMS: usize = 10_000;
/// Items of one JSON array or members of one object, and items of one flat array
/// (`DiskIds.N`, a Filter's `Values.N` too). The largest documented list is 256; the twin's choice.
pub const MAX_ITEMS: usize = 1_000;
/// Bytes of one parameter name or JSON object key. The twin's choice.
pub const MAX_NAME_BYTES: usize = 256;
/// Bytes of one string value (as sent, before unescaping). The longest documented text field is
/// 255 characters; the twin's choice.
pub const MAX_VALUE_BYTES: usize = 64 * 1024;

/// Which bound a request broke.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bound {
    Depth,
    Params,
    Items,
    NameBytes,
    ValueBytes,
}

/// The bounds a JSON scan applies; [`BOUNDS`] are the twin's (tests use small ones).
#[derive(Debug, Clone, Copy)]
pub struct Bounds {
    pub depth: usize,
    pub params: usize,
    pub items: usize,
    pub name_bytes: usize,
    pub value_bytes: usize,
}

pub const BOUNDS: Bounds = Bounds {
    depth: MAX_DEPTH,
    params: MAX_PARAMS,
    items: MAX_ITEMS,
    name_bytes: MAX_NAME_BYTES,
    value_bytes: MAX_VALUE_BYTES,
};

impl Bounds {
    fn of(&self, bound: Bound) -> usize {
        match bound {
            Bound::Depth => self.depth,
            Bound::Params => self.params,
            Bound::Items => self.items,
            Bound::NameBytes => self.name_bytes,
            Bound::ValueBytes => self.value_bytes,
        }
    }
}

/// A breach: which bound, its value, and the start of the name it happened at (if any).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exceeded {
    pub bound: Bound,
    pub limit: usize,
    pub name: String,
}

impl Exceeded {
    /// A breach of the twin's own bound.
    pub fn new(bound: Bound, name: &str) -> Exceeded {
        Exceeded::of(&BOUNDS, bound, name)
    }

    fn of(bounds: &Bounds, bound: Bound, name: &str) -> Exceeded {
        // A name can be the oversized thing itself: keep a readable head.
        let mut end = name.len().min(64);
        while !name.is_char_boundary(end) {
            end -= 1;
        }
        let mut head = name[..end].to_string();
        if end < name.len() {
            head.push('…');
        }
        Exceeded { bound, limit: bounds.of(bound), name: head }
    }
}

impl fmt::Display for Exceeded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let at = if self.name.is_empty() { String::new() } else { format!(" (at `{}`)", self.name) };
        let what = match self.bound {
            Bound::Depth => "levels of nesting",
            Bound::Params => "parameters in one request",
            Bound::Items => "items in one array or object",
            Bound::NameBytes => "bytes in a parameter name",
            Bound::ValueBytes => "bytes in one value",
        };
        write!(f, "The request exceeds the twin's limit of {} {what}{at}.", self.limit)
    }
}

/// Scan a JSON document without building it: nesting depth, total values, items per container,
/// key and string lengths. Syntax is left to the parser that runs next; this only guarantees
/// that whatever it builds is small and shallow.
pub fn check_json(bytes: &[u8]) -> Result<(), Exceeded> {
    check_json_with(bytes, &BOUNDS)
}

/// [`check_json`] with other bounds.
pub fn check_json_with(bytes: &[u8], bounds: &Bounds) -> Result<(), Exceeded> {
    let over = |bound: Bound, name: &str| Exceeded::of(bounds, bound, name);
    // Per open container: (is_object, separators so far).
    let mut stack: Vec<(bool, usize)> = Vec::with_capacity(bounds.depth.min(64));
    let mut values = 0usize;
    let mut expect_key = false;
    let mut i = 0;
    let new_value = |values: &mut usize| -> Result<(), Exceeded> {
        *values += 1;
        if *values > bounds.params {
            return Err(over(Bound::Params, ""));
        }
        Ok(())
    };
    // A value starts at a non-space byte that is not a separator; count it once per item slot.
    let mut value_open = false;
    while i < bytes.len() {
        let b = bytes[i];
        match b {
            b'"' => {
                let start = i + 1;
                i = string_end(bytes, start);
                let key = expect_key && stack.last().is_some_and(|(obj, _)| *obj);
                check_string_len(bytes, start..i, key, bounds)?;
                if key {
                    expect_key = false;
                } else if !value_open {
                    new_value(&mut values)?;
                    value_open = true;
                }
            }
            b'{' | b'[' => {
                if !value_open {
                    new_value(&mut values)?;
                }
                if stack.len() >= bounds.depth {
                    return Err(over(Bound::Depth, ""));
                }
                stack.push((b == b'{', 0));
                expect_key = b == b'{';
                value_open = false;
            }
            b'}' | b']' => {
                stack.pop();
                value_open = true;
                expect_key = false;
            }
            b',' => {
                if let Some(top) = stack.last_mut() {
                    top.1 += 1;
                    if top.1 >= bounds.items {
                        return Err(over(Bound::Items, ""));
                    }
                    expect_key = top.0;
                }
                value_open = false;
            }
            b':' => value_open = false,
            b' ' | b'\t' | b'\r' | b'\n' => {}
            _ => {
                if !value_open {
                    new_value(&mut values)?;
                    value_open = true;
                }
            }
        }
        i += 1;
    }
    Ok(())
}

/// Where the JSON string whose first byte is at `start` ends: at its closing quote, or past the
/// end of the input. A backslash skips the byte after it.
fn string_end(bytes: &[u8], start: usize) -> usize {
    let mut i = start;
    // Jumps to the next quote or backslash (a body is mostly strings: a list of IDs is).
    while let Some(at) = bytes.get(i..).and_then(|rest| memchr::memchr2(b'"', b'\\', rest)) {
        i += at;
        if bytes[i] == b'"' {
            return i;
        }
        i += 2;
    }
    bytes.len().max(i)
}

/// An object key (`key`) or a string value, `bytes[text]` as sent, within its length bound.
fn check_string_len(bytes: &[u8], text: std::ops::Range<usize>, key: bool, bounds: &Bounds) -> Result<(), Exceeded> {
    let len = text.end.min(bytes.len()) - text.start;
    let (bound, limit) =
        if key { (Bound::NameBytes, bounds.name_bytes) } else { (Bound::ValueBytes, bounds.value_bytes) };
    if len > limit {
        let head = String::from_utf8_lossy(&bytes[text.start..text.start + len.min(64)]);
        return Err(Exceeded::of(bounds, bound, &head));
    }
    Ok(())
}

/// Decode `application/x-www-form-urlencoded` text (a query string or a form body) into pairs,
/// refusing by count before decoding anything and by length as each pair is decoded.
pub fn form_pairs(raw: &[u8]) -> Result<Vec<(String, String)>, Exceeded> {
    let count = raw.split(|b| *b == b'&').filter(|p| !p.is_empty()).count();
    if count > MAX_PARAMS {
        return Err(Exceeded::new(Bound::Params, ""));
    }
    let mut out = Vec::with_capacity(count);
    for (k, v) in form_urlencoded::parse(raw) {
        if k.len() > MAX_NAME_BYTES {
            return Err(Exceeded::new(Bound::NameBytes, &k));
        }
        if v.len() > MAX_VALUE_BYTES {
            return Err(Exceeded::new(Bound::ValueBytes, &k));
        }
        out.push((k.into_owned(), v.into_owned()));
    }
    Ok(out)
}

/// A dotted flat name (`Filters.0.Values.1`): at most [`MAX_DEPTH`] segments.
pub fn check_flat_name(name: &str) -> Result<(), Exceeded> {
    if name.len() > MAX_NAME_BYTES {
        return Err(Exceeded::new(Bound::NameBytes, name));
    }
    if name.bytes().filter(|b| *b == b'.').count() >= MAX_DEPTH {
        return Err(Exceeded::new(Bound::Depth, name));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bound(r: Result<(), Exceeded>) -> Option<Bound> {
        r.err().map(|e| e.bound)
    }

    #[test]
    fn json_within_bounds_passes() {
        let doc = br#"{"DiskIds": ["a", "b"], "Filters": [{"Name": "zone", "Values": ["x"]}], "Limit": 20, "N": null}"#;
        assert_eq!(bound(check_json(doc)), None);
        assert_eq!(bound(check_json(b"")), None);
        assert_eq!(bound(check_json(br#"{"a": "x\"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["}"#)), None);
    }

    #[test]
    fn json_depth_items_params_and_lengths() {
        let deep = "[".repeat(MAX_DEPTH + 1);
        assert_eq!(bound(check_json(deep.as_bytes())), Some(Bound::Depth));
        let ok_deep = format!("{}{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
        assert_eq!(bound(check_json(ok_deep.as_bytes())), None);
        let items = format!("[{}1]", "1,".repeat(MAX_ITEMS));
        assert_eq!(bound(check_json(items.as_bytes())), Some(Bound::Items));
        let ok_items = format!("[{}1]", "1,".repeat(MAX_ITEMS - 2));
        assert_eq!(bound(check_json(ok_items.as_bytes())), None);
        // Many small arrays: each within bounds, the total not.
        let inner = format!("[{}1]", "1,".repeat(MAX_ITEMS / 2));
        let many = format!("[{}]", vec![inner; MAX_PARAMS / (MAX_ITEMS / 2) + 1].join(","));
        assert_eq!(bound(check_json(many.as_bytes())), Some(Bound::Params));
        let key = format!("{{\"{}\": 1}}", "k".repeat(MAX_NAME_BYTES + 1));
        assert_eq!(bound(check_json(key.as_bytes())), Some(Bound::NameBytes));
        let val = format!("{{\"k\": \"{}\"}}", "v".repeat(MAX_VALUE_BYTES + 1));
        assert_eq!(bound(check_json(val.as_bytes())), Some(Bound::ValueBytes));
        let members: Vec<String> = (0..=MAX_ITEMS).map(|i| format!("\"k{i}\": 1")).collect();
        let obj = format!("{{{}}}", members.join(","));
        assert_eq!(bound(check_json(obj.as_bytes())), Some(Bound::Items));
    }

    #[test]
    fn serde_json_keeps_its_own_recursion_limit() {
        // If a dependency ever turned on serde_json's `unbounded_depth`, deep documents that slip
        // past a missing check_json would overflow the stack; this fails first.
        let deep = "[".repeat(200) + &"]".repeat(200);
        assert!(serde_json::from_str::<serde_json::Value>(&deep).is_err());
    }

    #[test]
    fn forms_are_refused_by_count_before_decoding() {
        let many = "a=1&".repeat(MAX_PARAMS + 1);
        assert_eq!(form_pairs(many.as_bytes()).unwrap_err().bound, Bound::Params);
        let ok = "a=1&".repeat(MAX_PARAMS);
        assert_eq!(form_pairs(ok.as_bytes()).unwrap().len(), MAX_PARAMS);
        let long_name = format!("{}=1", "n".repeat(MAX_NAME_BYTES + 1));
        assert_eq!(form_pairs(long_name.as_bytes()).unwrap_err().bound, Bound::NameBytes);
        let long_value = format!("n={}", "v".repeat(MAX_VALUE_BYTES + 1));
        assert_eq!(form_pairs(long_value.as_bytes()).unwrap_err().bound, Bound::ValueBytes);
    }

    #[test]
    fn flat_names() {
        assert!(check_flat_name("Filters.0.Values.1").is_ok());
        let deep = vec!["a"; MAX_DEPTH + 1].join(".");
        assert_eq!(check_flat_name(&deep).unwrap_err().bound, Bound::Depth);
        let e = check_flat_name(&"a".repeat(10_000)).unwrap_err();
        assert_eq!(e.bound, Bound::NameBytes);
        assert!(e.to_string().len() < 200, "the message stays short: {e}");
    }

    proptest::proptest! {
        #[test]
        fn json_scan_never_panics_and_agrees_with_serde_on_small_docs(s in "[\\[\\]{}\",:a-z0-9 \\\\]{0,64}") {
            let _ = check_json(s.as_bytes());
        }

        /// The jump to a string's end stops where a byte-by-byte walk does.
        #[test]
        fn a_string_ends_where_a_walk_ends_it(s in "[\"\\\\a]{0,24}", start in 0usize..26) {
            let b = s.as_bytes();
            let mut i = start;
            while i < b.len() && b[i] != b'"' {
                i += if b[i] == b'\\' { 2 } else { 1 };
            }
            proptest::prop_assert_eq!(string_end(b, start), i);
        }

        #[test]
        fn form_decode_never_panics(b in proptest::collection::vec(proptest::num::u8::ANY, 0..256)) {
            let _ = form_pairs(&b);
        }
    }
}
