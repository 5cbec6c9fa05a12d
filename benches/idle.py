#!/usr/bin/env python3
"""Idle RSS and start -> first answered read of twin binaries, side by side (issue 14's last goal).

    python3 benches/idle.py [--rounds N] [--perf] NAME=BINARY [NAME=BINARY ...]

Each round starts every binary in turn (A B A B ...) as benches/scale.py does (pinned to core 0,
`serve --timing immediate --config` with the bench's limits), sends one signed `DescribeDisks
{"Limit": 20}` as raw bytes until it is answered (the start figure), then reads the process's
VmRSS and sums /proc/PID/smaps by what is mapped: anonymous memory, the binary's code (r-x), its
read-only data (r--), its writable data, libc, libm, the rest. With --perf each start also runs
under `perf stat` for the CPU time and page faults from exec to the first answer (the twin
is killed right after the RSS is read).

Binaries compared must sit in the page cache the same way (copy each with `dd bs=4096`):
docs/performance.md, "Idle RSS", says why. Standard library only; no figure is asserted.
"""

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import scale  # noqa: E402  (request builders and the start probe)


def smaps(pid, binary):
    """kB resident per kind of mapping."""
    out = {"anon": 0, "code": 0, "rodata": 0, "data": 0, "libc": 0, "libm": 0, "other": 0}
    real = os.path.realpath(binary)
    kind = "other"
    with open(f"/proc/{pid}/smaps") as f:
        for line in f:
            head = re.match(r"^[0-9a-f]+-[0-9a-f]+ (\S+) \S+ \S+ \S+\s*(.*)$", line)
            if head:
                perms, path = head.group(1), head.group(2).strip()
                if path == real or path.startswith(real + " "):
                    kind = "code" if "x" in perms else ("data" if "w" in perms else "rodata")
                elif "/libc.so" in path or "/libc-" in path:
                    kind = "libc"
                elif "/libm.so" in path or "/libm-" in path:
                    kind = "libm"
                elif path == "" or path.startswith("["):
                    kind = "anon"
                else:
                    kind = "other"
                continue
            m = re.match(r"^Rss:\s+(\d+) kB", line)
            if m:
                out[kind] += int(m.group(1))
    return out


def one(binary, cfg, use_perf):
    port = scale.free_port()
    argv = [binary, "serve", "--listen", f"127.0.0.1:{port}", "--timing", "immediate", "--config", cfg]
    perf_out = None
    if use_perf:
        perf_out = tempfile.NamedTemporaryFile(suffix=".perf", delete=False).name
        argv = ["perf", "stat", "-x,", "-o", perf_out, "-e", "task-clock,minor-faults", "--", *argv]
    proc, start_ms = scale.start(argv, port, scale.tc3("DescribeDisks", {"Limit": 20}, port=port))
    try:
        pid = proc.pid
        if use_perf:  # the twin is perf's child
            for _ in range(100):
                kids = open(f"/proc/{proc.pid}/task/{proc.pid}/children").read().split()
                if kids:
                    pid = int(kids[0])
                    break
                time.sleep(0.01)
        rss = scale.rss_kib(pid)
        parts = smaps(pid, binary)
    finally:
        if use_perf:
            # Killed, not stopped: perf's count then ends at the first answer, not after a shutdown.
            os.kill(pid, 9)
            proc.wait(10)
        else:
            scale.stop(proc)
    cpu = faults = None
    if perf_out:
        for line in open(perf_out):
            f = line.split(",")
            if len(f) > 2 and f[2].startswith("task-clock"):
                cpu = float(f[0])
            elif len(f) > 2 and f[2].startswith("minor-faults"):
                faults = int(f[0])
        os.unlink(perf_out)
    return start_ms, rss, parts, cpu, faults


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--perf", action="store_true", help="also perf stat: CPU ms and minor faults")
    p.add_argument("binaries", nargs="+", metavar="NAME=BINARY")
    a = p.parse_args()
    bins = [b.split("=", 1) for b in a.binaries]
    cfg = tempfile.NamedTemporaryFile("w", suffix=".json", delete=False)
    json.dump({"tencent": {"limits": {"disks_per_region": 10_000_000, "snapshots_per_disk": 10_000_000}}}, cfg)
    cfg.close()
    load = open("/proc/loadavg").read().split()[:3]
    print(f"# idle bench {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, load {' '.join(load)}")
    for name, binary in bins:
        print(f"# {name}: {scale.order_note(binary)}")
    print("| round | binary | start ms | VmRSS kB | anon | code | rodata | data | libc | libm | other |"
          + (" CPU ms | faults |" if a.perf else ""))
    print("|---" * (11 + (2 if a.perf else 0)) + "|")
    try:
        for r in range(1, a.rounds + 1):
            for name, binary in bins:
                start_ms, rss, s, cpu, faults = one(binary, cfg.name, a.perf)
                row = [r, name, f"{start_ms:.2f}", rss, s["anon"], s["code"], s["rodata"], s["data"], s["libc"],
                       s["libm"], s["other"]]
                if a.perf:
                    row += [f"{cpu:.2f}" if cpu is not None else "-", faults]
                print("| " + " | ".join(str(x) for x in row) + " |", flush=True)
    finally:
        os.unlink(cfg.name)
    print(f"# load at the end: {' '.join(open('/proc/loadavg').read().split()[:3])}")


if __name__ == "__main__":
    main()
