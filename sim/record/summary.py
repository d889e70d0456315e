"""A readable summary of one run's metrics, printed at the end of a run."""

from __future__ import annotations


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


ROWS: tuple[tuple[str, str], ...] = (
    ("exchanges_target", "campaign target (exchanges)"),
    ("exchanges_demanded", "exchanges requested by the attacker"),
    ("exchanges_harvested", "exchanges harvested in the window"),
    ("campaign_blocked_share", "share of the campaign blocked"),
    ("days_to_target", "days to reach the target"),
    ("attacker_accounts_created", "attacker accounts created"),
    ("attacker_accounts_banned", "attacker accounts banned"),
    ("attacker_cost_usd", "attacker cost (USD)"),
    ("attacker_cost_per_million_exchanges", "attacker cost per million exchanges (USD)"),
    ("legit_users_wrongly_banned", "legitimate users wrongly banned (real users)"),
    ("legit_users_wrongly_banned_expected_per_100k", "  expected, per 100k users"),
    ("legit_exchanges_refused_share", "legitimate exchanges refused (share)"),
    ("legit_users_refused_per_100k", "legitimate users refused at least once, per 100k"),
    ("legit_signups_lost", "legitimate sign-ups lost (real users)"),
    ("reviews_done", "human reviews done"),
    ("runtime_seconds", "runtime (s)"),
)


def render(metrics: dict) -> str:
    """The headline metrics as an aligned two-column table."""
    head = f"{metrics.get('scenario')} | attacker={metrics.get('attacker')} | policy={metrics.get('policy')} | seed={metrics.get('seed')}"
    width = max(len(label) for _, label in ROWS)
    lines = [head, "-" * len(head)]
    lines += [f"{label:<{width}}  {_fmt(metrics.get(key))}" for key, label in ROWS]
    return "\n".join(lines)
