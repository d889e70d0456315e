"""The world branch (``scenario``): providers, operators' campaigns, resellers, and the window."""

from __future__ import annotations

from dataclasses import dataclass, field

from omegaconf import MISSING

from .fields import between, count, nonneg, prob


@dataclass
class ProviderSpec:
    """One model provider and the real legitimate user base it stands for."""

    name: str = MISSING
    real_users: float = between(30e6, 1.0)  # A: monthly active users; range 10M-300M
    legit_sample_share: float = prob(1.0)  # share of the legitimate sample placed here


@dataclass
class OperatorSpec:
    """One attacking operator's campaign (what it wants, not how it goes about it)."""

    name: str = MISSING
    target_exchanges: int = count(28_800_000, 0)
    budget_usd: float = nonneg(1e8)
    # Share of the operator's traffic sent to each provider (by provider index).
    provider_shares: list[float] = field(default_factory=lambda: [1.0, 0.0, 0.0])
    capability_mix: dict[str, float] = field(
        default_factory=lambda: {"coding": 0.5, "agentic": 0.3, "long_horizon": 0.2, "other": 0.0}
    )


@dataclass
class ResellerConfig:
    """Commercial services that resell model access over accounts carrying many
    customers' traffic, legitimate and operators' alike (issue 5; off by default).

    C: one proxy network ran >20,000 accounts at once and mixed distillation
    traffic with unrelated customer traffic (CALIBRATION "hydra cluster").
    """

    enabled: bool = False
    services: int = count(5, 1)  # A: number of reseller services
    provider: int = count(0)  # provider index their accounts live on
    accounts_per_reseller: int = count(4000, 1)  # E: 5 x 4,000 = 20,000 accounts (C: >20,000)
    # Real legitimate customers served by all resellers together (a weighted count); A, 0.01-1M.
    legit_customers: float = nonneg(200_000.0)
    legit_demand_per_customer_day: float = nonneg(5.0)  # A: the casual median (population.default)
    accounts_per_payment: int = count(5, 1)  # A: as the operator (fraudulent account networks, H.R. 8283)
    accounts_per_exit: int = count(10, 1)  # A: one egress address shared by several accounts
    exit_type: str = "residential_proxy"  # C: the access path was commercial proxy services
    replacement_lead_days: float = nonneg(2.0)  # A: as for operators (CALIBRATION 0.5-7)
    # Traffic traits of the legitimate customers' traffic (A: API-business-like, population.default).
    legit_coding_share: float = prob(0.5)
    legit_template_reuse: float = prob(0.2)
    legit_cot_share: float = prob(0.05)
    legit_timing_regularity: float = prob(0.77)
    price_markup: float = between(1.3, 1.0)  # I: reseller price per exchange / list API price


@dataclass
class ScenarioConfig:
    """The world: providers, operators, and the campaign window (ISO dates, inclusive)."""

    name: str = MISSING
    start_date: str = MISSING
    end_date: str = MISSING
    # Extra days simulated after end_date so that delays can be measured; the
    # operator keeps going only until it reaches its target.
    overrun_days: int = count(0)
    # Share of the target that counts as "reached" for days_to_target; the
    # reported totals are approximate (~28.8M), so 0.99 is within their precision.
    target_reached_fraction: float = between(0.99, 0.5, 1.0)
    providers: list[ProviderSpec] = field(default_factory=list)
    operators: list[OperatorSpec] = field(default_factory=list)
    resellers: ResellerConfig = field(default_factory=ResellerConfig)
    # Successive campaigns by the same actor, for horizon metrics (sanctions); 1 = one campaign.
    campaigns: int = count(1, 1)
    campaign_interval_days: float = between(90.0, 1.0)  # I: a new campaign every quarter


