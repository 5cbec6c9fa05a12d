//! Recorded response shapes: one insta-format `.snap` file per scenario under
//! fixtures/conformance/<surface>/<scenario>.snap. The header is insta's (`source`, `expression`,
//! and free-form `info` holding which target produced the recording and when); the content is
//! the redacted answers of the scenario's snapshot steps as pretty JSON, keyed by step name.
//! `cargo insta` and insta's assertions read these files as they read their own.

use std::path::{Path as FsPath, PathBuf};

use serde_json::Value;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Meta {
    /// The scenario file the recording belongs to.
    pub source: String,
    /// The scenario id (`tencent-cbs/getting-started-disk`).
    pub expression: String,
    /// Which target answered (`embedded twin`, `tencent (cbs.tencentcloudapi.com)`, ...).
    pub target: String,
    /// When, RFC 3339 UTC.
    pub recorded_at: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Snapshot {
    pub meta: Meta,
    pub content: Value,
}

/// A YAML double-quoted scalar; JSON string syntax is a subset of it.
fn quoted(s: &str) -> String {
    Value::String(s.to_string()).to_string()
}

pub fn render(s: &Snapshot) -> String {
    let body = serde_json::to_string_pretty(&s.content).unwrap_or_else(|_| "null".into());
    format!(
        "---\nsource: {}\nexpression: {}\ninfo:\n  recorded_at: {}\n  target: {}\n---\n{body}\n",
        quoted(&s.meta.source),
        quoted(&s.meta.expression),
        quoted(&s.meta.recorded_at),
        quoted(&s.meta.target),
    )
}

fn scalar(v: &str) -> String {
    let v = v.trim();
    if v.starts_with('"') {
        serde_json::from_str::<String>(v).unwrap_or_else(|_| v.to_string())
    } else {
        v.trim_matches('\'').to_string()
    }
}

pub fn parse(text: &str) -> Result<Snapshot, String> {
    let text = text.replace("\r\n", "\n");
    let rest = text.strip_prefix("---\n").ok_or("a snapshot starts with a `---` header line")?;
    let (header, content) = rest.split_once("\n---\n").ok_or("the snapshot header has no closing `---` line")?;
    let mut meta =
        Meta { source: String::new(), expression: String::new(), target: String::new(), recorded_at: String::new() };
    for line in header.lines() {
        let Some((key, value)) = line.split_once(':') else { continue };
        match key {
            "source" => meta.source = scalar(value),
            "expression" => meta.expression = scalar(value),
            "  target" => meta.target = scalar(value),
            "  recorded_at" => meta.recorded_at = scalar(value),
            _ => {}
        }
    }
    let content = serde_json::from_str(content).map_err(|e| format!("the snapshot content is not JSON: {e}"))?;
    Ok(Snapshot { meta, content })
}

/// Where snapshots are read from and written to: a directory, or the copies compiled into the
/// binary (read only).
pub enum Store {
    Dir(PathBuf),
    Builtin,
}

pub fn relative(surface: &str, scenario: &str) -> String {
    format!("{surface}/{scenario}.snap")
}

impl Store {
    pub fn describe(&self) -> String {
        match self {
            Store::Dir(d) => d.display().to_string(),
            Store::Builtin => "the snapshots built into this binary".into(),
        }
    }

    /// The recorded text, if there is one.
    pub fn read(&self, surface: &str, scenario: &str) -> Result<Option<String>, String> {
        let rel = relative(surface, scenario);
        match self {
            Store::Builtin => Ok(crate::builtin::SNAPSHOTS.iter().find(|(p, _)| *p == rel).map(|(_, t)| t.to_string())),
            Store::Dir(d) => {
                let path = d.join(&rel);
                match std::fs::read_to_string(&path) {
                    Ok(t) => Ok(Some(t)),
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                    Err(e) => Err(format!("{}: {e}", path.display())),
                }
            }
        }
    }

    pub fn write(&self, surface: &str, scenario: &str, text: &str) -> Result<PathBuf, String> {
        let Store::Dir(d) = self else {
            return Err("cannot re-record into the built-in snapshots; pass --snapshot-dir DIR".into());
        };
        let path = d.join(relative(surface, scenario));
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
        }
        std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))?;
        Ok(path)
    }
}

/// Whether a directory looks like a snapshot store (for a clear error before a long run).
pub fn check_dir(dir: &FsPath) -> Result<(), String> {
    if dir.is_dir() {
        Ok(())
    } else {
        Err(format!("snapshot directory {} does not exist", dir.display()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn render_and_parse_round_trip() {
        let s = Snapshot {
            meta: Meta {
                source: "conformance/scenarios/tencent-cbs/demo.json".into(),
                expression: "tencent-cbs/demo".into(),
                target: "tencent (cbs.tencentcloudapi.com) \"real\"".into(),
                recorded_at: "2026-11-22T21:53:53Z".into(),
            },
            content: json!({"create": {"status": 200, "body": {"Response": {"DiskIdSet": ["<disk-id:1>"]}}}}),
        };
        let text = render(&s);
        assert!(text.starts_with("---\nsource: \"conformance/scenarios/tencent-cbs/demo.json\"\n"), "{text}");
        assert!(text.contains("\ninfo:\n  recorded_at: \"2026-11-22T21:53:53Z\"\n"), "{text}");
        assert_eq!(parse(&text).unwrap(), s);
        assert!(parse("nope").is_err());
        assert!(parse("---\nsource: x\n---\n{").unwrap_err().contains("not JSON"));
    }
}
