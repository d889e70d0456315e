"""The Mesa model: the world of one run, and its hourly schedule (``step``).

The model builds the world and hands each agent its slice of the
configuration; agents see the model only as the world of
:mod:`sim.agents.world` (it implements both protocols there).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import mesa
import numpy as np

from .world.accounts import AccountTable
from .agents.consortium import SharingConsortium
from .agents.operator import Operator
from .agents.population import LegitimatePopulation
from .agents.provider import Provider
from .agents.reseller import Reseller
from .world.calendar import Clock
from .config import SimConfig, consortium_sharing, price_per_exchange, provider_policies, window_days
from .config.compose import compose, keyword_overrides
from .controls.identity_gating import Credential
from .world.indicators import IndicatorRegistry
from .record.collector import DayEndCollector
from .record.ledger import Ledger
from .world.market import AccountMarket
from .world.sanctions import Sanctions
from .world.streams import Streams


class DistillationModel(mesa.Model):
    """Operators, legitimate populations, providers and the sharing consortium
    over one account table. One tick is one hour.

    Built from a composed config, ``DistillationModel(cfg)``, or from keyword
    overrides composed as the command line would (:func:`~sim.config.compose.keyword_overrides`):
    ``DistillationModel(policy="identity_gating", seed=3, **{"policy.volume_cap.per_account_day": 200})``,
    which is how ``mesa.batch_run`` builds it (its ``rng``, an integer, is the seed).
    ``datacollector`` holds the model-level reporters of :mod:`sim.record.collector`,
    collected at the start and at each day's end.
    """

    def __init__(self, cfg: SimConfig | None = None, /, *, rng: int | None = None, **overrides: Any) -> None:
        if rng is not None:  # Mesa's batch_run (>= 3.5) passes the seed as ``rng``
            if "seed" in overrides:
                raise TypeError("DistillationModel: give seed or rng, not both")
            overrides["seed"] = rng
        if cfg is None:
            cfg = compose(keyword_overrides(overrides))
        elif overrides:
            raise TypeError(f"DistillationModel: give a config or keyword overrides, not both (got {sorted(overrides)})")
        streams = Streams(cfg.seed)
        super().__init__(rng=streams.seed_sequence("mesa"))
        self.cfg = cfg
        self.streams = streams
        sc = cfg.scenario
        self.clock = Clock(dt.date.fromisoformat(sc.start_date), window_days(cfg), sc.overrun_days)
        # A first guess at the table's size (it grows as needed): the sample plus sign-ups, and
        # one account per 500 exchanges of the campaigns.
        expected_accounts = cfg.population.sample_size * 1.2 + sum(o.target_exchanges for o in sc.operators) / 500
        self.accounts = AccountTable(capacity=int(expected_accounts) + 1024)
        self.indicators = IndicatorRegistry()
        self.ledger = Ledger(self)
        # Each provider runs its own stack (policy where it binds, outside_policy elsewhere); sanctions and the
        # attribution rule are the model's, read from policy.
        self.stacks = provider_policies(cfg)
        self.consortium = SharingConsortium(self, consortium_sharing(cfg), [s.review.link_priority for s in self.stacks])
        price = price_per_exchange(cfg.costs)
        background = {b.provider: b for b in cfg.population.review_background}
        self.providers = [Provider(self, i, p.name, self.stacks[i], price, background.get(i)) for i, p in enumerate(sc.providers)]
        self.populations = self._make_populations()
        owner0 = len(self.populations)
        self.operators = [
            Operator(self, owner0 + i, spec, cfg.attacker, cfg.costs, by_day=cfg.run.attacker_resolution == "day")
            for i, spec in enumerate(sc.operators)
        ]
        sample = np.array([np.count_nonzero(self.accounts.provider == i) for i in range(len(self.providers))])
        real = np.array([p.real_users for p in sc.providers])
        # Chance that a consumer proxy exit is the address of a sampled legitimate user.
        self.legit_exit_overlap = cfg.population.proxy_exit_legit_overlap * sample / real
        self.legit_real_users = float(self.accounts.weight.sum())
        # The market, resellers and sanctions are absent (None / empty) when off, so draws and results are unchanged.
        market = cfg.costs.market
        self.market = AccountMarket(market, cfg.costs, streams, self.accounts, self.clock) if market.enabled else None
        self.resellers = self._make_resellers()
        self.sanctions = (Sanctions(cfg.policy.sanctions, self.operators, streams.generator("sanctions"))
                          if cfg.policy.sanctions.enabled else None)
        self.datacollector = DayEndCollector()
        self.datacollector.collect(self)

    def _make_resellers(self) -> list[Reseller]:
        rs = self.cfg.scenario.resellers
        if not rs.enabled:
            return []
        owner0 = len(self.populations) + len(self.operators)
        kyc = self.stacks[rs.provider].reseller_kyc  # the rule of the provider the resellers buy from
        return [Reseller(self, owner0 + i, i, rs, kyc, self.cfg.population) for i in range(rs.services)]

    def _make_populations(self) -> list[LegitimatePopulation]:
        cfg = self.cfg
        pop = cfg.population
        providers = cfg.scenario.providers
        if pop.sample_size == 0:
            return []
        agents = []
        for owner, seg in enumerate(pop.segments):
            n = [int(round(pop.sample_size * seg.sample_share * p.legit_sample_share)) for p in providers]
            w = [p.real_users * seg.population_share / k if k else 0.0 for p, k in zip(providers, n, strict=True)]
            agents.append(LegitimatePopulation(
                self, owner, seg, pop, n, w,
                dropoff=cfg.costs.signup_dropoff,
                reverify_failure=[s.identity_gating.legit_reverify_failure for s in self.stacks],
                by_day=cfg.run.legit_resolution == "day",
            ))
        return agents

    @property
    def review_load(self) -> np.ndarray:
        """Real reviews one queued account costs: its sampling weight (1 for attackers)."""
        return self.accounts.weight

    def legit_exits(self, providers: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Exit ids of random legitimate users, one on each of ``providers``."""
        table = self.accounts
        legit = np.concatenate([pop.rows for pop in self.populations]) if self.populations else np.zeros(0, np.int64)
        out = np.empty(providers.size, dtype=np.int64)
        for p in np.unique(providers):
            here = legit[table.provider[legit] == p]
            sel = providers == p
            out[sel] = table.exit_id[here[rng.integers(0, here.size, size=int(sel.sum()))]]
        return out

    def present_documents(self, rows: np.ndarray) -> np.ndarray:
        """The owners' answer when a provider asks accounts ``rows`` to re-verify.

        The request reaches whoever holds each account (agents know their own
        accounts; the provider sees only the outcome of the check). Returns the
        :class:`~sim.controls.identity_gating.Credential` each row's owner
        presents. One mask per agent.
        """
        held = np.full(rows.size, Credential.NONE, dtype=np.int8)
        owner = self.accounts.owner[rows]
        for agent in (*self.populations, *self.operators, *self.resellers):
            mine = owner == agent.owner
            if mine.any():
                held[mine] = agent.present_documents(rows[mine])
        return held

    def step(self) -> None:
        """One hour: the schedule of the world."""
        clock = self.clock
        if clock.is_day_start:
            if self.market is not None:
                self.market.start_day()  # prices and capacity answer yesterday's bans
            if self.sanctions is not None:
                self.sanctions.start_day(self.clock.day)  # a designation whose lag has passed cuts the budget
            self._do(Operator, "start_day")  # observe own accounts; rotate, replace, grow
            self._do(Reseller, "start_day")  # KYC, rotate, replace banned accounts, re-mix traits
            self._do(LegitimatePopulation, "start_day")  # reconnect refused users; sign-ups
            self.accounts.start_day()  # zero today's traffic counters
        self._do(LegitimatePopulation, "send")  # legitimate traffic
        self._do(Operator, "send")  # this hour's campaign traffic (some routed to resellers)
        self._do(Reseller, "send")  # resellers' mixed traffic
        if clock.is_day_end:
            self._do(Provider, "end_day")  # detect, review, ban, propagate
            self.consortium.deliver()  # shared indicators whose latency has passed
            self.ledger.close_day()
            self.datacollector.collect(self)
        clock.advance()
        self.running = not (clock.finished or self._campaign_over())

    def _do(self, agent_type: type, method: str) -> None:
        agents = self.agents_by_type.get(agent_type)
        if agents is not None:
            agents.do(method)

    def _campaign_over(self) -> bool:
        """Past the window, stop once no operator is still working."""
        clock = self.clock
        return (
            clock.tick >= clock.window_end_tick
            and clock.is_day_start
            and not any(op.active for op in self.operators)
        )
