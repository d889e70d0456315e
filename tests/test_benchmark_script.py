"""Tests of the benchmark tooling: the naive reference does the work it claims, the
entity-hours definition counts what it says, and the benchmark script runs end to end."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

from sim.world.accounts import ACTIVE, BANNED, PENDING

EXPERIMENTS = Path(__file__).resolve().parent.parent / "experiments"


def _load(name: str) -> ModuleType:
    """Import a script from ``experiments/`` (not a package) by path."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, EXPERIMENTS / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def test_naive_reference_two_ticks_exchanges_and_bans() -> None:
    naive = _load("naive_reference")
    n_att, n_legit = 400, 4000
    # Ticks at hours 22 and 23, so the day-end check runs; thresholds low enough that
    # two hours of attacker traffic score as flagged, so bans ~ review_share * n_att.
    params = naive.NaiveParams(
        attacker_accounts=n_att,
        legit_accounts=n_legit,
        ramp_hours=0,
        start_hour=22,
        detect_threshold=3.0,
        review_threshold=3.0,
        seed=1,
    )
    result = naive.run_naive(params, ticks=2)

    assert result.entity_hours == 2 * (n_att + n_legit)
    # Attacker requests: n_att * pace / 24 per hour, ~24% refused by the geo filter.
    expected_requests = n_att * params.attacker_pace_per_day / 24 * 2
    assert 0.5 * expected_requests < result.attacker_exchanges < expected_requests
    assert result.refused_exchanges > 0
    # Legitimate: a few exchanges per user-day, ~7% of a day's demand falls in hours 22-23.
    assert 0.05 * n_legit < result.legit_exchanges < 5 * n_legit
    # Bans: about review_share of the attacker fleet, almost no legitimate users.
    assert 0.5 * params.review_share * n_att < result.attacker_bans < 1.5 * params.review_share * n_att
    assert result.legit_bans < 0.02 * n_legit
    # Every banned attacker account is replaced by a new agent.
    assert result.attacker_accounts_created == n_att + result.attacker_bans


def test_entity_hours_count_active_hours_until_ban() -> None:
    bench = _load("benchmark")
    ticks = 10
    active_from = np.array([-100, 3, 4, 20, 6], dtype=np.int32)
    status = np.array([ACTIVE, ACTIVE, BANNED, PENDING, BANNED], dtype=np.int8)
    banned_at = np.array([0, 0, 7, 0, 2], dtype=np.int32)  # the last one was banned while pending
    hours, accounts = bench.active_account_hours(active_from, status, banned_at, ticks)
    assert accounts == 5
    assert hours == 10 + 7 + 4 + 0 + 0


@pytest.mark.slow
def test_benchmark_quick_attacker_only_runs(tmp_path: Path) -> None:
    out = tmp_path / "benchmark.md"
    proc = subprocess.run(
        [sys.executable, str(EXPERIMENTS / "benchmark.py"), "--quick", "--cases", "attacker_only", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr
    row = next(line for line in proc.stdout.splitlines() if line.startswith("| attacker_only "))
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert cells[2] == "1"  # one run
    assert float(cells[3]) > 0  # median seconds
    assert float(cells[6]) > 0  # median CPU seconds
    assert cells[-1] in ("PASS", "FAIL")
    assert row in out.read_text()


@pytest.mark.slow
def test_sweep_benchmark_runs_and_breaks_the_overhead_down(tmp_path: Path) -> None:
    """The sweep benchmark on 3 short runs in three modes (1 and 2 workers, and 2 workers with
    3 points per job): every sweep completes, their tables agree, and the overhead breakdown
    read from the journal is printed."""
    proc = subprocess.run(
        [sys.executable, str(EXPERIMENTS / "bench_sweep.py"), "--runs", "3", "--modes", "1:1,2:1,2:3", "--keep", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    lines = proc.stdout.splitlines()
    assert sum(line.startswith("n_jobs=") for line in lines) == 3
    assert any(line.startswith("n_jobs=2 points_per_job=3: ") and "CPU-s per run" in line for line in lines)
    breakdowns = [line for line in lines if line.strip().startswith("start-up ")]
    assert len(breakdowns) == 3 and all("between runs" in b and "shut-down" in b for b in breakdowns)
    assert any(line.startswith("speed-up of 2:1 over 1:1: ") and "ceiling" in line for line in lines)
    assert any(line.startswith("speed-up of 2:3 over 1:1: ") for line in lines)
    assert any(line.startswith("tables agree on all ") for line in lines)
    assert {p.name for p in tmp_path.iterdir()} == {"rep0_workers_1_per_job_1", "rep0_workers_2_per_job_1", "rep0_workers_2_per_job_3"}


def test_paired_comparison_interleaves_two_trees_and_reports_the_ratio(capsys: pytest.CaptureFixture[str]) -> None:
    """Each pair runs A then B in fresh processes; the table has one row per pair and a
    median row, and the ratio of a tree against itself is near 1 (CPU noise aside)."""
    pair = _load("bench_pair")
    root = EXPERIMENTS.parent
    assert pair.main(["--before", str(root), "--after", str(root), "--pairs", "2", "--inner", "1",
                      "population=none", "scenario.end_date=2026-04-26"]) == 0
    lines = capsys.readouterr().out.splitlines()
    rows = [line for line in lines if line[:1].isdigit()]
    assert len(rows) == 2
    median = next(line for line in lines if line.startswith("median"))
    ratio = float(median.split("|")[3].split()[0])
    assert 0.2 < ratio < 5.0


def test_paired_comparison_refuses_a_folder_that_is_not_a_source_tree(tmp_path: Path) -> None:
    pair = _load("bench_pair")
    with pytest.raises(SystemExit) as stop:
        pair.main(["--before", str(tmp_path), "--pairs", "1"])
    assert stop.value.code == 2


def test_paired_comparison_gives_a_b_override_to_side_b_only(monkeypatch: pytest.MonkeyPatch,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    """Two settings of one tree: ``--b-override`` reaches B's runs and not A's."""
    pair = _load("bench_pair")
    seen = []
    monkeypatch.setattr(pair, "measure", lambda tree, overrides, inner: seen.append(overrides) or {"cpu": 1.0, "rss_mib": 1.0})
    root = str(EXPERIMENTS.parent)
    assert pair.main(["--before", root, "--pairs", "2", "--b-override", "run.attacker_resolution=day", "population=none"]) == 0
    assert seen == [["population=none"], ["population=none", "run.attacker_resolution=day"]] * 2
    assert "B only: run.attacker_resolution=day" in capsys.readouterr().out
