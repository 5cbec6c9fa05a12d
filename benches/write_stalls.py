#!/usr/bin/env python3
"""The writes that stall every tenant: CreateDisks ×50 in a loop, each write timed, for twin
binaries in turn (issue 14, "reads do not wait for other tenants"; docs/performance.md, the
twenty-third pass).

    python3 benches/write_stalls.py [--from 100000] [--secs 10] [--over 5] NAME=BINARY [NAME=BINARY ...]

Each binary gets its own twin (pinned to core 0, as benches/scale.py starts it), filled to
`--from` disks; then one keep-alive client on core 1 writes CreateDisks ×50 for `--secs` and
prints every write slower than `--over` ms with the disk count it reached. A write holds the one
lock, so every account's requests wait for it: a write that grows with what the region held
before (a table doubling, a block copied) shows here at the same counts run after run. The VM's
first touches of memory cost more than later ones: compare binaries in the same run. Standard
library and scale.py only.
"""

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import scale  # noqa: E402


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("twins", nargs="+", help="NAME=BINARY, measured in this order")
    p.add_argument("--from", dest="start", type=int, default=100_000, help="disks before the timed writes")
    p.add_argument("--secs", type=float, default=10)
    p.add_argument("--over", type=float, default=5, help="print writes slower than this (ms)")
    a = p.parse_args()
    cfg = scale.write_config(kept_pages=False)
    os.sched_setaffinity(0, {int(scale.CLIENT_CORE)})
    try:
        for spec in a.twins:
            name, proc, port = scale.start_named(spec, cfg)
            try:
                c = scale.Client(port)
                have = c.tc("DescribeDisks", {"Limit": 1})["TotalCount"]
                scale.create_disks(port, max(0, (a.start - have) // 50 * 50))
                n = c.tc("DescribeDisks", {"Limit": 1})["TotalCount"]
                slow, times, end = [], [], time.perf_counter() + a.secs
                while time.perf_counter() < end:
                    t0 = time.perf_counter()
                    c.tc("CreateDisks", scale.CREATE_50)
                    ms = (time.perf_counter() - t0) * 1000
                    n += 50
                    times.append(ms)
                    if ms > a.over:
                        slow.append(f"{n:,}: {ms:.1f} ms")
                times.sort()
                print(f"{name}: {len(times):,} writes to {n:,} disks in {a.secs:g} s; median {times[len(times) // 2]:.2f} ms, "
                      f"slowest {times[-1]:.1f} ms; over {a.over:g} ms: {', '.join(slow) or 'none'}", flush=True)
            finally:
                scale.stop(proc)
    finally:
        os.unlink(cfg)


if __name__ == "__main__":
    main()
