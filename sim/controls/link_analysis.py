"""Link analysis: a ban propagates along strong indicators and feeds review along weak ones.

Formula: let ``B`` be the accounts the provider banned today. Every live
account on the same provider that shares an indicator of a ``ban_on`` type
(default: identity, payment) with an account in ``B`` is banned; every one
that shares an indicator of a ``review_on`` type (default: network exit,
device) is queued for review with the link priority. One hop per day: the
accounts banned by propagation propagate on the next day. Along a group indicator
(a prompt template) a ban spreads along the ids the provider found spreading today
(:meth:`~sim.agents.provider.Provider.group_spread`: an operator's template from every
row with a real account banned, a segment's shared templates pooled over their
carriers); along an account's own indicator (exit, card, identity, device) from the
banned rows (:func:`~sim.world.indicators.spreading`); a sampled row links others, not itself. An indicator whose
live carriers stand for more than ``max_carriers`` real accounts is too common
to act on and links nothing (:func:`~sim.world.indicators.specific_mask`).

A legitimate user whose home address served as a residential proxy exit, or
who shares a CGNAT exit with one, is caught by the network rule: that is this
control's collateral channel.
"""

from __future__ import annotations

import numpy as np

from ..world.accounts import ACTIVE, PENDING
from ..config import LinkAnalysisConfig
from ..world.indicators import COLUMN, specific_mask, spreading
from .base import Control, DayContext, Phase


class LinkAnalysis(Control):
    name = "link_analysis"
    phases = frozenset({Phase.PROPAGATE})

    def __init__(self, cfg: LinkAnalysisConfig, link_priority: float) -> None:
        self.cfg = cfg
        self.link_priority = link_priority

    def apply(self, ctx: DayContext) -> None:
        banned, spread = ctx.banned_today, ctx.spread_today
        if spread.size == 0 and ctx.spread_groups.size == 0:
            return
        v = ctx.view
        status = v.status
        live = np.flatnonzero((v.provider == ctx.provider) & ((status == ACTIVE) | (status == PENDING)))
        live = live[~np.isin(live, spread)]  # a sampled row that lost accounts links others, not itself
        carriers = ctx.carriers[live]

        def linked(kinds: list[str]) -> np.ndarray:
            hit = np.zeros(live.size, dtype=bool)
            for kind in kinds:
                col = getattr(v, COLUMN[kind])
                source = spreading(kind, col, banned, ctx.spread_groups)
                hit |= specific_mask(col[live], source, ctx.indicator_sizes[kind], carriers, self.cfg.max_carriers)
            return hit

        to_ban = linked(self.cfg.ban_on)
        ctx.ban(live[to_ban], self.name)
        rows = live[linked(self.cfg.review_on) & ~to_ban]
        rows = rows[~v.queue_full[rows] & (status[rows] == ACTIVE)]
        ctx.enqueue(rows, np.full(rows.size, self.link_priority, dtype=np.float32), self.name)
