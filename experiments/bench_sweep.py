"""Benchmark: a 40-run sweep on 2 joblib workers vs 1, and the sweep machinery's overhead.

Runs ``python -m sim -m +sweep=smoke`` with the status-quo controls and seeds
0-39 (40 runs), once with ``hydra.launcher.n_jobs=1`` and once with
``n_jobs=2``, each into a fresh sweep folder, and prints for each:

- the wall time of the whole command (Hydra start-up, worker start-up,
  launching, the runs, writing results, the summary);
- the overhead per run: worker-seconds not spent simulating,
  ``(wall * workers - sum of the runs' runtime_seconds) / runs``;
- where that overhead goes, read from the sweep's journal (each run's start
  and end records, :mod:`sim.sweeps.progress`) and its ``runtime_seconds``:
  *start-up* (command start to the first run's start record: Python and
  Hydra start-up, the sweeper's check, worker start-up), *between runs*
  (median time from a run's end record to the same worker's next start
  record: returning the result, dispatching the next job, Hydra composing
  its config in the worker, Hydra's per-job files, config conversion and the
  identity check), *writing* (mean of end - start - simulation: provenance, the run's
  four files and journal record), *idle at the end* (the worker that
  finishes first waits for the other) and *shut-down* (last end record to
  the command's exit);
- the speed-up, 1-worker time / 2-worker time (goal: >= 1.8), and that both
  tables agree on every outcome column (same seeds, same numbers);
- the ceiling set by the simulations themselves, ``2 x`` (mean run time on 1
  worker) / (mean run time on 2 workers), and the share of it the sweep
  reached. Two simulations side by side slow each other down when they
  share caches and memory bandwidth (and, on a virtual machine, whatever the
  host does): no launcher can beat that ceiling, so the share is the
  machinery's efficiency.

``n_jobs=1`` is joblib's sequential path: the runs execute in the launching
process, with no worker start-up and no pickling. ``n_jobs=2`` pays both; on
a 2-core machine its two workers also share the cores with the launching
process.

With ``--repeats N`` the 1- and 2-worker sweeps alternate N times and the
median speed-up is reported too: on a shared machine a single pair can be
off by +-10%. Each run's wall/CPU ratio and the load average are printed:
near 1 and below the core count on an idle machine.

Usage: ``python experiments/bench_sweep.py [--runs 40] [--repeats 1]
[--population default] [--policy status_quo] [--keep DIR]``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import pandas as pd

from sim.sweeps.collect import collect, outcome_columns
from sim.sweeps.progress import JOURNAL_DIR

REPO = Path(__file__).resolve().parent.parent
GOAL = 1.8


def run_sweep(sweep_dir: Path, workers: int, runs: int, policy: str, population: str) -> tuple[float, float]:
    """Run the benchmark sweep on ``workers`` joblib workers; return (start epoch, wall seconds)."""
    cmd = [
        sys.executable, "-m", "sim", "-m", "+sweep=smoke", f"policy={policy}", f"seed=range(0,{runs})", f"population={population}",
        f"hydra.launcher.n_jobs={workers}", f"hydra.sweep.dir={sweep_dir}",
    ]
    epoch, started = time.time(), time.perf_counter()
    proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True)
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        sys.exit(f"sweep with n_jobs={workers} failed (exit {proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    return epoch, wall


def breakdown(sweep_dir: Path, table: pd.DataFrame, epoch: float, wall: float) -> dict[str, float]:
    """Where the time not spent simulating went, from the sweep's journal (see the module docstring)."""
    runtime = dict(zip(table["run_identity"], table["runtime_seconds"], strict=True))
    session = next((sweep_dir / JOURNAL_DIR).iterdir())
    starts: dict[str, tuple[float, int]] = {}
    ends: dict[str, float] = {}
    for path in session.glob("*.json"):
        rec = json.loads(path.read_text())
        if path.name.endswith(".start.json"):
            starts[rec["identity"]] = (rec["time"], rec["pid"])
        elif path.name.endswith(".end.json"):
            ends[rec["identity"]] = rec["time"]
    by_worker: dict[int, list[str]] = defaultdict(list)
    for identity, (t, pid) in sorted(starts.items(), key=lambda kv: kv[1][0]):
        by_worker[pid].append(identity)
    gaps = [starts[b][0] - ends[a] for ids in by_worker.values() for a, b in zip(ids, ids[1:])]
    last_ends = [ends[ids[-1]] for ids in by_worker.values()]
    return {
        "start-up": min(t for t, _ in starts.values()) - epoch,
        "between runs": statistics.median(gaps) if gaps else float("nan"),
        "writing": statistics.mean(ends[i] - starts[i][0] - runtime[i] for i in starts),
        "idle at the end": max(last_ends) - min(last_ends),
        "shut-down": epoch + wall - max(last_ends),
    }


def measure(root: Path, workers: int, args: argparse.Namespace, label: str) -> tuple[float, pd.DataFrame]:
    """One sweep on ``workers`` workers: print its line and breakdown; return (wall, table)."""
    sweep_dir = root / label
    epoch, wall = run_sweep(sweep_dir, workers, args.runs, args.policy, args.population)
    table, bad, failures = collect(sweep_dir)
    if bad or failures or len(table) != args.runs:
        sys.exit(f"{sweep_dir}: {len(table)} good runs of {args.runs}, bad: {list(bad)}, failures: {list(failures)}")
    simulated = float(table["runtime_seconds"].sum())
    cpu = float(table["prov.cpu_seconds"].sum())
    overhead = (wall * workers - simulated) / args.runs
    parts = breakdown(sweep_dir, table, epoch, wall)
    print(f"n_jobs={workers}: wall {wall:7.2f} s; runs simulated {simulated:7.2f} s in total "
          f"(mean {simulated / args.runs:.2f} s, CPU {cpu / args.runs:.2f} s: wall/CPU {simulated / cpu:.2f}); "
          f"overhead {overhead:.3f} worker-s per run", flush=True)
    print("    " + "; ".join(f"{k} {v:.2f} s" + (" per run" if k in ("between runs", "writing") else "") for k, v in parts.items()), flush=True)
    return wall, table


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its numbers."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=40, help="seeds in the sweep (default 40)")
    parser.add_argument("--repeats", type=int, default=1, help="1- and 2-worker pairs, alternating (default 1)")
    parser.add_argument("--policy", default="status_quo", help="policy preset (default status_quo)")
    parser.add_argument("--population", default="none",
                        help="population preset (default none: ~1-2 s runs; 'default' gives ~3 s runs, like the reference scenario)")
    parser.add_argument("--keep", type=Path, default=None, help="keep the sweep folders under this directory")
    args = parser.parse_args(argv)
    if args.runs < 2 or args.repeats < 1:
        parser.error(f"--runs={args.runs} and --repeats={args.repeats}: need runs >= 2 and repeats >= 1")
    root = args.keep or Path(tempfile.mkdtemp(prefix="bench_sweep_"))
    print(f"{args.runs} runs, policy={args.policy}, population={args.population}; cpus={os.cpu_count()}, "
          f"load average before: {os.getloadavg()[0]:.2f}", flush=True)
    speedups: list[float] = []
    ceilings: list[float] = []
    reference: pd.DataFrame | None = None
    for rep in range(args.repeats):
        wall1, table1 = measure(root, 1, args, f"rep{rep}_workers_1")
        wall2, table2 = measure(root, 2, args, f"rep{rep}_workers_2")
        speedups.append(wall1 / wall2)
        ceiling = 2 * table1["runtime_seconds"].mean() / table2["runtime_seconds"].mean()
        ceilings.append(ceiling)
        print(f"speed-up 2 vs 1 worker: {speedups[-1]:.2f}x (2-worker time = {wall2 / wall1:.2f} x 1-worker time; "
              f"goal >= {GOAL}x); load average now {os.getloadavg()[0]:.2f}", flush=True)
        print(f"    ceiling from the simulations alone: {ceiling:.2f}x (2 x mean run time on 1 worker / on 2: "
              f"what 2 workers give if the sweep machinery cost nothing); the sweep reached {speedups[-1] / ceiling:.0%} of it",
              flush=True)
        reference = table1 if reference is None else reference
        cols = outcome_columns(reference)
        for table in (table1, table2):
            pd.testing.assert_frame_equal(reference[cols], table[cols])
    print(f"tables agree on all {len(outcome_columns(reference))} outcome columns across "
          f"{2 * args.repeats} sweeps")
    if args.repeats > 1:
        print(f"median speed-up over {args.repeats} pairs: {statistics.median(speedups):.2f}x "
              f"(each: {', '.join(f'{s:.2f}' for s in speedups)}; goal >= {GOAL}x); median ceiling "
              f"{statistics.median(ceilings):.2f}x (each: {', '.join(f'{c:.2f}' for c in ceilings)})")
    if args.keep is None:
        print(f"sweep folders: {root} (temporary)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
