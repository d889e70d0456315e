"""The flat metrics record of one run (``metrics.json``). Reads the ground truth.

One function per mechanism of :data:`sim.record.outcomes.MECHANISMS`, each returning the
values of exactly that mechanism's declared outcomes (:data:`MEASURES`, in the same
order); :func:`summarize` refuses a key that is not declared and a declared one that is
missing.

Legitimate-user counts are scaled to the real population through the sampling
weights; rates are per 100,000 real users of all providers. Rare collateral is
also given as an expected value (sum over reviewed legitimate accounts of
weight x ban probability), which is far more precise than the sampled count.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ..agents.operator import SPEND_ITEMS, Operator
from ..agents.provider import BAN_REASONS
from ..config import CAPABILITIES, SimConfig, bound_providers
from ..controls import FILTER_CONTROLS, QUEUE_SOURCES
from ..controls.aggregate_reporting import AggregateReporting
from ..world.accounts import BANNED
from ..world.calendar import HOURS_PER_DAY
from ..world.sanctions import horizon
from . import outcomes
from .ledger import reverification_totals, route_share

if TYPE_CHECKING:
    from ..model import DistillationModel

PER = 100_000


def _ratio(num: float, den: float) -> float | None:
    return float(num / den) if den > 0 else None


def dimensions(cfg: SimConfig) -> dict[str, tuple[str, ...]]:
    """The vocabularies the outcome families of a run of ``cfg`` run over (:data:`outcomes.DIMENSIONS`)."""
    return {
        "capability": CAPABILITIES,
        "provider": tuple(p.name for p in cfg.scenario.providers),
        "item": SPEND_ITEMS,
        "reason": BAN_REASONS,
        "source": QUEUE_SOURCES,
        "control": FILTER_CONTROLS,
    }


@dataclass(frozen=True)
class _Run:
    """What several mechanisms' outcomes are computed from, computed once."""

    model: DistillationModel
    harvested_window: int
    harvested_total: int
    spend: dict[str, float]
    cost: float
    banned: np.ndarray  # account is banned
    legit: np.ndarray  # sampled legitimate user (resellers' customers are reported apart)

    @classmethod
    def of(cls, model: DistillationModel) -> _Run:
        ledger = model.ledger
        table = model.accounts
        spend = {item: sum(op.spend[item] for op in model.operators) for item in SPEND_ITEMS}
        return cls(
            model=model,
            harvested_window=int(ledger.ticks[: model.clock.window_end_tick, 1].sum()),
            harvested_total=int(ledger.ticks[:, 1].sum()),
            spend=spend,
            cost=float(sum(spend.values())),
            banned=table.status == BANNED,
            legit=~table.is_attacker & ~table.is_reseller,
        )


def _run(r: _Run) -> dict:
    cfg = r.model.cfg
    return {
        "seed": cfg.seed,
        "scenario": cfg.scenario.name,
        "attacker": cfg.attacker.name,
        "policy": cfg.policy.name,
        "population": cfg.population.name,
        "window_days": r.model.clock.window_days,
    }


def _campaign(r: _Run) -> dict:
    model, ledger = r.model, r.model.ledger
    ops = model.operators
    target = sum(op.target for op in ops)
    cum = np.cumsum([d["attacker_served"] for d in ledger.days])
    reached = np.flatnonzero(cum >= model.cfg.scenario.target_reached_fraction * target) if target else np.zeros(0)
    # Each operator's harvest within the window (all of it while the window has not closed).
    in_window = ledger.harvest_at_window_end or [op.harvested for op in ops]
    m = {
        "exchanges_target": target,
        "exchanges_demanded": int(ledger.ticks[:, 0].sum()),
        "exchanges_harvested": r.harvested_window,
        "exchanges_harvested_incl_overrun": r.harvested_total,
        "exchanges_refused": int(ledger.ticks[:, 2].sum()),
        "campaign_blocked_share": max(0.0, 1.0 - r.harvested_window / target) if target else 0.0,
        "days_to_target": int(reached[0]) + 1 if reached.size else None,
    }
    for cap in CAPABILITIES:
        m[f"exchanges_harvested_{cap}"] = float(sum(op.spec.capability_mix.get(cap, 0.0) * h for op, h in zip(ops, in_window, strict=True)))
    for name, n in zip(ledger.provider_names, ledger.attacker_served_in_window, strict=True):
        m[f"exchanges_harvested_from_{name}"] = int(n)
    m["leakage_share"] = _leakage_share(model.cfg, ledger.attacker_served_in_window, r.harvested_window)
    return m


def _leakage_share(cfg: SimConfig, by_provider: np.ndarray, harvested: int) -> float | None:
    """Share of the window's harvest served by providers the policy does not bind: 0 when it binds
    every provider (nothing can leak), undefined (None) when it binds some and nothing was harvested."""
    bound = bound_providers(cfg)
    if len(bound) == len(by_provider):
        return 0.0
    if harvested == 0:
        return None
    return float(by_provider.sum() - by_provider[bound].sum()) / harvested


def _fleet(r: _Run) -> dict:
    ops = r.model.operators
    return {
        "attacker_accounts_created": int(sum(op.accounts_created for op in ops)),
        "attacker_accounts_banned": int(np.count_nonzero(r.banned & r.model.accounts.is_attacker)),
        "attacker_exits_used": int(sum(op.exits_used for op in ops)),
        "attacker_identities_bought": int(sum(op.identities_bought for op in ops)),
        "attacker_openings_denied": int(sum(op.openings_denied for op in ops)),
        "attacker_compartmentalised": bool(any(op.compartmentalised for op in ops)),
        "attacker_final_pace_per_account_day": float(min((op.pace for op in ops), default=0.0)),
    }


def _costs(r: _Run) -> dict:
    budget_days = [op.budget_exhausted_tick // HOURS_PER_DAY for op in r.model.operators if op.budget_exhausted_tick is not None]
    m = {
        "attacker_cost_usd": r.cost,
        "attacker_cost_per_million_exchanges": _ratio(r.cost * 1e6, r.harvested_total),
        "attacker_budget_exhausted_day": min(budget_days) if budget_days else None,
        "attacker_budget_spent_share": _budget_spent_share(r.model.operators),
    }
    for item in SPEND_ITEMS:
        m[f"attacker_spend_{item}_usd"] = r.spend[item]
    return m


def _budget_spent_share(operators: Sequence[Operator]) -> float:
    """Spend over budget, summed over the operators with a finite budget (0 when none has one)."""
    bounded = [op for op in operators if math.isfinite(op.budget) and op.budget > 0]
    budget = sum(op.budget for op in bounded)
    return float(sum(op.total_spend for op in bounded) / budget) if budget else 0.0


def _collateral(r: _Run) -> dict:
    model = r.model
    ledger = model.ledger
    w = model.accounts.weight
    real = model.legit_real_users
    wrongly = float(w[r.banned & r.legit].sum())
    wrongly_expected = ledger.legit_banned_expected
    lw = ledger.legit_weighted
    refused_once = float(w[r.legit & model.accounts.ever_refused].sum())
    signups_lost = float(sum(p.signups_lost for p in model.populations))
    signups_tried = float(sum(p.signups_attempted for p in model.populations))
    return {
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
        "legit_flag_rate_per_account_month": ledger.legit_flags_expected / real / model.clock.window_days * 30 if real else 0.0,
    }


def _review(r: _Run) -> dict:
    model = r.model
    table = model.accounts
    att = table.is_attacker
    w = table.weight
    providers = model.providers
    reviews_by_price: dict[float, float] = {}  # a review is priced by the stack of the provider that did it
    for p in providers:
        price = p.policy.cost_per_review_usd
        reviews_by_price[price] = reviews_by_price.get(price, 0) + p.queue.reviews_done
    m: dict = {
        "reviews_done": float(sum(p.queue.reviews_done for p in providers)),
        "verifications_done": float(sum(p.gating.verifications for p in providers)),
        "defender_cost_usd": float(
            sum(n * price for price, n in reviews_by_price.items())
            + sum(p.gating.cost_usd for p in providers)
        ),
    }
    for code, reason in enumerate(BAN_REASONS):
        by = r.banned & (table.ban_reason == code)
        m[f"attacker_banned_by_{reason}"] = int(np.count_nonzero(by & att))
        m[f"legit_banned_by_{reason}"] = float(w[by & r.legit].sum())
    reviewed_ban = r.banned & (table.ban_reason == BAN_REASONS.index("review"))
    for code, source in enumerate(QUEUE_SOURCES):
        by = reviewed_ban & (table.queued_by == code)
        m[f"attacker_banned_after_review_from_{source}"] = int(np.count_nonzero(by & att))
        m[f"legit_banned_after_review_from_{source}"] = float(w[by & r.legit].sum())
    return m


def _filters(r: _Run) -> dict:
    refused_by = r.model.ledger.refused_by
    return {
        f"{side}_refused_by_{control}": float(refused_by[side].get(control, 0.0))
        for side in ("attacker", "legit")
        for control in FILTER_CONTROLS
    }


def _identity_gating(r: _Run) -> dict:
    model = r.model
    ops = model.operators
    rv = reverification_totals(model)
    return {
        # At the start (reverify_existing) plus on a flag (reverify_on_flag; 0.0 when off).
        "legit_users_lost_to_reverification": float(sum(p.lost_to_reverification for p in model.populations)) + rv["legit_closed"],
        "reverification_requests": rv["requests"],
        "attacker_accounts_asked_to_reverify": rv["attacker_asked"],
        "attacker_accounts_closed_by_reverification": rv["attacker_closed"],
        "legit_users_asked_to_reverify": rv["legit_asked"],
        "legit_users_lost_to_flag_reverification": rv["legit_closed"],
        "attacker_reverify_documents_bought": int(sum(op.reverify_documents_bought for op in ops)),
        "attacker_identities_refused_by_ownership_screen": int(sum(op.identities_refused_by_ownership_screen for op in ops)),
        "legit_signups_lost_to_ownership_screen": float(sum(p.signups_lost_to_ownership_screen for p in model.populations)),
    }


def _resellers(r: _Run) -> dict:
    model = r.model
    rs = model.resellers
    table = model.accounts
    requested = sum(x.legit[0] for x in rs)
    return {
        "legit_users_cut_off_by_reseller_bans": float(sum(x.cut_off_by_bans for x in rs)),
        "legit_users_cut_off_by_reseller_kyc": float(sum(x.cut_off_by_kyc for x in rs)),
        "legit_users_lost_to_reseller_kyc": float(sum(x.lost_to_kyc for x in rs)),
        "reseller_legit_exchanges_requested": float(requested),
        "reseller_legit_exchanges_refused_share": float(sum(x.legit[2] for x in rs) / requested) if rs and requested else 0.0,
        "reseller_accounts_banned": int(sum(np.count_nonzero(table.status[x.rows] == BANNED) for x in rs)),
        "reseller_kyc_cost_usd": float(sum(x.kyc_cost_usd for x in rs)),
        "attacker_refused_by_reseller_kyc": float(sum(x.op_blocked_by_kyc for x in rs)),
        "attacker_exchanges_via_resellers": int(sum(op.routed_served for op in model.operators)),
        "attacker_final_route_share": route_share(model),
    }


def _market(r: _Run) -> dict:
    market = r.model.market
    return {
        "market_identities_bought": float(market.bought_total.sum()) if market is not None else 0.0,
        "market_final_price_multiplier": float(market.multiplier) if market is not None else 1.0,
        "attacker_ready_accounts_bought": int(sum(op.ready_accounts_bought for op in r.model.operators)),
        "market_ready_account_spend_usd": float(market.ready_spent_total) if market is not None else 0.0,
    }


def _aggregate_reporting(r: _Run) -> dict:
    model = r.model
    reporting = [c for p in model.providers for c in p.controls if isinstance(c, AggregateReporting)]
    due = [d for c in reporting for d in c.report_due_days]
    return {
        "aggregate_reports_opened": int(sum(c.reports_opened for c in reporting)),
        "aggregate_reports_due_within_window": int(sum(1 for d in due if d < model.clock.window_days)),
        "aggregate_accounts_flagged": int(sum(c.accounts_flagged for c in reporting)),
    }


def _sanctions(r: _Run) -> dict:
    model = r.model
    sanctions = model.sanctions
    return {
        "sanctions_designation_day": sanctions.designation_day if sanctions is not None else None,
        **horizon(model.cfg, float(r.harvested_window), r.cost, model.clock.window_days),
    }


def _from_one(day: int | None) -> int | None:
    """A day of the run counted from 1, as ``days_to_target`` (day 0 counts as 1); None stays None."""
    return day + 1 if day is not None else None


def _attribution(r: _Run) -> dict:
    model = r.model
    table = model.accounts
    ledger = model.ledger
    attribution = ledger.attribution
    operators_banned = r.banned & table.is_attacker

    def first_ban(rows: np.ndarray) -> int | None:
        ticks = table.banned_at[rows]
        return _from_one(int(ticks.min()) // HOURS_PER_DAY) if ticks.size else None

    m: dict = {"days_to_first_ban": first_ban(operators_banned)}
    for i, name in enumerate(ledger.provider_names):
        m[f"days_to_first_ban_{name}"] = first_ban(operators_banned & (table.provider == i))
    day = attribution.consortium_day
    m["days_to_attribution"] = _from_one(day)
    for name, view in zip(ledger.provider_names, attribution.own, strict=True):
        m[f"days_to_attribution_{name}"] = _from_one(view.day)
        m[f"false_attributions_{name}"] = view.false_attributions
    # The attribution comes at the day's close, after that day's traffic: the day's harvest counts as before it.
    served = [d["attacker_served"] for d in ledger.days[: model.clock.window_days]]
    before = sum(served if day is None else served[: day + 1])
    target = sum(op.target for op in model.operators)
    m["harvest_before_attribution_share"] = min(1.0, before / target) if target else 0.0
    m["attribution_censored"] = day is None
    m["attribution_pooled"] = attribution.pooled
    return m


# One function per mechanism of outcomes.MECHANISMS but the runner's (which adds the run's wall time).
MEASURES: dict[str, Callable[[_Run], dict]] = {
    "run": _run,
    "campaign": _campaign,
    "fleet": _fleet,
    "costs": _costs,
    "collateral": _collateral,
    "review": _review,
    "filters": _filters,
    "identity_gating": _identity_gating,
    "resellers": _resellers,
    "market": _market,
    "aggregate_reporting": _aggregate_reporting,
    "sanctions": _sanctions,
    "attribution": _attribution,
}


def summarize(model: DistillationModel) -> dict:
    """Everything a policy comparison needs from one run, as one flat dict.

    Raises:
        ValueError: naming the mechanism, if its function returns an undeclared key or
            misses a declared one (declarations: :mod:`sim.record.outcomes`).
    """
    basis = _Run.of(model)
    dims = dimensions(model.cfg)
    out: dict = {}
    for mechanism in outcomes.MECHANISMS:
        if mechanism.name == outcomes.RUNNER:
            continue
        if mechanism.name not in MEASURES:
            raise ValueError(f"mechanism {mechanism.name!r} is declared in sim/record/outcomes.py but has no function in MEASURES")
        values = MEASURES[mechanism.name](basis)
        declared = [o.name for o in mechanism.expand(dims)]
        if set(values) != set(declared):
            raise ValueError(
                f"metrics of mechanism {mechanism.name!r} differ from its declarations in sim/record/outcomes.py: "
                f"undeclared {sorted(set(values) - set(declared))}, missing {sorted(set(declared) - set(values))}"
            )
        out.update({name: values[name] for name in declared})
    return out
