"""The defender: a provider running its stack of controls over its own accounts."""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from ..world.accounts import ACTIVE, BANNED, PENDING, ObservableAccounts
from ..config import INDICATORS, PolicyConfig, ReviewBackground
from ..controls import QUEUE_SOURCES, Control, DayContext, EvidenceMemory, IdentityGating, Phase, TrafficBatch, build_stack
from ..controls.base import PlannedHours
from ..controls.detector import Detector
from ..controls.link_analysis import LinkAnalysis
from ..controls.identity_gating import Credential, SignUpTerms
from ..controls.review import ReviewOutcome, ReviewQueue
from ..world.indicators import family_spread

if TYPE_CHECKING:
    from .world import DefenderWorld

# Why an account was banned (the ``ban_reason`` bookkeeping of a provider).
BAN_REASONS: tuple[str, ...] = ("review", "link_analysis", "sharing")


class Provider(mesa.Agent):
    """Serves traffic through its FILTER controls; at day end runs FLAG controls,
    human review, bans and PROPAGATE controls. Sees observable columns only.

    Besides its control stack it is given its list price of an exchange (USD), at which it bills
    its accounts."""

    def __init__(self, world: DefenderWorld, index: int, name: str, policy: PolicyConfig, price_per_exchange: float,
                 review_background: ReviewBackground | None = None) -> None:
        super().__init__(world)
        self.world = world
        self.index = index
        self.name = name
        self.policy = policy  # its own control stack (the policy where it binds, outside_policy elsewhere)
        self.view: ObservableAccounts = world.accounts.observable()
        streams = world.streams
        self.evidence = EvidenceMemory(policy.detector, streams.generator(f"provider/{index}/evidence"))
        self.controls: list[Control] = build_stack(policy, index, streams, price_per_exchange, self.evidence)
        self.gating = IdentityGating(policy.identity_gating, streams.generator(f"provider/{index}/identity_gating"), streams, index)
        self.queue = ReviewQueue(policy.review, self.evidence, QUEUE_SOURCES, streams.generator(f"provider/{index}/review"),
                                 review_background)
        self.detector = next((c for c in self.controls if isinstance(c, Detector)), None)
        self._filters = [c for c in self.controls if Phase.FILTER in c.phases]
        self._flaggers = [c for c in self.controls if Phase.FLAG in c.phases]
        self._propagators = [c for c in self.controls if Phase.PROPAGATE in c.phases]
        self._links = any(isinstance(c, LinkAnalysis) for c in self.controls)  # a background's spread load needs it
        self.last_review = ReviewOutcome.empty()
        # Draws how many of a weighted row's real accounts the detector flags (review.py).
        self._flag_stream = streams.generator(f"provider/{index}/flagged_accounts")
        # Draws which of the sampled users' shared templates today's bans spread (family_spread).
        self._family_stream = streams.generator(f"provider/{index}/template_families")
        self._banned_today: list[np.ndarray] = []
        self.sign_up_terms: SignUpTerms = self.gating.terms  # announced; fixed for the run

    @property
    def required_tier(self) -> int:
        """Identity tier a new account must pass (announced on the sign-up page)."""
        return self.sign_up_terms.tier

    def verify_identities(self, attempts: int, credential: Credential, weight: float = 1.0) -> int:
        """Applicants present ``attempts`` identities at the required tier; how many pass."""
        return self.gating.verify(attempts, credential, weight)

    def screen_ownership(self, passed: int, shell: bool) -> int:
        """The organisations behind ``passed`` verified openings; how many the ownership screen lets through."""
        return self.gating.screen_ownership(passed, shell)

    def observe_new(self, rows: np.ndarray) -> None:
        """Accounts ``rows`` were opened here or changed exit."""
        for control in self.controls:
            control.observe(self.view, rows)

    def serve(self, rows: np.ndarray, demand: np.ndarray, span_hours: int = 1, profile: np.ndarray | None = None,
              hours: PlannedHours | None = None) -> TrafficBatch:
        """Run a batch of requests through the FILTER controls and book it.

        ``span_hours`` is 24 for a whole day's requests of accounts advanced a
        day at a time; ``profile`` then gives each hour's share, or ``hours``
        each account's requests in each hour (an operator's planned day).
        """
        batch = TrafficBatch(self.view, rows, demand, self.world.clock, span_hours, profile, hours)
        for control in self._filters:
            control.apply(batch)
        v = self.view
        # A batch's rows are distinct, so np.add.at adds as ``+=`` would, in one pass instead of two;
        # the counts are cast to the column's type first (np.add.at is slow when it must cast).
        counter = v.demand_day.dtype
        np.add.at(v.demand_day, rows, demand.astype(counter, copy=False))
        hit = np.flatnonzero(batch.refused > 0)
        if hit.size:
            at = rows[hit]
            np.add.at(v.refused_day, at, batch.refused[hit].astype(counter, copy=False))
            if batch.throttled is not None:
                np.add.at(v.throttled_day, at, batch.throttled[hit].astype(counter, copy=False))
        return batch

    def end_day(self) -> None:
        """Detect, review, ban, propagate: the provider's end-of-day routine."""
        world = self.world
        self._banned_today = []
        ctx = DayContext(
            view=self.view,
            clock=world.clock,
            provider=self.index,
            enqueue=self.enqueue,
            flag=self.flag,
            ban=self.ban,
            banned_today=np.zeros(0, dtype=np.int64),
            spread_today=np.zeros(0, dtype=np.int64),
            indicator_sizes={k: world.indicators.size(k) for k in INDICATORS},
            carriers=world.review_load,
        )
        self.evidence.update(self.view, self.index, world.clock)
        for control in self._flaggers:
            control.apply(ctx)
        if self.gating.reverify_on_flag:  # flagged accounts show a document before review concludes
            self.gating.reverify_flagged(self.view, self.index, world.present_documents, world.review_load)
        outcome = self.queue.review(self.view, self.index, world.clock.tick, world.review_load)
        self.last_review = outcome
        self.ban(outcome.rows[outcome.banned], "review")
        lost_some = outcome.rows[outcome.any_banned & ~outcome.banned]  # sampled rows that lost real accounts
        ctx.banned_today = np.concatenate(self._banned_today) if self._banned_today else ctx.banned_today
        ctx.spread_today = np.concatenate([ctx.banned_today, lost_some])
        families, counted = self._family_spread(outcome)
        ctx.spread_groups = self.group_spread(ctx.spread_today, counted, families)
        for control in self._propagators:
            control.apply(ctx)
        if self._links:
            self.queue.spread_load(ctx.spread_today.size, world.clock.tick)
        banned = np.concatenate(self._banned_today) if self._banned_today else ctx.banned_today  # with link bans
        world.consortium.publish(self.index, banned,
                                 self.group_spread(np.concatenate([banned, lost_some]), counted, families))

    def _family_spread(self, outcome: ReviewOutcome) -> tuple[np.ndarray, np.ndarray]:
        """The ids of the sampled users' template families that today's reviews spread, pooled over
        each family's carriers (:func:`~sim.world.indicators.family_spread`), and the reviewed rows
        whose bans that accounts for."""
        family, sizes = self.world.indicators.families("template")
        carried = self.view.template[outcome.rows]
        pooled = carried >= 0
        pooled[pooled] = family[carried[pooled]] >= 0
        u = self._family_stream.random(int(np.count_nonzero(family >= 0)))
        ids = family_spread(family, sizes, carried[pooled], (outcome.reviewed * outcome.p_ban)[pooled], u)
        return ids, outcome.rows[pooled]

    def group_spread(self, rows: np.ndarray, counted: np.ndarray, families: np.ndarray) -> np.ndarray:
        """The group-indicator (template) ids a ban spreads along today: those of ``rows`` (with a
        real account banned) not ``counted`` in the family pool, and the pooled ``families`` ids."""
        own = rows[~np.isin(rows, counted)]
        return np.unique(np.concatenate([self.view.template[own], families]))

    def enqueue(self, rows: np.ndarray, priority: np.ndarray, source: str) -> None:
        """Put the whole of rows ``rows`` (every real account each stands for not yet queued) in
        the review queue at ``priority``, remembering which control sent them."""
        load = self.world.review_load
        self._mark(rows, source)
        self.queue.enqueue(self.view, rows, np.maximum(load[rows] - self.view.queued_mass[rows], 0.0), priority,
                           QUEUE_SOURCES.index(source), load, self.world.clock.tick)

    def flag(self, rows: np.ndarray, hit: np.ndarray, score: np.ndarray, chance: np.ndarray,
             evidence: np.ndarray, spread: np.ndarray, threshold: float, source: str) -> None:
        """A detector's verdicts on scored rows (see :mod:`sim.controls.review`).

        A row that is one account is queued when the detector's own draw ``hit`` says so, at
        its drawn ``score``. A row standing for ``m`` real accounts queues ``K`` of the ``a``
        not yet queued, ``K ~ Binomial(floor(a), chance) + (a - floor(a)) Bernoulli(chance)`` (so ``K <= a``),
        at scores drawn from the reading ``N(evidence, spread^2)`` above ``threshold``: the
        real accounts are flagged independently, so the queue's load is the population's,
        not the lumps of a sample.
        """
        load = self.world.review_load
        tick = self.world.clock.tick
        code = QUEUE_SOURCES.index(source)
        unit = load[rows] <= 1.0
        one = unit & hit
        self._mark(rows[one], source)
        self.queue.enqueue(self.view, rows[one], np.ones(int(one.sum())), score[one], code, load, tick)
        many = ~unit
        if not many.any():
            return
        rows, p = rows[many], chance[many]
        free = np.maximum(load[rows] - self.view.queued_mass[rows], 0.0)
        whole = np.floor(free)
        k = self._flag_stream.binomial(whole.astype(np.int64), p) + (free - whole) * (self._flag_stream.random(rows.size) < p)
        got = k > 0
        self._mark(rows[got], source)
        self.queue.enqueue_flagged(self.view, rows[got], k[got].astype(float), evidence[many][got], spread[many][got],
                                   threshold, code, load, tick)

    def _mark(self, rows: np.ndarray, source: str) -> None:
        """Which control last queued each of ``rows`` (the ``*_after_review_from_<source>`` metrics)."""
        self.view.queued_by[rows] = QUEUE_SOURCES.index(source)

    def ban(self, rows: np.ndarray, reason: str) -> None:
        """Ban accounts ``rows`` now (idempotent for already-banned rows)."""
        v = self.view
        status = v.status[rows]
        rows = rows.compress((status == ACTIVE) | (status == PENDING))
        if rows.size == 0:
            return
        v.status[rows] = BANNED
        self.queue.leave(v, rows)
        v.banned_at[rows] = self.world.clock.tick
        v.ban_reason[rows] = BAN_REASONS.index(reason)
        self._banned_today.append(rows)
