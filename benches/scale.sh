#!/usr/bin/env bash
# The scale bench (issue 14; docs/performance.md): the release twin against a bare axum server that
# answers the same bytes, then every surface's pages at 100,000 resources, memory per resource and
# one tenant's reads under another's writes. Builds what it needs; needs wrk, taskset, python3.
# Usage: benches/scale.sh [--smoke] [--secs N] [--warmup N] [--disks N] [--snapshots N] [--backups N]
set -euo pipefail
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || { echo "wrk is not installed (Debian: apt-get install wrk)" >&2; exit 1; }
command -v taskset >/dev/null || { echo "taskset is not installed (Debian: util-linux)" >&2; exit 1; }
cargo build --quiet --release --locked --bin cloudtwin
# The baseline is its own Cargo project with its own target dir: the workspace's tests never build it.
cargo build --quiet --release --locked --manifest-path benches/ceiling/Cargo.toml --target-dir target/ceiling
exec python3 benches/scale.py "$@"
