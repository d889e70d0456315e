"""The robust comparison's arithmetic: multipliers paired against the status quo, the worst case, the regret."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from experiments import best_response as br
from experiments import robust


def _result(policy: str, blocked: dict[str, float], cost: dict[str, float], worst: str) -> br.PolicyResult:
    rows = []
    for strategy in robust.ATTACKERS:
        for seed, noise in ((1000, 0.99), (1001, 1.01)):
            rows.append({"seed": seed, "strategy": strategy, br.BLOCKED: blocked[strategy], br.COST: cost[strategy] * noise,
                         "legit_users_wrongly_banned_expected_per_100k": 18.0, "legit_exchanges_refused_share": 0.01})
    return br.PolicyResult(policy, Path("."), (), pd.DataFrame(), None, {}, pd.DataFrame(rows), worst, 0.0, 0, 0)


def test_cells_pair_each_attacker_with_the_same_attacker_under_the_status_quo_and_take_the_regret() -> None:
    base = _result("status_quo", {"wide_slow": 0.0, "churn": 0.0, "found": 0.0},
                   {"wide_slow": 24e3, "churn": 24e3, "found": 20e3}, "found")
    gate = _result("identity_gating", {"wide_slow": 0.6, "churn": 0.5, "found": 0.2},
                   {"wide_slow": 72e3, "churn": 48e3, "found": 30e3}, "found")
    table = robust.cells({("reference", "status_quo"): base, ("reference", "identity_gating"): gate})
    cell = table.set_index(["policy", "attacker"])
    assert cell.loc[("identity_gating", "wide_slow"), "multiplier"] == pytest.approx(3.0)
    assert cell.loc[("identity_gating", "found"), "multiplier"] == pytest.approx(1.5)  # against the best reply to the status quo
    assert cell.loc[("status_quo", "churn"), "regret"] == pytest.approx(0.5)  # identity gating blocks 50% of churn
    assert cell.loc[("identity_gating", "churn"), "regret"] == 0.0
    summary = robust.summary(table).set_index("policy")
    assert summary.loc["identity_gating", "worst-case blocked"] == pytest.approx(0.2)
    assert summary.loc["identity_gating", "worst attacker"] == "best response"
    assert summary.loc["status_quo", "max regret"] == pytest.approx(0.6)


def test_the_status_quo_must_be_among_the_policies() -> None:
    with pytest.raises(SystemExit):
        robust.parse_args(["--policies", "identity_gating"])
    with pytest.raises(SystemExit):
        robust.parse_args(["--budgets", "reference,twice"])
