"""Threshold sizing: the lever value that blocks the most within a collateral budget.

Pure functions over a runs table (one row per run, a lever column, a seed
column, metric columns), so the selection logic is testable on a synthetic
table with a known answer (tests/test_threshold_selection.py).

A budget is a constraint on a metric, e.g.
``legit_users_wrongly_banned_expected_per_100k<=10``. By default a value meets
it when the *upper* end of the metric's 95% interval does (``stat="upper"``;
for ``>=`` budgets the lower end): the choice holds with confidence, not just
on average. ``stat="mean"`` uses the mean.
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from sim.record import estimates
from sim.record.estimates import Estimate

_OPS = {"<=": operator.le, "<": operator.lt, ">=": operator.ge, ">": operator.gt}
_BUDGET = re.compile(r"^\s*([A-Za-z_][\w.]*)\s*(<=|>=|<|>)\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*$")


@dataclass(frozen=True)
class Budget:
    """A constraint ``column op limit`` on a metric's per-value summary."""

    column: str
    op: str
    limit: float

    @property
    def upper_bounded(self) -> bool:
        return self.op in ("<=", "<")

    def holds(self, value: float) -> bool:
        return math.isfinite(value) and _OPS[self.op](value, self.limit)

    def __str__(self) -> str:
        return f"{self.column} {self.op} {self.limit:g}"


def parse_budget(text: str) -> Budget:
    """``"metric<=10"`` -> :class:`Budget`.

    Raises:
        ValueError: naming the text and the expected form.
    """
    m = _BUDGET.match(text)
    if not m:
        raise ValueError(f"budget {text!r} not understood; expected METRIC<=NUMBER (or <, >=, >), "
                         f"e.g. legit_users_wrongly_banned_expected_per_100k<=10")
    return Budget(m.group(1), m.group(2), float(m.group(3)))


def summarize_lever(runs: pd.DataFrame, lever: str, metrics: Sequence[str], seed: str = "seed") -> pd.DataFrame:
    """Per lever value: number of seeds and each metric's mean with its 95% interval.

    Columns: ``value``, ``seeds``, then ``<metric>``, ``<metric>.lo``, ``<metric>.hi``.
    Rows keep the order of first appearance for non-numeric values, ascending for numbers.
    """
    missing = [c for c in (lever, seed, *metrics) if c not in runs.columns]
    if missing:
        raise KeyError(f"columns not in the runs table: {missing}; available levers: "
                       f"{sorted(c for c in runs.columns if c.startswith('policy.'))[:40]}")
    values = list(dict.fromkeys(runs[lever].tolist()))
    if all(isinstance(v, (int, float, np.number)) and not isinstance(v, bool) for v in values):
        values = sorted(values)
    rows = []
    for v in values:
        g = runs[runs[lever] == v]
        row: dict = {"value": v, "seeds": int(g[seed].nunique())}
        for m in metrics:
            est = estimates.mean_ci(g[m])
            row[m], row[f"{m}.lo"], row[f"{m}.hi"] = est.value, est.lo, est.hi
        rows.append(row)
    return pd.DataFrame(rows)


def _estimate(row: pd.Series, column: str) -> Estimate:
    return Estimate(float(row[column]), float(row[f"{column}.lo"]), float(row[f"{column}.hi"]), int(row["seeds"]))


def budget_statistic(row: pd.Series, budget: Budget, stat: str) -> float:
    """The number compared with the budget: the mean, or the unfavourable end of the interval.

    With fewer than two seeds there is no interval and the mean is used.
    """
    if stat == "mean":
        return float(row[budget.column])
    if stat != "upper":
        raise ValueError(f"stat={stat!r}; allowed: 'upper' (conservative) or 'mean'")
    bound = row[f"{budget.column}.hi"] if budget.upper_bounded else row[f"{budget.column}.lo"]
    return float(bound) if math.isfinite(float(bound)) else float(row[budget.column])


@dataclass(frozen=True)
class Selection:
    """The chosen lever value, or ``value=None`` when no value meets every budget.

    Attributes:
        value: the chosen lever value (None: nothing meets the budget).
        objective: the objective's estimate at that value.
        budget_values: each budget metric's estimate at that value.
        feasible: every lever value that meets all budgets.
        message: one human sentence saying what was chosen, or why nothing was.
        indistinguishable: other values meeting the budget whose objective interval
            overlaps the chosen one's (the data do not tell them apart).
    """

    value: object | None
    objective: Estimate | None
    budget_values: dict[str, Estimate]
    feasible: list = field(default_factory=list)
    message: str = ""
    indistinguishable: list = field(default_factory=list)


def select_value(summary: pd.DataFrame, objective: str, budgets: Sequence[Budget], stat: str = "upper",
                 maximize: bool = True) -> Selection:
    """The lever value with the best mean objective among those that meet every budget.

    Ties on the objective go to the value using the least of the first budget.

    Args:
        summary: from :func:`summarize_lever` (must hold the objective and budget columns).
        objective: the metric to maximise (or minimise with ``maximize=False``).
        budgets: constraints; all must hold.
        stat: ``upper`` (the interval's unfavourable end must meet the budget) or ``mean``.
    """
    if summary.empty:
        return Selection(None, None, {}, [], "no lever values in the table")
    ok = pd.Series(True, index=summary.index)
    for b in budgets:
        ok &= summary.apply(lambda r, b=b: b.holds(budget_statistic(r, b, stat)), axis=1)
    feasible = summary[ok]
    what = "the upper 95% bound" if stat == "upper" else "the mean"
    budget_text = " and ".join(str(b) for b in budgets) or "(no budget)"
    if feasible.empty:
        first = budgets[0]
        stat_values = summary.apply(lambda r: budget_statistic(r, first, stat), axis=1)
        best_i = stat_values.idxmin() if first.upper_bounded else stat_values.idxmax()
        closest = summary.loc[best_i]
        return Selection(
            None, None, {}, [],
            f"NO VALUE MEETS THE BUDGET {budget_text} (judged on {what}): the closest is "
            f"{closest['value']} with {first.column} = {stat_values[best_i]:.4g} ({what}); "
            f"widen the lever's range, add seeds, or relax the budget.",
        )
    key = feasible[objective] if maximize else -feasible[objective]
    top = feasible[key >= key.max() - 1e-12]
    if budgets and len(top) > 1:
        top = top.sort_values(budgets[0].column, ascending=budgets[0].upper_bounded, kind="stable")
    row = top.iloc[0]
    budget_values = {b.column: _estimate(row, b.column) for b in budgets}
    obj = _estimate(row, objective)
    others = feasible[feasible["value"] != row["value"]]
    if maximize:
        close = others[others[f"{objective}.hi"] >= obj.lo]
    else:
        close = others[others[f"{objective}.lo"] <= obj.hi]
    message = (f"{len(feasible)} of {len(summary)} values meet {budget_text} (judged on {what}); "
               f"the best {objective} among them is at {row['value']}.")
    if obj.has_interval and len(close):
        message += (f" Its interval overlaps those of {', '.join(str(v) for v in close['value'])}: the data do not "
                    f"tell these apart on {objective}; prefer the one with the least collateral, or add seeds.")
    return Selection(row["value"], obj, budget_values, feasible["value"].tolist(), message, close["value"].tolist())


def selection_stability(runs: pd.DataFrame, lever: str, objective: str, budgets: Sequence[Budget], stat: str = "upper",
                        maximize: bool = True, n_boot: int = 200, seed: int = 0, seed_col: str = "seed") -> pd.Series:
    """How often each value is chosen when the seeds are resampled (bootstrap, paired across values).

    Each draw resamples the seeds with replacement, the same draw for every
    lever value (common random numbers), recomputes the per-value means and
    intervals and chooses again. Values missing a seed's run are summarised
    over the seeds they have.

    Returns the share of draws choosing each value (index ``None``: nothing met the budget).
    """
    from scipy import stats as st

    rng = np.random.default_rng(seed)
    base = summarize_lever(runs, lever, [objective, *(b.column for b in budgets)], seed_col)
    metrics = list(dict.fromkeys([objective, *(b.column for b in budgets)]))
    values = base["value"].tolist()
    seeds = np.array(sorted(runs[seed_col].unique()))
    # metric -> matrix [value, seed] (NaN where a run is missing)
    mats = {m: runs.pivot_table(index=lever, columns=seed_col, values=m, aggfunc="mean").reindex(index=values, columns=seeds)
            .to_numpy(float) for m in metrics}
    picks = []
    for _ in range(n_boot):
        draw = rng.integers(0, seeds.size, seeds.size)
        cols: dict = {"value": values}
        for m in metrics:
            x = mats[m][:, draw]
            n = np.isfinite(x).sum(axis=1)
            mean = np.nanmean(x, axis=1)
            sd = np.nanstd(x, axis=1, ddof=1) if seeds.size > 1 else np.full(len(values), np.nan)
            with np.errstate(invalid="ignore", divide="ignore"):
                half = st.t.ppf(0.975, np.maximum(n - 1, 1)) * sd / np.sqrt(n)
            half = np.where(n >= 2, half, np.nan)
            cols[m], cols[f"{m}.lo"], cols[f"{m}.hi"] = mean, mean - half, mean + half
        cols["seeds"] = n
        summary = pd.DataFrame(cols)
        picks.append(select_value(summary, objective, budgets, stat, maximize).value)
    return pd.Series(picks, dtype=object).value_counts(normalize=True, dropna=False)
