"""An operator's day planned at its first tick: each hour's requests split evenly over its fleet.

Hour by hour an operator splits an hour's goal ``g_h`` over the ``n_h``
accounts online then: ``base_h = g_h // n_h`` each, and one more for the
``extra_h = g_h % n_h`` positions ``[start_h, start_h + extra_h)`` (mod
``n_h``) from a rotating offset, ``start_h = (n_h - offset) % n_h``, the offset
then moving on by ``extra_h`` (:meth:`~sim.agents.operator.Operator.send`).
Accounts keep their positions through the day (those coming online are
appended), so the day's requests of the account at position ``i`` are::

    d_i = sum_h [i < n_h] base_h + [(i - start_h) mod n_h < extra_h]

computed with a difference array over the positions (O(accounts + 24)); the
accounts x hours matrix is built only for the accounts a caller asks about
(an hourly cap, or the refused accounts whose refusals are dated).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from ..world.calendar import HOURS_PER_DAY


@dataclass(frozen=True)
class HourlySplit:
    """A day's hourly goals split over the accounts online in each hour (the module docstring).

    Satisfies :class:`~sim.controls.base.PlannedHours`; ``positions`` narrows it to some accounts
    (one provider's part of the fleet, in the order of that provider's batch)."""

    fleet: np.ndarray  # accounts online in each hour (0: none, or the hour is not planned)
    base: np.ndarray
    extra: np.ndarray
    start: np.ndarray
    offset: int  # the rotating offset after the day
    positions: np.ndarray | None = None

    @classmethod
    def of(cls, goals: np.ndarray, fleet: np.ndarray, offset: int) -> HourlySplit:
        """Split ``goals`` (one per hour) over ``fleet`` accounts, from the rotating ``offset``."""
        base, extra, start = np.zeros((3, HOURS_PER_DAY), dtype=np.int64)
        for h in np.flatnonzero(fleet):
            n = int(fleet[h])
            (base[h], extra[h]), start[h] = divmod(int(goals[h]), n), (n - offset) % n
            offset = (offset + int(extra[h])) % n
        return cls(np.asarray(fleet, dtype=np.int64), base, extra, start, offset)

    def demand(self) -> np.ndarray:
        """Each position's requests over the day (positions ``0 .. max fleet - 1``)."""
        fleet, base, extra, start = self.fleet, self.base, self.extra, self.start
        width = int(fleet.max(initial=0))
        diff = np.zeros(width + 1, dtype=np.int64)
        end = start + extra
        wrap = end > fleet
        diff[0] += int(base.sum()) + int(np.count_nonzero(wrap))
        on = extra > 0
        np.add.at(diff, np.concatenate([fleet, start[on], np.minimum(end, fleet)[on], (end - fleet)[wrap]]),
                  np.concatenate([-base, np.ones(int(on.sum()), np.int64), -np.ones(int(on.sum()), np.int64),
                                  -np.ones(int(wrap.sum()), np.int64)]))
        return np.cumsum(diff[:width])

    @property
    def peak(self) -> int:
        """The most requests any account makes in one hour."""
        return int((self.base + (self.extra > 0)).max(initial=0))

    def matrix(self, at: np.ndarray | None = None) -> np.ndarray:
        """Requests of the accounts at ``at`` (positions in this split, or in ``positions`` when narrowed;
        None: all) in each hour: accounts x 24."""
        if self.positions is not None:
            i = self.positions if at is None else self.positions[at]
        else:
            i = np.arange(int(self.fleet.max(initial=0))) if at is None else np.asarray(at)
        i = i[:, None]
        window = (i - self.start) % np.maximum(self.fleet, 1) < self.extra
        return np.where(i < self.fleet, self.base + window, 0)

    def narrowed(self, positions: np.ndarray) -> HourlySplit:
        """The same split for the accounts at ``positions`` only."""
        return replace(self, positions=positions)


@dataclass(frozen=True)
class DayPlan:
    """A day's requests planned at its first tick (:meth:`~sim.agents.operator.Operator.send`)."""

    rows: np.ndarray  # today's sending accounts: those sending now, then those coming online, in order
    goals: np.ndarray  # requests in each hour
    split: HourlySplit  # the goals split over the fleet
    proxy: np.ndarray  # proxy price per request of each account (USD)
    done: int | None  # the hour the target is reached if every request is served
    pending: np.ndarray  # accounts still pending after the day
