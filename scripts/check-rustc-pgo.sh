#!/usr/bin/env bash
# A check of scripts/rustc-pgo (run by tests/run-all.sh): which rustc calls it gives the profile
# to, against a stand-in rustc that prints its arguments and claims the LLVM it is told to. Every
# debug build of the test command goes through the wrapper too, which checks that it passes a
# call on unchanged; the release build it guides is measured by the scale bench.
set -euo pipefail
cd "$(dirname "$0")/.."
fail() { echo "rustc-pgo check: $*" >&2; exit 1; }
[ -f link/pgo.profdata ] || fail "no link/pgo.profdata"
fake=$(mktemp)
trap 'rm -f "$fake"' EXIT
cat >"$fake" <<'EOF'
#!/bin/sh
[ "$1" = -vV ] && { echo "release: 1.95.0"; echo "LLVM version: ${FAKE_LLVM:-22}.1.0"; exit 0; }
echo "$@"
EOF
chmod +x "$fake"
profile="-Cprofile-use=$PWD/link/pgo.profdata"
guided() { scripts/rustc-pgo "$fake" "$@" | grep -qF -- "$profile"; }
native=no
[ "$(uname -sm)" = "Linux x86_64" ] && native=yes

[ "$(scripts/rustc-pgo "$fake" --crate-name x -C opt-level=0)" = "--crate-name x -C opt-level=0" ] ||
  fail "a debug call must pass unchanged"
! guided --crate-name x -C opt-level=0 || fail "a debug build must not get the profile"
! guided --crate-name x -C opt-level=3 --target aarch64-unknown-linux-gnu || fail "another target must not get it"
! guided --crate-name x -C opt-level=3 -Cprofile-generate=/tmp/p || fail "an instrumented build must not get it"
! CLOUDTWIN_PGO=0 guided --crate-name x -C opt-level=3 || fail "CLOUDTWIN_PGO=0 must turn it off"
! FAKE_LLVM=18 guided --crate-name x -C opt-level=3 || fail "an LLVM older than 19 cannot read it"
guided --crate-name x -C opt-level=3 --target x86_64-unknown-linux-gnu || fail "a release build for x86_64 Linux must get it"
if [ $native = yes ]; then
  guided --crate-name x -C opt-level=3 || fail "a native release build on x86_64 Linux must get it"
fi
echo "rustc-pgo check: ok"
