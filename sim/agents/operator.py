"""The attacker: an operator running a distillation campaign through a fleet of accounts.

Each day it observes what it can see about its own accounts (which were
banned, which had requests refused), rotates refused accounts to new exits,
and tops its fleet up to what the remaining target needs::

    daily_need    = (target - harvested) / days_left
    desired_fleet = ceil(daily_need / pace_per_account_day * (1 + spare_fraction))
    new accounts  = max(0, desired_fleet - live accounts)

New accounts come online after the replacement lead time (the first fleet is
spread over ``ramp_days``). Every hour it asks for
``ceil((target - harvested) / hours_left)`` exchanges, at most
``pace * max_pace_multiplier / 24`` per sending account, split evenly over its
sending accounts (an exact integer split, so with every control off the
campaign gets exactly its target).

Spending: an e-mail per account, an identity at the provider's required tier
per ``accounts_per_identity`` accounts, a payment instrument per
``accounts_per_payment`` accounts, proxy traffic per GB by exit type, and the
API price of every served exchange. A budget that runs out ends the campaign.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import mesa
import numpy as np

from ..accounts import ACTIVE, PENDING
from ..calendar import HOURS_PER_DAY
from ..config import EXIT_TYPES, PROXY_TYPES, TIERS, AttackerConfig, CostsConfig, OperatorSpec

if TYPE_CHECKING:
    from ..model import DistillationModel

SPEND_ITEMS: tuple[str, ...] = ("identity", "payment", "email", "proxy", "api")


class Operator(mesa.Agent):
    """One attacking operator: its target, budget, strategy and fleet."""

    def __init__(
        self,
        model: DistillationModel,
        owner: int,
        spec: OperatorSpec,
        strategy: AttackerConfig,
        costs: CostsConfig,
    ) -> None:
        super().__init__(model)
        self.owner = owner
        self.spec = spec
        self.strategy = strategy
        self.costs = costs
        self.stream = model.streams.generator(f"operator/{spec.name}")
        self.target = int(spec.target_exchanges)
        self.rows = np.zeros(0, dtype=np.int64)  # every account it ever opened
        self._live = np.zeros(0, dtype=np.int64)  # active or pending
        self._sending = np.zeros(0, dtype=np.int64)  # active now
        self._pending = np.zeros(0, dtype=np.int64)  # opened, not yet online
        self.harvested = 0
        self.requested = 0
        self.refused = 0
        self.accounts_created = 0
        self.exits_used = 0
        self.spend = dict.fromkeys(SPEND_ITEMS, 0.0)
        self.done_tick: int | None = None  # target reached
        self.budget_exhausted_tick: int | None = None
        self._offset = 0
        mix = spec.capability_mix
        scale = strategy.footprint
        self._traits = {
            "coding_share": mix.get("coding", 0.0) + mix.get("agentic", 0.0),
            "template_reuse": min(1.0, scale * strategy.template_reuse),
            "cot_share": min(1.0, scale * strategy.cot_share),
            "timing_regularity": min(1.0, scale * strategy.timing_regularity),
        }
        pm = strategy.proxy_mix
        self._proxy_probs = np.array([pm.residential_proxy, pm.mobile_proxy, pm.datacenter])
        self._proxy_codes = np.array([EXIT_TYPES.index(t) for t in PROXY_TYPES], dtype=np.int8)
        per_gb = np.zeros(len(EXIT_TYPES))
        for name, price in costs.proxy_per_gb.items():
            per_gb[EXIT_TYPES.index(name)] = price
        self._proxy_cost_per_exchange = per_gb * costs.bytes_per_exchange / 1e9
        self._api_cost_per_exchange = (
            costs.output_tokens_per_exchange * costs.output_price_per_mtok
            + costs.output_tokens_per_exchange * costs.input_output_ratio * costs.input_price_per_mtok
        ) / 1e6
        self._max_per_account_hour = strategy.pace_per_account_day * strategy.max_pace_multiplier / HOURS_PER_DAY

    # ------------------------------------------------------------------ state

    @property
    def active(self) -> bool:
        return self.done_tick is None and self.budget_exhausted_tick is None

    @property
    def remaining(self) -> int:
        return max(self.target - self.harvested, 0)

    @property
    def total_spend(self) -> float:
        return float(sum(self.spend.values()))

    # ------------------------------------------------------------------ daily

    def start_day(self) -> None:
        """Observe own accounts, rotate refused ones, replace and grow the fleet."""
        if not self.active:
            return
        table = self.model.accounts
        status = table.status[self._live]
        self._live = self._live[(status == ACTIVE) | (status == PENDING)]
        if self.strategy.rotate_exit_on_refusal:
            refused = self._live[(table.refused_day[self._live] > 0) & (table.status[self._live] == ACTIVE)]
            if refused.size:
                self._assign_exits(refused)
        clock = self.model.clock
        days_left = max(clock.window_days - clock.day, 1)
        daily_need = self.remaining / days_left
        desired = math.ceil(daily_need / self.strategy.pace_per_account_day * (1.0 + self.strategy.spare_fraction))
        shortfall = desired - self._live.size
        if shortfall > 0:
            self._open_accounts(shortfall)
        live_status = table.status[self._live]
        self._sending = self._live[live_status == ACTIVE]
        self._pending = self._live[live_status == PENDING]

    def _open_accounts(self, count: int) -> None:
        model = self.model
        clock = model.clock
        s = self.strategy
        if clock.tick == 0:
            delay = self.stream.uniform(0.0, s.ramp_days * HOURS_PER_DAY, size=count)
        else:
            delay = np.full(count, s.replacement_lead_days * HOURS_PER_DAY)
        providers = self.stream.choice(len(self.spec.provider_shares), size=count, p=self.spec.provider_shares)
        reg = model.indicators
        rows = model.accounts.add(
            count,
            provider=providers,
            status=PENDING,
            created_at=clock.tick,
            active_from=clock.tick + np.ceil(delay).astype(np.int32),
            payment=reg.blocks("payment", count, s.accounts_per_payment),
            identity=reg.blocks("identity", count, s.accounts_per_identity),
            device=reg.blocks("device", count, s.accounts_per_device),
            template=reg.blocks("template", count, s.accounts_per_template),
            is_attacker=True,
            owner=self.owner,
            weight=1.0,
            **self._traits,
        )
        tiers = np.array([model.providers[p].required_tier for p in range(len(model.providers))])[providers]
        tier_price = np.array([getattr(self.costs.identity, t) for t in TIERS])
        n_ident = -(-count // s.accounts_per_identity)
        n_pay = -(-count // s.accounts_per_payment)
        ident_cost = float(tier_price[tiers].mean()) * n_ident if tiers.max() > 0 else 0.0
        model.accounts.tier[rows] = tiers
        self._charge("email", count * self.costs.identity.email)
        self._charge("identity", ident_cost)
        self._charge("payment", n_pay * self.costs.identity.payment)
        self.rows = np.concatenate([self.rows, rows])
        self._live = np.concatenate([self._live, rows])
        self.accounts_created += count
        self._assign_exits(rows)

    def _assign_exits(self, rows: np.ndarray) -> None:
        """Give accounts new proxy exits (blocks of ``accounts_per_proxy``)."""
        model = self.model
        per = self.strategy.accounts_per_proxy
        n_exits = -(-rows.size // per)
        kinds = self.stream.choice(len(PROXY_TYPES), size=n_exits, p=self._proxy_probs)
        ids = model.indicators.new("network", n_exits)
        codes = self._proxy_codes[kinds]
        consumer = codes != EXIT_TYPES.index("datacenter")
        provider = model.accounts.provider[rows[::per]]
        overlap = consumer & (self.stream.random(n_exits) < model.legit_exit_overlap[provider])
        if overlap.any():
            ids[overlap] = model.legit_exits(provider[overlap], self.stream)
        model.accounts.exit_id[rows] = np.repeat(ids, per)[: rows.size]
        model.accounts.exit_type[rows] = np.repeat(codes, per)[: rows.size]
        self.exits_used += n_exits
        for p in np.unique(model.accounts.provider[rows]):
            model.providers[p].observe_new(rows[model.accounts.provider[rows] == p])

    # ------------------------------------------------------------------ hourly

    def send(self) -> None:
        """Send this hour's share of the remaining campaign."""
        if not self.active:
            return
        model = self.model
        clock = model.clock
        table = model.accounts
        if self._pending.size:
            due = table.active_from[self._pending] <= clock.tick
            if due.any():
                ready = self._pending[due & (table.status[self._pending] == PENDING)]
                table.status[ready] = ACTIVE
                self._sending = np.concatenate([self._sending, ready])
                self._pending = self._pending[~due]
        n = self._sending.size
        if n == 0:
            return
        hours_left = max(clock.window_end_tick - clock.tick, 1)
        goal = -(-self.remaining // hours_left)
        goal = min(goal, int(n * self._max_per_account_hour) or n)
        base, extra = divmod(goal, n)
        rank = (np.arange(n) + self._offset) % n
        self._offset = (self._offset + extra) % n
        demand = base + (rank < extra).astype(np.int64)
        rows = self._sending
        served = 0
        for p in self._providers_of(rows):
            sel = rows if p is None else rows[table.provider[rows] == p]
            d = demand if p is None else demand[table.provider[rows] == p]
            batch = model.providers[0 if p is None else p].serve(sel, d)
            served += int(d.sum() - batch.refused.sum())
            model.ledger.book(attacker=True, batch=batch)
        self.requested += goal
        self.refused += goal - served
        self.harvested += served
        proxy = float(np.dot(demand, self._proxy_cost_per_exchange[table.exit_type[rows]]))
        self._charge("proxy", proxy)
        self._charge("api", served * self._api_cost_per_exchange)
        if self.harvested >= self.target:
            self.done_tick = clock.tick

    def _providers_of(self, rows: np.ndarray) -> list[int | None]:
        """Providers among ``rows``; ``[None]`` means "all on one provider" (fast path)."""
        shares = self.spec.provider_shares
        used = [i for i, s in enumerate(shares) if s > 0]
        if len(used) == 1:
            return [None] if used[0] == 0 else [used[0]]
        return used

    def _charge(self, item: str, usd: float) -> None:
        self.spend[item] += usd
        if self.total_spend >= self.spec.budget_usd and self.budget_exhausted_tick is None:
            self.budget_exhausted_tick = self.model.clock.tick
