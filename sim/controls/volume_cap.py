"""Volume caps: per-account hourly and daily limits, and daily limits summed
over all accounts that share an identity, an organisation or a payment instrument.

Formulas, for a batch of requests ``d_i`` (after earlier filters):

- hourly cap ``c_h``: an hourly batch is served up to ``min(d_i, c_h)``. A
  batch of accounts advanced a day at a time is split over the 24 hours by the
  daily cycle (multinomial) and served ``sum_h min(d_i,h, c_h)``; when the
  sender planned its hours (an operator's day, ``TrafficBatch.hours``), over
  those hours, of which an earlier filter's refusals took the day's last
  requests (what a daily limit refuses hour by hour; a block takes them all);
- daily cap ``c_d``: served up to ``max(0, c_d - u_i)`` where ``u_i`` is what
  the account was already served today;
- aggregate cap ``C_k`` on indicator type ``k``: accounts sharing indicator
  ``j`` are let through together at most ``max(0, C_k - U_j)``, where ``U_j``
  is what this control let through ``j`` earlier today, split in proportion to
  their requests and rounded down: ``floor(d_i (C_k - U_j) / sum_{i in j} d_i)``.
  The kinds are applied one after another (identity, organisation, payment).

Speed, without changing the formulas:

- an id held by one account only (every legitimate user's identity and
  payment instrument) needs no grouping: its ``U_j`` is the account's own
  let-through-today counter, and a batch in which every account holds only
  such ids is capped per account at ``min_k C_k`` without any sort. The
  control counts each id's holders as accounts are opened (``observe``);
- the hourly split of a day batch is drawn only for accounts whose busiest
  hour could exceed ``c_h`` with probability above ``HOURLY_SKIP_PROB`` (a
  Chernoff bound with a union over the 24 hours); for the others
  ``sum_h min(d_i,h, c_h) = d_i`` except with smaller probability than that;
- a cap's arithmetic is skipped when a bound shows it cannot bind (requested
  today + largest request <= ``c_d``; largest ``U`` + largest group x largest
  request <= ``C_k``).

Mode ``throttle`` refuses the excess (the account sees rate-limit errors, so
an operator can learn the cap and pace under it); mode ``flag`` serves it but
queues the account for review at the end of the day.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..world.accounts import ACTIVE, ObservableAccounts
from ..world.calendar import HOURS_PER_DAY
from ..config import VolumeCapConfig
from ..world.indicators import COLUMN
from .base import Control, DayContext, Phase, TrafficBatch

AGGREGATE_KINDS: tuple[str, ...] = ("identity", "organisation", "payment")
# An account-day whose busiest hour exceeds the hourly cap with at most this
# probability (union bound over the 24 hours) is not split into hours. Over
# the ~5 million legitimate account-days of a reference run, the expected
# number of account-days treated differently is below 1e-2.
HOURLY_SKIP_PROB = 1e-9


def exceed_bound(d: np.ndarray, p: float, c: float | np.ndarray) -> np.ndarray:
    """Upper bound on ``P(Binomial(d, p) > c)`` (Chernoff: ``exp(-d KL(k/d || p))``
    with ``k = floor(c) + 1``; ``c`` one for all or one per element); 1 where ``k/d <= p`` (no bound)."""
    k = np.floor(c) + 1.0
    d = d.astype(np.float64)
    q = np.minimum(k / d, 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        kl = q * np.log(q / p) + np.where(q < 1.0, (1.0 - q) * np.log((1.0 - q) / (1.0 - p)), 0.0)
    return np.where(q > p, np.exp(-d * kl), 1.0)


def hourly_served(allowed: np.ndarray, cap: float | np.ndarray, batch: TrafficBatch,
                  stream: np.random.Generator, at: np.ndarray | None = None) -> np.ndarray:
    """What an hourly cap ``cap`` (one for all, or one per account) lets through of ``allowed``.

    An hourly batch: ``min(d_i, c_h)``. A day batch: ``sum_h min(d_i,h, c_h)``
    over the sender's planned hours when it gives them (the first ``allowed``
    of each account's requests, in hour order), otherwise over the split of
    ``d_i`` by the daily cycle, drawn only for the accounts whose busiest hour
    could exceed ``c_h`` with probability above ``HOURLY_SKIP_PROB``.
    ``at``: the positions in the batch of ``allowed``'s accounts (None: all).
    """
    if batch.span_hours == 1:
        if np.ndim(cap) == 0:
            c = np.floor(cap)
            # The largest request under the cap: nothing to clip (the caller gets ``allowed`` back).
            return allowed if allowed.max(initial=0) <= c else np.minimum(allowed, c).astype(allowed.dtype)
        return np.minimum(allowed, np.floor(cap)).astype(allowed.dtype)
    if batch.hours is not None:
        c = np.floor(np.asarray(cap, dtype=np.float64))
        if batch.hours.peak <= c.min(initial=np.inf):  # no hour of any account over its cap
            return allowed
        per_hour = batch.planned_left(allowed, at)
        return np.minimum(per_hour, c if c.ndim == 0 else c[:, None]).sum(axis=1).astype(allowed.dtype)
    profile = batch.profile if batch.profile is not None else np.full(HOURS_PER_DAY, 1.0 / HOURS_PER_DAY)
    cap = np.broadcast_to(np.floor(np.asarray(cap, dtype=np.float64)), allowed.shape)
    over = np.flatnonzero(allowed > cap)
    over = over[HOURS_PER_DAY * exceed_bound(allowed[over], float(profile.max()), cap[over]) > HOURLY_SKIP_PROB]
    if over.size == 0:
        return allowed
    hours = stream.multinomial(allowed[over], profile)
    out = allowed.copy()
    out[over] = np.minimum(hours, cap[over, None]).sum(axis=1)
    return out


def grow(a: np.ndarray, n: int, fill: float | bool = 0) -> np.ndarray:
    """``a`` padded with ``fill`` to at least ``n`` (doubling, so growth is amortised)."""
    out = np.full(max(n, 2 * a.size), fill, dtype=a.dtype)
    out[: a.size] = a
    return out


@dataclass(frozen=True)
class Grouping:
    """The accounts of a batch that hold an id of one kind shared with other accounts."""

    has: np.ndarray  # their positions in the batch
    distinct: np.ndarray  # the distinct shared ids
    group: np.ndarray  # each one's index into ``distinct``
    largest: int  # accounts in the largest group


@dataclass(frozen=True)
class Plan:
    """How the aggregate caps apply to one batch of accounts."""

    solo_cap: np.ndarray  # per account: min C_k over the kinds where it holds a single-holder id (inf: none)
    shared: list[tuple[str, Grouping]]  # kinds with shared ids in the batch, in kind order
    lowest: float  # solo_cap.min(): below it no account's own cap can bind


class VolumeCap(Control):
    name = "volume_cap"
    phases = frozenset({Phase.FILTER, Phase.FLAG})

    def __init__(self, cfg: VolumeCapConfig, rng: np.random.Generator) -> None:
        self.cfg = cfg
        self.stream = rng
        self.throttle = cfg.mode == "throttle"
        self._caps = {k: getattr(cfg.aggregate_day, k) for k in AGGREGATE_KINDS if np.isfinite(getattr(cfg.aggregate_day, k))}
        self._day = -1
        self._exceeded: list[np.ndarray] = []
        # Per id: accounts holding it (ids are allocated when accounts are opened
        # and never reassigned) and, for ids held by several, U_j today.
        self._holders: dict[str, np.ndarray] = {k: np.zeros(1, dtype=np.int64) for k in self._caps}
        self._used: dict[str, np.ndarray] = {k: np.zeros(0) for k in self._caps}
        # Per account: counted in ``_holders`` yet; holds only single-holder ids;
        # the smallest C_k over the kinds it holds an id of; let through today.
        self._counted = np.zeros(0, dtype=bool)
        self._solo = np.zeros(0, dtype=bool)
        self._solo_cap = np.zeros(0)
        self._let_through = np.zeros(0, dtype=np.int64)
        # (rows array, its plan). An operator sends the same rows array hour
        # after hour, so the plan (with its sort) is made once per array.
        self._plan_for: tuple[np.ndarray, Plan] | None = None

    # ------------------------------------------------------------------ accounts

    def observe(self, view: ObservableAccounts, rows: np.ndarray) -> None:
        if not self._caps or rows.size == 0:
            return
        self._fit(view.n)
        rows = rows[~self._counted[rows]]
        if rows.size == 0:  # e.g. accounts that only changed exit
            return
        self._counted[rows] = True
        for kind in self._caps:
            ids = getattr(view, COLUMN[kind])[rows]
            ids = ids[ids >= 0]
            if ids.size == 0:
                continue
            holders = self._holders[kind]
            if holders.size <= ids.max():
                self._holders[kind] = holders = grow(holders, int(ids.max()) + 1)
            if holders[ids].any():
                # The single-holder shortcut relies on this: the engine allocates an
                # id when accounts are opened and opens all its holders together.
                raise ValueError(f"{kind} ids {np.unique(ids[holders[ids] > 0])[:5].tolist()} gained a holder after their "
                                 "accounts were opened; the volume cap expects every holder of an id to open at once")
            np.add.at(holders, ids, 1)
        self._classify(view, rows)

    def _classify(self, view: ObservableAccounts, rows: np.ndarray) -> None:
        solo = np.ones(rows.size, dtype=bool)
        cap = np.full(rows.size, np.inf)
        for kind, c_k in self._caps.items():
            ids = getattr(view, COLUMN[kind])[rows]
            has = ids >= 0
            holders = self._holders[kind]
            solo &= ~has | (holders[np.where(has, ids, 0)] == 1)
            cap = np.where(has, np.minimum(cap, c_k), cap)
        self._solo[rows] = solo
        self._solo_cap[rows] = cap

    def _fit(self, n: int) -> None:
        """Per-account arrays long enough for ``n`` accounts."""
        if self._counted.size < n:
            self._counted = grow(self._counted, n, False)
            self._solo = grow(self._solo, n, False)
            self._solo_cap = grow(self._solo_cap, n, np.inf)
            self._let_through = grow(self._let_through, n)

    def apply(self, ctx: TrafficBatch | DayContext) -> None:
        if isinstance(ctx, TrafficBatch):
            self._filter(ctx)
        else:
            self._flag(ctx)

    # ------------------------------------------------------------------ traffic

    def _filter(self, batch: TrafficBatch) -> None:
        if batch.clock.day != self._day:
            self._day = batch.clock.day
            self._let_through[: batch.view.n] = 0  # rows past the table's end were never let through
            for used in self._used.values():
                used[:] = 0.0
        v = batch.view
        rows = batch.rows
        want = batch.remaining
        allowed = want
        c_h = self.cfg.per_account_hour
        if np.isfinite(c_h):
            allowed = hourly_served(allowed, c_h, batch, self.stream)
        c_d = self.cfg.per_account_day
        if np.isfinite(c_d):
            demand_today = v.demand_day[rows]  # served today <= requested today
            if demand_today.max(initial=0) + allowed.max(initial=0) > c_d:
                served_today = demand_today - v.refused_day[rows]
                allowed = np.minimum(allowed, np.maximum(c_d - served_today, 0).astype(allowed.dtype))
        if self._caps:
            allowed = self._aggregate(v, rows, allowed)
        excess = want - allowed
        if not excess.any():
            return
        if self.throttle:
            batch.refuse(self.name, excess, throttle=True)
        else:
            self._exceeded.append(rows[excess > 0])

    def _aggregate(self, v: ObservableAccounts, rows: np.ndarray, allowed: np.ndarray) -> np.ndarray:
        """Apply the aggregate caps and book what they let through today.

        Ids held by one account cap it like a per-account limit, ``min(d_i,
        C_k - U_i)``; then each kind with shared ids splits its groups' room.
        """
        self._fit(v.n)
        plan = self._plan(v, rows)
        through = self._let_through[rows]
        if through.max(initial=0) + allowed.max(initial=0) <= plan.lowest:  # no account's own cap can bind
            out = allowed
        else:
            out = np.minimum(allowed, np.maximum(plan.solo_cap - through, 0.0)).astype(allowed.dtype)
        for kind, g in plan.shared:
            out = self._cap_groups(g, out, self._caps[kind], self._used[kind])
        self._let_through[rows] = through + out
        for kind, g in plan.shared:
            self._used[kind][g.distinct] += np.bincount(g.group, weights=out[g.has], minlength=g.distinct.size)
        return out

    @staticmethod
    def _cap_groups(g: Grouping, allowed: np.ndarray, cap: float, used: np.ndarray) -> np.ndarray:
        """``floor(d_i room_j / total_j)`` in the groups that ask more than their room."""
        want = allowed[g.has]
        before = used[g.distinct]
        if before.max() + g.largest * want.max() <= cap:  # no group can ask more than its room
            return allowed
        room = np.maximum(cap - before, 0.0)[g.group]
        total = np.bincount(g.group, weights=want, minlength=g.distinct.size)[g.group]
        out = allowed.copy()
        out[g.has] = np.where(total > room, np.floor(want * room / np.maximum(total, 1e-12)), want).astype(allowed.dtype)
        return out

    def _plan(self, v: ObservableAccounts, rows: np.ndarray) -> Plan:
        if self._plan_for is not None and self._plan_for[0] is rows:
            return self._plan_for[1]
        if self._solo[rows].all():  # e.g. every batch of legitimate users: no sort at all
            solo_cap = self._solo_cap[rows]
            plan = Plan(solo_cap, [], float(solo_cap.min(initial=np.inf)))
        else:
            solo_cap = np.full(rows.size, np.inf)
            shared: list[tuple[str, Grouping]] = []
            for kind, c_k in self._caps.items():
                ids = getattr(v, COLUMN[kind])[rows]
                has = ids >= 0
                single = has & (self._holders[kind][np.where(has, ids, 0)] == 1)
                solo_cap[single] = np.minimum(solo_cap[single], c_k)
                many = np.flatnonzero(has & ~single)
                if many.size:
                    distinct, group = np.unique(ids[many], return_inverse=True)
                    if self._used[kind].size <= distinct[-1]:
                        self._used[kind] = grow(self._used[kind], int(distinct[-1]) + 1)
                    shared.append((kind, Grouping(many, distinct, group, int(np.bincount(group).max()))))
            plan = Plan(solo_cap, shared, float(solo_cap.min(initial=np.inf)))
        self._plan_for = (rows, plan)
        return plan

    # ------------------------------------------------------------------ end of day

    def _flag(self, ctx: DayContext) -> None:
        if not self._exceeded:
            return
        rows = np.unique(np.concatenate(self._exceeded))
        self._exceeded = []
        v = ctx.view
        rows = rows[(v.provider[rows] == ctx.provider) & (v.status[rows] == ACTIVE) & ~v.queue_full[rows]]
        ctx.enqueue(rows, np.full(rows.size, self.cfg.flag_priority, dtype=np.float32), self.name)
