"""The human review queue of one provider, with its capacity counted in real accounts.

A row of the account table stands for ``m`` real accounts (its sampling weight:
1 for an operator's or a reseller's account, ``m > 1`` for a sampled legitimate
user). The queue is a list of **entries**, each some real accounts of one row
waiting at one priority (``mass`` real accounts, the flag's ``source``, the
tick it joined), so the capacity in real reviews binds the same way whatever
the sample size:

- **Flags.** A control that flags a whole row (link analysis, sharing, a volume
  cap, aggregate reporting, the cluster detector) queues the row's ``m``
  accounts not yet queued as one entry at the control's priority. The detector
  flags each real account independently with its probability ``p``: a unit row
  is flagged by the detector's own draw (as an account is) at its drawn score;
  a row of ``m`` accounts queues ``K ~ Binomial(floor(a), p) + (a - floor(a))
  Bernoulli(p)`` of its ``a`` accounts not yet queued (the provider draws
  ``K``; :meth:`sim.agents.provider.Provider.flag`), and their scores are
  those of flagged accounts: the normal ``N(E, s^2)`` of the detector's
  reading truncated above the threshold ``T``. The ``K`` accounts enter as
  ``n = min(ceil(K), max(Q, ceil(K / M)))`` entries of ``K / n`` accounts each, at
  stratified draws of that truncated normal (``Q``: ``priority_points``; ``M``:
  ``entry_accounts``, 10, the most real accounts an entry holds)::

      priority_j = E - s * ndtri(u_j * Phi((E - T) / s)),   u_j = (j + U_j) / n,  U_j ~ U(0, 1)

  so a single flagged account gets a score drawn as a unit row's is, and a row
  standing for many spreads its flagged accounts over the distribution instead
  of lumping them at one priority (which would change which accounts the
  capacity reaches with the sample size). Bounding entries in real accounts keeps
  the strata the capacity reaches the same whatever the sample: with a fixed ``Q``
  a peer provider's sampled user of 10,000 real accounts entered as lumps of
  thousands, and a day's 3,000 reviews went to a handful of rows.
- **Review.** Each day reviewers take entries highest priority first until the
  day's capacity ``C`` (real reviews) is used: an entry whose accounts start at
  ``U`` reviews already used gets ``r = min(mass, floor(C - U))`` of them
  reviewed (an entry of a unit row: reviewed iff ``U + 1 <= C``). Each reviewed
  account is banned with probability
  ``p_ban = Phi((mu - ban_threshold) / noise_sd)``: reviewers weigh all the
  evidence the account has, ``mu = E + b_s``, the row's accumulated evidence
  score ``E`` (noiseless: :meth:`~sim.controls.evidence.EvidenceMemory.score`)
  plus ``b_s`` (``flag_evidence``) for the control ``s`` whose flag brought the
  account to review. A row whose entries get ``r_i`` reviews with expected
  bans ``b_i = sum r_e p_ban,e`` (a sample of its ``m`` accounts) is banned
  with probability ``b_i / m``, so the sampled population loses the right share
  in distribution, and ``b_i`` real accounts banned are reported exactly.
  Reviewed accounts leave the queue. The rows with at least one real account
  banned, ``P = 1 - prod_e (1 - p_ban,e)^r_e`` (drawn with the same uniform as the
  row's ban, so a banned row is always among them), are where an operator's template
  spreads from (link analysis and the indicators shared with other providers); the
  sampled users' shared templates spread from the ``b_i`` pooled over each segment's
  carriers (:func:`~sim.world.indicators.family_spread`).
- **Expiry.** An entry expires ``max_wait_days`` after it joined, if still
  unreviewed.
- **Background.** A run without legitimate users carries their review load
  instead (``population.review_background``, measured from the reference
  population by ``experiments/review_background.py``): each day a few entries
  of legitimate accounts join at their priorities, scaled by the day's
  ``day_scale`` (the population's flags are highest in the first days and fall
  as its accumulated evidence settles), and take capacity as other
  entries do (reviewed or expired; no row behind them to ban); after each day's
  bans, ``per_spread`` real accounts per row whose ban spreads join at the link
  priority (:meth:`ReviewQueue.spread_load`), the legitimate users link analysis
  would queue beside the banned accounts.

Ordering and decisions use observable columns only; ``load`` (how many real
accounts a row stands for) is the simulation's multiplicity, not something a
reviewer sees. With every row a unit row and no background (an attacker-only
run with ``population.review_background=[]``) this is the queue of individual
accounts, each reviewed while the capacity used before it leaves room for one.

The row columns ``queued``, ``queued_mass`` (the row's real accounts waiting,
the sum of its entries) and ``queue_full`` (all ``m`` wait: nothing left to
flag) mirror the entries for the other controls.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import ndtr, ndtri

from ..config import ReviewBackground, ReviewConfig
from ..world.accounts import ObservableAccounts
from ..world.calendar import HOURS_PER_DAY
from .evidence import EvidenceMemory

BACKGROUND = -1  # the row of a background entry: no account behind it


@dataclass
class ReviewOutcome:
    """One day's reviews: rows reviewed, real accounts reviewed per row, their mean ban
    probability, and which rows were banned."""

    rows: np.ndarray
    reviewed: np.ndarray  # real accounts of each row reviewed today
    p_ban: np.ndarray
    banned: np.ndarray  # bool per reviewed row: the row (a sample of its accounts) is banned
    any_banned: np.ndarray  # bool per reviewed row: at least one of its real accounts was (includes ``banned``)

    @classmethod
    def empty(cls) -> ReviewOutcome:
        return cls(np.zeros(0, np.int64), np.zeros(0), np.zeros(0), np.zeros(0, bool), np.zeros(0, bool))


def _still_queued(view: ObservableAccounts, row: np.ndarray, background: np.ndarray) -> np.ndarray:
    """Whether each entry's row is still in the queue (background entries always are). One
    gather over all entries: a background entry's row ``-1`` reads some row, then is masked."""
    if view.queued.size == 0:
        return background.copy()
    return view.queued.take(row) | background


class ReviewQueue:
    """``sources`` names the controls that can queue an account; an entry's ``source`` indexes it."""

    def __init__(self, cfg: ReviewConfig, evidence: EvidenceMemory, sources: tuple[str, ...],
                 rng: np.random.Generator, background: ReviewBackground | None = None) -> None:
        self.cfg = cfg
        self.evidence = evidence
        self.stream = rng
        self.reviews_done = 0.0
        self._background = (np.asarray(background.priority, float), np.asarray(background.accounts_per_day, float)) if background else None
        self._day_scale = np.asarray(background.day_scale if background and background.day_scale else [1.0], float)
        self._per_spread = background.per_spread if background else 0.0
        # Review evidence a flag from each source adds (the detector's evidence is the score itself).
        self._bonus = np.array([0.0 if s == "detector" else getattr(cfg.flag_evidence, s) for s in sources])
        self._row = np.zeros(0, np.int64)
        self._priority = np.zeros(0)
        self._mass = np.zeros(0)
        self._source = np.zeros(0, np.int8)
        self._at = np.zeros(0, np.int64)
        self._pending: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []

    # ------------------------------------------------------------------ joining

    def enqueue(self, view: ObservableAccounts, rows: np.ndarray, mass: np.ndarray, priority: np.ndarray,
                source: int, load: np.ndarray, tick: int) -> None:
        """Add ``mass`` real accounts of each row to the queue, one entry per row at ``priority``."""
        self.add(view, rows, priority.astype(np.float64), mass.astype(np.float64), source, load, tick)

    def enqueue_flagged(self, view: ObservableAccounts, rows: np.ndarray, flagged: np.ndarray, evidence: np.ndarray,
                        spread: np.ndarray, threshold: float, source: int, load: np.ndarray, tick: int) -> None:
        """Add ``flagged`` real accounts of each (weighted) row, flagged by a reading
        ``N(evidence, spread^2) > threshold``, as stratified draws of their scores."""
        points = np.maximum(self.cfg.priority_points, np.ceil(flagged / self.cfg.entry_accounts))
        n = np.minimum(np.ceil(flagged), points).astype(np.int64)
        keep = n > 0
        rows, flagged, evidence, spread, n = rows[keep], flagged[keep], evidence[keep], spread[keep], n[keep]
        if rows.size == 0:
            return
        per = np.repeat(np.arange(rows.size), n)
        j = np.arange(per.size) - np.repeat(np.cumsum(n) - n, n)  # stratum of each entry within its row
        u = (j + self.stream.random(per.size)) / n[per]
        tail = ndtr((evidence - threshold) / spread)[per]
        e, s = evidence[per], spread[per]
        priority = np.where(tail > 1e-12, e - s * ndtri(np.clip(u * tail, 1e-300, 1.0)), np.maximum(e, threshold))
        self.add(view, rows[per], priority, (flagged / n)[per], source, load, tick)

    def add(self, view: ObservableAccounts, rows: np.ndarray, priority: np.ndarray, mass: np.ndarray,
            source: int, load: np.ndarray, tick: int) -> None:
        """The one way into the queue: entries of ``mass`` real accounts of ``rows`` at ``priority``."""
        if rows.size == 0:
            return
        self._pending.append((rows, priority, mass, np.full(rows.size, source, np.int8), np.full(rows.size, tick, np.int64)))
        new = np.unique(rows[~view.queued[rows]])
        view.queued_at[new] = tick
        view.queued[new] = True
        view.queued_mass[new] = 0.0
        np.add.at(view.queued_mass, rows, mass)
        view.queued_mass[rows] = np.minimum(view.queued_mass[rows], load[rows])  # rounding never queues more than the row
        view.queue_full[rows] = view.queued_mass[rows] >= load[rows] - 1e-9

    def spread_load(self, spreading: int, tick: int) -> None:
        """The legitimate load that ``spreading`` rows' bans set off today, in a run that
        carries a background instead of the population: ``per_spread`` real accounts per
        row at the link priority, reviewed from tomorrow (as link analysis' entries are)."""
        if self._per_spread <= 0.0 or spreading == 0:
            return
        self._pending.append((np.full(1, BACKGROUND, np.int64), np.full(1, float(self.cfg.link_priority)),
                              np.full(1, self._per_spread * spreading), np.zeros(1, np.int8), np.full(1, tick, np.int64)))

    # ------------------------------------------------------------------ review

    def review(self, view: ObservableAccounts, provider: int, tick: int, load: np.ndarray) -> ReviewOutcome:
        """Review up to the day's capacity; return what was decided (bans not yet applied)."""
        self._gather(view, tick)
        capacity = self.cfg.capacity_per_day
        if self._row.size == 0 or capacity <= 0:
            return ReviewOutcome.empty()
        order = self._top()
        row, mass = self._row[order], self._mass[order]
        used_before = np.cumsum(mass) - mass
        account = row != BACKGROUND
        unit = np.zeros(row.size, bool)
        unit[account] = load[row[account]] <= 1.0
        reviewed = np.where(unit, (used_before + 1.0 <= capacity).astype(float),
                            np.clip(np.floor(capacity - used_before), 0.0, mass))
        taken = reviewed > 0
        self._mass[order[taken]] -= reviewed[taken]
        self.reviews_done += float(reviewed[taken].sum())
        take = taken & account
        if not take.any():
            return ReviewOutcome.empty()
        rows, inverse = np.unique(row[take], return_inverse=True)
        mu = self.evidence.score(view, rows, tick)[inverse] + self._bonus[self._source[order[take]]]
        p_entry = ndtr((mu - self.cfg.ban_threshold) / self.cfg.noise_sd)
        r = np.bincount(inverse, weights=reviewed[take], minlength=rows.size)
        bans = np.bincount(inverse, weights=reviewed[take] * p_entry, minlength=rows.size)
        none = np.exp(np.bincount(inverse, weights=reviewed[take] * np.log1p(-np.minimum(p_entry, 1.0 - 1e-16)),
                                  minlength=rows.size))
        u = self.stream.random(rows.size)
        banned = u < bans / np.maximum(load[rows], 1.0)
        any_banned = u < 1.0 - none  # coupled: a banned row always had a banned account
        left = np.maximum(view.queued_mass[rows] - r, 0.0)
        view.queued_mass[rows] = left
        view.queue_full[rows] = False
        self.leave(view, rows[left <= 1e-9])
        return ReviewOutcome(rows, r, bans / r, banned, any_banned | banned)

    def _gather(self, view: ObservableAccounts, tick: int) -> None:
        """Today's new entries and background join; entries of rows that left, used up or
        expired entries are dropped (and a row whose entries all expired leaves)."""
        if self._background is not None:
            priority, mass = self._background
            mass = mass * self._day_scale[min(tick // HOURS_PER_DAY, self._day_scale.size - 1)]
            self._pending.append((np.full(priority.size, BACKGROUND, np.int64), priority, mass,
                                  np.zeros(priority.size, np.int8), np.full(priority.size, tick, np.int64)))
        if self._pending:
            parts = list(zip(*self._pending, strict=True))
            self._pending = []
            self._row, self._priority, self._mass, self._source, self._at = (
                np.concatenate([old, *new]) for old, new in
                zip((self._row, self._priority, self._mass, self._source, self._at), parts, strict=True))
        background = self._row == BACKGROUND
        alive = _still_queued(view, self._row, background) & (self._mass > 1e-12)
        expired = alive & (self._at < tick - self.cfg.max_wait_days * HOURS_PER_DAY)
        gone = expired & ~background
        if gone.any():
            rows = self._row[gone]
            np.subtract.at(view.queued_mass, rows, self._mass[gone])
            rows = np.unique(rows)
            view.queue_full[rows] = False
            self.leave(view, rows[view.queued_mass[rows] <= 1e-9])
            alive &= _still_queued(view, self._row, background)
        keep = alive & ~expired
        self._row, self._priority, self._mass, self._source, self._at = (
            a[keep] for a in (self._row, self._priority, self._mass, self._source, self._at))

    def _top(self) -> np.ndarray:
        """Indices of the entries that today's capacity can reach, highest priority first
        (ties by age in the queue). Entries hold at most one account each or more, except
        fractions of weighted rows, so the ``ceil(capacity)`` highest usually suffice and the
        rest need not be sorted; when that head holds less than the capacity the whole queue
        is sorted."""
        key = -self._priority
        k = int(min(key.size, np.ceil(self.cfg.capacity_per_day)))
        if k < key.size:
            cut = np.partition(key, k - 1)[k - 1]
            head = np.flatnonzero(key <= cut)  # keeps every tie at the cut, in queue order
            if self._mass[head].sum() >= self.cfg.capacity_per_day:
                return head[np.argsort(key[head], kind="stable")]
        return np.argsort(key, kind="stable")

    @staticmethod
    def leave(view: ObservableAccounts, rows: np.ndarray) -> None:
        """Rows ``rows`` leave the queue entirely (reviewed, expired, banned or closed); their
        entries are dropped at the next review."""
        view.queued[rows] = False
        view.queued_mass[rows] = 0.0
        view.queue_full[rows] = False
