#!/usr/bin/env bash
# Every test of cloudtwin, from a fresh clone: builds the binary, runs the Rust tests and the
# conformance suite against the embedded twin, creates a Python venv with the pinned official SDKs
# and runs the SDK suite against the built binary.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages some steps need (wrk and taskset for the bench smoke run, Chromium for the
# console): on a fresh CI machine, which runs as root, they are installed here; elsewhere a
# missing one is named by its step.
want=()
command -v wrk >/dev/null || want+=(wrk)
command -v taskset >/dev/null || want+=(util-linux)
[ -x "${CLOUDTWIN_CHROMIUM:-/usr/bin/chromium}" ] || want+=(chromium)
if [ ${#want[@]} -gt 0 ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "== installing ${want[*]} (apt-get)"
  (apt-get install -y -q --no-install-recommends "${want[@]}" >/dev/null 2>&1 \
    || { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q --no-install-recommends "${want[@]}" >/dev/null 2>&1; }) \
    || echo "could not install ${want[*]}; the steps that need them say so below" >&2
fi

echo "== build"
cargo build --locked --bin cloudtwin

# A throwaway PostgreSQL server for the PostgreSQL store's tests (scripts/pg-test-server.sh; they
# are skipped in a plain `cargo test` without CLOUDTWIN_TEST_PG, never here): stopped at exit.
echo "== postgresql for the store tests (scripts/pg-test-server.sh)"
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  apt-get install -y -q --no-install-recommends postgresql >/dev/null 2>&1 \
    || { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q --no-install-recommends postgresql >/dev/null 2>&1; } || true
fi
PG_ENV=$(scripts/pg-test-server.sh start) || { echo "PostgreSQL could not be started for the store tests" >&2; exit 1; }
eval "$PG_ENV"
trap 'scripts/pg-test-server.sh stop "$CLOUDTWIN_TEST_PG_DIR"' EXIT

echo "== rust tests"
cargo test --workspace --locked

scripts/pg-test-server.sh stop "$CLOUDTWIN_TEST_PG_DIR"
trap - EXIT
unset CLOUDTWIN_TEST_PG CLOUDTWIN_TEST_PG_DIR CLOUDTWIN_TEST_PG_CA

echo "== conformance suite (embedded twin)"
target/debug/cloudtwin conform --target embedded --junit target/conformance-junit.xml

# ---- fuzz smoke run (docs/fuzzing.md): a few seconds of mutated, re-signed requests of every
# surface against a fresh embedded twin; fails on any 5xx, non-envelope answer or unhealthy twin.
# The seed is fixed so a failure reproduces; CLOUDTWIN_FUZZ_SEED picks another.
echo "== fuzz smoke (cloudtwin fuzz)"
target/debug/cloudtwin fuzz --requests "${CLOUDTWIN_FUZZ_REQUESTS:-1000}" --seed "${CLOUDTWIN_FUZZ_SEED:-1}"
# ---- end of fuzz smoke run

# ---- scale bench smoke run (docs/performance.md): benches/scale.sh --smoke builds the bench's own
# axum baseline (debug, like the twin here), and runs every scenario at tiny sizes for a second each
# (~20 s plus the build). No timing is asserted: it only must run and print. Needs wrk and taskset;
# CLOUDTWIN_SKIP_BENCH=1 skips it. Full runs (benches/scale.sh) are never part of the test command.
echo "== scale bench smoke (benches/scale.sh --smoke)"
if [ "${CLOUDTWIN_SKIP_BENCH:-}" = 1 ]; then
  echo "skipped (CLOUDTWIN_SKIP_BENCH=1)"
elif ! command -v wrk >/dev/null || ! command -v taskset >/dev/null; then
  echo "wrk and taskset are needed for the bench smoke run (Debian: apt-get install wrk util-linux); set CLOUDTWIN_SKIP_BENCH=1 to skip it" >&2
  exit 1
else
  benches/scale.sh --smoke
  # The p99 driver on the same debug builds: one short round, two busy-wait levels.
  CLOUDTWIN_BENCH_PROFILE=debug python3 benches/p99.py --secs 1 --warmup 0 --rounds 1 --spins 0,10
fi
# ---- end of scale bench smoke run

echo "== python venv (tests/sdk/requirements.txt)"
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/pip install --quiet --disable-pip-version-check -r tests/sdk/requirements.txt

echo "== sdk suite"
CLOUDTWIN_BIN="$PWD/target/debug/cloudtwin" .venv/bin/python -m pytest tests/sdk -q -p no:cacheprovider

# ---- conformance suite against a separately started `cloudtwin serve` (issue 12) ----
# Twice in a row on the same twin: every scenario must leave it as it found it.
echo "== conformance suite (cloudtwin serve, twice)"
SERVE_OUT=$(mktemp)
target/debug/cloudtwin serve --listen 127.0.0.1:0 >"$SERVE_OUT" 2>&1 &
SERVE_PID=$!
trap 'kill "$SERVE_PID" 2>/dev/null || true; rm -f "$SERVE_OUT"' EXIT
for _ in $(seq 100); do
  grep -q '^cloudtwin ready in ' "$SERVE_OUT" && break
  sleep 0.1
done
SERVE_URL=$(sed -n 's/^cloudtwin ready in .* ms at //p' "$SERVE_OUT" | head -1)
[ -n "$SERVE_URL" ] || { echo "cloudtwin serve did not start:"; cat "$SERVE_OUT"; exit 1; }
for run in 1 2; do
  target/debug/cloudtwin conform --target "$SERVE_URL" | tail -1
done
kill "$SERVE_PID"
trap - EXIT
rm -f "$SERVE_OUT"

echo "== node.js sdk (tests/node: tencentcloud-sdk-nodejs pinned by package-lock.json)"
if ! command -v npm >/dev/null || ! command -v node >/dev/null; then
  echo "node and npm are needed for the Node.js SDK tests (Node 18+); set CLOUDTWIN_SKIP_NODE=1 to skip them" >&2
  [ "${CLOUDTWIN_SKIP_NODE:-}" = 1 ] || exit 1
else
  ROOT=$PWD
  (cd tests/node && npm ci --no-audit --no-fund --loglevel=error \
    && CLOUDTWIN_BIN="$ROOT/target/debug/cloudtwin" node --test)
fi

# ---- the web console in a browser (tests/ui: playwright-core pinned by package-lock.json, driving
# Debian's /usr/bin/chromium; it never downloads a browser). docs/console.md.
echo "== web console (tests/ui: headless Chromium via playwright-core)"
CHROMIUM=${CLOUDTWIN_CHROMIUM:-/usr/bin/chromium}
if [ ! -x "$CHROMIUM" ]; then
  echo "SKIPPED: no Chromium at $CHROMIUM (apt-get install chromium, or set CLOUDTWIN_CHROMIUM); the console's Rust tests (tests/it/twin/console.rs) ran above" >&2
elif ! command -v npm >/dev/null || ! command -v node >/dev/null; then
  echo "node and npm are needed for the console tests (Node 18+); set CLOUDTWIN_SKIP_NODE=1 to skip them" >&2
  [ "${CLOUDTWIN_SKIP_NODE:-}" = 1 ] || exit 1
else
  ROOT=$PWD
  (cd tests/ui && npm ci --no-audit --no-fund --loglevel=error \
    && CLOUDTWIN_BIN="$ROOT/target/debug/cloudtwin" CLOUDTWIN_CHROMIUM="$CHROMIUM" node --test)
fi
# ---- end of web console

echo "== rustc wrapper check (profile-guided release builds: scripts/rustc-pgo)"
scripts/check-rustc-pgo.sh

echo "== Dockerfile check (the image itself: scripts/test-image.sh)"
scripts/check-dockerfile.sh
