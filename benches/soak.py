#!/usr/bin/env python3
"""Soak: what a long-running twin keeps, side by side with a baseline binary, in one run.

Usage:
    cargo build --release --bin cloudtwin
    benches/soak.py target/release/cloudtwin [BASELINE_BINARY] [--cycles 3000] [--tokens 200000]

Each binary is started with `serve --auth off --timing immediate` on a free loopback port (unsigned
requests, so the client costs little) and measured in three ways (docs/soak.md):

1. Retained bytes per create-then-delete write, per surface: a fresh twin does a warm-up round,
   then rounds of N writes, each followed by a clock advance past the operation-log retention
   (91 days). Retained = RSS growth from the end of the warm-up to the end of the last round,
   divided by the writes. A twin that forgets what its retention no longer keeps stays flat.
2. A 3-year clock advance (`{"advance": 94608000}`) with an hourly Tencent scheduled snapshot
   policy (one attached disk, RetentionDays 1) and an hourly Huawei backup policy (one server,
   retention_duration_days 1): wall time of that one request, RSS after it, log entries kept.
3. A gateway `snapshot/create` after N IAM tokens were issued, before and after they expire.

Nothing here is a pass/fail check (tests/it/twin/history_bounds.rs proves the bounds); it prints numbers.
"""
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import time

DAY = 86_400
HW_PROJECT = "0123456789abcdef0123456789abcdef"
WEB = "c0a80001-0000-4000-8000-000000000001"


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Twin:
    def __init__(self, binary):
        self.port = free_port()
        self.proc = subprocess.Popen(
            [binary, "serve", "--listen", f"127.0.0.1:{self.port}", "--auth", "off", "--timing", "immediate"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.time() + 30
        while True:
            try:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=600)
                if self.request("GET", "/_cloudtwin/health")[0] == 200:
                    break
            except OSError:
                if time.time() > deadline:
                    raise
                time.sleep(0.05)

    def close(self):
        self.proc.kill()
        self.proc.wait()

    def request(self, method, path, body=None, headers=None):
        data = b"" if body is None else json.dumps(body).encode()
        h = {"Content-Type": "application/json", "Host": f"127.0.0.1:{self.port}"}
        h.update(headers or {})
        self.conn.request(method, path, body=data, headers=h)
        r = self.conn.getresponse()
        raw = r.read()
        return r.status, (json.loads(raw) if raw else None)

    def rss_kib(self):
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        return 0

    def tc(self, action, body):
        headers = {"X-TC-Action": action, "X-TC-Version": "2017-03-12", "X-TC-Region": "ap-guangzhou",
                   "X-TC-Timestamp": str(int(time.time()))}
        _, v = self.request("POST", "/", body, headers)
        if "Error" in v["Response"]:
            raise RuntimeError(f"{action}: {v['Response']['Error']}")
        return v["Response"]

    def hw(self, method, path, body=None):
        status, v = self.request(method, path.replace("{p}", HW_PROJECT), body)
        if status >= 300:
            raise RuntimeError(f"{method} {path}: {status} {v}")
        return v

    def ucs(self, action, **params):
        _, v = self.request("POST", "/api", {"Action": action, "Region": "cn", **params})
        if v.get("RetCode") != 0:
            raise RuntimeError(f"{action}: {v}")
        return v

    def control(self, method, path, body=None):
        return self.request(method, "/_cloudtwin/" + path, body)

    def advance(self, secs):
        status, v = self.control("POST", "clock", {"advance": secs})
        if status != 200:
            raise RuntimeError(f"advance {secs}: {v}")


# ------------------------------------------------------------------------ one write per surface


def server_vault(name, resources):
    return {"vault": {"name": name, "resources": resources, "billing": {
        "consistent_level": "crash_consistent", "object_type": "server", "protect_type": "backup", "size": 200}}}


def token_body():
    return {"auth": {"identity": {"methods": ["password"], "password": {"user": {
        "name": "cloudtwin-user", "password": "cloudtwin-password", "domain": {"name": "cloudtwin"}}}},
        "scope": {"project": {"name": "cn-north-4"}}}}


def new_disk(t):
    return t.tc("CreateDisks", {"Placement": {"Zone": "ap-guangzhou-3"}, "DiskChargeType": "POSTPAID_BY_HOUR",
                                "DiskType": "CLOUD_PREMIUM", "DiskSize": 10})["DiskIdSet"][0]


def setup_tencent_snapshot(t):
    disk = new_disk(t)

    def write():
        s = t.tc("CreateSnapshot", {"DiskId": disk})["SnapshotId"]
        t.tc("DeleteSnapshots", {"SnapshotIds": [s]})
    return write


def setup_tencent_disk(t):
    def write():
        t.tc("TerminateDisks", {"DiskIds": [new_disk(t)]})
    return write


def setup_huawei_backup(t):
    vault = t.hw("POST", "/v3/{p}/vaults", server_vault("soak", [{"id": WEB, "type": "OS::Nova::Server"}]))
    vid = vault["vault"]["id"]

    def write():
        cp = t.hw("POST", "/v3/{p}/checkpoints", {"checkpoint": {"vault_id": vid}})["checkpoint"]["id"]
        backup = t.hw("GET", f"/v3/{{p}}/backups?checkpoint_id={cp}")["backups"][0]["id"]
        t.hw("DELETE", f"/v3/{{p}}/backups/{backup}")
    return write


def setup_huawei_vault(t):
    def write():
        vid = t.hw("POST", "/v3/{p}/vaults", server_vault("soak", []))["vault"]["id"]
        t.hw("DELETE", f"/v3/{{p}}/vaults/{vid}")
    return write


def setup_ucloudstack_snapshot(t):
    def write():
        s = t.ucs("CreateSnapshot", Name="soak", DiskID="disk-ucsdata2")["SnapshotID"]
        t.ucs("DeleteSnapshot", SnapshotID=s)
    return write


def setup_iam_token(t):
    def write():
        status, _ = t.request("POST", "/v3/auth/tokens", token_body())
        if status != 201:
            raise RuntimeError(f"token: {status}")
    return write


# (name, setup, share of --cycles). A Huawei write copies the whole CBR state to undo itself on
# failure, and a round keeps its 90 days of task logs, so a Huawei round costs the square of its
# length: its rounds are a quarter as long (the figure is per write either way).
SURFACES = [
    ("Tencent disk (CreateDisks + TerminateDisks)", setup_tencent_disk, 1),
    ("Tencent snapshot (CreateSnapshot + DeleteSnapshots)", setup_tencent_snapshot, 1),
    ("Huawei backup (CreateCheckpoint + DeleteBackup)", setup_huawei_backup, 4),
    ("Huawei vault (CreateVault + DeleteVault)", setup_huawei_vault, 4),
    ("UCloudStack snapshot (CreateSnapshot + DeleteSnapshot)", setup_ucloudstack_snapshot, 1),
    ("IAM token (POST /v3/auth/tokens)", setup_iam_token, 1),
]


def retained_per_write(binary, setup, cycles, rounds=3):
    t = Twin(binary)
    try:
        write = setup(t)
        for _ in range(cycles):
            write()
        t.advance(91 * DAY)
        start = t.rss_kib()
        for _ in range(rounds):
            for _ in range(cycles):
                write()
            t.advance(91 * DAY)
        end = t.rss_kib()
        return (end - start) * 1024 / (cycles * rounds), end
    finally:
        t.close()


# ------------------------------------------------------------------ three years of hourly policies


def hourly_policies(t):
    disk = new_disk(t)
    t.tc("AttachDisks", {"DiskIds": [disk], "InstanceId": "ins-cloudtw1"})
    pid = t.tc("CreateAutoSnapshotPolicy", {"Policy": [{"DayOfWeek": list(range(7)), "Hour": list(range(24))}],
                                            "RetentionDays": 1})["AutoSnapshotPolicyId"]
    t.tc("BindAutoSnapshotPolicy", {"AutoSnapshotPolicyId": pid, "DiskIds": [disk]})
    vid = t.hw("POST", "/v3/{p}/vaults", server_vault("hourly", [{"id": WEB, "type": "OS::Nova::Server"}]))["vault"]["id"]
    patterns = [f"FREQ=DAILY;BYHOUR={h};BYMINUTE=00" for h in range(24)]
    pol = t.hw("POST", "/v3/{p}/policies", {"policy": {"name": "hourly", "operation_type": "backup",
               "operation_definition": {"retention_duration_days": 1},
               "trigger": {"properties": {"pattern": patterns}}}})
    t.hw("POST", f"/v3/{{p}}/vaults/{vid}/associatepolicy", {"policy_id": pol["policy"]["id"]})


def three_years(binary):
    t = Twin(binary)
    try:
        hourly_policies(t)
        t0 = time.perf_counter()
        t.advance(3 * 365 * DAY)
        secs = time.perf_counter() - t0
        rss = t.rss_kib()
        _, state = t.control("GET", "state")
        w = state["world"]
        logs = sum(len(r.get("disk_logs", [])) + len(r.get("snapshot_logs", []))
                   for regions in w["tencent"].values() for r in regions.values())
        logs += sum(len(p.get("oplogs", {})) for p in w["huawei"].values())
        snaps = t.tc("DescribeSnapshots", {"Limit": 1})["TotalCount"]
        return secs, rss, logs, snaps
    finally:
        t.close()


# ------------------------------------------------------------------------ gateway after N tokens


def gateway_after_tokens(binary, tokens):
    t = Twin(binary)
    try:
        disk = new_disk(t)
        for _ in range(tokens):
            t.request("POST", "/v3/auth/tokens", token_body())

        def create_ms():
            times = []
            for _ in range(9):
                t0 = time.perf_counter()
                status, v = t.request("POST", "/v1/tencent/snapshot/create", {
                    "DiskId": disk, "SnapshotName": "soak", "TenantUuid": "system", "ClusterUuid": "72db4b34-1473-418f-ade4-de00b956f16b",
                    "Region": "ap-guangzhou"})
                times.append((time.perf_counter() - t0) * 1000)
                if status != 200:
                    raise RuntimeError(f"snapshot/create: {status} {v}")
            ids = [s["SnapshotId"] for s in t.tc("DescribeSnapshots", {"Limit": 100})["SnapshotSet"]]
            t.tc("DeleteSnapshots", {"SnapshotIds": ids})
            return statistics.median(times)
        live = create_ms()
        t.advance(DAY + 1)
        expired = create_ms()
        return live, expired
    finally:
        t.close()


def main():
    args = sys.argv[1:]
    opts = {"--cycles": 3000, "--tokens": 200_000}
    for k in list(opts):
        if k in args:
            i = args.index(k)
            opts[k] = int(args[i + 1])
            del args[i:i + 2]
    if not args:
        sys.exit(__doc__)
    binaries = [("new", args[0])] + ([("baseline", args[1])] if len(args) > 1 else [])
    cycles, tokens = opts["--cycles"], opts["--tokens"]
    print(f"soak: {os.cpu_count()} CPUs; {cycles} writes (Huawei: {cycles // 4}) x 3 rounds per surface; {tokens} tokens")

    print("\nretained bytes per create-then-delete write (RSS growth / writes), after each round +91 days")
    for name, setup, share in SURFACES:
        row = {label: retained_per_write(b, setup, cycles // share) for label, b in binaries}
        cells = "  ".join(f"{label}: {per:8.1f} B (RSS {rss / 1024:.1f} MiB)" for label, (per, rss) in row.items())
        print(f"  {name:55} {cells}")

    print("\n3-year advance with an hourly Tencent policy and an hourly Huawei policy")
    res = {label: three_years(b) for label, b in binaries}
    for label, (secs, rss, logs, snaps) in res.items():
        print(f"  {label:8} advance {secs:7.2f} s   RSS {rss / 1024:7.1f} MiB   log entries {logs:7}   snapshots {snaps}")
    if len(res) == 2:
        (a, b) = res["new"], res["baseline"]
        print(f"  ratio new/baseline: time {a[0] / b[0]:.3f}, RSS {a[1] / b[1]:.3f}, log entries {a[2] / max(b[2], 1):.4f}")

    print(f"\ngateway snapshot/create after {tokens} IAM tokens (median of 9)")
    for label, b in binaries:
        live, expired = gateway_after_tokens(b, tokens)
        print(f"  {label:8} tokens live: {live:8.2f} ms   after they expire: {expired:8.2f} ms")


if __name__ == "__main__":
    main()
