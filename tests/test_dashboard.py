"""The dashboard's logic without a browser: the server's default address, the form's overrides,
refused input, the Compare view's paired table and the Results view's reading of a sweep.
(The page in a real browser: tests/test_dashboard_browser.py; that no other layer imports the
dashboard: tests/test_layout.py.)"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from sim.config import roles
from sim.dashboard import levers, results, runs, server, tables


def test_the_server_binds_this_machine_only_by_default() -> None:
    assert server.parse_args([]).host == "127.0.0.1"
    assert server.parse_args(["--host", "0.0.0.0", "--port", "9000"]).host == "0.0.0.0"


def test_a_started_server_listens_on_127_0_0_1_only() -> None:
    psutil = pytest.importorskip("psutil")
    from sim.dashboard.browser import dashboard_server

    with dashboard_server() as served:
        port = int(served.url.rsplit(":", 1)[1].strip("/"))
        listening = [c.laddr for c in psutil.Process(served.pid).net_connections(kind="inet") if c.status == psutil.CONN_LISTEN]
    assert listening and {a.ip for a in listening} == {"127.0.0.1"} and {a.port for a in listening} == {port}


@pytest.mark.parametrize("bad", [
    ["policy.detector.threshold=high"],  # the wrong type
    ["policy.sharing.coverage=1.5"],  # out of its range
    ["policy=nope"],  # no such option
    ["policy.detector.treshold=5"],  # no such key
])
def test_refused_input_gives_the_command_lines_one_line_message(bad, capsys) -> None:
    from sim.app import refuse_bad_overrides

    with pytest.raises(SystemExit):
        refuse_bad_overrides(bad)
    cli = capsys.readouterr().err.strip()
    with pytest.raises(runs.Refused) as refused:
        runs.composed(bad)
    assert cli == f"distill-sim: {refused.value}" and "\n" not in cli


def test_the_form_passes_only_what_differs_from_the_policy_and_turns_a_mechanism_on() -> None:
    groups = {**levers.DEFAULT_GROUPS, "population": "none"}
    base = runs.composed([f"{g}={groups[g]}" for g in levers.GROUPS])
    values = levers.form_values(base)
    plain = [f"{g}={groups[g]}" for g in levers.GROUPS]
    assert levers.overrides(groups, values, base) == plain
    assert not base.policy.volume_cap.enabled
    capped = levers.overrides(groups, {**values, "policy.volume_cap.per_account_day": "200"}, base)
    assert capped == [*plain, "policy.volume_cap.enabled=true", "policy.volume_cap.per_account_day=200"]
    cfg = runs.composed(capped)
    assert cfg.policy.volume_cap.enabled and cfg.policy.volume_cap.per_account_day == 200
    budget = levers.overrides(groups, {**values, "scenario.operators.0.budget_usd": "3e5"}, base)
    assert runs.composed(budget).scenario.operators[0].budget_usd == 3e5


def test_each_lever_reads_its_range_from_its_declaration() -> None:
    for lever in levers.LEVERS:
        d = lever.declared
        assert d.role is not None and d.doc, lever.key
        hint = lever.hint()
        if d.choices:
            assert all(c in hint for c in d.choices)
        if d.plausible is not None:
            assert f"plausible {d.plausible[0]:,.12g} to {d.plausible[1]:,.12g}" in hint, (lever.key, hint)
    cap = next(lv for lv in levers.LEVERS if lv.key == "policy.volume_cap.per_account_day")
    assert cap.declared == roles.declaration("policy.volume_cap.per_account_day") and "inf = no limit" in cap.hint()


def test_seeds_are_parsed_and_a_seed_in_a_configuration_is_refused() -> None:
    assert runs.parse_seeds("0 1, 2 5-7 1") == [0, 1, 2, 5, 6, 7]
    for bad in ("", "a", "3-1", "-2"):
        with pytest.raises(runs.Refused, match="invalid seeds"):
            runs.parse_seeds(bad)
    with pytest.raises(runs.Refused, match="seed is set by the seeds field"):
        runs.run_pair(["population=none", "seed=3"], ["population=none"], [0])
    with pytest.raises(runs.Refused, match="policy=nope"):  # B composed before anything runs
        runs.run_pair(["population=none"], ["policy=nope"], [0])


def test_b_minus_a_is_paired_by_seed() -> None:
    """A differs a lot from seed to seed, B is A plus 1000 on every seed: B - A is exactly +1,000
    (paired); unpaired intervals of A and B would overlap widely."""
    a = np.array([10_000.0, 50_000.0, 90_000.0])
    frame = pd.DataFrame({"arm": ["A"] * 3 + ["B"] * 3, "seed": [0, 1, 2] * 2,
                          "attacker_cost_usd": np.concatenate([a, a + 1000])})
    row = tables.pair_table(frame, ["attacker_cost_usd"]).iloc[0]
    assert row["B - A"] == "+1,000"
    assert row["A"].startswith("50,000 [") and row["outcome"] == "attacker cost (USD)"


def test_an_interval_stays_within_what_the_quantity_can_be() -> None:
    share = tables.estimate([0.0, 0.0, 0.01], "campaign_blocked_share")
    assert share.lo == 0.0 and share.hi <= 1.0
    diff = tables.estimate([-1.0, 0.0, 1.5])  # a difference: either sign
    assert diff.lo < 0 < diff.hi
    assert tables.estimate_text(tables.estimate([4.0]), "attacker_cost_usd") == "4" and math.isnan(tables.estimate([4.0]).lo)
    assert tables.fmt(0.0000091, "campaign_blocked_share") == "0.00091%"


def _sweep(tmp_path) -> pd.DataFrame:
    rows = []
    for policy, blocked, harmed in (("status_quo", 0.10, 5.0), ("identity_gating", 0.40, 50.0), ("volume_cap", 0.05, 60.0)):
        for seed in (0, 1):
            rows.append({"policy.name": policy, "attacker.name": "churn", "seed": seed,
                         "overrides": f"policy={policy} attacker=churn seed={seed} +sweep=x",
                         "campaign_blocked_share": blocked + 0.01 * seed, "legit_real_users": 1e6,
                         "legit_users_wrongly_banned_expected_per_100k": harmed, "legit_users_refused_per_100k": 1.0,
                         "legit_signups_lost": 10.0 * seed, "attacker_cost_usd": 1e6})
    pd.DataFrame(rows).to_parquet(tmp_path / "runs.parquet")
    return pd.DataFrame(rows)


def test_a_sweep_folder_gives_one_row_per_policy_with_users_harmed_and_the_pareto_front(tmp_path) -> None:
    _sweep(tmp_path)
    table = results.summary(results.read_runs(tmp_path)).set_index("arm")
    assert set(table.index) == {"status quo", "identity gating", "volume caps"} and (table["seeds"] == 2).all()
    # harmed: wrongly banned + refused + sign-ups lost per 100k real users (10 lost of 1M on seed 1: 1 per 100k)
    assert table.loc["status quo", tables.HARMED] == pytest.approx(5.0 + 1.0 + 0.5)
    assert table["pareto"].to_dict() == {"status quo": True, "identity gating": True, "volume caps": False}
    assert table.loc["identity gating", "campaign_blocked_share.lo"] < 0.405 < table.loc["identity gating", "campaign_blocked_share.hi"]


def test_a_folder_without_a_collected_table_says_how_to_make_one(tmp_path) -> None:
    with pytest.raises(results.NotASweep, match="python -m sim.sweeps.collect"):
        results.read_runs(tmp_path)



def test_a_lever_sweep_keeps_each_setting_as_its_own_arm() -> None:
    point = "policy=volume_cap policy.volume_cap.per_account_day=200 attacker=churn seed=3 +sweep=threshold_base"
    assert results.arm_of(point, "volume_cap") == "volume caps · policy.volume_cap.per_account_day=200"
    assert results.arm_of(None, "status_quo") == "status quo"


def test_the_pareto_plot_spans_at_least_ten_points_of_blocked_share(tmp_path) -> None:
    """Seed noise of a few millionths must not fill the axis and look like a front."""
    from sim.dashboard.app import MIN_BLOCKED_SPAN, pareto_figure

    rows = _sweep(tmp_path).assign(campaign_blocked_share=lambda d: 1e-6 * d["seed"])
    rows.to_parquet(tmp_path / "runs.parquet")
    table = results.summary(results.read_runs(tmp_path))
    low, high = pareto_figure(table, table["stratum"].iloc[0]).layout.yaxis.range
    assert low < 0 and high >= MIN_BLOCKED_SPAN
    _sweep(tmp_path)  # blocked shares up to 41%: the axis reaches the highest interval
    table = results.summary(results.read_runs(tmp_path))
    assert pareto_figure(table, table["stratum"].iloc[0]).layout.yaxis.range[1] > 41.0
