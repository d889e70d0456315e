"""Budget curves: the harvest within the window as a function of the operator's budget, and its inverse.

A budget sweep runs each (attacker strategy, policy) at a grid of budgets with the
same seeds. :func:`curves` summarises every grid point over seeds (mean and Student-t
interval, :func:`sim.record.estimates.mean_ci`); :func:`budget_needed` reads the
inverse off a curve: the least budget at which the harvest reaches a share of the target.

Inverse rule: the first grid budget whose harvest share reaches the level, linearly
interpolated in the budget (not its log) with the grid point before it; below the
first grid point the harvest of a paced campaign grows about in proportion to the
budget (a cost per exchange), so a linear interpolation is the better guess between
neighbours. The bracket comes from the same rule on the curves of the intervals' upper
ends (the least budget that plausibly suffices) and lower ends (the most). A level not
reached on the grid is censored above its largest budget (``> $10M``), one reached at
its first point is censored below it (``<= $0.1M``): the grid says no more.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.record.estimates import mean_ci

BUDGET = "budget_usd"  # the runs' total budget over operators (a column added by :func:`budget_of`)
HARVEST_SHARE = "harvest_share"  # exchanges_harvested / exchanges_target (the complement of campaign_blocked_share)
GROUPS = ("attacker.name", "policy.name")
EXACT, AT_MOST, ABOVE = "=", "<=", ">"


def budget_of(runs: pd.DataFrame) -> pd.Series:
    """Each run's budget: the sum of its operators' ``budget_usd`` (read from the flattened config)."""
    if "scenario.operators" not in runs.columns:
        raise KeyError("the runs carry no scenario.operators column: not a table of sim.sweeps.collect")
    return runs["scenario.operators"].map(lambda text: float(sum(op["budget_usd"] for op in json.loads(text))))


def curves(runs: pd.DataFrame, outcomes: Sequence[str] = ("exchanges_harvested", "campaign_blocked_share")) -> pd.DataFrame:
    """One row per (attacker, policy, budget): seeds, and for each outcome and the harvest share its mean, lo, hi.

    ``runs`` needs ``budget_usd`` (:func:`budget_of`), ``exchanges_target``, ``seed`` and the outcomes.
    """
    runs = runs.assign(**{HARVEST_SHARE: runs["exchanges_harvested"] / runs["exchanges_target"]})
    rows = []
    for key, sub in runs.groupby([*GROUPS, BUDGET], sort=True):
        row = dict(zip([*GROUPS, BUDGET], key, strict=True))
        row["seeds"] = int(sub["seed"].nunique())
        for col in (*outcomes, HARVEST_SHARE):
            lo, hi = (0.0, 1.0) if col.endswith("_share") else (0.0, math.inf)
            est = mean_ci(sub[col], lo=lo, hi=hi)
            row[col], row[f"{col}.lo"], row[f"{col}.hi"] = est.value, est.lo, est.hi
        rows.append(row)
    return pd.DataFrame(rows)


@dataclass(frozen=True)
class Needed:
    """A budget read off a curve: ``value`` exactly (``=``), at most the grid's first budget (``<=``),
    or more than its last (``>``, ``value`` is that last budget)."""

    value: float
    bound: str


def budget_needed(budgets: Sequence[float], shares: Sequence[float], level: float) -> Needed:
    """The least budget whose harvest share reaches ``level``, on a grid (rule in the module docstring).

    Grid points with a NaN share (an interval's end with one seed) are left out; with none left
    the budget is NaN.
    """
    b = np.asarray(budgets, dtype=float)
    s = np.asarray(shares, dtype=float)
    if b.size == 0:
        raise ValueError("no budgets")
    if np.any(np.diff(b) <= 0):
        raise ValueError("budgets must be strictly increasing")
    known = np.isfinite(s)
    if not known.any():
        return Needed(math.nan, EXACT)
    b, s = b[known], s[known]
    hit = np.flatnonzero(s >= level)
    if hit.size == 0:
        return Needed(float(b[-1]), ABOVE)
    i = int(hit[0])
    if i == 0:
        return Needed(float(b[0]), AT_MOST)
    frac = (level - s[i - 1]) / (s[i] - s[i - 1])
    return Needed(float(b[i - 1] + frac * (b[i] - b[i - 1])), EXACT)


def needed_table(curve: pd.DataFrame, levels: dict[str, float]) -> pd.DataFrame:
    """For each (attacker, policy) and level: the budget needed on the mean curve and its bracket.

    Columns per level label ``L``: ``L`` and ``L.bound`` (the point), ``L.lo`` and ``L.lo.bound`` (from
    the intervals' upper ends), ``L.hi`` and ``L.hi.bound`` (from their lower ends).
    """
    rows = []
    for key, sub in curve.groupby(list(GROUPS), sort=True):
        sub = sub.sort_values(BUDGET)
        row = dict(zip(GROUPS, key, strict=True))
        b = sub[BUDGET].to_numpy(float)
        for label, level in levels.items():
            for suffix, col in (("", HARVEST_SHARE), (".lo", f"{HARVEST_SHARE}.hi"), (".hi", f"{HARVEST_SHARE}.lo")):
                need = budget_needed(b, sub[col].to_numpy(float), level)
                row[f"{label}{suffix}"] = need.value
                row[f"{label}{suffix}.bound"] = need.bound
        rows.append(row)
    return pd.DataFrame(rows)


def fmt_usd(value: float, bound: str = EXACT) -> str:
    """A budget in millions of USD with its censoring mark: ``$0.69M``, ``<= $0.1M``, ``> $10M``."""
    if not math.isfinite(value):
        return "unlimited" if value > 0 else "n/a"
    m = value / 1e6
    text = f"${m:.2g}M" if m < 1 else f"${m:.3g}M"
    return text if bound == EXACT else f"{'≤' if bound == AT_MOST else '>'} {text}"


def fmt_needed(row: pd.Series, label: str) -> str:
    """``point [lo, hi]`` of one level, each part with its censoring mark."""
    point = fmt_usd(row[label], row[f"{label}.bound"])
    lo = fmt_usd(row[f"{label}.lo"], row[f"{label}.lo.bound"])
    hi = fmt_usd(row[f"{label}.hi"], row[f"{label}.hi.bound"])
    return point if lo == hi == point else f"{point} [{lo}, {hi}]"
