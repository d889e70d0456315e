"""Pooled-traffic (cluster) detector: the traffic of accounts that share an indicator, tested as one.

The labs attributed the campaigns from evidence pooled over accounts, not
from single accounts (IP correlation, shared payment signals, infrastructure
indicators, repeated prompt templates; CALIBRATION). Here every indicator id
of a ``pool_on`` type carried by the provider's live accounts is a pool ``g``;
once a day its traffic within the evidence memory is tested against benign
traffic, as a windowed distribution test of LLM API traffic does (Liu et al.
2026: windows of 1,500 queries against benign history).

How distillation-like a pool's traffic looks is read from its accounts'
traffic traits on the detector's own score scale ``m = w . traits``
(:func:`~sim.controls.evidence.trait_score`), between two reference profiles,
``benign`` (the most distillation-like benign traffic the test's benign
history holds) and ``distillation``. For a pool of ``k_g`` accounts with
requests ``V_i`` within the memory (:class:`~sim.controls.evidence.EvidenceMemory`),
standing for ``R_g >= k_g`` real accounts (``template_group_size``: a template
the sampled users share is carried by ``R_g`` real accounts), the pooled
traffic, its distillation share and the detection probability are::

    N_g = (R_g / k_g) sum_i V_i
    m_g = sum_i V_i m_i / sum_i V_i
    a_g = clip((m_g - m_benign) / (m_distillation - m_benign), 0, 1)
    P_g = 1 - Phi(z_(1-alpha) - delta a_g sqrt(min(N_g, window)))
    delta = (z_(1-alpha) + z_tpr) / (reference_attacker_share sqrt(window))

so a pool of benign traffic at the benign reference (``a_g = 0``) is flagged
with probability ``alpha`` (``false_positive_rate``) on each day, and a full
window whose traffic is ``reference_attacker_share`` distillation (the
reference cluster) with ``tpr`` (``true_positive_rate``). Evidence grows with
the pool's size and with its days of traffic, up to one window. Pools of fewer
than ``min_accounts`` real accounts are not tested. A flagged pool sends all
its active accounts to review (those with traffic within the memory: one yet to
send any joins when it does; source ``cluster``) at priority
``review_priority x a_g``: pools that look like distillation are reviewed
first, a false alarm on benign-looking traffic waits at the back of the queue
(an account in several flagged pools takes the highest).

Collateral: pools of legitimate traffic that departs from the benign reference
(users of one agent framework or evaluation harness share its template and its
automated timing; users behind one CGNAT exit share it), and every false alarm
sends a whole pool, possibly many real users, to review. Cost: one pass over the
provider's live accounts per indicator type per day (``np.bincount`` over dense ids).
"""

from __future__ import annotations

import numpy as np
from scipy.special import ndtr, ndtri

from ..config import ClusterDetectorConfig, DetectorWeights
from ..config.policy import reference_score
from ..world.accounts import ACTIVE, PENDING, ObservableAccounts
from ..world.indicators import COLUMN
from .base import Control, DayContext, Phase
from .evidence import EvidenceMemory, trait_score


def evidence_shift(cfg: ClusterDetectorConfig) -> float:
    """``delta``: the shift per exchange of distillation traffic, in units of the benign noise, at which
    a full window that is ``reference_attacker_share`` distillation is detected with ``true_positive_rate``."""
    z_alpha = ndtri(1.0 - cfg.false_positive_rate)
    return float((z_alpha + ndtri(cfg.true_positive_rate)) / (cfg.reference_attacker_share * np.sqrt(cfg.window_exchanges)))


def detection_probability(cfg: ClusterDetectorConfig, share: np.ndarray, exchanges: np.ndarray) -> np.ndarray:
    """``P_g`` of pools with distillation share ``share`` and ``exchanges`` of pooled traffic (real accounts')."""
    z_alpha = ndtri(1.0 - cfg.false_positive_rate)
    read = np.sqrt(np.minimum(exchanges, cfg.window_exchanges))
    return ndtr(evidence_shift(cfg) * share * read - z_alpha)


class ClusterDetector(Control):
    name = "cluster"
    phases = frozenset({Phase.FLAG})

    def __init__(self, cfg: ClusterDetectorConfig, weights: DetectorWeights, memory: EvidenceMemory,
                 rng: np.random.Generator) -> None:
        self.cfg = cfg
        self.weights = weights
        self.memory = memory
        self.stream = rng
        self._benign = reference_score(cfg.benign, weights)
        self._span = reference_score(cfg.distillation, weights) - self._benign
        self.pools_tested = 0
        self.pools_flagged = 0
        self.accounts_flagged = 0

    def distillation_share(self, trait_score_mean: np.ndarray) -> np.ndarray:
        """``a_g`` of pools whose traffic's mean trait score is ``trait_score_mean``."""
        return np.clip((trait_score_mean - self._benign) / self._span, 0.0, 1.0)

    def apply(self, ctx: DayContext) -> None:
        v = ctx.view
        status = v.status
        live = np.flatnonzero((v.provider == ctx.provider) & ((status == ACTIVE) | (status == PENDING)))
        volume = self.memory.volume(v, live, ctx.clock.day)
        seen = volume > 0
        pooled, volume = live[seen], volume[seen]
        if pooled.size == 0:
            return
        weighted = volume * trait_score(v, pooled, self.weights)
        priority = np.full(pooled.size, -np.inf)
        for kind in self.cfg.pool_on:
            column = getattr(v, COLUMN[kind])
            ids = column[pooled]
            has = np.flatnonzero(ids >= 0)
            ids, pool_volume, pool_weighted = ids[has], volume[has], weighted[has]
            size = ctx.indicator_sizes[kind]
            k = np.bincount(ids, minlength=size)
            if kind == "template":  # few ids: the sampled users' shared templates count at their real size
                real = np.maximum(k, np.bincount(ids, weights=v.template_group_size[pooled][has], minlength=size)
                                  / np.maximum(k, 1))
            else:
                real = k
            pools = np.flatnonzero(real >= self.cfg.min_accounts)
            # Most ids are one account's (a user's own card or device): gather the tested pools only.
            slot = np.full(size, -1, dtype=np.int64)
            slot[pools] = np.arange(pools.size)
            at = slot[ids]
            inside = at >= 0
            members, at = has[inside], at[inside]
            exchanges = np.bincount(at, weights=pool_volume[inside], minlength=pools.size)
            share = self.distillation_share(np.bincount(at, weights=pool_weighted[inside], minlength=pools.size) / exchanges)
            p = detection_probability(self.cfg, share, exchanges * (real[pools] / k[pools]))
            hit = self.stream.random(pools.size) < p
            self.pools_tested += int(pools.size)
            self.pools_flagged += int(np.count_nonzero(hit))
            if hit.any():
                pool_priority = np.where(hit, self.cfg.review_priority * share, -np.inf)
                priority[members] = np.maximum(priority[members], pool_priority[at])
        take = np.isfinite(priority) & (status[pooled] == ACTIVE) & ~v.queue_full[pooled]
        rows = pooled[take]
        self.accounts_flagged += int(rows.size)
        if rows.size:
            ctx.enqueue(rows, priority[take].astype(np.float32), self.name)
