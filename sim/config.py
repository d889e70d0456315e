"""Typed configuration: the schema Hydra composes into, and its validation.

Every behaviour of the model is a value here. Each field carries its allowed
range in ``metadata`` (see :func:`between`), and :func:`validate` walks the
composed tree and rejects a bad value *before* a run starts with a message that
names the full key, the value and the allowed range. Typos in keys and wrong
types are caught by OmegaConf's struct mode, because the YAML files are merged
onto these dataclasses.

The tree has one branch per swappable concern (Hydra config group):
``scenario`` (the world and the campaign), ``attacker`` (the operator's
strategy), ``policy`` (the defenders' controls), ``population`` (the legitimate
users), ``costs`` (prices the attacker pays), ``calibration`` (values fitted by
``experiments/calibrate.py``) and ``run`` (numerics that do not change results
in distribution).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import math
import typing
from dataclasses import dataclass, field
from typing import Any

from omegaconf import MISSING, DictConfig, OmegaConf

INF = math.inf


class ConfigError(ValueError):
    """A configuration value is outside what the model allows."""


def between(default: Any, lo: float = -INF, hi: float = INF, *, integer: bool = False) -> Any:
    """A dataclass field whose value must lie in ``[lo, hi]``."""
    return field(default=default, metadata={"range": (lo, hi), "integer": integer})


def prob(default: float) -> Any:
    """A probability or share: a value in ``[0, 1]``."""
    return between(default, 0.0, 1.0)


def nonneg(default: float) -> Any:
    """A count, price or duration: a value ``>= 0``."""
    return between(default, 0.0, INF)


def count(default: int, lo: int = 0) -> Any:
    """An integer count ``>= lo``."""
    return between(default, lo, INF, integer=True)


# Exit (network) types. An account reaches the provider through one exit;
# the provider sees the address, and IP intelligence classifies it with some
# recall per type (geo filter). The names are the keys used in configs.
EXIT_TYPES: tuple[str, ...] = (
    "direct",
    "vpn",
    "cgnat",
    "residential_proxy",
    "mobile_proxy",
    "datacenter",
)
PROXY_TYPES: tuple[str, ...] = ("residential_proxy", "mobile_proxy", "datacenter")

# Identity tiers, weakest to strongest (identity gating).
TIERS: tuple[str, ...] = ("email", "phone", "payment", "document", "organisation")

CAPABILITIES: tuple[str, ...] = ("coding", "agentic", "long_horizon", "other")

# Indicator types an account carries (link analysis, sharing, aggregate caps).
INDICATORS: tuple[str, ...] = ("network", "payment", "identity", "organisation", "device", "template")


# --------------------------------------------------------------------------- world


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


@dataclass
class SegmentSpec:
    """One segment of legitimate users (casual, developer, API business, evaluator)."""

    name: str = MISSING
    population_share: float = prob(0.25)  # share of real users
    sample_share: float = prob(0.25)  # share of the simulated sample (stratified)
    demand_median: float = between(5.0, 0.0)  # exchanges per active day
    demand_sigma: float = nonneg(1.3)  # lognormal body
    demand_tail_alpha: float = nonneg(0.0)  # >0: Pareto tail with this index
    active_day_prob: float = prob(0.3)  # probability a user is active on a given day
    coding_share: float = prob(0.4)
    template_reuse: float = prob(0.05)
    cot_share: float = prob(0.05)
    timing_regularity: float = prob(0.1)
    vpn_share: float = prob(0.28)
    cgnat_share: float = prob(0.25)


@dataclass
class PopulationConfig:
    """The weighted sample of legitimate users standing for the real population."""

    name: str = MISSING
    sample_size: int = count(250_000)
    signup_rate_per_day: float = prob(0.002)  # new sign-ups per day, share of users; A
    users_per_shared_exit: float = between(20.0, 1.0)  # users behind one CGNAT or VPN exit; A
    # Daily probability that a user whose requests were refused changes exit
    # (turns off the VPN, reconnects); A.
    reconnect_prob: float = prob(0.5)
    # Probability that a residential/mobile proxy exit is a real user's address
    # (proxies run on consumer connections); A, range 0.01-0.5.
    proxy_exit_legit_overlap: float = prob(0.1)
    # Peak-to-mean ratio of the sinusoidal daily cycle of legitimate demand.
    daily_cycle_amplitude: float = prob(0.5)
    segments: list[SegmentSpec] = field(default_factory=list)


# --------------------------------------------------------------------------- policy


@dataclass
class TierCosts:
    """Attacker's price per identity at each tier (USD); CALIBRATION 'Attacker costs'."""

    email: float = nonneg(0.05)  # A
    phone: float = nonneg(0.5)  # R, $0.20-1.00
    payment: float = nonneg(4.0)  # R, stolen/prepaid card, $1-12
    document: float = nonneg(15.0)  # C/R, $8-40
    organisation: float = nonneg(30.0)  # A: document plus a shell organisation




@dataclass
class ExitMatchProb:
    """Probability that the geo/proxy filter matches an exit, by exit type."""

    direct: float = prob(0.0)
    vpn: float = prob(0.02)
    cgnat: float = prob(0.005)
    residential_proxy: float = prob(0.2)
    mobile_proxy: float = prob(0.05)
    datacenter: float = prob(0.9)


@dataclass
class GeoFilterConfig:
    """Refuses traffic from restricted regions and detected proxies."""

    enabled: bool = False
    match_prob: ExitMatchProb = field(default_factory=ExitMatchProb)


@dataclass
class DetectorWeights:
    """Weights of the observable features in the behavioural score."""

    volume: float = 1.0  # log10(1 + exchanges today)
    coding: float = 0.5  # coding share of the account's traffic
    template: float = 2.0  # prompt-template reuse
    cot: float = 2.0  # chain-of-thought elicitation share
    timing: float = 1.0  # timing regularity
    young: float = 0.2  # exp(-age / 30 days)
    network: float = 0.5  # exit matched by the geo filter's IP intelligence


@dataclass
class DetectorConfig:
    """Behavioural detector: score = w . features + noise; flag above threshold."""

    enabled: bool = False
    threshold: float = 4.0
    noise_sd: float = between(0.5, 1e-9)
    weights: DetectorWeights = field(default_factory=DetectorWeights)
    # Per-request content classifier: each request independently flags its
    # account with this probability (0 = off). Gives a constant per-exchange
    # detection hazard, whose account lifetime is geometric (a closed form).
    hazard_per_exchange: float = prob(0.0)


@dataclass
class ReviewConfig:
    """Human review of flagged accounts, highest priority first, up to capacity."""

    capacity_per_day: float = nonneg(3000.0)  # real reviews per day per provider; A
    noise_sd: float = between(0.25, 1e-9)
    ban_threshold: float = 4.0
    link_priority: float = 10.0  # queue priority of accounts flagged by link analysis
    max_wait_days: float = nonneg(14.0)  # unreviewed flags older than this expire; A


@dataclass
class LinkAnalysisConfig:
    """A ban propagates along strong indicators and feeds review along weak ones."""

    enabled: bool = False
    ban_on: list[str] = field(default_factory=lambda: ["identity", "payment"])
    review_on: list[str] = field(default_factory=lambda: ["network", "device"])


@dataclass
class TierSupply:
    """Black-market identities the operator can buy per day at each tier (C/R: Thomas et al. 2014)."""

    email: float = nonneg(INF)
    phone: float = nonneg(INF)  # R: SMS-verified numbers are a commodity
    payment: float = nonneg(INF)
    document: float = nonneg(2000.0)  # A: AI-generated IDs sell at scale, but passable ones are fewer
    organisation: float = nonneg(200.0)  # A


@dataclass
class TierLeadDays:
    """Extra days to open an account at each tier (verification turnaround)."""

    email: float = nonneg(0.0)
    phone: float = nonneg(0.0)
    payment: float = nonneg(0.0)
    document: float = nonneg(1.0)  # A: vendor turnaround
    organisation: float = nonneg(3.0)  # A


@dataclass
class OwnershipScreenConfig:
    """The ownership rule at account opening (Anthropic, Sept 2025, S): organisations more
    than 50% owned, directly or indirectly, from unsupported regions are refused.

    A screen of the organisation behind each opening at tier ``min_tier`` or above: an
    operator's shell organisation is detected with ``detect_prob`` and refused (the
    identity bought for it is wasted); a legitimate organisation is refused in error with
    ``legit_false_reject`` (a sign-up lost). Off by default.
    """

    enabled: bool = False
    detect_prob: float = prob(0.3)  # I, 0.05-0.8: nominee owners and layered holdings hide indirect ownership
    legit_false_reject: float = prob(0.01)  # I, 0-0.05: foreign investors, stale registry data
    # Lowest tier whose openings are screened: an organisation is what the rule looks at (I).
    min_tier: str = "organisation"


@dataclass
class IdentityGatingConfig:
    """The verification tier required to open an account, and its frictions."""

    enabled: bool = False
    tier: str = "phone"
    supply_per_day: TierSupply = field(default_factory=TierSupply)
    lead_days: TierLeadDays = field(default_factory=TierLeadDays)
    fake_document_pass_rate: float = prob(0.4)  # A, 0.1-0.8 (CALIBRATION)
    # Accounts one identity may open (OpenAI: one organisation per ID per 90 days; S).
    max_accounts_per_identity: int = count(1_000_000, 1)
    # Existing accounts must verify at the tier when the policy starts.
    reverify_existing: bool = False
    legit_reverify_failure: float = prob(0.03)  # I: 1-5% (REGULATIONS provider_id_gating_2026)
    # Accounts put in the review queue must re-verify at the document tier before
    # review concludes (Anthropic ID verification "for flagged accounts", S); each once.
    reverify_on_flag: bool = False
    ownership_screen: OwnershipScreenConfig = field(default_factory=OwnershipScreenConfig)
    cost_per_verification_usd: TierCosts = field(default_factory=lambda: TierCosts(
        email=0.0, phone=0.05, payment=0.3, document=1.5, organisation=20.0))  # A: vendor prices


@dataclass
class AggregateCaps:
    """Daily exchange limits summed over all accounts sharing an indicator."""

    identity: float = nonneg(INF)
    organisation: float = nonneg(INF)
    payment: float = nonneg(INF)


@dataclass
class VolumeCapConfig:
    """Per-account and aggregate limits on exchanges (CALIBRATION: real tier structures)."""

    enabled: bool = False
    mode: str = "throttle"  # throttle: excess refused; flag: excess feeds the review queue
    per_account_hour: float = nonneg(INF)
    per_account_day: float = nonneg(INF)
    aggregate_day: AggregateCaps = field(default_factory=AggregateCaps)
    flag_priority: float = 5.0  # queue priority of accounts flagged for exceeding


@dataclass
class SharingConfig:
    """Cross-provider sharing of indicators of banned accounts."""

    enabled: bool = False
    participants: list[int] = field(default_factory=lambda: [0, 1, 2])
    indicators: list[str] = field(default_factory=lambda: ["payment", "identity", "network"])
    latency_days: float = nonneg(3.0)
    coverage: float = prob(0.5)
    action: str = "review"


@dataclass
class ResellerKycConfig:
    """Resellers must verify their own customers or lose access (IaaS CIP proposal, S; applied to model APIs, I)."""

    enabled: bool = False
    leakage: float = prob(0.2)  # I, 0-0.5: share of operator demand that still gets through a verifying reseller
    noncompliance: float = prob(0.2)  # I: probability a reseller does not verify and is cut off
    deadline_days: float = nonneg(14.0)  # I: days until a non-compliant reseller's accounts are closed
    customer_dropoff: float = prob(0.2)  # C/R: as document KYC drop-off (0.09-0.35)
    cost_per_customer_usd: float = nonneg(1.5)  # A: the document-check vendor price


@dataclass
class ClusterThresholds:
    """Daily exchanges summed over accounts sharing an indicator (or a whole cluster)."""

    identity: float = nonneg(INF)
    payment: float = nonneg(INF)
    cluster: float = nonneg(INF)


@dataclass
class AggregateReportingConfig:
    """Volume thresholds per identity / payment instrument / infrastructure cluster,
    with review and a report within a deadline (SAR analogy), and optional silent throttling."""

    enabled: bool = False
    thresholds: ClusterThresholds = field(default_factory=ClusterThresholds)
    # Indicators that link accounts into one infrastructure cluster (connected components).
    cluster_on: list[str] = field(default_factory=lambda: ["payment", "identity", "network", "device"])
    review_priority: float = 4.0  # I: below detector flags (priority = their score), so reports use spare review capacity
    report_deadline_days: float = nonneg(30.0)  # S: FinCEN SAR, 30 days after detection
    silent_throttle_share: float = prob(0.0)  # I: share of a flagged cluster's requests refused until review


@dataclass
class ShutdownConfig:
    """The model is switched off for everyone for ``days`` (June 2026 export directive, S)."""

    enabled: bool = False
    providers: list[int] = field(default_factory=lambda: [0])
    start_day: int = count(10)  # I: day of the window the directive lands on
    days: int = count(14)  # S: ~14-19 days


@dataclass
class SanctionsConfig:
    """Designation of the attributed actor (H.R. 8283): a lag and a probability per campaign."""

    enabled: bool = False
    designation_lag_days: float = nonneg(210.0)  # S: report and Entity-List vote within 210 days
    probability_per_campaign: float = prob(0.5)  # I
    budget_cut: float = prob(0.5)  # I: share of the actor's budget lost once designated
    propensity_cut: float = prob(0.3)  # I: drop in the probability that a later campaign runs


@dataclass
class PolicyConfig:
    """The defenders' control stack; every control is switchable."""

    name: str = MISSING
    identity_gating: IdentityGatingConfig = field(default_factory=IdentityGatingConfig)
    geo_filter: GeoFilterConfig = field(default_factory=GeoFilterConfig)
    detector: DetectorConfig = field(default_factory=DetectorConfig)
    review: ReviewConfig = field(default_factory=ReviewConfig)
    link_analysis: LinkAnalysisConfig = field(default_factory=LinkAnalysisConfig)
    sharing: SharingConfig = field(default_factory=SharingConfig)
    volume_cap: VolumeCapConfig = field(default_factory=VolumeCapConfig)
    reseller_kyc: ResellerKycConfig = field(default_factory=ResellerKycConfig)
    aggregate_reporting: AggregateReportingConfig = field(default_factory=AggregateReportingConfig)
    shutdown: ShutdownConfig = field(default_factory=ShutdownConfig)
    sanctions: SanctionsConfig = field(default_factory=SanctionsConfig)
    cost_per_review_usd: float = nonneg(5.0)  # A: a few minutes of an analyst


# --------------------------------------------------------------------------- costs etc.


@dataclass
class DropOff:
    """Legitimate sign-up drop-off at each tier (share who abandon)."""

    email: float = prob(0.0)
    phone: float = prob(0.05)  # A, 0.02-0.10
    payment: float = prob(0.10)  # A
    document: float = prob(0.20)  # C/R, 0.09-0.35
    organisation: float = prob(0.35)  # A


@dataclass
class ReadyAccountsConfig:
    """Ready-made accounts on the market: already verified at the provider's tier and aged,
    usable without the gate's lead time (issue 5: "verified accounts come from suppliers").
    Price and capacity answer the market's enforcement index with the same lag:
    ``price = price_per_account[tier] x (1 + price_elasticity e_bar) x noise``,
    ``capacity = capacity_per_day[tier] / (1 + capacity_elasticity e_bar)``.
    Needs ``costs.market.enabled``. Off by default."""

    enabled: bool = False
    # A: a verified account costs more than the identity behind it (the supplier bears the
    # pass rate and the ageing); range x0.3-x3. Verified phone accounts sold for cents to
    # a dollar (Thomas et al. 2014); KYC-verified accounts for tens of dollars (A).
    price_per_account: TierCosts = field(default_factory=lambda: TierCosts(
        email=0.5, phone=2.0, payment=10.0, document=60.0, organisation=150.0))
    capacity_per_day: TierSupply = field(default_factory=lambda: TierSupply(
        email=INF, phone=20000.0, payment=5000.0, document=500.0, organisation=50.0))  # A
    age_days: float = nonneg(90.0)  # A: accounts are sold aged (0-365)
    price_elasticity: float = nonneg(20.0)  # A: as identities
    capacity_elasticity: float = nonneg(20.0)  # A: as identities
    price_noise_sd: float = nonneg(0.1)  # A: as identities


@dataclass
class MarketConfig:
    """The account market: identity supply whose price and capacity respond to enforcement
    with a lag (Thomas et al. 2014: phone-verified account prices moved with platform
    enforcement). Off: identities at fixed ``costs.identity`` within ``supply_per_day``."""

    enabled: bool = False
    # Enforcement index e = share of the operator's live accounts banned yesterday,
    # smoothed: e_bar <- (1 - smoothing) e_bar + smoothing e, seen after lag_days.
    lag_days: int = count(3)  # A: suppliers notice a ban wave within days
    smoothing: float = between(0.3, 1e-9, 1.0)  # A
    price_elasticity: float = nonneg(20.0)  # A: price x (1 + 20 e_bar): +100% at a 5%/day ban rate
    capacity_elasticity: float = nonneg(20.0)  # A: capacity / (1 + 20 e_bar)
    # Daily capacity of the suppliers at each tier before enforcement (A).
    capacity_per_day: TierSupply = field(default_factory=lambda: TierSupply(
        email=INF, phone=50000.0, payment=50000.0, document=2000.0, organisation=200.0))
    price_noise_sd: float = nonneg(0.1)  # A: day-to-day lognormal noise of the price
    ready_accounts: ReadyAccountsConfig = field(default_factory=ReadyAccountsConfig)


@dataclass
class CostsConfig:
    """Prices the attacker pays (CALIBRATION 'Attacker costs')."""

    identity: TierCosts = field(default_factory=TierCosts)
    signup_dropoff: DropOff = field(default_factory=DropOff)
    proxy_per_gb: dict[str, float] = field(
        default_factory=lambda: {"residential_proxy": 3.0, "mobile_proxy": 8.0, "datacenter": 0.5}
    )
    bytes_per_exchange: float = nonneg(50e3)  # A, 10-200 KB
    output_tokens_per_exchange: float = nonneg(500.0)  # E: 14.4B tokens / 28.8M
    input_output_ratio: float = nonneg(10.0)  # A, 3-30
    output_price_per_mtok: float = nonneg(15.0)  # C, $15-75
    input_price_per_mtok: float = nonneg(3.0)  # C, Sonnet-class list price
    device_cost: float = nonneg(0.0)  # A: emulated fingerprints are free
    market: MarketConfig = field(default_factory=MarketConfig)


@dataclass
class CalibrationConfig:
    """Values fitted by experiments/calibrate.py (see docs/calibration.md)."""

    detector_threshold: float = 4.0
    footprint: float = nonneg(1.0)


@dataclass
class RunConfig:
    """Numerical settings that do not change results in distribution."""

    # 'day': legitimate accounts advance a day at a time (principle 3);
    # 'hour': hour by hour (slower; used to test that both agree).
    legit_resolution: str = "day"
    write_daily: bool = True


@dataclass
class SimConfig:
    """The whole composed configuration of one run."""

    seed: int = count(0)
    scenario: ScenarioConfig = field(default_factory=ScenarioConfig)
    attacker: AttackerConfig = field(default_factory=AttackerConfig)
    policy: PolicyConfig = field(default_factory=PolicyConfig)
    population: PopulationConfig = field(default_factory=PopulationConfig)
    costs: CostsConfig = field(default_factory=CostsConfig)
    calibration: CalibrationConfig = field(default_factory=CalibrationConfig)
    run: RunConfig = field(default_factory=RunConfig)


# --------------------------------------------------------------------------- validation


def _fail(path: str, value: Any, allowed: str) -> ConfigError:
    return ConfigError(f"invalid config: {path}={value!r}; allowed: {allowed}")


def _check_range(path: str, value: Any, meta: dict) -> None:
    lo, hi = meta["range"]
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _fail(path, value, f"a number in [{lo}, {hi}]")
    if math.isnan(value) or not lo <= value <= hi:
        kind = "an integer" if meta.get("integer") else "a number"
        raise _fail(path, value, f"{kind} in [{lo}, {hi}]")
    if meta.get("integer") and float(value) != int(value):
        raise _fail(path, value, f"an integer in [{lo}, {hi}]")


def _walk(obj: Any, path: str) -> None:
    if dataclasses.is_dataclass(obj):
        for f in dataclasses.fields(obj):
            value = getattr(obj, f.name)
            sub = f"{path}.{f.name}" if path else f.name
            if "range" in f.metadata:
                _check_range(sub, value, f.metadata)
            _walk(value, sub)
    elif isinstance(obj, list):
        for i, item in enumerate(obj):
            _walk(item, f"{path}[{i}]")


def _check_share(path: str, value: float) -> None:
    if not 0.0 <= value <= 1.0:
        raise _fail(path, value, "a probability in [0, 1]")


def _parse_date(path: str, value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except (TypeError, ValueError):
        raise _fail(path, value, "an ISO date, e.g. 2026-04-22") from None


def _check_choice(path: str, value: Any, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise _fail(path, value, "one of " + ", ".join(allowed))


def _check_sums_to_one(path: str, values: list[float]) -> None:
    total = sum(values)
    if values and abs(total - 1.0) > 1e-6:
        raise _fail(path, values, f"shares that sum to 1 (they sum to {total:.6g})")


def validate(cfg: SimConfig) -> SimConfig:
    """Check every value against its allowed range and every cross-field rule.

    Raises:
        ConfigError: naming the full key, the value and what is allowed.
    """
    _walk(cfg, "")
    sc = cfg.scenario
    start = _parse_date("scenario.start_date", sc.start_date)
    end = _parse_date("scenario.end_date", sc.end_date)
    if end < start:
        raise _fail("scenario.end_date", sc.end_date, f"a date on or after scenario.start_date={sc.start_date}")
    if not sc.providers:
        raise _fail("scenario.providers", [], "at least one provider")
    n_prov = len(sc.providers)
    for i, op in enumerate(sc.operators):
        key = f"scenario.operators[{i}]"
        if len(op.provider_shares) != n_prov:
            raise _fail(f"{key}.provider_shares", op.provider_shares, f"one share per provider ({n_prov})")
        for j, s in enumerate(op.provider_shares):
            _check_share(f"{key}.provider_shares[{j}]", s)
        _check_sums_to_one(f"{key}.provider_shares", list(op.provider_shares))
        for cap, s in op.capability_mix.items():
            _check_choice(f"{key}.capability_mix", cap, CAPABILITIES)
            _check_share(f"{key}.capability_mix.{cap}", s)
        _check_sums_to_one(f"{key}.capability_mix", list(op.capability_mix.values()))
    _check_sums_to_one("scenario.providers[*].legit_sample_share", [p.legit_sample_share for p in sc.providers])
    mix = cfg.attacker.proxy_mix
    _check_sums_to_one("attacker.proxy_mix", [mix.residential_proxy, mix.mobile_proxy, mix.datacenter])
    segs = cfg.population.segments
    if cfg.population.sample_size > 0:
        if not segs:
            raise _fail("population.segments", [], "at least one segment when population.sample_size > 0")
        _check_sums_to_one("population.segments[*].population_share", [s.population_share for s in segs])
        _check_sums_to_one("population.segments[*].sample_share", [s.sample_share for s in segs])
    for i, s in enumerate(segs):
        if s.vpn_share + s.cgnat_share > 1.0:
            raise _fail(f"population.segments[{i}].vpn_share", s.vpn_share, f"at most 1 - cgnat_share ({1 - s.cgnat_share:g})")
    pol = cfg.policy
    gate = pol.identity_gating
    _check_choice("policy.identity_gating.tier", gate.tier, TIERS)
    screen = gate.ownership_screen
    _check_choice("policy.identity_gating.ownership_screen.min_tier", screen.min_tier, TIERS)
    if gate.reverify_on_flag and not gate.enabled:
        raise _fail("policy.identity_gating.reverify_on_flag", True, "true only with policy.identity_gating.enabled=true")
    if screen.enabled and not gate.enabled:
        raise _fail("policy.identity_gating.ownership_screen.enabled", True, "true only with policy.identity_gating.enabled=true")
    if screen.enabled and TIERS.index(screen.min_tier) > TIERS.index(gate.tier):
        allowed = ", ".join(TIERS[: TIERS.index(gate.tier) + 1])
        raise _fail("policy.identity_gating.ownership_screen.min_tier", screen.min_tier,
                    f"a tier at or below policy.identity_gating.tier={gate.tier} ({allowed}); above it the screen never acts")
    if cfg.costs.market.ready_accounts.enabled and not cfg.costs.market.enabled:
        raise _fail("costs.market.ready_accounts.enabled", True, "true only with costs.market.enabled=true")
    for ind in pol.link_analysis.ban_on:
        _check_choice("policy.link_analysis.ban_on", ind, INDICATORS)
    for ind in pol.link_analysis.review_on:
        _check_choice("policy.link_analysis.review_on", ind, INDICATORS)
    for ind in pol.sharing.indicators:
        _check_choice("policy.sharing.indicators", ind, INDICATORS)
    _check_choice("policy.sharing.action", pol.sharing.action, ("ban", "review"))
    _check_choice("policy.volume_cap.mode", pol.volume_cap.mode, ("throttle", "flag"))
    for j, p in enumerate(pol.sharing.participants):
        if not 0 <= p < n_prov:
            raise _fail(f"policy.sharing.participants[{j}]", p, f"a provider index in [0, {n_prov - 1}]")
    for k, v in cfg.costs.proxy_per_gb.items():
        _check_choice("costs.proxy_per_gb", k, PROXY_TYPES)
        if v < 0:
            raise _fail(f"costs.proxy_per_gb.{k}", v, "a number in [0, inf]")
    _check_choice("run.legit_resolution", cfg.run.legit_resolution, ("day", "hour"))
    rs = sc.resellers
    _check_choice("scenario.resellers.exit_type", rs.exit_type, PROXY_TYPES)
    if rs.enabled and not rs.provider < n_prov:
        raise _fail("scenario.resellers.provider", rs.provider, f"a provider index in [0, {n_prov - 1}]")
    route = cfg.attacker.resellers
    if route.base_share > route.max_share:
        raise _fail("attacker.resellers.base_share", route.base_share, f"at most attacker.resellers.max_share ({route.max_share:g})")
    for ind in pol.aggregate_reporting.cluster_on:
        _check_choice("policy.aggregate_reporting.cluster_on", ind, INDICATORS)
    for j, p in enumerate(pol.shutdown.providers):
        if not 0 <= p < n_prov:
            raise _fail(f"policy.shutdown.providers[{j}]", p, f"a provider index in [0, {n_prov - 1}]")
    return cfg


# Indicator types an account carries (link analysis, sharing).


def from_hydra(cfg: DictConfig | dict) -> SimConfig:
    """Turn a composed Hydra config into a validated :class:`SimConfig`.

    Keys Hydra adds (``hydra``) and keys that are not part of the model (a
    sweep's bookkeeping) are ignored; everything else must match the schema.

    A config Hydra composed onto the schema (``conf/config.yaml`` starts from
    it) is already typed and checked by OmegaConf, field by field: it is
    converted directly (~10 ms). Anything else (a plain dict, an untyped
    DictConfig) is merged onto the schema first (~100 ms), which fills
    defaults and raises on a typo'd key or a wrong type.
    """
    if isinstance(cfg, DictConfig) and _typed_as_schema(cfg):
        return validate(SimConfig(**{name: _field_value(cfg, name) for name in _FIELDS}))
    if isinstance(cfg, DictConfig):
        container = OmegaConf.to_container(cfg, resolve=True)
    else:
        container = dict(cfg)
    container = {k: v for k, v in container.items() if k in _FIELDS}
    merged = OmegaConf.merge(_schema(), container)  # merge leaves its inputs untouched
    return validate(OmegaConf.to_object(merged))


_FIELDS: tuple[str, ...] = tuple(f.name for f in dataclasses.fields(SimConfig))


def _typed_as_schema(cfg: DictConfig) -> bool:
    """Whether ``cfg`` was built on the schema: its root and every branch carry their dataclass type."""
    if OmegaConf.get_type(cfg) is not SimConfig:
        return False
    hints = _field_types()
    return all(
        name in cfg and (not isinstance(node := cfg._get_node(name), DictConfig) or OmegaConf.get_type(node) is hints[name])
        for name in _FIELDS
    )


@functools.cache
def _field_types() -> dict[str, Any]:
    """SimConfig's field types, resolved once (the annotations are strings here)."""
    return typing.get_type_hints(SimConfig)


def _field_value(cfg: DictConfig, name: str) -> Any:
    """One top-level field of a schema-typed config as a plain value or dataclass instance."""
    node = cfg._get_node(name)
    return OmegaConf.to_object(node) if isinstance(node, DictConfig) else cfg[name]


@functools.cache
def _schema() -> DictConfig:
    """The typed schema as an OmegaConf node, built once per process (~50 ms)."""
    return OmegaConf.structured(SimConfig)


def to_dict(cfg: SimConfig) -> dict:
    """Plain nested dict of a config (for hashing, provenance and writing).

    ``dataclasses.asdict``: the same JSON as converting through OmegaConf (run
    identities are unchanged), at a hundredth of the cost.
    """
    return _plain(dataclasses.asdict(cfg))


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def window_days(cfg: SimConfig) -> int:
    """Number of days in the campaign window (both ends inclusive)."""
    start = dt.date.fromisoformat(cfg.scenario.start_date)
    end = dt.date.fromisoformat(cfg.scenario.end_date)
    return (end - start).days + 1
