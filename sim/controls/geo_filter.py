"""Network / geo filter: refuses traffic from restricted regions and detected proxies.

Formula: an exit of type ``k`` is matched with probability ``match_prob[k]``
(recall for proxy types, false-match rate for legitimate VPN / CGNAT exits).
The draw belongs to the exit, not to the account, so every account behind one
exit gets the same answer. While its exit is matched, all of an account's
requests are refused. The operator observes the refusals and moves the account
to a new exit (its strategy switch); a legitimate user reconnects with a daily
probability. Both go through the same code path: a new exit, re-classified.
"""

from __future__ import annotations

import numpy as np

from ..world.accounts import ObservableAccounts
from ..config import EXIT_TYPES, GeoFilterConfig
from ..world.streams import hashed_uniform
from .base import Control, Phase, TrafficBatch


class GeoFilter(Control):
    name = "geo_filter"
    phases = frozenset({Phase.FILTER})

    def __init__(self, cfg: GeoFilterConfig, key: np.uint64) -> None:
        self.match_prob = np.array([getattr(cfg.match_prob, t) for t in EXIT_TYPES])
        self.key = key

    def observe(self, view: ObservableAccounts, rows: np.ndarray) -> None:
        u = hashed_uniform(view.exit_id[rows], self.key)
        view.exit_matched[rows] = u < self.match_prob[view.exit_type[rows]]

    def apply(self, batch: TrafficBatch) -> None:
        matched = batch.view.exit_matched[batch.rows]
        if matched.any():
            batch.refuse(self.name, np.where(matched, batch.remaining, 0))
