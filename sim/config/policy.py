"""The policy branch (``policy``): the defenders' controls, each switchable."""

from __future__ import annotations

from dataclasses import dataclass, field

from omegaconf import MISSING

from .domain import TierCosts, TierLeadDays, TierSupply
from .fields import INF, between, count, nonneg, prob


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


