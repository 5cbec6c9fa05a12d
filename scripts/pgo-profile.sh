#!/usr/bin/env bash
# Regenerate link/pgo.profdata, the profile that optimised builds are guided by (scripts/rustc-pgo;
# docs/performance.md, "profile-guided builds"): builds an instrumented release twin, runs it
# through what the scale bench measures (every list page and write of every surface, at 20,000
# resources, a second each) and through the conformance suite (every documented operation once,
# so no path the suite takes counts as never run), and merges what they counted. Run it after
# changes to a hot path (the bench says when the profile is older than the code), then rebuild:
#
#   scripts/pgo-profile.sh           # ~7 minutes on 2 cores; then build
#
# Needs llvm-profdata of LLVM 19 or later (Debian 12: apt-get install llvm-19), wrk, taskset and
# python3 (the bench's). Cargo does not see a new profile (it reads no file it was not told of), so
# the script ends with `cargo clean --release`; `scripts/start-order.sh` should follow (twice: the
# link order names the functions of a build, and the profile changes which ones are inlined).
set -euo pipefail
cd "$(dirname "$0")/.."

# The newest llvm-profdata at hand; one older than LLVM 19 cannot read what rustc's runtime writes.
profdata=""
for c in /usr/lib/llvm-*/bin/llvm-profdata $(command -v llvm-profdata || true); do
  major=$("$c" merge --version 2>/dev/null | sed -n 's/.*LLVM version \([0-9]*\).*/\1/p' | head -1)
  [ "${major:-0}" -ge 19 ] && profdata=$c
done
[ -n "$profdata" ] || { echo "pgo-profile: no llvm-profdata of LLVM 19 or later (Debian 12: apt-get install llvm-19)" >&2; exit 1; }
for tool in wrk taskset python3; do
  command -v "$tool" >/dev/null || { echo "pgo-profile: missing $tool" >&2; exit 1; }
done

GEN=target/pgo-gen
# A fixed folder: the flag names it, and the same flag lets cargo reuse the last instrumented build.
RAW=$PWD/$GEN/raw
rm -rf "$RAW"
mkdir -p "$RAW"
echo "== instrumented release twin ($GEN)"
CLOUDTWIN_PGO=0 RUSTFLAGS="-Cprofile-generate=$RAW" \
  cargo build --release --locked --bin cloudtwin --target-dir "$GEN"
CLOUDTWIN_PGO=0 cargo build --quiet --release --locked --manifest-path benches/ceiling/Cargo.toml \
  --target-dir target/ceiling
BIN=$GEN/release/cloudtwin
# What the build's own scripts and macros counted while they ran is not the twin's.
rm -f "$RAW"/*.profraw

echo "== the scale bench's reads and writes at 20,000"
CLOUDTWIN_BENCH_TWIN=$BIN CLOUDTWIN_BENCH_PROFILE=release python3 benches/scale.py \
  --disks 20000 --snapshots 20000 --backups 20000 --secs 1 --warmup 0 --rounds 1 >"$RAW/bench.txt"

echo "== the conformance suite against a served twin"
"$BIN" serve --listen 127.0.0.1:0 >"$RAW/serve.txt" 2>&1 &
SERVE=$!
trap 'kill -TERM "$SERVE" 2>/dev/null || true' EXIT
for _ in $(seq 100); do
  URL=$(sed -n 's/^cloudtwin ready in .* ms at //p' "$RAW/serve.txt" | head -1)
  [ -n "$URL" ] && break
  sleep 0.1
done
[ -n "$URL" ] || { echo "pgo-profile: the twin did not start" >&2; cat "$RAW/serve.txt" >&2; exit 1; }
"$BIN" conform --target "$URL" | tail -1
kill -TERM "$SERVE"
wait "$SERVE" || true

echo "== merging"
"$profdata" merge --sparse -o link/pgo.profdata "$RAW"/*.profraw
# The commit the code came from (changes not yet committed are not named).
git rev-parse HEAD >link/pgo.commit
ls -l link/pgo.profdata
cargo clean --release
echo "pgo-profile: link/pgo.profdata written (from $(cat link/pgo.commit)); rebuild, then scripts/start-order.sh twice"
