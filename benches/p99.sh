#!/usr/bin/env bash
# p99 against the CPU a request costs (benches/p99.py; docs/performance.md, "p99"). Builds what it
# needs; needs wrk, taskset, python3. Usage: benches/p99.sh [--secs N] [--rounds N] [--spins 0,10,20]
set -euo pipefail
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || { echo "wrk is not installed (Debian: apt-get install wrk)" >&2; exit 1; }
cargo build --quiet --release --locked --bin cloudtwin
# The baseline is a plain release build: the twin's profile (scripts/rustc-pgo) is not its.
CLOUDTWIN_PGO=0 cargo build --quiet --release --locked --manifest-path benches/ceiling/Cargo.toml --target-dir target/ceiling
exec python3 benches/p99.py "$@"
