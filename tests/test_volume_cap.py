"""The volume cap against a plain per-account reference of its formulas.

The control groups accounts with numpy (and skips the grouping when ids have
one holder); the reference below loops over accounts and ids, written from
the formulas in ``sim/controls/volume_cap.py``'s docstring. Random worlds mix
ids shared by several accounts, ids held by one, accounts without ids, and
several batches per day, including the same rows array sent hour after hour.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest

from sim.world.accounts import ACTIVE, AccountTable
from sim.world.calendar import Clock
from sim.config import AggregateCaps, VolumeCapConfig
from sim.controls.base import TrafficBatch
from sim.controls.volume_cap import AGGREGATE_KINDS, VolumeCap, exceed_bound


class Reference:
    """The documented formulas, one account and one id at a time."""

    def __init__(self, cfg: VolumeCapConfig, columns: dict[str, np.ndarray]) -> None:
        self.cfg = cfg
        self.columns = columns
        self.holders = {k: np.bincount(c[c >= 0], minlength=1) for k, c in columns.items()}
        self.day = -1

    def filter(self, rows: np.ndarray, want: np.ndarray, served_today: np.ndarray, day: int) -> np.ndarray:
        if day != self.day:
            self.day, self.through, self.used = day, {}, {k: {} for k in AGGREGATE_KINDS}
        cfg = self.cfg
        out = [min(w, int(cfg.per_account_hour)) if math.isfinite(cfg.per_account_hour) else int(w) for w in want]
        if math.isfinite(cfg.per_account_day):
            out = [min(o, max(int(cfg.per_account_day) - int(s), 0)) for o, s in zip(out, served_today)]
        caps = {k: getattr(cfg.aggregate_day, k) for k in AGGREGATE_KINDS}
        for i, r in enumerate(rows):  # ids held by one account: a per-account cap
            for k, c in caps.items():
                j = self.columns[k][r]
                if math.isfinite(c) and j >= 0 and self.holders[k][j] == 1:
                    out[i] = min(out[i], max(int(c - self.through.get(r, 0)), 0))
        for k, c in caps.items():  # shared ids, kind by kind
            if not math.isfinite(c):
                continue
            groups: dict[int, list[int]] = {}
            for i, r in enumerate(rows):
                j = self.columns[k][r]
                if j >= 0 and self.holders[k][j] != 1:
                    groups.setdefault(int(j), []).append(i)
            for j, members in groups.items():
                room = max(c - self.used[k].get(j, 0), 0)
                total = sum(out[i] for i in members)
                if total > room:
                    for i in members:
                        out[i] = math.floor(out[i] * room / total)
        for i, r in enumerate(rows):
            self.through[r] = self.through.get(r, 0) + out[i]
            for k in AGGREGATE_KINDS:
                j = self.columns[k][r]
                if j >= 0 and self.holders[k][j] != 1:
                    self.used[k][int(j)] = self.used[k].get(int(j), 0) + out[i]
        return np.array(out)


def _world(rng: np.random.Generator, n: int) -> tuple[AccountTable, dict[str, np.ndarray]]:
    table = AccountTable(n)
    columns = {}
    for k in AGGREGATE_KINDS:
        per = rng.choice([1, 1, 1, 2, 3, 4], size=n)  # accounts per id: 1 (solo: half the ids) to 4
        ids = np.repeat(np.arange(n), per)[:n]
        ids[rng.random(n) < 0.2] = -1  # some accounts hold no id of this kind
        columns[k] = ids
    table.add(n, status=ACTIVE, identity=columns["identity"], organisation=columns["organisation"], payment=columns["payment"])
    return table, columns


@pytest.mark.parametrize("seed", range(10))
def test_volume_cap_matches_reference_formulas(seed: int) -> None:
    rng = np.random.default_rng(seed)
    table, columns = _world(rng, 60)
    caps = AggregateCaps(
        identity=float(rng.choice([40, 90, np.inf])), organisation=float(rng.choice([60, 150, np.inf])), payment=float(rng.choice([50, 120]))
    )
    cfg = VolumeCapConfig(enabled=True, per_account_hour=float(rng.choice([15, np.inf])), per_account_day=float(rng.choice([35, np.inf])), aggregate_day=caps)
    cap = VolumeCap(cfg, np.random.default_rng(0))
    view = table.observable()
    cap.observe(view, np.arange(table.n))
    ref = Reference(cfg, columns)
    clock = Clock(dt.date(2026, 1, 1), window_days=3)
    fleet = np.sort(rng.choice(table.n, 40, replace=False))  # one array, sent every hour (the cached plan)
    for tick in range(3 * 24):
        clock.tick = tick
        if tick % 24 == 0:
            table.start_day()
        rows = fleet if tick % 3 else np.sort(rng.choice(table.n, int(rng.integers(1, 50)), replace=False))
        want = rng.integers(0, 30, size=rows.size)
        served_today = table.demand_day[rows] - table.refused_day[rows]
        expected = ref.filter(rows, want, served_today, clock.day)
        batch = TrafficBatch(view, rows, want.copy(), clock)
        cap.apply(batch)
        np.testing.assert_array_equal(want - batch.refused, expected, err_msg=f"tick {tick}")
        table.demand_day[rows] += want
        table.refused_day[rows] += batch.refused


def test_groups_of_one_get_exactly_their_room() -> None:
    """floor(d room / d) must be room, not room - 1, for every d and room."""
    table = AccountTable(8)
    table.add(1, status=ACTIVE, payment=np.array([0]))
    table.add(1, status=ACTIVE, payment=np.array([0]))  # id 0 shared by two accounts
    cfg = VolumeCapConfig(enabled=True, aggregate_day=AggregateCaps(payment=7.0))
    cap = VolumeCap(cfg, np.random.default_rng(0))
    view = table.observable()
    cap.observe(view, np.arange(2))
    clock = Clock(dt.date(2026, 1, 1), window_days=1)
    for d in (8, 49, 1000):
        cap._day = -1  # a fresh day for each demand
        batch = TrafficBatch(view, np.array([0]), np.array([d]), clock)
        cap.apply(batch)
        assert int(d - batch.refused[0]) == 7


@pytest.mark.parametrize("p", [1 / 24, 0.06, 0.1])
@pytest.mark.parametrize("c", [5, 30, 100])
def test_exceed_bound_is_an_upper_bound(p: float, c: int) -> None:
    d = np.array([c + 1, 2 * c, 5 * c, 20 * c, 60 * c])
    bound = exceed_bound(d, p, c)
    for n, b in zip(d, bound):
        n = int(n)
        log_pmf = (math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1) + k * math.log(p) + (n - k) * math.log1p(-p) for k in range(c + 1, n + 1))
        exact = sum(math.exp(x) for x in log_pmf)
        assert b >= exact * (1 - 1e-9)


def test_an_id_gaining_a_holder_later_is_refused() -> None:
    """The single-holder shortcut assumes every holder of an id opens at once; a
    later holder would silently break it, so the control refuses it by name."""
    table = AccountTable(8)
    table.add(1, status=ACTIVE, payment=np.array([0]))
    cap = VolumeCap(VolumeCapConfig(enabled=True, aggregate_day=AggregateCaps(payment=7.0)), np.random.default_rng(0))
    view = table.observable()
    cap.observe(view, np.arange(1))
    table.add(1, status=ACTIVE, payment=np.array([0]))
    with pytest.raises(ValueError, match="payment ids \\[0\\] gained a holder"):
        cap.observe(view, np.arange(1, 2))
