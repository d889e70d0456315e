"""The dashboard's numbers: which outcomes each view shows, their estimates over seeds, formatting.

Labels, units and directions come from the outcome declarations (:mod:`sim.record.outcomes`).
Over several seeds a level is the mean with a 95% Student-t interval, and B - A is the mean of
the per-seed differences (paired: both arms ran on the same seeds, so the noise they share
cancels), with the analyses' estimators (:mod:`sim.record.estimates`). One seed gives a value
without an interval.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from sim.record import outcomes
from sim.record.estimates import Estimate, feasible_range, mean_ci

PER = 100_000
HARMED = "legit_users_harmed_per_100k"
HARMED_LABEL = f"legitimate users harmed ({outcomes.PER_100K})"

CAMPAIGN: tuple[str, ...] = (
    "exchanges_target", "exchanges_harvested", "campaign_blocked_share", "days_to_target",
    "attacker_accounts_created", "attacker_accounts_banned",
)
COST: tuple[str, ...] = ("attacker_cost_usd", "attacker_cost_per_million_exchanges")
COLLATERAL: tuple[str, ...] = (
    "legit_users_wrongly_banned_expected_per_100k", "legit_users_refused_per_100k",
    "legit_exchanges_refused_share", "legit_signups_lost", "legit_signups_lost_share",
)
COMPARED: tuple[str, ...] = CAMPAIGN + COST + COLLATERAL + ("reviews_done",)


def heading(name: str) -> str:
    """An outcome's label with its unit; a share is shown in %."""
    if name == HARMED:
        return HARMED_LABEL
    o = outcomes.get(name)
    return f"{o.label} (%)" if o.unit == outcomes.SHARE else o.heading


def better(name: str) -> str:
    """Which direction helps the defender, in words ('' for a descriptive value)."""
    direction = outcomes.LOWER if name == HARMED else outcomes.get(name).direction
    return {outcomes.LOWER: "lower is better", outcomes.HIGHER: "higher is better"}.get(direction, "")


def fmt(value, name: str | None = None) -> str:
    """One value as the page shows it: a share in %, large numbers with separators, 4 digits otherwise."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if isinstance(value, bool) or isinstance(value, str):
        return str(value)
    if name is not None and (o := outcomes.find(name)) is not None and o.unit == outcomes.SHARE:
        pct = 100 * float(value)  # a tiny share keeps its digits: 0.000917%, not 0.00%
        if pct == 0 or abs(pct) >= 1:
            return f"{pct:.2f}%" if pct else "0%"
        return np.format_float_positional(pct, precision=3, fractional=False, trim="-") + "%"
    if isinstance(value, float) and math.isinf(value):
        return "inf"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    if isinstance(value, int) or float(value).is_integer():
        return f"{int(value)}"
    return np.format_float_positional(value, precision=4, fractional=False, trim="-")


def estimate(values: Sequence[float], name: str | None = None) -> Estimate:
    """Mean and Student-t interval of the finite values (missing ones dropped).

    The interval is cut to what the quantity ``name`` can be (:func:`sim.record.estimates.feasible_range`:
    a share to [0, 1], a level none of whose values is negative to >= 0); ``name`` None: a
    difference, which can take either sign.
    """
    if name is None:
        return mean_ci(values)
    lo, hi = feasible_range(name, values)
    return mean_ci(values, lo=lo, hi=hi)


def estimate_text(est: Estimate, name: str, signed: bool = False) -> str:
    """``value [lo, hi]`` in the outcome's unit (``signed``: a positive value with its +)."""
    if est.n == 0 or math.isnan(est.value):
        return "n/a"
    sign = "+" if signed and est.value > 0 else ""
    if math.isnan(est.lo) or est.lo == est.hi:  # one seed, or the same value on every seed
        return sign + fmt(est.value, name)
    return f"{sign}{fmt(est.value, name)} [{fmt(est.lo, name)}, {fmt(est.hi, name)}]"


def run_rows(metrics: dict, names: Sequence[str]) -> list[tuple[str, str, str, str]]:
    """(key, heading, value, direction) of each outcome of one run, as the Run view lists them."""
    return [(n, heading(n), fmt(metrics.get(n), n), better(n)) for n in names]


def pair_table(runs: pd.DataFrame, names: Sequence[str] = COMPARED) -> pd.DataFrame:
    """The Compare view's table: per outcome, A and B (means over seeds) and B - A (paired by seed).

    ``runs`` has one row per (arm, seed) with columns ``arm`` ("A"/"B"), ``seed`` and the metrics.
    """
    rows = []
    for n in names:
        wide = runs.pivot(index="seed", columns="arm", values=n).astype(float)
        a, b = estimate(wide["A"], n), estimate(wide["B"], n)
        diff = estimate(wide["B"] - wide["A"])
        rows.append({"key": n, "outcome": heading(n), "A": estimate_text(a, n), "B": estimate_text(b, n),
                     "B - A": estimate_text(diff, n, signed=True), "better": better(n), "seeds": a.n})
    return pd.DataFrame(rows)


def html_table(rows: Sequence[dict], columns: Sequence[str], key: str | None = None) -> str:
    """An HTML table of ``rows`` (each row's ``key`` value, if given, as its ``data-key``)."""
    from html import escape

    head = "".join(f"<th>{escape(c)}</th>" for c in columns)
    body = []
    for r in rows:
        attr = f' data-key="{escape(str(r[key]))}"' if key else ""
        body.append(f"<tr{attr}>" + "".join(f"<td>{escape(str(r[c]))}</td>" for c in columns) + "</tr>")
    return f'<table class="dash-table"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'
