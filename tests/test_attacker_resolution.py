"""An operator advanced a day at a time (``run.attacker_resolution=day``) matches hour-by-hour sending.

With nothing refused the day path is exact: the same requests per account and
day, so the same daily series. With refusals it plans the day as if every
request were served and then re-asks what the hourly rule would have re-asked
within the day, so outcomes agree in distribution: both resolutions run over
several seeds and the per-run totals are compared against their seed-to-seed
spread. Combinations the day path cannot match are refused when the config is
validated.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

import numpy as np
import pytest

from sim.agents.day_plan import HourlySplit
from sim.config import AggregateReportingConfig, ConfigError, VolumeCapConfig
from sim.config.compose import compose
from sim.controls.aggregate_reporting import AggregateReporting
from sim.controls.base import TrafficBatch
from sim.controls.volume_cap import VolumeCap
from sim.runner import run
from sim.world.accounts import ACTIVE, AccountTable
from sim.world.calendar import HOURS_PER_DAY, Clock

from .conftest import SHORT, cfg

SEEDS = range(6)
# 2M exchanges over 15 days: a fleet of a few hundred to a few thousand accounts.
TINY = [*SHORT, "scenario.operators.0.target_exchanges=2000000"]
KEYS = ("exchanges_harvested", "exchanges_refused", "attacker_accounts_created", "attacker_accounts_banned",
        "attacker_cost_usd", "days_to_target", "attacker_budget_exhausted_day")
CASES = [
    [population, f"policy={policy}", f"attacker={strategy}"]
    for population in ("population=none", "population.sample_size=10000")
    for policy in ("status_quo", "volume_cap")
    for strategy in ("churn", "wide_slow")
] + [
    # A budget spent before the deadline (day ~8): the day it runs out runs hour by hour, the others a day at a time.
    ["population=none", "policy=status_quo", "attacker=churn", "scenario.operators.0.budget_usd=30000",
     "attacker.budget_pacing=none"],
]


def _totals(overrides: list[str], resolution: str) -> np.ndarray:
    """Per seed (rows), the totals of KEYS (columns)."""
    base = compose([*TINY, *overrides, f"run.attacker_resolution={resolution}"])
    out = []
    for seed in SEEDS:
        m = run(dataclasses.replace(base, seed=seed)).metrics
        out.append([float("nan") if m[k] is None else float(m[k]) for k in KEYS])
    return np.array(out)


@pytest.mark.parametrize("overrides", CASES, ids=lambda o: " ".join(o))
def test_day_and_hour_resolution_of_the_attacker_agree_in_distribution(overrides):
    hour, day = _totals(overrides, "hour"), _totals(overrides, "day")
    assert hour[:, 1].sum() > 0  # something is refused: the case exercises the re-planning
    for j, key in enumerate(KEYS):
        a, b = hour[:, j], day[:, j]
        assert np.isnan(a).sum() == np.isnan(b).sum(), (key, a, b)
        a, b = a[~np.isnan(a)], b[~np.isnan(b)]
        if a.size < 2:  # never reached (None) in every run but one: the counts above are the check
            continue
        se = np.sqrt(a.var(ddof=1) / a.size + b.var(ddof=1) / b.size)
        assert abs(a.mean() - b.mean()) <= 4 * se + 1e-9 * abs(a.mean()), (key, a.mean(), b.mean(), se)


def test_with_nothing_refused_the_day_path_is_exact():
    results = {res: run(compose([*TINY, "population=none", "policy=none", f"run.attacker_resolution={res}"]))
               for res in ("hour", "day")}
    hour, day = results["hour"], results["day"]
    assert hour.metrics["exchanges_refused"] == 0
    for column in ("attacker_requested", "attacker_served", "attacker_harvested_cum", "attacker_accounts_created_cum",
                   "attacker_accounts_active"):
        assert hour.daily[column].tolist() == day.daily[column].tolist(), column
    assert np.allclose(hour.daily["attacker_spend_cum_usd"], day.daily["attacker_spend_cum_usd"], rtol=1e-12)
    # The day path sends each day at its first tick (hour by hour on the window's last day).
    ticks = day.ticks["attacker_requested"].to_numpy().reshape(-1, HOURS_PER_DAY)
    assert (ticks[:-1, 1:] == 0).all() and (ticks[-1, 1:] > 0).all()


def _hourly_rule(goals: list[int], fleet: list[int], offset: int) -> tuple[np.ndarray, int]:
    """The operator's hour-by-hour split (Operator._send_hour), one hour at a time."""
    out = np.zeros((max(fleet), HOURS_PER_DAY), dtype=np.int64)
    for h, (goal, n) in enumerate(zip(goals, fleet, strict=True)):
        if n == 0:
            continue
        base, extra = divmod(goal, n)
        demand = np.full(n, base)
        start = (n - offset) % n
        end = start + extra
        demand[start:min(end, n)] += 1
        if end > n:
            demand[:end - n] += 1
        offset = (offset + extra) % n
        out[:n, h] = demand
    return out, offset


def test_the_day_split_is_the_hourly_rule():
    rng = np.random.default_rng(1)
    for _ in range(20):
        fleet = np.sort(rng.integers(0, 40, size=HOURS_PER_DAY))
        goals = np.where(fleet > 0, rng.integers(0, 200, size=HOURS_PER_DAY), 0)
        offset = int(rng.integers(0, 40))
        split = HourlySplit.of(goals, fleet, offset)
        expected, after = _hourly_rule(goals.tolist(), fleet.tolist(), offset)
        assert (split.matrix() == expected).all()
        assert (split.demand() == expected.sum(axis=1)).all()
        assert split.offset == after
        assert split.peak == expected.max()
        at = np.array([3, 0, 7]) % max(int(fleet.max()), 1)
        assert (split.narrowed(at).matrix(np.array([2, 0])) == expected[at[[2, 0]]]).all()


def test_the_volume_cap_on_a_planned_day_is_the_hour_by_hour_cap():
    """The volume cap's hourly and daily caps over a day's planned hours, behind a block of one
    account: what the same requests get served one hour at a time."""
    goals = np.array([7] * 12 + [40] * 12)
    split = HourlySplit.of(goals, np.full(HOURS_PER_DAY, 3), 1)
    hours = split.matrix()
    caps = VolumeCapConfig(enabled=True, per_account_hour=10, per_account_day=150)
    served = {}
    for resolution in ("hour", "day"):
        table = AccountTable(capacity=8)
        rows = table.add(3, provider=0, status=ACTIVE, is_attacker=True, owner=0, weight=1.0)
        cap = VolumeCap(caps, np.random.default_rng(0))
        clock = Clock(dt.date(2026, 4, 22), 2)
        got = np.zeros(3, dtype=np.int64)
        batches = ([(hours[:, h], 1, None) for h in range(HOURS_PER_DAY)] if resolution == "hour"
                   else [(split.demand(), HOURS_PER_DAY, split)])
        for demand, span, planned in batches:
            batch = TrafficBatch(table.observable(), rows, demand.copy(), clock, span, None, planned)
            batch.refuse_at("block", np.array([2]), batch.demand[[2]])
            cap.apply(batch)
            table.demand_day[rows] += demand
            table.refused_day[rows] += batch.refused
            got += demand - batch.refused
            clock.advance()
        served[resolution] = got
    assert served["hour"].tolist() == served["day"].tolist()
    assert served["day"][2] == 0 and 0 < served["day"][0] < hours[0].sum()  # the caps bind


def test_the_silent_throttle_on_a_planned_day_is_the_hour_by_hour_throttle():
    """A flagged group's share of each hour's requests, floored hour by hour: an account asking one or
    two an hour loses what it would lose hour by hour, not the share of its day."""
    split = HourlySplit.of(np.array([3] * 12 + [5] * 12), np.full(HOURS_PER_DAY, 2), 0)
    hours = split.matrix()
    served = {}
    for resolution in ("hour", "day"):
        table = AccountTable(capacity=4)
        rows = table.add(2, provider=0, status=ACTIVE, is_attacker=True, owner=0, weight=1.0)
        table.queued[rows] = True  # both in review
        control = AggregateReporting(AggregateReportingConfig(enabled=True, silent_throttle_share=0.5))
        control._throttled = np.array([True, False])  # the first one's group was flagged (its report is open)
        clock = Clock(dt.date(2026, 4, 22), 2)
        batches = ([(hours[:, h], 1, None) for h in range(HOURS_PER_DAY)] if resolution == "hour"
                   else [(split.demand(), HOURS_PER_DAY, split)])
        got = np.zeros(2, dtype=np.int64)
        for demand, span, planned in batches:
            batch = TrafficBatch(table.observable(), rows, demand.copy(), clock, span, None, planned)
            control.apply(batch)
            got += demand - batch.refused
            clock.advance()
        served[resolution] = got
    assert served["hour"].tolist() == served["day"].tolist()
    assert served["day"][1] == hours[1].sum() and served["day"][0] < hours[0].sum()
    assert served["day"][0] > hours[0].sum() - np.floor(0.5 * hours[0].sum())  # not the share of the day


@pytest.mark.parametrize("overrides, key", [
    (["scenario=qwen_2026_resellers"], "scenario.resellers.enabled"),
    (["policy.usage_tiers.tiers.3.min_age_days=0.5"], "policy.usage_tiers.tiers[3].min_age_days"),
    (["policy=volume_cap", "policy.usage_tiers.tiers.0.hourly_cap=10"], "policy.usage_tiers.tiers[0].hourly_cap"),
])
def test_what_the_day_path_cannot_match_is_refused(overrides, key):
    cfg(*overrides)  # fine hour by hour
    with pytest.raises(ConfigError, match=re.escape(f"invalid config: {key}=")):
        cfg(*overrides, "run.attacker_resolution=day")
