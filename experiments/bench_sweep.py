"""Benchmark: a sweep's throughput by number of workers and points per job, and the machinery's overhead.

Runs ``python -m sim -m +sweep=smoke`` with the status-quo controls and seeds
0..N-1 (40 runs by default) in each *mode* ``W:K``: ``hydra.launcher.n_jobs=W``
joblib workers, ``hydra.sweeper.points_per_job=K`` points per job; each sweep
into a fresh folder. The default modes, ``1:1,2:1``, compare 1 and 2 workers;
``2:1,2:10`` compares one point per job with batches of 10 on 2 workers. For
each sweep it prints:

- the wall time of the whole command (Hydra start-up, worker start-up,
  launching, the runs, writing results, the summary) and the throughput;
- the overhead per run: worker-seconds not spent simulating,
  ``(wall * workers - sum of the runs' runtime_seconds) / runs``, and CPU-seconds
  not spent in the runs, ``(CPU time of the command and its workers - sum of
  the runs' prov.cpu_seconds) / runs``, which other work on a shared machine
  does not inflate;
- where that overhead goes, read from the sweep's journal (each run's start
  and end records, :mod:`sim.sweeps.progress`) and its ``runtime_seconds``:
  *start-up* (command start to the first run's start record: Python and
  Hydra start-up, the sweeper's check, worker start-up), *between runs*
  (median time from a run's end record to the same worker's next start
  record: returning the result, dispatching the next job, Hydra composing
  its config in the worker, Hydra's per-job files, config conversion and the
  identity check; inside a job of several points only the point's own
  composition and checks), *writing* (mean of end - start - simulation:
  provenance, the run's four files and journal record), *idle at the end*
  (the worker that finishes first waits for the other) and *shut-down* (last
  end record to the command's exit);
- per repeat, each mode's speed-up over the first mode, and for a 1- vs
  2-worker pair the ceiling set by the simulations themselves, ``2 x`` (mean
  run time on 1 worker) / (mean run time on 2 workers), and the share of it
  the sweep reached. Two simulations side by side slow each other down when
  they share caches and memory bandwidth (and, on a virtual machine, whatever
  the host does): no launcher can beat that ceiling, so the share is the
  machinery's efficiency;
- that every sweep's table agrees with the first on every outcome column.

``n_jobs=1`` is joblib's sequential path: the runs execute in the launching
process, with no worker start-up and no pickling. ``n_jobs=2`` pays both; on
a 2-core machine its two workers also share the cores with the launching
process.

The modes alternate within each of ``--repeats`` rounds, and the medians over
the rounds are printed at the end: on a shared machine a single sweep can be
off by +-10%. Each sweep's wall/CPU ratio and the load average are printed:
near 1 and below the core count on an idle machine.

Usage: ``python experiments/bench_sweep.py [--runs 40] [--repeats 1]
[--modes 1:1,2:1] [--population none] [--policy status_quo] [--keep DIR]``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
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


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_sweep(sweep_dir: Path, workers: int, points_per_job: int, runs: int, policy: str, population: str) -> tuple[float, float, float]:
    """Run the benchmark sweep on ``workers`` joblib workers; return (start epoch, wall seconds, CPU seconds).

    The CPU seconds are those of the whole command, its workers included (they are its
    children, reaped before it exits): unlike the wall time, they do not grow when other
    work on the machine takes the cores.
    """
    cmd = [
        sys.executable, "-m", "sim", "-m", "+sweep=smoke", f"policy={policy}", f"seed=range(0,{runs})", f"population={population}",
        f"hydra.launcher.n_jobs={workers}", f"hydra.sweeper.points_per_job={points_per_job}", f"hydra.sweep.dir={sweep_dir}",
    ]
    epoch, started, cpu_before = time.time(), time.perf_counter(), _children_cpu()
    proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True)
    wall, cpu = time.perf_counter() - started, _children_cpu() - cpu_before
    if proc.returncode != 0:
        sys.exit(f"sweep with n_jobs={workers} points_per_job={points_per_job} failed (exit {proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    return epoch, wall, cpu


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


Mode = tuple[int, int]  # (workers, points per job)


def parse_modes(text: str) -> list[Mode]:
    """``"1:1,2:1,2:10"`` -> [(1, 1), (2, 1), (2, 10)]; exits naming the bad item."""
    modes = []
    for item in text.split(","):
        try:
            workers, per_job = (int(x) for x in item.split(":"))
        except ValueError:
            workers = per_job = 0
        if workers < 1 or per_job < 1:
            sys.exit(f"error: --modes item {item!r}; allowed: WORKERS:POINTS_PER_JOB, both integers >= 1 (e.g. 2:10)")
        modes.append((workers, per_job))
    return modes


def measure(root: Path, mode: Mode, args: argparse.Namespace, label: str) -> tuple[float, pd.DataFrame]:
    """One sweep in ``mode``: print its line and breakdown; return (wall, table)."""
    workers, per_job = mode
    sweep_dir = root / label
    epoch, wall, command_cpu = run_sweep(sweep_dir, workers, per_job, args.runs, args.policy, args.population)
    table, bad, failures = collect(sweep_dir)
    if bad or failures or len(table) != args.runs:
        sys.exit(f"{sweep_dir}: {len(table)} good runs of {args.runs}, bad: {list(bad)}, failures: {list(failures)}")
    simulated = float(table["runtime_seconds"].sum())
    cpu = float(table["prov.cpu_seconds"].sum())
    overhead = (wall * workers - simulated) / args.runs
    parts = breakdown(sweep_dir, table, epoch, wall)
    print(f"n_jobs={workers} points_per_job={per_job}: wall {wall:7.2f} s ({60 * args.runs / wall:5.1f} runs/min); "
          f"runs simulated {simulated:7.2f} s in total "
          f"(mean {simulated / args.runs:.2f} s, CPU {cpu / args.runs:.2f} s: wall/CPU {simulated / cpu:.2f}); "
          f"overhead {overhead:.3f} worker-s per run, {(command_cpu - cpu) / args.runs:.3f} CPU-s per run "
          f"(the command's CPU time {command_cpu:.1f} s less the runs')", flush=True)
    print("    " + "; ".join(f"{k} {v:.2f} s" + (" per run" if k in ("between runs", "writing") else "") for k, v in parts.items()), flush=True)
    return wall, table


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its numbers."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=40, help="seeds in the sweep (default 40)")
    parser.add_argument("--repeats", type=int, default=1, help="rounds of the modes, alternating (default 1)")
    parser.add_argument("--modes", default="1:1,2:1", help="WORKERS:POINTS_PER_JOB items, comma-separated (default 1:1,2:1)")
    parser.add_argument("--policy", default="status_quo", help="policy preset (default status_quo)")
    parser.add_argument("--population", default="none",
                        help="population preset (default none: ~1-2 s runs; 'default' gives ~3 s runs, like the reference scenario)")
    parser.add_argument("--keep", type=Path, default=None, help="keep the sweep folders under this directory")
    args = parser.parse_args(argv)
    if args.runs < 2 or args.repeats < 1:
        parser.error(f"--runs={args.runs} and --repeats={args.repeats}: need runs >= 2 and repeats >= 1")
    modes = parse_modes(args.modes)
    root = args.keep or Path(tempfile.mkdtemp(prefix="bench_sweep_"))
    print(f"{args.runs} runs, policy={args.policy}, population={args.population}, modes {args.modes}; cpus={os.cpu_count()}, "
          f"load average before: {os.getloadavg()[0]:.2f}", flush=True)
    walls: dict[Mode, list[float]] = defaultdict(list)
    speedups: dict[Mode, list[float]] = defaultdict(list)
    ceilings: list[float] = []
    reference: pd.DataFrame | None = None
    for rep in range(args.repeats):
        tables: dict[Mode, pd.DataFrame] = {}
        for mode in modes:
            wall, tables[mode] = measure(root, mode, args, f"rep{rep}_workers_{mode[0]}_per_job_{mode[1]}")
            walls[mode].append(wall)
            reference = tables[mode] if reference is None else reference
            cols = outcome_columns(reference)
            pd.testing.assert_frame_equal(reference[cols], tables[mode][cols])
        base = modes[0]
        for mode in modes[1:]:
            speedups[mode].append(walls[base][-1] / walls[mode][-1])
            line = f"speed-up of {mode[0]}:{mode[1]} over {base[0]}:{base[1]}: {speedups[mode][-1]:.2f}x"
            if mode[0] == 2 and base[0] == 1 and mode[1] == base[1]:  # the ceiling of a pure 1- vs 2-worker pair
                ceiling = 2 * tables[base]["runtime_seconds"].mean() / tables[mode]["runtime_seconds"].mean()
                ceilings.append(ceiling)
                line += (f" (goal >= {GOAL}x); ceiling from the simulations alone {ceiling:.2f}x (2 x mean run time on 1 worker / "
                         f"on 2: what 2 workers give if the sweep machinery cost nothing); the sweep reached {speedups[mode][-1] / ceiling:.0%} of it")
            print(line + f"; load average now {os.getloadavg()[0]:.2f}", flush=True)
    assert reference is not None
    print(f"tables agree on all {len(outcome_columns(reference))} outcome columns across {len(modes) * args.repeats} sweeps")
    for mode in modes:
        print(f"median wall {mode[0]}:{mode[1]} over {args.repeats} rounds: {statistics.median(walls[mode]):.2f} s "
              f"({60 * args.runs / statistics.median(walls[mode]):.1f} runs/min; each: {', '.join(f'{w:.1f}' for w in walls[mode])})")
    for mode, values in speedups.items():
        print(f"median speed-up {mode[0]}:{mode[1]} over {modes[0][0]}:{modes[0][1]}: {statistics.median(values):.2f}x "
              f"(each: {', '.join(f'{v:.2f}' for v in values)})")
    if ceilings:
        print(f"median ceiling {statistics.median(ceilings):.2f}x (each: {', '.join(f'{c:.2f}' for c in ceilings)})")
    if args.keep is None:
        print(f"sweep folders: {root} (temporary)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
