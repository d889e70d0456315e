"""Speed and memory benchmark of the simulator, against its goals and a naive reference.

Why: DESIGN.md principle 3 (counts, not events; columnar account state) exists
so that a 45-day campaign with a realistic legitimate population runs in
seconds on a workstation, which is what makes sweeps and calibration
affordable. This script measures that claim instead of asserting it.

What it measures, each run in a fresh ``spawn``-ed child process so that one
run's memory and warm caches do not pollute another's:

* **seconds**: wall time of ``sim.runner.run(cfg)`` (model build, every
  hourly tick, the summary); composing the config and importing libraries are
  excluded. The table shows the median, min and max of ``--repeats`` runs
  (the machine is shared and noisy, so the median is the number to quote).
  The child's CPU time over the same call is shown beside it: on an
  oversubscribed machine it is the steadier of the two. Repeats go
  round-robin over the cases (reference, full, ..., reference, full, ...),
  so a machine that slows down for a while slows every case alike.
* **entity-hours**: the number of account-hours simulated, attacker and
  legitimate together: for every account in the account table, the hours from
  ``max(active_from, 0)`` to its ban (inclusive) or to the end of the run.
  Accounts still being created (pending) are not counted. Legitimate accounts
  count every hour of the run, even on days they send nothing and even though
  the engine advances them a day at a time: they are simulated users either
  way, and the naive reference counts them the same way.
* **peak RSS**: the child's own ``ru_maxrss`` at the end of the run (it
  includes the interpreter and the imported libraries), max over the runs.
* **naive reference** (``experiments/naive_reference.py``): the same account
  process with one ``mesa.Agent`` per account, timed over ``--naive-ticks``
  hours (the default 48 include two day ends, with their bans) and
  extrapolated to the reference run's length (build time + time per tick x
  ticks). It takes its turn in the round-robin like every case. The speed
  ratio is that extrapolated time over the reference case's median.
* **floors**, measured in the same run (one sample per repeat, in a fresh
  process, round-robin with the cases) and given per entity-hour, so that each
  case's time is also shown as a multiple of them: drawing one float32 uniform
  per entity-hour (the least any simulation of every account-hour could
  cost), and a minimal day-at-a-time model of the reference population and
  fleet (per day: one activity draw per legitimate user, a Poisson demand per
  active one, the fleet's demand, and a day-end score with one normal draw and
  a ban test per account with traffic; no controls, no bookkeeping).
* **CLI end to end** (case ``cli``): ``python -m sim`` on the reference
  overrides, in its own process, from start to exit (Python and Hydra
  start-up, composition, imports, the run, writing the run's files, the
  summary), beside the ``runtime_seconds`` it records.
* **sweep throughput** (``--sweep-runs N``, default 8; 0 skips it): one
  attacker-only sweep of N seeds through the sweep machinery on 2 joblib
  workers (``+sweep=smoke``), as runs per minute.
* **scaling** (``--scaling``, off by default; one run per point): the
  reference at 62.5k to 2M sampled users and at 1x to 16x the campaign
  target, as seconds per million entity-hours (flat when the cost is linear
  in accounts and in campaign size).

``--blas-threads N`` sets ``OPENBLAS_NUM_THREADS``, ``OMP_NUM_THREADS`` and
``MKL_NUM_THREADS`` for the children (default: the libraries' own default), to
show how much of the time is BLAS threading overhead on small vectors.

Usage::

    python experiments/benchmark.py                 # all default cases, 3 repeats
    python experiments/benchmark.py --quick --cases attacker_only
    python experiments/benchmark.py --cases reference naive --repeats 5
    python experiments/benchmark.py --scaling --sweep-runs 0

It prints a Markdown table and writes the same report to
``results/benchmark/benchmark.md``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import json
import math
import multiprocessing
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

REPO = Path(__file__).resolve().parent.parent
DEFAULT_OUT = REPO / "results" / "benchmark" / "benchmark.md"
NAIVE_PATH = Path(__file__).resolve().with_name("naive_reference.py")
NAIVE = "naive"
CLI = "cli"
REFERENCE = "reference"
ALL_CONTROLS = "letter_package"  # every control on: must stay within CONTROLS_GOAL x the reference
CONTROLS_GOAL = 1.3
RATIO_GOAL = 500.0
FLOOR_GOAL = 1.0  # the reference case, as a multiple of the float32-uniform floor
CLI_GOAL_SECONDS = 2.0
FLOOR_UNIFORMS = 1 << 26  # float32 uniforms drawn to measure the floor's rate
FLOOR_CHUNK = 1 << 20  # drawn in chunks of this many, into one reused buffer
FALLBACK_TICKS = 1080  # the 45-day reference window, if the reference case was not run
SCALING_USERS: tuple[int, ...] = (62_500, 125_000, 250_000, 500_000, 1_000_000, 2_000_000)
SCALING_TARGETS: tuple[int, ...] = (1, 2, 4, 8, 16)  # multiples of the reference campaign's target
NAIVE_ATTACKER_ACCOUNTS = 25_000  # CALIBRATION.md: ~25,000 accounts in the reference campaign
MIB = 1024.0  # ru_maxrss is in KiB on Linux
BLAS_THREAD_VARS: tuple[str, ...] = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


@dataclass(frozen=True)
class Case:
    """One benchmark case: a set of config overrides and its goals."""

    name: str
    overrides: tuple[str, ...]
    goal_seconds: float | None = None
    goal_rss_mib: float | None = None
    default: bool = True  # run when --cases is not given

    def goal_text(self) -> str:
        """The goals as printed in the table."""
        parts = []
        if self.goal_seconds is not None:
            parts.append(f"<= {self.goal_seconds:g} s")
        if self.goal_rss_mib is not None:
            parts.append(f"<= {self.goal_rss_mib:g} MiB")
        return ", ".join(parts) or "-"


CASES: tuple[Case, ...] = (
    Case(REFERENCE, ("population=default", "policy=status_quo"), goal_seconds=1.0),
    Case("full", ("population=full", "policy=status_quo"), goal_seconds=3.5, goal_rss_mib=450),
    Case("attacker_only", ("population=none", "policy=status_quo"), goal_seconds=0.3),
    Case(ALL_CONTROLS, ("population=default", "policy=letter_package")),
    Case("reference_no_policy", ("population=default", "policy=none"), default=False),
    Case("attacker_only_no_policy", ("population=none", "policy=none"), default=False),
)
CASE_NAMES: tuple[str, ...] = tuple(c.name for c in CASES) + (NAIVE, CLI)


@dataclass(frozen=True)
class Sample:
    """One measured run (of the simulator, or of the naive reference extrapolated)."""

    seconds: float
    cpu_seconds: float
    entity_hours: float
    ticks: int
    accounts: int
    peak_rss_mib: float
    runtime_seconds: float = math.nan  # the CLI's: the runtime_seconds its run recorded


@dataclass(frozen=True)
class Floors:
    """The floors' costs per entity-hour (median over the repeats, wall and CPU seconds)."""

    f32: float
    f32_cpu: float
    day_model: float
    day_model_cpu: float


@dataclass(frozen=True)
class Row:
    """One line of the results table."""

    case: str
    setup: str  # config overrides, or the naive model's size
    samples: tuple[Sample, ...]
    goal: str
    passed: bool | None  # None: no goal

    @property
    def median(self) -> float:
        return statistics.median(s.seconds for s in self.samples)

    @property
    def cpu_median(self) -> float:
        return statistics.median(s.cpu_seconds for s in self.samples)

    @property
    def entity_hours(self) -> float:
        return statistics.median(s.entity_hours for s in self.samples)

    @property
    def peak_rss_mib(self) -> float:
        return max(s.peak_rss_mib for s in self.samples)

    @property
    def runtime_median(self) -> float:
        return statistics.median(s.runtime_seconds for s in self.samples)


# --------------------------------------------------------------------------- children


def _peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / MIB


def active_account_hours(
    active_from: np.ndarray, status: np.ndarray, banned_at: np.ndarray, ticks: int
) -> tuple[float, int]:
    """Entity-hours (see the module docstring) and the number of accounts, from table columns."""
    import numpy as np

    from sim.world.accounts import BANNED

    start = np.maximum(active_from.astype(np.int64), 0)
    end = np.where(status == BANNED, banned_at.astype(np.int64) + 1, ticks)
    end = np.minimum(end, ticks)
    return float(np.maximum(end - start, 0).sum()), int(status.size)


def measure_sim(overrides: Sequence[str]) -> dict[str, float]:
    """Child process: compose ``overrides``, time ``sim.runner.run`` once, report.

    The timed call is exactly ``sim.runner.run(cfg)``; the model class it
    builds is swapped for a subclass that only keeps a reference to the model,
    so the account table can be read afterwards for the entity-hours.
    """
    from unittest import mock

    import sim.runner
    from sim.config.compose import compose

    cfg = compose(list(overrides))
    kept: list[Any] = []

    class KeptModel(sim.runner.DistillationModel):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            kept.append(self)

    with mock.patch.object(sim.runner, "DistillationModel", KeptModel):
        started, started_cpu = time.perf_counter(), time.process_time()
        sim.runner.run(cfg)
        seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - started_cpu
    model = kept[0]
    table = model.accounts
    ticks = int(model.clock.tick)
    hours, accounts = active_account_hours(table.active_from, table.status, table.banned_at, ticks)
    return {
        "seconds": seconds,
        "cpu_seconds": cpu_seconds,
        "entity_hours": hours,
        "ticks": ticks,
        "accounts": accounts,
        "peak_rss_mib": _peak_rss_mib(),
    }


def measure_floor_f32(count: int = FLOOR_UNIFORMS, chunk: int = FLOOR_CHUNK) -> dict[str, float]:
    """Child process: draw ``count`` float32 uniforms (in chunks, into one buffer); seconds per draw."""
    import numpy as np

    rng = np.random.default_rng(0)
    out = np.empty(chunk, dtype=np.float32)
    rng.random(out=out, dtype=np.float32)  # first touch of the buffer
    started, started_cpu = time.perf_counter(), time.process_time()
    for _ in range(count // chunk):
        rng.random(out=out, dtype=np.float32)
    seconds, cpu = time.perf_counter() - started, time.process_time() - started_cpu
    n = count // chunk * chunk
    return {"per_entity_hour": seconds / n, "cpu_per_entity_hour": cpu / n}


def minimal_day_model(legit: int, attackers: int, days: int, seed: int = 0) -> dict[str, float]:
    """A minimal day-at-a-time model of ``legit`` users and a fleet of ``attackers`` accounts.

    Per day: one activity draw per user, a Poisson demand (lognormal means) per
    active user, the fleet's demand (26 a day per account), and at the day's end
    one score per account with traffic (log volume + a fixed trait + a normal
    error) against a threshold; a banned attacker account is replaced by a new
    one, a banned user leaves. Returns its entity-hours and times.
    """
    import numpy as np

    rng = np.random.default_rng(seed)
    n = legit + attackers
    rate = 5.0 * np.exp(1.3 * rng.standard_normal(legit))
    trait = np.concatenate([rng.random(legit) * 2.0, np.full(attackers, 2.8)])
    live = np.ones(n, dtype=bool)
    demand = np.zeros(n, dtype=np.int64)
    started, started_cpu = time.perf_counter(), time.process_time()
    hours = 0
    for _ in range(days):
        hours += int(live.sum()) * 24
        active = np.flatnonzero(live[:legit] & (rng.random(legit, dtype=np.float32) < 0.4))
        demand[:] = 0
        demand[active] = rng.poisson(rate[active])
        demand[legit:] = 26
        sent = np.flatnonzero(demand)
        score = np.log10(1.0 + demand[sent]) + trait[sent] + 0.5 * rng.standard_normal(sent.size)
        banned = sent[score > 4.5]
        live[banned[banned < legit]] = False  # an attacker's banned account is replaced at once
    seconds, cpu = time.perf_counter() - started, time.process_time() - started_cpu
    return {"per_entity_hour": seconds / hours, "cpu_per_entity_hour": cpu / hours}


def measure_day_model(legit: int, attackers: int, days: int) -> dict[str, float]:
    """Child process: the minimal day-at-a-time model once."""
    return minimal_day_model(legit, attackers, days)


def load_naive() -> ModuleType:
    """Import ``experiments/naive_reference.py`` by path (``experiments`` is not a package)."""
    name = "naive_reference"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, NAIVE_PATH)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load the naive reference from {NAIVE_PATH}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses resolve annotations through sys.modules
    spec.loader.exec_module(module)
    return module


def measure_naive(attackers: int, legit: int, ticks: int, seed: int) -> dict[str, float]:
    """Child process: build and step the naive reference ``ticks`` hours, report."""
    naive = load_naive()
    params = naive.NaiveParams(attacker_accounts=attackers, legit_accounts=legit, seed=seed)
    result = naive.run_naive(params, ticks)
    return {**asdict(result), "peak_rss_mib": _peak_rss_mib()}


def in_fresh_process(fn: Callable[..., dict[str, float]], *args: Any) -> dict[str, float]:
    """Run ``fn(*args)`` in a newly spawned interpreter and return its result."""
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=ctx) as pool:
        return pool.submit(fn, *args).result()


# --------------------------------------------------------------------------- cases


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def sample_case(case: Case) -> Sample:
    """Run one simulator case once, in a fresh process."""
    raw = in_fresh_process(measure_sim, case.overrides)
    return Sample(
        seconds=raw["seconds"],
        cpu_seconds=raw["cpu_seconds"],
        entity_hours=raw["entity_hours"],
        ticks=int(raw["ticks"]),
        accounts=int(raw["accounts"]),
        peak_rss_mib=raw["peak_rss_mib"],
    )


def sample_cli(overrides: Sequence[str]) -> Sample:
    """One ``python -m sim`` run from start to exit, in its own process, and the runtime it records."""
    with tempfile.TemporaryDirectory(prefix="bench_cli_") as tmp:
        run_dir = Path(tmp) / "run"
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "sim", *overrides, f"hydra.run.dir={run_dir}"],
                              cwd=tmp, capture_output=True, text=True)
        seconds = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if proc.returncode != 0:
            sys.exit(f"the CLI run failed (exit {proc.returncode}):\n{proc.stderr[-3000:]}")
        metrics = json.loads((run_dir / "metrics.json").read_text())
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return Sample(seconds=seconds, cpu_seconds=cpu, entity_hours=math.nan, ticks=0, accounts=0,
                  peak_rss_mib=math.nan, runtime_seconds=float(metrics["runtime_seconds"]))


def sweep_throughput(runs: int, workers: int = 2) -> tuple[float, float]:
    """Runs per minute of an attacker-only sweep of ``runs`` seeds on ``workers`` joblib workers,
    and its wall seconds (the whole command: start-up, launching, the runs, writing, collecting)."""
    import sim

    # From the tree that holds the imported package: its hydra_plugins (the sweeper) sit beside it.
    tree = Path(sim.__file__).resolve().parent.parent
    with tempfile.TemporaryDirectory(prefix="bench_sweep_") as tmp:
        cmd = [sys.executable, "-m", "sim", "-m", "+sweep=smoke", "policy=status_quo", f"seed=range(0,{runs})",
               "population=none", f"hydra.launcher.n_jobs={workers}", f"hydra.sweep.dir={Path(tmp) / 'sweep'}"]
        started = time.perf_counter()
        proc = subprocess.run(cmd, cwd=tree, capture_output=True, text=True)
        wall = time.perf_counter() - started
    if proc.returncode != 0:
        sys.exit(f"the sweep failed (exit {proc.returncode}):\n{proc.stderr[-3000:]}")
    return runs / wall * 60.0, wall


def scaling_points(base_target: int) -> list[tuple[str, tuple[str, ...]]]:
    """The scaling table's points: (label, overrides)."""
    users = [(f"{n:,} users", ("population=default", f"population.sample_size={n}", "policy=status_quo"))
             for n in SCALING_USERS]
    targets = [(f"{k}x target", ("population=default", "policy=status_quo",
                                 f"scenario.operators.0.target_exchanges={base_target * k}"))
               for k in SCALING_TARGETS]
    return users + targets


def render_scaling(points: Sequence[tuple[str, Sample]]) -> str:
    """The scaling table: seconds per million entity-hours at each point (flat when linear)."""
    lines = ["| point | accounts | entity-hours | seconds | CPU s | s per M entity-hours | CPU s per M entity-hours | peak RSS MiB |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for label, smp in points:
        lines.append(f"| {label} | {smp.accounts:,} | {smp.entity_hours:,.0f} | {smp.seconds:.2f} | {smp.cpu_seconds:.2f} "
                     f"| {smp.seconds / smp.entity_hours * 1e6:.4f} | {smp.cpu_seconds / smp.entity_hours * 1e6:.4f} "
                     f"| {smp.peak_rss_mib:,.0f} |")
    return "\n".join(lines)


def case_row(case: Case, samples: Sequence[Sample]) -> Row:
    """The table row of a case's samples, with its goals judged."""
    row = Row(case.name, " ".join(case.overrides), tuple(samples), case.goal_text(), None)
    passed = []
    if case.goal_seconds is not None:
        passed.append(row.median <= case.goal_seconds)
    if case.goal_rss_mib is not None:
        passed.append(row.peak_rss_mib <= case.goal_rss_mib)
    return Row(row.case, row.setup, row.samples, row.goal, all(passed) if passed else None)


def sample_naive(legit: int, ticks: int, total_ticks: int, seed: int) -> Sample:
    """Time the naive reference over ``ticks`` hours once and extrapolate to ``total_ticks``."""
    raw = in_fresh_process(measure_naive, NAIVE_ATTACKER_ACCOUNTS, legit, ticks, seed)
    measured = int(raw["ticks"])
    seconds = raw["build_seconds"] + raw["step_seconds"] / measured * total_ticks
    cpu_seconds = raw["build_cpu_seconds"] + raw["step_cpu_seconds"] / measured * total_ticks
    _log(
        f"  {NAIVE}: build {raw['build_seconds']:.1f} s, "
        f"{raw['step_seconds'] / measured:.3f} s/tick -> {seconds:.0f} s for {total_ticks} ticks; "
        f"{raw['attacker_exchanges'] + raw['legit_exchanges']:.0f} exchanges served, "
        f"{raw['attacker_bans']:.0f} attacker / {raw['legit_bans']:.0f} legitimate bans"
    )
    return Sample(
        seconds=seconds,
        cpu_seconds=cpu_seconds,
        entity_hours=raw["entity_hours"] / measured * total_ticks,
        ticks=total_ticks,
        accounts=NAIVE_ATTACKER_ACCOUNTS + legit,
        peak_rss_mib=raw["peak_rss_mib"],
    )


# --------------------------------------------------------------------------- report


def _fmt_result(passed: bool | None) -> str:
    return "-" if passed is None else ("PASS" if passed else "FAIL")


def _fmt(x: float, spec: str) -> str:
    return "-" if math.isnan(x) else format(x, spec)


def floor_multiples(row: Row, floors: Floors | None) -> tuple[float, float]:
    """A row's median as a multiple of each floor at its own entity-hours (NaN when not measured)."""
    if floors is None or math.isnan(row.entity_hours) or row.case == NAIVE:
        return math.nan, math.nan
    return row.median / (row.entity_hours * floors.f32), row.median / (row.entity_hours * floors.day_model)


def render_table(rows: Sequence[Row], floors: Floors | None = None) -> str:
    """The Markdown results table."""
    head = (
        "| case | setup | runs | median s | min s | max s | median CPU s | entity-hours | entity-hours/s "
        "| x f32 floor | x day-model floor | peak RSS MiB | goal | result |\n"
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|"
    )
    lines = [head]
    for r in rows:
        secs = [s.seconds for s in r.samples]
        f32, day = floor_multiples(r, floors)
        lines.append(
            f"| {r.case} | {r.setup} | {len(secs)} | {r.median:.2f} | {min(secs):.2f} | {max(secs):.2f} "
            f"| {r.cpu_median:.2f} "
            f"| {_fmt(r.entity_hours, ',.0f')} | {_fmt(r.entity_hours / r.median, ',.0f')} "
            f"| {_fmt(f32, '.2f')} | {_fmt(day, '.2f')} | {_fmt(r.peak_rss_mib, ',.0f')} "
            f"| {r.goal} | {_fmt_result(r.passed)} |"
        )
    return "\n".join(lines)


def speed_ratio(rows: Sequence[Row]) -> tuple[float, float] | None:
    """Extrapolated naive time over the reference case's median (wall, CPU), if both were run."""
    by_case = {r.case: r for r in rows}
    if NAIVE in by_case and REFERENCE in by_case:
        naive, ref = by_case[NAIVE], by_case[REFERENCE]
        return naive.median / ref.median, naive.cpu_median / ref.cpu_median
    return None


def ratio_text(ratio: tuple[float, float] | None) -> str:
    """One line on the speed ratio and its goal (judged on wall time)."""
    if ratio is None:
        return "Speed ratio (naive / reference): not measured (needs cases `reference` and `naive`)."
    wall, cpu = ratio
    verdict = "PASS" if wall >= RATIO_GOAL else "FAIL"
    return (
        f"Speed ratio (naive reference extrapolated / `reference` median, same population): "
        f"**{wall:.0f}x** wall ({cpu:.0f}x CPU) (goal >= {RATIO_GOAL:g}x): {verdict}"
    )


def controls_text(rows: Sequence[Row]) -> str:
    """One line on the cost of running every control (letter_package vs status quo)."""
    by_case = {r.case: r for r in rows}
    if ALL_CONTROLS not in by_case or REFERENCE not in by_case:
        return f"Every control on: not measured (needs cases `{REFERENCE}` and `{ALL_CONTROLS}`)."
    wall = by_case[ALL_CONTROLS].median / by_case[REFERENCE].median
    cpu = by_case[ALL_CONTROLS].cpu_median / by_case[REFERENCE].cpu_median
    verdict = "PASS" if wall <= CONTROLS_GOAL else "FAIL"
    return (
        f"Every control on (`{ALL_CONTROLS}` / `{REFERENCE}` median): **{wall:.2f}x** wall ({cpu:.2f}x CPU) "
        f"(goal <= {CONTROLS_GOAL:g}x): {verdict}"
    )


def floors_text(rows: Sequence[Row], floors: Floors | None) -> str:
    """The floors' rates and the reference case against the float32 floor."""
    if floors is None:
        return "Floors: not measured (--no-floors)."
    out = (f"Floors, per entity-hour: one float32 uniform {floors.f32 * 1e9:.2f} ns ({floors.f32_cpu * 1e9:.2f} ns CPU); "
           f"the minimal day-at-a-time model {floors.day_model * 1e9:.2f} ns ({floors.day_model_cpu * 1e9:.2f} ns CPU).")
    by_case = {r.case: r for r in rows}
    if REFERENCE in by_case:
        ref = by_case[REFERENCE]
        f32, day = floor_multiples(ref, floors)
        verdict = "PASS" if f32 <= FLOOR_GOAL else "FAIL"
        out += (f"\n\n`{REFERENCE}` against the floors at its {ref.entity_hours:,.0f} entity-hours: **{f32:.2f}x** the "
                f"float32 floor ({ref.entity_hours * floors.f32:.2f} s; goal <= {FLOOR_GOAL:g}x): {verdict}; "
                f"{day:.2f}x the day-model floor ({ref.entity_hours * floors.day_model:.2f} s).")
    return out


def cli_text(rows: Sequence[Row]) -> str:
    """One line on the CLI end to end beside the runtime it records."""
    by_case = {r.case: r for r in rows}
    if CLI not in by_case:
        return f"CLI end to end: not measured (needs case `{CLI}`)."
    row = by_case[CLI]
    verdict = "PASS" if row.median <= CLI_GOAL_SECONDS else "FAIL"
    return (f"CLI end to end (`python -m sim {' '.join(CASES[0].overrides)}`, process start to exit): **{row.median:.2f} s** "
            f"wall ({row.cpu_median:.2f} s CPU), beside the run's own `runtime_seconds` {row.runtime_median:.2f} s "
            f"(goal <= {CLI_GOAL_SECONDS:g} s): {verdict}")


def sweep_text(sweep: tuple[int, float, float] | None) -> str:
    """One line on the sweep throughput."""
    if sweep is None:
        return "Sweep throughput: not measured (--sweep-runs 0)."
    runs, per_minute, wall = sweep
    return (f"Sweep throughput (`+sweep=smoke policy=status_quo population=none`, {runs} seeds, 2 joblib workers, "
            f"the whole command): **{per_minute:.1f} runs/min** ({wall:.1f} s, {wall / runs:.2f} s per run)")


def _git_commit() -> str:
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True)
    except OSError:
        return "unknown"
    return out.stdout.strip() or "unknown"


def render_report(rows: Sequence[Row], repeats: int, naive_ticks: int, blas_threads: int | None,
                  floors: Floors | None = None, sweep: tuple[int, float, float] | None = None,
                  scaling: Sequence[tuple[str, Sample]] = ()) -> str:
    """The whole Markdown report: context, table, ratios, definitions, raw timings."""
    import mesa
    import numpy

    context = (
        f"{dt.datetime.now().isoformat(timespec='seconds')}, commit {_git_commit()}, "
        f"Python {platform.python_version()}, numpy {numpy.__version__}, mesa {mesa.__version__}, "
        f"{platform.machine()} x {multiprocessing.cpu_count()} CPUs, {repeats} repeat(s), "
        f"BLAS threads: {blas_threads if blas_threads is not None else 'library default'}, "
        f"load average at the end: {os.getloadavg()[0]:.1f}"
    )
    raw = "\n".join(f"- {r.case}: " + ", ".join(f"{s.seconds:.2f}" for s in r.samples) for r in rows)
    scaling_part = f"\nScaling (one run per point):\n\n{render_scaling(scaling)}\n" if scaling else ""
    return f"""# distill-sim benchmark

{context}

{render_table(rows, floors)}

{ratio_text(speed_ratio(rows))}

{controls_text(rows)}

{floors_text(rows, floors)}

{cli_text(rows)}

{sweep_text(sweep)}
{scaling_part}
Definitions:
- **seconds**: wall time of `sim.runner.run(cfg)` (build, every hourly tick, summary), config
  composition and imports excluded; each run in a fresh spawned process; median/min/max over runs.
  **CPU s**: the child's CPU time (all its threads) over the same call. The `cli` row is the
  whole `python -m sim` process instead.
- **entity-hours**: account-hours simulated, attacker + legitimate: for every account, the hours
  from `max(active_from, 0)` to its ban (inclusive) or the end of the run; pending accounts not
  counted. Legitimate accounts count every hour, including idle ones (the engine advances them a
  day at a time; the naive reference steps each one every hour).
- **x f32 floor**, **x day-model floor**: the median over the time the floor would take at the
  case's entity-hours (one float32 uniform per entity-hour; the minimal day-at-a-time model of
  `experiments/benchmark.py:minimal_day_model`), the floors measured in the same run.
- **peak RSS**: the child process's own `ru_maxrss` (interpreter and libraries included), max over runs.
- **naive**: `experiments/naive_reference.py`, one `mesa.Agent` per account, timed over
  {naive_ticks} ticks and extrapolated (build + time per tick x ticks of the reference run).

Raw seconds per run:
{raw}
"""


# --------------------------------------------------------------------------- entry point


def _parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Speed and memory benchmark of distill-sim.")
    parser.add_argument("--repeats", type=int, default=None, help="runs per case (default 3; 1 with --quick)")
    parser.add_argument("--quick", action="store_true", help="smoke check: 1 repeat, 24 naive ticks, no sweep")
    parser.add_argument(
        "--cases",
        nargs="+",
        choices=CASE_NAMES + ("all",),
        default=None,
        help="cases to run (default: " + ", ".join(c.name for c in CASES if c.default) + f", {NAIVE}, {CLI})",
    )
    parser.add_argument("--naive-ticks", type=int, default=None, help="ticks to time the naive model (default 48; 24 with --quick)")
    parser.add_argument(
        "--blas-threads", type=int, default=None, help="BLAS/OpenMP threads in the children (default: library default)"
    )
    parser.add_argument("--sweep-runs", type=int, default=None, help="seeds in the sweep-throughput sweep (default 8; 0 with --quick; 0 skips it)")
    parser.add_argument("--no-floors", action="store_true", help="do not measure the floors")
    parser.add_argument("--scaling", action="store_true", help="also run the scaling table (users and campaign size)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"report path (default {DEFAULT_OUT})")
    args = parser.parse_args(argv)
    if args.repeats is None:
        args.repeats = 1 if args.quick else 3
    if args.naive_ticks is None:
        args.naive_ticks = 24 if args.quick else 48
    if args.sweep_runs is None:
        args.sweep_runs = 0 if args.quick else 8
    if args.repeats < 1:
        parser.error(f"--repeats={args.repeats}; allowed: an integer >= 1")
    if args.naive_ticks < 1:
        parser.error(f"--naive-ticks={args.naive_ticks}; allowed: an integer >= 1")
    if args.sweep_runs < 0 or args.sweep_runs == 1:
        parser.error(f"--sweep-runs={args.sweep_runs}; allowed: 0 (skip) or an integer >= 2")
    if args.blas_threads is not None and args.blas_threads < 1:
        parser.error(f"--blas-threads={args.blas_threads}; allowed: an integer >= 1")
    return args


def _floors(samples: Sequence[tuple[dict[str, float], dict[str, float]]]) -> Floors:
    f32 = [a for a, _ in samples]
    day = [b for _, b in samples]
    med = statistics.median
    return Floors(med(x["per_entity_hour"] for x in f32), med(x["cpu_per_entity_hour"] for x in f32),
                  med(x["per_entity_hour"] for x in day), med(x["cpu_per_entity_hour"] for x in day))


def main(argv: Sequence[str] | None = None) -> None:
    """Run the selected cases round-robin (with the floors), print the tables and ratios, write the report."""
    args = _parse_args(argv)
    if args.blas_threads is not None:
        for var in BLAS_THREAD_VARS:  # inherited by the spawned children before they import numpy
            os.environ[var] = str(args.blas_threads)
    if args.cases is None:
        selected = [c.name for c in CASES if c.default] + [NAIVE, CLI]
    elif "all" in args.cases:
        selected = list(CASE_NAMES)
    else:
        selected = list(dict.fromkeys(args.cases))
    from sim.config import window_days
    from sim.config.compose import compose

    reference_cfg = compose(list(CASES[0].overrides))
    legit = reference_cfg.population.sample_size
    attackers = NAIVE_ATTACKER_ACCOUNTS
    days = window_days(reference_cfg)
    # Repeats go round-robin over the cases, the naive reference, the CLI and the floors, so a
    # shared machine that slows down for a while slows every one alike and the ratios stay fair.
    cases = [c for c in CASES if c.name in selected]
    samples: dict[str, list[Sample]] = {name: [] for name in [c.name for c in cases] + [n for n in (NAIVE, CLI) if n in selected]}
    floor_samples: list[tuple[dict[str, float], dict[str, float]]] = []
    reference_ticks: int | None = None
    for i in range(args.repeats):
        for case in cases:
            sample = sample_case(case)
            samples[case.name].append(sample)
            if case.name == REFERENCE:
                reference_ticks = sample.ticks
            _log(f"  {case.name} run {i + 1}/{args.repeats} ({' '.join(case.overrides)}): {sample.seconds:.2f} s "
                 f"({sample.cpu_seconds:.2f} s CPU), {sample.peak_rss_mib:.0f} MiB")
        if NAIVE in selected:
            samples[NAIVE].append(sample_naive(legit, args.naive_ticks, reference_ticks or FALLBACK_TICKS, i))
        if CLI in selected:
            sample = sample_cli(CASES[0].overrides)
            samples[CLI].append(sample)
            _log(f"  {CLI} run {i + 1}/{args.repeats}: {sample.seconds:.2f} s ({sample.cpu_seconds:.2f} s CPU), "
                 f"runtime_seconds {sample.runtime_seconds:.2f}")
        if not args.no_floors:
            floor_samples.append((in_fresh_process(measure_floor_f32),
                                  in_fresh_process(measure_day_model, legit, attackers, days)))
    floors = _floors(floor_samples) if floor_samples else None
    rows: list[Row] = [case_row(c, samples[c.name]) for c in cases]
    if NAIVE in selected:
        total = reference_ticks or FALLBACK_TICKS
        setup = f"{attackers} attacker + {legit} legit agents; extrapolated from {args.naive_ticks} to {total} ticks"
        rows.append(Row(NAIVE, setup, tuple(samples[NAIVE]), "-", None))
    if CLI in selected:
        cli = Row(CLI, f"python -m sim {' '.join(CASES[0].overrides)} (process start to exit)", tuple(samples[CLI]),
                  f"<= {CLI_GOAL_SECONDS:g} s", None)
        rows.append(Row(cli.case, cli.setup, cli.samples, cli.goal, cli.median <= CLI_GOAL_SECONDS))
    sweep = None
    if args.sweep_runs:
        per_minute, wall = sweep_throughput(args.sweep_runs)
        sweep = (args.sweep_runs, per_minute, wall)
    scaling: list[tuple[str, Sample]] = []
    if args.scaling:
        for label, overrides in scaling_points(int(reference_cfg.scenario.operators[0].target_exchanges)):
            smp = sample_case(Case(label, overrides))
            scaling.append((label, smp))
            _log(f"  scaling {label}: {smp.seconds:.2f} s, {smp.entity_hours:,.0f} entity-hours")
    report = render_report(rows, args.repeats, args.naive_ticks, args.blas_threads, floors, sweep, scaling)
    print(render_table(rows, floors))
    print()
    for line in (ratio_text(speed_ratio(rows)), controls_text(rows), floors_text(rows, floors), cli_text(rows), sweep_text(sweep)):
        print(line)
    if scaling:
        print()
        print(render_scaling(scaling))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    tmp = args.out.with_suffix(".md.tmp")
    tmp.write_text(report)
    tmp.replace(args.out)
    print(f"\nreport: {args.out}")


if __name__ == "__main__":
    main()
