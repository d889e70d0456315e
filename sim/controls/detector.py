"""Behavioural detector: a score from observable features plus noise, against a threshold.

Formula, for an active account ``i`` with traffic on day ``d``::

    mu_i = w_volume * log10(1 + requests_i,d) + w_coding * coding_share_i
         + w_template * template_reuse_i + w_cot * cot_share_i
         + w_timing * timing_regularity_i + w_young * exp(-age_i / young_scale_days)
         + w_network * exit_matched_i
    score_i,d = mu_i + N(0, noise_sd)          flag  <=>  score_i,d > threshold

A second, optional channel is a per-request content classifier: each request
flags its account with probability ``hazard_per_exchange``, so an account
with ``n`` requests today is flagged with probability ``1 - (1 - h)^n``.

Flagged accounts join the provider's review queue with priority ``score``.
Legitimate heavy coders, automated API businesses and evaluators score high
too, so the threshold trades blocked campaign against wrongful review load.
"""

from __future__ import annotations

import numpy as np
from scipy.special import ndtr

from ..world.accounts import ACTIVE, ObservableAccounts
from ..world.calendar import HOURS_PER_DAY
from ..config import DetectorConfig, DetectorWeights
from .base import Control, DayContext, Phase


def feature_score(view: ObservableAccounts, rows: np.ndarray, w: DetectorWeights, tick: int) -> np.ndarray:
    """The noiseless score ``mu`` of accounts ``rows`` from observable columns only."""
    age_days = (tick - view.created_at[rows]) / HOURS_PER_DAY
    return (
        w.volume * np.log10(1.0 + view.demand_day[rows])
        + w.coding * view.coding_share[rows]
        + w.template * view.template_reuse[rows]
        + w.cot * view.cot_share[rows]
        + w.timing * view.timing_regularity[rows]
        + w.young * np.exp(-age_days / w.young_scale_days)
        + w.network * view.exit_matched[rows]
    )


class Detector(Control):
    name = "detector"
    phases = frozenset({Phase.FLAG})

    def __init__(self, cfg: DetectorConfig, rng: np.random.Generator) -> None:
        self.cfg = cfg
        self.stream = rng
        # Today's scored accounts, their noiseless score and flag probability
        # (for expected-value metrics and calibration; decisions use the draw).
        self.last_rows = np.zeros(0, dtype=np.int64)
        self.last_mu = np.zeros(0)
        self.last_p_flag = np.zeros(0)

    def apply(self, ctx: DayContext) -> None:
        v = ctx.view
        rows = np.flatnonzero((v.provider == ctx.provider) & (v.status == ACTIVE) & (v.demand_day > 0) & ~v.queued)
        mu = feature_score(v, rows, self.cfg.weights, ctx.clock.tick)
        self.last_rows, self.last_mu = rows, mu
        self.last_p_flag = ndtr((mu - self.cfg.threshold) / self.cfg.noise_sd)
        score = mu + self.stream.normal(0.0, self.cfg.noise_sd, size=rows.size)
        hit = score > self.cfg.threshold
        h = self.cfg.hazard_per_exchange
        if h > 0:
            p_request = -np.expm1(v.demand_day[rows] * np.log1p(-h)) if h < 1 else np.ones(rows.size)
            hit |= self.stream.random(rows.size) < p_request
            self.last_p_flag = 1.0 - (1.0 - self.last_p_flag) * (1.0 - p_request)
        ctx.enqueue(rows[hit], score[hit], self.name)
