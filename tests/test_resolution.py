"""Principle 3: advancing legitimate users a day at a time matches hour-by-hour simulation.

No control in the status quo acts on the hour for legitimate accounts, so a
day's Poisson demand drawn at once equals the sum of 24 hourly draws in
distribution. Both resolutions are run over several seeds and compared.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from sim.config.compose import compose
from sim.model import DistillationModel

from .conftest import SHORT

SEEDS = range(5)
BASE = ["population.sample_size=10000", "scenario.operators=[]", *SHORT]
KEYS = ("legit_requested_real", "legit_refused_real", "legit_users_wrongly_banned_expected", "legit_flags_expected")


def _daily_totals(resolution: str, seed: int) -> tuple[dict, np.ndarray]:
    model = DistillationModel(compose([*BASE, f"run.legit_resolution={resolution}", f"seed={seed}"]))
    model.run_model()
    days = model.ledger.days
    totals = {k: sum(d[k] for d in days) for k in KEYS}
    legit = ~model.accounts.is_attacker
    return totals, model.accounts.demand_day[legit]


def test_day_and_hour_resolution_agree_in_distribution():
    day = [_daily_totals("day", s) for s in SEEDS]
    hour = [_daily_totals("hour", s) for s in SEEDS]
    for key in KEYS:
        a = np.array([d[0][key] for d in day], dtype=float)
        b = np.array([h[0][key] for h in hour], dtype=float)
        se = np.sqrt(a.var(ddof=1) / a.size + b.var(ddof=1) / b.size)
        assert abs(a.mean() - b.mean()) <= 4 * se + 1e-9 * abs(a.mean()), (key, a.mean(), b.mean(), se)
    # Per-account demand on the last day: same distribution (heavy-tailed, so
    # compare distributions, and means against their seed-to-seed spread).
    pooled_day = np.concatenate([d[1] for d in day])
    pooled_hour = np.concatenate([h[1] for h in hour])
    assert stats.ks_2samp(pooled_day, pooled_hour).pvalue > 0.001
    a = np.array([d[1].mean() for d in day])
    b = np.array([h[1].mean() for h in hour])
    se = np.sqrt(a.var(ddof=1) / a.size + b.var(ddof=1) / b.size)
    assert abs(a.mean() - b.mean()) <= 4 * se, (a, b)
