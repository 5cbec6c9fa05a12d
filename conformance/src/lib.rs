//! The conformance suite behind `cloudtwin conform`: documented scenarios (JSON files) replayed
//! against the twin or a real cloud, with redacted snapshots of response shapes.
//!
//! scenario.rs loads and checks the files; surface/ turns operations into signed requests per
//! API family; target.rs reaches a twin or a cloud and owns its clock; runner.rs executes a
//! scenario; redact.rs, snapshot.rs and diff.rs keep and compare the recordings; report.rs
//! prints the summary, JUnit and JSON.

pub mod catalog;
pub mod cloud;
pub mod credentials;
pub mod diff;
pub mod fuzz;
pub mod matcher;
pub mod path;
pub mod redact;
pub mod report;
pub mod runner;
pub mod scenario;
pub mod snapshot;
pub mod surface;
pub mod target;
pub mod template;

/// The scenario and snapshot files compiled in by build.rs.
pub mod builtin;

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

use report::{Outcome, RunReport};
use scenario::Scenario;
use target::{Target, TargetOptions, TargetSpec};

/// What `cloudtwin conform` was asked to do.
pub struct Options {
    pub list: bool,
    pub surfaces: Vec<String>,
    pub scenarios: Vec<String>,
    /// Substring of `surface/name` (case-insensitive).
    pub filter: Option<String>,
    pub target: TargetSpec,
    pub allow_billable: bool,
    pub region: Option<String>,
    pub vars: Vec<(String, String)>,
    pub update: bool,
    pub junit: Option<PathBuf>,
    pub json: bool,
    pub scenario_dir: Option<PathBuf>,
    pub snapshot_dir: Option<PathBuf>,
    pub verbose: bool,
    /// Sent on control-plane calls to a twin started with `--control-token`.
    pub control_token: Option<String>,
}

/// Exit codes: every scenario passed / some failed / the run could not start or went wrong.
pub const EXIT_PASSED: i32 = 0;
pub const EXIT_FAILED: i32 = 1;
pub const EXIT_ERROR: i32 = 2;

/// The scenario files: from a directory, or the ones built in.
pub fn scenario_files(dir: Option<&std::path::Path>) -> Result<Vec<(String, String)>, String> {
    match dir {
        Some(d) => scenario::read_dir(d),
        None => Ok(builtin::SCENARIOS
            .iter()
            .map(|(rel, text)| (format!("conformance/scenarios/{rel}"), text.to_string()))
            .collect()),
    }
}

fn select(all: Vec<Scenario>, opts: &Options) -> Result<Vec<Scenario>, String> {
    for s in &opts.surfaces {
        if catalog::find(s).is_none() {
            let known: Vec<&str> = catalog::CATALOGS.iter().map(|c| c.surface).collect();
            return Err(format!("unknown surface `{s}` (known: {})", known.join(", ")));
        }
    }
    for name in &opts.scenarios {
        if !all.iter().any(|s| &s.name == name || &s.id() == name) {
            return Err(format!("no scenario is named `{name}` (see --list)"));
        }
    }
    let filter = opts.filter.as_ref().map(|f| f.to_lowercase());
    let chosen: Vec<Scenario> = all
        .into_iter()
        .filter(|s| opts.surfaces.is_empty() || opts.surfaces.contains(&s.surface))
        .filter(|s| opts.scenarios.is_empty() || opts.scenarios.iter().any(|n| n == &s.name || n == &s.id()))
        .filter(|s| filter.as_ref().is_none_or(|f| s.id().to_lowercase().contains(f)))
        .collect();
    if chosen.is_empty() {
        return Err("no scenario matches the selection (see --list)".into());
    }
    for (name, _) in &opts.vars {
        if !chosen.iter().any(|s| s.vars.contains_key(name)) {
            return Err(format!("--var {name}: no selected scenario has a var `{name}`"));
        }
    }
    Ok(chosen)
}

/// Per catalog: which operations the scenarios touch, out of how many.
pub fn coverage(scenarios: &[Scenario]) -> Vec<(&'static str, usize, usize, Vec<&'static str>)> {
    catalog::CATALOGS
        .iter()
        .map(|c| {
            let touched: BTreeSet<&str> =
                scenarios.iter().filter(|s| s.surface == c.surface).flat_map(|s| s.operations()).collect();
            let ops = c.operations();
            let missing: Vec<&'static str> = ops.iter().copied().filter(|o| !touched.contains(o)).collect();
            (c.surface, ops.len() - missing.len(), ops.len(), missing)
        })
        .collect()
}

fn list(scenarios: &[Scenario], all: &[Scenario], out: &mut dyn Write) -> std::io::Result<()> {
    let width = scenarios.iter().map(|s| s.id().len()).max().unwrap_or(0);
    for s in scenarios {
        let targets: Vec<&str> = s
            .targets
            .iter()
            .map(|t| match t {
                scenario::TargetKind::Twin => "twin",
                scenario::TargetKind::Cloud => "cloud",
            })
            .collect();
        let steps = s.steps.len() + s.cleanup.len();
        writeln!(out, "{:width$}  {:10}  {steps:>2} steps  {}", s.id(), targets.join(","), s.description)?;
    }
    writeln!(out)?;
    writeln!(out, "{} scenarios; operations covered (all scenarios):", scenarios.len())?;
    for (surface, touched, total, _) in coverage(all) {
        let note = if surface::find(surface).is_none() { " (no client yet)" } else { "" };
        writeln!(out, "  {surface:12} {touched:>3} of {total} operations{note}")?;
    }
    Ok(())
}

fn run_id() -> String {
    let now = chrono::Utc::now();
    format!("{}{:04}", now.format("%m%d%H%M%S"), now.timestamp_subsec_micros() % 10_000)
}

/// Run `cloudtwin conform`: prints to `out` (and `err`), returns the exit code.
pub fn main(opts: Options, out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    let fail = |err: &mut dyn Write, msg: String| {
        let _ = writeln!(err, "cloudtwin conform: {msg}");
        EXIT_ERROR
    };
    let (chosen, all) = match chosen_scenarios(&opts) {
        Ok(c) => c,
        Err(e) => return fail(err, e),
    };
    if opts.list {
        return match list(&chosen, &all, out) {
            Ok(()) => EXIT_PASSED,
            Err(e) => fail(err, e.to_string()),
        };
    }
    let report = match snapshot_store(&opts).and_then(|snapshots| execute(&opts, &chosen, snapshots)) {
        Ok(r) => r,
        Err(e) => return fail(err, e),
    };
    if let Err(e) = write_report(&opts, &report, out, err) {
        return fail(err, e);
    }
    if report.scenarios.iter().any(|s| s.outcome == Outcome::Failed) {
        EXIT_FAILED
    } else {
        EXIT_PASSED
    }
}

/// The scenarios the options pick, and all of them (for `--list`).
fn chosen_scenarios(opts: &Options) -> Result<(Vec<Scenario>, Vec<Scenario>), String> {
    let files = scenario_files(opts.scenario_dir.as_deref())?;
    let all = scenario::parse_all(&files).map_err(|e| e.to_string())?;
    let chosen = select(all.clone(), opts)?;
    Ok((chosen, all))
}

/// Where snapshots are read and written: a directory (given, or the repository's when
/// updating), else the ones built into the binary.
fn snapshot_store(opts: &Options) -> Result<snapshot::Store, String> {
    let snapshots = match (&opts.snapshot_dir, opts.update) {
        (Some(d), _) => snapshot::Store::Dir(d.clone()),
        (None, true) => snapshot::Store::Dir(PathBuf::from("fixtures/conformance")),
        (None, false) => snapshot::Store::Builtin,
    };
    if let snapshot::Store::Dir(d) = &snapshots {
        if let Err(e) = snapshot::check_dir(d) {
            return Err(format!("{e} (run from the repository root, or pass --snapshot-dir DIR)"));
        }
    }
    Ok(snapshots)
}

/// Connect to the target and run the chosen scenarios in order.
fn execute(opts: &Options, chosen: &[Scenario], snapshots: snapshot::Store) -> Result<RunReport, String> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))?;
    let run_opts = runner::RunOptions {
        update: opts.update,
        vars: opts.vars.iter().cloned().collect::<BTreeMap<_, _>>(),
        run_id: run_id(),
        snapshots,
    };
    let target_opts = TargetOptions {
        spec: opts.target.clone(),
        allow_billable: opts.allow_billable,
        region: opts.region.clone(),
        env: Box::new(|name| std::env::var(name).ok()),
        control_token: opts.control_token.clone(),
    };
    runtime.block_on(async {
        let started = Instant::now();
        let started_at = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string();
        let target = Target::connect(target_opts).await?;
        let mut report = RunReport {
            target: target.label.clone(),
            started_at,
            duration_s: 0.0,
            passed: 0,
            failed: 0,
            skipped: 0,
            scenarios: vec![],
        };
        for s in chosen {
            let r = runner::run_scenario(&target, s, &run_opts).await.map_err(|down| down.0)?;
            report.scenarios.push(r);
        }
        report.duration_s = started.elapsed().as_secs_f64();
        report.count();
        Ok::<RunReport, String>(report)
    })
}

/// The summary (to `out`, or to `err` when `out` carries the JSON report), and the JUnit file.
fn write_report(opts: &Options, report: &RunReport, out: &mut dyn Write, err: &mut dyn Write) -> Result<(), String> {
    let summary: &mut dyn Write = if opts.json { err } else { out };
    report.human(summary, opts.verbose).map_err(|e| e.to_string())?;
    if opts.json {
        let _ = writeln!(out, "{}", report.json());
    }
    if let Some(path) = &opts.junit {
        report.junit().and_then(|xml| std::fs::write(path, xml).map_err(|e| format!("{}: {e}", path.display())))?;
    }
    Ok(())
}
