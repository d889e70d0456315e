"""Per-account evidence that accumulates: the provider's memory of each account's traffic.

Each day ``d`` an account sends ``q_d > 0`` requests, the provider reads the
day's feature score ``mu_d`` (:func:`day_score`: requests today, the traffic
traits, youth, a matched exit). With the memory ``lam = exp(-1 / memory_days)``,
the reference ``k = threshold - accumulation_margin`` and ``lam^D`` the fading
since the account's previous day of traffic, the provider keeps a cumulative
sum (CUSUM) of the daily excess over ``k``, with forgetting::

    E_d = mu_d + lam^D S_prev            the account's evidence score today
    S   = max(0, E_d - k)                its accumulated excess (``evidence``)

so ``E = mu`` on the first day of traffic (the single-day score), an account
whose mean daily score exceeds ``k`` gains ``mu - k`` a day (up to
``(mu - k) / (1 - lam)``), and one below ``k`` keeps ``E = mu_d``: evidence
never makes an account look less suspicious than its traffic today. The
classifier reads ``E`` with an error pooled over the days of the current run
of excess (since ``S`` was last 0), ``z_j ~ N(0, 1)`` a day::

    N  = sum_j lam^(d-j) z_j,   W2 = sum_j lam^(2 (d-j))      (``evidence_noise``, ``evidence_days_sq``)
    reading = E + noise_sd * N  ~  N(E, noise_sd^2 W2)

Over ``n`` days of a run, ``E - k`` grows like ``sum_j lam^(d-j)`` while the
error grows like ``sqrt(W2)``: the noise of pooled evidence shrinks relative to
it (``n_eff = (sum_j lam^(d-j))^2 / W2`` days of evidence). The memory also
keeps the requests within it, ``V = sum_j lam^(d-j) q_j`` (``evidence_volume``),
which the cluster detector pools.

Columns (observable; written here only): ``evidence`` (``S``), ``evidence_score``
(``E`` on the account's last day of traffic), ``evidence_noise``,
``evidence_days_sq``, ``evidence_volume``, ``evidence_day`` (that day). The
update touches the accounts with traffic today only, in a fixed number of numpy
calls; the state of accounts without traffic fades lazily, when read. The
classifier's errors are drawn here, from the provider's own stream, so the
memory is the same whichever controls read it.
"""

from __future__ import annotations

import numpy as np

from ..config import DetectorConfig, DetectorWeights
from ..world.accounts import ObservableAccounts
from ..world.calendar import HOURS_PER_DAY, Clock


def day_score(view: ObservableAccounts, rows: np.ndarray, w: DetectorWeights, tick: int,
              tables: ScoreTables | None = None) -> np.ndarray:
    """The noiseless score ``mu`` of accounts ``rows`` for today's traffic, from observable columns only.

    ``tables`` (a provider's :class:`ScoreTables`) reads the volume and youth terms from
    tables of their values by integer argument instead of computing them: the same numbers."""
    t = tables or ScoreTables(w)
    return (
        w.volume * t.log_volume(view.demand_day[rows])
        + trait_score(view, rows, w)
        + w.young * t.youth(tick - view.created_at[rows])
        + w.network * view.exit_matched[rows]
    )


class IntegerTable:
    """``f(k)`` for integer arrays ``k >= 0`` read from a table of ``f`` over ``0, 1, ..., n - 1``,
    grown (doubling) when a larger ``k`` comes. ``f`` is applied to an integer ``arange`` exactly
    as the direct formula applies it to the integers read from a column, so a lookup returns the
    very numbers the formula would; arguments outside the table are computed directly."""

    def __init__(self, f, size: int = 1024) -> None:
        self.f = f
        self.values = f(np.arange(size, dtype=np.int64))

    def __call__(self, k: np.ndarray) -> np.ndarray:
        top = int(k.max(initial=0))
        if top >= self.values.size:
            self.values = self.f(np.arange(max(2 * self.values.size, top + 1), dtype=np.int64))
        if k.size and k.min() < 0:  # not expected (ages and fading are never negative); computed directly
            return self.f(k)
        return self.values[k]


class ScoreTables:
    """The terms of the day's score that depend on one integer each: ``log10(1 + requests)``
    and ``exp(-age / young_scale_days)`` with the age in hours, and the fading ``lam^D`` over
    ``D`` days. Tables, because these run over every account with traffic every day."""

    def __init__(self, w: DetectorWeights, lam: float = 1.0) -> None:
        scale = w.young_scale_days
        self.log_volume = IntegerTable(lambda d: np.log10(1.0 + d))
        self.youth = IntegerTable(lambda h: np.exp(-(h / HOURS_PER_DAY) / scale))
        self.fade = IntegerTable(lambda days: lam ** days.astype(np.float64), size=64)


def trait_score(view: ObservableAccounts, rows: np.ndarray, w: DetectorWeights) -> np.ndarray:
    """The part of the score that the account's traffic traits carry (topic, template, CoT, timing)."""
    return (
        w.coding * view.coding_share[rows]
        + w.template * view.template_reuse[rows]
        + w.cot * view.cot_share[rows]
        + w.timing * view.timing_regularity[rows]
    )


def decay(memory_days: float) -> float:
    """The daily factor ``lam = exp(-1 / memory_days)`` by which past evidence fades."""
    return float(np.exp(-1.0 / memory_days))


class EvidenceMemory:
    """One provider's memory of its accounts' evidence, updated once at the end of each day,
    before its controls flag; after :meth:`update`, ``rows`` are the accounts with traffic today."""

    def __init__(self, cfg: DetectorConfig, rng: np.random.Generator) -> None:
        self.weights = cfg.weights
        self.lam = decay(cfg.memory_days)
        self.reference = cfg.threshold - cfg.accumulation_margin
        self.stream = rng
        self.rows = np.zeros(0, dtype=np.int64)
        self.tables = ScoreTables(cfg.weights, self.lam)

    def _fade(self, view: ObservableAccounts, rows: np.ndarray, day: int) -> np.ndarray:
        return self.tables.fade(day - view.evidence_day[rows])

    def update(self, view: ObservableAccounts, provider: int, clock: Clock) -> None:
        """Fold today's traffic of the provider's accounts into their evidence."""
        day = clock.day
        rows = np.flatnonzero((view.provider == provider) & (view.demand_day > 0))
        fade = self._fade(view, rows, day)
        prior = fade * view.evidence[rows]
        running = prior > 0  # a run of excess continues: its pooled error carries on
        score = day_score(view, rows, self.weights, clock.tick, self.tables) + prior
        view.evidence_score[rows] = score
        view.evidence[rows] = np.maximum(score - self.reference, 0.0)
        view.evidence_noise[rows] = np.where(running, fade * view.evidence_noise[rows], 0.0) + self.stream.standard_normal(rows.size)
        view.evidence_days_sq[rows] = np.where(running, fade * fade * view.evidence_days_sq[rows], 0.0) + 1.0
        view.evidence_volume[rows] = fade * view.evidence_volume[rows] + view.demand_day[rows]
        view.evidence_day[rows] = day
        self.rows = rows

    def score(self, view: ObservableAccounts, rows: np.ndarray, tick: int) -> np.ndarray:
        """The noiseless evidence score ``E`` of accounts ``rows`` at ``tick`` (with traffic today or not)."""
        day = tick // HOURS_PER_DAY
        today = (view.evidence_day[rows] == day) & (view.evidence_days_sq[rows] > 0)
        later = day_score(view, rows, self.weights, tick, self.tables) + self._fade(view, rows, day) * view.evidence[rows]
        return np.where(today, view.evidence_score[rows], later)

    def volume(self, view: ObservableAccounts, rows: np.ndarray, day: int) -> np.ndarray:
        """Requests of accounts ``rows`` within the memory, ``V`` faded to ``day``."""
        return self._fade(view, rows, day) * view.evidence_volume[rows]
