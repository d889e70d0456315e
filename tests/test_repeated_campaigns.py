"""Simulated multi-campaign sanctions (sim/campaigns.py) against the closed form (sim/world/sanctions.horizon), and through a sweep."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from experiments import repeated_campaigns as repeated
from experiments.analysis import sweeps
from sim.campaigns import campaign_config, campaign_overrides, campaign_seed, plan_campaigns, simulate_campaigns
from sim.config.compose import compose
from sim.config import SimConfig
from sim.runner import RunResult, run
from sim.sweeps.store import run_identity

from .conftest import simulate

SANCTIONS = ["scenario=repeated_2026", "policy=sanctions_after_attribution"]
# A small world: attacker only, a 5-day window, a 1M target; four campaigns 30 days apart and a
# 10-day lag, so that campaign k starts after the designations of every campaign before it.
SMALL = ["population=none", "scenario.end_date=2026-04-26", "scenario.operators.0.target_exchanges=1000000",
         "scenario.campaigns=4", "scenario.campaign_interval_days=30", "policy.sanctions.designation_lag_days=10",
         "policy.sanctions.probability_per_campaign=0.5", "policy.sanctions.propensity_cut=0.5"]


def _with_seed(cfg: SimConfig, seed: int) -> SimConfig:
    return dataclasses.replace(cfg, seed=seed)


def _stand_in(harvest: float, cost: float):
    """A runner whose campaign harvests ``harvest`` per dollar of budget up to its full cost."""
    def runner(cfg: SimConfig) -> RunResult:
        budget = cfg.scenario.operators[0].budget_usd
        got = harvest * min(1.0, budget / cost)
        return RunResult({"exchanges_harvested": got, "attacker_cost_usd": min(cost, budget)}, pd.DataFrame(), pd.DataFrame())
    return runner


def test_path_logic_agrees_with_the_closed_form_including_a_binding_budget_cut() -> None:
    """Thousands of seeds with a stand-in runner: the path's draws reproduce P_k and f exactly in expectation."""
    cfg = compose([*SANCTIONS, *SMALL, "policy.sanctions.budget_cut=0.6", "scenario.operators.0.budget_usd=1000"])
    runner = _stand_in(harvest=1e6, cost=800.0)  # the cut budget (400) buys half a campaign: f = 0.5 x 0.5
    totals = np.array([simulate_campaigns(_with_seed(cfg, s), runner).harvested for s in range(4000)])
    closed = simulate_campaigns(cfg, runner).closed_form["horizon_exchanges_expected"]
    assert abs(closed - 1e6 * (1 + (0.5 + 0.5 * 0.25) + (0.25 + 0.75 * 0.25) + (0.125 + 0.875 * 0.25))) < 1e-3
    se = totals.std(ddof=1) / np.sqrt(totals.size)
    assert abs(totals.mean() - closed) < 4 * se, (totals.mean(), closed, se)


def test_simulated_mean_over_seeds_agrees_with_the_closed_form() -> None:
    """Real simulator runs, one per campaign (a small world): mean over seeds within sampling error."""
    cfg = compose([*SANCTIONS, *SMALL])
    paths = [simulate_campaigns(_with_seed(cfg, s)) for s in range(30)]
    simulated = np.array([p.harvested for p in paths])
    closed = np.array([p.closed_form["horizon_exchanges_expected"] for p in paths])
    se = simulated.std(ddof=1) / np.sqrt(simulated.size)
    assert abs(simulated.mean() - closed.mean()) < 4 * se, (simulated.mean(), closed.mean(), se)
    assert closed.mean() < 0.85 * paths[0].closed_form["horizon_exchanges_no_sanctions"]  # sanctions do bite here
    assert any(c.skipped for p in paths for c in p.campaigns)
    run_ = [c for p in paths for c in p.campaigns if not c.skipped]
    assert all(c.budget_usd < cfg.scenario.operators[0].budget_usd for c in run_ if c.designation_in_force)


def test_inside_one_45_day_campaign_sanctions_change_nothing() -> None:
    """With the stated 210-day lag no designation is in force before campaign 3 (0, 90 and 180 days):
    the three campaigns are exactly the status quo runs of their seeds."""
    cfg = compose([*SANCTIONS, "population=none", "scenario.campaigns=3", "seed=5"])
    path = simulate_campaigns(cfg)
    assert not any(c.designation_in_force or c.skipped for c in path.campaigns)
    for c in path.campaigns:
        plain = simulate("population=none", "policy=status_quo", "scenario=repeated_2026", f"seed={c.seed}")
        assert c.harvested == plain.metrics["exchanges_harvested"]
        assert c.cost_usd == plain.metrics["attacker_cost_usd"]
    assert path.campaigns[0].seed == 5 and path.campaigns[1].seed == campaign_seed(5, 1) != 5


def test_campaign_runs_switch_the_in_run_mechanism_off() -> None:
    """A designation acts once, between campaigns: a lag short enough to land inside the window does not cut the run."""
    cfg = compose([*SANCTIONS, *SMALL, "scenario.campaigns=1", "policy.sanctions.designation_lag_days=1",
                   "policy.sanctions.probability_per_campaign=1.0", "policy.sanctions.budget_cut=1.0"])
    path = simulate_campaigns(cfg)
    in_run = run(cfg).metrics
    assert in_run["sanctions_designation_day"] == 1 and in_run["attacker_budget_exhausted_day"] == 1
    assert path.harvested > 2 * in_run["exchanges_harvested"]


def test_a_campaign_point_composes_to_the_campaign_config_also_under_a_budget_cut() -> None:
    """campaign_overrides (what a sweep point runs) and campaign_config (what a path runs) are one config."""
    root = [*SANCTIONS, *SMALL, "policy.sanctions.budget_cut=0.6"]
    cfg = compose(root)
    seed, cut = next((s, c) for s in range(50) for c in plan_campaigns(_with_seed(cfg, s)) if not c.skipped and c.budget_factor != 1.0)
    point = compose([*root, *campaign_overrides(cfg, cut), f"seed={cut.seed}"])
    assert run_identity(point) == run_identity(campaign_config(_with_seed(cfg, seed), cut))
    assert point.scenario.operators[0].budget_usd == pytest.approx(0.4 * cfg.scenario.operators[0].budget_usd)


def test_the_sweep_gives_the_paths_of_the_sequential_simulation(tmp_path) -> None:
    """experiments/repeated_campaigns.py: campaigns as sweep points, combined from the collected table,
    are exactly the paths simulate_campaigns runs in sequence (2 strategies x 2 seeds)."""
    overrides = [*SMALL, "policy.sanctions.budget_cut=0.6"]
    argv = ["--seeds", "2", "--jobs", "1", "--sweep-dir", str(tmp_path / "sweep"), "--out", str(tmp_path / "out"), *overrides]
    assert repeated.main(argv) == 0
    paths = repeated.plan_paths(["wide_slow", "churn"], range(2), overrides)
    combined = repeated.combine_paths(paths, sweeps.load_runs(tmp_path / "sweep"))
    assert len(combined) == 4
    for p, path in combined:
        assert path == simulate_campaigns(compose([*SANCTIONS, *overrides, f"attacker={p.attacker}", f"seed={p.seed}"]))
    assert "| wide_slow | 2 |" in (tmp_path / "out" / "table.md").read_text()
