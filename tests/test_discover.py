"""Scenario discovery: the analysis recovers a known box (no simulator), targets follow the
declared directions, design points become valid configs, and the script runs end to end small."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("ema_workbench")
from experiments import discover  # noqa: E402
from experiments.analysis import discovery as sd  # noqa: E402
from experiments.analysis.sensitivity import Factor  # noqa: E402
from sim.config.compose import compose  # noqa: E402


def _synthetic(n: int = 600, seed: int = 1) -> tuple[pd.DataFrame, np.ndarray]:
    """Success exactly inside a < 4 and b > 0.5 (of a in [0, 10], b and c in [0, 1]); c is irrelevant."""
    rng = np.random.default_rng(seed)
    x = pd.DataFrame({"a": rng.uniform(0, 10, n), "b": rng.uniform(0, 1, n), "c": rng.uniform(0, 1, n)})
    return x, ((x["a"] < 4) & (x["b"] > 0.5)).to_numpy()


def test_prim_recovers_a_known_box() -> None:
    x, y = _synthetic()
    boxes = sd.find_boxes(x, y, density=0.95)
    assert boxes, "PRIM found no box"
    box = boxes[0]
    assert set(box.limits) == {"a", "b"}  # the irrelevant factor is not restricted
    assert box.limits["a"][1] == pytest.approx(4.0, abs=0.4)
    assert box.limits["b"][0] == pytest.approx(0.5, abs=0.05)
    assert box.density >= 0.95 and box.coverage >= 0.8
    inside = (x["a"] <= box.limits["a"][1]) & (x["b"] >= box.limits["b"][0])
    assert box.density == pytest.approx(y[inside.to_numpy()].mean())
    assert box.coverage == pytest.approx(y[inside.to_numpy()].sum() / y.sum())


def test_a_box_reads_in_plain_words() -> None:
    x, y = _synthetic()
    box = sd.find_boxes(x, y, density=0.95)[0]
    text = sd.box_sentence("identity_gating", sd.Target.declared("campaign_blocked_share", 0.5), box)
    assert text.startswith("`identity_gating` reaches campaign blocked ≥ 0.5 mainly when a ≤ ")
    assert " and b ≥ 0." in text and "(density)" in text and "(coverage" in text
    assert sd.limit_words("x", ("low", "mid"), ("low", "mid", "high")) == "x is low or mid"
    assert sd.limit_words("x", (2.0, 3.0), (0.0, 10.0)) == "2 ≤ x ≤ 3"


def test_no_box_when_every_point_or_none_reaches_the_target() -> None:
    x, _ = _synthetic(50)
    assert sd.find_boxes(x, np.ones(50, bool)) == [] and sd.find_boxes(x, np.zeros(50, bool)) == []


def test_cart_splits_on_the_factors_that_matter() -> None:
    x, y = _synthetic()
    rules = sd.cart_rules(x, y)
    assert "a <= " in rules and "b <= " in rules and "c <= " not in rules


def test_the_target_follows_the_declared_direction() -> None:
    up = sd.Target.declared("campaign_blocked_share", 0.5)
    down = sd.Target.declared("legit_users_wrongly_banned_expected_per_100k", 10)
    assert up.above and not down.above
    assert list(sd.success([0.4, 0.5, np.nan, 0.9], up)) == [False, True, False, True]
    assert list(sd.success([5, 20], down)) == [True, False]
    with pytest.raises(ValueError, match="no better direction"):
        sd.Target.declared("exchanges_target", 1e6)
    with pytest.raises(KeyError):
        sd.Target.declared("no_such_outcome", 1)


def test_design_points_are_latin_hypercube_and_compose() -> None:
    fs = sd.factors()
    assert {f.key for f in fs} >= {"policy.identity_gating.supply_per_day.document",
                                   "policy.identity_gating.fake_document_pass_rate"}
    design = sd.lhs_design(fs, 8, seed=3)
    for f in fs:  # one point in each eighth of every range
        bins = np.floor((design[f.name] - f.lo) / (f.hi - f.lo) * 8).astype(int)
        assert sorted(bins) == list(range(8))
    lists = discover.scenario_lists([])
    row = design.iloc[0]
    cfg = compose(["policy=identity_gating", *discover.MARKET, *sd.point_overrides(fs, row, lists)])
    assert cfg.scenario.operators[0].budget_usd == pytest.approx(row["campaign budget (USD)"])
    assert cfg.scenario.operators[0].target_exchanges == 28_800_000  # the rest of the list is the scenario's
    assert cfg.policy.identity_gating.fake_document_pass_rate == pytest.approx(row["fake document pass rate"])
    cat = Factor("tier", 0, 0, "policy.identity_gating.tier", choices=("phone", "document"))
    assert set(sd.lhs_design([cat], 10)["tier"]) == {"phone", "document"}


@pytest.mark.slow
def test_the_script_runs_small_and_resumes(tmp_path) -> None:
    argv = ["--policy", "status_quo", "--outcome", "campaign_blocked_share", "--threshold", "0.5", "--n", "4",
            "--jobs", "1", "--sweep-dir", str(tmp_path / "sweep"), "--results", str(tmp_path / "results"),
            "--factors", "policy.detector.noise_sd,scenario.operators[0].budget_usd", "scenario.end_date=2026-04-24"]
    assert discover.main(argv) == 0
    reports = list((tmp_path / "results" / "discover").glob("*/report.md"))
    assert len(reports) == 1
    text = reports[0].read_text()
    assert "# Scenario discovery: `status_quo`, campaign blocked ≥ 0.5" in text and "## CART cross-check" in text
    design = pd.read_csv(reports[0].parent / "design.csv")
    assert len(design) == 4 and design["campaign_blocked_share"].between(0, 1).all()
    runs = sorted((tmp_path / "sweep" / "runs").iterdir())
    assert len(runs) == 4
    assert discover.main(argv) == 0  # resumes: the runs are there, nothing new
    assert sorted((tmp_path / "sweep" / "runs").iterdir()) == runs
