"""The control interface: what a control sees and how it acts.

A control is a small object over the observable account view. It acts in one
phase of a provider's day:

- ``FILTER``: on every batch of traffic, it may refuse part of it
  (geo filter, volume caps);
- ``FLAG``: at the end of the day, before human review, it may put accounts
  in the review queue or ban them (behavioural detector, shared-indicator
  matches);
- ``PROPAGATE``: at the end of the day, after review, it reacts to today's
  bans (link analysis, publishing to the sharing consortium).

It may also watch accounts being opened or changing exit (``observe``), e.g.
to classify a new network exit once rather than on every request.

Controls never receive the account table itself, only
:class:`~sim.accounts.ObservableAccounts`, so they cannot read the label.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from ..accounts import ObservableAccounts
from ..calendar import Clock


class Phase(enum.Enum):
    FILTER = "filter"
    FLAG = "flag"
    PROPAGATE = "propagate"


@dataclass
class TrafficBatch:
    """Requests from a set of accounts in one tick (or one day, for accounts
    advanced a day at a time). Controls in the FILTER phase refuse part of it."""

    view: ObservableAccounts
    rows: np.ndarray
    demand: np.ndarray
    clock: Clock
    refused: np.ndarray = field(init=False)
    refused_by: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.refused = np.zeros_like(self.demand)

    @property
    def remaining(self) -> np.ndarray:
        """Requests not yet refused by an earlier control."""
        return self.demand - self.refused

    def refuse(self, control: str, counts: np.ndarray) -> None:
        """Refuse ``counts`` more requests per row (at most what remains)."""
        counts = np.minimum(counts, self.remaining)
        self.refused += counts
        self.refused_by[control] = self.refused_by.get(control, 0) + int(counts.sum())


@dataclass
class DayContext:
    """What a control can do at the end of a day on one provider."""

    view: ObservableAccounts
    clock: Clock
    provider: int
    enqueue: Callable[[np.ndarray, np.ndarray, str], None]
    ban: Callable[[np.ndarray, str], None]
    banned_today: np.ndarray
    indicator_sizes: dict[str, int]


class Control:
    """Base class; subclasses set ``name`` and ``phase`` and override ``apply``."""

    name: str = "control"
    phase: Phase = Phase.FILTER

    def observe(self, view: ObservableAccounts, rows: np.ndarray) -> None:
        """Accounts ``rows`` were opened or changed exit. Default: nothing."""

    def apply(self, ctx: TrafficBatch | DayContext) -> None:
        """Act on a traffic batch (FILTER) or on the day's state (FLAG, PROPAGATE)."""
        raise NotImplementedError
