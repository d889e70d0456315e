"""Benchmark: a 40-run sweep on 2 joblib workers vs 1, and the sweep machinery's overhead.

Runs ``python -m sim -m +sweep=smoke`` (no legitimate users) with the status-quo
controls and seeds 0-39, i.e. 40 runs of ~1-2 s, once with
``hydra.launcher.n_jobs=1`` and once with ``n_jobs=2``, each into a fresh
sweep folder, and prints:

- the wall time of each whole command (Hydra start-up, worker start-up,
  launching, the runs, writing results, the summary);
- the speed-up, 1-worker time / 2-worker time (goal: >= 1.8);
- the overhead per run: worker-seconds not spent simulating, i.e.
  ``(wall * workers - sum of the runs' runtime_seconds) / runs``; it counts
  Hydra and worker start-up, dispatch, config composition, identity and
  completeness checks, writing the run's files and the journal;
- that both tables agree on every outcome column (same seeds, same numbers).

Each run's wall/CPU ratio is printed too: near 1 on an idle machine, above 1
when other work competes for the cores (then the times say more about the
machine than about the launcher).

Usage: ``python experiments/bench_sweep.py [--runs 40] [--policy status_quo] [--keep DIR]``.
The load average is printed too: on a shared machine other work skews both times.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

from sim.collect import collect, outcome_columns

REPO = Path(__file__).resolve().parent.parent


def run_sweep(sweep_dir: Path, workers: int, runs: int, policy: str, population: str = "none") -> float:
    """Run the benchmark sweep on ``workers`` joblib workers; return its wall time in seconds."""
    cmd = [
        sys.executable, "-m", "sim", "-m", "+sweep=smoke", f"policy={policy}", f"seed=range(0,{runs})", f"population={population}",
        f"hydra.launcher.n_jobs={workers}", f"hydra.sweep.dir={sweep_dir}",
    ]
    started = time.perf_counter()
    proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True)
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        sys.exit(f"sweep with n_jobs={workers} failed (exit {proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    return wall


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its numbers."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=40, help="seeds in the sweep (default 40)")
    parser.add_argument("--policy", default="status_quo", help="policy preset (default status_quo: ~1-2 s runs)")
    parser.add_argument("--population", default="none", help="population preset (default none; 'default' gives ~3 s runs)")
    parser.add_argument("--keep", type=Path, default=None, help="keep the two sweep folders under this directory")
    args = parser.parse_args(argv)
    root = args.keep or Path(tempfile.mkdtemp(prefix="bench_sweep_"))
    print(f"{args.runs} runs, policy={args.policy}, population={args.population}; cpus={os.cpu_count()}, "
          f"load average before: {os.getloadavg()[0]:.2f}")
    results: dict[int, tuple[float, pd.DataFrame]] = {}
    for workers in (1, 2):
        sweep_dir = root / f"workers_{workers}"
        wall = run_sweep(sweep_dir, workers, args.runs, args.policy, args.population)
        table, bad, failures = collect(sweep_dir)
        if bad or failures or len(table) != args.runs:
            sys.exit(f"{sweep_dir}: {len(table)} good runs of {args.runs}, bad: {list(bad)}, failures: {list(failures)}")
        results[workers] = (wall, table)
        simulated = float(table["runtime_seconds"].sum())
        cpu = float(table["prov.cpu_seconds"].sum())
        overhead = (wall * workers - simulated) / args.runs
        print(f"n_jobs={workers}: wall {wall:7.2f} s; runs simulated {simulated:7.2f} s in total "
              f"(mean {simulated / args.runs:.2f} s, CPU {cpu / args.runs:.2f} s: wall/CPU {simulated / cpu:.2f}); "
              f"overhead {overhead:.3f} worker-s per run")
    (wall1, table1), (wall2, table2) = results[1], results[2]
    speedup = wall1 / wall2
    print(f"speed-up 2 vs 1 worker: {speedup:.2f}x (2-worker time = {wall2 / wall1:.2f} x 1-worker time; goal >= 1.8x)")
    cols = outcome_columns(table1)
    pd.testing.assert_frame_equal(table1[cols], table2[cols])
    print(f"tables agree on all {len(cols)} outcome columns; load average after: {os.getloadavg()[0]:.2f}")
    if args.keep is None:
        print(f"sweep folders: {root} (temporary)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
