"""The human review queue of one provider, with its capacity counted in real accounts.

A row of the account table stands for ``m`` real accounts (its sampling weight:
1 for an operator's or a reseller's account, ``m > 1`` for a sampled legitimate
user). The queue holds, per row, the number of its real accounts waiting for
review (``queued_mass``), so the capacity in real reviews binds the same way
whatever the sample size:

- **Flags.** A control that flags a whole row (link analysis, sharing, a volume
  cap, aggregate reporting, the cluster detector) queues all its ``m`` accounts
  not yet queued. The detector flags each real account independently with its
  probability ``p``: a unit row is flagged by the detector's own draw (as an account is), a row
  of ``m`` accounts queues ``K ~ Binomial(floor(a), p) + Bernoulli((a - floor(a)) p)``
  of its ``a`` accounts not yet queued (the provider draws ``K``; see
  :meth:`sim.agents.provider.Provider.flag`), at the priority a flagged
  account has on average, ``E[score | score > threshold]``.
- **Review.** Each day reviewers take queued accounts highest priority first
  until the day's capacity ``C`` (real reviews) is used: a row whose queued
  accounts start at ``U`` reviews already used gets
  ``r = min(K, floor(C - U))`` of them reviewed (a unit row: reviewed iff
  ``U + 1 <= C``). Each reviewed account is banned with probability
  ``p_ban = Phi((mu - ban_threshold) / noise_sd)``: reviewers weigh all the
  evidence the account has, ``mu = E + sum_s b_s``, its accumulated evidence
  score ``E`` (noiseless: :meth:`~sim.controls.evidence.EvidenceMemory.score`)
  plus ``b_s`` (``flag_evidence``) for each control ``s`` whose flag brought
  it to review (``flag_sources``: link analysis, sharing, a volume cap,
  aggregate reporting, the cluster detector; they leave with it). The row (a
  sample of its ``m`` accounts) is banned with probability ``r p_ban / m``, so
  the sampled population loses the right share in distribution, and the expected number of real accounts banned,
  ``r p_ban``, is reported exactly. Reviewed accounts leave the queue.
- **Expiry.** A row's queued accounts expire ``max_wait_days`` after the row
  first entered the queue, if still unreviewed.
- **Background.** A run without legitimate users carries their review load
  instead (``population.review_background``, measured from the reference
  population by ``experiments/review_background.py``): each day a few entries
  of legitimate accounts join at their priorities and take capacity as rows
  do (reviewed or expired; no row behind them to ban).

Ordering and decisions use observable columns only; ``load`` (how many real
accounts a row stands for) is the simulation's multiplicity, not something a
reviewer sees. With every row a unit row and no background (an attacker-only
run with ``population.review_background=[]``) this is the queue of individual
accounts, each reviewed while the capacity used before it leaves room for one.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import ndtr

from ..config import ReviewBackground, ReviewConfig
from ..world.accounts import ObservableAccounts
from ..world.calendar import HOURS_PER_DAY
from .evidence import EvidenceMemory


@dataclass
class ReviewOutcome:
    """One day's reviews: rows reviewed, real accounts reviewed per row, their ban
    probability, and which rows were banned."""

    rows: np.ndarray
    reviewed: np.ndarray  # real accounts of each row reviewed today
    p_ban: np.ndarray
    banned: np.ndarray  # bool per reviewed row

    @classmethod
    def empty(cls) -> ReviewOutcome:
        return cls(np.zeros(0, np.int64), np.zeros(0), np.zeros(0), np.zeros(0, bool))


class ReviewQueue:
    """``sources`` names the controls that can queue an account, bit ``i`` of ``flag_sources`` for ``sources[i]``."""

    def __init__(self, cfg: ReviewConfig, evidence: EvidenceMemory, sources: tuple[str, ...],
                 rng: np.random.Generator, background: ReviewBackground | None = None) -> None:
        self.cfg = cfg
        self.evidence = evidence
        self.stream = rng
        self.reviews_done = 0.0
        self._bg_daily = (np.asarray(background.priority, float), np.asarray(background.accounts_per_day, float)) if background else None
        self._bg_priority = np.zeros(0)
        self._bg_mass = np.zeros(0)
        self._bg_at = np.zeros(0, np.int64)
        # Review evidence of each combination of flags: a flag from the detector adds nothing
        # (its evidence is the score itself).
        bonus = np.array([0.0 if s == "detector" else getattr(cfg.flag_evidence, s) for s in sources])
        bits = (np.arange(2 ** len(sources))[:, None] >> np.arange(len(sources))) & 1
        self._flag_bonus = bits @ bonus

    def enqueue(self, view: ObservableAccounts, rows: np.ndarray, mass: np.ndarray, priority: np.ndarray,
                load: np.ndarray, tick: int) -> None:
        """Add ``mass`` real accounts of each row to the queue at ``priority``.

        A row already waiting keeps its entry time and takes the mass-weighted
        mean priority of what it has queued.
        """
        before = view.queued_mass[rows]
        new = ~view.queued[rows]
        total = before + mass
        view.priority[rows] = np.where(new, priority, (before * view.priority[rows] + mass * priority) / np.maximum(total, 1e-300))
        view.queued_at[rows[new]] = tick
        view.queued_mass[rows] = total
        view.queued[rows] = True
        view.queue_full[rows] = total >= load[rows]

    def _top(self, view: ObservableAccounts, waiting: np.ndarray) -> np.ndarray:
        """The head of the queue (highest priority first, ties by row) that today's
        capacity can reach. A row holding at least one real account uses at least one
        review, so the ``ceil(capacity)`` highest rows usually suffice and the rest need
        not be sorted; rows holding a fraction of an account (the remainder of a weighted
        row) can stretch the reach, so when that head holds less than the capacity the
        whole queue is sorted."""
        key = -view.priority[waiting]
        k = int(min(waiting.size, np.ceil(self.cfg.capacity_per_day)))
        if k < waiting.size:
            cut = np.partition(key, k - 1)[k - 1]
            head = key <= cut  # keeps every tie at the cut, in row order
            if view.queued_mass[waiting[head]].sum() >= self.cfg.capacity_per_day:
                waiting, key = waiting[head], key[head]
        return waiting[np.argsort(key, kind="stable")]

    def review(self, view: ObservableAccounts, provider: int, tick: int, load: np.ndarray) -> ReviewOutcome:
        """Review up to the day's capacity; return what was decided (bans not yet applied)."""
        oldest = tick - self.cfg.max_wait_days * HOURS_PER_DAY
        waiting = np.flatnonzero(view.queued & (view.provider == provider))
        stale = view.queued_at[waiting] < oldest
        if stale.any():
            self.leave(view, waiting[stale])
            waiting = waiting[~stale]
        if self._bg_daily is not None:
            self._add_background(tick, oldest)
        if (waiting.size == 0 and self._bg_mass.size == 0) or self.cfg.capacity_per_day <= 0:
            return ReviewOutcome.empty()
        order = self._top(view, waiting)
        mass = view.queued_mass[order]
        capacity = self.cfg.capacity_per_day
        if self._bg_mass.size:
            used_before = self._used_before_with_background(view.priority[order], mass, capacity)
        else:
            used_before = np.cumsum(mass) - mass
        unit = load[order] <= 1.0
        reviewed = np.where(unit, (used_before + 1.0 <= capacity).astype(float),
                            np.clip(np.floor(capacity - used_before), 0.0, mass))
        take = reviewed > 0
        rows, reviewed = order[take], reviewed[take]
        self.reviews_done += float(reviewed.sum())
        mu = self.evidence.score(view, rows, tick) + self._flag_bonus[view.flag_sources[rows]]
        p_ban = ndtr((mu - self.cfg.ban_threshold) / self.cfg.noise_sd)
        banned = self.stream.random(rows.size) < p_ban * reviewed / np.maximum(load[rows], 1.0)
        left = view.queued_mass[rows] - reviewed
        view.queued_mass[rows] = left
        view.queue_full[rows] = False
        self.leave(view, rows[left <= 0])
        return ReviewOutcome(rows, reviewed, p_ban, banned)

    def _add_background(self, tick: int, oldest: int) -> None:
        """Today's background entries join; expired and fully reviewed ones leave."""
        priority, mass = self._bg_daily
        keep = (self._bg_at >= oldest) & (self._bg_mass > 0)
        self._bg_priority = np.concatenate([self._bg_priority[keep], priority])
        self._bg_mass = np.concatenate([self._bg_mass[keep], mass])
        self._bg_at = np.concatenate([self._bg_at[keep], np.full(priority.size, tick, np.int64)])

    def _used_before_with_background(self, priority: np.ndarray, mass: np.ndarray, capacity: float) -> np.ndarray:
        """Reviews used before each of the ordered rows when the background entries take their
        places by priority (a row goes before an entry of equal priority); the entries' own
        reviews are taken from them and counted."""
        order = np.argsort(-self._bg_priority, kind="stable")
        bg_p, bg_m = self._bg_priority[order], self._bg_mass[order]
        bg_before = np.cumsum(bg_m) - bg_m
        ahead = np.searchsorted(-bg_p, -priority, side="left")  # entries of strictly higher priority
        used_before = np.cumsum(mass) - mass + np.concatenate([[0.0], np.cumsum(bg_m)])[ahead]
        rows_ahead = np.concatenate([[0.0], np.cumsum(mass)])[np.searchsorted(-priority, -bg_p, side="right")]
        took = np.clip(np.floor(capacity - (bg_before + rows_ahead)), 0.0, bg_m)
        self._bg_mass[order] = bg_m - took
        self.reviews_done += float(took.sum())
        return used_before

    @staticmethod
    def leave(view: ObservableAccounts, rows: np.ndarray) -> None:
        """Rows ``rows`` leave the queue entirely (reviewed, expired, banned or closed)."""
        view.queued[rows] = False
        view.queued_mass[rows] = 0.0
        view.queue_full[rows] = False
        view.flag_sources[rows] = 0
