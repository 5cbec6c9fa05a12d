#!/usr/bin/env python3
"""CPU time per request of the list pages at ~100 resources and at 100,000, for one or more twin
binaries side by side (issue 14, "cost follows the page, not the world").

Rates swing 2x between runs on a shared machine; the server's own CPU time per request (user +
system time from /proc/PID/stat over the requests wrk counted) moves far less. Every binary gets
its own twin, populated the same way (as benches/scale.py does); each row is then measured on
each twin in turn (A B A B ...), at ~100 resources and again at full size, and every round is
printed. Uses scale.py's request builders; standard library only.

    python3 benches/list_cost.py --twin before=/tmp/base --twin after=target/release/cloudtwin
"""

import argparse
import os
import re
import sys
import json
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import scale  # noqa: E402
from scale import Client, tc3, ucs  # noqa: E402


def wrk_cpu(port, pid, req, secs, warmup):
    """(reads/s, p99 ms, CPU µs a request) of `req` replayed at the server `pid` (scale.wrk)."""
    scale.port_pid[port] = pid
    return scale.wrk(port, req, secs, warmup)


def rows(c, port, stage):
    """(name, request) of every measured read; the IDs and offsets as the stage has them."""
    total = c.tc("DescribeDisks", {"Limit": 1})["TotalCount"]
    # 100 bench-made disks: the newest 100 at ~100, the middle of the region at 100,000.
    ids = [d["DiskId"] for d in c.tc("DescribeDisks", {"Limit": 100, "Offset": 0 if stage == "small" else total // 2})
           ["DiskSet"]]
    snaps = c.tc("DescribeSnapshots", {"Limit": 1})["TotalCount"]
    zone = [{"Name": "zone", "Values": ["ap-guangzhou-3"]}]
    dd = [("DD page", {"Limit": 20}),
          ("DD zone", {"Limit": 20, "Filters": zone}),
          ("DD disk-state", {"Limit": 20, "Filters": [{"Name": "disk-state", "Values": ["ATTACHED"]}]}),
          ("DD zone + disk-state", {"Limit": 20, "Filters": zone + [{"Name": "disk-state", "Values": ["UNATTACHED"]}]}),
          ("DD DiskIds (100)", {"Limit": 20, "DiskIds": ids}),
          *[(f"DD {f} {o}", {"Limit": 20, "OrderField": f, "Order": o})
            for f in ("CREATE_TIME", "DEADLINE") for o in ("ASC", "DESC")],
          ("DD Offset total-20", {"Limit": 20, "Offset": total - 20})]
    ds = [("DS page", {"Limit": 20}),
          ("DS zone", {"Limit": 20, "Filters": zone}),
          ("DS snapshot-state", {"Limit": 20, "Filters": [{"Name": "snapshot-state", "Values": ["NORMAL"]}]}),
          ("DS CREATE_TIME ASC", {"Limit": 20, "OrderField": "CREATE_TIME", "Order": "ASC"}),
          ("DS snapshot-name", {"Limit": 20, "Filters": [{"Name": "snapshot-name", "Values": ["zzz"]}]}),
          ("DS last page", {"Limit": 20, "Offset": max(0, snaps - 20)})]
    out = [(n, tc3("DescribeDisks", p, port=port)) for n, p in dd]
    out += [(n, tc3("DescribeSnapshots", p, port=port)) for n, p in ds]
    out.append(("UCS DescribeSnapshot Limit 20", ucs("DescribeSnapshot", {"Limit": 20})))
    out.append(("gw disk/list", scale.gateway("disk/list", {"PageNum": 0, "PageSize": 20})))
    out.append(("gw snapshot/list", scale.gateway("snapshot/list", {"PageNum": 0, "PageSize": 20})))
    # A substring search scans every disk (allowed to: issue 14): what a scan of the region costs.
    out.append(("gw disk/list Fuzzy", scale.gateway("disk/list", {"PageNum": 0, "PageSize": 20, "Fuzzy": "zzz-no-such"})))
    return out


def populate_small(port):
    four = scale.first_disks(port)
    scale.tencent_snapshots(port, four, 100)
    scale.ucs_snapshots(port, 100)
    return four


def populate_big(port, pid, four, a):
    """Grows the world to full size; returns the RSS each kind added per resource (bytes)."""
    rss = [scale.rss_kib(pid)]
    scale.create_disks(port, a.disks - a.disks % 50)
    rss.append(scale.rss_kib(pid))
    scale.tencent_snapshots(port, four, a.snapshots - 100)
    rss.append(scale.rss_kib(pid))
    scale.ucs_snapshots(port, a.snapshots - 100)
    rss.append(scale.rss_kib(pid))
    counts = [a.disks - a.disks % 50, a.snapshots - 100, a.snapshots - 100]
    return [(rss[i + 1] - rss[i]) * 1024 / max(1, n) for i, n in enumerate(counts)]


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--twin", action="append", required=True, help="label=binary (repeat)")
    p.add_argument("--secs", type=int, default=3)
    p.add_argument("--warmup", type=int, default=1)
    p.add_argument("--rounds", type=int, default=2)
    p.add_argument("--disks", type=int, default=100_000)
    p.add_argument("--snapshots", type=int, default=100_000)
    p.add_argument("--only", help="a regular expression: only the rows whose name matches")
    p.add_argument("--kept", action="store_true",
                   help="the twins keep rendered pages, as they run by default (then a repeated row is a kept page)")
    p.add_argument("--hold", action="store_true", help="after populating to full size, print the ports and wait")
    a = p.parse_args()
    cfg = scale.write_config(kept_pages=a.kept)
    twins = []
    try:
        for spec in a.twin:
            label, proc, port = scale.start_named(spec, cfg)
            twins.append((label, port, proc))
        print(f"# list_cost — {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, server on core 0, wrk -t1 -c32 "
              f"on core 1, {a.warmup} s warm-up + {a.secs} s, {a.rounds} rounds; load {os.getloadavg()}")
        fours = [populate_small(port) for _, port, _ in twins]
        results = {}
        for stage in ("small", "big"):
            if stage == "big":
                for (label, port, proc), four in zip(twins, fours):
                    t0 = time.perf_counter()
                    per = populate_big(port, proc.pid, four, a)
                    print(f"{label}: populated in {time.perf_counter() - t0:.1f} s; RSS per Tencent disk "
                          f"{per[0]:,.0f} B, Tencent snapshot {per[1]:,.0f} B, UCloudStack snapshot {per[2]:,.0f} B",
                          flush=True)
                if a.hold:
                    for label, port, proc in twins:
                        print(f"{label}: port {port} pid {proc.pid}", flush=True)
                    for label, port, _ in twins:
                        for name, req in rows(Client(port), port, stage):
                            print(f"{label} {name}: {json.dumps(req.__dict__)}", flush=True)
                    while True:
                        time.sleep(3600)
            per_twin = [rows(Client(port), port, stage) for _, port, _ in twins]
            for i, (name, _) in enumerate(per_twin[0]):
                if a.only and not re.search(a.only, name):
                    continue
                for r in range(a.rounds):
                    for (label, port, proc), reqs in zip(twins, per_twin):
                        Client(port).json(reqs[i][1])
                        fig = wrk_cpu(port, proc.pid, reqs[i][1], a.secs, a.warmup)
                        results.setdefault((name, label, stage), []).append(fig)
                        print(f"  {stage} {name} {label} round {r + 1}: {fig[0]:,.0f}/s p99 {fig[1]:.2f} ms "
                              f"{fig[2]:.1f} µs", file=sys.stderr, flush=True)
        labels = [t[0] for t in twins]
        names = [n for n, _ in per_twin[0] if not a.only or re.search(a.only, n)]
        print("\n| row | " + " | ".join(f"{lb}: µs/req at ~100 | at 100k | 100/100k" for lb in labels) + " |")
        print("|---|" + "---|---|---|" * len(labels))
        for name in names:
            cells = []
            for lb in labels:
                s = [f[2] for f in results[(name, lb, "small")]]
                b = [f[2] for f in results[(name, lb, "big")]]
                cells += [" / ".join(f"{x:.1f}" for x in s), " / ".join(f"{x:.1f}" for x in b),
                          f"**{100 * min(s) / min(b):.0f}%**"]
            print(f"| {name} | " + " | ".join(cells) + " |")
        print("\n| row | " + " | ".join(f"{lb}: reads/s, p99 at ~100 | at 100k" for lb in labels) + " |")
        print("|---|" + "---|---|" * len(labels))
        for name in names:
            cells = []
            for lb in labels:
                for st in ("small", "big"):
                    cells.append(" / ".join(f"{f[0]:,.0f} ({f[1]:.2f} ms)" for f in results[(name, lb, st)]))
            print(f"| {name} | " + " | ".join(cells) + " |")
    finally:
        for _, _, proc in twins:
            scale.stop(proc)
        os.unlink(cfg)


if __name__ == "__main__":
    main()
