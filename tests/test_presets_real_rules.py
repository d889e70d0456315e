"""The preset table (experiments/presets_real_rules.py) through the sweep machinery, and the one censoring rule."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from experiments import presets_real_rules as prr
from experiments.analysis import comparison, sweeps
from sim.record import estimates
from sim.config.compose import compose
from sim.runner import run
from sim.sweeps import progress, store

TINY = ["population.sample_size=5000", "scenario.end_date=2026-05-06"]  # a 15-day window
ROWS = "sanctions_after_attribution,peer_sharing"


@pytest.fixture(scope="module")
def swept(tmp_path_factory) -> tuple[prr.Plan, pd.DataFrame, list[str]]:
    """The table of 2 rows x 2 strategies x 2 seeds, run once through the sweep (one worker)."""
    root = tmp_path_factory.mktemp("presets")
    argv = ["--seeds", "2", "--rows", ROWS, "--jobs", "1", "--sweep-dir", str(root / "sweep"), "--out", str(root / "out"), *TINY]
    assert prr.main(argv) == 0
    plan = prr.make_plan(prr.select_rows(ROWS), ("wide_slow", "churn"), (0, 1), TINY, root / "sweep", 1)
    return plan, prr.load_records(plan), argv


def test_the_table_covers_every_row_strategy_and_seed(swept) -> None:
    plan, recs, _ = swept
    assert len(recs) == 8 and set(recs["row"]) == {"sanctions_after_attribution", "peer_sharing"}
    assert set(zip(recs["attacker"], recs["seed"])) == {(a, s) for a in ("wide_slow", "churn") for s in (0, 1)}
    lines = (plan.sweep_dir.parent / "out" / "table.md").read_text().splitlines()
    assert [ln.split(" | ")[0:2] for ln in lines[2:]] == [
        ["| sanctions_after_attribution (= status_quo in the window)", "wide_slow"],
        ["| sanctions_after_attribution (= status_quo in the window)", "churn"],
        ["| peer_sharing", "wide_slow"], ["| peer_sharing", "churn"]]


def test_a_row_of_the_sweep_is_the_run_its_overrides_compose_to(swept) -> None:
    """Same numbers as one run of the row's overrides composed directly, collateral over the window."""
    plan, recs, _ = swept
    res = run(compose(["scenario.overrun_days=15", *prr.BY_NAME["peer_sharing"].overrides, *TINY, "attacker=churn", "seed=1"]))
    m, d = res.metrics, res.daily
    win = d[d["day"] < m["window_days"]]
    got = recs[(recs["row"] == "peer_sharing") & (recs["attacker"] == "churn") & (recs["seed"] == 1)].iloc[0]
    assert got["campaign_blocked_share"] == m["campaign_blocked_share"]
    assert got["attacker_cost_per_million_exchanges"] == m["attacker_cost_per_million_exchanges"]
    assert (got["days_to_target"] == m["days_to_target"]) or (m["days_to_target"] is None and math.isnan(got["days_to_target"]))
    real = m["legit_real_users"]
    assert got["legit_wrongly_banned_expected_per_100k"] == pytest.approx(win["legit_users_wrongly_banned_expected"].sum() / real * 1e5, rel=1e-12)
    assert got["legit_exchanges_refused_share"] == pytest.approx(win["legit_refused_real"].sum() / win["legit_requested_real"].sum(), rel=1e-12)
    assert got["legit_signups_lost"] == win["legit_signups_lost_cum"].iloc[-1]


def test_a_second_call_runs_nothing(swept) -> None:
    plan, recs, argv = swept
    before = {p: p.stat().st_mtime_ns for p in plan.sweep_dir.glob(f"{store.RUNS_DIR}/*/{store.METRICS_FILE}")}
    assert prr.main(argv) == 0
    state = progress.read_session(plan.sweep_dir, progress.latest_session(plan.sweep_dir))
    assert state.count("skipped") == 8 and state.count("ok") == 0
    assert {p: p.stat().st_mtime_ns for p in plan.sweep_dir.glob(f"{store.RUNS_DIR}/*/{store.METRICS_FILE}")} == before


def test_every_row_composes_from_its_file_to_the_config_of_its_overrides(tmp_path) -> None:
    """The point files say what the rows' command-line overrides say (all rows, one strategy and seed)."""
    plan = prr.make_plan(prr.ROWS, ("churn",), (3,), ["population=none"], tmp_path, None)
    for row in prr.ROWS:
        direct = compose(["scenario.overrun_days=15", *row.overrides, "population=none", "attacker=churn", "seed=3"])
        assert plan.identities[(row.name, "churn", 3)] == store.run_identity(direct), row.name


def test_rows_are_selected_by_prefix_with_their_baselines() -> None:
    assert [r.name for r in prr.select_rows("reseller_kyc")] == ["status_quo_reseller_world", "reseller_kyc_reseller_world"]
    with pytest.raises(sweeps.SweepError, match="matches no row"):
        prr.select_rows("no_such_row")


def _records(treated_days, base_days, horizon=60) -> pd.DataFrame:
    rows = []
    for name, days in (("provider_id_gating_2026", treated_days), ("sanctions_after_attribution", base_days)):
        for seed, d in enumerate(days):
            rows.append({"row": name, "attacker": "churn", "seed": seed, "days_to_target": d, "horizon_days": horizon,
                         **{c: 0.0 for c in ("campaign_blocked_share", "attacker_cost_per_million_exchanges",
                                             "legit_wrongly_banned_expected_per_100k", "legit_exchanges_refused_share",
                                             "legit_signups_lost", "legit_lost_to_reverification",
                                             "legit_users_cut_off_by_resellers", "horizon_reduction_share")}})
    return pd.DataFrame(rows)


def test_a_campaign_that_never_reaches_its_target_counts_as_the_horizon() -> None:
    """Censored at the 60-day horizon against a baseline that reached it on day 45: a delay of 15 days."""
    text = prr.table(_records([None, None], [45, 45]), attackers=("churn",))
    line = next(ln for ln in text.splitlines() if ln.startswith("| provider_id_gating_2026 |"))
    assert "| 15.0 [15.0, 15.0] (0/2 reached) |" in line


def test_every_time_to_event_summary_goes_through_the_one_censoring_rule(monkeypatch) -> None:
    """The preset table and the policy comparison both censor through ``estimates.capped``."""
    calls: list[float] = []
    rule = estimates.capped

    def spy(times, horizon):
        calls.append(horizon)
        return rule(times, horizon)

    monkeypatch.setattr(estimates, "capped", spy)
    prr.table(_records([50, None], [45, 45]), attackers=("churn",))
    assert calls and set(calls) == {60.0}
    calls.clear()
    runs = pd.DataFrame({"run_identity": [f"r{i}" for i in range(4)], "policy.name": ["status_quo", "status_quo", "x", "x"],
                         "attacker.name": "churn", "seed": [0, 1, 0, 1], "days_to_target": [45, 46, None, 50],
                         "window_days": 45, "scenario.overrun_days": 15, "legit_real_users": 1.0,
                         "legit_users_wrongly_banned_expected_per_100k": 0.0, "legit_users_refused_per_100k": 0.0,
                         "legit_signups_lost": 0.0, "campaign_blocked_share": 0.0})
    table = comparison.compare(runs, baseline="status_quo", metrics=())
    assert calls and set(calls) == {60.0}
    x = table[table["policy"] == "x"].iloc[0]
    assert x["delay_days"] == pytest.approx(np.mean([60 - 45, 50 - 46]))
