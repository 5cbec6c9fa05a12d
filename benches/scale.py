#!/usr/bin/env python3
"""The scale bench (issue 14), driven by benches/scale.sh: the release twin against a bare axum
server answering the same bytes (benches/ceiling), then pages at 100,000 resources per surface, the
memory per resource and one tenant's reads while another writes. Standard library only.

Each measured read is one request, signed once and replayed by wrk (`-t1 -c32`, on core 1) against
a server pinned to core 0, after a warm-up. No assertion on any figure: it measures and prints.
"""

import argparse
import hashlib
import hmac
import http.client
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# scale.sh builds these; the smoke run in the test command uses debug builds (no release build
# in the test command's time), which is fine because it only checks that the bench runs.
PROFILE = os.environ.get("CLOUDTWIN_BENCH_PROFILE", "release")
# CLOUDTWIN_BENCH_TWIN: another twin binary (a build kept from before a change), for side-by-side runs.
TWIN = os.environ.get("CLOUDTWIN_BENCH_TWIN") or os.path.join(ROOT, f"target/{PROFILE}/cloudtwin")
CEILING = os.path.join(ROOT, f"target/ceiling/{PROFILE}/cloudtwin-ceiling")

# The built-in (deliberately fake) credentials: docs/tencent.md, huawei.md, ucloudstack.md.
TC_DEFAULT = ("AKIDcloudtwinEXAMPLEid000000000000", "cloudtwinEXAMPLEsecretKey00000000")
TC_PEER = ("AKIDcloudtwinEXAMPLEpeer0000000000", "cloudtwinEXAMPLEpeerSecretKey0000")
UCS_KEYS = ("cloudtwinEXAMPLEucsPublicKey000000000000",
            "cloudtwinEXAMPLEucsPrivateKey00000000000000000000000000000000000")
HW_PROJECT = "0123456789abcdef0123456789abcdef"
GW_TENANT = {"TenantUuid": "system", "ClusterUuid": "72db4b34-1473-418f-ade4-de00b956f16b"}
REGION = "ap-guangzhou"
# The server runs on one core and wrk on the other (one core for both on a one-core machine).
SERVER_CORE, CLIENT_CORE = "0", ("1" if (os.cpu_count() or 1) > 1 else "0")


# ---------------------------------------------------------------- requests

class Req:
    """One HTTP request as wrk will replay it."""

    def __init__(self, method, path, body="", headers=None):
        self.method, self.path, self.body, self.headers = method, path, body, dict(headers or {})


def tc3(action, params, keys=TC_DEFAULT, port=0):
    """A TC3-HMAC-SHA256 signed CBS request (as the SDK signs it), valid for the ±300 s window."""
    body = json.dumps(params, separators=(",", ":"))
    sid, key = keys
    host, ts = f"127.0.0.1:{port}", int(time.time())
    date = time.strftime("%Y-%m-%d", time.gmtime(ts))
    canonical = (f"POST\n/\n\ncontent-type:application/json\nhost:{host}\n\ncontent-type;host\n"
                 f"{hashlib.sha256(body.encode()).hexdigest()}")
    sts = f"TC3-HMAC-SHA256\n{ts}\n{date}/cbs/tc3_request\n{hashlib.sha256(canonical.encode()).hexdigest()}"
    k = ("TC3" + key).encode()
    for part in (date, "cbs", "tc3_request"):
        k = hmac.new(k, part.encode(), hashlib.sha256).digest()
    sig = hmac.new(k, sts.encode(), hashlib.sha256).hexdigest()
    return Req("POST", "/", body, {
        "Authorization": f"TC3-HMAC-SHA256 Credential={sid}/{date}/cbs/tc3_request, "
                         f"SignedHeaders=content-type;host, Signature={sig}",
        "Content-Type": "application/json", "Host": host, "X-TC-Action": action,
        "X-TC-Timestamp": str(ts), "X-TC-Version": "2017-03-12", "X-TC-Region": REGION})


def gateway(path, params):
    body = json.dumps({"Region": REGION, **GW_TENANT, **params})
    return Req("POST", f"/v1/tencent/{path}", body, {"Content-Type": "application/json"})


def ucs(action, params, keys=UCS_KEYS):
    """A UCloudStack GET: sorted key+value pairs then the private key, SHA-1 (docs/ucloudstack.md)."""
    q = {"Action": action, "Region": "cn", "PublicKey": keys[0], **{k: str(v) for k, v in params.items()}}
    plain = "".join(k + q[k] for k in sorted(q)) + keys[1]
    q["Signature"] = hashlib.sha1(plain.encode()).hexdigest()
    return Req("GET", "/api?" + urllib.parse.urlencode(q))


class Client:
    """A keep-alive connection for setting the world up (not measured)."""

    def __init__(self, port, timeout=120):
        self.port, self.timeout = port, timeout
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)

    def send(self, req):
        headers = dict(req.headers)
        headers.pop("Host", None)
        for attempt in range(3):
            try:
                self.conn.request(req.method, req.path, body=req.body.encode() if req.body else None,
                                  headers=headers)
                resp = self.conn.getresponse()
                return resp.status, resp.read(), resp
            except (ConnectionError, http.client.HTTPException):
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
                if attempt == 2:
                    raise

    def json(self, req, ok=(200, 201, 202)):
        status, data, _ = self.send(req)
        doc = json.loads(data) if data else {}
        if status not in ok or (isinstance(doc.get("Response"), dict) and "Error" in doc["Response"]):
            raise SystemExit(f"{req.method} {req.path} {req.body[:200]} -> {status} {data[:400]!r}")
        return doc

    def tc(self, action, params, keys=TC_DEFAULT):
        return self.json(tc3(action, params, keys, self.port))["Response"]

    def control(self, path, body):
        return self.json(Req("POST", f"/_cloudtwin/{path}", json.dumps(body),
                             {"Content-Type": "application/json"}))


# ---------------------------------------------------------------- processes

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        return int(re.search(r"VmRSS:\s+(\d+)", f.read()).group(1))


def cpu_secs(pid):
    """User + system CPU seconds the process has used so far."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def raw_request(port, req):
    """The request's bytes, as the first-read probe sends them (no Python HTTP stack in the way)."""
    head = [f"{req.method} {req.path} HTTP/1.1", f"Host: 127.0.0.1:{port}", "Connection: close",
            f"Content-Length: {len(req.body.encode())}"]
    head += [f"{k}: {v}" for k, v in req.headers.items() if k != "Host"]
    return ("\r\n".join(head) + "\r\n\r\n" + req.body).encode()


def stale_order(binary):
    """How many of link/start.order's names `binary` lacks, and how many it lists; None when that
    cannot be told (no list, no `nm`, a stripped binary). A stale list does not break a build, but
    each function it no longer names lands elsewhere in `.text` and fault-around maps 64 KiB
    around it: idle RSS and start grow (docs/performance.md, "Idle RSS and start")."""
    order = os.path.join(ROOT, "link/start.order")
    try:
        with open(order) as f:
            names = {line.strip() for line in f if line.strip() and not line.startswith("#")}
        out = subprocess.run(["nm", "--defined-only", binary], capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    have = {line.rsplit(" ", 1)[-1] for line in out.splitlines()}
    return (len(names - have), len(names)) if have else None


def order_note(binary):
    """A line for a bench's header on the state of `binary`'s link order."""
    got = stale_order(binary)
    if got is None:
        return "link order: not checked (no link/start.order, nm or symbols)"
    missing, total = got
    if missing == 0:
        return f"link order: all {total} names of link/start.order in the binary"
    return (f"link order STALE: {missing} of {total} names of link/start.order missing from the binary; "
            "idle RSS and start are above what `scripts/start-order.sh` would give")


def pgo_note():
    """A line for a bench's header on the age of link/pgo.profdata, the profile optimised builds
    are guided by (scripts/rustc-pgo): how many commits since the one it was made from changed
    the twin's code. An old profile builds and runs the same; the functions changed since only
    lose its guidance, and the figures drift down (docs/performance.md, "profile-guided builds")."""
    try:
        with open(os.path.join(ROOT, "link/pgo.commit")) as f:
            made = f.read().strip()
        count = subprocess.run(["git", "-C", ROOT, "rev-list", "--count", f"{made}..HEAD", "--", "emulator/src", "src"],
                               capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "PGO profile: its age not checked (no link/pgo.commit or git)"
    if count == "0":
        return f"PGO profile: made at {made[:10]}, no change to the code since"
    return (f"PGO profile: made at {made[:10]}, {count} commit(s) changed the code since; "
            "`scripts/pgo-profile.sh` makes a new one")


def start(argv, port, probe):
    """Starts a server on core 0; returns (process, ms from exec to the first answered `probe`)."""
    data = raw_request(port, probe)
    t0 = time.perf_counter()
    proc = subprocess.Popen(["taskset", "-c", SERVER_CORE, *argv], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
                s.sendall(data)
                answer = b""
                while chunk := s.recv(65536):
                    answer += chunk
                if answer.startswith(b"HTTP/1.1 200"):
                    return proc, (time.perf_counter() - t0) * 1000
        except OSError:
            pass
        if proc.poll() is not None:
            raise SystemExit(f"{argv[0]} exited with {proc.returncode}")
        if time.perf_counter() - t0 > 30:
            raise SystemExit(f"{argv[0]} did not answer in 30 s")


def write_config(kept_pages=True):
    """A twin configuration for the bench: quotas raised out of the way; its path."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as cfg:
        # Both switches: `tencent.kept_pages` is the one a binary from before the other families
        # kept pages knows.
        json.dump({"kept_pages": kept_pages,
                   "tencent": {"kept_pages": kept_pages, "limits": {"disks_per_region": 10_000_000,
                                                                    "snapshots_per_disk": 10_000_000}}}, cfg)
    return cfg.name


def start_twin(binary, cfg):
    """A twin on a free port, answering a signed read: (process, port, ms to that first answer)."""
    port = free_port()
    argv = [binary, "serve", "--listen", f"127.0.0.1:{port}", "--timing", "immediate", "--config", cfg]
    proc, start_ms = start(argv, port, tc3("DescribeDisks", {"Limit": 20}, port=port))
    port_pid[port] = proc.pid
    return proc, port, start_ms


def start_named(spec, cfg):
    """A twin of a drivers' `NAME=BINARY` flag: (name, process, port)."""
    name, binary = spec.split("=", 1)
    proc, port, _ = start_twin(binary, cfg)
    return name, proc, port


def first_disks(port):
    """Disks up to a multiple of 50 past 100 (with the seed's); four of them, oldest first, to hang
    snapshots on."""
    c = Client(port)
    base = c.tc("DescribeDisks", {"Limit": 1})["TotalCount"]
    create_disks(port, 100 - base - (100 - base) % 50 + (50 if (100 - base) % 50 else 0))
    return [d["DiskId"] for d in c.tc("DescribeDisks", {"Limit": 4, "Order": "ASC", "Filters": [
        {"Name": "zone", "Values": ["ap-guangzhou-3"]}]})["DiskSet"]]


def stop(proc):
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()


# ---------------------------------------------------------------- wrk

def lua_string(s):
    return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + "\""


def wrk_writer(port, secs):
    """Account A's CreateDisks ×50, signed once and replayed by wrk on one connection from the
    client core for `secs` (each replay makes 50 more disks): the process, for `writes_of`."""
    req = tc3("CreateDisks", CREATE_50, port=port)
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(f"wrk.method = \"POST\"\nwrk.body = {lua_string(req.body)}\n")
        for k, v in req.headers.items():
            if k != "Host":
                f.write(f"wrk.headers[{lua_string(k)}] = {lua_string(v)}\n")
    proc = subprocess.Popen(["taskset", "-c", CLIENT_CORE, "wrk", "-t1", "-c1", f"-d{secs}s", "-s", f.name,
                             f"http://127.0.0.1:{port}"], stdout=subprocess.PIPE, text=True)
    proc.script = f.name
    return proc


def writes_of(proc):
    """The requests a `wrk_writer` sent and in how many seconds, once it is done."""
    out = proc.communicate()[0]
    os.unlink(proc.script)
    m = re.search(r"(\d+) requests in ([\d.]+)s", out)
    return (int(m.group(1)), float(m.group(2))) if m else (0, 1.0)


def wrk(port, req, secs, warmup, conns=32):
    """reads/s, p99 (ms) and the server's CPU µs per request of `req` replayed: warm-up, then the
    measured run. The CPU figure (the server's user + system time over the requests wrk counted)
    moves much less than the rate on a shared machine: other processes take the core away, but
    they do not make the server's own work larger."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(f"wrk.method = {lua_string(req.method)}\nwrk.path = {lua_string(req.path)}\n")
        f.write(f"wrk.body = {lua_string(req.body)}\n")
        for k, v in req.headers.items():
            if k != "Host":
                f.write(f"wrk.headers[{lua_string(k)}] = {lua_string(v)}\n")
        f.write('done = function(s) io.write(string.format("errors %d %d\\n", s.errors.status, '
                's.errors.connect + s.errors.read + s.errors.write + s.errors.timeout)) end\n')
        script = f.name
    try:
        # A long timeout: a slow page is measured as slow, not dropped as a timeout.
        base = ["taskset", "-c", CLIENT_CORE, "wrk", "-t1", f"-c{conns}", "--timeout", "60s", "-s", script,
                f"http://127.0.0.1:{port}"]
        if warmup > 0:
            subprocess.run(base[:5] + [f"-d{warmup}s"] + base[5:], capture_output=True, check=True)
            drain(port, req)
        pid = port_pid.get(port)
        cpu0 = cpu_secs(pid) if pid else 0
        out = subprocess.run(base[:5] + [f"-d{secs}s", "--latency"] + base[5:], capture_output=True,
                             text=True, check=True).stdout
        cpu1 = cpu_secs(pid) if pid else 0
        drain(port, req)
    finally:
        os.unlink(script)
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    m = re.search(r"\s99%\s+([\d.]+)(us|ms|s|m)\b", out)
    p99 = float(m.group(1)) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60_000}[m.group(2)] if m else float("nan")
    status_errors, socket_errors = map(int, re.search(r"errors (\d+) (\d+)", out).groups())
    if status_errors or socket_errors:
        print(f"  ! {req.method} {req.path}: {status_errors} non-2xx, {socket_errors} socket errors",
              file=sys.stderr)
    done = int(re.search(r"(\d+) requests in", out).group(1))
    cpu_us = (cpu1 - cpu0) * 1e6 / done if pid and done else float("nan")
    return rate, p99, cpu_us


def drain(port, req):
    """Waits until the server answers `req` again: requests wrk left queued when it stopped must not
    be counted against the next row. A row of seconds-long requests leaves up to 32 of them queued,
    hence the long timeout."""
    Client(port, timeout=1200).send(req)


# ---------------------------------------------------------------- output

def table(title, header, rows):
    print(f"\n### {title}\n")
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for row in rows:
        print("| " + " | ".join(str(c) for c in row) + " |")
    sys.stdout.flush()


def n(x):
    return f"{x:,.0f}"


def ms(x):
    if x != x:
        return "–"
    return f"{x:.2f} ms" if x < 10 else f"{x:,.0f} ms"


def ms_range(xs):
    """The median of `xs` (ms), with their range when there are several."""
    return ms(median(xs)) + (f" ({min(xs):.2f}–{max(xs):.2f})" if len(xs) > 1 else "")


def pct(a, b):
    return f"{100 * a / b:.0f}%" if b and a == a and b == b else "–"


def us(x):
    return "–" if x != x else f"{x:,.1f} µs"


# ---------------------------------------------------------------- populating

CREATE_50 = {"Placement": {"Zone": "ap-guangzhou-3"}, "DiskChargeType": "POSTPAID_BY_HOUR",
             "DiskType": "CLOUD_PREMIUM", "DiskSize": 20, "DiskCount": 50}


def create_disks(port, count, keys=TC_DEFAULT):
    """`count` disks (a multiple of 50) by CreateDisks ×50; returns the wall time in seconds."""
    c = Client(port)
    body = dict(CREATE_50)
    t0 = time.perf_counter()
    for _ in range(count // 50):
        c.tc("CreateDisks", body, keys)
    return time.perf_counter() - t0


def in_threads(total, threads, work):
    """Runs work(client_index, i) for i in range(total) over `threads` keep-alive connections."""
    def run(t):
        for i in range(t, total, threads):
            work(t, i)
    pool = [threading.Thread(target=run, args=(t,)) for t in range(threads)]
    for th in pool:
        th.start()
    for th in pool:
        th.join()


def tencent_snapshots(port, disk_ids, count):
    """`count` CreateSnapshot calls, spread over `disk_ids` (one disk per connection at a time)."""
    clients = [Client(port) for _ in range(len(disk_ids))]
    in_threads(count, len(disk_ids), lambda t, i: clients[t].tc(
        "CreateSnapshot", {"DiskId": disk_ids[t], "SnapshotName": f"bench-{i}"}))


def ucs_snapshots(port, count):
    clients = [Client(port) for _ in range(4)]
    disks = ["disk-ucsdata2", "disk-ucsdata1", "disk-ucsboot1", "disk-ucsboot2"]

    def one(t, i):
        doc = clients[t].json(ucs("CreateSnapshot", {"DiskID": disks[t], "Name": f"bench-{i}"}))
        if doc.get("RetCode") != 0:
            raise SystemExit(f"UCloudStack CreateSnapshot: {doc}")
    in_threads(count, 4, one)


def huawei_token(port):
    body = {"auth": {"identity": {"methods": ["password"], "password": {"user": {
        "name": "cloudtwin-user", "password": "cloudtwin-password", "domain": {"name": "cloudtwin"}}}},
        "scope": {"project": {"id": HW_PROJECT}}}}
    _, _, resp = Client(port).send(Req("POST", "/v3/auth/tokens", json.dumps(body),
                                       {"Content-Type": "application/json"}))
    token = resp.getheader("X-Subject-Token")
    if not token:
        raise SystemExit("no Huawei IAM token")
    return {"X-Auth-Token": token, "Content-Type": "application/json"}


HW_VAULTS, HW_PER_VAULT = 4, 25


def huawei_vaults(port, headers):
    """Four disk vaults of 25 volumes each (volumes added through the control plane): the
    vaults a ListVault page shows are the same at every backup count."""
    c = Client(port)
    vaults = []
    for v in range(HW_VAULTS):
        resources = []
        for r in range(HW_PER_VAULT):
            vid = f"b0a8{v:04x}-{r:04x}-4000-8000-000000000000"
            c.control("huawei/volumes", {"project_id": HW_PROJECT,
                                         "volume": {"id": vid, "name": f"bench-{v}-{r}", "size": 1}})
            resources.append({"id": vid, "type": "OS::Cinder::Volume"})
        doc = c.json(Req("POST", f"/v3/{HW_PROJECT}/vaults", json.dumps({"vault": {
            "billing": {"consistent_level": "crash_consistent", "object_type": "disk",
                        "protect_type": "backup", "size": 10_000_000 // 1000},
            "auto_expand": True, "name": f"bench-{v}", "resources": resources}}), headers))
        vaults.append(doc["vault"]["id"])
    return vaults


def huawei_backups(port, headers, vaults, rounds, first=0):
    """`rounds` checkpoints of every vault (one backup per bound volume each)."""
    c = Client(port)
    for i in range(first, first + rounds):
        for vid in vaults:
            c.json(Req("POST", f"/v3/{HW_PROJECT}/checkpoints", json.dumps({"checkpoint": {
                "vault_id": vid, "parameters": {"name": f"bench-{i}", "incremental": i > 0}}}), headers))
    return rounds * len(vaults) * HW_PER_VAULT


def surface_reads(c, disk_ids, hw):
    """The reads of every surface but DescribeDisks, measured at ~100 resources and again at
    100,000: (name, request, scans?)."""
    d = disk_ids[0]
    snaps = [
        ("page", {"Limit": 20}),
        ("disk-id", {"Limit": 20, "Filters": [{"Name": "disk-id", "Values": [d]}]}),
        ("zone", {"Limit": 20, "Filters": [{"Name": "zone", "Values": ["ap-guangzhou-3"]}]}),
        ("snapshot-state", {"Limit": 20, "Filters": [{"Name": "snapshot-state", "Values": ["NORMAL"]}]}),
        ("CREATE_TIME ASC", {"Limit": 20, "OrderField": "CREATE_TIME", "Order": "ASC"}),
        ("last page (Offset total−20)", None),
        ("snapshot-name (no index: scans)", {"Limit": 20, "Filters": [{"Name": "snapshot-name", "Values": ["zzz"]}]}),
    ]
    out = []
    for name, params in snaps:
        if params is None:
            total = c.tc("DescribeSnapshots", {"Limit": 1})["TotalCount"]
            params = {"Limit": 20, "Offset": max(0, total - 20)}
        out.append((f"Tencent DescribeSnapshots: {name}", lambda port, p=params: tc3("DescribeSnapshots", p, port=port)))
    out += [
        ("gateway disk/list, page of 20", lambda port: gateway("disk/list", {"PageNum": 0, "PageSize": 20})),
        ("gateway disk/list, State + Zone", lambda port: gateway(
            "disk/list", {"PageNum": 0, "PageSize": 20, "State": "UNATTACHED", "Zone": "ap-guangzhou-3"})),
        ("gateway disk/list Fuzzy (scans every disk)",
         lambda port: gateway("disk/list", {"PageNum": 0, "PageSize": 20, "Fuzzy": "zzz-no-such"})),
        ("gateway snapshot/list, page of 20", lambda port: gateway("snapshot/list", {"PageNum": 0, "PageSize": 20})),
        ("UCloudStack DescribeSnapshot Limit 20", lambda port: ucs("DescribeSnapshot", {"Limit": 20})),
        ("UCloudStack DescribeSnapshot Keyword (scans)",
         lambda port: ucs("DescribeSnapshot", {"Limit": 20, "Keyword": "zzz-no-such"})),
        ("Huawei ListBackups limit 20", lambda port: Req("GET", f"/v3/{HW_PROJECT}/backups?limit=20", "", hw)),
        ("Huawei ListBackups status=available, sort name", lambda port: Req(
            "GET", f"/v3/{HW_PROJECT}/backups?limit=20&status=available&sort=name:asc", "", hw)),
        ("Huawei ListVault limit 20 (4 vaults × 25 volumes)",
         lambda port: Req("GET", f"/v3/{HW_PROJECT}/vaults?limit=20", "", hw)),
    ]
    return out


def median(xs):
    xs = sorted(x for x in xs if x == x)
    if not xs:
        return float("nan")
    m = len(xs) // 2
    return xs[m] if len(xs) % 2 else (xs[m - 1] + xs[m]) / 2


def side_by_side(measure, pairs, rounds):
    """Each row on the small twin and on the large one in turn, `rounds` times (S L S L …), so a
    drift of the machine falls on both sides of the ratio. `pairs`: [((port, request) at ~100,
    (port, request) at scale)], or more servers a row; a request may be a function that makes
    it, called for each run: a TC3 signature holds for 300 s, and the rows of a run at 10 s
    each outlast that. Returns [(small, large)], each (reads/s, p99, CPU µs, CPU of every
    round): the medians of its rounds, and the rounds' CPU for the spread."""
    out = []
    for sides in pairs:
        runs = tuple([] for _ in sides)
        for _ in range(rounds):
            for side, (port, make) in zip(runs, sides):
                req = make() if callable(make) else make
                side.append(measure(port, req))
                checked(port, req)  # still an answer, not an error, when the run ended
        out.append(tuple((*(median(f) for f in zip(*r)), [x[2] for x in r]) for r in runs))
    return out


def cpu_cell(fig):
    """The median CPU a read, with the rounds' range when there were several."""
    cpus = [x for x in fig[3] if x == x]
    if len(cpus) < 2:
        return us(fig[2])
    return f"{us(fig[2])} ({min(cpus):,.1f}–{max(cpus):,.1f})"


def checked(port, req):
    """`req` (or what the function `req` makes) once, answered 2xx (a row must measure answers,
    not errors): (port, req)."""
    Client(port).json(req() if callable(req) else req)
    return port, req


def surface_pairs(small, large):
    """Every other surface's read on both twins: [(name, pair)]. `small`/`large`: (port, client,
    four disk IDs, Huawei headers)."""
    reads = [surface_reads(c, four, hw) for _, c, four, hw in (small, large)]
    return [(name, (checked(small[0], lambda s=s: s(small[0])), checked(large[0], lambda l=l: l(large[0]))))
            for (name, s), (_, l) in zip(*reads)]


# ---------------------------------------------------------------- the run

def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--smoke", action="store_true", help="tiny sizes, short runs: it only must run and print")
    p.add_argument("--secs", type=float, default=10, help="measured seconds per row (default 10)")
    p.add_argument("--warmup", type=float, default=2, help="warm-up seconds per row (default 2)")
    p.add_argument("--disks", type=int, default=100_000)
    p.add_argument("--snapshots", type=int, default=100_000, help="Tencent and UCloudStack snapshots")
    p.add_argument("--backups", type=int, default=100_000, help="Huawei backups")
    p.add_argument("--rounds", type=int, default=3,
                   help="rounds of each row at ~100 and at scale, alternated; the median is shown (default 3)")
    p.add_argument("--only", choices=["read", "memory", "lists"],
                   help="read: only the twin against the ceiling; memory: that, then the resources are "
                        "made and their RSS measured, without the page rows; lists: no ceiling, the "
                        "filtered and searched lists (DescribeDisks' filter rows, every other surface) "
                        "and the tenants table")
    a = p.parse_args()
    if a.smoke:
        a.secs, a.warmup, a.disks, a.snapshots, a.backups, a.rounds = 1, 0, 1_000, 200, 500, 1
    a.secs = max(1, int(a.secs))
    a.warmup = int(a.warmup)
    a.rounds = max(1, a.rounds)
    measure = lambda port, req: wrk(port, req, a.secs, a.warmup)

    print(f"# cloudtwin scale bench — {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
          f"{os.cpu_count()} cores, {os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.1f} GiB; "
          f"server on core 0, wrk -t1 -c32 on core 1, {a.warmup} s warm-up + {a.secs} s"
          + (" (SMOKE: tiny sizes, figures mean nothing)" if a.smoke else ""))
    if not a.smoke:
        print(f"# {order_note(TWIN)}")
        print(f"# {pgo_note()}")

    # The list rows measure the indexes and the rendering, so the twin renders every read
    # (`kept_pages` off: wrk replays one request, which a kept page would answer); the read
    # against the ceiling is measured both ways.
    cfgs = [write_config(kept_pages=False), write_config(kept_pages=True)]
    tdir = tempfile.mkdtemp()
    try:
        run(a, measure, cfgs[0], cfgs[1], tdir)
    finally:
        for cfg in cfgs:
            os.unlink(cfg)
        for f in os.listdir(tdir):
            os.unlink(os.path.join(tdir, f))
        os.rmdir(tdir)


def memory_only(a, port, disk_ids, hw, vaults, total, small_disks, rss0, rss1):
    """RSS per resource of each kind, made as the full run makes them (no page is measured)."""
    rows = [["Tencent disk (CreateDisks ×50)", n(total - small_disks),
             f"{(rss1 - rss0) * 1024 / max(1, total - small_disks):,.0f} bytes"]]
    before = rss_kib(port_pid[port])
    tencent_snapshots(port, disk_ids, a.snapshots)
    after = rss_kib(port_pid[port])
    rows.append(["Tencent snapshot (CreateSnapshot)", n(a.snapshots), f"{(after - before) * 1024 / a.snapshots:,.0f} bytes"])
    before = after
    ucs_snapshots(port, a.snapshots)
    after = rss_kib(port_pid[port])
    rows.append(["UCloudStack snapshot (CreateSnapshot)", n(a.snapshots), f"{(after - before) * 1024 / a.snapshots:,.0f} bytes"])
    before = after
    rounds = max(1, a.backups // (HW_VAULTS * HW_PER_VAULT)) - 1
    backups = huawei_backups(port, hw, vaults, rounds, first=1)
    after = rss_kib(port_pid[port])
    rows.append(["Huawei backup (checkpoints)", n(backups), f"{(after - before) * 1024 / max(1, backups):,.0f} bytes"])
    table("Resident memory per resource (memory-only twin; RSS after − before, over the count)",
          ["resource", "count", "RSS per resource"], rows)


def ceiling_rows(a, measure, tdir, answer, read, small_disks, twin_start, twin_idle, port, cfg_kept):
    """The twin rendering every read, a twin keeping rendered pages and the ceiling answering the
    twin's same bytes, all pinned the same way and measured in turn, `a.rounds` times; the table
    of the three."""
    body_file = os.path.join(tdir, "page.json")
    with open(body_file, "wb") as f:
        f.write(answer)
    cport = free_port()
    ceiling, ceil_start = start([CEILING, f"127.0.0.1:{cport}", body_file], cport, read)
    port_pid[cport] = ceiling.pid
    # A start is one sample of a few ms, which a busy moment of the VM can double: each side is
    # started `a.rounds` times in all, in turn, and the median reported with the range.
    twin_starts, ceil_starts = [twin_start], [ceil_start]
    for _ in range(a.rounds - 1):
        for argv, starts in (([TWIN, "serve", "--listen", "127.0.0.1:{}", "--timing", "immediate", "--config", cfg_kept],
                              twin_starts), ([CEILING, "127.0.0.1:{}", body_file], ceil_starts)):
            p = free_port()
            proc, took = start([x.format(p) for x in argv], p, read if argv[0] == CEILING else
                               tc3("DescribeDisks", {"Limit": 20}, port=p))
            stop(proc)
            starts.append(took)
    kept_twin = None
    try:
        ceil_idle = rss_kib(ceiling.pid)
        kept_twin, kport, _ = start_twin(TWIN, cfg_kept)
        have = Client(kport).tc("DescribeDisks", {"Limit": 1})["TotalCount"]
        create_disks(kport, max(0, small_disks - have))
        # Signed anew for each run (side_by_side); the ceiling answers its file to any request.
        twin, kept, ceil = side_by_side(measure, [((port, lambda: tc3("DescribeDisks", {"Limit": 20}, port=port)),
                                                   (kport, lambda: tc3("DescribeDisks", {"Limit": 20}, port=kport)),
                                                   (cport, read))], a.rounds)[0]
    finally:
        stop(ceiling)
        if kept_twin:
            stop(kept_twin)
    table(f"Signed TC3 DescribeDisks Limit 20 of {small_disks} disks ({len(answer):,} bytes) — twin vs bare axum "
          "(the twin as it runs by default, keeping rendered pages; and rendering every read); the three in "
          f"turn, median of {a.rounds} round(s), CPU: the rounds' range in brackets",
          ["", "twin", "twin, rendering every read", "bare axum, same bytes", "twin / axum", "rendering / axum"],
          [["start → first answered read", ms_range(twin_starts), "", ms_range(ceil_starts),
            f"{median(twin_starts) / median(ceil_starts):.1f}×", ""],
           ["idle RSS", f"{twin_idle / 1024:.1f} MiB", "", f"{ceil_idle / 1024:.1f} MiB",
            f"{twin_idle / ceil_idle:.1f}×", ""],
           ["reads/s", n(kept[0]), n(twin[0]), n(ceil[0]), f"**{pct(kept[0], ceil[0])}**", pct(twin[0], ceil[0])],
           ["p99", ms(kept[1]), ms(twin[1]), ms(ceil[1]), f"{kept[1] / ceil[1]:.1f}×", f"{twin[1] / ceil[1]:.1f}×"],
           ["server CPU per read (ceiling / twin)", cpu_cell(kept), cpu_cell(twin), cpu_cell(ceil),
            f"**{pct(ceil[2], kept[2])}**", pct(ceil[2], twin[2])]])
    return twin, kept


def disk_pages(c, total, lists_only):
    """DescribeDisks' rows at scale: (name, params), built from this twin's disks."""
    page = {"Limit": 20}
    # 100 IDs from the middle (at ~100 disks: the last 100).
    some = [d["DiskId"] for d in c.tc("DescribeDisks", {"Limit": 100,
                                                        "Offset": max(0, min(total // 2, total - 100))})["DiskSet"]]
    pages = [("the same page", page),
             ("zone", {"Limit": 20, "Filters": [{"Name": "zone", "Values": ["ap-guangzhou-3"]}]}),
             ("disk-state", {"Limit": 20, "Filters": [{"Name": "disk-state", "Values": ["ATTACHED"]}]}),
             ("instance-id", {"Limit": 20, "Filters": [{"Name": "instance-id", "Values": ["ins-cloudtw1"]}]}),
             ("zone + disk-state", {"Limit": 20, "Filters": [{"Name": "zone", "Values": ["ap-guangzhou-3"]},
                                                             {"Name": "disk-state", "Values": ["UNATTACHED"]}]}),
             ("DiskIds (100)", {"Limit": 20, "DiskIds": some}),
             *[(f"{f} {o}", {"Limit": 20, "OrderField": f, "Order": o})
               for f in ("CREATE_TIME", "DEADLINE") for o in ("ASC", "DESC")],
             (f"Offset {total - 20:,}", {"Limit": 20, "Offset": total - 20})]
    if lists_only:
        pages = [p for p in pages if p[0] in ("the same page", "zone", "disk-state", "zone + disk-state",
                                               "DiskIds (100)")]
    return pages


def disk_pairs(small, large, lists_only):
    """DescribeDisks' rows on both twins (each built from its own disks): [(name, pair)], the
    name as at scale. `small`/`large`: (port, client)."""
    built = [disk_pages(c, c.tc("DescribeDisks", {"Limit": 1})["TotalCount"], lists_only) for _, c in (small, large)]
    return [(name, (checked(small[0], lambda sp=sp: tc3("DescribeDisks", sp, port=small[0])),
                    checked(large[0], lambda lp=lp: tc3("DescribeDisks", lp, port=large[0]))))
            for (_, sp), (name, lp) in zip(*built)]


def kept_twins(cfg_kept, total, twins):
    """Two twins keeping rendered pages (as the twin runs by default), one at ~100 disks and one
    grown to `total`, appended to `twins` as (process, port, client) (the caller stops them)."""
    for _ in range(2):
        proc, port, _ = start_twin(TWIN, cfg_kept)
        twins.append((proc, port, Client(port)))
        first_disks(port)
    _, port, c = twins[1]
    create_disks(port, total - c.tc("DescribeDisks", {"Limit": 1})["TotalCount"])


def kept_surfaces(a, twins):
    """The other surfaces' rows on the two `kept_twins`, once their resources are made as the
    rendering twins' are: [(small, large)] as `side_by_side` gives them."""
    (_, sport, sc), (_, bport, bc) = twins
    sfour, shw = seed_surfaces(sport)[:2]
    four, hw, vaults, _ = seed_surfaces(bport)
    tencent_snapshots(bport, four, a.snapshots - 100)
    ucs_snapshots(bport, a.snapshots - 100)
    huawei_backups(bport, hw, vaults, max(1, a.backups // (HW_VAULTS * HW_PER_VAULT)) - 1, first=1)
    pairs = surface_pairs((sport, sc, sfour, shw), (bport, bc, four, hw))
    return side_by_side(lambda port, req: wrk(port, req, a.secs, a.warmup), [pair for _, pair in pairs], a.rounds)


def seed_surfaces(port):
    """~100 of every other resource: 100 Tencent snapshots over four disks, 100 UCloudStack
    snapshots, 100 Huawei backups (four vaults of 25 volumes, one checkpoint each). Returns
    (the four disk IDs, Huawei headers, the vaults, the backups made)."""
    c = Client(port)
    four = [d["DiskId"] for d in c.tc("DescribeDisks", {"Limit": 4, "Order": "ASC", "Filters": [
        {"Name": "zone", "Values": ["ap-guangzhou-3"]}]})["DiskSet"]]
    tencent_snapshots(port, four, 100)
    ucs_snapshots(port, 100)
    hw = huawei_token(port)
    vaults = huawei_vaults(port, hw)
    return four, hw, vaults, huawei_backups(port, hw, vaults, 1)


# The twin's process by port, for the RSS of a running twin.
port_pid = {}


def run(a, measure, cfg, cfg_kept, tdir):
    # ---- 1. the twin at 100 disks against the ceiling
    page = {"Limit": 20}
    twin, port, twin_start = start_twin(TWIN, cfg)
    big = None
    keeping = []
    try:
        twin_idle = rss_kib(twin.pid)
        c = Client(port)
        first_disks(port)
        read = tc3("DescribeDisks", page, port=port)
        status, answer, _ = c.send(read)
        small_disks = c.tc("DescribeDisks", {"Limit": 1})["TotalCount"]
        kept = None
        if a.only == "lists":
            plain = measure(port, read)
            table(f"Signed TC3 DescribeDisks Limit 20 of {small_disks} disks (the 100-disk figure)",
                  ["", "twin"], [["reads/s", n(plain[0])], ["p99", ms(plain[1])], ["CPU per read", us(plain[2])]])
        else:
            _, kept = ceiling_rows(a, measure, tdir, answer, read, small_disks, twin_start, twin_idle, port,
                                      cfg_kept)
        if a.only == "read":
            return
        pages_too = a.only != "memory"

        # ---- 2. a second twin made alike, then grown; the first stays at ~100 resources, and each
        # row is measured on both in turn (the same question at both sizes: "cost follows the page")
        big, bport, _ = start_twin(TWIN, cfg)
        bc = Client(bport)
        first_disks(bport)
        four, hw, vaults, small_backups = seed_surfaces(bport)
        if pages_too:
            small_world = (port, c, *seed_surfaces(port)[:2])
        else:
            stop(twin)

        # ---- Tencent at 100,000 disks
        rss0 = rss_kib(big.pid)
        cpu0 = cpu_secs(big.pid)
        wall = create_disks(bport, a.disks - a.disks % 50)
        cpu1 = cpu_secs(big.pid)
        rss1 = rss_kib(big.pid)
        total = bc.tc("DescribeDisks", {"Limit": 1})["TotalCount"]
        rows = [["creating the disks (CreateDisks ×50)", f"{wall:.2f} s wall, {cpu1 - cpu0:.2f} s twin CPU"],
                ["RSS per disk", f"{(rss1 - rss0) * 1024 / max(1, total - small_disks):,.0f} bytes"]]
        if not pages_too:
            table(f"Tencent with {total:,} disks in the region", ["", "figure"], rows)
            memory_only(a, bport, four, hw, vaults, total, small_disks, rss0, rss1)
            return
        lists_only = a.only == "lists"
        pairs = disk_pairs((port, c), (bport, bc), lists_only)
        measured = side_by_side(measure, [pair for _, pair in pairs], a.rounds)
        # The same rows on two twins that keep rendered pages (as the twin runs by default): wrk
        # replays one request, so these show a poller's repeated page, not the indexes.
        kept_rows = None
        if kept:
            kept_twins(cfg_kept, total, keeping)
            kept_pairs = disk_pairs(*((port, c) for _, port, c in keeping), lists_only)
            kept_rows = side_by_side(measure, [pair for _, pair in kept_pairs], a.rounds)
        for i, ((name, _), (small, large)) in enumerate(zip(pairs, measured)):
            row = [f"DescribeDisks: {name}", n(small[0]), cpu_cell(small), n(large[0]), ms(large[1]),
                   pct(large[0], small[0]), cpu_cell(large), f"**{pct(small[2], large[2])}**"]
            if kept_rows:
                ks, kl = kept_rows[i]
                row += [n(ks[0]), n(kl[0]), ms(kl[1]), f"**{pct(kl[0], ks[0])}**"]
            rows.append(row)
        header = ["", "reads/s at ~100 disks (or figure)", "CPU at ~100", "reads/s", "p99", "reads/s: scale / ~100",
                  "CPU per read", "CPU: ~100 / scale"]
        if kept_rows:
            header += ["kept pages: reads/s at ~100", "reads/s", "p99", "scale / ~100"]
        rows = [r + [""] * (len(header) - len(r)) for r in rows]
        table(f"Tencent with {total:,} disks in the region against a twin with {small_disks}, each row the same "
              f"request on both, alternated, median of {a.rounds} round(s) (CPU: the rounds' range in brackets)",
              header, rows)

        # ---- 3. the other surfaces at scale, against the same reads on the twin at ~100
        t0 = time.perf_counter()
        tencent_snapshots(bport, four, a.snapshots - 100)
        snap_wall = time.perf_counter() - t0
        t0 = time.perf_counter()
        ucs_snapshots(bport, a.snapshots - 100)
        ucs_wall = time.perf_counter() - t0
        t0 = time.perf_counter()
        rounds = max(1, a.backups // (HW_VAULTS * HW_PER_VAULT)) - 1
        backups = small_backups + huawei_backups(bport, hw, vaults, rounds, first=1)
        hw_wall = time.perf_counter() - t0
        pairs = surface_pairs(small_world, (bport, bc, four, hw))
        rows = []
        for (name, _), (s, l) in zip(pairs, side_by_side(measure, [pair for _, pair in pairs], a.rounds)):
            rows.append([name, n(s[0]), ms(s[1]), cpu_cell(s), n(l[0]), ms(l[1]), cpu_cell(l), pct(l[0], s[0]),
                         f"**{pct(s[2], l[2])}**"])
        header = ["", "reads/s at ~100", "p99 at ~100", "CPU at ~100", "reads/s at scale", "p99 at scale",
                  "CPU at scale", "reads/s: scale / ~100", "CPU: ~100 / scale"]
        kept_cols = bool(keeping)
        if kept_cols:
            # The same rows on the twins keeping rendered pages, grown alike.
            for row, (ks, kl) in zip(rows, kept_surfaces(a, keeping)):
                row += [n(ks[0]), n(kl[0]), ms(kl[1]), cpu_cell(kl), f"**{pct(kl[0], ks[0])}**"]
            header += ["kept pages: reads/s at ~100", "reads/s at scale", "p99 at scale", "CPU at scale",
                       "scale / ~100"]
            for proc, _, _ in keeping:
                stop(proc)
            keeping.clear()
        table(f"The other surfaces: ~100 resources against {total:,} disks, {a.snapshots:,} Tencent and UCloudStack "
              f"snapshots (made in {snap_wall:.1f} s and {ucs_wall:.1f} s), {backups:,} Huawei backups "
              f"(made in {hw_wall:.1f} s); two twins, alternated, median of {a.rounds} round(s)"
              + ("; then two twins keeping rendered pages, grown alike" if kept_cols else ""),
              header, rows)
        stop(twin)
        port, c = bport, bc

        # ---- 4. reads do not wait for other tenants
        # Alone and while A writes, alternated round by round: one window's p99 moves by half on
        # this VM whatever the twin does. The verdict is the median of the rounds' ratios (each
        # round's two windows back to back, in the same hour of the VM).
        def peer_read():  # signed anew for each run: a signature holds for 300 s
            return tc3("DescribeDisks", page, TC_PEER, port)
        create_disks(port, 100, TC_PEER)
        c.json(peer_read())

        def while_a_writes():
            # A's writes replayed by wrk on one connection from the client's core: a client
            # whose own CPU is small. A Python client costs that core about as much as the
            # twin's write costs the server, and wrk measuring B waits for it (tenants.py shows
            # both writers side by side). Made disks are counted from the twin, not from wrk.
            before = c.tc("DescribeDisks", {"Limit": 1})["TotalCount"]
            w = wrk_writer(port, a.warmup + a.secs + 1)
            try:
                r = measure(port, peer_read())
            finally:
                writes_of(w)
            return r, c.tc("DescribeDisks", {"Limit": 1})["TotalCount"] - before

        alone, busy, made = [], [], 0
        for _ in range(a.rounds):
            alone.append(measure(port, peer_read()))
            r, w = while_a_writes()
            busy.append(r)
            made += w
        (alone_rate, alone_p99), (busy_rate, busy_p99) = [(median(x[0] for x in rs), median(x[1] for x in rs))
                                                          for rs in (alone, busy)]
        ratios = [b[1] / o[1] for o, b in zip(alone, busy)]
        by_round = ", ".join(f"{r:.1f}×" for r in ratios)
        table(f"Account B's DescribeDisks (Limit 20 of 100) while account A runs CreateDisks ×50 in a loop "
              f"(replayed by wrk on one connection); "
              f"alone and while A writes alternated, {a.rounds} round(s): medians, and the median of the rounds' p99 ratios",
              ["", "B alone", "B while A writes", "while / alone"],
              [["reads/s", n(alone_rate), n(busy_rate), f"{busy_rate / alone_rate:.2f}×"],
               ["p99", ms(alone_p99), ms(busy_p99), f"**{median(ratios):.1f}×** (the rounds' median; by round: {by_round})"],
               ["disks A created meanwhile", "", n(made), ""]])
        print(f"\nRSS at the end: {rss_kib(big.pid) / 1024:.0f} MiB")
    finally:
        stop(twin)
        if big:
            stop(big)
        for proc, _, _ in keeping:
            stop(proc)


if __name__ == "__main__":
    main()
