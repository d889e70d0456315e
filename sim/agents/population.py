"""Legitimate users: one agent per segment, each a weighted sample of a real population.

Sampling: segment ``s`` on provider ``p`` gets
``n = sample_size * sample_share_s * legit_sample_share_p`` simulated accounts,
each standing for ``weight = real_users_p * population_share_s / n`` real users
(stratified, so rare heavy segments are well represented).

Demand: a user is active on a day with probability ``active_day_prob``; an
active user's exchanges that day are Poisson with the user's own mean
``rate``, drawn once per user from a lognormal (median ``demand_median``,
sigma ``demand_sigma``) or, when ``demand_tail_alpha > 0``, a Pareto with that
index and the same median (heavy-tailed API and agent users). Within a day the
demand follows a sinusoidal daily cycle (``daily_cycle_amplitude``, peaking at
``daily_cycle_peak_hour``). Existing users' accounts are aged uniformly on
``[0, account_age_max_days]`` and were served their mean demand
(``rate x active_day_prob`` a day) over that age before the run (the spend
the provider has billed them, which usage tiers read); each user's traffic
traits are Beta around the segment's means (``trait_concentration``).

Shared templates: a share ``shared_template_share`` of a segment's users
(its agent frameworks, coding tools, evaluation harnesses) carry one of the
segment's ``shared_templates`` template ids, drawn uniformly, and their template
reuse and timing regularity are Beta around at least ``shared_template_reuse``
and ``shared_template_timing``. A template carried by ``k`` sampled users of
weight ``w`` is carried by about ``k w`` real accounts: the provider sees them
all, so each carrier's ``template_group_size`` holds that expected count,
``shared_template_share x real users of the segment / shared_templates``.

Resolution: with ``run.legit_resolution=day`` the whole day's demand is drawn
and served at the day's first tick (no control in the stack acts on the hour
for these accounts, so this equals hour-by-hour simulation in distribution; a
test checks it); with ``hour`` it is drawn hour by hour.

Sign-ups: each day ``Poisson(signup_rate_per_day * n)`` new users try to open
an account and each abandons with the drop-off of the provider's required tier.
When a gating policy re-verifies existing accounts, each existing user fails
or abandons with ``legit_reverify_failure`` on the first day and is lost; with
re-verification on a flag, so does each flagged user asked for a document.
With the ownership screen, a real organisation is refused in error with
``legit_false_reject`` (a sign-up lost).

A user whose requests were refused reconnects through a new direct exit with
probability ``reconnect_prob`` the next day (turns off the VPN).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import mesa
import numpy as np

from ..world.accounts import ACTIVE, CLOSED
from ..world.calendar import HOURS_PER_DAY
from ..config import EXIT_TYPES, TIERS, DropOff, PopulationConfig, SegmentSpec
from ..controls.identity_gating import Credential
from .traits import beta_trait

if TYPE_CHECKING:
    from .world import World

QUARTER_DAY = HOURS_PER_DAY // 4  # a sine peaks a quarter period after its zero
DIRECT, VPN, CGNAT = (EXIT_TYPES.index(t) for t in ("direct", "vpn", "cgnat"))


def daily_cycle(amplitude: float, peak_hour: int) -> np.ndarray:
    """Share of a day's demand in each hour: a sinusoid peaking at ``peak_hour``."""
    h = np.arange(HOURS_PER_DAY)
    w = 1.0 + amplitude * np.sin(2 * np.pi * (h - (peak_hour - QUARTER_DAY)) / HOURS_PER_DAY)
    return w / w.sum()


def initial_ages(rng: np.random.Generator, max_days: float, n: int) -> np.ndarray:
    """``created_at`` ticks of ``n`` accounts that exist when the run starts: ages uniform on [0, ``max_days``]."""
    return -np.ceil(rng.uniform(0, max_days * HOURS_PER_DAY, size=n)).astype(np.int32)


def served_before(created_at: np.ndarray | int, tick: int, per_day: np.ndarray | float) -> np.ndarray:
    """Exchanges served before ``tick`` to accounts opened at ``created_at`` that were served ``per_day``
    a day on average: the billing history of an account that existed when the run started (0 for a new one)."""
    return np.floor(np.maximum(tick - np.asarray(created_at), 0) / HOURS_PER_DAY * per_day).astype(np.int64)


class LegitimatePopulation(mesa.Agent):
    """One segment of legitimate users across providers.

    Besides its segment and the population's settings, it is given the sign-up
    drop-off by tier (``costs.signup_dropoff``), the share of its users who fail
    or abandon a re-verification on each provider (``legit_reverify_failure`` of the
    provider's own stack) and ``by_day`` (``run.legit_resolution == "day"``).
    """

    def __init__(
        self,
        world: World,
        owner: int,
        segment: SegmentSpec,
        population: PopulationConfig,
        sample_by_provider: list[int],
        weight_by_provider: list[float],
        *,
        dropoff: DropOff,
        reverify_failure: Sequence[float],
        by_day: bool,
    ) -> None:
        super().__init__(world)
        self.world = world
        self.owner = owner
        self.segment = segment
        self.pop = population
        self.dropoff = dropoff
        self.reverify_failure = list(reverify_failure)
        self.by_day = by_day
        self.stream = world.streams.generator(f"population/{segment.name}")
        # Which users carry a shared template: a stream of its own, so the other draws stay as they were.
        self.template_stream = world.streams.generator(f"population/{segment.name}/templates")
        self.shared_templates = world.indicators.family("template", population.shared_templates)
        # Real accounts carrying each shared template on each provider (the provider counts them all).
        self.template_group_size = (segment.shared_template_share * np.array(sample_by_provider, dtype=float)
                                    * np.array(weight_by_provider) / population.shared_templates)
        self.weight_by_provider = np.array(weight_by_provider)
        self.cycle = daily_cycle(population.daily_cycle_amplitude, population.daily_cycle_peak_hour)
        self.signups_attempted = 0.0  # weighted (real users)
        self.signups_lost = 0.0  # weighted
        self.lost_to_reverification = 0.0  # weighted: existing users who failed or abandoned re-verification
        self.signups_lost_to_ownership_screen = 0.0  # weighted: of signups_lost
        self._active_today = np.zeros(0, dtype=bool)
        self.rows = np.concatenate([np.zeros(0, dtype=np.int64)] + [
            self._add_users(p, n, created_at=initial_ages(self.stream, population.account_age_max_days, n))
            for p, n in enumerate(sample_by_provider) if n > 0
        ])

    # ------------------------------------------------------------------ users

    def _draw_rate(self, n: int) -> np.ndarray:
        s = self.segment
        if s.demand_tail_alpha > 0:
            # Pareto with index alpha and median demand_median.
            x_m = s.demand_median / 2.0 ** (1.0 / s.demand_tail_alpha)
            return x_m * (1.0 + self.stream.pareto(s.demand_tail_alpha, size=n))
        return s.demand_median * np.exp(s.demand_sigma * self.stream.standard_normal(n))

    def _trait(self, mean: float, n: int) -> np.ndarray:
        return beta_trait(self.stream, mean, n, self.pop.trait_concentration)

    def _add_users(self, provider: int, n: int, created_at: np.ndarray | int) -> np.ndarray:
        world = self.world
        s = self.segment
        rows = world.accounts.add(
            n,
            provider=provider,
            status=ACTIVE,
            created_at=created_at,
            active_from=created_at,
            tier=world.providers[provider].sign_up_terms.tier,
            payment=world.indicators.new("payment", n),
            identity=world.indicators.new("identity", n),
            device=world.indicators.new("device", n),
            coding_share=self._trait(s.coding_share, n),
            template_reuse=self._trait(s.template_reuse, n),
            cot_share=self._trait(s.cot_share, n),
            timing_regularity=self._trait(s.timing_regularity, n),
            is_attacker=False,
            owner=self.owner,
            weight=self.weight_by_provider[provider],
            rate=self._draw_rate(n),
            active_prob=s.active_day_prob,
        )
        table = world.accounts
        table.served_total[rows] = served_before(created_at, world.clock.tick, table.rate[rows] * s.active_day_prob)
        self._assign_templates(provider, rows)
        self._assign_exits(rows, initial=True, provider=provider)
        return rows

    def _assign_templates(self, provider: int, rows: np.ndarray) -> None:
        """A share of the users carry one of the segment's shared templates, which raises their
        template reuse and timing regularity (a framework repeats its prompt and sends on a schedule)."""
        table = self.world.accounts
        rng = self.template_stream
        carriers = rows[rng.random(rows.size) < self.segment.shared_template_share]
        n = carriers.size
        table.template[carriers] = self.shared_templates[rng.integers(0, self.shared_templates.size, size=n)]
        table.template_group_size[carriers] = self.template_group_size[provider]
        k = self.pop.trait_concentration
        reuse = max(self.segment.template_reuse, self.pop.shared_template_reuse)
        timing = max(self.segment.timing_regularity, self.pop.shared_template_timing)
        table.template_reuse[carriers] = beta_trait(rng, reuse, n, k)
        table.timing_regularity[carriers] = beta_trait(rng, timing, n, k)

    def _assign_exits(self, rows: np.ndarray, initial: bool, provider: int | None = None) -> None:
        """Direct, VPN or CGNAT exits; VPN and CGNAT exits are shared by several users.
        ``provider``: the one provider all ``rows`` live on, when the caller knows it."""
        world = self.world
        table = world.accounts
        n = rows.size
        s = self.segment
        if initial:
            u = self.stream.random(n)
            kind = np.where(u < s.vpn_share, VPN, np.where(u < s.vpn_share + s.cgnat_share, CGNAT, DIRECT))
        else:  # reconnecting without the VPN
            kind = np.full(n, DIRECT, dtype=np.int64)
        ids = world.indicators.new("network", n)
        shared = kind != DIRECT
        if shared.any():
            pool = max(1, int(np.ceil(shared.sum() / self.pop.users_per_shared_exit)))
            pool_ids = world.indicators.new("network", pool)
            ids[shared] = pool_ids[self.stream.integers(0, pool, size=int(shared.sum()))]
        table.exit_id[rows] = ids
        table.exit_type[rows] = kind
        if provider is not None:
            world.providers[provider].observe_new(rows)
            return
        on = table.provider[rows]
        for p in np.unique(on):
            world.providers[p].observe_new(rows[on == p])

    # ------------------------------------------------------------------ daily

    def start_day(self) -> None:
        """Reconnect refused users; new users sign up (or abandon at the gate)."""
        world = self.world
        table = world.accounts
        if world.clock.tick == 0:
            self._reverify()
        # compress, not a boolean index: several times faster on NumPy 2.x for masks like these.
        live = self.rows.compress(table.status[self.rows] == ACTIVE)
        refused = live.compress(table.refused_day[live] > 0)
        if refused.size:
            moving = refused.compress(self.stream.random(refused.size) < self.pop.reconnect_prob)
            if moving.size:
                self._assign_exits(moving, initial=False)
        self.rows = live  # banned users leave the population
        on = table.provider[live]
        joined = []
        for p, weight in enumerate(self.weight_by_provider):
            n_here = int(np.count_nonzero(on == p))
            if n_here == 0:
                continue
            applicants = int(self.stream.poisson(self.pop.signup_rate_per_day * n_here))
            provider = world.providers[p]
            lost = int(self.stream.binomial(applicants, getattr(self.dropoff, TIERS[provider.sign_up_terms.tier])))
            provider.verify_identities(applicants - lost, Credential.PERSONAL, weight=weight)
            # A real organisation refused in error by the ownership screen (none refused where it does not run).
            refused = applicants - lost - provider.screen_ownership(applicants - lost, shell=False)
            self.signups_lost_to_ownership_screen += refused * weight
            lost += refused
            self.signups_attempted += applicants * weight
            self.signups_lost += lost * weight
            if applicants - lost > 0:
                joined.append(self._add_users(p, applicants - lost, created_at=world.clock.tick))
        self.rows = np.concatenate([live, *joined]) if joined else live
        # Every user of the segment is active on a day with its probability (the ``active_prob`` column).
        self._active_today = self.stream.random(self.rows.size) < self.segment.active_day_prob

    def _reverify(self) -> None:
        """Existing users re-verify at a new tier when the provider announces it."""
        table = self.world.accounts
        for p, provider in enumerate(self.world.providers):
            if not provider.sign_up_terms.reverify_existing:
                continue
            here = self.rows[table.provider[self.rows] == p]
            fail = here[self.stream.random(here.size) < self.reverify_failure[p]]
            provider.verify_identities(here.size - fail.size, Credential.PERSONAL, weight=self.weight_by_provider[p])
            table.status[fail] = CLOSED
            self.lost_to_reverification += fail.size * self.weight_by_provider[p]
        self.rows = self.rows[table.status[self.rows] == ACTIVE]

    def present_documents(self, rows: np.ndarray) -> np.ndarray:
        """Its users ``rows`` are asked to re-verify on a flag: each shows their own
        document (the gate counts those who fail or abandon)."""
        return np.full(rows.size, Credential.PERSONAL, dtype=np.int8)

    def send(self) -> None:
        """Today's demand (at the day's first tick) or this hour's demand."""
        world = self.world
        clock = world.clock
        by_day = self.by_day
        if by_day and not clock.is_day_start:
            return
        table = world.accounts
        rows = self.rows
        ok = self._active_today & (table.status[rows] == ACTIVE)
        rows = rows.compress(ok)
        mean = table.rate[rows]
        demand = self.stream.poisson(mean if by_day else mean * self.cycle[clock.hour])
        span = HOURS_PER_DAY if by_day else 1
        profile = self.cycle if by_day else None
        on = table.provider[rows]
        for p in range(len(self.weight_by_provider)):
            sel = on == p
            if not sel.any():
                continue
            batch = world.providers[p].serve(rows.compress(sel), demand.compress(sel), span, profile)
            world.ledger.book(attacker=False, batch=batch)
