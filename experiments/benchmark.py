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
  hours and extrapolated to the reference run's length
  (build time + time per tick x ticks). The speed ratio is that extrapolated
  time over the reference case's median.

``--blas-threads N`` sets ``OPENBLAS_NUM_THREADS``, ``OMP_NUM_THREADS`` and
``MKL_NUM_THREADS`` for the children (default: the libraries' own default), to
show how much of the time is BLAS threading overhead on small vectors.

Usage::

    python experiments/benchmark.py                 # all default cases, 3 repeats
    python experiments/benchmark.py --quick --cases attacker_only
    python experiments/benchmark.py --cases reference naive --repeats 5

It prints a Markdown table and writes the same report to
``results/benchmark/benchmark.md``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import multiprocessing
import os
import platform
import resource
import statistics
import subprocess
import sys
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
REFERENCE = "reference"
ALL_CONTROLS = "letter_package"  # every control on: must stay within CONTROLS_GOAL x the reference
CONTROLS_GOAL = 1.5
RATIO_GOAL = 50.0
FALLBACK_TICKS = 1080  # the 45-day reference window, if the reference case was not run
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
    Case(REFERENCE, ("population=default", "policy=status_quo"), goal_seconds=5.0),
    Case("full", ("population=full", "policy=status_quo"), goal_seconds=15.0, goal_rss_mib=1.5 * 1024),
    Case("attacker_only", ("population=none", "policy=status_quo"), goal_seconds=1.0),
    Case(ALL_CONTROLS, ("population=default", "policy=letter_package")),
    Case("reference_no_policy", ("population=default", "policy=none"), default=False),
    Case("attacker_only_no_policy", ("population=none", "policy=none"), default=False),
)
CASE_NAMES: tuple[str, ...] = tuple(c.name for c in CASES) + (NAIVE,)


@dataclass(frozen=True)
class Sample:
    """One measured run (of the simulator, or of the naive reference extrapolated)."""

    seconds: float
    cpu_seconds: float
    entity_hours: float
    ticks: int
    accounts: int
    peak_rss_mib: float


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


def case_row(case: Case, samples: Sequence[Sample]) -> Row:
    """The table row of a case's samples, with its goals judged."""
    row = Row(case.name, " ".join(case.overrides), tuple(samples), case.goal_text(), None)
    passed = []
    if case.goal_seconds is not None:
        passed.append(row.median <= case.goal_seconds)
    if case.goal_rss_mib is not None:
        passed.append(row.peak_rss_mib <= case.goal_rss_mib)
    return Row(row.case, row.setup, row.samples, row.goal, all(passed) if passed else None)


def bench_naive(legit: int, ticks: int, total_ticks: int, repeats: int) -> Row:
    """Time the naive reference over ``ticks`` hours and extrapolate to ``total_ticks``."""
    samples = []
    for i in range(repeats):
        raw = in_fresh_process(measure_naive, NAIVE_ATTACKER_ACCOUNTS, legit, ticks, i)
        measured = int(raw["ticks"])
        seconds = raw["build_seconds"] + raw["step_seconds"] / measured * total_ticks
        cpu_seconds = raw["build_cpu_seconds"] + raw["step_cpu_seconds"] / measured * total_ticks
        sample = Sample(
            seconds=seconds,
            cpu_seconds=cpu_seconds,
            entity_hours=raw["entity_hours"] / measured * total_ticks,
            ticks=total_ticks,
            accounts=NAIVE_ATTACKER_ACCOUNTS + legit,
            peak_rss_mib=raw["peak_rss_mib"],
        )
        samples.append(sample)
        _log(
            f"  {NAIVE} run {i + 1}/{repeats}: build {raw['build_seconds']:.1f} s, "
            f"{raw['step_seconds'] / measured:.3f} s/tick -> {seconds:.0f} s for {total_ticks} ticks; "
            f"{raw['attacker_exchanges'] + raw['legit_exchanges']:.0f} exchanges served, "
            f"{raw['attacker_bans']:.0f} attacker / {raw['legit_bans']:.0f} legitimate bans"
        )
    setup = f"{NAIVE_ATTACKER_ACCOUNTS} attacker + {legit} legit agents; extrapolated from {ticks} to {total_ticks} ticks"
    return Row(NAIVE, setup, tuple(samples), "-", None)


# --------------------------------------------------------------------------- report


def _fmt_result(passed: bool | None) -> str:
    return "-" if passed is None else ("PASS" if passed else "FAIL")


def render_table(rows: Sequence[Row]) -> str:
    """The Markdown results table."""
    head = (
        "| case | setup | runs | median s | min s | max s | median CPU s | entity-hours | entity-hours/s "
        "| peak RSS MiB | goal | result |\n"
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|"
    )
    lines = [head]
    for r in rows:
        secs = [s.seconds for s in r.samples]
        lines.append(
            f"| {r.case} | {r.setup} | {len(secs)} | {r.median:.2f} | {min(secs):.2f} | {max(secs):.2f} "
            f"| {r.cpu_median:.2f} "
            f"| {r.entity_hours:,.0f} | {r.entity_hours / r.median:,.0f} | {r.peak_rss_mib:,.0f} "
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


def _git_commit() -> str:
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True)
    except OSError:
        return "unknown"
    return out.stdout.strip() or "unknown"


def render_report(rows: Sequence[Row], repeats: int, naive_ticks: int, blas_threads: int | None) -> str:
    """The whole Markdown report: context, table, ratio, definitions, raw timings."""
    import mesa
    import numpy

    ratio = speed_ratio(rows)
    context = (
        f"{dt.datetime.now().isoformat(timespec='seconds')}, commit {_git_commit()}, "
        f"Python {platform.python_version()}, numpy {numpy.__version__}, mesa {mesa.__version__}, "
        f"{platform.machine()} x {multiprocessing.cpu_count()} CPUs, {repeats} repeat(s), "
        f"BLAS threads: {blas_threads if blas_threads is not None else 'library default'}, "
        f"load average at the end: {os.getloadavg()[0]:.1f}"
    )
    raw = "\n".join(f"- {r.case}: " + ", ".join(f"{s.seconds:.2f}" for s in r.samples) for r in rows)
    return f"""# distill-sim benchmark

{context}

{render_table(rows)}

{ratio_text(ratio)}

{controls_text(rows)}

Definitions:
- **seconds**: wall time of `sim.runner.run(cfg)` (build, every hourly tick, summary), config
  composition and imports excluded; each run in a fresh spawned process; median/min/max over runs.
  **CPU s**: the child's CPU time (all its threads) over the same call.
- **entity-hours**: account-hours simulated, attacker + legitimate: for every account, the hours
  from `max(active_from, 0)` to its ban (inclusive) or the end of the run; pending accounts not
  counted. Legitimate accounts count every hour, including idle ones (the engine advances them a
  day at a time; the naive reference steps each one every hour).
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
    parser.add_argument("--quick", action="store_true", help="smoke check: 1 repeat, 24 naive ticks")
    parser.add_argument(
        "--cases",
        nargs="+",
        choices=CASE_NAMES + ("all",),
        default=None,
        help="cases to run (default: " + ", ".join(c.name for c in CASES if c.default) + f", {NAIVE})",
    )
    parser.add_argument("--naive-ticks", type=int, default=None, help="ticks to time the naive model (default 48; 24 with --quick)")
    parser.add_argument(
        "--blas-threads", type=int, default=None, help="BLAS/OpenMP threads in the children (default: library default)"
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"report path (default {DEFAULT_OUT})")
    args = parser.parse_args(argv)
    if args.repeats is None:
        args.repeats = 1 if args.quick else 3
    if args.naive_ticks is None:
        args.naive_ticks = 24 if args.quick else 48
    if args.repeats < 1:
        parser.error(f"--repeats={args.repeats}; allowed: an integer >= 1")
    if args.naive_ticks < 1:
        parser.error(f"--naive-ticks={args.naive_ticks}; allowed: an integer >= 1")
    if args.blas_threads is not None and args.blas_threads < 1:
        parser.error(f"--blas-threads={args.blas_threads}; allowed: an integer >= 1")
    return args


def main(argv: Sequence[str] | None = None) -> None:
    """Run the selected cases, print the table and the speed ratio, write the report."""
    args = _parse_args(argv)
    if args.blas_threads is not None:
        for var in BLAS_THREAD_VARS:  # inherited by the spawned children before they import numpy
            os.environ[var] = str(args.blas_threads)
    if args.cases is None:
        selected = [c.name for c in CASES if c.default] + [NAIVE]
    elif "all" in args.cases:
        selected = list(CASE_NAMES)
    else:
        selected = list(dict.fromkeys(args.cases))
    # Repeats go round-robin over the cases, so a shared machine that slows
    # down for a while slows every case alike and the ratios stay fair.
    cases = [c for c in CASES if c.name in selected]
    samples: dict[str, list[Sample]] = {c.name: [] for c in cases}
    for i in range(args.repeats):
        for case in cases:
            sample = sample_case(case)
            samples[case.name].append(sample)
            _log(f"  {case.name} run {i + 1}/{args.repeats} ({' '.join(case.overrides)}): {sample.seconds:.2f} s "
                 f"({sample.cpu_seconds:.2f} s CPU), {sample.peak_rss_mib:.0f} MiB")
    rows: list[Row] = [case_row(c, samples[c.name]) for c in cases]
    reference_ticks = samples[REFERENCE][0].ticks if REFERENCE in samples else None
    if NAIVE in selected:
        from sim.config.compose import compose

        legit = compose(["population=default"]).population.sample_size
        total = reference_ticks or FALLBACK_TICKS
        _log(f"case {NAIVE}: {NAIVE_ATTACKER_ACCOUNTS} attacker + {legit} legitimate agents, {args.naive_ticks} ticks")
        rows.append(bench_naive(legit, args.naive_ticks, total, args.repeats))
    report = render_report(rows, args.repeats, args.naive_ticks, args.blas_threads)
    print(render_table(rows))
    print()
    print(ratio_text(speed_ratio(rows)))
    print(controls_text(rows))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    tmp = args.out.with_suffix(".md.tmp")
    tmp.write_text(report)
    tmp.replace(args.out)
    print(f"\nreport: {args.out}")


if __name__ == "__main__":
    main()
