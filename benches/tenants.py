#!/usr/bin/env python3
"""Account B's reads while account A writes, side by side: twin binaries alternating, round by round.

The setting of scale.py's last table (issue 14's "reads do not wait for other tenants"): a twin
rendering every read (`kept_pages` off), account A with `--disks` disks (100,000 as in the full
bench), account B with 100. B's signed `DescribeDisks {"Limit": 20}` is replayed by wrk (`-t1
-c32`, core 1) against the server on core 0: alone, then while A runs CreateDisks ×50 in a loop on
one keep-alive connection (a Python client), and again while wrk replays A's signed CreateDisks
×50 on one connection (a client whose own CPU is small; as scale.py). Per binary and round: B's
reads/s and p99 alone and while A writes, the p99 ratio (the goal: ≤ 2×), how many disks A made
meanwhile, and what one of A's writes costs the server (CPU per CreateDisks ×50, and its wall time
as A's client sees it, A alone). Also the time to create A's disks (the issue's "100,000 disks <
3 s"). Standard library and scale.py only.

The Python writer runs on the client core, like wrk, unless `--writer-anywhere` (unpinned, the
kernel may put it on the server's core, which no change to the twin can help). On that core it
costs about as much CPU a write as the twin's write costs the server, and wrk, measuring B, waits
for it: the two writer columns side by side show what that adds to B's p99.

    python3 benches/tenants.py --rounds 3 --secs 5 /tmp/base-main target/release/cloudtwin
"""

import argparse
import os
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import scale  # noqa: E402


def writer_loop(port, stop, written, pin, lat):
    """CreateDisks ×50 in account A until `stop`; counts disks in `written[0]`, wall ms in `lat`."""
    if pin:
        os.sched_setaffinity(0, {int(scale.CLIENT_CORE)})
    w = scale.Client(port)
    while not stop.is_set():
        t0 = time.perf_counter()
        w.tc("CreateDisks", scale.CREATE_50)
        lat.append((time.perf_counter() - t0) * 1000)
        written[0] += 50


def with_writer(port, pin, work):
    """work() while A writes; (its result, disks A made, A's wall ms per write)."""
    stop, written, lat = threading.Event(), [0], []
    th = threading.Thread(target=writer_loop, args=(port, stop, written, pin, lat))
    th.start()
    try:
        out = work()
    finally:
        stop.set()
        th.join()
    return out, written[0], lat


def pct(xs, q):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * len(xs)))] if xs else float("nan")


def one(binary, cfg, a):
    proc, port, _ = scale.start_twin(binary, cfg)
    try:
        c = scale.Client(port)
        have = c.tc("DescribeDisks", {"Limit": 1})["TotalCount"]
        cpu0 = scale.cpu_secs(proc.pid)
        fill_wall = scale.create_disks(port, max(0, (a.disks - have + 49) // 50 * 50))
        fill_cpu = scale.cpu_secs(proc.pid) - cpu0
        scale.create_disks(port, 100, scale.TC_PEER)
        read = scale.tc3("DescribeDisks", {"Limit": 20}, scale.TC_PEER, port)
        c.json(read)
        # What one of A's writes costs, A alone (no reads in the way).
        cpu0 = scale.cpu_secs(proc.pid)
        _, alone_written, alone_lat = with_writer(port, not a.writer_anywhere, lambda: time.sleep(2))
        write_cpu_us = (scale.cpu_secs(proc.pid) - cpu0) * 1e6 / max(1, alone_written // 50)
        alone = scale.wrk(port, read, a.secs, a.warmup)
        busy, written, _ = with_writer(port, not a.writer_anywhere, lambda: scale.wrk(port, read, a.secs, a.warmup))
        w = scale.wrk_writer(port, a.warmup + a.secs + 1)
        quick = scale.wrk(port, read, a.secs, a.warmup)
        writes, wsecs = scale.writes_of(w)
        return dict(fill_wall=fill_wall, fill_cpu=fill_cpu, write_cpu_us=write_cpu_us,
                    write_ms=pct(alone_lat, 0.5), write_p99=pct(alone_lat, 0.99),
                    alone=alone, busy=busy, written=written, quick=quick, quick_rate=writes * 50 / wsecs)
    finally:
        scale.stop(proc)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("binaries", nargs="+", help="twin binaries, measured in this order each round")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--secs", type=int, default=5)
    p.add_argument("--warmup", type=int, default=1)
    p.add_argument("--disks", type=int, default=100_000, help="account A's disks before measuring")
    p.add_argument("--writer-anywhere", action="store_true", help="leave A's Python writer unpinned")
    a = p.parse_args()
    cfg = scale.write_config(kept_pages=False)
    print(f"load average {os.getloadavg()[0]:.2f}; A has {a.disks:,} disks, B 100; "
          f"writer {'unpinned' if a.writer_anywhere else 'on core ' + scale.CLIENT_CORE}\n")
    print("| round | binary | A's disks made in | server CPU | A's write: CPU | wall p50 / p99 | "
          "B alone: reads/s | p99 | CPU µs/read | B while A writes (Python): reads/s | p99 | "
          "disks A made | p99 ratio | B while A writes (wrk, as scale.py): reads/s | p99 | A's disks/s | p99 ratio | "
          "B's CPU µs/read while A writes (A's writes taken out) |")
    print("|---" * 18 + "|")
    try:
        for r in range(1, a.rounds + 1):
            for b in a.binaries:
                f = one(b, cfg, a)
                (ar, ap, ac), (br, bp, _), (qr, qp, qc) = f["alone"], f["busy"], f["quick"]
                # The server's CPU in that window, less what A's writes cost alone, over B's reads:
                # whether A's writes make B's reads dearer (cold caches, pages thrown away).
                b_cpu = qc - f["quick_rate"] / 50 * f["write_cpu_us"] / qr
                print(f"| {r} | {os.path.basename(b)} | {f['fill_wall']:.2f} s | {f['fill_cpu']:.2f} s | "
                      f"{f['write_cpu_us']:,.0f} µs | {f['write_ms']:.2f} / {f['write_p99']:.2f} ms | "
                      f"{ar:,.0f} | {scale.ms(ap)} | {ac:.1f} | {br:,.0f} | {scale.ms(bp)} | {f['written']:,} | "
                      f"**{bp / ap:.2f}×** | {qr:,.0f} | {scale.ms(qp)} | {f['quick_rate']:,.0f} | "
                      f"**{qp / ap:.2f}×** | {b_cpu:.1f} |", flush=True)
    finally:
        os.unlink(cfg)


if __name__ == "__main__":
    main()
