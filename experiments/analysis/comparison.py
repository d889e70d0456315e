"""The policy comparison: one row per (attacker strategy, policy), every metric with its interval.

Estimators (see :mod:`sim.record.estimates`): levels are means over seeds with Student-t
intervals; contrasts against the baseline policy (the status quo) are paired
by seed, which is valid because every policy ran on the same seeds (common
random numbers): differences are means of per-seed differences, multipliers
are geometric means of per-seed ratios. Days to the target are right-censored
at the simulated horizon (window + overrun): the table gives the share of
runs that reached the target, the median when more than half did (else
``>= horizon``), and the restricted mean delay (times capped at the horizon).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.record import outcomes

from sim.record import estimates
from sim.record.estimates import Estimate
from .tables import fmt_estimate, fmt_number, fmt_share, heading, kind

PER = 100_000
ARM = "policy.name"
STRATUM = "attacker.name"
PAIR = "seed"
HARMED = "legit_users_harmed_per_100k"


@dataclass(frozen=True)
class Metric:
    """An output column and how to summarise and compare it.

    Attributes:
        column: the runs-table column.
        label: a short human label with its unit.
        kind: ``share`` (shown as %) or ``number``.
        contrast: ``diff`` (paired difference), ``ratio`` (paired multiplier) or None.
        better: ``higher``, ``lower`` (which direction helps the defender) or ``none``.
    """

    column: str
    label: str
    kind: str = "number"
    contrast: str | None = "diff"
    better: str = outcomes.LOWER

    @classmethod
    def of(cls, column: str, contrast: str | None = "diff") -> Metric:
        """A declared outcome, with its label, unit and direction from :mod:`sim.record.outcomes`."""
        return cls(column, heading(column), kind(column), contrast, outcomes.get(column).direction)


HARMED_LABEL = f"legitimate users harmed ({outcomes.PER_100K})"  # derived here (add_derived), not a run outcome
CAMPAIGN: tuple[Metric, ...] = (
    Metric.of("campaign_blocked_share", "diff"),
    Metric.of("attacker_cost_per_million_exchanges", "ratio"),
    Metric.of("attacker_cost_usd", "ratio"),
    Metric.of("attacker_accounts_created", "ratio"),
)
COLLATERAL: tuple[Metric, ...] = (
    Metric.of("legit_users_wrongly_banned_expected_per_100k"),
    Metric.of("legit_users_refused_per_100k"),
    Metric.of("legit_exchanges_refused_share"),
    Metric.of("legit_signups_lost"),
    Metric(HARMED, HARMED_LABEL),
    Metric.of("defender_cost_usd"),
    Metric.of("reviews_done"),
)
DAYS = "days_to_target"


def add_derived(runs: pd.DataFrame) -> pd.DataFrame:
    """Add :data:`HARMED`: users hurt per 100k real users, the Pareto plot's collateral.

    The sum of wrongly banned (expected), refused at least once, and sign-ups
    lost, each per 100k real legitimate users; a user hit twice counts twice,
    so it is an upper bound of distinct users harmed.
    """
    out = runs.copy()
    signups = out["legit_signups_lost"] / out["legit_real_users"].where(out["legit_real_users"] > 0) * PER
    out[HARMED] = (out["legit_users_wrongly_banned_expected_per_100k"].fillna(0)
                   + out["legit_users_refused_per_100k"].fillna(0) + signups.fillna(0))
    return out


WINDOW_DAILY_COLUMNS: tuple[str, ...] = (
    "day", "legit_users_wrongly_banned_expected", "legit_refused_real", "legit_requested_real", "legit_signups_lost_cum",
)


def restrict_to_window(runs: pd.DataFrame, daily: pd.DataFrame) -> pd.DataFrame:
    """Collateral counted over the campaign window only, from the runs' daily series.

    Why: past the window a run goes on only while the campaign does, so a
    policy that delays the campaign would otherwise be charged for more days of
    collateral than one that does not. Replaces wrongly banned (expected) per
    100k, legit exchanges refused share and sign-ups lost by their values over
    days ``0 .. window_days - 1``; runs without a daily series keep their
    whole-run values. "Refused at least once" (distinct users) has no daily
    series and stays whole-run.

    ``daily`` is long form with ``run_identity`` and :data:`WINDOW_DAILY_COLUMNS`.
    """
    out = runs.copy()
    window = out.set_index("run_identity")["window_days"]
    d = daily[daily["day"] < daily["run_identity"].map(window)]
    g = d.groupby("run_identity")
    banned = g["legit_users_wrongly_banned_expected"].sum()
    refused = g["legit_refused_real"].sum() / g["legit_requested_real"].sum().where(lambda x: x > 0)
    signups = g["legit_signups_lost_cum"].max()
    ident = out["run_identity"]
    has = ident.isin(banned.index)
    real = out["legit_real_users"].where(out["legit_real_users"] > 0)
    out.loc[has, "legit_users_wrongly_banned_expected_per_100k"] = (ident[has].map(banned) / real[has] * PER).fillna(0.0)
    out.loc[has, "legit_exchanges_refused_share"] = ident[has].map(refused).fillna(0.0)
    out.loc[has, "legit_signups_lost"] = ident[has].map(signups)
    return out


def horizon_days(runs: pd.DataFrame) -> pd.Series:
    """Days simulated per run: the window plus the overrun."""
    overrun = runs["scenario.overrun_days"] if "scenario.overrun_days" in runs.columns else 0
    return runs["window_days"] + overrun


def check_design(runs: pd.DataFrame, arm: str = ARM, stratum: str = STRATUM, pair: str = PAIR) -> None:
    """Fail when a (stratum, arm, seed) cell holds more than one run (the pairing would be ambiguous)."""
    dup = runs.duplicated([stratum, arm, pair], keep=False)
    if dup.any():
        cells = runs.loc[dup, [stratum, arm, pair]].drop_duplicates().head(5).to_dict("records")
        raise ValueError(f"{int(dup.sum())} runs share a ({stratum}, {arm}, {pair}) cell, e.g. {cells}; "
                         f"keep one run per cell (sweeps.latest_per_key) or compare one lever setting at a time")


def _pivot(runs: pd.DataFrame, column: str, arm: str, pair: str) -> pd.DataFrame:
    return runs.pivot(index=pair, columns=arm, values=column).astype(float)


def _put(row: dict, prefix: str, est: Estimate) -> None:
    row[prefix] = est.value
    row[f"{prefix}.lo"] = est.lo
    row[f"{prefix}.hi"] = est.hi


def get_estimate(row: pd.Series | dict, prefix: str) -> Estimate:
    """The :class:`Estimate` stored under ``prefix`` in a comparison row."""
    value = row.get(prefix, math.nan)
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return estimates.NAN_ESTIMATE
    n = int(row.get("seeds", 0))
    return Estimate(float(value), float(row.get(f"{prefix}.lo", math.nan)), float(row.get(f"{prefix}.hi", math.nan)), n)


def compare(runs: pd.DataFrame, baseline: str = "status_quo", metrics: Sequence[Metric] = CAMPAIGN + COLLATERAL,
            arm: str = ARM, stratum: str = STRATUM, pair: str = PAIR) -> pd.DataFrame:
    """The comparison table (numbers): one row per (stratum, arm).

    Columns: ``stratum``, ``policy``, ``seeds``, then for each metric present
    in ``runs``: ``<col>``, ``<col>.lo``, ``<col>.hi`` (mean and interval) and,
    when the baseline is in the stratum, ``<col>.vs`` (+ ``.lo``/``.hi``):
    the paired difference or multiplier. Days to target: ``horizon_days``,
    ``reached_share``, ``days_median`` (NaN when censored), ``days_capped``
    (restricted mean) and ``delay_days`` (paired restricted-mean delay).
    Metrics missing from ``runs`` (e.g. ``defender_cost_usd`` before it
    existed) are skipped.
    """
    runs = add_derived(runs)
    check_design(runs, arm, stratum, pair)
    present = [m for m in metrics if m.column in runs.columns and runs[m.column].notna().any()]
    rows = []
    for s, group in runs.groupby(stratum, sort=True):
        horizon = float(horizon_days(group).max())
        days = _pivot(group, DAYS, arm, pair)
        ran = group.pivot(index=pair, columns=arm, values="run_identity").notna()  # a missing day is censored, a missing run is not
        has_base = baseline in days.columns
        for a in sorted(group[arm].unique(), key=lambda x: (x != baseline, str(x))):
            row: dict = {"stratum": s, "policy": a, "seeds": int(ran[a].sum())}
            for m in present:
                wide = _pivot(group, m.column, arm, pair)
                _put(row, m.column, estimates.mean_ci(wide[a], lo=(b := estimates.feasible_range(m.column, wide[a]))[0], hi=b[1]))
                if has_base and m.contrast and a != baseline:
                    both = wide[[a, baseline]].dropna()
                    fn = estimates.paired_ratio_ci if m.contrast == "ratio" else estimates.paired_diff_ci
                    _put(row, f"{m.column}.vs", fn(both[a], both[baseline]))
            ct = estimates.restricted_time(days.loc[ran[a], a], horizon)
            row["horizon_days"] = horizon
            row["reached_share"] = ct.reached_share
            row["days_median"] = ct.median
            _put(row, "days_capped", ct.restricted_mean)
            if has_base and a != baseline:
                pairs = ran[a] & ran[baseline]
                _put(row, "delay_days", estimates.paired_delay_ci(days.loc[pairs, a], days.loc[pairs, baseline], horizon))
            rows.append(row)
    return pd.DataFrame(rows)


def pareto_front(benefit: Sequence[float], cost: Sequence[float]) -> np.ndarray:
    """Mask of the non-dominated points: nothing else has more benefit for no more cost.

    A point is dominated when another has benefit >= and cost <=, one of them strictly.
    """
    b = np.asarray(benefit, dtype=float)
    c = np.asarray(cost, dtype=float)
    keep = np.ones(b.size, dtype=bool)
    for i in range(b.size):
        dominated = (b >= b[i]) & (c <= c[i]) & ((b > b[i]) | (c < c[i]))
        keep[i] = not dominated.any()
    return keep


# --------------------------------------------------------------------------- presentation


def _days_cell(row: pd.Series) -> str:
    h = row["horizon_days"]
    if math.isfinite(row["days_median"]):
        return f"{row['days_median']:.0f} ({fmt_share(row['reached_share'], 0)} reached)"
    return f">= {h:.0f} ({fmt_share(row['reached_share'], 0)} reached)"


def _delay_cell(row: pd.Series, base_row: pd.Series | None) -> str:
    if base_row is None or row["policy"] == base_row["policy"]:
        return "(baseline)" if base_row is not None else "n/a"
    est = get_estimate(row, "delay_days")
    if est.n == 0:
        return "n/a"
    text = fmt_estimate(est, signed=True)
    if base_row["reached_share"] < 1.0:
        return f"{text} (baseline censored)"
    if row["reached_share"] < 1.0:
        return f">= {text}"
    return text


def _level(row: pd.Series, column: str) -> str:
    """A metric's mean and interval as its declaration shows it (a share as %)."""
    return fmt_estimate(get_estimate(row, column), kind(column))


def markdown_tables(table: pd.DataFrame, baseline: str) -> dict[str, pd.DataFrame]:
    """Two display tables (strings): the campaign side and the collateral side."""
    campaign_rows, collateral_rows = [], []
    for _, row in table.iterrows():
        base = table[(table["stratum"] == row["stratum"]) & (table["policy"] == baseline)]
        base_row = base.iloc[0] if len(base) else None
        is_base = row["policy"] == baseline
        blocked = outcomes.get("campaign_blocked_share").label
        c = {"strategy": row["stratum"], "policy": row["policy"], "seeds": int(row["seeds"])}
        c[blocked] = _level(row, "campaign_blocked_share")
        c[f"{blocked} vs {baseline} (pp)"] = "(baseline)" if is_base else fmt_estimate(get_estimate(row, "campaign_blocked_share.vs"), "pp", signed=True)
        c["days to target"] = _days_cell(row)
        c[f"delay vs {baseline} (days)"] = _delay_cell(row, base_row)
        c[heading("attacker_cost_per_million_exchanges")] = _level(row, "attacker_cost_per_million_exchanges")
        c["cost multiplier"] = "(baseline)" if is_base else fmt_estimate(get_estimate(row, "attacker_cost_per_million_exchanges.vs"), "times")
        campaign_rows.append(c)
        k = {"strategy": row["stratum"], "policy": row["policy"]}
        shown = ["legit_users_wrongly_banned_expected_per_100k", "legit_users_refused_per_100k", "legit_exchanges_refused_share",
                 "legit_signups_lost", "defender_cost_usd" if "defender_cost_usd" in table.columns else "reviews_done"]
        k.update({heading(column): _level(row, column) for column in shown})
        collateral_rows.append(k)
    return {"campaign": pd.DataFrame(campaign_rows), "collateral": pd.DataFrame(collateral_rows)}


MEASURABLE_BLOCK = 0.005  # below half a percent of the campaign, "blocks the most" names no winner


def headline(table: pd.DataFrame, baseline: str) -> list[str]:
    """One sentence per strategy: the best blocker and the non-dominated policies."""
    lines = []
    for s, group in table.groupby("stratum", sort=True):
        best = group.loc[group["campaign_blocked_share"].idxmax()]
        front = group[pareto_front(group["campaign_blocked_share"], group[HARMED])]["policy"].tolist()
        blocked = get_estimate(best, "campaign_blocked_share")
        if not blocked.value >= MEASURABLE_BLOCK or (blocked.has_interval and blocked.lo <= 0.0):
            lines.append(
                f"Against `{s}`, no policy blocks a measurable share of the campaign (the most, `{best['policy']}`, "
                f"{fmt_estimate(blocked, 'share')}): the policies differ in cost and collateral only."
            )
            continue
        lines.append(
            f"Against `{s}`, `{best['policy']}` blocks the most: "
            f"{fmt_estimate(get_estimate(best, 'campaign_blocked_share'), 'share')} of the campaign, "
            f"with {fmt_number(best[HARMED])} legitimate users harmed per 100k; "
            f"non-dominated (blocked share vs users harmed): {', '.join(f'`{p}`' for p in front)}."
        )
    return lines


ATTRIBUTION = ("days_to_first_ban", "days_to_attribution", "harvest_before_attribution_share")


def attribution_table(runs: pd.DataFrame, baseline: str, arm: str = ARM, stratum: str = STRATUM) -> pd.DataFrame:
    """When the defenders know whom they face: per (policy, strategy), the day of the first ban of
    an operator account and the day the campaign is attributed (restricted means over the
    simulated horizon, so a run that never attributes counts as the horizon, with the share of
    runs that did), and the share of the target harvested before attribution (mean; a run never
    attributed counts its whole window). Display strings; the baseline policy first."""
    horizon = float(horizon_days(runs).max())
    rows = []
    for (policy, strategy), cell in runs.groupby([arm, stratum], sort=False):
        row = {"policy": policy, "strategy": strategy, "seeds": len(cell)}
        for column, label in (("days_to_first_ban", "day of first ban"), ("days_to_attribution", "day of attribution")):
            t = estimates.restricted_time(pd.to_numeric(cell[column], errors="coerce"), horizon)
            reached = "" if t.reached == t.n else f" ({t.reached}/{t.n} reached; the others count {horizon:g})"
            row[label] = fmt_estimate(t.restricted_mean) + reached
        row["share of the target harvested before it"] = fmt_estimate(
            estimates.mean_ci(cell["harvest_before_attribution_share"], lo=0.0, hi=1.0), "share")
        rows.append(row)
    table = pd.DataFrame(rows)
    order = sorted(table["policy"].unique(), key=lambda p: (p != baseline, p))
    table["policy"] = pd.Categorical(table["policy"], order, ordered=True)
    return table.sort_values(["policy", "strategy"], kind="stable").astype({"policy": str}).reset_index(drop=True)
