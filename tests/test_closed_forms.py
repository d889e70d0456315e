"""Closed forms the simulator must reproduce within sampling error."""

from __future__ import annotations

import math

import numpy as np

from sim.world.accounts import BANNED
from sim.config.compose import compose
from sim.model import DistillationModel

H = 0.05  # per-exchange detection hazard
N = 4000  # accounts at one exchange per account-day


def _hazard_world(seed: int) -> DistillationModel:
    """Attacker-only; the only control is a per-request classifier with hazard H,
    every flag reviewed and banned the same day; one exchange per account-day."""
    overrides = [
        "population=none",
        "policy=none",
        f"seed={seed}",
        f"scenario.operators.0.target_exchanges={N * 45}",
        "attacker.pace_per_account_day=1",
        "attacker.max_pace_multiplier=1",
        "attacker.ramp_days=0",
        "attacker.replacement_lead_days=0",
        "policy.detector.enabled=true",
        "policy.detector.threshold=50",  # the score never reaches it: only the per-request hazard flags
        f"policy.detector.hazard_per_exchange={H}",
        "policy.review.capacity_per_day=1e12",
        "policy.review.ban_threshold=-50",  # every review bans
    ]
    model = DistillationModel(compose(overrides))
    model.run_model()
    return model


def _lifetimes(model: DistillationModel) -> tuple[np.ndarray, np.ndarray]:
    t = model.accounts
    att = t.is_attacker
    served = (t.served_total + t.demand_day - t.refused_day)[att]
    banned = (t.status == BANNED)[att]
    return served, banned


def test_constant_hazard_gives_geometric_lifetime_with_mean_one_over_h():
    served, banned = _lifetimes(_hazard_world(seed=1))
    # Maximum likelihood for a geometric lifetime with right-censoring:
    # h_hat = detections / exchanges at risk.
    events = int(banned.sum())
    assert events > 5000
    h_hat = events / served.sum()
    se = h_hat / math.sqrt(events)
    assert abs(h_hat - H) < 3 * se, (h_hat, H, se)
    assert abs(1 / h_hat - 1 / H) < 3 * se / h_hat**2


def test_constant_hazard_lifetime_distribution_is_geometric():
    model = _hazard_world(seed=2)
    t = model.accounts
    first = t.is_attacker & (t.created_at == 0)  # the first fleet: observed for the whole window
    life = (t.served_total + t.demand_day - t.refused_day)[first]
    dead = (t.status == BANNED)[first]
    n = life.size
    for k in (5, 10, 20):
        observed = np.mean(dead & (life <= k))
        expected = 1 - (1 - H) ** k
        assert abs(observed - expected) < 4 * math.sqrt(expected * (1 - expected) / n), (k, observed, expected)


def test_one_exchange_per_account_day_keeps_the_hazard_per_exchange():
    """The pacing used above really gives ~one request per account-day (the premise)."""
    model = _hazard_world(seed=3)
    t = model.accounts
    live = t.is_attacker & (t.status != BANNED)
    per_day = t.demand_day[live & (t.created_at < 40 * 24)]
    assert 0.95 <= per_day.mean() <= 1.05
    assert np.mean(per_day == 1) > 0.9
