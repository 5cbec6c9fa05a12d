#!/usr/bin/env bash
# Server-side numbers for the release binary: exec → first served request, idle RSS, signed
# DescribeDisks requests/s under wrk (one TC3-signed request replayed: valid for the ±300 s
# window), RSS after the load. Needs wrk and curl (Debian: apt-get install wrk curl).
# Usage: benches/wrk.sh [seconds] [connections]
set -euo pipefail
cd "$(dirname "$0")/.."
SECS=${1:-10}
CONNS=${2:-64}
PORT=${PORT:-4611}
BIN=target/release/cloudtwin
[ -x "$BIN" ] || cargo build --release --bin cloudtwin
command -v wrk >/dev/null || { echo "wrk is not installed"; exit 1; }

t0=$(date +%s%N)
"$BIN" serve --listen "127.0.0.1:$PORT" --timing immediate >/dev/null 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null' EXIT
until curl -fs "http://127.0.0.1:$PORT/_cloudtwin/health" >/dev/null 2>&1; do :; done
t1=$(date +%s%N)
echo "exec → first served request: $(( (t1 - t0) / 1000 )) µs"
echo "idle RSS: $(awk '/VmRSS/ {print $2, $3}' /proc/$PID/status)"

# Sign with the Python standard library (TC3-HMAC-SHA256, as the SDK does).
sign() { # action body -> header lines
  python3 - "$PORT" "$1" "$2" <<'PY'
import hashlib, hmac, sys, time
port, action, body = sys.argv[1], sys.argv[2], sys.argv[3]
sid, key = "AKIDcloudtwinEXAMPLEid000000000000", "cloudtwinEXAMPLEsecretKey00000000"
host, ts = f"127.0.0.1:{port}", int(time.time())
date = time.strftime("%Y-%m-%d", time.gmtime(ts))
cr = f"POST\n/\n\ncontent-type:application/json\nhost:{host}\n\ncontent-type;host\n{hashlib.sha256(body.encode()).hexdigest()}"
sts = f"TC3-HMAC-SHA256\n{ts}\n{date}/cbs/tc3_request\n{hashlib.sha256(cr.encode()).hexdigest()}"
k = ("TC3" + key).encode()
for part in (date, "cbs", "tc3_request"):
    k = hmac.new(k, part.encode(), hashlib.sha256).digest()
sig = hmac.new(k, sts.encode(), hashlib.sha256).hexdigest()
print(f"Authorization: TC3-HMAC-SHA256 Credential={sid}/{date}/cbs/tc3_request, SignedHeaders=content-type;host, Signature={sig}")
print("Content-Type: application/json")
print(f"X-TC-Action: {action}\nX-TC-Timestamp: {ts}\nX-TC-Version: 2017-03-12\nX-TC-Region: ap-guangzhou")
PY
}
call() { # action body
  local args=()
  while IFS= read -r h; do args+=(-H "$h"); done < <(sign "$1" "$2")
  curl -fs "${args[@]}" -d "$2" "http://127.0.0.1:$PORT/"
}
CREATE='{"Placement":{"Zone":"ap-guangzhou-3"},"DiskChargeType":"POSTPAID_BY_HOUR","DiskType":"CLOUD_PREMIUM","DiskSize":20,"DiskCount":50}'
call CreateDisks "$CREATE" >/dev/null
call CreateDisks "$CREATE" >/dev/null

BODY=${BODY:-'{"Limit":20}'}
LUA=$(mktemp --suffix=.lua)
{
  echo 'wrk.method = "POST"'
  echo "wrk.body = '$BODY'"
  sign DescribeDisks "$BODY" | while IFS= read -r h; do
    name=${h%%: *}; value=${h#*: }
    echo "wrk.headers[\"$name\"] = \"$value\""
  done
  echo 'done = function(summary, latency, requests) io.write(string.format("errors: %d non-2xx, %d socket\n", summary.errors.status, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout)) end'
} > "$LUA"
echo "check: $(call DescribeDisks "$BODY" | head -c 80)..."
wrk -t2 -c"$CONNS" -d"${SECS}s" --latency -s "$LUA" "http://127.0.0.1:$PORT/" | grep -E "Requests/sec|Latency|50%|99%|errors"
echo "RSS after load: $(awk '/VmRSS/ {print $2, $3}' /proc/$PID/status)"
rm -f "$LUA"
