"""Paired speed comparison of two source trees of distill-sim: the same runs, interleaved.

A change meant to make the engine faster is measured against the code before it,
in fresh processes that take turns (A B A B ...), so that a machine whose speed
drifts (a shared, busy one) slows both sides alike. Each process builds the run
once, runs it once to warm up, then times ``sim.run`` (CPU seconds of the process,
the better of ``--inner`` runs) and reports its peak RSS. The ratio B/A is
computed pair by pair and its median quoted::

    git worktree add /tmp/before <commit>          # the code before the change
    python experiments/bench_pair.py --before /tmp/before --pairs 5
    python experiments/bench_pair.py --before /tmp/before --pairs 5 population=none
    python experiments/bench_pair.py --before /tmp/before --pairs 3 population=full

``--after`` defaults to this checkout. Arguments after the options are config
overrides for both sides (the reference run by default); ``--b-override``
adds one for side B only, so that two settings of one tree can be compared::

    python experiments/bench_pair.py --before . --pairs 5 --b-override run.attacker_resolution=day population=none
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# The child: compose, warm up, time ``inner`` runs; print one JSON line.
_CHILD = """
import json, resource, sys, time
import sim
cfg = sim.compose(sys.argv[2:])
sim.run(cfg)
times = []
for _ in range(int(sys.argv[1])):
    t = time.process_time()
    sim.run(cfg)
    times.append(time.process_time() - t)
print(json.dumps({"cpu": min(times), "rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def measure(tree: Path, overrides: list[str], inner: int) -> dict[str, float]:
    """CPU seconds of one run and peak RSS of a fresh process importing ``tree``'s ``sim``."""
    env = {**os.environ, "PYTHONPATH": str(tree)}
    out = subprocess.run([sys.executable, "-c", _CHILD, str(inner), *overrides], cwd=tree, env=env,
                         capture_output=True, text=True)
    if out.returncode != 0:
        last = (out.stderr.strip().splitlines() or ["(no message)"])[-1]
        raise SystemExit(f"bench_pair: the run in {tree} failed: {last}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, required=True, help="source tree of the code before (A)")
    parser.add_argument("--after", type=Path, default=ROOT, help="source tree of the code after (B); default this checkout")
    parser.add_argument("--pairs", type=int, default=5, help="interleaved pairs of processes (default 5)")
    parser.add_argument("--inner", type=int, default=2, help="timed runs per process, the best kept (default 2)")
    parser.add_argument("--b-override", action="append", default=[], metavar="KEY=VALUE",
                        help="a config override for side B only (repeatable)")
    parser.add_argument("overrides", nargs="*", help="config overrides for both sides")
    args = parser.parse_args(argv)
    for side in (args.before, args.after):
        if not (side / "sim" / "__init__.py").is_file():
            parser.error(f"--before/--after: {side} is not a distill-sim source tree (no sim/__init__.py)")
    if args.pairs < 1 or args.inner < 1:
        parser.error(f"--pairs and --inner must be >= 1 (got {args.pairs}, {args.inner})")
    print(f"A = {args.before}\nB = {args.after}\noverrides: {' '.join(args.overrides) or '(reference run)'}"
          + (f"\nB only: {' '.join(args.b_override)}" if args.b_override else ""))
    print("pair | A CPU s | B CPU s | B/A | A RSS MiB | B RSS MiB")
    ratios, a_cpu, b_cpu, a_rss, b_rss = [], [], [], [], []
    for i in range(args.pairs):
        a = measure(args.before, args.overrides, args.inner)
        b = measure(args.after, [*args.overrides, *args.b_override], args.inner)
        ratios.append(b["cpu"] / a["cpu"])
        a_cpu.append(a["cpu"]), b_cpu.append(b["cpu"]), a_rss.append(a["rss_mib"]), b_rss.append(b["rss_mib"])
        print(f"{i + 1} | {a['cpu']:.3f} | {b['cpu']:.3f} | {ratios[-1]:.3f} | {a['rss_mib']:.0f} | {b['rss_mib']:.0f}", flush=True)
    print(f"median | {statistics.median(a_cpu):.3f} | {statistics.median(b_cpu):.3f} | {statistics.median(ratios):.3f} "
          f"(min {min(ratios):.3f}, max {max(ratios):.3f}) | {max(a_rss):.0f} (peak) | {max(b_rss):.0f} (peak)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
