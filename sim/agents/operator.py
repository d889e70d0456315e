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

A day at a time (``run.attacker_resolution=day``), the day's requests are
planned at its first tick by the same hourly rule, as if every request were
served (the fleet growing at the hours pending accounts come online), and sent
in one batch per provider with each account's requests by hour, which the
hourly caps read; with nothing refused that is the hourly path's traffic,
account by account. Hour by hour a request refused at hour ``h`` stays in
the remaining target, so each later hour asks ``1/hours_left`` of it again:
those re-asks go in a second batch, with each account's refusals dated as its
last requests of the day (exact for a block and a daily limit) and the
re-asks refused at their hour's rate (an estimate: the equivalence is in
distribution, not exact). The hourly caps and aggregate reporting's silent
throttle see the second batch's hours apart from the first's. Days on which a
re-plan within the day, or the budget, matters run hour by hour
(:meth:`Operator.send`).

Spending: an e-mail per account, an identity at the provider's required tier
per ``accounts_per_identity`` accounts (bought within the day's black-market
supply; it buys enough for the share that ends with an account opened), a
payment instrument per ``accounts_per_payment`` accounts, proxy traffic per GB
by exit type, and the API price of every served exchange. It never spends past
its budget: every purchase and every hour's requests are cut to what is left,
and once it cannot pay for one more request its campaign ends.

Budget pacing (``attacker.budget_pacing="window"``): each day it plans the rest
of the campaign within what is left of its budget, from what it observes (its
spend, its accounts lost so far, yesterday's cost per harvested exchange, the
days left ``D``). The daily harvest rate ``r`` it can afford satisfies::

    new(r) x c_acc + r x (D x c_ex + (D - L) x beta x k x c_acc) <= budget - spent
    k = (1 - route_share) x (1 + spare_fraction) / pace     accounts per exchange-day
    new(r) = max(0, k x r - live accounts)

with ``c_acc`` the price of a new account at the providers' tiers,
``c_ex`` the traffic cost per harvested exchange, ``beta`` the share of its
live accounts it has lost per day so far (replacements) and ``L`` the days from
opening an account to its first request (no account opened later than ``L``
days before the deadline can send: then it plans, and keeps, its live fleet
only). When that rate is below ``daily_need`` it sizes the fleet for ``r``
instead and caps each hour's
requests at ``(r - harvested today) / hours left today``, so a budget that
binds lasts to the deadline and an up-front cost (accounts, documents) is
bought only as far as the traffic it enables is affordable. With ``"none"`` it
spends as the target asks until the budget runs out.

With ready-made verified accounts on the market (off by
default) it buys those first while one costs less than building its own; when
a provider asks one of its flagged accounts to re-verify, it buys a fake
document for it out of what is left of the day's supply and shows it (or
nothing) (``present_documents``).

What it knows of a provider is what an applicant knows, the provider's
:class:`~sim.controls.identity_gating.SignUpTerms`; the provider's gate
applies its own checks to what the operator presents.

Responses (``attacker.responses``), each from what it observes of its own
accounts only:

- ``pace_under_cap``: accounts that were throttled reveal the cap; the pace
  becomes ``cap_safety x`` the most one throttled account got through in a
  day (and creeps back up by the factor ``pace_recovery`` a day while nothing
  is throttled), and the fleet grows to carry the same demand;
- ``compartmentalise``: after bans on two providers on the same day, or
  throttling on ``compartmentalise_after_days`` days running, new accounts
  share no indicator;
- ``spread_providers``: a provider where more than ``spread_trigger`` of its
  accounts were banned or throttled yesterday loses ``spread_shift`` of its
  share of new accounts to the others. With ``spread_on_signups`` its sign-ups
  there count too: provider ``p`` is also under pressure when, of yesterday's
  openings it wanted there (``w_p``, of which ``o_p`` opened, for ``s_p`` USD
  of identities and ready-made accounts)::

      (w_p - o_p) / w_p > signup_failure_trigger      or      s_p / o_p > signup_cost_trigger_usd

  (``s_p > 0`` with ``o_p = 0`` is an infinite price). Both are what it paid
  and what it got, never the provider's settings;
- ``expand_fleet``: off = a fixed fleet, only banned accounts are replaced.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

import mesa
import numpy as np

from ..world.accounts import ACTIVE, BANNED, PENDING, AccountTable
from ..world.calendar import HOURS_PER_DAY
from ..config import EXIT_TYPES, PROXY_TYPES, TIERS, AttackerConfig, CostsConfig, OperatorSpec, price_per_exchange
from ..controls.identity_gating import DOCUMENT, EMAIL, Credential, SignUpTerms
from .day_plan import DayPlan, HourlySplit
from .traits import beta_trait

if TYPE_CHECKING:
    from .world import ProviderDesk, ResellerDesk, World

# ready_account last: a zero item added at the end of the sum leaves every total bit-identical.
SPEND_ITEMS: tuple[str, ...] = ("identity", "payment", "email", "proxy", "api", "reseller", "ready_account")
# Numerical floors, not behaviour: the pace (exchanges per account-day) never reaches 0,
# so the fleet it sizes stays finite; shares are floored before dividing by them.
MIN_PACE = 1.0 / HOURS_PER_DAY
MIN_SHARE = 1e-9
MIN_PASS_SHARE = 1e-3


class Operator(mesa.Agent):
    """One attacking operator: its target, budget, strategy and fleet.

    ``by_day`` (``run.attacker_resolution == "day"``): it plans and sends a
    day's requests at the day's first tick where hour-by-hour sending would
    not re-plan them within the day on its own account (see :meth:`send`).
    """

    def __init__(
        self,
        world: World,
        owner: int,
        spec: OperatorSpec,
        strategy: AttackerConfig,
        costs: CostsConfig,
        *,
        by_day: bool = False,
    ) -> None:
        super().__init__(world)
        self.world = world
        self.owner = owner
        self.spec = spec
        self.strategy = strategy
        self.costs = costs
        self.by_day = by_day
        self._hourly_today = True  # with by_day: today runs hour by hour (decided at the day's first tick)
        self.stream = world.streams.generator(f"operator/{spec.name}")
        self.target = int(spec.target_exchanges)
        self.budget = spec.budget_usd  # sanctions may cut it
        self.rows = np.zeros(0, dtype=np.int64)  # every account it ever opened
        self._live = np.zeros(0, dtype=np.int64)  # active or pending
        self._sending = np.zeros(0, dtype=np.int64)  # active now
        self._sending_proxy_cost = np.zeros(0)
        self._pending = np.zeros(0, dtype=np.int64)  # opened, not yet online
        self.harvested = 0
        self.requested = 0
        self.refused = 0
        self.accounts_created = 0
        self.exits_used = 0
        self.spend = dict.fromkeys(SPEND_ITEMS, 0.0)
        self.done_tick: int | None = None  # target reached
        self.budget_exhausted_tick: int | None = None
        self.identities_bought = 0
        self.openings_denied = 0  # account openings it wanted but could not make for want of identities (summed over days)
        self.compartmentalised = False
        self.shares = np.array(spec.provider_shares, dtype=float)
        self._offset = 0
        self._initial_fleet: int | None = None
        self._bought_today = [0] * len(TIERS)  # identities bought today, per tier
        self._throttled_days = 0
        self.ready_accounts_bought = 0  # ready-made verified accounts bought on the market
        self.reverify_documents_bought = 0  # documents bought to re-verify flagged accounts
        self.identities_refused_by_ownership_screen = 0
        self._providers_used: set[int] = set()
        # Yesterday's sign-ups by provider: openings wanted, opened, identity spend (USD) (spread_on_signups).
        self._signups = np.zeros((3, len(spec.provider_shares)))
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
        self._api_cost_per_exchange = price_per_exchange(costs)
        self._set_pace(strategy.pace_per_account_day)
        # Routing through resellers (only when the scenario has them).
        self.route_share = strategy.resellers.base_share
        self.routed_requested = 0
        self.routed_served = 0
        self._route_day = [0, 0]  # routed requested, served since the day started
        self._own_day = [0.0, 0]  # own-account spend, own served at the day's start
        # Budget pacing. Before it has seen a harvest it expects list prices at its planned proxy mix.
        self._cost_per_exchange = self._api_cost_per_exchange + float(
            self._proxy_probs @ self._proxy_cost_per_exchange[self._proxy_codes])
        self._traffic_day = [0.0, 0]  # traffic spend and harvest at the day's start
        self._live_days = 0  # account-days of live accounts, summed at each day's start
        self._plan_rate: float | None = None  # today's affordable harvest, when the budget binds
        self._harvest_at_day_start = 0
        self._max_request_cost = 0.0  # the dearest request of the sending fleet (proxy + API)

    @property
    def traits(self) -> dict[str, float]:
        """Mean traffic traits of the campaign's requests (what its traffic looks like)."""
        return dict(self._traits)

    @property
    def _resellers(self) -> Sequence[ResellerDesk]:
        return self.world.resellers

    # ------------------------------------------------------------------ state

    def _set_pace(self, pace: float) -> None:
        self.pace = max(pace, MIN_PACE)
        self._max_per_account_hour = self.pace * self.strategy.max_pace_multiplier / HOURS_PER_DAY

    @property
    def active(self) -> bool:
        return self.done_tick is None and self.budget_exhausted_tick is None

    @property
    def remaining(self) -> int:
        return max(self.target - self.harvested, 0)

    def cut_budget(self, share: float) -> None:
        """A designation in force: lose ``share`` of the budget not yet spent."""
        self.budget = self.total_spend + (self.budget - self.total_spend) * (1.0 - share)

    @property
    def total_spend(self) -> float:
        return float(sum(self.spend.values()))

    # ------------------------------------------------------------------ daily

    def start_day(self) -> None:
        """Observe own accounts, react, then replace and grow the fleet."""
        if not self.active:
            return
        table = self.world.accounts
        self._bought_today = [0] * len(TIERS)
        self._react(table)
        self._signups[:] = 0.0
        status = table.status[self._live]
        self._live = self._live[(status == ACTIVE) | (status == PENDING)]
        self._observe_spend()
        r = self.strategy.responses
        if r.rotate_exit_on_refusal:
            blocked = (table.refused_day[self._live] > table.throttled_day[self._live]) & (table.status[self._live] == ACTIVE)
            if blocked.any():
                self._assign_exits(self._live[blocked])
        clock = self.world.clock
        days_left = max(clock.window_days - clock.day, 1)
        daily_need = self.remaining / days_left
        if self._resellers:
            self._update_route_share(table)
        self._plan_rate = None
        if self.strategy.budget_pacing == "window":
            rate = self._affordable_rate(days_left)
            if rate < daily_need:
                self._plan_rate = daily_need = rate
        if self._resellers:
            daily_need = daily_need * (1.0 - self.route_share)
        desired = math.ceil(daily_need / self.pace * (1.0 + self.strategy.spare_fraction))
        if self._initial_fleet is None:
            self._initial_fleet = desired
        if not r.expand_fleet:
            desired = self._initial_fleet
        if self._plan_rate is not None and self._too_late_to_open(days_left):
            desired = 0  # on a budget, no account that cannot send before the deadline
        shortfall = desired - self._live.size
        if shortfall > 0:
            self._open_accounts(shortfall)
        live_status = table.status[self._live]
        self._set_sending(self._live[live_status == ACTIVE])
        self._pending = self._live[live_status == PENDING]

    def _set_sending(self, rows: np.ndarray) -> None:
        """The accounts sending now, and their proxy price per request (exits change only at day start)."""
        self._sending = rows
        self._sending_proxy_cost = self._proxy_cost_per_exchange[self.world.accounts.exit_type[rows]]
        proxy = float(self._sending_proxy_cost.max()) if rows.size else 0.0
        self._max_request_cost = proxy + self._api_cost_per_exchange

    # ------------------------------------------------------------------ budget

    @property
    def budget_left(self) -> float:
        return self.budget - self.total_spend

    def _observe_spend(self) -> None:
        """At the day's start: yesterday's traffic cost per harvested exchange, and the account-days lived so far.

        Traffic is what it pays per request (proxies, the API, resellers); a day
        with no harvest keeps the last estimate (before the first, list prices at
        the planned proxy mix). Pending and active accounts count as live.
        """
        traffic = self.spend["proxy"] + self.spend["api"] + self.spend["reseller"]
        spent, got = traffic - self._traffic_day[0], self.harvested - self._traffic_day[1]
        if got > 0:
            self._cost_per_exchange = spent / got
        self._traffic_day = [traffic, self.harvested]
        self._harvest_at_day_start = self.harvested
        self._live_days += self._live.size

    def _affordable_rate(self, days_left: int) -> float:
        """The daily harvest it can keep up to the deadline on what is left of its budget.

        Solves ``new(r) c_acc + r (D c_ex + (D - L) beta k c_acc) = left`` for ``r``
        (module docstring): the live fleet carries ``live / k`` a day at no opening
        cost; beyond that every unit of rate needs ``k`` new accounts. Within the
        lead time ``L`` of the deadline no account opened can send, so it plans
        its live fleet's traffic only.
        """
        left = max(self.budget_left, 0.0)
        if not math.isfinite(left):
            return math.inf
        if self._too_late_to_open(days_left):
            return left / (days_left * self._cost_per_exchange)  # the live fleet's traffic is all it can buy
        c_acc = self._account_price()
        k = (1.0 - self.route_share) * (1.0 + self.strategy.spare_fraction) / self.pace
        lost = self.accounts_created - self._live.size
        beta = lost / self._live_days if self._live_days else 0.0
        useful = days_left - self._open_lead_days()  # days on which a replacement opened now still helps
        per_rate = days_left * self._cost_per_exchange + useful * beta * k * c_acc
        live = self._live.size
        rate = left / per_rate
        if k * rate > live:
            rate = (left + live * c_acc) / (k * c_acc + per_rate)
        return rate

    def _open_lead_days(self) -> float:
        """Days from opening an account to its first request, on the quickest provider it uses."""
        gate = min(self.world.providers[p].sign_up_terms.lead_days for p in np.flatnonzero(self.shares))
        return self.strategy.replacement_lead_days + gate

    def _too_late_to_open(self, days_left: int) -> bool:
        """Whether an account opened today would come online only after the deadline."""
        return self._open_lead_days() >= days_left

    def _account_price(self) -> float:
        """What a new account costs it, share-weighted over its providers: the identities it must buy for it
        (at the tier, today's price, over the share that opens an account), its card share and its e-mail."""
        shares = self.shares / self.shares.sum()
        per_pay = 1 if self.compartmentalised else self.strategy.accounts_per_payment
        total = 0.0
        for p in np.flatnonzero(shares):
            terms = self.world.providers[p].sign_up_terms
            identity = self._identity_price(terms.tier) / max(terms.open_share * self._per_identity(terms), MIN_SHARE)
            total += shares[p] * (identity + self.costs.identity.payment / per_pay + self.costs.identity.email)
        return total

    def _identity_price(self, tier: int) -> float:
        """Today's price of one identity at ``tier`` (the e-mail tier needs none)."""
        if tier == EMAIL:
            return 0.0
        market = self.world.market
        return market.price(tier) if market is not None else getattr(self.costs.identity, TIERS[tier])

    def _per_identity(self, terms: SignUpTerms) -> int:
        """Accounts it opens per identity on a provider with these terms."""
        return min(1 if self.compartmentalised else self.strategy.accounts_per_identity, terms.max_accounts_per_identity)

    def _affordable(self, price: float, reserve: float = 0.0) -> float:
        """How many items at ``price`` what is left of the budget pays for, keeping ``reserve`` aside."""
        left = self.budget_left - reserve
        if price <= 0 or not math.isfinite(left):
            return math.inf
        return max(math.floor(left / price), 0)

    def _hour_goal(self, goal: int) -> int | None:
        """This hour's requests (own and routed) within today's plan and the budget; None once it cannot pay for one.

        The bound on spend takes every request at the dearest exit of the fleet
        and every routed one at the dearest reseller, all served.
        """
        if self._plan_rate is not None:
            clock = self.world.clock
            todo = max(math.ceil(self._plan_rate) - (self.harvested - self._harvest_at_day_start), 0)
            goal = min(goal, -(-todo // (HOURS_PER_DAY - clock.hour)))
        cost = self._max_request_cost
        if self._resellers:
            cost = max(cost, max(r.price_markup for r in self._resellers) * self._api_cost_per_exchange)
        afford = self._affordable(max(cost, self._api_cost_per_exchange))
        if afford <= 0:
            self.budget_exhausted_tick = self.world.clock.tick
            return None
        return min(goal, afford)

    def _react(self, table: AccountTable) -> None:
        """Learn from yesterday's throttles and bans on its own accounts."""
        if self.world.clock.tick == 0 or self.rows.size == 0:
            return
        r = self.strategy.responses
        day_start = self.world.clock.tick - HOURS_PER_DAY
        mine = self.rows
        banned_yday = mine[(table.status[mine] == BANNED) & (table.banned_at[mine] >= day_start)]
        throttled = self._live[table.throttled_day[self._live] > 0]
        if r.pace_under_cap:
            if throttled.size:
                got = table.demand_day[throttled] - table.refused_day[throttled]
                self._set_pace(min(self.strategy.pace_per_account_day, r.cap_safety * max(float(got.max()), 1.0)))
            elif self.pace < self.strategy.pace_per_account_day:
                self._set_pace(min(self.strategy.pace_per_account_day, self.pace * r.pace_recovery))
        self._throttled_days = self._throttled_days + 1 if throttled.size else 0
        if r.compartmentalise and not self.compartmentalised:
            cross_provider = np.unique(table.provider[banned_yday]).size >= 2
            self.compartmentalised = cross_provider or self._throttled_days >= r.compartmentalise_after_days
        if r.spread_providers and self.shares.size > 1:
            n = self.shares.size
            live = np.bincount(table.provider[self._live], minlength=n).astype(float)
            hit = np.bincount(table.provider[banned_yday], minlength=n) + np.bincount(table.provider[throttled], minlength=n)
            pressure = hit / np.maximum(live + np.bincount(table.provider[banned_yday], minlength=n), 1.0)
            hot = pressure > r.spread_trigger
            if r.spread_on_signups:
                wanted, opened, spent = self._signups
                failed = (wanted - opened) / np.maximum(wanted, 1.0)
                price = np.where(opened > 0, spent / np.maximum(opened, 1.0), np.where(spent > 0, np.inf, 0.0))
                hot |= (failed > r.signup_failure_trigger) | (price > r.signup_cost_trigger_usd)
            if hot.any() and not hot.all():
                moved = self.shares[hot] * r.spread_shift
                self.shares[hot] -= moved
                self.shares[~hot] += moved.sum() / (~hot).sum()

    def _update_route_share(self, table: AccountTable) -> None:
        """Strategy switch: route more through resellers when own accounts look expensive.

        Pressure = max(yesterday's ban rate / ban_rate_trigger, own cost per own
        served exchange / effective reseller cost per served exchange). Under
        pressure (>= 1) the share moves ``switch_speed`` of the way to
        ``max_share``; otherwise back towards ``base_share``; and towards 0
        when the resellers served less than ``min_pass_share`` of what it
        routed yesterday.
        """
        routing = self.strategy.resellers
        if self.world.clock.tick > 0:
            day_start = self.world.clock.tick - HOURS_PER_DAY
            mine = self.rows
            banned = np.count_nonzero((table.status[mine] == BANNED) & (table.banned_at[mine] >= day_start))
            live = np.count_nonzero((table.status[mine] == ACTIVE) | (table.status[mine] == PENDING)) + banned
            ban_rate = banned / live if live else 0.0
            own_spend = self.total_spend - self.spend["reseller"]
            own_served = self.harvested - self.routed_served
            d_spend, d_served = own_spend - self._own_day[0], own_served - self._own_day[1]
            own_cost = d_spend / d_served if d_served > 0 else math.inf
            req, got = self._route_day
            pass_share = got / req if req else 1.0
            reseller_cost = self._reseller_price / max(pass_share, MIN_PASS_SHARE)
            pressure = max(ban_rate / routing.ban_rate_trigger, own_cost / reseller_cost if d_spend > 0 else 0.0)
            if pass_share < routing.min_pass_share:
                target = 0.0  # the resellers refuse most of what it sends (e.g. reseller KYC): leave
            else:
                target = routing.max_share if pressure >= 1.0 else routing.base_share
            self.route_share += routing.switch_speed * (target - self.route_share)
            self._own_day = [own_spend, own_served]
        self._route_day = [0, 0]

    @property
    def _reseller_price(self) -> float:
        """The cheapest reseller's price per served exchange (USD)."""
        return min(r.price_markup for r in self._resellers) * self._api_cost_per_exchange

    def credit_routed(self, requested: int, served: int, markup: float) -> None:
        """A reseller carried ``requested`` of this operator's exchanges and served ``served``."""
        self.requested += requested
        self.refused += requested - served
        self.harvested += served
        self.routed_requested += requested
        self.routed_served += served
        self._route_day[0] += requested
        self._route_day[1] += served
        self._charge("reseller", served * markup * self._api_cost_per_exchange)
        if self.harvested >= self.target and self.done_tick is None:
            self.done_tick = self.world.clock.tick

    def _route(self, goal: int) -> int:
        """Send ``route_share`` of this hour's goal through resellers; return how much went."""
        routed = int(round(goal * self.route_share))
        sent = 0
        takers = [r for r in self._resellers if r.can_accept()]
        if routed <= 0 or not takers:
            return 0
        base, extra = divmod(routed, len(takers))
        for i, r in enumerate(takers):
            n = base + (1 if i < extra else 0)
            if n and r.accept(self, n):
                sent += n
        return sent

    def _open_accounts(self, count: int) -> None:
        """Open up to ``count`` accounts, spread over providers by the current shares.

        One operator's infrastructure serves all its providers: payment
        instruments, prompt templates and proxy exits are handed out in blocks
        over the whole batch, in a random provider order, so a block can
        straddle providers (what cross-provider sharing matches on).
        Identities, organisations and devices are verified or registered per
        provider.
        """
        fees = self.costs.identity.email + self.costs.identity.payment
        count = int(min(count, self._affordable(fees)))  # at worst a card of its own each
        if count <= 0:
            return
        if self.shares.size == 1 or np.count_nonzero(self.shares) == 1:
            self._assign_exits(self._open_on(int(np.argmax(self.shares)), count))
            return
        providers = self.stream.choice(self.shares.size, size=count, p=self.shares / self.shares.sum())
        per_pay = 1 if self.compartmentalised else self.strategy.accounts_per_payment
        handed = self._pipeline_blocks(count, per_pay)
        cards = (-(-count // per_pay) + self.shares.size) * self.costs.identity.payment  # paid once all are open
        opened = np.full(count, -1, dtype=np.int64)
        for p in range(self.shares.size):
            at = np.flatnonzero(providers == p)
            if at.size:
                rows = self._open_on(p, at.size, {kind: ids[at] for kind, ids in handed.items()}, cards)
                opened[at[: rows.size]] = rows
        kept = opened >= 0
        self._charge("payment", np.unique(handed["payment"][kept]).size * self.costs.identity.payment)
        self._assign_exits(opened[kept])

    def _pipeline_blocks(self, count: int, per_pay: int) -> dict[str, np.ndarray]:
        """Payment and prompt-template ids for ``count`` new accounts, in blocks of
        ``per_pay`` and ``accounts_per_template`` (the operator's shared pipeline)."""
        reg = self.world.indicators
        return {"payment": reg.blocks("payment", count, per_pay), "template": reg.blocks("template", count, self.strategy.accounts_per_template)}

    def _open_on(self, provider: int, count: int, handed: dict[str, np.ndarray] | None = None,
                 cards: float | None = None) -> np.ndarray:
        """Buy identities at ``provider``'s tier and open accounts there; the new rows.

        With ready-made accounts on the market (``costs.market.ready_accounts``),
        first buys those while one costs less than building an account of its own
        at the tier (identity price / (share of bought identities that open an
        account x accounts per identity) + e-mail) and the budget allows.
        ``handed``: the accounts' payment and template ids when the caller hands
        them out (and pays for the cards, ``cards`` USD at most, kept aside here);
        otherwise fresh blocks, cards paid here. Identities and ready-made
        accounts are bought only with what the e-mails and cards of ``count``
        accounts leave of the budget.
        """
        world = self.world
        desk = world.providers[provider]
        terms = desk.sign_up_terms
        per_ident = self._per_identity(terms)
        wanted, paid = count, self.spend["identity"] + self.spend["ready_account"]
        opened = self._verify_and_open(provider, desk, terms, per_ident, count, handed, cards)
        self._signups[:, provider] += (wanted, opened.size, self.spend["identity"] + self.spend["ready_account"] - paid)
        return opened

    def _verify_and_open(self, provider: int, desk: ProviderDesk, terms: SignUpTerms, per_ident: int, count: int,
                         handed: dict[str, np.ndarray] | None, cards: float | None) -> np.ndarray:
        """:meth:`_open_on`'s purchases and openings on one provider; the new rows."""
        world = self.world
        if cards is None:
            per_pay = 1 if self.compartmentalised else self.strategy.accounts_per_payment
            cards = (-(-count // per_pay) + 1) * self.costs.identity.payment  # ready and own accounts' blocks
        reserve = cards + count * self.costs.identity.email
        ready = np.zeros(0, dtype=np.int64)
        if world.market is not None and world.market.sells_accounts:
            n_ready = self._buy_ready_accounts(terms, count, per_ident, reserve)
            if n_ready:
                ready = self._add_accounts(provider, n_ready, None if handed is None else {k: v[:n_ready] for k, v in handed.items()},
                                           per_ident=1, ready=True)
                count -= n_ready
                handed = None if handed is None else {k: v[n_ready:] for k, v in handed.items()}
        identities = -(-count // per_ident)
        attempts = self._buy_identities(terms, terms.tier, math.ceil(identities / max(terms.open_share, MIN_SHARE)), reserve)
        passed = desk.verify_identities(attempts, Credential.FAKE)
        screened = desk.screen_ownership(passed, shell=True)
        self.identities_refused_by_ownership_screen += passed - screened
        n_open = min(count, screened * per_ident)
        self.openings_denied += count - n_open
        if n_open <= 0:
            return ready
        own = self._add_accounts(provider, n_open, handed, per_ident=per_ident, ready=False)
        return own if ready.size == 0 else np.concatenate([ready, own])

    def _buy_identities(self, terms: SignUpTerms, tier: int, wanted: int, reserve: float = 0.0) -> int:
        """Buy up to ``wanted`` identities at ``tier`` within today's supply, the market and the budget
        (less ``reserve``, kept for what the accounts will cost besides)."""
        attempts = min(wanted, max(terms.identities_per_day[tier] - self._bought_today[tier], 0))
        market = self.world.market
        price = self._identity_price(tier)
        if market is not None and tier != EMAIL:
            attempts = min(attempts, market.capacity_left(tier))
        attempts = int(min(attempts, self._affordable(price, reserve)))
        self._bought_today[tier] += attempts
        self.identities_bought += attempts
        if market is not None and tier != EMAIL:
            market.record(tier, attempts, attempts * price)
        if tier != EMAIL:
            self._charge("identity", attempts * price)
        return attempts

    def _buy_ready_accounts(self, terms: SignUpTerms, count: int, per_ident: int, reserve: float) -> int:
        """Ready-made verified accounts bought today, when one is cheaper than building one
        (with the budget less ``reserve``)."""
        market = self.world.market
        tier = terms.tier
        price = market.ready_price(tier)
        identity = market.price(tier) if tier != EMAIL else 0.0
        own = identity / max(terms.open_share * per_ident, MIN_SHARE) + self.costs.identity.email
        if count <= 0 or price >= own:
            return 0
        n = int(min(count, market.ready_capacity_left(tier), self._affordable(price, reserve)))
        if n <= 0:
            return 0
        market.record_ready(tier, n, n * price)
        self._charge("ready_account", n * price)
        self.ready_accounts_bought += n
        return n

    def _add_accounts(self, provider: int, n_open: int, handed: dict[str, np.ndarray] | None, per_ident: int, ready: bool) -> np.ndarray:
        """Put ``n_open`` new accounts in the table (pending until their lead time has passed).

        ``ready``: bought ready-made, already verified at the tier and aged
        (``costs.market.ready_accounts.age_days``): no verification lead time, no
        e-mail to buy, an identity and an organisation of their own each.
        """
        world = self.world
        clock = world.clock
        s = self.strategy
        terms = world.providers[provider].sign_up_terms
        split = 1 if self.compartmentalised else None
        if clock.tick == 0:
            delay = self.stream.uniform(0.0, s.ramp_days * HOURS_PER_DAY, size=n_open)
        else:
            delay = np.full(n_open, s.replacement_lead_days * HOURS_PER_DAY)
        created: int | np.ndarray = clock.tick
        if ready:
            created = clock.tick - math.ceil(world.market.ready_age_days * HOURS_PER_DAY)
        else:
            delay = delay + terms.lead_days * HOURS_PER_DAY
        reg = world.indicators
        per_pay = split or s.accounts_per_payment
        if handed is None:
            handed = self._pipeline_blocks(n_open, per_pay)
            self._charge("payment", -(-n_open // per_pay) * self.costs.identity.payment)
        k = s.trait_concentration
        rows = world.accounts.add(
            n_open,
            provider=provider,
            status=PENDING,
            tier=terms.tier,
            created_at=created,
            active_from=clock.tick + np.ceil(delay).astype(np.int32),
            payment=handed["payment"][:n_open],
            identity=reg.blocks("identity", n_open, per_ident),
            organisation=reg.blocks("organisation", n_open, 1 if ready else split or s.accounts_per_organisation),
            device=reg.blocks("device", n_open, split or s.accounts_per_device),
            template=handed["template"][:n_open],
            is_attacker=True,
            owner=self.owner,
            weight=1.0,
            **{name: beta_trait(self.stream, mean, n_open, k) for name, mean in self._traits.items()},
        )
        if not ready:
            self._charge("email", n_open * self.costs.identity.email)
        self.rows = np.concatenate([self.rows, rows])
        self._live = np.concatenate([self._live, rows])
        self.accounts_created += n_open
        self._providers_used.add(provider)
        return rows

    def present_documents(self, rows: np.ndarray) -> np.ndarray:
        """Its accounts ``rows`` (on one provider) are asked to re-verify at the document tier.

        Buys a fake document for as many as today's supply, the market and the
        budget allow (none once the campaign is over) and shows it; the other
        accounts show nothing. Returns each row's :class:`Credential`.
        """
        held = np.full(rows.size, Credential.NONE, dtype=np.int8)
        if not self.active or rows.size == 0:
            return held
        terms = self.world.providers[int(self.world.accounts.provider[rows[0]])].sign_up_terms
        bought = self._buy_identities(terms, DOCUMENT, rows.size)
        self.reverify_documents_bought += bought
        held[:bought] = Credential.FAKE
        return held

    def _assign_exits(self, rows: np.ndarray) -> None:
        """Give accounts new proxy exits (blocks of ``accounts_per_proxy``)."""
        if rows.size == 0:
            return
        world = self.world
        table = world.accounts
        per = 1 if self.compartmentalised else self.strategy.accounts_per_proxy
        n_exits = -(-rows.size // per)
        kinds = self.stream.choice(len(PROXY_TYPES), size=n_exits, p=self._proxy_probs)
        ids = world.indicators.new("network", n_exits)
        codes = self._proxy_codes[kinds]
        consumer = codes != EXIT_TYPES.index("datacenter")
        provider = table.provider[rows[::per]]
        overlap = consumer & (self.stream.random(n_exits) < world.legit_exit_overlap[provider])
        if overlap.any():
            ids[overlap] = world.legit_exits(provider[overlap], self.stream)
        table.exit_id[rows] = np.repeat(ids, per)[: rows.size]
        table.exit_type[rows] = np.repeat(codes, per)[: rows.size]
        self.exits_used += n_exits
        for p in np.unique(table.provider[rows]):
            world.providers[p].observe_new(rows[table.provider[rows] == p])

    # ------------------------------------------------------------------ hourly

    def send(self) -> None:
        """Send this hour's share of the remaining campaign, or (``by_day``) the whole day's at its first hour.

        A day is planned at once only where what is refused within it would not
        re-plan the rest of it much: before the window's last day (from then on
        a refused request is asked again within the hours left, not on a later
        day), on a day whose plan is not capped by the budget (budget pacing
        re-plans against today's harvest) and whose dearest requests the budget
        left covers (so no hour's requests are cut to the budget).
        """
        if not self.active:
            return
        if self.by_day:
            clock = self.world.clock
            if clock.is_day_start:
                plan = self._plan_day() if self._may_plan_day() else None
                self._hourly_today = plan is None
                if plan is not None:
                    self._send_day(plan)
            if not self._hourly_today:
                return
        self._send_hour()

    def _may_plan_day(self) -> bool:
        """Before the window's last day, on a day whose plan the budget pacing does not cap."""
        clock = self.world.clock
        return clock.day < clock.window_days - 1 and self._plan_rate is None

    def _plan_day(self) -> DayPlan | None:
        """Today's requests as hour-by-hour sending would make them if every request were served; None when
        the budget left might not pay for them (and their re-asks) at the dearest request of today's fleet.

        Each hour's goal, fleet (accounts coming online at their hour, appended
        in order) and even split are those of :meth:`_send_hour`: one scalar
        step per hour, then array operations over the accounts
        (:mod:`.day_plan`).
        """
        clock = self.world.clock
        table = self.world.accounts
        pending = self._pending
        # The hour of today each pending account comes online (24: not today); one banned while pending never does.
        due = np.clip(table.active_from[pending] - clock.tick, 0, HOURS_PER_DAY).astype(np.int64)
        joining = np.flatnonzero((table.status[pending] == PENDING) & (due < HOURS_PER_DAY))
        joining = joining[np.argsort(due[joining], kind="stable")]
        fleet = self._sending.size + np.cumsum(np.bincount(due[joining], minlength=HOURS_PER_DAY))[:HOURS_PER_DAY]
        goals = np.zeros(HOURS_PER_DAY, dtype=np.int64)
        remaining, last, done = self.remaining, HOURS_PER_DAY - 1, None
        for h in range(HOURS_PER_DAY):
            goals[h] = self._goal_at(h, remaining, int(fleet[h]))
            remaining -= int(goals[h])
            if remaining <= 0:
                last = done = h
                break
        fleet[last + 1:] = 0
        rows = np.concatenate([self._sending, pending[joining[: fleet[last] - self._sending.size]]])
        proxy = self._proxy_cost_per_exchange[table.exit_type[rows]]
        dearest = float(proxy.max(initial=0.0)) + self._api_cost_per_exchange
        # What is refused is asked again (:meth:`_reasked`): less than the day's requests again plus one an hour
        # (the day path runs with at least two days left, so 24 / (hours left - 23) < 1).
        if self.budget_left < (2 * int(goals.sum()) + HOURS_PER_DAY + 1) * dearest:
            return None
        return DayPlan(rows, goals, HourlySplit.of(goals, fleet, self._offset), proxy, done, pending[due > last])

    def _goal_at(self, h: int, remaining: int, n: int) -> int:
        """The requests of hour ``h`` of today with ``remaining`` still to harvest and ``n`` accounts online
        (:meth:`_send_hour`'s rule, the budget aside); 0 with no account online."""
        if n == 0:
            return 0
        clock = self.world.clock
        goal = -(-remaining // max(clock.window_end_tick - clock.tick - h, 1))
        return max(min(goal, int(n * self._max_per_account_hour) or n), 0)

    def _reasked(self, plan: DayPlan, refused: np.ndarray, remaining: int) -> np.ndarray:
        """The requests hour-by-hour sending would have added in each hour for what was refused earlier today.

        Hour by hour, a refused request stays in the remaining target, so each
        later hour's goal ``ceil(remaining / hours_left)`` is re-made on what was
        served. The refused requests are taken as each account's last of the
        day (what a daily limit refuses; a block refuses them all), and those
        re-asked are refused at their hour's rate. ``remaining``: the target
        left at the day's start.
        """
        hit = np.flatnonzero(refused)
        hours = plan.split.matrix(hit)
        kept = np.minimum(np.cumsum(hours, axis=1), (hours.sum(axis=1) - refused[hit])[:, None])
        refused_h = hours.sum(axis=0) - np.diff(kept, axis=1, prepend=0).sum(axis=0)
        extra = np.zeros(HOURS_PER_DAY, dtype=np.int64)
        for h in np.flatnonzero(plan.split.fleet):
            g, r = int(plan.goals[h]), int(refused_h[h])
            extra[h] = max(self._goal_at(h, remaining, int(plan.split.fleet[h])) - g, 0)
            remaining -= g - r + int(extra[h]) - round(int(extra[h]) * r / g)
        return extra

    def _send_day(self, plan: DayPlan) -> None:
        """Send a planned day in one batch per provider, then in a second what hour-by-hour sending would have
        asked again today for the refused requests; the day's harvest, refusals and spend."""
        table = self.world.accounts
        table.status[plan.rows[self._sending.size:]] = ACTIVE
        self._set_sending(plan.rows)
        self._pending = plan.pending
        remaining = self.remaining
        refused = self._serve_planned(plan.rows, plan.split, plan.proxy)
        self._offset = plan.split.offset
        if refused.any():
            extra = self._reasked(plan, refused, remaining)
            if extra.any():
                again = HourlySplit.of(extra, plan.split.fleet, plan.split.offset)
                self._serve_planned(plan.rows, again, plan.proxy)
                self._offset = again.offset
        if plan.done is not None and self.harvested >= self.target:
            self.done_tick = self.world.clock.tick + plan.done

    def _serve_planned(self, rows: np.ndarray, split: HourlySplit, proxy: np.ndarray) -> np.ndarray:
        """Serve a day's split requests as one day batch per provider; book and pay for them.
        Returns each account's refused requests."""
        world = self.world
        demand = split.demand()
        refused = np.zeros_like(demand)
        for p, at in self._by_provider(rows):
            if at is None:
                batch = world.providers[p].serve(rows, demand, HOURS_PER_DAY, None, split)
                refused = batch.refused
            else:
                batch = world.providers[p].serve(rows[at], demand[at], HOURS_PER_DAY, None, split.narrowed(np.flatnonzero(at)))
                refused[at] = batch.refused
            world.ledger.book(attacker=True, batch=batch)
        asked = int(demand.sum())
        served = asked - int(refused.sum())
        self.requested += asked
        self.refused += asked - served
        self.harvested += served
        self._charge("proxy", float((demand * proxy).sum()))
        self._charge("api", served * self._api_cost_per_exchange)
        return refused

    def _send_hour(self) -> None:
        """Send this hour's share of the remaining campaign."""
        world = self.world
        clock = world.clock
        table = world.accounts
        if self._pending.size:
            due = table.active_from[self._pending] <= clock.tick
            if due.any():
                ready = self._pending[due & (table.status[self._pending] == PENDING)]
                table.status[ready] = ACTIVE
                self._set_sending(np.concatenate([self._sending, ready]))
                self._pending = self._pending[~due]
        n = self._sending.size
        hours_left = max(clock.window_end_tick - clock.tick, 1)
        goal = self._hour_goal(-(-self.remaining // hours_left))
        if goal is None:
            return
        routed = self._route(goal) if self._resellers else 0
        if n == 0:
            return
        if routed:
            goal = max(goal - routed, 0)
        goal = min(goal, int(n * self._max_per_account_hour) or n)
        base, extra = divmod(goal, n)
        # One more request for the ``extra`` accounts whose rank ``(i + offset) % n`` is below
        # ``extra``: a window of positions starting at ``(n - offset) % n``, wrapping around.
        demand = np.full(n, base, dtype=np.int64)
        start = (n - self._offset) % n
        end = start + extra
        demand[start:min(end, n)] += 1
        if end > n:
            demand[:end - n] += 1
        self._offset = (self._offset + extra) % n
        rows = self._sending
        served = 0
        for p, at in self._by_provider(rows):
            sel, d = (rows, demand) if at is None else (rows[at], demand[at])
            batch = world.providers[p].serve(sel, d)
            served += int(d.sum() - batch.refused.sum())
            world.ledger.book(attacker=True, batch=batch)
        self.requested += goal
        self.refused += goal - served
        self.harvested += served
        proxy = float((demand * self._sending_proxy_cost).sum())
        self._charge("proxy", proxy)
        self._charge("api", served * self._api_cost_per_exchange)
        if self.harvested >= self.target:
            self.done_tick = clock.tick

    def _by_provider(self, rows: np.ndarray) -> list[tuple[int, np.ndarray | None]]:
        """Each provider of a batch and its accounts' positions in it: None for all (the fleet lives on one
        provider, and the rows array itself is passed on, which the controls recognise from hour to hour)."""
        if len(self._providers_used) == 1:
            return [(next(iter(self._providers_used)), None)]
        prov = self.world.accounts.provider[rows]
        return [(p, prov == p) for p in sorted(self._providers_used)]

    def _charge(self, item: str, usd: float) -> None:
        self.spend[item] += usd
