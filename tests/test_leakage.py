"""The leakage analysis (experiments/analysis/leakage.py): each run's stance, reach and budget read from its
flattened config, and the table over seeds; the experiment's stances compose as the sweep composes them."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd
import pytest

from experiments import leakage as experiment
from experiments.analysis import leakage, sweeps

PROVIDERS = json.dumps([{"name": "target"}, {"name": "peer_a"}, {"name": "peer_b"}])


def _run(policy: str, binds, spread: bool, shares: list[float], seed: int, blocked: float, leak: float | None) -> dict:
    return {
        "policy.name": policy, "policy.binds": None if binds is None else json.dumps(binds),
        "attacker.name": "wide_slow", "attacker.responses.spread_providers": spread,
        "scenario.operators": json.dumps([{"budget_usd": 688000.0, "provider_shares": shares}]),
        "scenario.providers": PROVIDERS, "seed": seed, "campaign_blocked_share": blocked,
        "leakage_share": leak, "attacker_cost_per_million_exchanges": 1e5 if leak is not None else None,
    }


def test_runs_are_labelled_from_their_configs_and_summarised_over_seeds() -> None:
    runs = pd.DataFrame([
        _run("identity_gating", None, False, [1, 0, 0], 0, 0.9, 0.0),
        _run("identity_gating", [0, 1, 2], False, [1, 0, 0], 1, 0.8, 0.0),
        _run("identity_gating_target_only", [0], True, [1, 0, 0], 0, 0.3, 0.9),
        _run("identity_gating_target_only", [0], True, [1, 0, 0], 1, 0.5, None),  # harvested nothing
        _run("identity_gating_target_only", [0], False, [0.34, 0.33, 0.33], 0, 0.4, 0.7),
    ])
    labelled = leakage.label(runs)
    assert list(labelled[leakage.RULE].unique()) == ["identity_gating"]
    assert list(labelled[leakage.SCOPE]) == [leakage.ALL_PROVIDERS] * 2 + ["target only"] * 3
    assert list(labelled[leakage.STANCE]) == [leakage.REPORTED] * 2 + [leakage.FREE] * 2 + [leakage.SPREAD]
    assert set(labelled[leakage.BUDGET]) == {688000.0}
    table = leakage.table(labelled).set_index([leakage.SCOPE, leakage.STANCE])
    everywhere = table.loc[(leakage.ALL_PROVIDERS, leakage.REPORTED)]
    assert everywhere["seeds"] == 2 and everywhere["campaign_blocked_share"] == pytest.approx(0.85)
    assert 0.0 <= everywhere["campaign_blocked_share.lo"] < 0.85 < everywhere["campaign_blocked_share.hi"] <= 1.0
    free = table.loc[("target only", leakage.FREE)]
    assert free["leakage_share"] == pytest.approx(0.9) and free["leakage_share.n"] == 1  # the empty run left out
    assert math.isnan(free["leakage_share.lo"]) and free["campaign_blocked_share.n"] == 2


def test_the_stances_compose_as_the_sweep_composes_them(tmp_path: Path) -> None:
    from sim.config.compose import compose

    search = sweeps.write_points(tmp_path, experiment.GROUP, experiment.POINTS, "a test")
    got = {}
    for name in experiment.POINTS:
        cfg = compose([f"+sweep={experiment.SWEEP}", search, f"+{experiment.GROUP}={name}",
                       "policy=identity_gating_target_only"])
        assert cfg.policy.binds == [0] and cfg.outside_policy.name == "status_quo"
        got[name] = (cfg.scenario.operators[0].provider_shares, cfg.attacker.responses.spread_providers,
                     cfg.attacker.responses.spread_on_signups)
    assert got == {"reported": ([1.0, 0.0, 0.0], False, False), "free_to_spread": ([1.0, 0.0, 0.0], True, True),
                   "spread_start": ([0.34, 0.33, 0.33], False, False)}
