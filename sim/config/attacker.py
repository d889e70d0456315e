"""The attacker branch (``attacker``): the operator's strategy, how it builds, paces and replaces its fleet."""

from __future__ import annotations

from dataclasses import dataclass, field

from omegaconf import MISSING

from .fields import between, count, nonneg, prob


@dataclass
class ProxyMix:
    """Share of the operator's exits by proxy type."""

    residential_proxy: float = prob(0.7)
    mobile_proxy: float = prob(0.2)
    datacenter: float = prob(0.1)


@dataclass
class ResponsesConfig:
    """How the operator reacts to what it observes about its own accounts.

    Each is a strategy switch; defaults follow what the incidents suggest.
    """

    rotate_exit_on_refusal: bool = True  # C: proxies were used to evade geographic restrictions
    expand_fleet: bool = True  # open more accounts when the remaining target needs them
    pace_under_cap: bool = True  # C/R: "~0.1% of a lowest-tier account's limit": operators stay under caps
    cap_safety: float = between(0.9, 0.1, 1.0)  # pace at this share of the learned cap
    compartmentalise: bool = True  # stop sharing indicators once bans arrive across providers or caps bind
    spread_providers: bool = False  # move traffic to providers that ban/throttle less (A: not in the incidents)


@dataclass
class ResellerRoutingConfig:
    """How much of its demand the operator sends through resellers (a strategy switch).

    Share routed starts at ``base_share``; on a day when the operator's own
    accounts look expensive (yesterday's ban rate >= ``ban_rate_trigger``, or
    own cost per served exchange >= the reseller's price), it moves
    ``switch_speed`` of the way to ``max_share`` (otherwise back towards
    ``base_share``; towards 0 when the resellers served less than half of
    what it routed yesterday). Only acts with ``scenario.resellers.enabled``.
    """

    base_share: float = prob(0.0)  # I: the reference campaign ran its own accounts behind proxies
    max_share: float = prob(0.8)  # I
    ban_rate_trigger: float = between(0.02, 1e-9, 1.0)  # I: as the spread_providers trigger
    switch_speed: float = prob(0.2)  # I: share of the gap closed per day under pressure


@dataclass
class AttackerConfig:
    """The operator's strategy: how it builds, paces and replaces its fleet."""

    name: str = MISSING
    # Planned exchanges per account-day; the fleet is sized as
    # target / (pace * window days) * (1 + spare_fraction).
    pace_per_account_day: float = between(26.0, 0.1)
    # How far above plan the operator pushes an account before it opens more.
    max_pace_multiplier: float = between(2.0, 1.0)
    spare_fraction: float = nonneg(0.0)
    ramp_days: float = nonneg(3.0)  # initial fleet comes online over this many days
    replacement_lead_days: float = nonneg(2.0)  # CALIBRATION: 2 d (0.5-7), A
    proxy_mix: ProxyMix = field(default_factory=ProxyMix)
    # Indicator reuse: how many accounts share one of each indicator.
    accounts_per_proxy: int = count(1, 1)
    accounts_per_payment: int = count(5, 1)
    accounts_per_identity: int = count(1, 1)
    accounts_per_device: int = count(10, 1)
    accounts_per_template: int = count(500, 1)
    # Distinguishing traffic traits (before scaling by the fitted footprint).
    template_reuse: float = prob(0.6)
    cot_share: float = prob(0.3)
    timing_regularity: float = prob(0.8)
    # Scale of the traits above as the detector sees them; fitted per strategy.
    footprint: float = nonneg(1.0)
    accounts_per_organisation: int = count(1, 1)
    responses: ResponsesConfig = field(default_factory=lambda: ResponsesConfig())
    resellers: ResellerRoutingConfig = field(default_factory=ResellerRoutingConfig)


