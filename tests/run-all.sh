#!/usr/bin/env bash
# Every test of cloudtwin, from a fresh clone: builds the binary, runs the Rust tests and the
# conformance suite against the embedded twin, creates a Python venv with the pinned official SDKs
# and runs the SDK suite against the built binary.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== build"
cargo build --locked --bin cloudtwin

echo "== rust tests"
cargo test --workspace --locked

echo "== conformance suite (embedded twin)"
target/debug/cloudtwin conform --target embedded --junit target/conformance-junit.xml

# ---- fuzz smoke run (docs/fuzzing.md): a few seconds of mutated, re-signed requests of every
# surface against a fresh embedded twin; fails on any 5xx, non-envelope answer or unhealthy twin.
# The seed is fixed so a failure reproduces; CLOUDTWIN_FUZZ_SEED picks another.
echo "== fuzz smoke (cloudtwin fuzz)"
target/debug/cloudtwin fuzz --requests "${CLOUDTWIN_FUZZ_REQUESTS:-1000}" --seed "${CLOUDTWIN_FUZZ_SEED:-1}"
# ---- end of fuzz smoke run

echo "== python venv (tests/sdk/requirements.txt)"
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/pip install --quiet --disable-pip-version-check -r tests/sdk/requirements.txt

echo "== sdk suite"
CLOUDTWIN_BIN="$PWD/target/debug/cloudtwin" .venv/bin/python -m pytest tests/sdk -q -p no:cacheprovider
