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
        # (rows array, positions of its matched exits). An operator sends the same rows
        # array hour after hour and exits change only through ``observe``.
        self._matched_for: tuple[np.ndarray, np.ndarray] | None = None

    def observe(self, view: ObservableAccounts, rows: np.ndarray) -> None:
        u = hashed_uniform(view.exit_id[rows], self.key)
        view.exit_matched[rows] = u < self.match_prob[view.exit_type[rows]]
        self._matched_for = None

    def apply(self, batch: TrafficBatch) -> None:
        rows = batch.rows
        if self._matched_for is None or self._matched_for[0] is not rows:
            self._matched_for = (rows, np.flatnonzero(batch.view.exit_matched[rows]))
        at = self._matched_for[1]
        if at.size:
            batch.refuse_at(self.name, at, batch.demand[at] - batch.refused[at])
