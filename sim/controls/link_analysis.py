"""Link analysis: a ban propagates along strong indicators and feeds review along weak ones.

Formula: let ``B`` be the accounts the provider banned today. Every live
account on the same provider that shares an indicator of a ``ban_on`` type
(default: identity, payment) with an account in ``B`` is banned; every one
that shares an indicator of a ``review_on`` type (default: network exit,
device) is queued for review with the link priority. One hop per day: the
accounts banned by propagation propagate on the next day.

A legitimate user whose home address served as a residential proxy exit, or
who shares a CGNAT exit with one, is caught by the network rule: that is this
control's collateral channel.
"""

from __future__ import annotations

import numpy as np

from ..world.accounts import ACTIVE, PENDING
from ..config import LinkAnalysisConfig
from ..world.indicators import COLUMN, sharing_mask
from .base import Control, DayContext, Phase


class LinkAnalysis(Control):
    name = "link_analysis"
    phases = frozenset({Phase.PROPAGATE})

    def __init__(self, cfg: LinkAnalysisConfig, link_priority: float) -> None:
        self.cfg = cfg
        self.link_priority = link_priority

    def apply(self, ctx: DayContext) -> None:
        banned = ctx.banned_today
        if banned.size == 0:
            return
        v = ctx.view
        status = v.status
        live = np.flatnonzero((v.provider == ctx.provider) & ((status == ACTIVE) | (status == PENDING)))
        to_ban = np.zeros(live.size, dtype=bool)
        for kind in self.cfg.ban_on:
            col = getattr(v, COLUMN[kind])
            to_ban |= sharing_mask(col[live], col[banned], ctx.indicator_sizes[kind])
        ctx.ban(live.compress(to_ban), self.name)
        to_review = np.zeros(live.size, dtype=bool)
        for kind in self.cfg.review_on:
            col = getattr(v, COLUMN[kind])
            to_review |= sharing_mask(col[live], col[banned], ctx.indicator_sizes[kind])
        rows = live.compress(to_review & ~to_ban)
        rows = rows.compress(~v.queued[rows] & (status[rows] == ACTIVE))
        ctx.enqueue(rows, np.full(rows.size, self.link_priority, dtype=np.float32), self.name)
