"""Leakage: a rule that binds some providers only, and how much of the campaign moves to the others.

A leakage sweep runs each rule on every provider and on the target provider only
(``policy.binds``; the others at ``outside_policy``), against the operator in several stances
(where it opens its accounts, and whether it moves), at several budgets, with the same seeds.
:func:`stance_of` and :func:`scope_of` read each run's stance and the rule's reach from its
flattened config; :func:`table` summarises every cell over seeds (mean and Student-t interval,
:func:`sim.record.estimates.mean_ci`, cut to each outcome's feasible range).

A run whose campaign harvested nothing has no cost per exchange and, when the rule binds some
providers only, no leakage share (both undefined, NaN): such runs leave those two means, and
``n`` per outcome says how many runs each mean rests on.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import pandas as pd

from .budget import BUDGET, budget_of
from sim.record.estimates import feasible_range, mean_ci

RULE, SCOPE, STANCE = "rule", "scope", "stance"
GROUPS = (RULE, SCOPE, STANCE, "attacker.name", BUDGET)
OUTCOMES = ("campaign_blocked_share", "leakage_share", "attacker_cost_per_million_exchanges")
ALL_PROVIDERS = "all providers"
# The operator's stances, as the sweep writes them (experiments/leakage.py): what each changes.
REPORTED, FREE, SPREAD = "target only (as reported)", "free to spread", "spread from the start"
STANCES: dict[str, tuple[str, ...]] = {
    REPORTED: (),
    FREE: ("attacker.responses.spread_providers=true", "attacker.responses.spread_on_signups=true"),
    SPREAD: ("scenario.operators.0.provider_shares=[0.34,0.33,0.33]",),
}


def stance_of(runs: pd.DataFrame) -> pd.Series:
    """Each run's stance: free to spread when it moves away from providers under pressure, else spread from
    the start when its first operator opens accounts on more than one provider, else as reported."""
    moves = runs["attacker.responses.spread_providers"].astype(bool)
    shares = runs["scenario.operators"].map(lambda text: json.loads(text)[0]["provider_shares"])
    spread = shares.map(lambda s: sum(v > 0 for v in s) > 1)
    return pd.Series([FREE if m else SPREAD if s else REPORTED for m, s in zip(moves, spread, strict=True)],
                     index=runs.index)


def scope_of(runs: pd.DataFrame, names: Sequence[str]) -> pd.Series:
    """Which providers each run's policy binds, in words: ``all providers`` or their names (``target``)."""
    def words(binds: object) -> str:
        if binds is None or (isinstance(binds, float) and pd.isna(binds)):
            return ALL_PROVIDERS
        index = json.loads(binds) if isinstance(binds, str) else list(binds)
        if sorted(set(index)) == list(range(len(names))):
            return ALL_PROVIDERS
        return " + ".join(names[i] for i in sorted(set(index))) + " only"

    return runs["policy.binds"].map(words)


def provider_names(runs: pd.DataFrame) -> list[str]:
    """The scenario's provider names, by index (from the first run's flattened config)."""
    return [p["name"] for p in json.loads(runs["scenario.providers"].iloc[0])]


def rule_of(runs: pd.DataFrame) -> pd.Series:
    """The rule a run's policy preset applies, without its reach (``identity_gating_target_only`` -> ``identity_gating``)."""
    return runs["policy.name"].str.removesuffix("_target_only")


def label(runs: pd.DataFrame) -> pd.DataFrame:
    """``runs`` with the rule, its scope, the operator's stance and the budget as columns."""
    return runs.assign(**{RULE: rule_of(runs), SCOPE: scope_of(runs, provider_names(runs)), STANCE: stance_of(runs),
                          BUDGET: budget_of(runs)})


def table(runs: pd.DataFrame, outcomes: Sequence[str] = OUTCOMES) -> pd.DataFrame:
    """One row per (rule, scope, stance, strategy, budget): seeds, and each outcome's mean, lo, hi and n.

    ``runs`` as :func:`label` returns them.
    """
    rows = []
    for key, sub in runs.groupby(list(GROUPS), sort=True):
        row = dict(zip(GROUPS, key, strict=True))
        row["seeds"] = int(sub["seed"].nunique())
        for col in outcomes:
            lo, hi = feasible_range(col, sub[col].dropna())
            est = mean_ci(sub[col], lo=lo, hi=hi)
            row[col], row[f"{col}.lo"], row[f"{col}.hi"], row[f"{col}.n"] = est.value, est.lo, est.hi, est.n
        rows.append(row)
    return pd.DataFrame(rows)
