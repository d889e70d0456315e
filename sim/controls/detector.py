"""Behavioural detector: each account's accumulated evidence, read with noise, against a threshold.

Formula, for an active account ``i`` with traffic on day ``d`` (its evidence
score ``E`` and pooled error from :mod:`.evidence`)::

    mu_i,d = w_volume * log10(1 + requests_i,d) + w_coding * coding_share_i
           + w_template * template_reuse_i + w_cot * cot_share_i
           + w_timing * timing_regularity_i + w_young * exp(-age_i / young_scale_days)
           + w_network * exit_matched_i                          the day's score
    E_i,d = mu_i,d + lam^D S_i,   S_i = max(0, E_i,prev - k),   k = threshold - accumulation_margin
    score_i = E_i,d + N(0, noise_sd^2 W2_i)                      flag  <=>  score_i > threshold

On an account's first day of traffic (and on every day for an account whose
daily score stays below ``k``) this is the single-day rule
``mu + N(0, noise_sd) > threshold``. An account whose mean daily score ``mu``
exceeds ``k`` gains ``mu - k`` of evidence a day, so it is flagged with a
probability that rises with its days of traffic: after ``n`` days of a run,
``Phi(((mu - k) W_n - margin) / (noise_sd sqrt(W2_n)))`` with
``W_n = sum_(j<n) lam^j`` and ``W2_n = sum_(j<n) lam^(2j)``.

A second, optional channel is a per-request content classifier: each request
flags its account with probability ``hazard_per_exchange``, so an account
with ``n`` requests today is flagged with probability ``1 - (1 - h)^n``.

A row that is one account is flagged by its own draw, at priority ``score``.
Each real account a sampled row stands for has its own classifier errors, so
it is flagged with the probability over them, ``Phi((E - threshold) / (noise_sd sqrt(W2)))``,
with the score of a flagged account (the provider draws how many, and the queue their
scores: :mod:`.review`). Legitimate heavy coders, automated API businesses,
evaluators and users of agent frameworks score high too, so the threshold
trades blocked campaign against wrongful review load.
"""

from __future__ import annotations

import numpy as np
from scipy.special import ndtr

from ..config import DetectorConfig
from ..world.accounts import ACTIVE
from .base import Control, DayContext, Phase
from .evidence import EvidenceMemory


class Detector(Control):
    name = "detector"
    phases = frozenset({Phase.FLAG})

    def __init__(self, cfg: DetectorConfig, memory: EvidenceMemory, rng: np.random.Generator) -> None:
        self.cfg = cfg
        self.memory = memory
        self.stream = rng
        # Today's scored accounts, their noiseless evidence score, each real account's
        # probability of a flag and how many of each row's real accounts already waited in
        # review, so could not be flagged again (expected-value metrics and calibration;
        # decisions use the draw).
        self.last_rows = np.zeros(0, dtype=np.int64)
        self.last_mu = np.zeros(0)
        self.last_p_flag = np.zeros(0)
        self.last_queued = np.zeros(0)

    def apply(self, ctx: DayContext) -> None:
        v = ctx.view
        m = self.memory
        scored = (v.status[m.rows] == ACTIVE) & ~v.queue_full[m.rows]
        rows = m.rows[scored]
        evidence = v.evidence_score[rows]
        spread = self.cfg.noise_sd * np.sqrt(v.evidence_days_sq[rows])
        score = evidence + self.cfg.noise_sd * v.evidence_noise[rows]
        hit = score > self.cfg.threshold
        self.last_rows, self.last_mu = rows, evidence
        self.last_queued = v.queued_mass[rows]
        self.last_p_flag = ndtr((evidence - self.cfg.threshold) / spread)
        h = self.cfg.hazard_per_exchange
        if h > 0:
            p_request = -np.expm1(v.demand_day[rows] * np.log1p(-h)) if h < 1 else np.ones(rows.size)
            hit |= self.stream.random(rows.size) < p_request
            self.last_p_flag = 1.0 - (1.0 - self.last_p_flag) * (1.0 - p_request)
        ctx.flag(rows, hit, score, self.last_p_flag, evidence, spread, self.cfg.threshold, self.name)
