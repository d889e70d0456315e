"""Resellers: commercial services that resell model access over accounts carrying
many customers' traffic, legitimate customers' and operators' alike.

C: one proxy network ran >20,000 accounts at once and mixed distillation
traffic with unrelated customer traffic (CALIBRATION, "hydra cluster").

Data model. A reseller holds ``accounts_per_reseller`` accounts on one
provider, in the account table like any other (so every control acts on them
through the same code path). Each account carries ``c`` real legitimate
customers (``c = legit_customers / (services x accounts_per_reseller)``, a
weighted count kept by the reseller, never visible to a control) and, each
hour, an even share of the demand operators route through the reseller. An
account that exists when the run starts was served its customers' mean demand
over its age before it (its billing history).

Each hour an account asks the provider for
``Poisson(c x legit_demand_per_customer_day x cycle(h)) + operator share``
in one batch; the provider's refusals are split between the two kinds of
traffic by a hypergeometric draw (the refused requests are a random subset of
the account's requests). Served operator exchanges are credited to the
operator, at ``price_markup x`` the list API price.

Each day the reseller rotates refused accounts to new exits, replaces banned
ones after ``replacement_lead_days`` (the new accounts carry new customers),
and updates its accounts' traffic traits to the day's mix::

    trait = (1 - sum_j a_j) x legit trait + sum_j a_j x trait of operator j

with ``a_j`` operator ``j``'s share of yesterday's requests (what it routed).

Collateral: banning a reseller account cuts off the customers on it. Each
account is banned at most once and carries its own customers, so
``legit_users_cut_off_by_reseller_bans = sum of c over banned reseller
accounts`` counts every customer once.

``policy.reseller_kyc`` (the IaaS customer-identification proposal applied to
model APIs): on the first day each reseller complies with probability
``1 - noncompliance``. A compliant one verifies its customers (each drops off
with ``customer_dropoff``; it pays ``cost_per_customer_usd`` each) and passes
only ``leakage`` of the operators' demand; a non-compliant one loses access
after ``deadline_days``: its accounts are closed and its customers cut off.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import mesa
import numpy as np

from ..world.accounts import ACTIVE, BANNED, CLOSED, PENDING
from ..world.calendar import HOURS_PER_DAY
from ..config import EXIT_TYPES, PopulationConfig, ResellerConfig, ResellerKycConfig
from ..controls import TrafficBatch
from ..controls.identity_gating import Credential
from .population import daily_cycle, initial_ages, served_before
from .traits import beta_trait

if TYPE_CHECKING:
    from .world import RoutingCustomer, World

TRAITS: tuple[str, ...] = ("coding_share", "template_reuse", "cot_share", "timing_regularity")


class Reseller(mesa.Agent):
    """One reseller service: its accounts, its legitimate customers, and the operators it carries.

    ``customers`` is the legitimate population's configuration, for what the
    reseller's customers share with other users: the daily cycle, the spread of
    traits, the ages of accounts that exist when the run starts.
    """

    def __init__(
        self,
        world: World,
        owner: int,
        index: int,
        cfg: ResellerConfig,
        kyc: ResellerKycConfig,
        customers: PopulationConfig,
    ) -> None:
        super().__init__(world)
        self.world = world
        self._view = world.accounts.observable()  # for booking the operators' part of a batch
        self.owner = owner
        self.index = index
        self.cfg = cfg
        self.kyc = kyc
        self._trait_concentration = customers.trait_concentration
        self._account_age_max_days = customers.account_age_max_days
        self.stream = world.streams.generator(f"reseller/{index}")
        self.cycle = daily_cycle(customers.daily_cycle_amplitude, customers.daily_cycle_peak_hour)
        self.customers_per_account = cfg.legit_customers / (cfg.services * cfg.accounts_per_reseller)
        self.rows = np.zeros(0, dtype=np.int64)  # every account it ever held
        self.customers = np.zeros(0)  # real customers on each of ``rows``
        self._live = np.zeros(0, dtype=np.int64)
        self._legit_traits = {name: np.zeros(0) for name in TRAITS}
        self._pending_ops: dict[RoutingCustomer, int] = {}  # this hour's routed demand, by operator
        self._routed_day: dict[RoutingCustomer, int] = {}  # routed requests since the day started, by operator
        self._offset = 0
        self.compliant = True  # with reseller_kyc: verifies its customers
        self.cut_off_by_kyc = 0.0  # customers of a non-compliant reseller when it lost access
        self.lost_to_kyc = 0.0  # customers who dropped off at the reseller's verification
        self.kyc_cost_usd = 0.0
        self.legit = np.zeros(3)  # customers' exchanges: requested, served, refused (real)
        self.op_requested = 0
        self.op_served = 0
        self.op_blocked_by_kyc = 0
        self._legit_req_day = 0
        self.accounts_opened = 0
        self._closed = False  # lost access (reseller_kyc, non-compliant)
        self._open(cfg.accounts_per_reseller, initial=True)

    # ------------------------------------------------------------------ accounts

    def _open(self, n: int, initial: bool) -> None:
        world = self.world
        cfg = self.cfg
        clock = world.clock
        provider = world.providers[cfg.provider]
        terms = provider.sign_up_terms
        provider.verify_identities(n, Credential.BUSINESS)
        if initial:
            created = initial_ages(self.stream, self._account_age_max_days, n)
            status, active_from = ACTIVE, created
        else:
            created = clock.tick
            status = PENDING
            active_from = clock.tick + math.ceil((cfg.replacement_lead_days + terms.lead_days) * HOURS_PER_DAY)
        reg = world.indicators
        k = self._trait_concentration
        traits = {
            "coding_share": beta_trait(self.stream, cfg.legit_coding_share, n, k),
            "template_reuse": beta_trait(self.stream, cfg.legit_template_reuse, n, k),
            "cot_share": beta_trait(self.stream, cfg.legit_cot_share, n, k),
            "timing_regularity": beta_trait(self.stream, cfg.legit_timing_regularity, n, k),
        }
        rows = world.accounts.add(
            n,
            provider=cfg.provider,
            status=status,
            created_at=created,
            active_from=active_from,
            served_total=served_before(created, clock.tick, self.customers_per_account * cfg.legit_demand_per_customer_day),
            tier=terms.tier,
            payment=reg.blocks("payment", n, cfg.accounts_per_payment),
            identity=reg.new("identity", n),
            organisation=reg.blocks("organisation", n, n),
            device=reg.new("device", n),
            is_attacker=False,
            is_reseller=True,
            owner=self.owner,
            weight=1.0,
            **traits,
        )
        self.rows = np.concatenate([self.rows, rows])
        self.customers = np.concatenate([self.customers, np.full(n, self.customers_per_account)])
        self._live = np.concatenate([self._live, rows])
        for name in TRAITS:
            self._legit_traits[name] = np.concatenate([self._legit_traits[name], traits[name]])
        self.accounts_opened += n
        self._assign_exits(rows)

    def _assign_exits(self, rows: np.ndarray) -> None:
        world = self.world
        per = self.cfg.accounts_per_exit
        ids = world.indicators.new("network", -(-rows.size // per))
        world.accounts.exit_id[rows] = np.repeat(ids, per)[: rows.size]
        world.accounts.exit_type[rows] = EXIT_TYPES.index(self.cfg.exit_type)
        world.providers[self.cfg.provider].observe_new(rows)

    @property
    def cut_off_by_bans(self) -> float:
        """Real customers on this reseller's banned accounts: each account is banned
        at most once and carries its own customers, so each is counted once."""
        banned = self.world.accounts.status[self.rows] == BANNED
        return float(self.customers[banned].sum())

    @property
    def price_markup(self) -> float:
        """Its price per exchange, as a multiple of the list API price."""
        return self.cfg.price_markup

    # ------------------------------------------------------------------ daily

    def start_day(self) -> None:
        """KYC on the first day; lose access at the deadline; rotate, replace, re-mix traits."""
        world = self.world
        table = world.accounts
        clock = world.clock
        if clock.tick == 0 and self.kyc.enabled:
            self._verify_customers()
        if self._closed:
            return
        if self.kyc.enabled and not self.compliant and clock.day >= self.kyc.deadline_days:
            self._lose_access()
            return
        status = table.status[self._live]
        banned = self._live[status == BANNED]
        self._live = self._live[(status == ACTIVE) | (status == PENDING)]
        blocked = self._live[(table.refused_day[self._live] > table.throttled_day[self._live]) & (table.status[self._live] == ACTIVE)]
        if blocked.size:
            self._assign_exits(blocked)
        if banned.size:
            self._open(banned.size, initial=False)
        if clock.tick > 0:
            self._mix_traits()
        self._routed_day = {}
        self._legit_req_day = 0

    def _mix_traits(self) -> None:
        """The accounts' observable traits follow yesterday's mix of traffic: each
        operator's traits weighted by its share of the requests."""
        table = self.world.accounts
        total = sum(self._routed_day.values()) + self._legit_req_day
        a = sum(self._routed_day.values()) / total if total else 0.0
        shares = [(op.traits, n / total) for op, n in self._routed_day.items() if n]
        for name in TRAITS:
            value = (1.0 - a) * self._legit_traits[name]
            for traits, share in shares:
                value = value + share * traits[name]
            getattr(table, name)[self.rows] = value

    def _verify_customers(self) -> None:
        self.compliant = bool(self.stream.random() >= self.kyc.noncompliance)
        if not self.compliant:
            return
        total = float(self.customers.sum())
        self.kyc_cost_usd += total * self.kyc.cost_per_customer_usd
        self.lost_to_kyc += total * self.kyc.customer_dropoff
        self.customers *= 1.0 - self.kyc.customer_dropoff
        self.customers_per_account *= 1.0 - self.kyc.customer_dropoff

    def _lose_access(self) -> None:
        table = self.world.accounts
        live = self._live[(table.status[self._live] == ACTIVE) | (table.status[self._live] == PENDING)]
        self.cut_off_by_kyc += float(self.customers[np.searchsorted(self.rows, live)].sum())
        table.status[live] = CLOSED
        self._live = np.zeros(0, dtype=np.int64)
        self._closed = True

    def present_documents(self, rows: np.ndarray) -> np.ndarray:
        """Its accounts are asked to re-verify on a flag: it shows its business papers, as at opening."""
        return np.full(rows.size, Credential.BUSINESS, dtype=np.int8)

    # ------------------------------------------------------------------ traffic

    def can_accept(self) -> bool:
        """Open for business with at least one account online."""
        if self._closed or self._live.size == 0:
            return False
        return bool((self.world.accounts.status[self._live] == ACTIVE).any())

    def accept(self, customer: RoutingCustomer, n: int) -> bool:
        """An operator routes ``n`` exchanges through this reseller this hour."""
        if n <= 0 or not self.can_accept():
            return False
        self._pending_ops[customer] = self._pending_ops.get(customer, 0) + int(n)
        return True

    def send(self) -> None:
        """This hour's batch: customers' demand plus routed operator demand, through the provider."""
        world = self.world
        table = world.accounts
        clock = world.clock
        pending = self._pending_ops
        self._pending_ops = {}
        if self._live.size:
            due = (table.status[self._live] == PENDING) & (table.active_from[self._live] <= clock.tick)
            table.status[self._live[due]] = ACTIVE
        rows = self._live.compress(table.status[self._live] == ACTIVE) if self._live.size else self._live
        if rows.size == 0:  # accept() refused routing, so nothing is pending
            return
        legit_d = self.stream.poisson(self.customers[np.searchsorted(self.rows, rows)] * self.cfg.legit_demand_per_customer_day * self.cycle[clock.hour])
        asked = sum(pending.values())
        passed = asked
        if self.kyc.enabled and self.compliant:
            passed = int(math.floor(asked * self.kyc.leakage))
        blocked = asked - passed
        n = rows.size
        base, extra = divmod(passed, n)
        rank = (np.arange(n) + self._offset) % n
        self._offset = (self._offset + extra) % n
        op_d = base + (rank < extra).astype(np.int64)
        demand = legit_d + op_d
        batch = world.providers[self.cfg.provider].serve(rows, demand)
        refused = batch.refused
        op_ref = np.zeros(n, dtype=np.int64)
        hit = refused > 0
        if hit.any():
            op_ref[hit] = self.stream.hypergeometric(op_d[hit], legit_d[hit], refused[hit])
        op_served = int(op_d.sum() - op_ref.sum())
        self.legit += (legit_d.sum(), legit_d.sum() - (refused - op_ref).sum(), (refused - op_ref).sum())
        self.op_requested += asked
        self.op_served += op_served
        self.op_blocked_by_kyc += blocked
        for op, n_op in pending.items():
            self._routed_day[op] = self._routed_day.get(op, 0) + n_op
        self._legit_req_day += int(legit_d.sum())
        if asked:
            self._book_operator(rows, op_d, op_ref, batch, blocked)
        left = op_served
        for i, (op, n_op) in enumerate(pending.items()):
            share = left if i == len(pending) - 1 else int(op_served * n_op // max(asked, 1))
            left -= share
            op.credit_routed(n_op, share, self.cfg.price_markup)

    def _book_operator(self, rows: np.ndarray, op_d: np.ndarray, op_ref: np.ndarray, batch: TrafficBatch, blocked: int) -> None:
        """Book the operators' part of the batch (and what KYC stopped) as attacker traffic."""
        world = self.world
        view = self._view
        keep = op_d > 0
        if blocked:
            keep[0] = True
        part = TrafficBatch(view, rows[keep], op_d[keep].copy(), world.clock)
        if blocked:  # demand KYC stopped at the reseller: booked on its first account as refused
            part.demand[0] += blocked
            stopped = np.zeros(part.demand.size, dtype=np.int64)
            stopped[0] = blocked
            part.refuse("reseller_kyc", stopped)
        total_ref = int(batch.refused.sum())
        mine = int(op_ref.sum())
        if mine:
            part.refused += op_ref[keep]
            for name, k in batch.refused_by.items():
                part.refused_by[name] = part.refused_by.get(name, 0) + k * mine / total_ref
        world.ledger.book(attacker=True, batch=part)
