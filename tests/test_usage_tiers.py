"""Usage tiers: the control against a per-account loop of its documented formulas, the
tiers of young and old accounts, the schedule's validation, and the tiers in force in
the status quo (legitimate collateral small, the reference campaign below the limits).

The reference below is written from the formulas in ``sim/controls/usage_tiers.py``'s
docstring, one account and one tier at a time.
"""

from __future__ import annotations

import datetime as dt
import math
import re

import numpy as np
import pytest

from sim.config import ConfigError, UsageTier, UsageTiersConfig
from sim.controls.base import TrafficBatch
from sim.controls.usage_tiers import DAYS_PER_MONTH, UsageTiers
from sim.world.accounts import ACTIVE, AccountTable
from sim.world.calendar import HOURS_PER_DAY, Clock

from .conftest import SHORT, SMALL_POP, cfg, simulate

PRICE = 0.0225  # USD per exchange at the default list prices
ANTHROPIC = UsageTiersConfig(enabled=True)  # the dataclass default: Anthropic tiers 1-4


def reference(tiers: list[UsageTier], price: float, created_at: int, served_total: int, tick: int,
              want: int, served_today: int) -> int:
    """What the documented formulas serve of ``want`` requests from one account in an hourly batch."""
    age = (tick - created_at) / HOURS_PER_DAY
    spend = served_total * price
    tier = max(k for k, t in enumerate(tiers) if age >= t.min_age_days and spend >= t.min_spend_usd)
    t = tiers[tier]
    out = min(want, math.floor(t.hourly_cap)) if math.isfinite(t.hourly_cap) else want
    if math.isinf(t.monthly_spend_cap_usd):
        return out
    per_day = math.floor(t.monthly_spend_cap_usd / DAYS_PER_MONTH / price)
    return min(out, max(per_day - served_today, 0))


def _serve(control: UsageTiers, table: AccountTable, rows: np.ndarray, want: np.ndarray, clock: Clock) -> np.ndarray:
    """Served counts of one hourly batch; books it into the table as a provider does."""
    batch = TrafficBatch(table.observable(), rows, want.copy(), clock)
    control.apply(batch)
    table.demand_day[rows] += want
    table.refused_day[rows] += batch.refused
    return want - batch.refused


def test_a_young_low_spend_account_is_capped_at_the_first_tier_and_an_old_high_spend_one_is_not() -> None:
    table = AccountTable(8)
    # Opened today, nothing billed; opened a year ago, $900 billed (40,000 exchanges).
    table.add(2, status=ACTIVE, created_at=np.array([0, -365 * HOURS_PER_DAY]), served_total=np.array([0, 40_000]))
    control = UsageTiers(ANTHROPIC, PRICE, np.random.default_rng(0))
    clock = Clock(dt.date(2026, 1, 1), window_days=1)
    np.testing.assert_array_equal(control.tier_of(table.observable(), np.arange(2), clock.tick), [0, 3])
    served = _serve(control, table, np.arange(2), np.array([1000, 1000]), clock)
    assert served.tolist() == [148, 1000]  # floor($100 / 30 / $0.0225) = 148; tier 4 allows 7,407
    # the rest of the day: the young account gets nothing more, the old one up to its own limit
    served = _serve(control, table, np.arange(2), np.array([10, 7000]), clock)
    assert served.tolist() == [0, 6407]


def test_spend_and_age_both_qualify() -> None:
    """An account must meet a tier's age and its spend: spend alone does not lift it."""
    tiers = UsageTiersConfig(enabled=True, tiers=[UsageTier(0, 0, 20), UsageTier(14, 0, 100), UsageTier(14, 40, 500)])
    table = AccountTable(8)
    table.add(3, status=ACTIVE, created_at=np.array([0, 0, -20 * HOURS_PER_DAY]), served_total=np.array([0, 10_000, 10_000]))
    control = UsageTiers(tiers, PRICE, np.random.default_rng(0))
    np.testing.assert_array_equal(control.tier_of(table.observable(), np.arange(3), 24), [0, 0, 2])


def _random_tiers(rng: np.random.Generator) -> list[UsageTier]:
    k = int(rng.integers(1, 5))
    ages = np.concatenate([[0.0], np.sort(rng.choice([0.0, 1.0, 2.0, 5.0], size=k - 1))])
    spends = np.concatenate([[0.0], np.sort(rng.choice([0.0, 0.3, 1.0, 4.0], size=k - 1))])
    caps = rng.choice([5.0, 12.0, 30.0, np.inf], size=k)
    hourly = rng.choice([4.0, 9.0, np.inf, np.inf], size=k)
    return [UsageTier(float(a), float(s), float(c), float(h)) for a, s, c, h in zip(ages, spends, caps, hourly, strict=True)]


@pytest.mark.parametrize("seed", range(10))
def test_usage_tiers_match_reference_formulas(seed: int) -> None:
    rng = np.random.default_rng(seed)
    tiers = _random_tiers(rng)
    n = 80
    table = AccountTable(n)
    table.add(n, status=ACTIVE, created_at=-rng.integers(0, 8 * HOURS_PER_DAY, size=n),
              served_total=rng.choice([0, 10, 50, 200], size=n))
    control = UsageTiers(UsageTiersConfig(enabled=True, tiers=tiers), PRICE, np.random.default_rng(0))
    clock = Clock(dt.date(2026, 1, 1), window_days=3)
    fleet = np.sort(rng.choice(n, 50, replace=False))
    for tick in range(3 * HOURS_PER_DAY):
        clock.tick = tick
        if tick % HOURS_PER_DAY == 0:
            table.start_day()
        rows = fleet if tick % 3 else np.sort(rng.choice(n, int(rng.integers(1, 60)), replace=False))
        want = rng.integers(0, 12, size=rows.size)
        served_today = table.demand_day[rows] - table.refused_day[rows]
        expected = [reference(tiers, PRICE, int(table.created_at[r]), int(table.served_total[r]), tick, int(w), int(s))
                    for r, w, s in zip(rows, want, served_today, strict=True)]
        np.testing.assert_array_equal(_serve(control, table, rows, want, clock), expected, err_msg=f"tick {tick}")


def test_a_day_batch_is_capped_per_day() -> None:
    """Accounts advanced a day at a time get their tier's daily limit on the day's one batch."""
    table = AccountTable(8)
    table.add(3, status=ACTIVE, created_at=np.zeros(3, dtype=np.int32), served_total=np.array([0, 2000, 20_000]))
    control = UsageTiers(ANTHROPIC, PRICE, np.random.default_rng(0))
    clock = Clock(dt.date(2026, 1, 1), window_days=1)
    batch = TrafficBatch(table.observable(), np.arange(3), np.array([100, 1000, 1000]), clock, span_hours=HOURS_PER_DAY)
    control.apply(batch)
    assert (batch.demand - batch.refused).tolist() == [100, 740, 1000]  # tiers 1, 2 ($45 billed), 4 ($450)
    assert batch.throttled.tolist() == [0, 260, 0]  # the account sees rate limiting


@pytest.mark.parametrize("override, message", [
    ("policy.usage_tiers.tiers.0.min_age_days=3", "policy.usage_tiers.tiers[0].min_age_days=3.0; allowed: 0"),
    ("policy.usage_tiers.tiers.2.min_spend_usd=10",
     "policy.usage_tiers.tiers[2].min_spend_usd=10.0; allowed: at least policy.usage_tiers.tiers[1].min_spend_usd=40"),
    ("policy.usage_tiers.tiers=[]", "policy.usage_tiers.tiers=[]; allowed: at least one tier"),
])
def test_a_schedule_out_of_order_is_refused_by_name(override: str, message: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(message)):
        cfg(override)


def test_the_status_quo_has_the_tiers_in_force() -> None:
    tiers = cfg().policy.usage_tiers
    assert tiers.enabled
    assert [(t.min_spend_usd, t.monthly_spend_cap_usd) for t in tiers.tiers] == [(0, 100), (40, 500), (200, 1000), (400, 5000)]
    young = cfg("policy=volume_thresholds").policy.usage_tiers.tiers
    assert young[0].monthly_spend_cap_usd < tiers.tiers[0].monthly_spend_cap_usd and young[1].min_age_days > 0


@pytest.fixture(scope="module")
def legit_refused_share() -> dict[bool, float]:
    """Share of legitimate exchanges refused, status quo with and without the tiers (small world)."""
    out = {}
    for on in (True, False):
        r = simulate(*SMALL_POP, *SHORT, "seed=1", f"policy.usage_tiers.enabled={str(on).lower()}")
        out[on] = r.metrics["legit_exchanges_refused_share"]
        if on:
            out["tiers"] = r.metrics["legit_refused_by_usage_tiers"] / float(r.daily["legit_requested_real"].sum())
    return out


def test_status_quo_tiers_refuse_a_small_share_of_legitimate_exchanges(legit_refused_share) -> None:
    """Above a flat 150/day cap's ~15%: tiers bind on young heavy users only."""
    assert 0.0 < legit_refused_share["tiers"] < 0.02
    assert legit_refused_share[True] > legit_refused_share[False]


@pytest.mark.parametrize("attacker", ["wide_slow", "churn"])
def test_the_reference_campaign_runs_below_the_tiers_in_force(attacker: str) -> None:
    """C/R: the campaign ran below the lowest spend cap; a tightened young tier binds on churn."""
    quo = simulate("population=none", *SHORT, f"attacker={attacker}")
    assert quo.metrics["attacker_refused_by_usage_tiers"] == 0
    tight = simulate("population=none", *SHORT, f"attacker={attacker}", "policy=volume_thresholds")
    if attacker == "churn":
        assert tight.metrics["attacker_refused_by_usage_tiers"] > 0
        assert tight.metrics["attacker_accounts_created"] > quo.metrics["attacker_accounts_created"]


def test_the_operator_paces_under_the_young_tier_it_learns() -> None:
    """Throttled young accounts reveal their limit: pacing under it keeps the refused share
    far below what an operator that ignores the throttling gets."""
    base = ["population=none", *SHORT, "attacker=churn", "policy=volume_thresholds"]
    shares = {}
    for learn in (True, False):
        m = simulate(*base, f"attacker.responses.pace_under_cap={str(learn).lower()}").metrics
        shares[learn] = m["attacker_refused_by_usage_tiers"] / m["exchanges_demanded"]
    assert shares[True] < 0.2 * shares[False]


def test_a_fixed_fleet_at_the_first_tier_harvests_exactly_n_times_its_limit_per_day() -> None:
    """Closed form: N new accounts each asking more than c_d(0) = floor($5 / 30 / $0.0225) = 7 a day."""
    n, pace, days = 1000, 14, 15
    r = simulate(
        "population=none", *SHORT, "policy=none", "attacker.ramp_days=0", "attacker.max_pace_multiplier=1",
        "attacker.responses.pace_under_cap=false", "attacker.responses.expand_fleet=false",
        "attacker.responses.rotate_exit_on_refusal=false", "attacker.responses.compartmentalise=false",
        f"attacker.pace_per_account_day={pace}", "attacker.spare_fraction=0",
        f"scenario.operators.0.target_exchanges={n * pace * days}",
        "policy.usage_tiers.enabled=true", "policy.usage_tiers.tiers=[{monthly_spend_cap_usd: 5}]",
    )
    assert r.metrics["attacker_accounts_created"] == n
    assert (r.daily["attacker_served"].to_numpy() == n * 7).all()


def test_tiers_that_cannot_bind_equal_no_tiers() -> None:
    """On but without limits, the control changes nothing, not even another control's draws."""
    base = ["population.sample_size=5000", *SHORT, "seed=2"]
    off = simulate(*base, "policy.usage_tiers.enabled=false")
    on = simulate(*base, "policy.usage_tiers.tiers=[{monthly_spend_cap_usd: inf}]")
    strip = ("runtime_seconds",)
    assert {k: v for k, v in off.metrics.items() if k not in strip} == {k: v for k, v in on.metrics.items() if k not in strip}
    assert off.daily.equals(on.daily)
