"""The flat metrics record of one run (``metrics.json``). Reads the ground truth.

Legitimate-user counts are scaled to the real population through the sampling
weights; rates are per 100,000 real users of all providers. Rare collateral is
also given as an expected value (sum over reviewed legitimate accounts of
weight x ban probability), which is far more precise than the sampled count.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..world.accounts import BANNED
from ..agents.operator import SPEND_ITEMS
from ..agents.provider import BAN_REASONS
from ..world.calendar import HOURS_PER_DAY
from ..config import CAPABILITIES
from ..controls import FILTER_CONTROLS, QUEUE_SOURCES
from ..controls.aggregate_reporting import AggregateReporting
from .ledger import reverification_totals
from ..world.sanctions import horizon

if TYPE_CHECKING:
    from ..model import DistillationModel

PER = 100_000


def _ratio(num: float, den: float) -> float | None:
    return float(num / den) if den > 0 else None


def summarize(model: DistillationModel) -> dict:
    """Everything a policy comparison needs from one run, as one flat dict."""
    cfg = model.cfg
    table = model.accounts
    ledger = model.ledger
    clock = model.clock
    ops = model.operators
    att = table.is_attacker
    target = sum(op.target for op in ops)
    window_ticks = clock.window_end_tick
    harvested_window = int(ledger.ticks[:window_ticks, 1].sum())
    harvested_total = int(ledger.ticks[:, 1].sum())
    demanded = int(ledger.ticks[:, 0].sum())
    cum = np.cumsum([d["attacker_served"] for d in ledger.days])
    reached = np.flatnonzero(cum >= cfg.scenario.target_reached_fraction * target) if target else np.zeros(0)
    spend = {item: sum(op.spend[item] for op in ops) for item in SPEND_ITEMS}
    cost = float(sum(spend.values()))
    banned = table.status == BANNED
    legit = ~att & ~table.is_reseller  # sampled users; resellers' customers are reported apart
    w = table.weight
    real = model.legit_real_users
    wrongly = float(w[banned & legit].sum())
    wrongly_expected = ledger.legit_banned_expected
    lw = ledger.legit_weighted
    refused_once = float(w[legit & table.ever_refused].sum())
    signups_lost = float(sum(p.signups_lost for p in model.populations))
    signups_tried = float(sum(p.signups_attempted for p in model.populations))
    rv = reverification_totals(model)
    budget_days = [op.budget_exhausted_tick // HOURS_PER_DAY for op in ops if op.budget_exhausted_tick is not None]
    m: dict = {
        "seed": cfg.seed,
        "scenario": cfg.scenario.name,
        "attacker": cfg.attacker.name,
        "policy": cfg.policy.name,
        "population": cfg.population.name,
        "window_days": clock.window_days,
        "exchanges_target": target,
        "exchanges_demanded": demanded,
        "exchanges_harvested": harvested_window,
        "exchanges_harvested_incl_overrun": harvested_total,
        "exchanges_refused": int(ledger.ticks[:, 2].sum()),
        "campaign_blocked_share": max(0.0, 1.0 - harvested_window / target) if target else 0.0,
        "days_to_target": int(reached[0]) + 1 if reached.size else None,
        "attacker_accounts_created": int(sum(op.accounts_created for op in ops)),
        "attacker_accounts_banned": int(np.count_nonzero(banned & att)),
        "attacker_exits_used": int(sum(op.exits_used for op in ops)),
        "attacker_cost_usd": cost,
        "attacker_cost_per_million_exchanges": _ratio(cost * 1e6, harvested_total),
        "attacker_budget_exhausted_day": min(budget_days) if budget_days else None,
        "legit_real_users": real,
        "legit_users_wrongly_banned": wrongly,
        "legit_users_wrongly_banned_per_100k": wrongly / real * PER if real else 0.0,
        "legit_users_wrongly_banned_expected": wrongly_expected,
        "legit_users_wrongly_banned_expected_per_100k": wrongly_expected / real * PER if real else 0.0,
        "legit_exchanges_refused_share": float(lw[2] / lw[0]) if lw[0] > 0 else 0.0,
        "legit_users_refused_at_least_once": refused_once,
        "legit_users_refused_per_100k": refused_once / real * PER if real else 0.0,
        "legit_signups_lost": signups_lost,
        "legit_signups_lost_share": signups_lost / signups_tried if signups_tried else 0.0,
        "legit_flag_rate_per_account_month": ledger.legit_flags_expected / real / clock.window_days * 30 if real else 0.0,
        "reviews_done": float(sum(p.queue.reviews_done for p in model.providers)),
        "verifications_done": float(sum(p.gating.verifications for p in model.providers)),
        "defender_cost_usd": float(
            sum(p.queue.reviews_done for p in model.providers) * cfg.policy.cost_per_review_usd
            + sum(p.gating.cost_usd for p in model.providers)
        ),
        "attacker_identities_bought": int(sum(op.identities_bought for op in ops)),
        "attacker_openings_denied": int(sum(op.openings_denied for op in ops)),
        "attacker_compartmentalised": bool(any(op.compartmentalised for op in ops)),
        "attacker_final_pace_per_account_day": float(min((op.pace for op in ops), default=0.0)),
        # At the start (reverify_existing) plus on a flag (reverify_on_flag; 0.0 when off).
        "legit_users_lost_to_reverification": float(sum(p.lost_to_reverification for p in model.populations)) + rv["legit_closed"],
    }
    for item in SPEND_ITEMS:
        m[f"attacker_spend_{item}_usd"] = spend[item]
    for code, reason in enumerate(BAN_REASONS):
        by = banned & (table.ban_reason == code)
        m[f"attacker_banned_by_{reason}"] = int(np.count_nonzero(by & att))
        m[f"legit_banned_by_{reason}"] = float(w[by & legit].sum())
    reviewed_ban = banned & (table.ban_reason == BAN_REASONS.index("review"))
    for code, source in enumerate(QUEUE_SOURCES):
        by = reviewed_ban & (table.queued_by == code)
        m[f"attacker_banned_after_review_from_{source}"] = int(np.count_nonzero(by & att))
        m[f"legit_banned_after_review_from_{source}"] = float(w[by & legit].sum())
    for side in ("attacker", "legit"):
        for control in FILTER_CONTROLS:
            m[f"{side}_refused_by_{control}"] = float(ledger.refused_by[side].get(control, 0.0))
    for cap in CAPABILITIES:
        share = sum(op.spec.capability_mix.get(cap, 0.0) * op.harvested for op in ops)
        m[f"exchanges_harvested_{cap}"] = float(share)
    m.update(_issue5(model, harvested_window, cost))
    m.update({
        "reverification_requests": rv["requests"],
        "attacker_accounts_asked_to_reverify": rv["attacker_asked"],
        "attacker_accounts_closed_by_reverification": rv["attacker_closed"],
        "legit_users_asked_to_reverify": rv["legit_asked"],
        "legit_users_lost_to_flag_reverification": rv["legit_closed"],
        "attacker_reverify_documents_bought": int(sum(op.reverify_documents_bought for op in ops)),
        "attacker_identities_refused_by_ownership_screen": int(sum(op.identities_refused_by_ownership_screen for op in ops)),
        "legit_signups_lost_to_ownership_screen": float(sum(p.signups_lost_to_ownership_screen for p in model.populations)),
        "attacker_ready_accounts_bought": int(sum(op.ready_accounts_bought for op in ops)),
        "market_ready_account_spend_usd": float(model.market.ready_spent_total) if model.market is not None else 0.0,
    })
    return m


def _issue5(model: DistillationModel, harvested: int, cost: float) -> dict:
    """Resellers, market, aggregate reporting, shutdown and sanctions (zeros when off)."""
    ops = model.operators
    rs = model.resellers
    table = model.accounts
    reporting = [c for p in model.providers for c in p.controls if isinstance(c, AggregateReporting)]
    window_end_day = model.clock.window_days
    due = [d for c in reporting for d in c.report_due_days]
    market = model.market
    sanctions = model.sanctions
    m = {
        "legit_users_cut_off_by_reseller_bans": float(sum(r.cut_off_by_bans for r in rs)),
        "legit_users_cut_off_by_reseller_kyc": float(sum(r.cut_off_by_kyc for r in rs)),
        "legit_users_lost_to_reseller_kyc": float(sum(r.lost_to_kyc for r in rs)),
        "reseller_legit_exchanges_requested": float(sum(r.legit[0] for r in rs)),
        "reseller_legit_exchanges_refused_share": (
            float(sum(r.legit[2] for r in rs) / sum(r.legit[0] for r in rs)) if rs and sum(r.legit[0] for r in rs) else 0.0
        ),
        "reseller_accounts_banned": int(sum(np.count_nonzero(table.status[r.rows] == BANNED) for r in rs)),
        "reseller_kyc_cost_usd": float(sum(r.kyc_cost_usd for r in rs)),
        "attacker_refused_by_reseller_kyc": float(sum(r.op_blocked_by_kyc for r in rs)),
        "attacker_exchanges_via_resellers": int(sum(op.routed_served for op in ops)),
        "attacker_final_route_share": float(max((op.route_share for op in ops), default=0.0)),
        "market_identities_bought": float(market.bought_total.sum()) if market is not None else 0.0,
        "market_final_price_multiplier": float(market.multiplier) if market is not None else 1.0,
        "aggregate_reports_opened": int(sum(c.reports_opened for c in reporting)),
        "aggregate_reports_due_within_window": int(sum(1 for d in due if d < window_end_day)),
        "aggregate_accounts_flagged": int(sum(c.accounts_flagged for c in reporting)),
        "sanctions_designation_day": sanctions.designation_day if sanctions is not None else None,
    }
    m.update(horizon(model.cfg, float(harvested), cost, model.clock.window_days))
    return m
