#!/usr/bin/env python3
"""Side-by-side CPU µs a request (the twin's user+system time over the requests wrk counted), reads/s
and p99 of the gateway, Huawei and Tencent list reads, for two or more binaries, rounds alternating
which goes first. Uses scale.py's request builders and setup (~100 resources of each; more with
--disks/--backups/--snaps).

    python3 benches/cpu_per_request.py --bin base=/tmp/base --bin new=target/release/cloudtwin \
        [--disks 100000 --backups 100000 --snaps 20000] [--reads gw-page,hw-vaults] [--rounds 2]
"""
import argparse, os, re, sys, time, json
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import scale as S

def wrk_cpu(port, pid, req, secs, warmup):
    """(reads/s, p99 ms, CPU µs a request) of `req` replayed at the server `pid` (S.wrk)."""
    S.port_pid[port] = pid
    return S.wrk(port, req, secs, warmup)


def setup(binary, big_disks, big_backups, snaps):
    proc, port, _ = S.start_twin(binary, S.write_config())
    c = S.Client(port)
    four = S.first_disks(port)
    S.tencent_snapshots(port, four, 100)
    hw = S.huawei_token(port)
    vaults = S.huawei_vaults(port, hw)
    S.huawei_backups(port, hw, vaults, 1)
    if big_disks:
        S.create_disks(port, big_disks)
    if snaps:
        S.tencent_snapshots(port, four, snaps)
    if big_backups:
        rounds = big_backups // 100 - 1
        S.huawei_backups(port, hw, vaults, rounds, first=1)
    return proc, port, c, hw

READS = {
    "gw-page": lambda hw: S.gateway("disk/list", {"PageNum": 0, "PageSize": 20}),
    "gw-statezone": lambda hw: S.gateway("disk/list", {"PageNum": 0, "PageSize": 20, "State": "UNATTACHED", "Zone": "ap-guangzhou-3"}),
    "gw-fuzzy": lambda hw: S.gateway("disk/list", {"PageNum": 0, "PageSize": 20, "Fuzzy": "zzz-no-such"}),
    "gw-snap": lambda hw: S.gateway("snapshot/list", {"PageNum": 0, "PageSize": 20}),
    "hw-backups": lambda hw: S.Req("GET", f"/v3/{S.HW_PROJECT}/backups?limit=20", "", hw),
    "hw-status-name": lambda hw: S.Req("GET", f"/v3/{S.HW_PROJECT}/backups?limit=20&status=available&sort=name:asc", "", hw),
    "hw-vaults": lambda hw: S.Req("GET", f"/v3/{S.HW_PROJECT}/vaults?limit=20", "", hw),
    "tc-page": None,
}

def main():
    p = argparse.ArgumentParser()
    p.add_argument("--bin", action="append", required=True, help="name=path")
    p.add_argument("--disks", type=int, default=0)
    p.add_argument("--backups", type=int, default=0)
    p.add_argument("--snaps", type=int, default=0)
    p.add_argument("--rounds", type=int, default=2)
    p.add_argument("--secs", type=int, default=3)
    p.add_argument("--warmup", type=int, default=1)
    p.add_argument("--reads", default=",".join(READS))
    p.add_argument("--hold", action="store_true", help="after setup print ports/pids and wait")
    a = p.parse_args()
    twins = []
    for spec in a.bin:
        name, path = spec.split("=", 1)
        t0 = time.time()
        proc, port, c, hw = setup(path, a.disks, a.backups, a.snaps)
        print(f"# {name}: port {port} pid {proc.pid} set up in {time.time()-t0:.1f}s rss {S.rss_kib(proc.pid)/1024:.0f} MiB", flush=True)
        twins.append((name, proc, port, c, hw))
    try:
        if a.hold:
            print(json.dumps({n: {"port": port, "pid": proc.pid, "hw": hw} for n, proc, port, c, hw in twins}), flush=True)
            while True:
                time.sleep(3600)
        print("| round | read | " + " | ".join(f"{n} r/s | {n} p99 ms | {n} CPU µs/req" for n, *_ in twins) + " |", flush=True)
        for r in range(a.rounds):
            for read in a.reads.split(","):
                cells = []
                for name, proc, port, c, hw in (twins if r % 2 == 0 else twins[::-1]):
                    req = S.tc3("DescribeDisks", {"Limit": 20}, port=port) if read == "tc-page" else READS[read](hw)
                    st, body, _ = c.send(req)
                    if st != 200:
                        print(f"  ! {name} {read} -> {st} {body[:200]!r}", file=sys.stderr)
                    rate, p99, cpu = wrk_cpu(port, proc.pid, req, a.secs, a.warmup)
                    cells.append((name, f"{rate:,.0f} | {p99:.2f} | {cpu:.0f}"))
                cells.sort(key=lambda x: [t[0] for t in twins].index(x[0]))
                print(f"| {r+1} | {read} | " + " | ".join(c for _, c in cells) + " |", flush=True)
    finally:
        for _, proc, *_ in twins:
            S.stop(proc)

main()
