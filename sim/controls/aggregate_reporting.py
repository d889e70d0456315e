"""Aggregate volume thresholds with reporting: per identity, per payment instrument
and per infrastructure cluster, rather than per account.

A cluster is a connected component of the graph whose nodes are the provider's
live accounts and the indicator ids they carry (``cluster_on``: payment,
identity, network exit, device by default), an edge joining an account to each
of its indicators: accounts linked by any chain of shared indicators the
provider can see form one cluster. It is computed once a day with
``scipy.sparse.csgraph.connected_components`` over a sparse bipartite
adjacency matrix (no per-account Python loop).

At the end of each day, for each key ``k`` in {identity, payment, cluster}
with a finite threshold ``T_k``::

    V_j = sum of today's served exchanges of the live accounts with key value j
    flag every live account whose V_j > T_k

A flagged account is queued for review (priority ``review_priority``) and a
report is opened; it is due ``report_deadline_days`` later (S: 30 days, the
FinCEN SAR rule). With ``silent_throttle_share > 0`` the accounts of a flagged
group lose that share of their requests (refused, seen as errors rather than
rate limiting) until reviewed: silent throttling before a ban (I). A batch of
``d`` requests loses ``floor(share x d)``; a day planned by its sender
(``TrafficBatch.hours``) loses it hour by hour, ``sum_h floor(share x d_h)``,
as the same requests sent hour by hour would.

Per-account volume in the reference campaign looked like ordinary use
(CALIBRATION: ~26 exchanges per account-day), so only sums over linked
accounts can single it out; legitimate users behind a shared CGNAT or VPN exit
form clusters too, which is this control's collateral channel.
"""

from __future__ import annotations

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from ..world.accounts import ACTIVE, PENDING, ObservableAccounts
from ..config import AggregateReportingConfig
from ..world.indicators import COLUMN
from .base import Control, DayContext, Phase, TrafficBatch


def clusters(view: ObservableAccounts, rows: np.ndarray, kinds: list[str], sizes: dict[str, int]) -> np.ndarray:
    """Cluster label of each of ``rows``: connected components over shared indicators.

    Nodes are the accounts (``0 .. n-1``) and, after them, every indicator id
    of each kind (offset per kind); an account is joined to each indicator it
    carries (ids of -1 carry nothing).
    """
    n = rows.size
    src, dst = [], []
    offset = n
    for kind in kinds:
        ids = getattr(view, COLUMN[kind])[rows]
        has = ids >= 0
        src.append(np.flatnonzero(has))
        dst.append(ids[has] + offset)
        offset += sizes[kind]
    i = np.concatenate(src) if src else np.zeros(0, np.int64)
    j = np.concatenate(dst) if dst else np.zeros(0, np.int64)
    graph = coo_matrix((np.ones(i.size, dtype=np.int8), (i, j)), shape=(offset, offset)).tocsr()
    _, labels = connected_components(graph, directed=False)
    return labels[:n]


class AggregateReporting(Control):
    name = "aggregate_reporting"
    phases = frozenset({Phase.FILTER, Phase.FLAG})

    def __init__(self, cfg: AggregateReportingConfig) -> None:
        self.cfg = cfg
        t = cfg.thresholds
        self._keys = {k: v for k, v in (("identity", t.identity), ("payment", t.payment), ("cluster", t.cluster)) if np.isfinite(v)}
        self._throttled = np.zeros(0, dtype=bool)
        self.reports_opened = 0  # groups over a threshold (one report each)
        self.report_due_days: list[float] = []  # day each report is due
        self.accounts_flagged = 0

    def apply(self, ctx: TrafficBatch | DayContext) -> None:
        if isinstance(ctx, TrafficBatch):
            self._silent_throttle(ctx)
        else:
            self._flag(ctx)

    def _silent_throttle(self, batch: TrafficBatch) -> None:
        share = self.cfg.silent_throttle_share
        if share <= 0 or not self._throttled.any():
            return
        rows = batch.rows
        inside = rows < self._throttled.size
        hit = np.zeros(rows.size, dtype=bool)
        hit[inside] = self._throttled[rows[inside]] & batch.view.queued[rows[inside]]
        if hit.any():
            cut = np.zeros_like(batch.demand)
            if batch.hours is None:
                cut[hit] = np.floor(batch.remaining[hit] * share).astype(batch.demand.dtype)
            else:  # a planned day: the share of each hour's requests, as hour by hour
                at = np.flatnonzero(hit)
                cut[at] = np.floor(batch.planned_left(batch.remaining[at], at) * share).sum(axis=1).astype(batch.demand.dtype)
            batch.refuse(self.name, cut)

    def _flag(self, ctx: DayContext) -> None:
        if not self._keys:
            return
        v = ctx.view
        live = np.flatnonzero((v.provider == ctx.provider) & ((v.status == ACTIVE) | (v.status == PENDING)))
        if live.size == 0:
            return
        served = (v.demand_day[live] - v.refused_day[live]).astype(np.float64)
        flagged = np.zeros(live.size, dtype=bool)
        for key, threshold in self._keys.items():
            if key == "cluster":
                labels = clusters(v, live, self.cfg.cluster_on, ctx.indicator_sizes)
            else:
                ids = getattr(v, COLUMN[key])[live]
                labels = np.where(ids >= 0, ids, -1)
            ok = labels >= 0
            volume = np.bincount(labels[ok], weights=served[ok])
            over_groups = np.flatnonzero(volume > threshold)
            self.reports_opened += int(over_groups.size)
            self.report_due_days.extend([ctx.clock.day + self.cfg.report_deadline_days] * int(over_groups.size))
            over = np.zeros(live.size, dtype=bool)
            over[ok] = volume[labels[ok]] > threshold
            flagged |= over
        rows = live[flagged & ~v.queue_full[live] & (v.status[live] == ACTIVE)]
        self.accounts_flagged += int(rows.size)
        if rows.size:
            ctx.enqueue(rows, np.full(rows.size, self.cfg.review_priority, dtype=np.float32), self.name)
            if self.cfg.silent_throttle_share > 0:
                if self._throttled.size < v.n:
                    grown = np.zeros(v.n, dtype=bool)
                    grown[: self._throttled.size] = self._throttled
                    self._throttled = grown
                self._throttled[rows] = True
