#!/usr/bin/env bash
# The scale bench (issue 14; docs/performance.md): the release twin against a bare axum server that
# answers the same bytes, then every surface's pages at 100,000 resources, memory per resource and
# one tenant's reads under another's writes. Builds what it needs; needs wrk, taskset, python3.
# Usage: benches/scale.sh [--smoke] [--only read|memory|lists] [--secs N] [--warmup N] [--disks N] [--snapshots N] [--backups N]
set -euo pipefail
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || { echo "wrk is not installed (Debian: apt-get install wrk)" >&2; exit 1; }
command -v taskset >/dev/null || { echo "taskset is not installed (Debian: util-linux)" >&2; exit 1; }
# Figures come from release builds; `--smoke` (the test command's check that the bench runs)
# uses debug builds so that the test command needs no release build.
PROFILE=release
FLAG=--release
for a in "$@"; do [ "$a" = --smoke ] && { PROFILE=debug; FLAG=; }; done
cargo build --quiet $FLAG --locked --bin cloudtwin
# The baseline is its own Cargo project with its own target dir: the workspace's tests never build it.
# It is a plain release build: the twin's profile (scripts/rustc-pgo) is not its.
CLOUDTWIN_PGO=0 cargo build --quiet $FLAG --locked --manifest-path benches/ceiling/Cargo.toml --target-dir target/ceiling
CLOUDTWIN_BENCH_PROFILE=$PROFILE exec python3 benches/scale.py "$@"
