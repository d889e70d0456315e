"""The sharing consortium: the only channel between providers.

Providers publish indicators of the accounts they banned; after
``latency_days`` each other participant receives each published indicator
with probability ``coverage`` and acts on accounts carrying it (``ban`` or
``review``). In the status quo it is inert (``policy.sharing.enabled=false``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import mesa
import numpy as np

from ..world.accounts import ACTIVE, PENDING
from ..config import SharingConfig
from ..world.calendar import HOURS_PER_DAY
from ..world.indicators import COLUMN, specific_mask, spreading

if TYPE_CHECKING:
    from .world import DefenderWorld


class SharingConsortium(mesa.Agent):
    """Carries indicators of banned accounts between participating providers.

    It reads the observable columns of the accounts, as the providers do;
    ``review_priority[p]`` is the queue priority provider ``p``'s stack gives an account flagged through it.
    """

    def __init__(self, world: DefenderWorld, cfg: SharingConfig, review_priority: Sequence[float]) -> None:
        super().__init__(world)
        self.world = world
        self.cfg = cfg
        self.review_priority = list(review_priority)
        self.view = world.accounts.observable()
        self.stream = world.streams.generator("consortium")
        self._outbox: list[tuple[int, int, dict[str, np.ndarray]]] = []  # (due tick, source, ids by kind)

    def publish(self, source: int, banned_rows: np.ndarray, groups: np.ndarray) -> None:
        """A provider publishes the indicators of accounts it banned today: an account's own
        indicators from ``banned_rows``, the group-indicator (template) ids ``groups`` its bans
        spread along (:meth:`~sim.agents.provider.Provider.group_spread`)."""
        if not self.cfg.enabled or source not in self.cfg.participants or (banned_rows.size == 0 and groups.size == 0):
            return
        view = self.view
        ids = {kind: np.unique(spreading(kind, getattr(view, COLUMN[kind]), banned_rows, groups))
               for kind in self.cfg.indicators}
        due = self.world.clock.tick + int(round(self.cfg.latency_days * HOURS_PER_DAY))
        self._outbox.append((due, source, ids))

    def deliver(self) -> None:
        """Hand over every message whose latency has passed."""
        if not self._outbox:
            return
        tick = self.world.clock.tick
        due = [m for m in self._outbox if m[0] <= tick]
        self._outbox = [m for m in self._outbox if m[0] > tick]
        received: dict[int, dict[str, list[np.ndarray]]] = {}
        for _, source, ids in due:
            for dest in self.cfg.participants:
                if dest == source:
                    continue
                inbox = received.setdefault(dest, {})
                for kind, values in ids.items():  # each indicator reaches ``dest`` with probability ``coverage``
                    inbox.setdefault(kind, []).append(values[self.stream.random(values.size) < self.cfg.coverage])
        for dest, inbox in received.items():
            self._apply(dest, {kind: np.concatenate(parts) for kind, parts in inbox.items()})

    def _apply(self, dest: int, ids: dict[str, np.ndarray]) -> None:
        """Act on ``dest``'s live accounts that carry any received indicator."""
        ids = {kind: values for kind, values in ids.items() if values.size}
        if not ids:
            return
        provider = self.world.providers[dest]
        view = self.view
        live = np.flatnonzero((view.provider == dest) & ((view.status == ACTIVE) | (view.status == PENDING)))
        hit = np.zeros(live.size, dtype=bool)
        carriers = self.world.review_load[live]
        for kind, values in ids.items():
            hit |= specific_mask(getattr(view, COLUMN[kind])[live], values, self.world.indicators.size(kind),
                                 carriers, self.cfg.max_carriers)
        rows = live[hit]
        if self.cfg.action == "ban":
            provider.ban(rows, "sharing")
        else:
            rows = rows[~view.queue_full[rows] & (view.status[rows] == ACTIVE)]
            provider.enqueue(rows, np.full(rows.size, self.review_priority[dest], np.float32), "sharing")
