#!/usr/bin/env bash
# The container image, end to end, on a machine where no engine can run containers (podman can
# build, not run, here): build it, check its configuration, unpack its filesystem (podman create +
# podman export) and run its ENTRYPOINT/CMD with its Env, as its USER, under chroot in a private
# network namespace (unshare), until its own HEALTHCHECK command passes; then SIGTERM must end it
# with exit 0. Needs root (chroot, unshare), podman, jq. Heavy: not part of tests/run-all.sh.
#
#   scripts/test-image.sh            builds first (scripts/build-image.sh)
#   SKIP_BUILD=1 scripts/test-image.sh
set -euo pipefail
cd "$(dirname "$0")/.."
IMAGE=${IMAGE:-cloudtwin:latest}
P=(podman --storage-driver "${PODMAN_STORAGE_DRIVER:-vfs}")
for tool in podman jq unshare chroot ip; do
  command -v "$tool" >/dev/null || { echo "test-image: missing $tool" >&2; exit 1; }
done
[ "$(id -u)" = 0 ] || { echo "test-image: needs root (chroot, unshare)" >&2; exit 1; }

[ "${SKIP_BUILD:-}" = 1 ] || scripts/build-image.sh "$IMAGE"

echo "== image configuration"
cfg=$("${P[@]}" image inspect "$IMAGE")
user=$(jq -r '.[0].Config.User' <<<"$cfg")
health=$(jq -c '.[0].Healthcheck.Test // .[0].Config.Healthcheck.Test // empty' <<<"$cfg")
ports=$(jq -c '.[0].Config.ExposedPorts' <<<"$cfg")
entry=$(jq -r '.[0].Config.Entrypoint | join(" ")' <<<"$cfg")
cmd=$(jq -r '.[0].Config.Cmd | join(" ")' <<<"$cfg")
size=$(jq -r '.[0].Size' <<<"$cfg")
echo "user=$user healthcheck=$health ports=$ports entrypoint=$entry cmd=$cmd size=$size bytes"
[ "$user" = 65532:65532 ] || { echo "test-image: runs as '$user', expected 65532:65532" >&2; exit 1; }
[ "$health" = '["CMD","/cloudtwin","health"]' ] || { echo "test-image: HEALTHCHECK is '$health'" >&2; exit 1; }
grep -q '4599/tcp' <<<"$ports" || { echo "test-image: 4599 not exposed" >&2; exit 1; }

echo "== unpack the image's filesystem"
root=$(mktemp -d /tmp/cloudtwin-image-XXXXXX)
trap 'rm -rf "$root"' EXIT
cid=$("${P[@]}" create "$IMAGE")
"${P[@]}" export "$cid" | tar -x -C "$root"
"${P[@]}" rm "$cid" >/dev/null
chmod 0755 "$root"   # mktemp made it 0700; an engine's root filesystem is 0755
ls -la "$root" "$root/tmp"
mapfile -t envs < <(jq -r '.[0].Config.Env[]' <<<"$cfg")

echo "== run it: chroot as $user, private network namespace"
log="$root.log"
unshare --net --fork bash -s -- "$root" "$user" "$entry" "$cmd" "$log" "${envs[@]}" <<'INNER'
set -euo pipefail
root=$1 user=$2 entry=$3 cmd=$4 log=$5
shift 5
ip link set lo up
# shellcheck disable=SC2086
env -i "$@" chroot --userspec="$user" "$root" $entry $cmd >"$log" 2>&1 &
pid=$!
healthy=
for _ in $(seq 1 50); do
  if env -i "$@" chroot --userspec="$user" "$root" /cloudtwin health; then healthy=1; break; fi
  sleep 0.2
done
[ -n "$healthy" ] || { echo "test-image: never healthy"; cat "$log"; kill "$pid"; exit 1; }
grep -q '^cloudtwin ready' "$log" || { echo "test-image: no ready line"; cat "$log"; exit 1; }
kill -TERM "$pid"
status=0
wait "$pid" || status=$?
cat "$log"
[ "$status" = 0 ] || { echo "test-image: exit $status after SIGTERM"; exit 1; }
INNER
rm -f "$log"
echo "test-image: ok (image size $size bytes)"
