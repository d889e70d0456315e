"""Volume caps: per-account hourly and daily limits, and daily limits summed
over all accounts that share an identity, an organisation or a payment instrument.

Formulas, for a batch of requests ``d_i`` (after earlier filters):

- hourly cap ``c_h``: an hourly batch is served up to ``min(d_i, c_h)``. A
  batch of accounts advanced a day at a time is split over the 24 hours by the
  daily cycle (multinomial; drawn only for accounts with ``d_i > c_h``, the
  only ones the cap can touch) and served ``sum_h min(d_i,h, c_h)``;
- daily cap ``c_d``: served up to ``max(0, c_d - u_i)`` where ``u_i`` is what
  the account was already served today;
- aggregate cap ``C_k`` on indicator type ``k``: accounts sharing indicator
  ``j`` are served together at most ``max(0, C_k - U_j)`` (``U_j`` served so
  far today through ``j``), split in proportion to their requests (rounded
  down).

Mode ``throttle`` refuses the excess (the account sees rate-limit errors, so
an operator can learn the cap and pace under it); mode ``flag`` serves it but
queues the account for review at the end of the day.
"""

from __future__ import annotations

import numpy as np

from ..accounts import ACTIVE, ObservableAccounts
from ..calendar import HOURS_PER_DAY
from ..config import VolumeCapConfig
from ..indicators import COLUMN
from .base import Control, DayContext, Phase, TrafficBatch

AGGREGATE_KINDS: tuple[str, ...] = ("identity", "organisation", "payment")


class VolumeCap(Control):
    name = "volume_cap"
    phases = frozenset({Phase.FILTER, Phase.FLAG})

    def __init__(self, cfg: VolumeCapConfig, rng: np.random.Generator) -> None:
        self.cfg = cfg
        self.stream = rng
        self.throttle = cfg.mode == "throttle"
        self._aggregate = {k: getattr(cfg.aggregate_day, k) for k in AGGREGATE_KINDS if np.isfinite(getattr(cfg.aggregate_day, k))}
        self._used: dict[str, np.ndarray] = {k: np.zeros(0) for k in self._aggregate}
        self._day = -1
        self._exceeded: list[np.ndarray] = []
        # (rows array, kind) -> grouping of the batch's accounts by indicator. An
        # operator sends the same rows array hour after hour, so the grouping is
        # computed once per array, not once per hour.
        self._groups: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = {}

    def apply(self, ctx: TrafficBatch | DayContext) -> None:
        if isinstance(ctx, TrafficBatch):
            self._filter(ctx)
        else:
            self._flag(ctx)

    # ------------------------------------------------------------------ traffic

    def _filter(self, batch: TrafficBatch) -> None:
        if batch.clock.day != self._day:
            self._day = batch.clock.day
            for k in self._used:
                self._used[k][:] = 0.0
        v = batch.view
        rows = batch.rows
        want = batch.remaining
        allowed = want.copy()
        c_h = self.cfg.per_account_hour
        if np.isfinite(c_h):
            allowed = self._hourly(allowed, c_h, batch)
        c_d = self.cfg.per_account_day
        if np.isfinite(c_d):
            served_today = v.demand_day[rows] - v.refused_day[rows]
            allowed = np.minimum(allowed, np.maximum(c_d - served_today, 0).astype(allowed.dtype))
        for kind, cap in self._aggregate.items():
            allowed = self._aggregate_cap(v, rows, allowed, kind, cap)
        excess = want - allowed
        if not excess.any():
            return
        if self.throttle:
            batch.refuse(self.name, excess, throttle=True)
        else:
            self._exceeded.append(rows[excess > 0])

    def _hourly(self, allowed: np.ndarray, cap: float, batch: TrafficBatch) -> np.ndarray:
        if batch.span_hours == 1:
            return np.minimum(allowed, int(cap))
        over = allowed > cap
        if not over.any():
            return allowed
        profile = batch.profile if batch.profile is not None else np.full(HOURS_PER_DAY, 1.0 / HOURS_PER_DAY)
        hours = self.stream.multinomial(allowed[over], profile)
        out = allowed.copy()
        out[over] = np.minimum(hours, int(cap)).sum(axis=1)
        return out

    def _grouping(self, v: ObservableAccounts, rows: np.ndarray, kind: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Accounts of the batch that carry an indicator, the distinct ids, and each account's group."""
        cached = self._groups.get(kind)
        if cached is not None and cached[0] is rows:
            return cached[1], cached[2], cached[3]
        ids = getattr(v, COLUMN[kind])[rows]
        has = np.flatnonzero(ids >= 0)
        distinct, group = np.unique(ids[has], return_inverse=True)
        self._groups[kind] = (rows, has, distinct, group)
        return has, distinct, group

    def _aggregate_cap(self, v: ObservableAccounts, rows: np.ndarray, allowed: np.ndarray, kind: str, cap: float) -> np.ndarray:
        has, distinct, group = self._grouping(v, rows, kind)
        if distinct.size == 0:
            return allowed
        used = self._used[kind]
        if used.size <= distinct[-1]:
            grown = np.zeros(max(int(distinct[-1]) + 1, 2 * used.size))
            grown[: used.size] = used
            self._used[kind] = used = grown
        want = allowed[has]
        total = np.bincount(group, weights=want, minlength=distinct.size)
        room = np.maximum(cap - used[distinct], 0.0)
        ratio = np.where(total > room, room / np.maximum(total, 1e-12), 1.0)
        out = allowed.copy()
        out[has] = np.floor(want * ratio[group]).astype(allowed.dtype)
        used[distinct] += np.bincount(group, weights=out[has], minlength=distinct.size)
        return out

    # ------------------------------------------------------------------ end of day

    def _flag(self, ctx: DayContext) -> None:
        if not self._exceeded:
            return
        rows = np.unique(np.concatenate(self._exceeded))
        self._exceeded = []
        v = ctx.view
        rows = rows[(v.provider[rows] == ctx.provider) & (v.status[rows] == ACTIVE) & ~v.queued[rows]]
        ctx.enqueue(rows, np.full(rows.size, self.cfg.flag_priority, dtype=np.float32), self.name)
