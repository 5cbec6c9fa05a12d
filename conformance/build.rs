//! Compiles the scenarios and the recorded snapshots into the binary, so `cloudtwin conform`
//! runs the documented suite from anywhere; `--scenarios DIR` / `--snapshots DIR` read files
//! instead.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn files(root: &Path, ext: &str) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(surfaces) = std::fs::read_dir(root) else { return out };
    for surface in surfaces.flatten().map(|e| e.path()).filter(|p| p.is_dir()) {
        if let Ok(entries) = std::fs::read_dir(&surface) {
            out.extend(entries.flatten().map(|e| e.path()).filter(|p| p.extension().is_some_and(|x| x == ext)));
        }
    }
    out.sort();
    out
}

fn table(name: &str, root: &Path, ext: &str) -> String {
    let mut s = format!("pub static {name}: &[(&str, &str)] = &[\n");
    for f in files(root, ext) {
        let rel = f.strip_prefix(root).expect("under root").to_string_lossy().replace('\\', "/");
        writeln!(s, "    ({rel:?}, include_str!({:?})),", f.display().to_string()).expect("write to String");
    }
    s.push_str("];\n");
    s
}

fn main() {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let scenarios = manifest.join("scenarios");
    let snapshots = manifest.join("../fixtures/conformance");
    println!("cargo:rerun-if-changed={}", scenarios.display());
    println!("cargo:rerun-if-changed={}", snapshots.display());
    let mut code = table("SCENARIOS", &scenarios, "json");
    code.push_str(&table("SNAPSHOTS", &snapshots, "snap"));
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("set by cargo")).join("builtin.rs");
    std::fs::write(out, code).expect("write builtin.rs");
}
