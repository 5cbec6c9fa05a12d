#!/usr/bin/env python3
"""Which of the twin's functions run from exec to its first answered read: writes link/start.order,
the symbol-ordering file the release build links with (build.rs). Run by scripts/start-order.sh.

    python3 benches/start_profile.py BINARY OUT

Runs BINARY `serve` (as benches/scale.py starts it) under valgrind's callgrind, sends one signed
`DescribeDisks {"Limit": 20}`, dumps callgrind's counts half a second after the answer (the
connection closed, not the shutdown), and lists every function of BINARY that ran, by its
symbol-table name (mangled), in name order so that a regenerated file differs only where the set
of functions changed. Valgrind's CPU lacks some features (SHA extensions, AVX-512), so code
chosen by CPU feature is not what runs natively: with `perf` at hand the same start also runs
natively under `perf record -e page-faults`, and the functions that fault are added.
"""

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import scale  # noqa: E402  (request builders and the start probe)


def functions_of(callgrind_out, binary):
    """Names of the functions of `binary` that callgrind counted (each `fn=` block has a cost)."""
    names, objects, found = {}, {}, set()
    current_ob = None

    def resolve(table, text):
        # callgrind compresses names: "(id) name" the first time, "(id)" after.
        m = re.match(r"\((\d+)\)(?: (.*))?$", text)
        if not m:
            return text
        if m.group(2) is not None:
            table[m.group(1)] = m.group(2)
        return table[m.group(1)]

    real = os.path.realpath(binary)
    with open(callgrind_out) as f:
        for line in f:
            line = line.rstrip("\n")
            if line.startswith("ob="):
                current_ob = resolve(objects, line[3:])
            elif line.startswith("cob="):
                resolve(objects, line[4:])
            elif line.startswith("cfn="):
                resolve(names, line[4:])
            elif line.startswith("fn="):
                name = resolve(names, line[3:])
                if current_ob and os.path.realpath(current_ob) == real:
                    found.add(name)
    # callgrind marks a function's recursion depth ("name'2") and names code without a symbol
    # by its address or "(below main)": neither is a symbol the linker knows.
    return {re.sub(r"'\d+$", "", n) for n in found if n and not n.startswith(("0x", "("))}


RUNS = 3

# `serve` restarts itself once with a glibc tunable (src/thread_cache.rs); callgrind does not follow
# that exec, so the profiled twin is started as the restarted one is, where no restart happens.
os.environ["CLOUDTWIN_RESTARTED"] = "1"


def callgrind_functions(binary, cfg, tmp):
    """Functions of `binary` that run under callgrind from exec to the first answer."""
    os.mkdir(tmp)
    counts = os.path.join(tmp, "callgrind.out")
    port = scale.free_port()
    argv = ["valgrind", "--tool=callgrind", "--demangle=no", f"--callgrind-out-file={counts}", binary, "serve",
            "--listen", f"127.0.0.1:{port}", "--timing", "immediate", "--config", cfg]
    proc, _ = scale.start(argv, port, scale.tc3("DescribeDisks", {"Limit": 20}, port=port))
    try:
        time.sleep(0.5)
        subprocess.run(["callgrind_control", "--dump=first-read", str(proc.pid)], check=True,
                       stdout=subprocess.DEVNULL)
        time.sleep(0.5)
    finally:
        proc.kill()
        proc.wait()
    dumps = sorted(p for p in os.listdir(tmp) if p.startswith("callgrind.out."))
    if not dumps:
        raise SystemExit("start_profile: callgrind wrote no dump")
    return functions_of(os.path.join(tmp, dumps[0]), binary)


def faulting_functions(binary, cfg):
    """Functions of `binary` whose code page-faults in a native start and first read (perf)."""
    if shutil.which("perf") is None:
        print("start_profile: no perf, only callgrind's functions", file=sys.stderr)
        return set()
    tmp = tempfile.mkdtemp()
    data = os.path.join(tmp, "perf.data")
    port = scale.free_port()
    argv = ["perf", "record", "-q", "-e", "page-faults", "-c", "1", "-o", data, "--", binary, "serve",
            "--listen", f"127.0.0.1:{port}", "--timing", "immediate", "--config", cfg]
    proc, _ = scale.start(argv, port, scale.tc3("DescribeDisks", {"Limit": 20}, port=port))
    time.sleep(0.5)
    # perf's child is the twin; killing it ends perf, which then writes its file.
    for child in open(f"/proc/{proc.pid}/task/{proc.pid}/children").read().split():
        os.kill(int(child), signal.SIGKILL)
    proc.wait()
    out = subprocess.run(["perf", "script", "--no-demangle", "-i", data, "-F", "ip,sym,dso"], capture_output=True,
                         text=True).stdout
    shutil.rmtree(tmp)
    real = os.path.realpath(binary)
    found = set()
    for line in out.splitlines():
        m = re.match(r"\s*[0-9a-f]+ (\S+) \((.*)\)$", line)
        if m and os.path.realpath(m.group(2)) == real and m.group(1) != "[unknown]":
            found.add(m.group(1))
    return found


def main():
    binary, out = sys.argv[1], sys.argv[2]
    tmp = tempfile.mkdtemp()
    cfg = os.path.join(tmp, "config.json")
    with open(cfg, "w") as f:
        json.dump({"tencent": {"limits": {"disks_per_region": 10_000_000, "snapshots_per_disk": 10_000_000}}}, f)
    # Timers and worker wake-ups differ from one start to the next: the union of a few starts.
    found = set()
    for run in range(RUNS):
        found |= callgrind_functions(binary, cfg, os.path.join(tmp, f"run{run}"))
        found |= faulting_functions(binary, cfg)
    shutil.rmtree(tmp)
    if len(found) < 100:
        raise SystemExit(f"start_profile: only {len(found)} functions of {binary}: no symbols (stripped)?")
    with open(out, "w") as f:
        f.write("# The functions the release twin runs from exec to its first answered read, linked\n"
                "# together so that they share few pages (docs/performance.md, \"Idle RSS\"). Made by\n"
                "# scripts/start-order.sh; build.rs passes it to the linker. A stale line is skipped.\n")
        for name in sorted(found):
            f.write(name + "\n")
    print(f"{out}: {len(found)} functions", file=sys.stderr)


if __name__ == "__main__":
    main()
