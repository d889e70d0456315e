"""The human review queue of one provider.

Flagged accounts wait in the queue; each day reviewers take them highest
priority first until the day's capacity (in real reviews) is used. A reviewer
looks at the account's behaviour: ``review_score = mu + N(0, noise_sd)`` with
``mu`` the detector's noiseless feature score, and bans when it exceeds
``ban_threshold``; otherwise the account is cleared and leaves the queue.
Unreviewed accounts stay queued for up to ``max_wait_days``, then the flag
expires.

A sampled legitimate account stands for ``load`` real accounts (its sampling
weight), so reviewing it uses ``load`` units of capacity. The load only
decides how far down the ordered queue the day's capacity reaches; ordering
and decisions use observable columns only. For metrics the queue also keeps
each reviewed account's ban probability, so rare wrongful bans can be
reported as expected values.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import ndtr

from ..world.accounts import ObservableAccounts
from ..config import DetectorWeights, ReviewConfig
from .detector import feature_score


@dataclass
class ReviewOutcome:
    """One day's reviews: rows reviewed, their ban probability, and who was banned."""

    rows: np.ndarray
    p_ban: np.ndarray
    banned: np.ndarray  # bool per reviewed row


class ReviewQueue:
    def __init__(self, cfg: ReviewConfig, weights: DetectorWeights, rng: np.random.Generator) -> None:
        self.cfg = cfg
        self.weights = weights
        self.stream = rng
        self.reviews_done = 0.0

    def enqueue(self, view: ObservableAccounts, rows: np.ndarray, priority: np.ndarray, tick: int) -> None:
        view.queued[rows] = True
        view.priority[rows] = priority
        view.queued_at[rows] = tick

    def _top(self, view: ObservableAccounts, waiting: np.ndarray) -> np.ndarray:
        """The head of the queue (highest priority first, ties by row) that today's
        capacity can reach: every account uses at least one review, so at most
        ``ceil(capacity)`` of them; the rest need not be sorted."""
        key = -view.priority[waiting]
        k = int(min(waiting.size, np.ceil(self.cfg.capacity_per_day)))
        if k < waiting.size:
            cut = np.partition(key, k - 1)[k - 1]
            head = key <= cut  # keeps every tie at the cut, in row order
            waiting, key = waiting[head], key[head]
        return waiting[np.argsort(key, kind="stable")]

    def review(self, view: ObservableAccounts, provider: int, tick: int, load: np.ndarray) -> ReviewOutcome:
        """Review up to the day's capacity; return what was decided (bans not yet applied)."""
        waiting = np.flatnonzero(view.queued & (view.provider == provider))
        stale = view.queued_at[waiting] < tick - self.cfg.max_wait_days * 24
        if stale.any():
            view.queued[waiting[stale]] = False
            waiting = waiting[~stale]
        if waiting.size == 0 or self.cfg.capacity_per_day <= 0:
            empty = np.zeros(0, dtype=np.int64)
            return ReviewOutcome(empty, np.zeros(0), np.zeros(0, dtype=bool))
        order = self._top(view, waiting)
        used_before = np.cumsum(load[order]) - load[order]
        rows = order[used_before < self.cfg.capacity_per_day]
        self.reviews_done += float(load[rows].sum())
        mu = feature_score(view, rows, self.weights, tick)
        z = (mu - self.cfg.ban_threshold) / self.cfg.noise_sd
        p_ban = ndtr(z)
        banned = self.stream.random(rows.size) < p_ban
        view.queued[rows] = False
        return ReviewOutcome(rows, p_ban, banned)
