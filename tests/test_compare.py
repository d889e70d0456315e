"""Policy comparison on a synthetic runs table with known answers: paired contrasts,
censored days to target, the Pareto front, the tables and the whole report."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from experiments.analysis import comparison
from sim.record import estimates
from experiments.analysis.report import markdown_to_html
from experiments.analysis.tables import to_markdown

SEEDS = range(6)


def synthetic_runs() -> pd.DataFrame:
    """status_quo, strong (blocks 30%, doubles cost, never reaches the target) and none."""
    rows = []
    for strategy in ("wide_slow", "churn"):
        for seed in SEEDS:
            noise = 0.01 * seed  # shared by every policy of a seed: paired estimates cancel it
            base_cost = 20_000 * (1 + 0.1 * seed)
            for policy, blocked, cost, days, banned in (
                ("none", 0.0 + noise, 0.9 * base_cost, 45, 0.0),
                ("status_quo", 0.02 + noise, base_cost, 46 + seed % 2, 5.0 + seed),
                ("strong", 0.32 + noise, 2 * base_cost, None, 50.0 + seed),
            ):
                rows.append({
                    "run_identity": f"{strategy}-{policy}-{seed}", "seed": seed, "policy.name": policy,
                    "attacker.name": strategy, "scenario.name": "qwen_2026", "scenario.start_date": "2026-04-22",
                    "scenario.end_date": "2026-06-05", "scenario.overrun_days": 15, "window_days": 45,
                    "population.name": "default", "population.sample_size": 1000, "legit_real_users": 1e6,
                    "exchanges_target": 28_800_000, "campaign_blocked_share": blocked,
                    "attacker_cost_per_million_exchanges": cost, "attacker_cost_usd": cost * 28.8,
                    "attacker_accounts_created": 25_000, "days_to_target": days,
                    "legit_users_wrongly_banned_expected_per_100k": banned,
                    "legit_users_refused_per_100k": 10.0, "legit_exchanges_refused_share": 0.001,
                    "legit_signups_lost": 100.0, "reviews_done": 1000.0,
                })
    return pd.DataFrame(rows)


def test_paired_estimators_cancel_shared_noise() -> None:
    a = np.array([1.0, 2.0, 3.0]) + 0.5
    b = np.array([1.0, 2.0, 3.0])
    d = estimates.paired_diff_ci(a, b)
    assert d.value == pytest.approx(0.5) and d.lo == pytest.approx(0.5) and d.hi == pytest.approx(0.5)
    r = estimates.paired_ratio_ci(2 * b, b)
    assert (r.value, r.lo, r.hi) == pytest.approx((2.0, 2.0, 2.0))
    m = estimates.mean_ci([1.0, 3.0])
    assert m.value == 2.0 and m.lo < 1.0 and m.hi > 3.0  # t with 1 dof is wide
    assert not estimates.mean_ci([1.0]).has_interval


def test_censored_times() -> None:
    ct = estimates.restricted_time([40, 50, None, None], horizon=60)
    assert ct.reached == 2 and ct.reached_share == 0.5
    assert ct.median_censored  # half censored: the median is only known to be >= 60
    assert ct.restricted_mean.value == pytest.approx((40 + 50 + 60 + 60) / 4)
    assert estimates.restricted_time([40, 50, 55, None], 60).median == pytest.approx(52.5)


def test_comparison_table_known_answers() -> None:
    table = comparison.compare(synthetic_runs(), baseline="status_quo")
    assert len(table) == 6
    strong = table[(table["stratum"] == "churn") & (table["policy"] == "strong")].iloc[0]
    assert strong["campaign_blocked_share.vs"] == pytest.approx(0.30)
    assert strong["campaign_blocked_share.vs.hi"] - strong["campaign_blocked_share.vs.lo"] == pytest.approx(0, abs=1e-9)
    assert strong["campaign_blocked_share.hi"] - strong["campaign_blocked_share.lo"] > 0.01  # level keeps the seed noise
    assert strong["attacker_cost_per_million_exchanges.vs"] == pytest.approx(2.0)
    assert strong["reached_share"] == 0.0 and math.isnan(strong["days_median"])
    assert strong["horizon_days"] == 60
    assert strong["delay_days"] == pytest.approx(60 - 46.5)
    base = table[(table["stratum"] == "churn") & (table["policy"] == "status_quo")].iloc[0]
    assert base["days_median"] == pytest.approx(46.5) and base["reached_share"] == 1.0
    assert "campaign_blocked_share.vs" not in base or math.isnan(base["campaign_blocked_share.vs"])
    # users harmed = banned + refused + sign-ups lost per 100k (100 / 1e6 * 1e5 = 10)
    assert strong[comparison.HARMED] == pytest.approx(50 + 2.5 + 10 + 10)
    assert "defender_cost_usd" not in table.columns  # absent metric skipped, not invented


def test_missing_runs_are_not_censored_times() -> None:
    runs = synthetic_runs()
    partial = runs[~((runs["policy.name"] == "status_quo") & (runs["seed"] >= 4))]  # a sweep stopped half-way
    table = comparison.compare(partial).set_index(["stratum", "policy"])
    base = table.loc[("churn", "status_quo")]
    assert base["seeds"] == 4 and base["reached_share"] == 1.0
    assert table.loc[("churn", "strong"), "seeds"] == 6
    assert table.loc[("churn", "strong"), "delay_days"] == pytest.approx(60 - 46.5)


def test_one_run_per_cell_is_enforced() -> None:
    runs = synthetic_runs()
    with pytest.raises(ValueError, match="share a"):
        comparison.compare(pd.concat([runs, runs.iloc[[0]]]))


def test_pareto_front() -> None:
    blocked = [0.0, 0.02, 0.32, 0.01, 0.32]
    harmed = [0.0, 20.0, 70.0, 30.0, 80.0]
    assert comparison.pareto_front(blocked, harmed).tolist() == [True, True, True, False, False]


def test_markdown_tables_say_censored_and_baseline() -> None:
    table = comparison.compare(synthetic_runs(), baseline="status_quo")
    display = comparison.markdown_tables(table, "status_quo")
    camp = display["campaign"].set_index(["strategy", "policy"])
    assert camp.loc[("churn", "strong"), "days to target"] == ">= 60 (0% reached)"
    assert camp.loc[("churn", "strong"), "delay vs status_quo (days)"].startswith(">= +13.5")
    assert camp.loc[("churn", "strong"), "cost multiplier"] == "2.00x [2.00x, 2.00x]"
    assert camp.loc[("churn", "status_quo"), "cost multiplier"] == "(baseline)"
    md = to_markdown(display["campaign"])
    assert md.count("\n") == 6 + 1 and md.startswith("| strategy | policy |")
    html = markdown_to_html("# T\n\ntext `a|b`\n\n" + md + "\n\n- one\n- two\n\n![f](x.png)\n")
    assert html.count("<tr>") == 7 and "<li>two</li>" in html and '<img src="x.png"' in html


def test_report_end_to_end_from_a_sweep_folder(tmp_path: Path) -> None:
    """compare.py --from on a synthetic sweep folder writes tables, figures and reports."""
    import importlib.util

    runs = synthetic_runs()
    sweep = tmp_path / "sweep"
    for r in runs.itertuples():
        day = np.arange(60)
        per_day = 28_800_000 * (1 - r.campaign_blocked_share) / 45
        daily = pd.DataFrame({"day": day, "attacker_harvested_cum": np.minimum(per_day * (day + 1), 28_800_000),
                              "legit_users_wrongly_banned_expected": r.legit_users_wrongly_banned_expected_per_100k / 45 * 10, "legit_refused_real": 1.0,
                              "legit_requested_real": 100.0, "legit_signups_lost_cum": 10.0 * (day + 1)})
        (sweep / "runs" / r.run_identity).mkdir(parents=True)
        daily.to_parquet(sweep / "runs" / r.run_identity / "daily.parquet")
    runs.to_parquet(sweep / "runs.parquet")
    spec = importlib.util.spec_from_file_location("compare_script", Path(__file__).parents[1] / "experiments" / "compare.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    assert script.main(["--from", str(sweep), "--no-collect", "--results", str(tmp_path / "results")]) == 0
    (out,) = (tmp_path / "results" / "compare").iterdir()
    for name in ("report.md", "report.html", "campaign.csv", "campaign.md", "collateral.md", "comparison.csv",
                 "pareto.png", "harvest.png", "costs.png"):
        assert (out / name).stat().st_size > 0, name
    text = (out / "report.md").read_text()
    assert "## Reproduce" in text and "--from" in text and "`strong` blocks the most" in text
    numbers = pd.read_csv(out / "comparison.csv").set_index(["stratum", "policy"])
    assert numbers.loc[("churn", "strong"), "pareto_front"] and numbers.loc[("churn", "none"), "pareto_front"]
    # collateral restricted to the 45-day window from the daily series (the 15 overrun days are left out)
    assert numbers.loc[("churn", "strong"), "legit_users_wrongly_banned_expected_per_100k"] == pytest.approx(52.5)
    assert numbers.loc[("churn", "strong"), "legit_signups_lost"] == pytest.approx(450.0)
    assert numbers.loc[("churn", "strong"), "legit_exchanges_refused_share"] == pytest.approx(0.01)


def test_attribution_table_counts_never_attributed_runs_at_the_horizon() -> None:
    """Two seeds attribute on days 2 and 4, the third never does (horizon 60 = 45 + 15): the
    restricted mean is (2 + 4 + 60) / 3 = 22 and the cell says 2 of 3 were attributed."""
    runs = pd.DataFrame({
        "policy.name": ["p"] * 3 + ["status_quo"] * 3, "attacker.name": ["churn"] * 6, "seed": [0, 1, 2] * 2,
        "window_days": [45] * 6, "scenario.overrun_days": [15] * 6,
        "days_to_first_ban": [1, 1, 1, 1, 1, 1], "days_to_attribution": [2, 4, None, 2, 2, 2],
        "harvest_before_attribution_share": [0.1, 0.2, 1.0, 0.05, 0.05, 0.05],
    })
    table = comparison.attribution_table(runs, "status_quo")
    assert list(table["policy"]) == ["status_quo", "p"]
    cell = table.loc[table["policy"] == "p", "day of attribution"].item()
    assert cell.startswith("22 [") and "(2/3 reached; the others count 60)" in cell
    assert table.loc[table["policy"] == "status_quo", "day of attribution"].item() == "2 [2, 2]"
    assert table.loc[table["policy"] == "p", "share of the target harvested before it"].item().startswith("43.3%")
