#!/usr/bin/env python3
"""CPU time per signed read, side by side: twin binaries and the bare axum ceiling, alternating.

The signed TC3 `DescribeDisks {"Limit": 20}` of ~100 disks (the row of scale.py's first table),
served by each twin binary given, then by the ceiling answering the first twin's same bytes.
For each server and round: reads/s, p99 and the server's user+system CPU time over the requests
wrk counted (less disturbed by a shared machine than the rate). Same pinning as scale.py
(server on core 0, wrk -t1 -c32 on core 1). Standard library and scale.py only.

    python3 benches/read_cpu.py --rounds 4 --secs 5 /tmp/before target/release/cloudtwin
"""

import argparse
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import scale  # noqa: E402


def measured(port, pid, req, secs, warmup):
    """(reads/s, p99 ms, CPU µs a request) of `req` replayed at the server `pid` (scale.wrk)."""
    scale.port_pid[port] = pid
    return scale.wrk(port, req, secs, warmup)


def twin_round(binary, cfg, secs, warmup):
    page = {"Limit": 20}
    proc, port, _ = scale.start_twin(binary, cfg)
    try:
        c = scale.Client(port)
        have = c.tc("DescribeDisks", {"Limit": 1})["TotalCount"]
        scale.create_disks(port, max(0, (100 - have + 49) // 50 * 50))
        read = scale.tc3("DescribeDisks", page, port=port)
        _, answer, _ = c.send(read)
        return measured(port, proc.pid, read, secs, warmup), answer, read
    finally:
        scale.stop(proc)


def ceiling_round(answer, read, secs, warmup, tdir):
    body = os.path.join(tdir, "page.json")
    with open(body, "wb") as f:
        f.write(answer)
    port = scale.free_port()
    proc, _ = scale.start([scale.CEILING, f"127.0.0.1:{port}", body], port, read)
    try:
        return measured(port, proc.pid, read, secs, warmup)
    finally:
        scale.stop(proc)


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("binaries", nargs="+", help="twin binaries, measured in this order each round")
    p.add_argument("--rounds", type=int, default=4)
    p.add_argument("--secs", type=int, default=5)
    p.add_argument("--warmup", type=int, default=1)
    a = p.parse_args()
    cfg = scale.write_config()
    tdir = tempfile.mkdtemp()
    names = [os.path.basename(b) for b in a.binaries] + ["ceiling"]
    print("| round | " + " | ".join(f"{n}: reads/s | CPU µs/req" for n in names)
          + " | " + " | ".join(f"{n} / ceiling" for n in names[:-1]) + " |")
    print("|---" * (1 + 2 * len(names) + len(names) - 1) + "|")
    try:
        for r in range(1, a.rounds + 1):
            rows, answer, read = [], None, None
            for b in a.binaries:
                row, ans, rq = twin_round(b, cfg, a.secs, a.warmup)
                if answer is not None and len(ans) != len(answer):
                    print(f"  ! {b} answers {len(ans)} bytes, the first {len(answer)}", file=sys.stderr)
                answer, read = answer or ans, read or rq
                rows.append(row)
            rows.append(ceiling_round(answer, read, a.secs, a.warmup, tdir))
            cells = [f"{rate:,.0f} | {cpu:.1f}" for rate, _, cpu in rows]
            ratios = [f"{rows[i][0] / rows[-1][0]:.0%}" for i in range(len(a.binaries))]
            print(f"| {r} | " + " | ".join(cells) + " | " + " | ".join(ratios) + " |", flush=True)
    finally:
        os.unlink(cfg)
        for f in os.listdir(tdir):
            os.unlink(os.path.join(tdir, f))
        os.rmdir(tdir)


if __name__ == "__main__":
    main()
