"""Budget-bound campaigns: spend never exceeds the budget, a binding budget is paced to the deadline,
an unlimited one changes nothing, and the budget curve's inverse is read off as documented."""

from __future__ import annotations

import math

import numpy as np
import pytest

from experiments.analysis.budget import ABOVE, AT_MOST, EXACT, Needed, budget_needed, fmt_usd
from sim.config import ConfigError
from sim.record.ledger import TICK_COLUMNS

from .conftest import ATTACKER_ONLY, SHORT, cfg, simulate

BUDGET = "scenario.operators.0.budget_usd"
# A tiny campaign: 1M exchanges over 15 days, ~$25k at the status quo with an unlimited budget.
TINY = [*ATTACKER_ONLY, *SHORT, "scenario.operators.0.target_exchanges=1000000"]
HALF_REFERENCE = 344_000  # half the reference campaign's status-quo spend ($0.688M)
VOLATILE = {"runtime_seconds"}


def daily_requests(result) -> np.ndarray:
    """The campaign's requests per day on the operator's own accounts, from the tick table."""
    assert "attacker_requested" in TICK_COLUMNS
    return result.ticks["attacker_requested"].to_numpy().reshape(-1, 24).sum(axis=1)


@pytest.mark.parametrize("extra", [
    ["policy=status_quo", "attacker=wide_slow"],
    ["policy=identity_gating", "attacker=churn"],
    ["policy=letter_package", "attacker=churn", "attacker.budget_pacing=none"],
    ["policy=provider_id_gating_2026", "attacker=wide_slow", "costs.market.enabled=true",
     "costs.market.ready_accounts.enabled=true"],
    ["scenario=qwen_2026_resellers", "policy=status_quo", "attacker=churn"],
])
@pytest.mark.parametrize("budget", [3_000, 12_000])
def test_spend_never_exceeds_the_budget(extra, budget):
    r = simulate(*TINY, *extra, f"{BUDGET}={budget}", "seed=2")
    spend = r.daily["attacker_spend_cum_usd"].to_numpy()
    assert spend[-1] == pytest.approx(r.metrics["attacker_cost_usd"])
    assert (spend <= budget).all(), spend.max()
    assert 0.0 < r.metrics["attacker_budget_spent_share"] <= 1.0
    assert r.metrics["attacker_budget_spent_share"] > 0.9  # the budget binds: the check is not vacuous
    assert r.metrics["exchanges_harvested"] < 1_000_000


def test_harvest_does_not_fall_as_the_budget_grows():
    budgets = [2_000, 4_000, 8_000, 16_000, 32_000, math.inf]
    got = [simulate(*TINY, f"{BUDGET}={b}", "seed=5").metrics["exchanges_harvested"] for b in budgets]
    assert got[0] > 0 and got[-1] >= 0.99 * 1_000_000
    for small, big in zip(got, got[1:], strict=False):
        assert big >= small - 0.01 * 1_000_000, got  # within noise (1% of the target)
    assert got[2] > 1.5 * got[0]  # and it does grow


@pytest.mark.parametrize("policy", ["status_quo", "identity_gating"])
def test_a_binding_budget_is_paced_to_the_deadline(policy):
    base = [*ATTACKER_ONLY, f"policy={policy}", f"{BUDGET}={HALF_REFERENCE}", "seed=1"]
    paced = simulate(*base)
    days = daily_requests(paced)
    assert days.size == 45
    assert np.flatnonzero(days)[-1] >= 42  # traffic on the window's last days
    assert paced.metrics["attacker_budget_spent_share"] > 0.95  # and the budget was used
    assert paced.metrics["campaign_blocked_share"] > 0.3  # it binds
    unpaced = simulate(*base, "attacker.budget_pacing=none")
    assert np.flatnonzero(daily_requests(unpaced))[-1] < 35  # spending as the target asks runs dry early
    assert paced.metrics["exchanges_harvested"] > unpaced.metrics["exchanges_harvested"] * 0.9


def _same(a, b) -> None:
    """Every metric but the share of the budget spent (a $100M budget is not an infinite one), and every series."""
    skip = {*VOLATILE, "attacker_budget_spent_share"}
    ma = {k: v for k, v in a.metrics.items() if k not in skip}
    mb = {k: v for k, v in b.metrics.items() if k not in skip}
    assert ma == mb
    assert a.daily.equals(b.daily)
    assert a.ticks.equals(b.ticks)


@pytest.mark.parametrize("attacker", ["wide_slow", "churn"])
def test_an_unlimited_budget_changes_nothing(attacker):
    base = [*ATTACKER_ONLY, *SHORT, f"attacker={attacker}", "policy=letter_package", "seed=4"]
    default = simulate(*base)
    assert default.metrics["attacker_budget_exhausted_day"] is None
    unlimited = simulate(*base, f"{BUDGET}=inf")
    assert unlimited.metrics["attacker_budget_spent_share"] == 0.0
    _same(default, unlimited)
    _same(default, simulate(*base, "attacker.budget_pacing=none"))


@pytest.mark.parametrize("value, shown", [("-1", "-1"), ("nan", "nan")])
def test_bad_budgets_are_refused_in_one_line(value, shown):
    with pytest.raises(ConfigError) as err:
        cfg(f"{BUDGET}={value}")
    text = str(err.value)
    assert "\n" not in text
    assert "scenario.operators[0].budget_usd" in text and shown in text.lower() and "[0.0, inf]" in text


def test_an_unknown_pacing_rule_is_refused():
    with pytest.raises(ConfigError, match=r"attacker.budget_pacing='greedy'.*window, none"):
        cfg("attacker.budget_pacing=greedy")


def test_budget_needed_interpolates_and_censors():
    budgets = [1e5, 2e5, 5e5, 1e6]
    shares = [0.1, 0.3, 0.75, 1.0]
    mid = budget_needed(budgets, shares, 0.5)
    assert mid.bound == EXACT and mid.value == pytest.approx(2e5 + (0.2 / 0.45) * 3e5)
    assert budget_needed(budgets, shares, 0.05) == Needed(1e5, AT_MOST)
    assert budget_needed(budgets, [0.1, 0.2, 0.3, 0.4], 0.9) == Needed(1e6, ABOVE)
    assert budget_needed(budgets, [0.1, np.nan, 0.6, 0.9], 0.5).value == pytest.approx(1e5 + 0.8 * 4e5)
    assert math.isnan(budget_needed(budgets, [np.nan] * 4, 0.5).value)
    assert fmt_usd(1e6, ABOVE) == "> $1M" and fmt_usd(1e5, AT_MOST) == "≤ $0.1M" and fmt_usd(6.88e5) == "$0.69M"
    with pytest.raises(ValueError):
        budget_needed([2e5, 1e5], [0.1, 0.2], 0.5)
