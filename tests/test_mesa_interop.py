"""Mesa conventions: the model is built from keyword overrides (as ``mesa.batch_run`` builds it),
and its DataCollector, read at day ends, gives the command line's daily numbers."""

from __future__ import annotations

import mesa
import pandas as pd
import pytest

from sim.config.compose import compose
from sim.model import DistillationModel
from sim.record.collector import REPORTERS
from sim.runner import run

TINY = {"population": "none", "scenario.end_date": "2026-04-24"}  # attacker only, a 3-day window
SUMMED = {"attacker_accounts_banned_cum": "attacker_accounts_banned",
          "legit_users_wrongly_banned_cum": "legit_users_wrongly_banned",
          "legit_users_wrongly_banned_expected_cum": "legit_users_wrongly_banned_expected",
          "legit_refused_real_cum": "legit_refused_real"}
READ = ("attacker_harvested_cum", "attacker_accounts_created_cum", "attacker_accounts_active", "attacker_spend_cum_usd")


def _cli_daily(policy: str, seed: int, extra: dict | None = None) -> pd.DataFrame:
    overrides = [f"policy={policy}", f"seed={seed}", *(f"{k}={v}" for k, v in {**TINY, **(extra or {})}.items())]
    daily = run(compose(overrides)).daily
    for rep, col in SUMMED.items():
        daily[rep] = daily[col].cumsum()
    return daily


def test_keyword_overrides_compose_as_the_command_line_does() -> None:
    model = DistillationModel(policy="identity_gating", seed=3, **TINY, **{"policy.volume_cap.per_account_day": 200})
    want = compose(["policy=identity_gating", "seed=3", "population=none", "scenario.end_date=2026-04-24",
                    "policy.volume_cap.per_account_day=200"])
    assert model.cfg == want
    assert DistillationModel(want).cfg == want
    with pytest.raises(TypeError, match="not both"):
        DistillationModel(want, seed=1)


def test_batch_run_rows_equal_the_command_lines_values() -> None:
    rows = pd.DataFrame(mesa.batch_run(
        DistillationModel, parameters={"policy": ["status_quo", "identity_gating"], "seed": range(2), **TINY},
        max_steps=10_000, data_collection_period=1, display_progress=False))
    assert set(REPORTERS) <= set(rows.columns)
    assert len(rows.groupby(["policy", "seed"])) == 4
    for (policy, seed), got in rows.groupby(["policy", "seed"]):
        daily = _cli_daily(policy, seed)
        # Mesa < 3.5: a row per step, each day's values repeated until the next day's end; >= 3.5: a row per collection
        got = got[got["day"] >= 0].drop_duplicates("day").set_index("day")
        assert list(got.index) == list(daily["day"])
        for col in (*READ, *SUMMED):
            assert got[col].to_numpy() == pytest.approx(daily[col].to_numpy(), rel=1e-12, abs=1e-9), (policy, seed, col)
        assert got["attacker_harvested_cum"].iloc[-1] > 0  # the comparison is not of zeros


def test_the_collector_has_one_row_per_day_and_answers_any_step() -> None:
    extra = {"population": "default", "population.sample_size": 5000}  # legitimate users too
    model = DistillationModel(policy="status_quo", seed=1, **{**TINY, **extra})
    model.run_model()
    frame = model.datacollector.get_model_vars_dataframe()
    daily = _cli_daily("status_quo", 1, extra)
    assert list(frame["day"]) == [-1, *daily["day"]]  # the initial state, then each day's end
    assert list(frame.index) == [0, 24, 48, 72]
    for col in (*READ, *SUMMED):
        assert frame[col].iloc[1:].to_numpy() == pytest.approx(daily[col].to_numpy(), rel=1e-12, abs=1e-9), col
    at = model.datacollector.at_step
    harvest = daily["attacker_harvested_cum"]
    assert at("attacker_harvested_cum", 0) == at("attacker_harvested_cum", 22) == 0  # step 23 ends day 0
    assert at("attacker_harvested_cum", 23) == at("attacker_harvested_cum", 46) == harvest.iloc[0]
    assert at("attacker_harvested_cum", model.steps - 1) == harvest.iloc[-1]
    values = model.datacollector.model_vars["attacker_harvested_cum"]
    if not hasattr(model.datacollector, "_collection_steps"):  # Mesa < 3.5's batch_run reads values[step]
        assert values[22] == 0 and values[23] == harvest.iloc[0] and values[model.steps - 1] == harvest.iloc[-1]
