//! Scenarios as data: conformance/scenarios/<surface>/<name>.json. Loading checks everything
//! that can be checked without a target, and every problem names the file, the step and what is
//! wrong, so a broken scenario never gets as far as sending a request.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::Deserialize;
use serde_json::{Map, Value};

use crate::matcher;
use crate::path::Path;
use crate::surface::{self, SignMode};
use crate::template;

/// Names every scenario can reference without declaring them (`project_id`: the Huawei
/// credentials' project, empty for other clouds).
pub const BUILTINS: &[&str] = &["region", "run_id", "project_id"];

/// Where a scenario may run: against a twin, against a real cloud, or both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TargetKind {
    Twin,
    Cloud,
}

#[derive(Debug, Clone)]
pub struct Scenario {
    pub name: String,
    pub surface: String,
    pub description: String,
    /// Where the documented behaviour comes from (a section of a reference digest).
    pub source: Option<String>,
    pub tags: Vec<String>,
    pub targets: Vec<TargetKind>,
    /// Why the scenario cannot delete what it creates (a locked vault can never be deleted): it
    /// then runs only against a twin whose state the run resets, never a shared one.
    pub leaves_behind: Option<String>,
    /// Defaults of values that differ between targets (zone, instance id); `--var` overrides.
    pub vars: BTreeMap<String, Value>,
    pub differences: Vec<Difference>,
    pub steps: Vec<Step>,
    /// Always run, in order, after the steps — also when a step failed.
    pub cleanup: Vec<Step>,
    /// The file it was loaded from, as given to the loader.
    pub file: String,
}

/// A known, deliberate difference between the twin and the real cloud: snapshot comparison
/// against a twin ignores `path` (in `step`, or in every step) and reports that it did.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Difference {
    #[serde(default)]
    pub step: Option<String>,
    pub path: String,
    pub reason: String,
}

#[derive(Debug, Clone)]
pub struct Step {
    pub name: String,
    pub call: String,
    pub params: Value,
    /// Surface-specific request options (Tencent: version, region, method, signature).
    pub transport: Map<String, Value>,
    pub sign: SignMode,
    /// The operation is deliberately not in the catalog (tests of unknown operations).
    pub unlisted: bool,
    pub expect: Expect,
    pub capture: BTreeMap<String, Path>,
    pub wait: Option<Wait>,
    pub snapshot: bool,
    pub note: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct Expect {
    pub status: Option<u16>,
    /// The call must fail with one of these codes.
    pub error: Vec<String>,
    /// The call may succeed or fail with one of these codes (cleanup of uncertain state).
    pub tolerate: Vec<String>,
    pub fields: Vec<(Path, Value)>,
}

#[derive(Debug, Clone)]
pub struct Wait {
    pub until: Vec<(Path, Value)>,
    pub timeout: f64,
    pub every: f64,
}

/// A problem with a scenario file: which file, which step, what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScenarioError {
    pub file: String,
    pub step: Option<String>,
    pub problem: String,
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.step {
            Some(step) => write!(f, "{}: {step}: {}", self.file, self.problem),
            None => write!(f, "{}: {}", self.file, self.problem),
        }
    }
}

impl std::error::Error for ScenarioError {}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScenario {
    name: String,
    surface: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    source: Option<String>,
    #[serde(default)]
    tags: Vec<String>,
    #[serde(default)]
    targets: Option<Vec<TargetKind>>,
    #[serde(default)]
    leaves_behind: Option<String>,
    #[serde(default)]
    vars: BTreeMap<String, Value>,
    #[serde(default)]
    differences: Vec<Difference>,
    steps: Vec<Value>,
    #[serde(default)]
    cleanup: Vec<Value>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStep {
    #[serde(default)]
    name: Option<String>,
    call: String,
    #[serde(default)]
    params: Option<Value>,
    #[serde(default)]
    transport: Map<String, Value>,
    #[serde(default)]
    sign: SignMode,
    #[serde(default)]
    unlisted: bool,
    #[serde(default)]
    expect: Option<RawExpect>,
    #[serde(default)]
    capture: BTreeMap<String, String>,
    #[serde(default)]
    wait: Option<RawWait>,
    #[serde(default)]
    snapshot: bool,
    #[serde(default)]
    note: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawExpect {
    #[serde(default)]
    status: Option<u16>,
    #[serde(default)]
    error: Option<Value>,
    #[serde(default)]
    tolerate: Vec<String>,
    #[serde(default)]
    fields: Map<String, Value>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWait {
    until: Map<String, Value>,
    #[serde(default = "default_timeout")]
    timeout: f64,
    #[serde(default = "default_every")]
    every: f64,
}

fn default_timeout() -> f64 {
    120.0
}
fn default_every() -> f64 {
    2.0
}

fn valid_name(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
}

fn valid_ident(s: &str) -> bool {
    !s.is_empty()
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !s.starts_with(|c: char| c.is_ascii_digit())
}

/// The stem of a file name: `dir/getting-started.json` → `getting-started`.
fn stem(file: &str) -> &str {
    let base = file.rsplit(['/', '\\']).next().unwrap_or(file);
    base.strip_suffix(".json").unwrap_or(base)
}

fn matchers(map: &Map<String, Value>, what: &str) -> Result<Vec<(Path, Value)>, String> {
    let mut out = Vec::new();
    for (p, m) in map {
        let path = Path::parse(p).map_err(|e| format!("{what}: {e}"))?;
        if !path.is_concrete() {
            return Err(format!("{what}: `{p}` has a wildcard; expectations name one field"));
        }
        matcher::validate(m).map_err(|e| format!("{what} `{p}`: {e}"))?;
        out.push((path, m.clone()));
    }
    Ok(out)
}

fn convert_step(raw: RawStep) -> Result<Step, String> {
    let params = raw.params.unwrap_or_else(|| Value::Object(Map::new()));
    if !params.is_object() {
        return Err("`params` must be a JSON object".into());
    }
    let e = raw.expect.unwrap_or(RawExpect { status: None, error: None, tolerate: vec![], fields: Map::new() });
    let error = match e.error {
        None | Some(Value::Null) => vec![],
        Some(Value::String(s)) => vec![s],
        Some(Value::Array(a)) if !a.is_empty() && a.iter().all(Value::is_string) => {
            a.iter().filter_map(|v| v.as_str().map(str::to_string)).collect()
        }
        Some(other) => return Err(format!("`expect.error` must be an error code or a list of codes, not {other}")),
    };
    if !error.is_empty() && !e.tolerate.is_empty() {
        return Err("`expect.error` (must fail) and `expect.tolerate` (may fail) exclude each other".into());
    }
    let mut capture = BTreeMap::new();
    for (name, p) in raw.capture {
        if !valid_ident(&name) {
            return Err(format!("capture name `{name}` must be letters, digits and `_`"));
        }
        let path = Path::parse(&p).map_err(|e| format!("capture `{name}`: {e}"))?;
        if !path.is_concrete() {
            return Err(format!("capture `{name}`: `{p}` has a wildcard; a capture names one field"));
        }
        capture.insert(name, path);
    }
    let wait = match raw.wait {
        None => None,
        Some(w) => {
            if w.until.is_empty() {
                return Err("`wait.until` needs at least one field to wait for".into());
            }
            if !(w.timeout.is_finite() && w.timeout > 0.0 && w.timeout <= 86_400.0) {
                return Err(format!("`wait.timeout` must be between 0 and 86400 seconds, not {}", w.timeout));
            }
            if !(w.every.is_finite() && w.every > 0.0 && w.every <= w.timeout) {
                return Err(format!("`wait.every` must be positive and at most the timeout, not {}", w.every));
            }
            Some(Wait { until: matchers(&w.until, "wait.until")?, timeout: w.timeout, every: w.every })
        }
    };
    Ok(Step {
        name: raw.name.unwrap_or_else(|| raw.call.clone()),
        call: raw.call,
        params,
        transport: raw.transport,
        sign: raw.sign,
        unlisted: raw.unlisted,
        expect: Expect { status: e.status, error, tolerate: e.tolerate, fields: matchers(&e.fields, "expect.fields")? },
        capture,
        wait,
        snapshot: raw.snapshot,
        note: raw.note,
    })
}

/// Checks each step as it is read, in order: names, operations, transport options, and that
/// every `${...}` refers to something known by then.
struct StepChecker<'a> {
    surface: &'a str,
    catalog: &'static crate::catalog::Catalog,
    client: &'static dyn surface::Surface,
    vars: &'a BTreeMap<String, Value>,
    names: BTreeSet<String>,
    /// Vars, built-ins and the captures of the steps read so far.
    known: BTreeSet<String>,
}

impl StepChecker<'_> {
    fn check(&mut self, step: &Step) -> Result<(), String> {
        if step.name.is_empty() || !step.name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
            return Err("a step name must be letters, digits, `-` and `_`".into());
        }
        if !self.names.insert(step.name.clone()) {
            return Err(format!(
                "the name `{}` is used by an earlier step; give this step its own \"name\"",
                step.name
            ));
        }
        match (self.catalog.contains(&step.call), step.unlisted) {
            (false, false) => {
                return Err(format!(
                    "`{}` is not an operation of {} (mark the step \"unlisted\": true if that is the point)",
                    step.call, self.surface
                ))
            }
            (true, true) => return Err(format!("`{}` is in the catalog; it cannot be \"unlisted\"", step.call)),
            _ => {}
        }
        self.client.validate_transport(&step.transport).map_err(|e| format!("transport: {e}"))?;
        self.client.validate_params(&step.call, &step.params, &step.transport)?;
        if step.sign != SignMode::Valid && !self.client.signed() {
            return Err(format!("{} requests carry no signature, so `sign` cannot break one", self.surface));
        }
        let mut refs = step.request_references()?;
        for (_, m) in step.expect.fields.iter().chain(step.wait.iter().flat_map(|w| w.until.iter())) {
            refs.extend(template::references(m)?);
        }
        if let Some(r) = refs.iter().find(|r| !self.known.contains(*r) && !template::is_clock_reference(r)) {
            return Err(format!(
                "`${{{r}}}` is neither a var, a built-in ({}), nor captured by an earlier step",
                BUILTINS.join(", ")
            ));
        }
        for name in step.capture.keys() {
            if self.vars.contains_key(name) || BUILTINS.contains(&name.as_str()) {
                return Err(format!("capture `{name}` would hide the var of the same name"));
            }
            self.known.insert(name.clone());
        }
        Ok(())
    }
}

fn check_differences(differences: &[Difference], steps: &[&Step]) -> Result<(), String> {
    for d in differences {
        Path::parse(&d.path).map_err(|e| format!("difference: {e}"))?;
        if d.reason.trim().is_empty() {
            return Err(format!("difference `{}`: say why it is deliberate (\"reason\")", d.path));
        }
        if let Some(s) = &d.step {
            if !steps.iter().any(|st| &st.name == s) {
                return Err(format!("difference `{}`: there is no step `{s}`", d.path));
            }
        }
    }
    Ok(())
}

/// What a scenario creates costs money on a real cloud until it is deleted, and on a running twin
/// stays for the next run to trip over: every step that
/// creates something (and is meant to succeed) must capture an id that a cleanup step uses. Where
/// the answer does not name what was created (the gateway), a later step must capture it.
fn check_cleanup_deletes_creations(
    client: &dyn surface::Surface,
    steps: &[Step],
    cleanup: &[Step],
) -> Result<(), (String, String)> {
    let cleaned: BTreeSet<String> = cleanup.iter().flat_map(|c| c.request_references().unwrap_or_default()).collect();
    let captures_cleaned = |s: &Step| s.capture.keys().any(|c| cleaned.contains(c));
    for (i, step) in steps.iter().enumerate() {
        let creates = step.expect.error.is_empty() && client.creates(&step.call, &step.params);
        let found = captures_cleaned(step)
            || (!client.answer_names_created(&step.call) && steps[i + 1..].iter().any(captures_cleaned));
        if creates && !found {
            let how = if client.answer_names_created(&step.call) {
                "capture its id and use it in \"cleanup\""
            } else {
                "its answer names nothing, so capture the new id in a later step (a list) and use it in \"cleanup\""
            };
            return Err((
                format!("step `{}`", step.name),
                format!("creates something that no cleanup step deletes: {how}"),
            ));
        }
    }
    Ok(())
}

/// A problem of a scenario file: the step it is in (if any), and what is wrong.
type Problem = (Option<String>, String);

/// Parse and check one scenario file.
pub fn parse(file: &str, text: &str) -> Result<Scenario, ScenarioError> {
    let err = |(step, problem): Problem| ScenarioError { file: file.to_string(), step, problem };
    let raw: RawScenario = serde_json::from_str(text).map_err(|e| err((None, format!("not a valid scenario: {e}"))))?;
    let (catalog, client) = check_header(file, &raw).map_err(|e| err((None, e)))?;
    let targets = check_targets(&raw, client).map_err(|e| err((None, e)))?;
    let (steps, cleanup) = parse_steps(&raw, catalog, client).map_err(err)?;
    let every_step: Vec<&Step> = steps.iter().chain(&cleanup).collect();
    check_differences(&raw.differences, &every_step).map_err(|e| err((None, e)))?;
    check_leftovers(&raw, &targets, client, &steps, &cleanup).map_err(err)?;
    Ok(Scenario {
        name: raw.name,
        surface: raw.surface,
        description: raw.description,
        source: raw.source,
        tags: raw.tags,
        targets,
        leaves_behind: raw.leaves_behind,
        vars: raw.vars,
        differences: raw.differences,
        steps,
        cleanup,
        file: file.to_string(),
    })
}

/// A surface's catalog and its client.
type Family = (&'static crate::catalog::Catalog, &'static dyn surface::Surface);

/// The scenario's name (and its file's), its surface (catalog and client), steps and vars.
fn check_header(file: &str, raw: &RawScenario) -> Result<Family, String> {
    if !valid_name(&raw.name) {
        return Err(format!("name `{}` must be lowercase letters, digits, `-` and `_`", raw.name));
    }
    if stem(file) != raw.name {
        return Err(format!("the file must be named after the scenario: `{}.json`", raw.name));
    }
    let Some(catalog) = crate::catalog::find(&raw.surface) else {
        let known: Vec<&str> = crate::catalog::CATALOGS.iter().map(|c| c.surface).collect();
        return Err(format!("unknown surface `{}` (known: {})", raw.surface, known.join(", ")));
    };
    let Some(client) = surface::find(&raw.surface) else {
        return Err(format!("surface `{}` has no client yet, so its scenarios cannot run", raw.surface));
    };
    if raw.steps.is_empty() {
        return Err("a scenario needs at least one step".into());
    }
    for name in raw.vars.keys() {
        if !valid_ident(name) || BUILTINS.contains(&name.as_str()) || template::is_clock_reference(name) {
            return Err(format!("`{name}` cannot be a var name (letters, digits, `_`; not a built-in)"));
        }
    }
    Ok((catalog, client))
}

/// The targets asked for (or all the surface can reach).
fn check_targets(raw: &RawScenario, client: &dyn surface::Surface) -> Result<Vec<TargetKind>, String> {
    // A surface without a public cloud (the gateway, UCloudStack) runs against twins only.
    let reachable =
        if client.cloud().is_some() { vec![TargetKind::Twin, TargetKind::Cloud] } else { vec![TargetKind::Twin] };
    let targets = raw.targets.clone().unwrap_or_else(|| reachable.clone());
    if targets.is_empty() {
        return Err("`targets` may not be empty".into());
    }
    if let Some(t) = targets.iter().find(|t| !reachable.contains(t)) {
        return Err(format!("surface `{}` has no public endpoint, so it cannot target {t:?}", raw.surface));
    }
    Ok(targets)
}

/// The steps and cleanup steps, each read and checked in order (later steps may use what
/// earlier ones capture).
fn parse_steps(
    raw: &RawScenario,
    catalog: &'static crate::catalog::Catalog,
    client: &'static dyn surface::Surface,
) -> Result<(Vec<Step>, Vec<Step>), Problem> {
    let mut checker = StepChecker {
        surface: &raw.surface,
        catalog,
        client,
        vars: &raw.vars,
        names: BTreeSet::new(),
        known: raw.vars.keys().cloned().chain(BUILTINS.iter().map(|s| s.to_string())).collect(),
    };
    let (mut steps, mut cleanup) = (Vec::new(), Vec::new());
    let all = raw.steps.iter().map(|v| (false, v)).chain(raw.cleanup.iter().map(|v| (true, v)));
    for (n, (is_cleanup, value)) in all.enumerate() {
        let label = |name: Option<&str>| {
            let (part, index) = if is_cleanup { ("cleanup step", n + 1 - raw.steps.len()) } else { ("step", n + 1) };
            match name {
                Some(s) => format!("{part} {index} `{s}`"),
                None => format!("{part} {index}"),
            }
        };
        let hint = value.get("name").or_else(|| value.get("call")).and_then(Value::as_str);
        let raw_step: RawStep =
            serde_json::from_value(value.clone()).map_err(|e| (Some(label(hint)), e.to_string()))?;
        let step = convert_step(raw_step).map_err(|e| (Some(label(hint)), e))?;
        checker.check(&step).map_err(|e| (Some(label(Some(&step.name))), e))?;
        if is_cleanup {
            cleanup.push(step);
        } else {
            steps.push(step);
        }
    }
    Ok((steps, cleanup))
}

/// A scenario cleans up what it creates, unless it says what it leaves behind and why (and
/// then it runs against twins only).
fn check_leftovers(
    raw: &RawScenario,
    targets: &[TargetKind],
    client: &'static dyn surface::Surface,
    steps: &[Step],
    cleanup: &[Step],
) -> Result<(), Problem> {
    match &raw.leaves_behind {
        Some(_) if targets.contains(&TargetKind::Cloud) => {
            Err((None, "`leaves_behind` scenarios cannot run against a cloud: add \"targets\": [\"twin\"]".into()))
        }
        Some(why) if why.trim().is_empty() => Err((None, "`leaves_behind` must say what and why".into())),
        Some(_) => Ok(()),
        // Twin-only scenarios too: a running twin is shared with the runs after this one.
        None => check_cleanup_deletes_creations(client, steps, cleanup).map_err(|(step, e)| (Some(step), e)),
    }
}

impl Step {
    /// The `${...}` names the request itself needs (parameters and transport options).
    pub fn request_references(&self) -> Result<Vec<String>, String> {
        let mut refs = template::references(&self.params)?;
        refs.extend(template::references(&Value::Object(self.transport.clone()))?);
        Ok(refs)
    }
}

impl Scenario {
    pub fn id(&self) -> String {
        format!("{}/{}", self.surface, self.name)
    }

    /// Catalog operations this scenario calls (cleanup included).
    pub fn operations(&self) -> BTreeSet<&str> {
        self.steps.iter().chain(&self.cleanup).filter(|s| !s.unlisted).map(|s| s.call.as_str()).collect()
    }

    pub fn snapshots(&self) -> bool {
        self.steps.iter().chain(&self.cleanup).any(|s| s.snapshot)
    }
}

/// Parse many files (path, text); names must be unique per surface.
pub fn parse_all(files: &[(String, String)]) -> Result<Vec<Scenario>, ScenarioError> {
    let mut out: Vec<Scenario> = Vec::new();
    for (file, text) in files {
        let s = parse(file, text)?;
        if let Some(other) = out.iter().find(|o| o.id() == s.id()) {
            return Err(ScenarioError {
                file: file.clone(),
                step: None,
                problem: format!("scenario `{}` is also defined in {}", s.id(), other.file),
            });
        }
        out.push(s);
    }
    out.sort_by_key(|s| s.id());
    Ok(out)
}

/// Read every `*.json` under `dir/<surface>/`.
pub fn read_dir(dir: &std::path::Path) -> Result<Vec<(String, String)>, String> {
    let mut files = Vec::new();
    let entries = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let mut surfaces: Vec<_> = entries.filter_map(Result::ok).filter(|e| e.path().is_dir()).collect();
    surfaces.sort_by_key(|e| e.path());
    for s in surfaces {
        let mut jsons: Vec<_> = std::fs::read_dir(s.path())
            .map_err(|e| format!("{}: {e}", s.path().display()))?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        jsons.sort();
        for p in jsons {
            let text = std::fs::read_to_string(&p).map_err(|e| format!("{}: {e}", p.display()))?;
            files.push((p.display().to_string(), text));
        }
    }
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> Result<Scenario, ScenarioError> {
        parse("scenarios/tencent-cbs/demo.json", text)
    }

    const GOOD: &str = r#"{
        "name": "demo", "surface": "tencent-cbs",
        "vars": {"zone": "ap-guangzhou-3"},
        "steps": [
            {"name": "create", "call": "CreateDisks",
             "params": {"Placement": {"Zone": "${zone}"}, "DiskChargeType": "POSTPAID_BY_HOUR", "DiskType": "CLOUD_PREMIUM", "DiskSize": 10},
             "capture": {"disk": "Response.DiskIdSet[0]"}},
            {"name": "ready", "call": "DescribeDisks", "params": {"DiskIds": ["${disk}"]},
             "wait": {"until": {"Response.DiskSet[0].DiskState": "UNATTACHED"}, "timeout": 60, "every": 1}}
        ],
        "cleanup": [{"call": "TerminateDisks", "params": {"DiskIds": ["${disk}"]}}]
    }"#;

    #[test]
    fn a_good_scenario_loads() {
        let s = load(GOOD).unwrap();
        assert_eq!(s.id(), "tencent-cbs/demo");
        assert_eq!(s.steps.len(), 2);
        assert_eq!(s.cleanup[0].name, "TerminateDisks");
        assert_eq!(
            s.operations().into_iter().collect::<Vec<_>>(),
            vec!["CreateDisks", "DescribeDisks", "TerminateDisks"]
        );
        assert_eq!(s.targets, vec![TargetKind::Twin, TargetKind::Cloud]);
    }

    fn problem(text: &str) -> String {
        load(text).unwrap_err().to_string()
    }

    #[test]
    fn problems_name_the_file_the_step_and_the_problem() {
        let typo = GOOD.replace("\"params\": {\"DiskIds\"", "\"parms\": {\"DiskIds\"");
        let p = problem(&typo);
        assert!(p.starts_with("scenarios/tencent-cbs/demo.json: step 2 `ready`: unknown field `parms`"), "{p}");

        let p = problem(&GOOD.replace("\"call\": \"DescribeDisks\"", "\"call\": \"DescribeDisk\""));
        assert!(p.contains("step 2 `ready`: `DescribeDisk` is not an operation of tencent-cbs"), "{p}");

        let p = problem(&GOOD.replace("[\"${disk}\"]}}]", "[\"${disc}\"]}}]"));
        assert!(p.contains("cleanup step 1 `TerminateDisks`: `${disc}` is neither a var"), "{p}");

        let p = problem(&GOOD.replace("\"timeout\": 60", "\"timeout\": -1"));
        assert!(p.contains("step 2 `ready`: `wait.timeout` must be between"), "{p}");

        let p =
            problem(&GOOD.replace("DiskSet[0].DiskState\": \"UNATTACHED\"", "DiskSet[0].DiskState\": {\"$eq\": 1}"));
        assert!(p.contains("unknown operator `$eq`"), "{p}");

        let p = problem(&GOOD.replace(
            r#""cleanup": [{"call": "TerminateDisks", "params": {"DiskIds": ["${disk}"]}}]"#,
            r#""cleanup": []"#,
        ));
        assert!(p.contains("step `create`: creates something that no cleanup step deletes"), "{p}");

        let p = problem(&GOOD.replace("\"name\": \"ready\"", "\"name\": \"create\""));
        assert!(p.contains("the name `create` is used by an earlier step"), "{p}");

        assert!(problem("{ not json").starts_with("scenarios/tencent-cbs/demo.json: not a valid scenario"));
        assert!(problem(&GOOD.replace("\"name\": \"demo\"", "\"name\": \"other\"")).contains("must be named after"));
        assert!(problem(&GOOD.replace("tencent-cbs", "aws-s3")).contains("unknown surface `aws-s3`"));
        assert!(problem(
            &GOOD
                .replace("\"sign\"", "x")
                .replace("\"call\": \"CreateDisks\",", "\"call\": \"CreateDisks\", \"sign\": \"forged\",")
        )
        .contains("unknown variant `forged`"));
    }

    #[test]
    fn twin_only_scenarios_clean_up_unless_they_say_what_they_leave_behind() {
        let twin_only = GOOD
            .replace(
                r#""cleanup": [{"call": "TerminateDisks", "params": {"DiskIds": ["${disk}"]}}]"#,
                r#""cleanup": []"#,
            )
            .replace("\"vars\"", "\"targets\": [\"twin\"], \"vars\"");
        let p = load(&twin_only).unwrap_err().to_string();
        assert!(p.contains("step `create`: creates something that no cleanup step deletes"), "{p}");

        let leaves = twin_only.replace("\"vars\"", "\"leaves_behind\": \"a disk\", \"vars\"");
        assert_eq!(load(&leaves).unwrap().leaves_behind.as_deref(), Some("a disk"));
        let blank = twin_only.replace("\"vars\"", "\"leaves_behind\": \" \", \"vars\"");
        assert!(load(&blank).unwrap_err().to_string().contains("must say what and why"));
        let on_cloud = leaves.replace("\"targets\": [\"twin\"]", "\"targets\": [\"twin\", \"cloud\"]");
        assert!(load(&on_cloud).unwrap_err().to_string().contains("cannot run against a cloud"));
    }

    #[test]
    fn surfaces_without_a_cloud_run_against_twins_only() {
        let file = "scenarios/gateway/demo.json";
        let text = r#"{"name": "demo", "surface": "gateway", "steps": [{"call": "DiskList", "params": {}}]}"#;
        assert_eq!(parse(file, text).unwrap().targets, vec![TargetKind::Twin]);
        let cloud = text.replace("\"steps\"", "\"targets\": [\"twin\", \"cloud\"], \"steps\"");
        assert!(parse(file, &cloud).unwrap_err().to_string().contains("has no public endpoint"));
    }

    #[test]
    fn a_gateway_creation_is_found_by_a_later_list() {
        let file = "scenarios/gateway/demo.json";
        let create = r#"{"name": "create", "call": "DiskCreate", "params": {"DiskType": "CLOUD_PREMIUM"}}"#;
        let list = r#"{"name": "list", "call": "DiskList", "params": {}, "capture": {"disk": "data.List[0].DiskId"}}"#;
        let cleanup = r#"[{"call": "DiskDelete", "params": {"DiskIds": ["${disk}"]}}]"#;
        let scenario = |steps: &str, cleanup: &str| {
            format!(r#"{{"name": "demo", "surface": "gateway", "steps": [{steps}], "cleanup": {cleanup}}}"#)
        };
        assert!(parse(file, &scenario(&format!("{create}, {list}"), cleanup)).is_ok());
        let p = parse(file, &scenario(&format!("{list}, {create}"), cleanup)).unwrap_err().to_string();
        assert!(p.contains("step `create`: creates something that no cleanup step deletes: its answer names"), "{p}");
        assert!(parse(file, &scenario(&format!("{create}, {list}"), "[]")).is_err());
    }
}
