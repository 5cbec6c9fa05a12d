#!/usr/bin/env python3
"""The largest page a list answers by default, for one or more twin binaries side by side:
Huawei ListBackups asked without `limit` (1,000 backups, ~1.1 MB) over 1,100 backups, as an
SDK's plain `list_backups()` asks it (docs/performance.md, the twenty-first pass). Each binary
gets its own twin (kept pages on, as the twin runs by default), populated alike; the read is
then replayed by wrk on each in turn, A B A B, and every round is printed: reads/s, p99 and the
server's CPU a read. Uses scale.py's helpers; standard library only.

    python3 benches/big_page.py --twin before=/tmp/base --twin after=target/release/cloudtwin
"""

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import scale  # noqa: E402
from scale import Client, Req  # noqa: E402


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--twin", action="append", required=True, help="NAME=BINARY (repeat for side by side)")
    p.add_argument("--rounds", type=int, default=2)
    p.add_argument("--secs", type=int, default=3)
    p.add_argument("--warmup", type=int, default=1)
    p.add_argument("--rounds-of-backups", type=int, default=11,
                   help="checkpoints of the four 25-volume vaults (11: 1,100 backups)")
    a = p.parse_args()
    print(f"# big_page — {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, server on core 0, wrk -t1 -c32 "
          f"on core 1, {a.warmup} s warm-up + {a.secs} s, {a.rounds} round(s)")
    cfg = scale.write_config(kept_pages=True)
    twins = []
    try:
        for spec in a.twin:
            name, proc, port = scale.start_named(spec, cfg)
            twins.append((name, proc, port))
            scale.first_disks(port)
            hw = scale.huawei_token(port)
            vaults = scale.huawei_vaults(port, hw)
            scale.huawei_backups(port, hw, vaults, a.rounds_of_backups)
            req = Req("GET", f"/v3/{scale.HW_PROJECT}/backups", "", hw)
            page = Client(port).json(req)
            print(f"  {name}: {page['count']:,} backups, a page of {len(page['backups']):,}")
            twins[-1] += (req,)
        for r in range(a.rounds):
            for name, proc, port, req in twins:
                rate, p99, cpu = scale.wrk(port, req, a.secs, a.warmup)
                print(f"  ListBackups, no limit, {name} round {r + 1}: {rate:,.0f}/s p99 {p99:.2f} ms {cpu:.1f} µs")
    finally:
        for _, proc, *_ in twins:
            scale.stop(proc)


if __name__ == "__main__":
    main()
