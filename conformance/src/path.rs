//! Paths into a JSON response: `Response.DiskSet[0].DiskState`. Captures and expectations use
//! concrete paths; declared differences may use `[*]` (any element) and `*` (any key).

use std::fmt;

use serde_json::Value;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment {
    Key(String),
    Index(usize),
    AnyKey,
    AnyIndex,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Path(pub Vec<Segment>);

impl Path {
    pub fn parse(text: &str) -> Result<Path, String> {
        if text.is_empty() {
            return Err("a path may not be empty".into());
        }
        let mut segments = Vec::new();
        for (n, part) in text.split('.').enumerate() {
            let (key, mut rest) = match part.find('[') {
                Some(i) => (&part[..i], &part[i..]),
                None => (part, ""),
            };
            match key {
                "" if n == 0 && !rest.is_empty() => {}
                "" => return Err(format!("`{text}`: empty key")),
                "*" => segments.push(Segment::AnyKey),
                k => segments.push(Segment::Key(k.to_string())),
            }
            while !rest.is_empty() {
                let close = rest.find(']').ok_or_else(|| format!("`{text}`: `[` without `]`"))?;
                let inner = &rest[1..close];
                segments.push(match inner {
                    "*" => Segment::AnyIndex,
                    n => Segment::Index(
                        n.parse().map_err(|_| format!("`{text}`: `[{n}]` is not an index (a number or `*`)"))?,
                    ),
                });
                rest = &rest[close + 1..];
                if !rest.is_empty() && !rest.starts_with('[') {
                    return Err(format!("`{text}`: unexpected `{rest}` after `]`"));
                }
            }
        }
        Ok(Path(segments))
    }

    /// Whether the path names exactly one place (no wildcard).
    pub fn is_concrete(&self) -> bool {
        self.0.iter().all(|s| matches!(s, Segment::Key(_) | Segment::Index(_)))
    }

    pub fn child_key(&self, key: &str) -> Path {
        let mut p = self.clone();
        p.0.push(Segment::Key(key.to_string()));
        p
    }

    pub fn child_index(&self, i: usize) -> Path {
        let mut p = self.clone();
        p.0.push(Segment::Index(i));
        p
    }

    /// The value at a concrete path, if the response has one there.
    pub fn lookup<'v>(&self, root: &'v Value) -> Option<&'v Value> {
        let mut at = root;
        for seg in &self.0 {
            at = match (seg, at) {
                (Segment::Key(k), Value::Object(m)) => m.get(k)?,
                (Segment::Index(i), Value::Array(a)) => a.get(*i)?,
                _ => return None,
            };
        }
        Some(at)
    }

    pub fn lookup_mut<'v>(&self, root: &'v mut Value) -> Option<&'v mut Value> {
        let mut at = root;
        for seg in &self.0 {
            at = match (seg, at) {
                (Segment::Key(k), Value::Object(m)) => m.get_mut(k)?,
                (Segment::Index(i), Value::Array(a)) => a.get_mut(*i)?,
                _ => return None,
            };
        }
        Some(at)
    }

    /// Whether this pattern (wildcards allowed) covers `concrete` or something inside it.
    pub fn covers(&self, concrete: &Path) -> bool {
        if self.0.len() > concrete.0.len() {
            return false;
        }
        self.0.iter().zip(&concrete.0).all(|(p, c)| match (p, c) {
            (Segment::AnyKey, Segment::Key(_)) | (Segment::AnyIndex, Segment::Index(_)) => true,
            (a, b) => a == b,
        })
    }
}

impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (n, seg) in self.0.iter().enumerate() {
            match seg {
                Segment::Key(k) if n == 0 => write!(f, "{k}")?,
                Segment::Key(k) => write!(f, ".{k}")?,
                Segment::AnyKey if n == 0 => write!(f, "*")?,
                Segment::AnyKey => write!(f, ".*")?,
                Segment::Index(i) => write!(f, "[{i}]")?,
                Segment::AnyIndex => write!(f, "[*]")?,
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parse_and_print_round_trip() {
        for text in ["Response.DiskSet[0].DiskState", "Response.DiskIdSet", "a[*].b.*", "[2]", "x[0][1]"] {
            assert_eq!(Path::parse(text).unwrap().to_string(), text);
        }
        for bad in ["", "a..b", "a[", "a[x]", "a[0]b", ".a"] {
            assert!(Path::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn lookup_follows_keys_and_indices() {
        let v = json!({"Response": {"DiskSet": [{"DiskState": "ATTACHED"}]}});
        let p = Path::parse("Response.DiskSet[0].DiskState").unwrap();
        assert_eq!(p.lookup(&v), Some(&json!("ATTACHED")));
        assert_eq!(Path::parse("Response.DiskSet[1]").unwrap().lookup(&v), None);
        assert_eq!(Path::parse("Response.DiskSet.x").unwrap().lookup(&v), None);
    }

    #[test]
    fn patterns_cover_paths_and_their_children() {
        let pat = Path::parse("Response.DiskSet[*].Tags").unwrap();
        assert!(!pat.is_concrete());
        assert!(pat.covers(&Path::parse("Response.DiskSet[3].Tags[0].Key").unwrap()));
        assert!(!pat.covers(&Path::parse("Response.DiskSet[3].DiskName").unwrap()));
        assert!(!pat.covers(&Path::parse("Response.DiskSet").unwrap()));
        assert!(Path::parse("*.RequestId").unwrap().covers(&Path::parse("Response.RequestId").unwrap()));
    }
}
