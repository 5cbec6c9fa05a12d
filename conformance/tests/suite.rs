//! Checks over the scenario files and recordings as a whole: every operation of the four
//! catalogs (137) is touched, every surface has negative cases, the recordings and the scenarios belong
//! together, and insta reads the recordings as its own snapshots.

use std::collections::BTreeSet;
use std::path::PathBuf;

use cloudtwin_conformance::scenario::{self, Scenario};
use cloudtwin_conformance::surface::SignMode;
use cloudtwin_conformance::{builtin, coverage, snapshot, surface};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn scenarios() -> Vec<Scenario> {
    let files = scenario::read_dir(&root().join("scenarios")).unwrap();
    scenario::parse_all(&files).unwrap_or_else(|e| panic!("{e}"))
}

fn snapshot_files() -> Vec<(String, PathBuf)> {
    let dir = root().join("../fixtures/conformance");
    let mut out = Vec::new();
    for surface in std::fs::read_dir(&dir).unwrap().flatten().filter(|e| e.path().is_dir()) {
        for f in std::fs::read_dir(surface.path()).unwrap().flatten() {
            let p = f.path();
            if p.extension().is_some_and(|x| x == "snap") {
                let name = format!("{}/{}", surface.file_name().to_string_lossy(), f.file_name().to_string_lossy());
                out.push((name, p));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn every_operation_of_the_four_catalogs_is_touched() {
    let all = scenarios();
    let mut total = 0;
    for (name, touched, of, missing) in coverage(&all) {
        total += of;
        assert!(surface::find(name).is_some(), "{name} has a client");
        assert!(missing.is_empty(), "{name}: {touched} of {of}; no scenario touches {missing:?}");
    }
    assert_eq!(total, 137, "the four catalogs");
}

/// The error code each surface answers a missing required parameter with.
fn missing_parameter_code(surface: &str) -> &'static str {
    match surface {
        "huawei-cbr" => "BackupService.9900",
        "ucloudstack" => "220",
        _ => "MissingParameter",
    }
}

#[test]
fn every_active_surface_has_negative_cases() {
    let all = scenarios();
    for s in surface::SURFACES {
        let mine: Vec<&Scenario> = all.iter().filter(|x| x.surface == s.name()).collect();
        let steps = || mine.iter().flat_map(|x| x.steps.iter());
        if s.signed() {
            assert!(steps().any(|st| st.sign == SignMode::BadSignature), "{}: a bad signature", s.name());
        }
        let missing = missing_parameter_code(s.name());
        assert!(
            steps().any(|st| st.expect.error.iter().any(|e| e == missing)),
            "{}: a missing parameter ({missing})",
            s.name()
        );
        assert!(steps().filter(|st| !st.expect.error.is_empty()).count() >= 20, "{}: negative cases", s.name());
    }
}

#[test]
fn the_built_in_scenarios_are_the_files() {
    let on_disk: BTreeSet<String> = scenario::read_dir(&root().join("scenarios"))
        .unwrap()
        .into_iter()
        .map(|(p, _)| p.rsplit('/').take(2).collect::<Vec<_>>().into_iter().rev().collect::<Vec<_>>().join("/"))
        .collect();
    let built_in: BTreeSet<String> = builtin::SCENARIOS.iter().map(|(p, _)| p.to_string()).collect();
    assert_eq!(on_disk, built_in);
}

#[test]
fn recordings_and_scenarios_belong_together() {
    let all = scenarios();
    let recorded: BTreeSet<String> = snapshot_files().into_iter().map(|(n, _)| n).collect();
    let expected: BTreeSet<String> =
        all.iter().filter(|s| s.snapshots()).map(|s| snapshot::relative(&s.surface, &s.name)).collect();
    assert_eq!(recorded, expected, "a recording per scenario with snapshot steps, and no orphans");
    for (name, path) in snapshot_files() {
        let snap = snapshot::parse(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let s = all.iter().find(|s| snapshot::relative(&s.surface, &s.name) == name).unwrap();
        assert_eq!(snap.meta.expression, s.id());
        assert!(!snap.meta.target.is_empty() && !snap.meta.recorded_at.is_empty(), "{name}: who and when");
        let steps: Vec<&str> = snap.content.as_object().unwrap().keys().map(String::as_str).collect();
        let snapshot_steps: Vec<&str> =
            s.steps.iter().chain(&s.cleanup).filter(|st| st.snapshot).map(|st| st.name.as_str()).collect();
        assert_eq!(steps, snapshot_steps, "{name}: one entry per snapshot step, in order");
    }
}

/// insta reads our files: its own assertion finds each recording and agrees on the content.
#[test]
fn insta_reads_the_recordings() {
    std::env::set_var("INSTA_UPDATE", "no");
    std::env::set_var("INSTA_FORCE_PASS", "0");
    for (name, path) in snapshot_files() {
        let text = std::fs::read_to_string(&path).unwrap();
        let ours = snapshot::parse(&text).unwrap();
        let content = serde_json::to_string_pretty(&ours.content).unwrap();
        let mut settings = insta::Settings::clone_current();
        settings.set_snapshot_path(path.parent().unwrap());
        settings.set_prepend_module_to_snapshot(false);
        let stem = name.rsplit('/').next().unwrap().trim_end_matches(".snap").to_string();
        settings.bind(|| insta::assert_snapshot!(stem, content));
    }
}

/// A scenario's `source` names documents a reader of the repository has: the API references by
/// section and operation, never a digest that is not shipped.
#[test]
fn sources_cite_no_file_outside_the_repository() {
    for s in scenarios() {
        let source = s.source.as_deref().unwrap_or_default();
        assert!(!source.is_empty(), "{}: no source", s.id());
        assert!(!source.contains("reference/") && !source.contains(".md"), "{}: {source}", s.id());
    }
}

/// Every scenario that creates something deletes it (twin-only ones too: a running twin is
/// shared with later runs), except the one that says what it leaves behind.
#[test]
fn only_declared_scenarios_leave_anything_behind() {
    let leaving: Vec<String> = scenarios().iter().filter(|s| s.leaves_behind.is_some()).map(|s| s.id()).collect();
    assert_eq!(leaving, ["huawei-cbr/locked-vault"]);
}

/// The numbers the documentation gives are the suite's: README's total and docs/conformance.md's
/// count per surface (they drifted once).
#[test]
fn the_documented_scenario_counts_are_the_suites() {
    let all = scenarios();
    let count = |surface: &str| all.iter().filter(|s| s.surface == surface).count();
    let docs = std::fs::read_to_string(root().join("../docs/conformance.md")).unwrap();
    for (surface, words) in [
        ("tencent-cbs", "Tencent CBS scenarios"),
        ("huawei-cbr", "Huawei CBR scenarios"),
        ("gateway", "gateway scenarios"),
        ("ucloudstack", "UCloudStack scenarios"),
    ] {
        let said = format!("{} {words}", count(surface));
        assert!(docs.contains(&said), "docs/conformance.md should say `{said}`");
    }
    let readme = std::fs::read_to_string(root().join("../README.md")).unwrap();
    let total = format!("{} scenarios", all.len());
    assert!(readme.contains(&total), "README.md should say `{total}`");
}
