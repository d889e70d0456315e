"""The control interface: what a control sees and how it acts.

A control is a small object over the observable account view with one entry
point, ``apply(ctx)``, called in each phase of a provider's day it takes part
in (``phases``):

- ``FILTER``: on every batch of traffic, it may refuse part of it
  (geo filter, volume caps); ``ctx`` is a :class:`TrafficBatch`;
- ``FLAG``: at the end of the day, before human review, it may put accounts
  in the review queue (behavioural detector, volume caps in flag mode);
  ``ctx`` is a :class:`DayContext`;
- ``PROPAGATE``: at the end of the day, after review, it reacts to today's
  bans (link analysis); ``ctx`` is a :class:`DayContext`.

It may also watch accounts being opened or changing exit (``observe``), e.g.
to classify a new network exit once rather than on every request.

Controls never receive the account table itself, only
:class:`~sim.world.accounts.ObservableAccounts`, so they cannot read the label.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from ..world.accounts import ObservableAccounts
from ..world.calendar import Clock


class Phase(enum.Enum):
    FILTER = "filter"
    FLAG = "flag"
    PROPAGATE = "propagate"


class PlannedHours(Protocol):
    """A day batch's requests by account and hour, as its sender planned them (built only when a control asks)."""

    @property
    def peak(self) -> int:
        """The most requests any account of the batch makes in one hour."""

    def matrix(self, at: np.ndarray | None = None) -> np.ndarray:
        """Requests of the batch's accounts at positions ``at`` (None: all) in each hour: accounts x 24."""


@dataclass
class TrafficBatch:
    """Requests from a set of accounts in one tick, or in one day for accounts
    advanced a day at a time (``span_hours == 24``; ``profile`` then gives each
    hour's share of the day, or ``hours`` each account's requests in each hour
    when the sender planned them, summing to ``demand``). FILTER controls
    refuse part of it."""

    view: ObservableAccounts
    rows: np.ndarray
    demand: np.ndarray
    clock: Clock
    span_hours: int = 1
    profile: np.ndarray | None = None
    hours: PlannedHours | None = None
    refused: np.ndarray = field(init=False)
    throttled: np.ndarray | None = field(init=False, default=None)  # allocated on the first throttle
    refused_by: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.refused = np.zeros_like(self.demand)

    @property
    def remaining(self) -> np.ndarray:
        """Requests not yet refused by an earlier control."""
        return self.demand - self.refused

    def planned_left(self, left: np.ndarray, at: np.ndarray | None = None) -> np.ndarray:
        """Of the planned ``hours`` of the accounts at positions ``at`` (None: all), what ``left`` (one count
        per account) leaves in each hour: each account's first ``left`` requests in hour order. What an
        earlier filter refused is so taken from the day's last requests, as a daily limit refuses them hour
        by hour (a block takes them all)."""
        kept = np.minimum(np.cumsum(self.hours.matrix(at), axis=1), left[:, None])
        return np.diff(kept, axis=1, prepend=0)

    def refuse(self, control: str, counts: np.ndarray, *, throttle: bool = False) -> None:
        """Refuse ``counts`` more requests per row (at most what remains).

        ``throttle`` marks refusals the account sees as rate limiting (HTTP 429)
        rather than as a block.
        """
        counts = np.minimum(counts, self.remaining)
        self.refused += counts
        if throttle:
            if self.throttled is None:
                self.throttled = np.zeros_like(self.demand)
            self.throttled += counts
        self.refused_by[control] = self.refused_by.get(control, 0) + int(counts.sum())

    def refuse_at(self, control: str, at: np.ndarray, counts: np.ndarray, *, throttle: bool = False) -> None:
        """:meth:`refuse` for the rows at positions ``at`` only (``counts`` one per position):
        the same refusals without touching the rest of the batch."""
        counts = np.minimum(counts, self.demand[at] - self.refused[at])
        self.refused[at] += counts
        if throttle:
            if self.throttled is None:
                self.throttled = np.zeros_like(self.demand)
            self.throttled[at] += counts
        self.refused_by[control] = self.refused_by.get(control, 0) + int(counts.sum())


@dataclass
class DayContext:
    """What a control can do at the end of a day on one provider."""

    view: ObservableAccounts
    clock: Clock
    provider: int
    enqueue: Callable[[np.ndarray, np.ndarray, str], None]
    # flag(rows, hit, score, chance, evidence, spread, threshold, source): a detector's verdicts
    # on scored rows: its own draw ``hit`` (with ``score``) for a row that is one account, and for
    # a row standing for many, each account flagged with ``chance``, its score a reading
    # N(evidence, spread^2) above ``threshold``.
    flag: Callable[[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, float, str], None]
    ban: Callable[[np.ndarray, str], None]
    banned_today: np.ndarray  # rows banned today
    # Rows with at least one real account banned today (banned_today and sampled rows that lost
    # some of their accounts): a sampled row among them links others, not itself.
    spread_today: np.ndarray
    indicator_sizes: dict[str, int]
    carriers: np.ndarray  # real accounts each row stands for (to count an indicator's real carriers)
    # Group-indicator (template) ids today's bans spread along: those of spread_today's rows, with
    # the sampled users' shared templates pooled over their carriers (Provider.group_spread).
    spread_groups: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))


class Control:
    """Base class; subclasses set ``name`` and ``phases`` and override ``apply``."""

    name: str = "control"
    phases: frozenset[Phase] = frozenset({Phase.FILTER})

    def observe(self, view: ObservableAccounts, rows: np.ndarray) -> None:
        """Accounts ``rows`` were opened or changed exit. Default: nothing."""

    def apply(self, ctx: TrafficBatch | DayContext) -> None:
        """Act on a traffic batch (FILTER) or on the day's state (FLAG, PROPAGATE)."""
        raise NotImplementedError
