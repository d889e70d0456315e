"""A readable summary of one run's metrics, printed at the end of a run.

Which outcomes it shows is chosen here; their labels and units come from
:mod:`sim.record.outcomes`.
"""

from __future__ import annotations

from . import outcomes


def _fmt(value) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float):
        if abs(value) >= 1000:
            return f"{value:,.0f}"
        return f"{value:.4g}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


SHOWN: tuple[str, ...] = (
    "exchanges_target",
    "exchanges_demanded",
    "exchanges_harvested",
    "campaign_blocked_share",
    "days_to_target",
    "attacker_accounts_created",
    "attacker_accounts_banned",
    "attacker_cost_usd",
    "attacker_cost_per_million_exchanges",
    "legit_users_wrongly_banned",
    "legit_users_wrongly_banned_expected_per_100k",
    "legit_exchanges_refused_share",
    "legit_users_refused_per_100k",
    "legit_signups_lost",
    "reviews_done",
    "runtime_seconds",
)


def render(metrics: dict) -> str:
    """The headline metrics as an aligned two-column table: heading (label and unit), value."""
    head = f"{metrics.get('scenario')} | attacker={metrics.get('attacker')} | policy={metrics.get('policy')} | seed={metrics.get('seed')}"
    headings = [outcomes.get(name).heading for name in SHOWN]
    width = max(len(h) for h in headings)
    lines = [head, "-" * len(head)]
    lines += [f"{h:<{width}}  {_fmt(metrics.get(name))}" for h, name in zip(headings, SHOWN, strict=True)]
    return "\n".join(lines)
