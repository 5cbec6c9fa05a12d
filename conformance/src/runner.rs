//! Runs one scenario against a target: fills in `${...}` references, sends each step, checks the
//! outcome and the expected fields, captures values for later steps, polls `wait` steps (moving
//! the target's clock between polls), then always runs the cleanup steps. Finally the snapshot
//! steps' redacted answers are compared with (or, with `--update`, written to) the recording.

use std::collections::BTreeMap;
use std::time::Instant;

use serde_json::{json, Map, Value};

use crate::diff::{diff, Drift};
use crate::matcher;
use crate::path::{Path, Segment};
use crate::redact::Redactor;
use crate::report::{
    DriftReport, Failure, IgnoredDifference, Outcome, ScenarioReport, SnapshotReport, SnapshotStatus, StepReport,
};
use crate::scenario::{Scenario, Step, TargetKind};
use crate::snapshot::{self, Meta, Snapshot, Store};
use crate::surface::{Call, HttpRequest, Reply, Surface};
use crate::target::{Endpoint, Session, Target, TargetDown};
use crate::template::{self, Scope};

pub struct RunOptions {
    pub update: bool,
    /// `--var name=value`, applied to every scenario that declares the var.
    pub vars: BTreeMap<String, String>,
    /// Unique per run, for names of things created on a real cloud.
    pub run_id: String,
    pub snapshots: Store,
}

/// How much of a request or an answer goes into a failure report.
const SHOWN: usize = 1500;

fn cut(s: &str) -> String {
    if s.chars().count() <= SHOWN {
        s.to_string()
    } else {
        format!("{}… ({} bytes)", s.chars().take(SHOWN).collect::<String>(), s.len())
    }
}

/// The request as a reader needs it: method, path, headers but the signature, body.
fn describe_request(req: &HttpRequest) -> String {
    let headers: Vec<String> = req
        .headers
        .iter()
        .filter(|(k, _)| !k.eq_ignore_ascii_case("authorization"))
        .map(|(k, v)| format!("{k}: {v}"))
        .collect();
    cut(&format!(
        "{} {} [{}] {}",
        req.method,
        req.path_and_query,
        headers.join("; "),
        String::from_utf8_lossy(&req.body)
    ))
}

/// The result of one step.
struct Sent {
    report: StepReport,
    failure: Option<Failure>,
    reply: Option<Reply>,
}

fn outcome_problem(step: &Step, reply: &Reply) -> Option<String> {
    let e = &step.expect;
    if let Some(status) = e.status {
        if reply.status != status {
            return Some(format!("expected HTTP {status}, got HTTP {}", reply.status));
        }
    }
    let got = match (&reply.error, &reply.message) {
        (Some(code), Some(msg)) => format!("{code} ({msg})"),
        (Some(code), None) => code.clone(),
        (None, _) => "success".to_string(),
    };
    match &reply.error {
        _ if !e.error.is_empty() => match &reply.error {
            Some(code) if e.error.contains(code) => None,
            _ => Some(format!("expected error {}, got {got}", e.error.join(" or "))),
        },
        None => None,
        Some(code) if e.tolerate.contains(code) => None,
        Some(_) if e.tolerate.is_empty() => Some(format!("expected success, got {got}")),
        Some(_) => Some(format!("expected success or {}, got {got}", e.tolerate.join(" or "))),
    }
}

/// The first field that does not match, as `path: problem`.
fn field_problem(fields: &[(Path, Value)], body: &Value, scope: &Scope) -> Result<Option<String>, String> {
    for (path, m) in fields {
        let m = scope.apply(m)?;
        if let Err(e) = matcher::check(&m, path.lookup(body)) {
            return Ok(Some(format!("{path}: {e}")));
        }
    }
    Ok(None)
}

struct Context<'a> {
    target: &'a Target,
    session: &'a Session,
    endpoint: &'a Endpoint,
    surface: &'a dyn Surface,
    region: String,
}

/// Fill the step's `${...}` references in and sign its request.
fn build_request(cx: &Context<'_>, step: &Step, scope: &Scope) -> Result<HttpRequest, String> {
    let filled = scope.apply(&step.params).and_then(|p| Ok((p, scope.apply(&Value::Object(step.transport.clone()))?)));
    let (params, transport) = match filled {
        Ok((p, Value::Object(t))) => (p, t),
        Ok(_) => (Value::Null, Map::new()),
        Err(e) => return Err(format!("cannot fill in the request: {e}")),
    };
    let call = Call {
        operation: &step.call,
        params: &params,
        transport: &transport,
        sign: step.sign,
        region: &cx.region,
        now: scope.now,
    };
    cx.surface
        .build(&call, &cx.target.credentials, &cx.endpoint.host)
        .map_err(|e| format!("cannot build the request: {e}"))
}

/// Check the expected fields of an answer and capture its values. An error says whether the
/// request and the answer belong in the report (`true`) or the problem is the scenario's.
fn check_fields_and_capture(step: &Step, reply: &Reply, scope: &mut Scope) -> Result<(), (String, bool)> {
    // Fields describe the state waited for, so they are checked once it is reached.
    match field_problem(&step.expect.fields, &reply.body, scope) {
        Ok(None) => {}
        Ok(Some(p)) => return Err((p, true)),
        Err(e) => return Err((e, false)),
    }
    for (name, path) in &step.capture {
        match path.lookup(&reply.body) {
            Some(v) => {
                scope.values.insert(name.clone(), v.clone());
            }
            None => return Err((format!("capture `{name}`: the answer has nothing at {path}"), true)),
        }
    }
    Ok(())
}

async fn send_step(cx: &Context<'_>, step: &Step, scope: &mut Scope, cleanup: bool) -> Result<Sent, TargetDown> {
    let label = if cleanup { format!("cleanup step `{}`", step.name) } else { format!("step `{}`", step.name) };
    let mut report = StepReport {
        name: step.name.clone(),
        call: step.call.clone(),
        cleanup,
        outcome: Outcome::Failed,
        sent: 0,
        status: None,
        error: None,
    };
    let fail = |report: StepReport, message: String, request: Option<String>, response: Option<String>| Sent {
        report,
        failure: Some(Failure {
            step: Some(label.clone()),
            message,
            drift: vec![],
            request,
            response,
            request_id: None,
        }),
        reply: None,
    };
    let mut waited = 0.0;
    loop {
        scope.now = cx.target.now().await?;
        let request = match build_request(cx, step, scope) {
            Ok(r) => r,
            Err(e) => return Ok(fail(report, e, None, None)),
        };
        let http = match cx.target.send(cx.endpoint, &request).await? {
            Ok(h) => h,
            Err(e) => return Ok(fail(report, e, Some(describe_request(&request)), None)),
        };
        report.sent += 1;
        report.status = Some(http.status);
        let shown_request = || Some(describe_request(&request));
        let shown_answer = || Some(cut(&String::from_utf8_lossy(&http.body)));
        let reply = match cx.surface.read(&http) {
            Ok(r) => r,
            Err(e) => return Ok(tag(&http, fail(report, e, shown_request(), shown_answer()))),
        };
        report.error = reply.error.clone();
        if let Some(p) = outcome_problem(step, &reply) {
            return Ok(tag(&http, fail(report, p, shown_request(), shown_answer())));
        }
        // A tolerated error (the thing waited on is already gone) leaves nothing to wait for.
        if let Some(w) = step.wait.as_ref().filter(|_| reply.error.is_none()) {
            match field_problem(&w.until, &reply.body, scope) {
                Ok(None) => {}
                Ok(Some(unmet)) => {
                    if waited + w.every > w.timeout {
                        let message = format!("gave up after waiting {waited} s: still {unmet}");
                        return Ok(tag(&http, fail(report, message, shown_request(), shown_answer())));
                    }
                    cx.target.wait(w.every, cx.session).await?;
                    waited += w.every;
                    continue;
                }
                Err(e) => return Ok(fail(report, e, None, None)),
            }
        }
        match check_fields_and_capture(step, &reply, scope) {
            Ok(()) => {}
            Err((message, true)) => return Ok(tag(&http, fail(report, message, shown_request(), shown_answer()))),
            Err((message, false)) => return Ok(fail(report, message, None, None)),
        }
        report.outcome = Outcome::Passed;
        return Ok(Sent { report, failure: None, reply: Some(reply) });
    }
}

/// A failure after an answer came: it names the answer's request id (the twin's journal entry).
fn tag(http: &crate::surface::HttpReply, mut sent: Sent) -> Sent {
    if let Some(f) = sent.failure.as_mut() {
        f.request_id.clone_from(&http.request_id);
    }
    sent
}

fn skipped(step: &Step, cleanup: bool) -> StepReport {
    StepReport {
        name: step.name.clone(),
        call: step.call.clone(),
        cleanup,
        outcome: Outcome::Skipped,
        sent: 0,
        status: None,
        error: None,
    }
}

/// The values a scenario starts with: its vars (with `--var` overrides) and the built-ins.
fn initial_scope(s: &Scenario, cx: &Context<'_>, opts: &RunOptions) -> BTreeMap<String, Value> {
    let mut values = BTreeMap::new();
    for (name, default) in &s.vars {
        let v = match opts.vars.get(name) {
            // A number stays a number when the default is one.
            Some(text) if !default.is_string() => serde_json::from_str(text).unwrap_or_else(|_| json!(text)),
            Some(text) => json!(text),
            None => default.clone(),
        };
        values.insert(name.clone(), v);
    }
    values.insert("region".into(), json!(cx.region));
    values.insert("run_id".into(), json!(opts.run_id));
    let project = cx.target.credentials.huawei.as_ref().map_or("", |k| k.project_id.as_str());
    values.insert("project_id".into(), json!(project));
    values
}

/// The surface client and endpoint a scenario runs with on `target`, or why it is skipped.
fn runnable(target: &Target, s: &Scenario) -> Result<(&'static dyn Surface, Endpoint), String> {
    let Some(surface) = crate::surface::find(&s.surface) else {
        return Err(format!("surface `{}` has no client", s.surface));
    };
    if !s.targets.contains(&target.kind) {
        let only = if target.kind == TargetKind::Cloud { "a twin" } else { "a real cloud" };
        return Err(format!("runs only against {only}"));
    }
    if let (Some(what), false) = (&s.leaves_behind, target.owns_state()) {
        return Err(format!("leaves behind {what}; runs only against the embedded twin"));
    }
    let Some(endpoint) = target.endpoint(surface) else {
        return Err(format!("{} does not serve {}", target.label, s.surface));
    };
    Ok((surface, endpoint))
}

/// Every cleanup step runs, even after a failure, unless it refers to something never created.
async fn run_cleanup(
    cx: &Context<'_>,
    s: &Scenario,
    scope: &mut Scope,
    report: &mut ScenarioReport,
) -> Result<(), TargetDown> {
    for step in &s.cleanup {
        let missing = step
            .request_references()
            .unwrap_or_default()
            .iter()
            .any(|r| !scope.values.contains_key(r) && !template::is_clock_reference(r));
        if missing {
            // Nothing was created that this step would delete.
            report.steps.push(skipped(step, true));
            continue;
        }
        let sent = send_step(cx, step, scope, true).await?;
        report.steps.push(sent.report);
        if let Some(f) = sent.failure {
            report.failures.push(f);
        }
    }
    Ok(())
}

pub async fn run_scenario(target: &Target, s: &Scenario, opts: &RunOptions) -> Result<ScenarioReport, TargetDown> {
    let started = Instant::now();
    let mut report = ScenarioReport {
        id: s.id(),
        surface: s.surface.clone(),
        name: s.name.clone(),
        file: s.file.clone(),
        outcome: Outcome::Skipped,
        skip_reason: None,
        duration_s: 0.0,
        steps: vec![],
        failures: vec![],
        snapshot: None,
        ignored_differences: vec![],
    };
    let (surface, endpoint) = match runnable(target, s) {
        Ok(r) => r,
        Err(why) => {
            report.skip_reason = Some(why);
            return Ok(report);
        }
    };
    let session = target.begin().await?;
    let cx = Context { target, session: &session, endpoint: &endpoint, surface, region: target.region_for(surface) };
    let values = initial_scope(s, &cx, opts);
    let mut redactor = Redactor::new(surface.redaction(), &values);
    let mut scope = Scope { values, now: 0 };
    let mut recorded = Map::new();

    let mut failed = false;
    for step in &s.steps {
        if failed {
            report.steps.push(skipped(step, false));
            continue;
        }
        let sent = send_step(&cx, step, &mut scope, false).await?;
        if let (true, Some(reply)) = (step.snapshot, &sent.reply) {
            recorded.insert(step.name.clone(), json!({"status": reply.status, "body": redactor.redact(&reply.body)}));
        }
        report.steps.push(sent.report);
        if let Some(f) = sent.failure {
            report.failures.push(f);
            failed = true;
        }
    }
    run_cleanup(&cx, s, &mut scope, &mut report).await?;
    target.end(&session).await?;
    if s.snapshots() {
        if report.failures.is_empty() {
            check_snapshot(s, target, opts, Value::Object(recorded), &mut report);
        } else if opts.update {
            report.snapshot = Some(SnapshotReport {
                file: snapshot::relative(&s.surface, &s.name),
                status: SnapshotStatus::NotUpdated,
                recorded_by: None,
                recorded_at: None,
            });
        }
    }
    report.outcome = if report.failures.is_empty() { Outcome::Passed } else { Outcome::Failed };
    report.duration_s = started.elapsed().as_secs_f64();
    Ok(report)
}

/// The declared differences as patterns over the snapshot content (`<step>.body.<path>`).
fn difference_patterns(s: &Scenario) -> Vec<(Path, &crate::scenario::Difference)> {
    s.differences
        .iter()
        .filter_map(|d| {
            let inner = Path::parse(&d.path).ok()?;
            let mut segs = vec![d.step.clone().map_or(Segment::AnyKey, Segment::Key), Segment::Key("body".into())];
            segs.extend(inner.0);
            Some((Path(segs), d))
        })
        .collect()
}

/// Put the recorded values back at ignored paths, so re-recording against a twin keeps what
/// the real cloud said there.
fn carry_over(content: &mut Value, ignored: &[Drift]) {
    for d in ignored {
        let Some((last, parent)) = d.path.0.split_last() else { continue };
        let Some(holder) = Path(parent.to_vec()).lookup_mut(content) else { continue };
        match (last, holder, &d.recorded) {
            (Segment::Key(k), Value::Object(m), Some(v)) => {
                m.insert(k.clone(), v.clone());
            }
            (Segment::Key(k), Value::Object(m), None) => {
                m.shift_remove(k);
            }
            (Segment::Index(i), Value::Array(a), Some(v)) if *i < a.len() => a[*i] = v.clone(),
            _ => {}
        }
    }
}

/// The recorded snapshot, if there is one. One that cannot be read is an error, unless it is
/// about to be re-recorded.
fn read_recording(s: &Scenario, opts: &RunOptions, file: &str) -> Result<Option<Snapshot>, String> {
    match opts.snapshots.read(&s.surface, &s.name)? {
        Some(text) => match snapshot::parse(&text) {
            Ok(old) => Ok(Some(old)),
            Err(e) if !opts.update => Err(format!("the recording {file} cannot be read: {e}")),
            Err(_) => Ok(None),
        },
        None => Ok(None),
    }
}

/// The differences between the recording and this run: (ignored as declared, drift). The
/// declared differences that applied are noted in the report.
fn compare(
    s: &Scenario,
    target: &Target,
    old: &Snapshot,
    fresh: &Snapshot,
    report: &mut ScenarioReport,
) -> (Vec<Drift>, Vec<Drift>) {
    // Declared differences are between the twin and the cloud: against a cloud nothing is ignored.
    let patterns = if target.kind == TargetKind::Twin { difference_patterns(s) } else { vec![] };
    let all = diff(&old.content, &fresh.content, &|_| false);
    let (ignored, drift): (Vec<Drift>, Vec<Drift>) =
        all.into_iter().partition(|d| patterns.iter().any(|(p, _)| p.covers(&d.path)));
    for (p, d) in &patterns {
        let at: Vec<String> = ignored.iter().filter(|x| p.covers(&x.path)).map(|x| x.path.to_string()).collect();
        if !at.is_empty() {
            report.ignored_differences.push(IgnoredDifference { path: d.path.clone(), reason: d.reason.clone(), at });
        }
    }
    (ignored, drift)
}

fn drift_report(d: &Drift) -> DriftReport {
    DriftReport {
        path: d.path.to_string(),
        recorded: d.recorded.clone(),
        actual: d.actual.clone(),
        text: d.to_string(),
    }
}

fn check_snapshot(s: &Scenario, target: &Target, opts: &RunOptions, content: Value, report: &mut ScenarioReport) {
    let file = snapshot::relative(&s.surface, &s.name);
    let mut snap_report =
        SnapshotReport { file: file.clone(), status: SnapshotStatus::Matched, recorded_by: None, recorded_at: None };
    let fresh = Snapshot {
        meta: Meta {
            source: s.file.clone(),
            expression: s.id(),
            target: target.label.clone(),
            recorded_at: chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        },
        content,
    };
    let fail = |report: &mut ScenarioReport, message: String, drift: Vec<DriftReport>| {
        report.failures.push(Failure { step: None, message, drift, request: None, response: None, request_id: None })
    };
    let write = |report: &mut ScenarioReport, snap: &Snapshot| -> bool {
        match opts.snapshots.write(&s.surface, &s.name, &snapshot::render(snap)) {
            Ok(_) => true,
            Err(e) => {
                report.failures.push(Failure {
                    step: None,
                    message: e,
                    drift: vec![],
                    request: None,
                    response: None,
                    request_id: None,
                });
                false
            }
        }
    };
    let old = match read_recording(s, opts, &file) {
        Ok(old) => old,
        Err(e) => return fail(report, e, vec![]),
    };
    let Some(old) = old else {
        if opts.update {
            if write(report, &fresh) {
                snap_report.status = SnapshotStatus::Recorded;
            }
        } else {
            snap_report.status = SnapshotStatus::Missing;
            fail(
                report,
                format!("no recorded snapshot {file} in {}; record one with --update", opts.snapshots.describe()),
                vec![],
            );
        }
        report.snapshot = Some(snap_report);
        return;
    };
    snap_report.recorded_by = Some(old.meta.target.clone());
    snap_report.recorded_at = Some(old.meta.recorded_at.clone());

    let (ignored, drift) = compare(s, target, &old, &fresh, report);
    if drift.is_empty() {
        report.snapshot = Some(snap_report);
        return;
    }
    if opts.update {
        let mut updated = fresh;
        carry_over(&mut updated.content, &ignored);
        if write(report, &updated) {
            snap_report.status = SnapshotStatus::Updated;
        }
    } else {
        snap_report.status = SnapshotStatus::Drifted;
        let drift: Vec<DriftReport> = drift.iter().map(drift_report).collect();
        let message = format!(
            "response shape drifted from {file} (recorded against {} at {}); re-record with --update if this is intended",
            old.meta.target, old.meta.recorded_at
        );
        fail(report, message, drift);
    }
    report.snapshot = Some(snap_report);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(error: Option<&str>) -> Reply {
        Reply { status: 200, error: error.map(str::to_string), message: Some("why".into()), body: Value::Null }
    }

    fn step(expect: &str) -> Step {
        let text = format!(
            r#"{{"name": "s", "surface": "tencent-cbs", "targets": ["twin"], "steps": [{{"call": "DescribeDisks", "expect": {expect}}}]}}"#
        );
        crate::scenario::parse("s.json", &text).unwrap().steps.remove(0)
    }

    #[test]
    fn outcomes() {
        assert_eq!(outcome_problem(&step("{}"), &reply(None)), None);
        assert_eq!(outcome_problem(&step("{}"), &reply(Some("X"))).unwrap(), "expected success, got X (why)");
        assert_eq!(outcome_problem(&step(r#"{"error": "X"}"#), &reply(Some("X"))), None);
        assert_eq!(
            outcome_problem(&step(r#"{"error": ["X", "Y"]}"#), &reply(None)).unwrap(),
            "expected error X or Y, got success"
        );
        assert_eq!(outcome_problem(&step(r#"{"tolerate": ["X"]}"#), &reply(Some("X"))), None);
        assert_eq!(outcome_problem(&step(r#"{"tolerate": ["X"]}"#), &reply(None)), None);
        assert!(outcome_problem(&step(r#"{"tolerate": ["X"]}"#), &reply(Some("Z"))).unwrap().contains("success or X"));
        assert_eq!(
            outcome_problem(&step(r#"{"status": 404}"#), &reply(None)).unwrap(),
            "expected HTTP 404, got HTTP 200"
        );
    }

    #[test]
    fn carrying_over_ignored_values() {
        let mut content = json!({"s": {"body": {"A": 2, "New": 1, "L": [5]}}});
        let p = |t: &str| Path::parse(t).unwrap();
        carry_over(
            &mut content,
            &[
                Drift { path: p("s.body.A"), recorded: Some(json!(1)), actual: Some(json!(2)) },
                Drift { path: p("s.body.New"), recorded: None, actual: Some(json!(1)) },
                Drift { path: p("s.body.Gone"), recorded: Some(json!("x")), actual: None },
                Drift { path: p("s.body.L[0]"), recorded: Some(json!(4)), actual: Some(json!(5)) },
            ],
        );
        assert_eq!(content, json!({"s": {"body": {"A": 1, "L": [4], "Gone": "x"}}}));
    }
}
