"""Threshold sizing: the selection picks the known best value within a budget, and says when none fits.

Synthetic table: lever values 1..5, 10 seeds; blocked share grows with the
value (0.1 per step) and so does collateral (2 per step), with small noise.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from experiments.analysis.selection import (
    Budget,
    parse_budget,
    select_value,
    selection_stability,
    summarize_lever,
)

LEVER = "policy.detector.threshold"
OBJ = "campaign_blocked_share"
COLL = "legit_users_wrongly_banned_expected_per_100k"


def synthetic(noise: float = 0.05, seeds: int = 10) -> pd.DataFrame:
    rng = np.random.default_rng(1)
    rows = []
    for v in (1.0, 2.0, 3.0, 4.0, 5.0):
        for s in range(seeds):
            rows.append({LEVER: v, "seed": s, OBJ: 0.1 * v + rng.normal(0, 0.005),
                         COLL: 2.0 * v + rng.normal(0, noise)})
    return pd.DataFrame(rows)


def test_parse_budget_forms_and_errors() -> None:
    assert parse_budget(f"{COLL}<=10") == Budget(COLL, "<=", 10.0)
    assert parse_budget(" x.y >= 1e-3 ") == Budget("x.y", ">=", 1e-3)
    with pytest.raises(ValueError, match="not understood"):
        parse_budget("wrongly banned = 10")


def test_summary_has_intervals_per_value() -> None:
    summary = summarize_lever(synthetic(), LEVER, [OBJ, COLL])
    assert summary["value"].tolist() == [1.0, 2.0, 3.0, 4.0, 5.0]
    assert (summary["seeds"] == 10).all()
    assert (summary[f"{COLL}.lo"] < summary[COLL]).all() and (summary[COLL] < summary[f"{COLL}.hi"]).all()
    assert summary[OBJ].iloc[2] == pytest.approx(0.3, abs=0.01)


def test_selects_the_largest_block_within_the_budget() -> None:
    summary = summarize_lever(synthetic(), LEVER, [OBJ, COLL])
    sel = select_value(summary, OBJ, [parse_budget(f"{COLL}<=6.5")])
    # collateral ~2, 4, 6, 8, 10: values 1-3 fit, 3 blocks the most
    assert sel.value == 3.0
    assert sel.feasible == [1.0, 2.0, 3.0]
    assert sel.objective.value == pytest.approx(0.3, abs=0.01)
    assert sel.objective.lo < sel.objective.value < sel.objective.hi
    assert sel.budget_values[COLL].value == pytest.approx(6.0, abs=0.1)
    assert sel.indistinguishable == []  # 0.3 vs 0.2: clearly apart


def test_says_when_the_feasible_values_cannot_be_told_apart() -> None:
    runs = synthetic()
    runs[OBJ] = 0.1 + np.where(runs["seed"] % 2 == 0, 0.01, -0.01)  # the lever does not change the block
    sel = select_value(summarize_lever(runs, LEVER, [OBJ, COLL]), OBJ, [parse_budget(f"{COLL}<=6.5")])
    assert sel.value in (1.0, 2.0, 3.0)
    assert sorted(sel.indistinguishable + [sel.value]) == [1.0, 2.0, 3.0]
    assert "do not tell these apart" in sel.message


def test_upper_bound_is_stricter_than_the_mean() -> None:
    # Collateral at value 3 alternates 5, 7 over seeds: mean 6 meets 6.2, its upper bound (~6.75) does not.
    runs = synthetic()
    at3 = runs[LEVER] == 3.0
    runs.loc[at3, COLL] = np.where(runs.loc[at3, "seed"] % 2 == 0, 5.0, 7.0)
    summary = summarize_lever(runs, LEVER, [OBJ, COLL])
    budget = [parse_budget(f"{COLL}<=6.2")]
    assert summary.loc[2, f"{COLL}.hi"] > 6.2 >= summary.loc[2, COLL]
    assert select_value(summary, OBJ, budget, stat="mean").value == 3.0
    assert select_value(summary, OBJ, budget, stat="upper").value == 2.0


def test_no_value_meets_the_budget() -> None:
    summary = summarize_lever(synthetic(), LEVER, [OBJ, COLL])
    sel = select_value(summary, OBJ, [parse_budget(f"{COLL}<=1")])
    assert sel.value is None
    assert sel.feasible == []
    assert "NO VALUE MEETS THE BUDGET" in sel.message
    assert "closest is 1.0" in sel.message


def test_lower_bound_budget_and_minimising() -> None:
    # Choose the least collateral that still blocks at least 25%: value 3.
    summary = summarize_lever(synthetic(), LEVER, [OBJ, COLL])
    sel = select_value(summary, COLL, [parse_budget(f"{OBJ}>=0.25")], maximize=False)
    assert sel.value == 3.0


def test_categorical_lever_keeps_its_order() -> None:
    runs = synthetic()
    runs[LEVER] = runs[LEVER].map({1.0: "email", 2.0: "phone", 3.0: "payment", 4.0: "document", 5.0: "organisation"})
    summary = summarize_lever(runs, LEVER, [OBJ, COLL])
    assert summary["value"].tolist() == ["email", "phone", "payment", "document", "organisation"]
    assert select_value(summary, OBJ, [parse_budget(f"{COLL}<=6.5")]).value == "payment"


def test_stability_concentrates_on_the_clear_answer() -> None:
    shares = selection_stability(synthetic(), LEVER, OBJ, [parse_budget(f"{COLL}<=6.5")], n_boot=50)
    assert shares.get(3.0, 0.0) == pytest.approx(1.0)
    none_shares = selection_stability(synthetic(), LEVER, OBJ, [parse_budget(f"{COLL}<=1")], n_boot=20)
    assert math.isclose(none_shares.iloc[0], 1.0) and none_shares.index[0] is None


def test_threshold_script_end_to_end_from_a_sweep_folder(tmp_path) -> None:
    """threshold.py --from on a synthetic sweep table: report, figure, and the answer (or its absence)."""
    import importlib.util
    from pathlib import Path

    runs = synthetic()
    runs = runs.assign(run_identity=[f"r{i}" for i in range(len(runs))], **{
        "scenario.name": "qwen_2026", "scenario.start_date": "2026-04-22", "scenario.end_date": "2026-06-05",
        "window_days": 45, "exchanges_target": 28_800_000, "attacker.name": "wide_slow", "policy.name": "status_quo",
        "population.name": "default"})
    sweep = tmp_path / "sweep"
    sweep.mkdir()
    runs.to_parquet(sweep / "runs.parquet")
    spec = importlib.util.spec_from_file_location("threshold_script", Path(__file__).parents[1] / "experiments" / "threshold.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    for budget, expect in ((f"{COLL}<=6.5", "policy.detector.threshold = 3.0"), (f"{COLL}<=1", "NO VALUE MEETS THE BUDGET")):
        results = tmp_path / budget.replace("<=", "_")
        assert script.main(["--from", str(sweep), "--lever", LEVER, "--budget", budget, "--results", str(results),
                            "--bootstrap", "20"]) == 0
        (out,) = (results / "threshold").iterdir()
        text = (out / "report.md").read_text()
        assert expect in text, text
        headings = [line for line in text.splitlines() if line.startswith("## ")]
        assert headings.index("## Result") < headings.index("## Method")  # results first
        seeds = runs["seed"].nunique()
        assert ("**Warning: only" in text) == (seeds < 10), seeds
        assert (out / "threshold.png").stat().st_size > 10_000
        table = (out / "threshold.md").read_text()
        assert table.count("| yes |") == (3 if expect.startswith("policy") else 0)
