"""Interval estimators for a handful of replications (seeds), for the analyses and the dashboard.

Here, in the installed package, so that the analyses (``experiments/analysis``) and the
dashboard's tables (:mod:`sim.dashboard.tables`) compute the same intervals from one
definition. Plain numpy and SciPy over saved numbers: nothing here touches the model.

Why these estimators: a comparison runs every policy on the same seeds
(common random numbers), so the differences between a policy and the status
quo are best estimated *seed by seed* (paired): the seed-to-seed noise that
both share cancels. Each function returns an :class:`Estimate` (point value,
95% interval, number of replications).

- :func:`mean_ci`: the mean with a Student-t interval.
- :func:`paired_diff_ci`: the mean of per-seed differences, Student-t.
- :func:`paired_ratio_ci`: the geometric mean of per-seed ratios, a Student-t
  interval on the log scale (multipliers such as attacker cost).
- :func:`restricted_time`: a time to an event (days to the target) that may not
  happen within the simulated horizon (right-censored at a common horizon).
- :func:`paired_delay_ci`: the per-seed difference of two such times.

Censoring has one rule, :func:`capped`, which both of the last two apply: a
time not reached within the horizon counts as the horizon. An experiment that
summarises a time to an event (days to the target, to the first ban, to
attribution) goes through them, never through a cap of its own.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats as _st

LEVEL = 0.95


@dataclass(frozen=True)
class Estimate:
    """A point estimate with its interval; ``lo``/``hi`` are NaN when ``n < 2``."""

    value: float
    lo: float
    hi: float
    n: int

    @property
    def has_interval(self) -> bool:
        return self.n >= 2 and math.isfinite(self.lo) and math.isfinite(self.hi)


NAN_ESTIMATE = Estimate(math.nan, math.nan, math.nan, 0)


def _finite(values) -> np.ndarray:
    x = np.asarray(values, dtype=float)
    return x[np.isfinite(x)]


def mean_ci(values, level: float = LEVEL, lo: float = -math.inf, hi: float = math.inf) -> Estimate:
    """Mean and Student-t interval of the finite values (NaN/None dropped).

    ``lo``/``hi``: the feasible range of the quantity (a share in [0, 1], a count >= 0):
    the interval is cut to it, so it never claims an impossible value (a negative count);
    near a bound the t interval is then conservative on the inside only.
    """
    x = _finite(values)
    n = x.size
    if n == 0:
        return NAN_ESTIMATE
    m = float(x.mean())
    if n < 2:
        return Estimate(m, math.nan, math.nan, n)
    sd = float(x.std(ddof=1))
    half = float(_st.t.ppf(0.5 + level / 2, n - 1)) * sd / math.sqrt(n)
    return Estimate(m, max(m - half, lo), min(m + half, hi), n)


def feasible_range(column: str, values) -> tuple[float, float]:
    """The range a level of ``column`` can take: [0, 1] for a share, [0, inf) when no value is negative."""
    if column.endswith("_share"):
        return 0.0, 1.0
    x = _finite(values)
    return (0.0, math.inf) if x.size and (x >= 0).all() else (-math.inf, math.inf)


def paired_diff_ci(treated, baseline, level: float = LEVEL) -> Estimate:
    """Mean of ``treated - baseline`` over pairs (same seed), with a t interval.

    Pairs where either side is missing are dropped.
    """
    a = np.asarray(treated, dtype=float)
    b = np.asarray(baseline, dtype=float)
    if a.shape != b.shape:
        raise ValueError(f"paired samples must have the same length; got {a.size} and {b.size}")
    return mean_ci(a - b, level)


def paired_ratio_ci(treated, baseline, level: float = LEVEL) -> Estimate:
    """Geometric mean of ``treated / baseline`` over pairs, interval from logs.

    Pairs with a missing or non-positive value on either side are dropped.
    """
    a = np.asarray(treated, dtype=float)
    b = np.asarray(baseline, dtype=float)
    if a.shape != b.shape:
        raise ValueError(f"paired samples must have the same length; got {a.size} and {b.size}")
    ok = np.isfinite(a) & np.isfinite(b) & (a > 0) & (b > 0)
    est = mean_ci(np.log(a[ok] / b[ok]), level)
    if est.n == 0:
        return NAN_ESTIMATE
    return Estimate(math.exp(est.value), math.exp(est.lo) if est.has_interval else math.nan,
                    math.exp(est.hi) if est.has_interval else math.nan, est.n)


@dataclass(frozen=True)
class CensoredTime:
    """Summary of a time that may not be observed before the horizon.

    Attributes:
        horizon: the common censoring time (days simulated).
        reached: how many runs observed the event.
        n: how many runs.
        median: the median time, or NaN when half or more of the runs are
            censored (then the median is only known to be ``>= horizon``).
        restricted_mean: mean of ``min(time, horizon)`` with its interval
            (the restricted mean time, a lower bound of the mean when censored).
    """

    horizon: float
    reached: int
    n: int
    median: float
    restricted_mean: Estimate

    @property
    def reached_share(self) -> float:
        return self.reached / self.n if self.n else math.nan

    @property
    def median_censored(self) -> bool:
        return self.n > 0 and not math.isfinite(self.median)


def capped(times, horizon: float) -> np.ndarray:
    """The censoring rule: ``min(time, horizon)``, with missing times (event not reached) set to the horizon.

    Why: the mean of these (the restricted mean time up to the horizon) is fully
    observed by the runs, whereas the plain mean is not; a censored run is known
    only to take at least the horizon, so a delay built on it is a lower bound
    (callers report the share of runs that reached the event beside it).
    """
    t = np.asarray(times, dtype=float)
    return np.where(np.isfinite(t), np.minimum(t, horizon), horizon)


def restricted_time(times, horizon: float, level: float = LEVEL) -> CensoredTime:
    """Summarise times right-censored at ``horizon`` (NaN/None = not reached)."""
    t = np.asarray(times, dtype=float)
    n = t.size
    reached = int(np.count_nonzero(np.isfinite(t) & (t <= horizon)))
    c = capped(t, horizon)
    median = math.nan
    if n and reached > n / 2:
        # With one censoring time for all runs, the sample median is exact
        # whenever more than half the runs are observed.
        median = float(np.median(c))
    return CensoredTime(horizon, reached, n, median, mean_ci(c, level))


def paired_delay_ci(treated, baseline, horizon: float, level: float = LEVEL) -> Estimate:
    """Mean per-seed difference of times capped at the horizon (restricted mean delay).

    When the treated runs are censored this understates the delay; when the
    baseline runs are censored too, the difference says nothing about the
    delay beyond the horizon. Callers report the reached shares beside it.
    """
    return paired_diff_ci(capped(treated, horizon), capped(baseline, horizon), level)
