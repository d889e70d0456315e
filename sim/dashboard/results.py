"""The Results view's reading of a collected sweep: a comparison table and the Pareto plot.

A sweep folder holds ``runs.parquet`` (``python -m sim.sweeps.collect DIR``), one row per run.
Runs are grouped by attacker strategy (the stratum) and by sweep point less its seed (the
arm: a policy, or a policy with a lever setting); each arm's outcomes are means over its seeds
with 95% intervals (:func:`sim.dashboard.tables.estimate`). The Pareto plot sets the share of
the campaign blocked against the legitimate users harmed per 100k, the sum the analyses'
comparison uses (``experiments/analysis/comparison.py``): wrongly banned (expected), refused at
least once, and sign-ups lost, each per 100k real users (a user hit twice counts twice).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

from sim.config.names import policy_label
from sim.sweeps.files import TABLE_FILE

from .tables import HARMED, PER, estimate

STRATUM = "attacker.name"
ARM = "arm"
BLOCKED = "campaign_blocked_share"
SHOWN: tuple[str, ...] = (BLOCKED, HARMED, "attacker_cost_usd", "legit_users_wrongly_banned_expected_per_100k",
                          "legit_users_refused_per_100k", "legit_signups_lost")


class NotASweep(Exception):
    """The folder has no collected table; the message says how to make one."""


def read_runs(folder: str | Path) -> pd.DataFrame:
    """The runs of a collected sweep folder, with each run's arm and users harmed per 100k.

    Raises:
        NotASweep: ``folder`` has no ``runs.parquet``.
    """
    path = Path(folder).expanduser() / TABLE_FILE
    if not path.is_file():
        raise NotASweep(f"no {TABLE_FILE} in {folder}; collect the sweep first: python -m sim.sweeps.collect {folder}")
    runs = pd.read_parquet(path)
    points = runs["overrides"] if "overrides" in runs.columns else [""] * len(runs)
    runs[ARM] = [arm_of(o, p) for o, p in zip(points, runs["policy.name"], strict=True)]
    real = runs["legit_real_users"].where(runs["legit_real_users"] > 0)
    runs[HARMED] = (runs["legit_users_wrongly_banned_expected_per_100k"].fillna(0) + runs["legit_users_refused_per_100k"].fillna(0)
                    + (runs["legit_signups_lost"] / real * PER).fillna(0))
    return runs


def arm_of(overrides: str | None, policy: str) -> str:
    """A run's arm: its policy's plain name and the point's other overrides, less seed and attacker."""
    rest = [o for o in (overrides or "").split()
            if o.split("=", 1)[0].lstrip("+~") not in ("seed", "attacker", "policy", "+sweep", "sweep")]
    return " · ".join([policy_label(policy), *rest])


def summary(runs: pd.DataFrame) -> pd.DataFrame:
    """One row per (stratum, arm): ``policy``, ``seeds``, and per shown outcome its mean, ``.lo``, ``.hi``."""
    rows = []
    for (stratum, arm), group in runs.groupby([STRATUM, ARM], sort=True):
        row: dict = {"stratum": stratum, "arm": arm, "policy": group["policy.name"].iloc[0], "seeds": int(group["seed"].nunique())}
        for name in SHOWN:
            est = estimate(group[name].tolist(), name)
            row[name], row[f"{name}.lo"], row[f"{name}.hi"] = est.value, est.lo, est.hi
        rows.append(row)
    table = pd.DataFrame(rows)
    table["pareto"] = False
    for _, idx in table.groupby("stratum").groups.items():
        sub = table.loc[idx]
        table.loc[idx, "pareto"] = pareto_front(sub[BLOCKED].to_numpy(), sub[HARMED].to_numpy())
    return table


def pareto_front(benefit: np.ndarray, cost: np.ndarray) -> np.ndarray:
    """Mask of the non-dominated points: nothing else blocks as much or more for no more harm (one strictly)."""
    b, c = np.asarray(benefit, dtype=float), np.asarray(cost, dtype=float)
    return np.array([not ((b >= b[i]) & (c <= c[i]) & ((b > b[i]) | (c < c[i]))).any() for i in range(b.size)], dtype=bool)


def interval_text(row: pd.Series, name: str, fmt) -> str:
    """``mean [lo, hi]`` of ``name`` in a summary row (no interval under two seeds)."""
    lo, hi = row[f"{name}.lo"], row[f"{name}.hi"]
    if (isinstance(lo, float) and math.isnan(lo)) or lo == hi:
        return fmt(row[name], name)
    return f"{fmt(row[name], name)} [{fmt(lo, name)}, {fmt(hi, name)}]"
