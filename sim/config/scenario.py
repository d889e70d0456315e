"""The world branch (``scenario``): providers, operators' campaigns, resellers, and the window."""

from __future__ import annotations

from dataclasses import dataclass, field

from omegaconf import MISSING

from .domain import CAPABILITIES, MAX_PROVIDER, PROXY_TYPES
from .fields import SETTING, STRATEGY, UNCERTAINTY, between, count, declared, limit, prob


@dataclass
class ProviderSpec:
    """One model provider and the real legitimate user base it stands for."""

    name: str = declared(MISSING, role=SETTING, doc="Provider name (labels only).")
    real_users: float = between(
        30e6, 1.0, 1e10, role=UNCERTAINTY, plausible=(10e6, 800e6), source="A",
        doc="Monthly active users the provider's legitimate sample stands for; scales legitimate-user counts only "
            "(the target provider 10M-100M, the larger peers 100M-800M).")
    legit_sample_share: float = prob(
        1.0, role=SETTING, doc="Share of the legitimate sample placed on this provider (stratification: changes the "
                               "precision, not the answer).")


@dataclass
class OperatorSpec:
    """One attacking operator's campaign (what it wants, not how it goes about it)."""

    name: str = declared(MISSING, role=SETTING, doc="Operator name (labels and random streams).")
    target_exchanges: int = count(
        28_800_000, 0, 10**10, role=SETTING, source="C",
        doc="Exchanges the campaign sets out to harvest (the question asked: the reported campaign's size).")
    budget_usd: float = limit(
        1e8, role=UNCERTAINTY, plausible=(2.1e5, 6.9e6), source="A",
        doc="The campaign's budget (USD): the operator never spends past it and paces it over the window "
            "(attacker.budget_pacing). No figure is public. Reference budget: the reference campaign's status-quo "
            "spend, measured at $0.688M (attacker_cost_usd of qwen_2026 x status_quo, wide_slow and churn, seeds "
            "0-1: $687.7k-$688.7k); plausible range 0.3x-10x that. The default, $100M, does not bind (a "
            "state-linked lab), so the calibrated reference runs are those of an unlimited budget; inf is the "
            "unbounded case; experiments/budget.py sets it explicitly.")
    provider_shares: list[float] = prob(
        None, default_factory=lambda: [1.0, 0.0, 0.0], role=STRATEGY, plausible=(0.0, 1.0), source="C",
        doc="Share of the operator's new accounts opened on each provider (by provider index; the shares sum to 1; "
            "attacker.responses.spread_providers moves them during the run). C: the reported campaign targeted one "
            "provider; the range, any split, is the operator's choice.")
    capability_mix: dict[str, float] = prob(
        None, default_factory=lambda: {"coding": 0.5, "agentic": 0.3, "long_horizon": 0.2, "other": 0.0},
        role=UNCERTAINTY, source="A",
        plausible={"coding": (0.3, 0.7), "agentic": (0.1, 0.5), "long_horizon": (0.0, 0.4), "other": (0.0, 0.2)},
        doc="Share of the campaign's exchanges per capability (" + ", ".join(CAPABILITIES) + "; they sum to 1): "
            "the targets are C (software engineering, agentic reasoning, long-horizon tasks), the shares and their "
            "ranges A.")


@dataclass
class ResellerConfig:
    """Commercial services that resell model access over accounts carrying many
    customers' traffic, legitimate and operators' alike (off by default).

    C: one proxy network ran >20,000 accounts at once and mixed distillation
    traffic with unrelated customer traffic (CALIBRATION "hydra cluster").
    """

    enabled: bool = declared(
        False, role=SETTING, doc="Whether the world has resellers (picks the world asked about; "
                                 "scenario qwen_2026_resellers turns them on).")
    services: int = count(5, 1, 1000, role=UNCERTAINTY, plausible=(1, 20), source="A",
                          doc="Number of reseller services.")
    provider: int = count(0, 0, MAX_PROVIDER, role=SETTING, doc="Provider index the resellers' accounts live on.")
    accounts_per_reseller: int = count(
        4000, 1, 10**7, role=UNCERTAINTY, plausible=(100, 10_000), source="E",
        doc="Accounts each reseller runs: 5 x 4,000 = 20,000 (C: >20,000 accounts at once).")
    legit_customers: float = between(
        200_000.0, 0.0, 1e9, role=UNCERTAINTY, plausible=(1e4, 1e6), source="A",
        doc="Real legitimate customers served by all resellers together (a weighted count).")
    legit_demand_per_customer_day: float = between(
        5.0, 0.0, 1e6, role=UNCERTAINTY, plausible=(1.0, 50.0), source="A",
        doc="Exchanges per legitimate customer per day (the casual median, population.default).")
    accounts_per_payment: int = count(
        5, 1, 10**6, role=UNCERTAINTY, plausible=(1, 100), source="A",
        doc="Reseller accounts sharing one payment instrument (as the operator's fraudulent account network).")
    accounts_per_exit: int = count(
        10, 1, 10**6, role=UNCERTAINTY, plausible=(1, 100), source="A",
        doc="Reseller accounts sharing one egress address.")
    exit_type: str = declared(
        "residential_proxy", role=UNCERTAINTY, choices=PROXY_TYPES, source="C",
        doc="Exit type of the resellers' accounts (C: the access path was commercial proxy services).")
    replacement_lead_days: float = between(
        2.0, 0.0, 365.0, role=UNCERTAINTY, plausible=(0.5, 7.0), source="A",
        doc="Days to replace a banned reseller account (as for operators, CALIBRATION).")
    legit_coding_share: float = prob(
        0.5, role=UNCERTAINTY, plausible=(0.33, 0.5), source="R",
        doc="Coding share of the legitimate customers' traffic (API-business-like; Economic Index: ~0.33-0.50).")
    legit_template_reuse: float = prob(
        0.2, role=UNCERTAINTY, plausible=(0.05, 0.4), source="A",
        doc="Prompt-template reuse of the legitimate customers' traffic (API-business-like; CALIBRATION: users of "
            "widely shared templates 0.05-0.40).")
    legit_cot_share: float = prob(
        0.05, role=UNCERTAINTY, plausible=(0.0, 0.2), source="A",
        doc="Chain-of-thought elicitation share of the legitimate customers' traffic; range chosen here.")
    legit_timing_regularity: float = prob(
        0.77, role=UNCERTAINTY, plausible=(0.5, 0.9), source="C",
        doc="Timing regularity of the legitimate customers' traffic: the automated share of API traffic "
            "(Economic Index, Sept 2025).")
    price_markup: float = between(
        1.3, 1.0, 100.0, role=UNCERTAINTY, plausible=(1.0, 3.0), source="A",
        doc="Reseller price per exchange over the list API price.")


@dataclass
class ScenarioConfig:
    """The world: providers, operators, and the campaign window (ISO dates, inclusive)."""

    name: str = declared(MISSING, role=SETTING, doc="Scenario name.")
    start_date: str = declared(MISSING, role=SETTING, doc="First day of the campaign window (ISO date).")
    end_date: str = declared(MISSING, role=SETTING, doc="Last day of the campaign window (ISO date, inclusive).")
    overrun_days: int = count(
        0, 0, 3650, role=SETTING,
        doc="Extra days simulated after end_date so that delays can be measured; the operator keeps going only "
            "until it reaches its target.")
    target_reached_fraction: float = between(
        0.99, 0.5, 1.0, role=SETTING,
        doc="Share of the target that counts as reached for days_to_target; the reported totals are approximate "
            "(~28.8M), so 0.99 is within their precision.")
    providers: list[ProviderSpec] = field(default_factory=list)
    operators: list[OperatorSpec] = field(default_factory=list)
    resellers: ResellerConfig = field(default_factory=ResellerConfig)
    campaigns: int = count(
        1, 1, 1000, role=SETTING,
        doc="Successive campaigns by the same actor, for horizon metrics (sanctions); 1 = one campaign.")
    campaign_interval_days: float = between(
        90.0, 1.0, 3650.0, role=UNCERTAINTY, plausible=(30.0, 365.0), source="A",
        doc="Days between the starts of successive campaigns (a new campaign every quarter).")
