"""The account market: prices answer enforcement with a lag; a fixed budget buys fewer accounts."""

from __future__ import annotations

import numpy as np

from .conftest import SHORT, UNLOADED, simulate

# Pinned enforcement (not the calibrated defaults): a detector that bans every day.
MARKET = [*UNLOADED, *SHORT, "costs.market.enabled=true",
          "calibration.detector_threshold=4.5", "calibration.footprint=1.0"]
QUICK = ["scenario.end_date=2026-05-01"]  # 10 days: bans start and the lagged price answers
SEEDS = (0, 1, 2)


def _mean_price(*overrides: str) -> float:
    return float(np.mean([simulate(*MARKET, *overrides, f"seed={s}").daily["market_identity_price_usd"].mean() for s in SEEDS]))


def test_more_enforcement_raises_the_price_path() -> None:
    no_bans = _mean_price(*QUICK, "policy.review.capacity_per_day=0")  # detection flags, nobody is banned
    bans = _mean_price(*QUICK)
    assert bans > 1.5 * no_bans
    assert abs(no_bans - 0.5) < 0.05  # the phone tier's base price, noise averaging out


def test_a_fixed_budget_buys_fewer_accounts_at_higher_prices() -> None:
    budget = ["scenario.operators.0.budget_usd=400000", "costs.market.capacity_elasticity=0"]
    flat = [simulate(*MARKET, *budget, "costs.market.price_elasticity=0", f"seed={s}").metrics for s in SEEDS]
    steep = [simulate(*MARKET, *budget, "costs.market.price_elasticity=40", f"seed={s}").metrics for s in SEEDS]
    # The budget binds. Paced, it lasts to the deadline; with bans every day the fleet that can still come online
    # in the last days cannot carry all the traffic the rest would buy, so some of it is left.
    assert all(m["attacker_budget_spent_share"] > 0.75 and m["exchanges_harvested"] < 0.5 * m["exchanges_target"]
               for m in flat + steep)
    assert np.mean([m["attacker_accounts_created"] for m in steep]) < 0.97 * np.mean([m["attacker_accounts_created"] for m in flat])


def test_market_columns_and_capacity() -> None:
    r = simulate(*MARKET, "costs.market.capacity_per_day.phone=1000", "costs.market.capacity_elasticity=0")
    assert {"market_identity_price_usd", "market_identities_bought"} <= set(r.daily.columns)
    assert r.daily["market_identities_bought"].max() <= 1000
    assert r.metrics["attacker_accounts_created"] <= 1000 * len(r.daily)
