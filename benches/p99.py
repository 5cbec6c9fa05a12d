#!/usr/bin/env python3
"""What p99 a perfect server gets on this machine for a given CPU cost a request (issue 14's
p99 goal). The bare axum ceiling answers the twin's own DescribeDisks page (Limit 20 of ~100
disks), after a busy wait of SPIN µs that stands for a server's own work; the twin rendering
every read and the twin keeping pages are measured the same way in the same run. wrk `-t1 -c32`
as in scale.py: with 32 requests in flight on one core, a request waits for the ones before it,
so p99 follows the CPU a request costs, whatever spends it.

Usage: benches/p99.sh [--secs N] [--rounds N] [--spins 0,10,20,30,40]
"""

import argparse
import os
import tempfile

import scale as S


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--secs", type=int, default=5)
    p.add_argument("--warmup", type=int, default=1)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--spins", default="0,10,20,30,40", help="µs of busy work a request, comma-separated")
    a = p.parse_args()
    spins = [int(s) for s in a.spins.split(",")]
    measure = lambda port, req: S.wrk(port, req, a.secs, a.warmup)

    procs, sides, names = [], [], []
    cfgs = [S.write_config(kept_pages=False), S.write_config(kept_pages=True)]
    body = tempfile.NamedTemporaryFile(suffix=".json", delete=False)
    try:
        for cfg, name in zip(cfgs, ["twin, rendering every read", "twin, keeping pages"]):
            proc, port, _ = S.start_twin(S.TWIN, cfg)
            procs.append(proc)
            S.first_disks(port)
            read = S.tc3("DescribeDisks", {"Limit": 20}, port=port)
            _, answer, _ = S.Client(port).send(read)
            sides.append((port, read))
            names.append(name)
        body.write(answer)
        body.close()
        for spin in spins:
            cport = S.free_port()
            read = S.tc3("DescribeDisks", {"Limit": 20}, port=cport)
            proc, _ = S.start([S.CEILING, f"127.0.0.1:{cport}", body.name, str(spin)], cport, read)
            S.port_pid[cport] = proc.pid
            procs.append(proc)
            sides.append((cport, read))
            names.append(f"bare axum + {spin} µs of work")
        figs = S.side_by_side(measure, [sides], a.rounds)[0]
    finally:
        for proc in procs:
            S.stop(proc)
        for cfg in cfgs:
            os.unlink(cfg)
        os.unlink(body.name)

    S.table(f"p99 against the CPU a request costs: the same {len(answer):,} bytes, server on core 0, wrk -t1 -c32 "
            f"on core 1, {a.warmup} s warm-up + {a.secs} s, all in turn, median of {a.rounds} round(s)",
            ["server", "reads/s", "CPU per read", "p99", "p99 / CPU per read"],
            [[name, S.n(f[0]), S.cpu_cell(f), S.ms(f[1]), f"{f[1] * 1000 / f[2]:.0f}×"] for name, f in zip(names, figs)])


if __name__ == "__main__":
    main()
