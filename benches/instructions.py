#!/usr/bin/env python3
"""Instructions a list page costs the twin's handler, counted by valgrind: builds side by side.

    python3 benches/instructions.py [--only TEXT] [--large] NAME=PAGE_COST_BINARY ...

Each NAME=... is a build of benches/page_cost.rs (`cargo bench --no-run --bench page_cost`
prints its path; copy it aside before building the next). For every row of that bench (those
whose label contains TEXT with --only) each build runs under callgrind with BENCH_SIDE=small
(--large: the twin grown to BENCH_N, default 2,000), counting only the timed calls (the twin's
`edge::serve`, and page_cost's building of the request, the same in every build), and the table
gives instructions per call and each build against the first.

Why: on this shared VM the CPU time of one build moves by 10-40% from minute to minute, so a
5% change in a handler takes many alternated rounds to see, or cannot be seen. An instruction
count hardly moves: the same build's count differs by 1-3% from run to run (the IDs are random,
so the maps' shapes and the compares differ), whatever else the machine runs. It is
not time (a cache miss costs no instructions; valgrind's CPU has no SHA extensions, so the
signature's hashing counts the portable code's instructions), so a change it shows is then
confirmed by page_cost's timings or wrk (docs/performance.md, "Measuring on this machine").
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile

CALLS, ROUNDS = 200, 1


def rows_of(binary):
    env = dict(os.environ, BENCH_N="200", BENCH_LIST="1")
    out = subprocess.run([binary], env=env, capture_output=True, text=True, check=True).stdout
    return [line for line in out.splitlines() if line and not line.startswith("grew ")]


def count(binary, row, side, n):
    """Instructions per call of `row` on one side of `binary`'s two twins."""
    with tempfile.NamedTemporaryFile(suffix=".callgrind") as out:
        env = dict(os.environ, BENCH_N=str(n), BENCH_ROUNDS=str(ROUNDS), BENCH_CALLS=str(CALLS),
                   BENCH_SIDE=side, BENCH_ONLY=row)
        r = subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out.name}",
                            "--collect-atstart=no", "--toggle-collect=page_cost::time*",
                            binary], env=env, capture_output=True, text=True)
        got = re.search(r"Collected : (\d+)", r.stderr)
        if r.returncode != 0 or not got:
            sys.exit(f"{binary} {row!r}: valgrind failed\n{r.stderr[-2000:]}")
    # Warm-up (CALLS / 4) and the rounds, on this side only.
    return int(got.group(1)) / (CALLS // 4 + ROUNDS * CALLS)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", default="")
    ap.add_argument("--large", action="store_true")
    ap.add_argument("builds", nargs="+", metavar="NAME=PAGE_COST_BINARY")
    a = ap.parse_args()
    builds = [b.split("=", 1) for b in a.builds]
    side, n = ("large", int(os.environ.get("BENCH_N", "2000"))) if a.large else ("small", 200)
    names = [name for name, _ in builds]
    print(f"| row ({'the twin grown to ' + format(n, ',') if a.large else '~100 of each'}) | "
          + " | ".join(f"{name}: instructions a call" for name in names)
          + "".join(f" | {name} / {names[0]}" for name in names[1:]) + " |")
    print("|---" * (1 + 2 * len(names) - 1) + "|")
    for row in [r for r in rows_of(builds[0][1]) if a.only in r]:
        counts = [count(binary, row, side, n) for _, binary in builds]
        print(f"| {row} | " + " | ".join(f"{c:,.0f}" for c in counts)
              + "".join(f" | {c / counts[0]:.1%}" for c in counts[1:]) + " |", flush=True)


if __name__ == "__main__":
    main()
