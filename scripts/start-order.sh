#!/usr/bin/env bash
# Regenerate link/start.order, the list of functions the release twin runs from exec to its first
# answered read, which build.rs hands to the linker (LLD's --symbol-ordering-file) so that they sit
# together in .text (docs/performance.md, "Idle RSS"). Run it after changes to start-up or to the
# read path, then rebuild the release binary:
#
#   scripts/start-order.sh            # builds the release twin, profiles it, writes link/start.order
#   scripts/start-order.sh BINARY     # profiles a given (unstripped) release binary
#
# Needs valgrind (callgrind_control comes with it) and python3; perf is used when present (it adds
# the code valgrind's CPU does not run: SHA extensions, AVX-512). Takes about a minute after the build.
set -euo pipefail
cd "$(dirname "$0")/.."
for tool in valgrind callgrind_control python3; do
  command -v "$tool" >/dev/null || { echo "start-order: missing $tool (Debian: apt-get install valgrind python3)" >&2; exit 1; }
done
BIN=${1:-}
if [ -z "$BIN" ]; then
  cargo build --release --locked --bin cloudtwin
  BIN=target/release/cloudtwin
fi
python3 benches/start_profile.py "$BIN" link/start.order
