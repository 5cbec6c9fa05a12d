//! What a run found, in three forms: a human summary that ends with `N passed, M failed`, JUnit
//! XML for CI systems, and JSON. All three come from the same [`RunReport`].

use std::io::Write;

use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use serde::Serialize;
use serde_json::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Passed,
    Failed,
    Skipped,
}

#[derive(Debug, Clone, Serialize)]
pub struct RunReport {
    pub target: String,
    pub started_at: String,
    pub duration_s: f64,
    pub passed: usize,
    pub failed: usize,
    pub skipped: usize,
    pub scenarios: Vec<ScenarioReport>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ScenarioReport {
    pub id: String,
    pub surface: String,
    pub name: String,
    pub file: String,
    pub outcome: Outcome,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skip_reason: Option<String>,
    pub duration_s: f64,
    pub steps: Vec<StepReport>,
    pub failures: Vec<Failure>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub snapshot: Option<SnapshotReport>,
    pub ignored_differences: Vec<IgnoredDifference>,
}

#[derive(Debug, Clone, Serialize)]
pub struct StepReport {
    pub name: String,
    pub call: String,
    pub cleanup: bool,
    pub outcome: Outcome,
    /// How many times it was sent (more than one while waiting for a state).
    pub sent: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Failure {
    /// `step `attach``, `cleanup step `terminate``, or None for the scenario as a whole.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub step: Option<String>,
    pub message: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub drift: Vec<DriftReport>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response: Option<String>,
    /// The failing answer's request id: on a twin, its journal entry is
    /// `GET /_cloudtwin/requests?request_id=ID`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DriftReport {
    /// From the step name down to the field: `describe.body.Response.DiskSet[0].DiskState`.
    pub path: String,
    pub recorded: Option<Value>,
    pub actual: Option<Value>,
    /// The drift in one line, as the human summary prints it.
    pub text: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SnapshotStatus {
    /// Same as the recording.
    Matched,
    /// Differs from the recording (a failure).
    Drifted,
    /// No recording and no `--update` (a failure).
    Missing,
    /// No recording; `--update` wrote one.
    Recorded,
    /// Differed; `--update` rewrote it.
    Updated,
    /// `--update`, but the scenario failed, so the recording was left alone.
    NotUpdated,
}

#[derive(Debug, Clone, Serialize)]
pub struct SnapshotReport {
    pub file: String,
    pub status: SnapshotStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recorded_by: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recorded_at: Option<String>,
}

/// A declared difference that actually showed up (and was ignored), with where.
#[derive(Debug, Clone, Serialize)]
pub struct IgnoredDifference {
    pub path: String,
    pub reason: String,
    pub at: Vec<String>,
}

impl RunReport {
    pub fn count(&mut self) {
        let n = |o: Outcome| self.scenarios.iter().filter(|s| s.outcome == o).count();
        (self.passed, self.failed, self.skipped) = (n(Outcome::Passed), n(Outcome::Failed), n(Outcome::Skipped));
    }

    /// The closing line: `N passed, M failed` (and `, K skipped` when some were).
    pub fn totals(&self) -> String {
        let mut line = format!("{} passed, {} failed", self.passed, self.failed);
        if self.skipped > 0 {
            line.push_str(&format!(", {} skipped", self.skipped));
        }
        line
    }

    pub fn human(&self, out: &mut dyn Write, verbose: bool) -> std::io::Result<()> {
        writeln!(out, "cloudtwin conform: {} scenarios against {}", self.scenarios.len(), self.target)?;
        for s in &self.scenarios {
            let steps = s.steps.iter().filter(|st| st.outcome != Outcome::Skipped).count();
            match s.outcome {
                Outcome::Passed => writeln!(out, "  PASS {} ({steps} steps, {:.2} s)", s.id, s.duration_s)?,
                Outcome::Skipped => {
                    writeln!(out, "  SKIP {}: {}", s.id, s.skip_reason.as_deref().unwrap_or(""))?;
                    continue;
                }
                Outcome::Failed => writeln!(out, "  FAIL {} ({steps} steps, {:.2} s) {}", s.id, s.duration_s, s.file)?,
            }
            for f in &s.failures {
                let mut lines = f.text_lines(true);
                if let Some(first) = lines.first_mut() {
                    writeln!(out, "       {first}")?;
                }
                for l in lines.iter().skip(1) {
                    writeln!(out, "         {l}")?;
                }
            }
            if let Some(snap) = &s.snapshot {
                if verbose || !matches!(snap.status, SnapshotStatus::Matched | SnapshotStatus::Drifted) {
                    writeln!(out, "       snapshot {}: {:?}", snap.file, snap.status)?;
                }
            }
            for d in &s.ignored_differences {
                writeln!(out, "       declared difference ignored at {}: {}", d.at.join(", "), d.reason)?;
            }
        }
        writeln!(out, "{}", self.totals())
    }

    pub fn json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
    }

    pub fn junit(&self) -> Result<Vec<u8>, String> {
        junit(self).map_err(|e| format!("cannot write JUnit XML: {e}"))
    }
}

impl Failure {
    /// The failure as lines: what went wrong, every drifted field, then (with `detail`) the
    /// request and the answer.
    pub fn text_lines(&self, detail: bool) -> Vec<String> {
        let mut lines = vec![match &self.step {
            Some(s) => format!("{s}: {}", self.message),
            None => self.message.clone(),
        }];
        lines.extend(self.drift.iter().map(|d| d.text.clone()));
        if detail {
            if let Some(r) = &self.request {
                lines.push(format!("request: {r}"));
            }
            if let Some(r) = &self.response {
                lines.push(format!("answer: {r}"));
            }
        }
        if let Some(id) = &self.request_id {
            lines.push(format!("request id: {id} (on a twin: GET /_cloudtwin/requests?request_id={id})"));
        }
        lines
    }
}

fn secs(s: f64) -> String {
    format!("{s:.3}")
}

fn junit(r: &RunReport) -> std::io::Result<Vec<u8>> {
    let mut w = quick_xml::Writer::new_with_indent(Vec::new(), b' ', 2);
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    let total = r.scenarios.len().to_string();
    let mut root = BytesStart::new("testsuites");
    root.push_attribute(("name", "cloudtwin conform"));
    root.push_attribute(("tests", total.as_str()));
    root.push_attribute(("failures", r.failed.to_string().as_str()));
    root.push_attribute(("skipped", r.skipped.to_string().as_str()));
    root.push_attribute(("time", secs(r.duration_s).as_str()));
    w.write_event(Event::Start(root))?;

    let mut surfaces: Vec<&str> = r.scenarios.iter().map(|s| s.surface.as_str()).collect();
    surfaces.dedup();
    for surface in surfaces {
        let mine: Vec<&ScenarioReport> = r.scenarios.iter().filter(|s| s.surface == surface).collect();
        let count = |o: Outcome| mine.iter().filter(|s| s.outcome == o).count().to_string();
        let mut suite = BytesStart::new("testsuite");
        suite.push_attribute(("name", surface));
        suite.push_attribute(("tests", mine.len().to_string().as_str()));
        suite.push_attribute(("failures", count(Outcome::Failed).as_str()));
        suite.push_attribute(("errors", "0"));
        suite.push_attribute(("skipped", count(Outcome::Skipped).as_str()));
        suite.push_attribute(("time", secs(mine.iter().map(|s| s.duration_s).sum()).as_str()));
        suite.push_attribute(("timestamp", r.started_at.as_str()));
        w.write_event(Event::Start(suite))?;
        w.write_event(Event::Start(BytesStart::new("properties")))?;
        let mut prop = BytesStart::new("property");
        prop.push_attribute(("name", "target"));
        prop.push_attribute(("value", r.target.as_str()));
        w.write_event(Event::Empty(prop))?;
        w.write_event(Event::End(BytesEnd::new("properties")))?;
        for s in mine {
            let mut case = BytesStart::new("testcase");
            case.push_attribute(("name", s.name.as_str()));
            case.push_attribute(("classname", s.surface.as_str()));
            case.push_attribute(("file", s.file.as_str()));
            case.push_attribute(("time", secs(s.duration_s).as_str()));
            w.write_event(Event::Start(case))?;
            match s.outcome {
                Outcome::Failed => {
                    let first = s.failures.first().map(|f| f.text_lines(false)[0].clone()).unwrap_or_default();
                    let mut fail = BytesStart::new("failure");
                    fail.push_attribute(("message", first.as_str()));
                    fail.push_attribute(("type", "conformance"));
                    w.write_event(Event::Start(fail))?;
                    let text: Vec<String> = s.failures.iter().flat_map(|f| f.text_lines(true)).collect();
                    w.write_event(Event::Text(BytesText::new(&text.join("\n"))))?;
                    w.write_event(Event::End(BytesEnd::new("failure")))?;
                }
                Outcome::Skipped => {
                    let mut skip = BytesStart::new("skipped");
                    skip.push_attribute(("message", s.skip_reason.as_deref().unwrap_or("")));
                    w.write_event(Event::Empty(skip))?;
                }
                Outcome::Passed => {}
            }
            if !s.ignored_differences.is_empty() {
                let notes: Vec<String> = s
                    .ignored_differences
                    .iter()
                    .map(|d| format!("declared difference ignored at {}: {}", d.at.join(", "), d.reason))
                    .collect();
                w.write_event(Event::Start(BytesStart::new("system-out")))?;
                w.write_event(Event::Text(BytesText::new(&notes.join("\n"))))?;
                w.write_event(Event::End(BytesEnd::new("system-out")))?;
            }
            w.write_event(Event::End(BytesEnd::new("testcase")))?;
        }
        w.write_event(Event::End(BytesEnd::new("testsuite")))?;
    }
    w.write_event(Event::End(BytesEnd::new("testsuites")))?;
    let mut bytes = w.into_inner();
    bytes.push(b'\n');
    Ok(bytes)
}

#[cfg(test)]
mod tests {

    #[test]
    fn a_failure_names_its_request_id() {
        let f = Failure {
            step: Some("step `x`".into()),
            message: "m".into(),
            drift: vec![],
            request: None,
            response: None,
            request_id: Some("abc".into()),
        };
        assert_eq!(
            f.text_lines(false).last().unwrap(),
            "request id: abc (on a twin: GET /_cloudtwin/requests?request_id=abc)"
        );
    }

    use super::*;

    fn report() -> RunReport {
        let scenario = |name: &str, outcome: Outcome| ScenarioReport {
            id: format!("tencent-cbs/{name}"),
            surface: "tencent-cbs".into(),
            name: name.into(),
            file: format!("scenarios/tencent-cbs/{name}.json"),
            outcome,
            skip_reason: (outcome == Outcome::Skipped).then(|| "only against a twin".into()),
            duration_s: 0.5,
            steps: vec![],
            failures: if outcome == Outcome::Failed {
                vec![Failure {
                    step: Some("step `a<b>`".into()),
                    message: "expected \"x\" & got 'y'".into(),
                    drift: vec![],
                    request: Some("POST /".into()),
                    response: None,
                    request_id: None,
                }]
            } else {
                vec![]
            },
            snapshot: None,
            ignored_differences: vec![],
        };
        let mut r = RunReport {
            target: "embedded twin".into(),
            started_at: "2026-11-22T21:53:53Z".into(),
            duration_s: 1.5,
            passed: 0,
            failed: 0,
            skipped: 0,
            scenarios: vec![
                scenario("one", Outcome::Passed),
                scenario("two", Outcome::Failed),
                scenario("three", Outcome::Skipped),
            ],
        };
        r.count();
        r
    }

    #[test]
    fn the_summary_ends_with_the_totals_line() {
        let mut out = Vec::new();
        report().human(&mut out, false).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(text.lines().last(), Some("1 passed, 1 failed, 1 skipped"));
        assert!(text.contains("  FAIL tencent-cbs/two"), "{text}");
        assert!(text.contains("step `a<b>`: expected \"x\" & got 'y'"), "{text}");
    }

    #[test]
    fn junit_escapes_what_it_must() {
        let xml = String::from_utf8(report().junit().unwrap()).unwrap();
        assert!(xml.contains(r#"<testsuites name="cloudtwin conform" tests="3" failures="1" skipped="1""#), "{xml}");
        assert!(xml.contains("step `a&lt;b&gt;`: expected &quot;x&quot; &amp; got &apos;y&apos;"), "{xml}");
        assert!(xml.contains(r#"<skipped message="only against a twin"/>"#), "{xml}");
        let mut reader = quick_xml::Reader::from_str(&xml);
        let mut depth = 0i32;
        loop {
            match reader.read_event().unwrap() {
                Event::Start(_) => depth += 1,
                Event::End(_) => depth -= 1,
                Event::Eof => break,
                _ => {}
            }
        }
        assert_eq!(depth, 0);
    }
}
