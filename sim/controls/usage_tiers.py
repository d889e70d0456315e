"""Usage tiers: per-account limits that rise with account age and spend, as
providers run them (an account starts at the lowest tier and qualifies for
higher ones as it ages and pays).

Formulas. Tiers ``k = 0..K-1`` (``policy.usage_tiers.tiers``) are listed in
ascending order of what qualifies for them, an account age ``a_k`` (days) and
a cumulative spend ``s_k`` (USD), with ``a_0 = s_0 = 0``. With ``p`` the list
price of an exchange (:func:`~sim.config.costs.price_per_exchange`), for
account ``i`` at tick ``t``:

    spend_i = served_total_i x p           (exchanges billed before today)
    age_i   = (t - created_at_i) / 24      (days)
    tier_i  = max{k : age_i >= a_k and spend_i >= s_k}
    c_d(k)  = floor(monthly_spend_cap_usd_k / 30 / p)      exchanges per day

A batch of requests ``d_i`` (after earlier filters) is served up to
``max(0, c_d(tier_i) - u_i)``, where ``u_i`` is what the account was served
today; a tier's hourly cap ``c_h(k)`` applies first, as the volume cap's
(:func:`~sim.controls.volume_cap.hourly_served`): ``min(d_i, c_h)`` in an
hourly batch, ``sum_h min(d_i,h, c_h)`` over the daily cycle in a day batch.
The excess is refused as throttling (the account sees rate-limit errors, so an
operator can learn the limit and pace under it). Every input is an observable
column: the provider knows when it opened an account and what it billed it.

Speed, without changing the formulas: since the qualifiers ascend, the tiers an
account meets are the first ones listed, so ``tier_i = min(#{k : a_k <=
age_i}, #{k : s_k <= spend_i}) - 1``, two ``searchsorted`` calls. Only
accounts whose requests could pass the lowest limit of any tier (``u_i + d_i
> min_k min(c_d(k), c_h(k))``) are looked at, and a batch in which none can
(bound by its largest ``u`` and ``d``: an operator pacing under the limit)
is passed untouched.
"""

from __future__ import annotations

import numpy as np

from ..config import UsageTiersConfig
from ..world.accounts import ObservableAccounts
from ..world.calendar import HOURS_PER_DAY
from .base import Control, Phase, TrafficBatch
from .volume_cap import hourly_served

# A monthly spend cap is spread evenly over a month of this many days.
DAYS_PER_MONTH = 30


class UsageTiers(Control):
    """Throttles each account at the limits of the highest tier it qualifies for."""

    name = "usage_tiers"
    phases = frozenset({Phase.FILTER})

    def __init__(self, cfg: UsageTiersConfig, price_per_exchange: float, rng: np.random.Generator) -> None:
        self.price = price_per_exchange
        self.stream = rng
        self.min_age_days = np.array([t.min_age_days for t in cfg.tiers], dtype=np.float64)
        self.min_spend_usd = np.array([t.min_spend_usd for t in cfg.tiers], dtype=np.float64)
        monthly = np.array([t.monthly_spend_cap_usd for t in cfg.tiers], dtype=np.float64)
        # Free exchanges (a list price of 0) never reach a spend cap.
        self.per_day = np.floor(monthly / DAYS_PER_MONTH / price_per_exchange) if price_per_exchange > 0 else np.full(monthly.size, np.inf)
        self.per_hour = np.array([t.hourly_cap for t in cfg.tiers], dtype=np.float64)
        self._hourly = bool(np.isfinite(self.per_hour).any())
        self._lowest = float(np.minimum(self.per_day, self.per_hour).min())

    def tier_of(self, view: ObservableAccounts, rows: np.ndarray, tick: int) -> np.ndarray:
        """The index of the tier each account of ``rows`` qualifies for at ``tick``."""
        age = (tick - view.created_at[rows]) / HOURS_PER_DAY
        spend = view.served_total[rows] * self.price
        by_age = np.searchsorted(self.min_age_days, age, side="right")
        by_spend = np.searchsorted(self.min_spend_usd, spend, side="right")
        return np.minimum(by_age, by_spend) - 1

    def apply(self, batch: TrafficBatch) -> None:
        v = batch.view
        want = batch.remaining
        demand_today = v.demand_day[batch.rows]  # served today <= requested today
        if demand_today.max(initial=0) + want.max(initial=0) <= self._lowest:  # no account can reach a limit
            return
        served_today = demand_today - v.refused_day[batch.rows]
        near = np.flatnonzero(served_today + want > self._lowest)
        tier = self.tier_of(v, batch.rows[near], batch.clock.tick)
        allowed = want[near]
        if self._hourly:
            allowed = hourly_served(allowed, self.per_hour[tier], batch, self.stream, near)
        allowed = np.minimum(allowed, np.maximum(self.per_day[tier] - served_today[near], 0.0)).astype(want.dtype)
        excess = np.zeros_like(want)
        excess[near] = want[near] - allowed
        if excess.any():
            batch.refuse(self.name, excess, throttle=True)
