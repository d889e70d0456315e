"""The account market: where operators buy identities, and how it answers enforcement.

Suppliers of phone numbers, cards, identity documents and shell organisations
sell at a price and up to a daily capacity. Both respond to enforcement with a
lag (Thomas et al. 2014: the price of phone-verified accounts moved with the
platform's enforcement). Each day ``d``::

    e_d      = accounts of the operators banned on day d / their live accounts   (what suppliers see)
    e_bar_d  = (1 - s) e_bar_(d-1) + s e_(d - lag)                              (smoothed, lagged)
    price_d  = costs.identity[tier] x (1 + price_elasticity x e_bar_d) x LogNormal(0, noise_sd)
    capacity = capacity_per_day[tier] / (1 + capacity_elasticity x e_bar_d)

Stronger gating enters through the base price and capacity of the tier the
provider requires (a document costs more and is scarcer than a phone number);
more bans enter through ``e``. The operator buys at most ``capacity`` a day
(jointly with the gate's own ``supply_per_day``) and only what its remaining
budget pays for (the operator's own check).

Ready-made accounts (``costs.market.ready_accounts``, off by default): the
suppliers also sell accounts already verified at the provider's tier and aged
``age_days``, usable without the gate's lead time, at a price and daily
capacity that answer the same lagged enforcement index::

    ready_price_d    = price_per_account[tier] x (1 + ready.price_elasticity x e_bar_d) x LogNormal(0, ready.price_noise_sd)
    ready_capacity_d = ready.capacity_per_day[tier] / (1 + ready.capacity_elasticity x e_bar_d)

The operator buys them when one costs less than an account of its own at the
tier (``Operator._buy_ready_accounts``). Their price noise has its own stream
(``market/ready_accounts``), so switching them on leaves the identity prices'
draws unchanged.

The suppliers know which accounts are the operators' (they sold them the
identities): the market reads the ``is_attacker`` column of the account table
for ``e``, as an operator reads its own rows.

With ``costs.market.enabled=false`` this object is never built: the operator
buys at the fixed ``costs.identity`` price within ``supply_per_day``, exactly
as before.
"""

from __future__ import annotations

import math
import numpy as np

from .accounts import ACTIVE, BANNED, PENDING, AccountTable
from .calendar import HOURS_PER_DAY, Clock
from .streams import Streams
from ..config import TIERS, CostsConfig, MarketConfig


class AccountMarket:
    """Prices and daily capacities of identities at each tier."""

    def __init__(self, cfg: MarketConfig, costs: CostsConfig, streams: Streams, accounts: AccountTable, clock: Clock) -> None:
        self.cfg = cfg
        self.costs = costs
        self.accounts = accounts
        self.clock = clock
        self.stream = streams.generator("market")
        self.e_history: list[float] = []
        self.e_bar = 0.0
        self.multiplier = 1.0
        self.capacity_factor = 1.0
        self.bought_today = np.zeros(len(TIERS))
        self.spent_today = 0.0
        self.bought_total = np.zeros(len(TIERS))
        # Ready-made verified accounts (None when off: no stream, no columns).
        self.ready = cfg.ready_accounts if cfg.ready_accounts.enabled else None
        self.ready_stream = streams.generator("market/ready_accounts") if self.ready is not None else None
        self.ready_multiplier = 1.0
        self.ready_capacity_factor = 1.0
        self.ready_bought_today = np.zeros(len(TIERS))
        self.ready_spent_today = 0.0
        self.ready_bought_total = np.zeros(len(TIERS))
        self.ready_spent_total = 0.0

    @property
    def sells_accounts(self) -> bool:
        """Ready-made verified accounts are on sale."""
        return self.ready is not None

    @property
    def ready_age_days(self) -> float:
        """Age of the ready-made accounts on sale (days)."""
        return self.ready.age_days

    def start_day(self) -> None:
        """Observe yesterday's bans on the operators' accounts; set today's price and capacity."""
        cfg = self.cfg
        table = self.accounts
        if self.clock.tick > 0:
            t0 = self.clock.tick - HOURS_PER_DAY
            e = 0.0
            rows = np.flatnonzero(table.is_attacker)
            if rows.size:
                st = table.status[rows]
                banned = np.count_nonzero((st == BANNED) & (table.banned_at[rows] >= t0))
                live = np.count_nonzero((st == ACTIVE) | (st == PENDING)) + banned
                e = banned / live if live else 0.0
            self.e_history.append(e)
        lagged = self.e_history[-1 - cfg.lag_days] if len(self.e_history) > cfg.lag_days else 0.0
        self.e_bar = (1.0 - cfg.smoothing) * self.e_bar + cfg.smoothing * lagged
        noise = math.exp(cfg.price_noise_sd * float(self.stream.standard_normal()) - 0.5 * cfg.price_noise_sd**2)
        self.multiplier = (1.0 + cfg.price_elasticity * self.e_bar) * noise
        self.capacity_factor = 1.0 / (1.0 + cfg.capacity_elasticity * self.e_bar)
        self.bought_today[:] = 0.0
        self.spent_today = 0.0
        if self.ready is not None:
            r = self.ready
            noise = math.exp(r.price_noise_sd * float(self.ready_stream.standard_normal()) - 0.5 * r.price_noise_sd**2)
            self.ready_multiplier = (1.0 + r.price_elasticity * self.e_bar) * noise
            self.ready_capacity_factor = 1.0 / (1.0 + r.capacity_elasticity * self.e_bar)
            self.ready_bought_today[:] = 0.0
            self.ready_spent_today = 0.0

    def price(self, tier: int) -> float:
        """Today's price of one identity at ``tier`` (USD)."""
        return getattr(self.costs.identity, TIERS[tier]) * self.multiplier

    def capacity_left(self, tier: int) -> float:
        """Identities at ``tier`` still for sale today."""
        cap = getattr(self.cfg.capacity_per_day, TIERS[tier]) * self.capacity_factor
        return max(cap - self.bought_today[tier], 0.0)

    def record(self, tier: int, n: int, usd: float) -> None:
        self.bought_today[tier] += n
        self.bought_total[tier] += n
        self.spent_today += usd

    def ready_price(self, tier: int) -> float:
        """Today's price of one ready-made account verified at ``tier`` (USD)."""
        return getattr(self.ready.price_per_account, TIERS[tier]) * self.ready_multiplier

    def ready_capacity(self, tier: int) -> float:
        """Ready-made accounts at ``tier`` on sale today, before any is bought."""
        return getattr(self.ready.capacity_per_day, TIERS[tier]) * self.ready_capacity_factor

    def ready_capacity_left(self, tier: int) -> float:
        """Ready-made accounts at ``tier`` still for sale today."""
        return max(self.ready_capacity(tier) - self.ready_bought_today[tier], 0.0)

    def record_ready(self, tier: int, n: int, usd: float) -> None:
        self.ready_bought_today[tier] += n
        self.ready_bought_total[tier] += n
        self.ready_spent_today += usd
        self.ready_spent_total += usd

    def day_record(self, tier: int) -> dict:
        """Daily series columns (only present when the market is on; ready-made
        account columns only when those are on sale)."""
        out = {
            "market_enforcement_index": float(self.e_bar),
            "market_identity_price_usd": float(self.price(tier)),
            "market_identity_capacity": float(getattr(self.cfg.capacity_per_day, TIERS[tier]) * self.capacity_factor),
            "market_identities_bought": float(self.bought_today.sum()),
            "market_identity_spend_usd": float(self.spent_today),
        }
        if self.ready is not None:
            out.update({
                "market_ready_account_price_usd": float(self.ready_price(tier)),
                "market_ready_account_capacity": float(self.ready_capacity(tier)),
                "market_ready_accounts_bought": float(self.ready_bought_today.sum()),
                "market_ready_account_spend_usd": float(self.ready_spent_today),
            })
        return out
