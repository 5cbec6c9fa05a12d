#!/usr/bin/env bash
# A quick check of the Dockerfile's promises (run by tests/run-all.sh; the real build and run of
# the image is scripts/test-image.sh): an empty base and no RUN step, a non-root user, the port,
# a HEALTHCHECK through the binary itself, and a build context that leaves target/ out.
set -euo pipefail
cd "$(dirname "$0")/.."
fail() { echo "Dockerfile check: $*" >&2; exit 1; }
df=Dockerfile
[ -f "$df" ] || fail "no Dockerfile"
grep -qE '^FROM scratch\s*$' "$df" || fail "the base must be scratch"
[ "$(grep -cE '^FROM ' "$df")" = 1 ] || fail "one stage only"
! grep -qE '^RUN ' "$df" || fail "no RUN step (nothing can run in a scratch image)"
grep -qE '^USER 65532:65532\s*$' "$df" || fail "the image must run as a non-root user"
grep -qE '^EXPOSE 4599\s*$' "$df" || fail "EXPOSE 4599 missing"
grep -qE 'CLOUDTWIN_LISTEN=0\.0\.0\.0:4599' "$df" || fail "the twin must listen on 0.0.0.0:4599 in the container"
grep -qE 'CLOUDTWIN_ALLOW_HOST=\*' "$df" || fail "the Host check must be opened (CLOUDTWIN_ALLOW_HOST=*)"
grep -qE 'GLIBC_TUNABLES=glibc\.malloc\.tcache_count=1000:glibc\.malloc\.mmap_threshold=4194304' "$df" || fail "the image must set the allocator settings serve would restart for"
grep -qE '^HEALTHCHECK .*CMD \["/cloudtwin", "health"\]' "$df" || fail "HEALTHCHECK must run cloudtwin health"
grep -qE '^ENTRYPOINT \["/cloudtwin"\]' "$df" || fail "ENTRYPOINT must be the binary"
src=$(sed -nE 's|^COPY (target/[^ ]+) /cloudtwin$|\1|p' "$df")
[ -n "$src" ] || fail "COPY of the release binary missing"
grep -qxF "!$src" .dockerignore || fail ".dockerignore must let $src in"
grep -qx '\*' .dockerignore || fail ".dockerignore must leave everything else (target/) out"
echo "Dockerfile check: ok"
