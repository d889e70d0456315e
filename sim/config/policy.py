"""The policy branch (``policy``): the defenders' controls, each switchable.

What a policy sets is a lever. What no policy chooses is an uncertainty, even here: the
recall of the provider's IP intelligence and of its classifiers, reviewers' accuracy,
the black-market supply a gate faces, vendors' prices, how legitimate users and
resellers respond to a rule.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from omegaconf import MISSING

from .domain import INDICATORS, MAX_PROVIDER, SCORE_LIMIT, TIERS, TierLeadDays, TierSupply
from .fields import INF, LEVER, SETTING, UNCERTAINTY, between, count, declared, limit, nonneg, prob

# Review-queue priorities are on the detector score's scale (a flag's priority is its score).
MAX_PRIORITY = 100.0
# Longest duration a policy setting may span (ten years).
MAX_DAYS = 3650.0

_RECALL = "the recall of the provider's IP intelligence, which no policy chooses"


@dataclass
class ExitMatchProb:
    """Probability that the geo/proxy filter matches an exit, by exit type."""

    direct: float = prob(0.0, role=UNCERTAINTY, plausible=(0.0, 0.01), source="A",
                         doc=f"Match probability of a direct (own) address: {_RECALL}; range chosen here.")
    vpn: float = prob(0.02, role=UNCERTAINTY, plausible=(0.005, 0.1), source="A",
                      doc=f"Match probability of a legitimate VPN exit (geolocated to a restricted region or on a "
                          f"proxy list): {_RECALL}; range chosen here.")
    cgnat: float = prob(0.005, role=UNCERTAINTY, plausible=(0.001, 0.02), source="A",
                        doc=f"Match probability of a CGNAT exit: {_RECALL}; range chosen here.")
    residential_proxy: float = prob(
        0.2, role=UNCERTAINTY, plausible=(0.05, 0.5), source="A",
        doc=f"Match probability of a residential proxy exit, {_RECALL}: residential exits rotate and sit on "
            f"consumer ISP ranges (Mi et al. 2019: 6M residential proxy IPs).")
    mobile_proxy: float = prob(0.05, role=UNCERTAINTY, plausible=(0.01, 0.2), source="A",
                               doc=f"Match probability of a mobile proxy exit, {_RECALL}: lower than residential; "
                                   f"range chosen here.")
    datacenter: float = prob(0.9, role=UNCERTAINTY, plausible=(0.7, 0.98), source="A",
                             doc=f"Match probability of a datacenter exit: {_RECALL}.")


@dataclass
class GeoFilterConfig:
    """Refuses traffic from restricted regions and detected proxies."""

    enabled: bool = declared(False, role=LEVER, doc="Whether the geo/proxy filter runs.")
    match_prob: ExitMatchProb = field(default_factory=ExitMatchProb)


@dataclass
class DetectorWeights:
    """Weights of the observable features in the behavioural score (the provider's classifier design)."""

    volume: float = between(1.0, 0.0, 20.0, role=LEVER, source="A",
                            doc="Weight of log10(1 + exchanges today).")
    coding: float = between(0.5, 0.0, 20.0, role=LEVER, source="A",
                            doc="Weight of the coding share of the account's traffic.")
    template: float = between(2.0, 0.0, 20.0, role=LEVER, source="A", doc="Weight of prompt-template reuse.")
    cot: float = between(2.0, 0.0, 20.0, role=LEVER, source="A",
                         doc="Weight of the chain-of-thought elicitation share.")
    timing: float = between(1.0, 0.0, 20.0, role=LEVER, source="A", doc="Weight of timing regularity.")
    young: float = between(0.2, 0.0, 20.0, role=LEVER, source="A",
                           doc="Weight of account youth, exp(-age / young_scale_days).")
    network: float = between(0.5, 0.0, 20.0, role=LEVER, source="A",
                             doc="Weight of an exit matched by the geo filter's IP intelligence.")
    young_scale_days: float = between(
        30.0, 0.01, MAX_DAYS, role=LEVER, plausible=(7.0, 90.0), source="A",
        doc="Age scale of the account-youth feature, exp(-age / this): an account this many days old scores "
            "1/e of a new one's weight.")


@dataclass
class DetectorConfig:
    """Behavioural detector: evidence accumulated over each account's days of traffic (day score =
    w . features), read with noise; flag above threshold (sim/controls/evidence.py)."""

    enabled: bool = declared(False, role=LEVER, doc="Whether the behavioural detector runs.")
    threshold: float = between(
        4.0, -SCORE_LIMIT, SCORE_LIMIT, role=LEVER, plausible=(5.0, 8.0),
        doc="Score above which an account is flagged for review (the status quo reads the fitted "
            "calibration.detector_threshold; the range is the threshold sweep's, around the fitted values).")
    noise_sd: float = between(
        0.5, 1e-9, 20.0, role=UNCERTAINTY, plausible=(0.25, 1.0), source="A",
        doc="Standard deviation of the score's noise: the classifier's accuracy, which no policy chooses.")
    weights: DetectorWeights = field(default_factory=DetectorWeights)
    hazard_per_exchange: float = prob(
        0.0, role=LEVER, plausible=(0.0, 1e-4),
        doc="Per-request content classifier: each request flags its account with this probability (0 = off). A "
            "constant per-exchange detection hazard, whose account lifetime is geometric (a closed form).")
    memory_days: float = between(
        14.0, 0.01, MAX_DAYS, role=LEVER, plausible=(1.0, 45.0), source="A",
        doc="Evidence memory: a day of traffic counts exp(-age / this) of its weight in the account's evidence "
            "(CALIBRATION: evidence memory 14 days, 1-45; near 0, the single-day rule).")
    accumulation_margin: float = between(
        1.0, 0.0, SCORE_LIMIT, role=LEVER, plausible=(0.25, 2.5), source="A",
        doc="Each day of traffic adds its score minus (threshold - this) to the account's evidence: an account "
            "whose mean daily score exceeds threshold - margin accumulates evidence and is flagged in time, one "
            "below it loses evidence (about the daily score of heavy automated benign traffic in the status quo).")


@dataclass
class FlagEvidence:
    """Extra evidence (score units) that a review adds for each control whose flag sent the account to it."""

    volume_cap: float = between(0.25, 0.0, SCORE_LIMIT, role=UNCERTAINTY, plausible=(0.0, 1.0), source="A",
                                doc="Review evidence of a volume-cap flag (the volume is already in the score); "
                                    "range chosen here.")
    link_analysis: float = between(0.5, 0.0, SCORE_LIMIT, role=UNCERTAINTY, plausible=(0.0, 2.0), source="A",
                                   doc="Review evidence of a shared network exit or device with a banned account; "
                                       "range chosen here.")
    sharing: float = between(0.5, 0.0, SCORE_LIMIT, role=UNCERTAINTY, plausible=(0.0, 2.0), source="A",
                             doc="Review evidence of an indicator another provider banned (partner corroboration "
                                 "was attribution evidence, C/R); range chosen here.")
    aggregate_reporting: float = between(0.5, 0.0, SCORE_LIMIT, role=UNCERTAINTY, plausible=(0.0, 2.0), source="A",
                                         doc="Review evidence of an aggregate volume report; range chosen here.")
    cluster: float = between(2.0, 0.0, SCORE_LIMIT, role=UNCERTAINTY, plausible=(0.0, 4.0), source="A",
                             doc="Review evidence of a pooled-traffic (cluster) flag: a test at a false-positive "
                                 "rate of 0.003 per group-day, the strongest flag; range chosen here.")


@dataclass
class ReviewConfig:
    """Human review of flagged accounts, highest priority first, up to capacity."""

    capacity_per_day: float = limit(
        3000.0, role=LEVER, plausible=(1000.0, 10000.0), source="A",
        doc="Real reviews per day per provider: a lever, since the provider staffs its review team (a rule can "
            "require more); inf = unlimited review.")
    noise_sd: float = between(0.25, 1e-9, 20.0, role=UNCERTAINTY, plausible=(0.1, 0.5), source="A",
                              doc="Standard deviation of the reviewers' noise on the score: their accuracy, which no "
                                  "policy chooses; range chosen here.")
    ban_threshold: float = between(
        4.0, -SCORE_LIMIT, SCORE_LIMIT, role=LEVER, plausible=(5.0, 8.0), source="A",
        doc="Reviewers ban when the score with their noise exceeds it (the status quo: the detector threshold).")
    link_priority: float = between(10.0, 0.0, MAX_PRIORITY, role=LEVER,
                                   doc="Queue priority of accounts flagged by link analysis.")
    max_wait_days: float = nonneg(14.0, MAX_DAYS, role=LEVER, plausible=(3.0, 45.0), source="A",
                                  doc="Unreviewed flags older than this expire.")
    priority_points: int = count(4, 1, 64, role=SETTING,
                                 doc="Queue entries over which the flagged accounts of a sampled row spread their "
                                     "scores (stratified draws); 1 draws one score for all of them.")
    entry_accounts: float = between(
        10.0, 1.0, 1e6, role=SETTING,
        doc="Most real accounts one of a sampled row's stratified entries holds: a row with more flagged "
            "accounts than priority_points entries of this size spreads them over more strata, so a day's "
            "capacity reaches as many strata, hence rows, whatever the sample size.")
    flag_evidence: FlagEvidence = field(default_factory=FlagEvidence)


@dataclass
class BenignReference:
    """The most distillation-like benign traffic the pooled-traffic test's benign history holds (evaluation
    harnesses run by automation), as traffic traits: pools whose traffic scores at or below it are flagged
    only at the false-positive rate."""

    coding_share: float = prob(0.5, role=UNCERTAINTY, plausible=(0.33, 0.8), source="A",
                               doc="Coding share of the benign reference (the evaluator and API segments').")
    template_reuse: float = prob(0.6, role=UNCERTAINTY, plausible=(0.2, 0.9), source="A",
                                 doc="Template reuse of the benign reference (users of a shared template, "
                                     "population.shared_template_reuse); range chosen here.")
    cot_share: float = prob(0.3, role=UNCERTAINTY, plausible=(0.05, 0.5), source="A",
                            doc="Chain-of-thought elicitation share of the benign reference (the evaluator "
                                "segment's); range chosen here.")
    timing_regularity: float = prob(0.6, role=UNCERTAINTY, plausible=(0.3, 0.9), source="A",
                                    doc="Timing regularity of the benign reference (automated harnesses; C: 0.77 of "
                                        "API interactions are automated); range chosen here.")


@dataclass
class DistillationReference:
    """The distillation traffic the pooled-traffic test is validated against, as traffic traits."""

    coding_share: float = prob(0.8, role=UNCERTAINTY, plausible=(0.5, 1.0), source="A",
                               doc="Coding share of the distillation reference (C: software engineering and agentic "
                                   "targets).")
    template_reuse: float = prob(0.6, role=UNCERTAINTY, plausible=(0.2, 0.9), source="A",
                                 doc="Template reuse of the distillation reference (C: repeated prompt templates were "
                                     "an attribution signal).")
    cot_share: float = prob(0.3, role=UNCERTAINTY, plausible=(0.1, 0.6), source="A",
                            doc="Chain-of-thought elicitation share of the distillation reference (C: CoT "
                                "elicitation prompts were an attribution signal).")
    timing_regularity: float = prob(0.8, role=UNCERTAINTY, plausible=(0.5, 1.0), source="A",
                                    doc="Timing regularity of the distillation reference (C: synchronised timing was "
                                        "an attribution signal).")


def reference_score(profile: BenignReference | DistillationReference, w: DetectorWeights) -> float:
    """The trait part of the detector score (w . traits) of a reference traffic profile."""
    return (w.coding * profile.coding_share + w.template * profile.template_reuse + w.cot * profile.cot_share
            + w.timing * profile.timing_regularity)


@dataclass
class ClusterDetectorConfig:
    """Pooled-traffic (cluster) detector: accounts sharing an indicator are pooled, and the pool's traffic within
    the evidence memory is tested against benign traffic at a false-positive rate per group-day
    (sim/controls/cluster_detector.py)."""

    enabled: bool = declared(False, role=LEVER, doc="Whether the pooled-traffic detector runs.")
    pool_on: list[str] = declared(
        default_factory=lambda: ["template", "payment", "device", "network"], role=LEVER, choices=INDICATORS,
        doc="Indicators whose sharers are pooled (C/R: IP correlation, shared payment signals, infrastructure "
            "indicators and repeated prompt templates attributed the campaigns).")
    false_positive_rate: float = between(
        0.003, 1e-9, 0.5, role=LEVER, plausible=(0.001, 0.02), source="R",
        doc="Probability that a group of benign traffic at the benign reference is flagged on a given day: the "
            "test's operating point (R: 0.3% benign FPR of windowed MMD tests of LLM API traffic, Liu et al. 2026).")
    true_positive_rate: float = between(
        0.9, 0.01, 1.0 - 1e-9, role=UNCERTAINTY, plausible=(0.5, 0.99), source="R",
        doc="Detection probability of a full window whose traffic is reference_attacker_share distillation (R: "
            "90.5% average TPR over attacker fractions, Liu et al. 2026).")
    window_exchanges: float = between(
        1500.0, 1.0, 1e9, role=LEVER, plausible=(500.0, 5000.0), source="R",
        doc="Exchanges of pooled traffic one test reads (R: windows of 1,500 queries, Liu et al. 2026): a pool's "
            "evidence grows with its volume up to one window.")
    reference_attacker_share: float = between(
        0.1, 1e-3, 1.0, role=UNCERTAINTY, plausible=(0.05, 0.5), source="A",
        doc="Distillation share of a full window detected with true_positive_rate (the reference cluster; R: "
            "shares 0.05-0.50 were tested, and at 0.1 this closed form's mean TPR over them is ~0.78).")
    min_accounts: float = between(2.0, 1.0, 1e9, role=LEVER, plausible=(2.0, 10.0),
                                  doc="Smallest pool tested, in accounts (one account is the per-account "
                                      "detector's case).")
    review_priority: float = between(
        10.0, 0.0, MAX_PRIORITY, role=LEVER, source="I",
        doc="Queue priority of the accounts of a flagged pool whose traffic is the distillation reference's (a "
            "pool's priority is this times its distillation share, so a false alarm on benign-looking traffic "
            "waits at the back of the queue); 10 ranks it with link-analysis flags, ahead of detector flags.")
    benign: BenignReference = field(default_factory=BenignReference)
    distillation: DistillationReference = field(default_factory=DistillationReference)


@dataclass
class LinkAnalysisConfig:
    """A ban propagates along strong indicators and feeds review along weak ones."""

    enabled: bool = declared(False, role=LEVER, doc="Whether link analysis runs.")
    ban_on: list[str] = declared(
        default_factory=lambda: ["identity", "payment"], role=LEVER, choices=INDICATORS,
        doc="Indicators along which a ban propagates (payment signals were attribution evidence, C/R).")
    review_on: list[str] = declared(default_factory=lambda: ["network", "device"], role=LEVER, choices=INDICATORS,
                                    doc="Indicators whose sharers are queued for review.")
    max_carriers: float = limit(10_000.0, role=LEVER, plausible=(1_000.0, 100_000.0), source="A",
                                doc="An indicator whose matches stand for more than this many live real accounts on the "
                                    "acting provider is too common to act on (a framework's system prompt, a large VPN "
                                    "exit); shared threat indicators are specific ones. Range chosen here.")


@dataclass
class OwnershipScreenConfig:
    """The ownership rule at account opening (Anthropic, Sept 2025, S): organisations more
    than 50% owned, directly or indirectly, from unsupported regions are refused.

    A screen of the organisation behind each opening at tier ``min_tier`` or above: an
    operator's shell organisation is detected with ``detect_prob`` and refused (the
    identity bought for it is wasted); a legitimate organisation is refused in error with
    ``legit_false_reject`` (a sign-up lost). Off by default.
    """

    enabled: bool = declared(False, role=LEVER, source="S", doc="Whether the ownership screen runs.")
    detect_prob: float = prob(
        0.3, role=UNCERTAINTY, plausible=(0.05, 0.8), source="A",
        doc="Share of the operator's shell organisations found out: nominee owners and layered holdings hide "
            "indirect ownership.")
    legit_false_reject: float = prob(
        0.01, role=UNCERTAINTY, plausible=(0.0, 0.05), source="A",
        doc="Share of real organisations refused in error (foreign investors, stale registry data).")
    min_tier: str = declared("organisation", role=LEVER, choices=TIERS, source="I",
                             doc="Lowest tier whose openings are screened: an organisation is what the rule looks at.")


@dataclass
class VerificationCosts:
    """The provider's price per verification at each tier (USD): vendor prices, which no policy chooses."""

    email: float = nonneg(0.0, 1e4, role=UNCERTAINTY, plausible=(0.0, 0.01), source="A",
                          doc="Price of an e-mail verification (USD); range chosen here.")
    phone: float = nonneg(0.05, 1e4, role=UNCERTAINTY, plausible=(0.01, 0.2), source="A",
                          doc="Price of an SMS verification (USD); range chosen here.")
    payment: float = nonneg(0.3, 1e4, role=UNCERTAINTY, plausible=(0.1, 1.0), source="A",
                            doc="Price of a payment check (USD); range chosen here.")
    document: float = nonneg(1.5, 1e4, role=UNCERTAINTY, plausible=(0.5, 5.0), source="A",
                             doc="Price of a document check (USD); range chosen here.")
    organisation: float = nonneg(20.0, 1e4, role=UNCERTAINTY, plausible=(5.0, 100.0), source="A",
                                 doc="Price of an organisation verification (USD); range chosen here.")


@dataclass
class IdentityGatingConfig:
    """The verification tier required to open an account, and its frictions."""

    enabled: bool = declared(False, role=LEVER, doc="Whether identity gating runs (off: the e-mail tier).")
    tier: str = declared("phone", role=LEVER, choices=TIERS, doc="Verification tier required to open an account.")
    supply_per_day: TierSupply = field(default_factory=TierSupply)
    lead_days: TierLeadDays = field(default_factory=TierLeadDays)
    fake_document_pass_rate: float = prob(0.4, role=UNCERTAINTY, plausible=(0.1, 0.8), source="A",
                                          doc="Probability that a fake document passes verification (CALIBRATION).")
    max_accounts_per_identity: int = count(
        1_000_000, 1, role=LEVER, plausible=(1, 100), source="S",
        doc="Accounts one identity may open (OpenAI: one organisation per ID per 90 days).")
    reverify_existing: bool = declared(False, role=LEVER,
                                       doc="Existing accounts must verify at the tier when the policy starts.")
    legit_reverify_failure: float = prob(
        0.03, role=UNCERTAINTY, plausible=(0.01, 0.05), source="A",
        doc="Share of legitimate users asked to re-verify who fail or abandon (REGULATIONS "
            "provider_id_gating_2026: 1-5%).")
    reverify_on_flag: bool = declared(
        False, role=LEVER, source="S",
        doc="Accounts put in the review queue re-verify at the document tier before review concludes, each once "
            "(Anthropic: ID verification for flagged accounts).")
    ownership_screen: OwnershipScreenConfig = field(default_factory=OwnershipScreenConfig)
    cost_per_verification_usd: VerificationCosts = field(default_factory=VerificationCosts)


@dataclass
class AggregateCaps:
    """Daily exchange limits summed over all accounts sharing an indicator (inf = no limit)."""

    identity: float = limit(INF, role=LEVER, plausible=(100.0, 10000.0),
                            doc="Daily exchanges summed over the accounts of one identity.")
    organisation: float = limit(INF, role=LEVER, plausible=(300.0, 30000.0),
                                doc="Daily exchanges summed over the accounts of one organisation.")
    payment: float = limit(INF, role=LEVER, plausible=(100.0, 10000.0),
                           doc="Daily exchanges summed over the accounts of one payment instrument.")


# Largest cumulative spend a usage tier may ask for (USD).
MAX_SPEND_USD = 1e7

_ANTHROPIC = "Anthropic API tiers 1-4"


@dataclass
class UsageTier:
    """One usage tier: what qualifies an account for it, and its limits (real schedules:
    CALIBRATION "Real rate-limit structures").

    A tier's daily limit in exchanges is its monthly spend cap spread over 30 days at the
    list price of an exchange (``sim/controls/usage_tiers.py``).
    """

    min_age_days: float = nonneg(
        0.0, MAX_DAYS, role=LEVER, plausible=(0.0, 30.0), source="S",
        doc=f"Account age (days) that qualifies for the tier ({_ANTHROPIC}: none; OpenAI usage tiers: 0, 7, 7, 14, "
            "30 days).")
    min_spend_usd: float = nonneg(
        0.0, MAX_SPEND_USD, role=LEVER, plausible=(0.0, 1000.0), source="S",
        doc=f"Cumulative spend (USD) that qualifies for the tier ({_ANTHROPIC}: credit purchase $5, $40, $200, $400; "
            "OpenAI: $5, $50, $100, $250, $1,000). The first tier qualifies every account (0 days, $0).")
    monthly_spend_cap_usd: float = limit(
        100.0, role=LEVER, plausible=(10.0, 5000.0), source="S",
        doc=f"Monthly spend cap of the tier (USD; {_ANTHROPIC}: $100, $500, $1,000, $5,000; inf = no limit).")
    hourly_cap: float = limit(
        INF, role=LEVER, plausible=(10.0, 1000.0), source="I",
        doc="Exchanges per account per hour in the tier (inf = no limit: Anthropic's request limits, 50 a minute "
            "at tier 1, never bind below the daily limit).")


def _anthropic_tiers() -> list[UsageTier]:
    """Anthropic API tiers 1-4 (S); tier 1 qualifies at $0, since its $5 credit purchase is what opens API access."""
    return [UsageTier(0.0, 0.0, 100.0), UsageTier(0.0, 40.0, 500.0), UsageTier(0.0, 200.0, 1000.0),
            UsageTier(0.0, 400.0, 5000.0)]


@dataclass
class UsageTiersConfig:
    """Per-account limits that rise with account age and spend, as providers run them
    (mode throttle: the excess is refused). An account's tier is the last one listed whose
    age and spend it meets; tiers are listed in ascending order of both."""

    enabled: bool = declared(False, role=LEVER, source="S",
                             doc="Whether usage tiers run (in force at the providers: on in the status quo).")
    tiers: list[UsageTier] = field(default_factory=_anthropic_tiers)


@dataclass
class VolumeCapConfig:
    """Per-account and aggregate limits on exchanges (CALIBRATION: real tier structures)."""

    enabled: bool = declared(False, role=LEVER, doc="Whether volume caps run.")
    mode: str = declared("throttle", role=LEVER, choices=("throttle", "flag"),
                         doc="throttle: the excess is refused; flag: the excess is served and feeds the review queue.")
    per_account_hour: float = limit(INF, role=LEVER, plausible=(10.0, 1000.0),
                                    doc="Exchanges per account per hour (inf = no limit).")
    per_account_day: float = limit(INF, role=LEVER, plausible=(10.0, 10000.0),
                                   doc="Exchanges per account per day (inf = no limit).")
    aggregate_day: AggregateCaps = field(default_factory=AggregateCaps)
    flag_priority: float = between(5.0, 0.0, MAX_PRIORITY, role=LEVER,
                                   doc="Queue priority of accounts flagged for exceeding a cap (mode flag).")


@dataclass
class SharingConfig:
    """Cross-provider sharing of indicators of banned accounts."""

    enabled: bool = declared(False, role=LEVER, doc="Whether providers share indicators of banned accounts.")
    participants: list[int] = count(None, 0, MAX_PROVIDER, default_factory=lambda: [0, 1, 2], role=LEVER,
                                    doc="Provider indices taking part.")
    indicators: list[str] = declared(default_factory=lambda: ["payment", "identity", "network"], role=LEVER,
                                     choices=INDICATORS, doc="Indicator types shared.")
    latency_days: float = nonneg(3.0, MAX_DAYS, role=LEVER, plausible=(0.0, 14.0), source="A",
                                 doc="Days before a shared indicator reaches the other participants.")
    coverage: float = prob(0.5, role=LEVER, plausible=(0.2, 0.8), source="A",
                           doc="Probability that a shared indicator reaches a given participant.")
    action: str = declared("review", role=LEVER, choices=("ban", "review"),
                           doc="What a participant does with its live accounts carrying a received indicator.")
    max_carriers: float = limit(10_000.0, role=LEVER, plausible=(1_000.0, 100_000.0), source="A",
                                doc="An indicator whose matches stand for more than this many live real accounts on the "
                                    "acting provider is too common to act on (a framework's system prompt, a large VPN "
                                    "exit); shared threat indicators are specific ones. Range chosen here.")


@dataclass
class ResellerKycConfig:
    """Resellers must verify their own customers or lose access (IaaS CIP proposal, S; applied to model APIs, I)."""

    enabled: bool = declared(False, role=LEVER, source="S", doc="Whether resellers must verify their customers.")
    leakage: float = prob(0.2, role=UNCERTAINTY, plausible=(0.0, 0.5), source="A",
                          doc="Share of operator demand that still gets through a verifying reseller.")
    noncompliance: float = prob(0.2, role=UNCERTAINTY, plausible=(0.05, 0.5), source="A",
                                doc="Probability that a reseller does not verify and is cut off; range chosen here.")
    deadline_days: float = nonneg(14.0, MAX_DAYS, role=LEVER, plausible=(7.0, 90.0), source="I",
                                  doc="Days until a non-compliant reseller's accounts are closed.")
    customer_dropoff: float = prob(0.2, role=UNCERTAINTY, plausible=(0.09, 0.35), source="R",
                                   doc="Share of a verifying reseller's customers who drop off (as document KYC).")
    cost_per_customer_usd: float = nonneg(1.5, 1e4, role=UNCERTAINTY, plausible=(0.5, 5.0), source="A",
                                          doc="Price of verifying one customer (USD: the document-check vendor "
                                              "price); range chosen here.")


@dataclass
class ClusterThresholds:
    """Daily exchanges summed over accounts sharing an indicator (or a whole cluster); inf = no threshold."""

    identity: float = limit(INF, role=LEVER, plausible=(100.0, 10000.0),
                            doc="Daily exchanges over the accounts of one identity that open a report.")
    payment: float = limit(INF, role=LEVER, plausible=(100.0, 10000.0),
                           doc="Daily exchanges over the accounts of one payment instrument that open a report.")
    cluster: float = limit(INF, role=LEVER, plausible=(300.0, 30000.0),
                           doc="Daily exchanges over an infrastructure cluster that open a report.")


@dataclass
class AggregateReportingConfig:
    """Volume thresholds per identity / payment instrument / infrastructure cluster,
    with review and a report within a deadline (SAR analogy), and optional silent throttling."""

    enabled: bool = declared(False, role=LEVER, doc="Whether aggregate reporting runs.")
    thresholds: ClusterThresholds = field(default_factory=ClusterThresholds)
    cluster_on: list[str] = declared(
        default_factory=lambda: ["payment", "identity", "network", "device"], role=LEVER, choices=INDICATORS,
        doc="Indicators that link accounts into one infrastructure cluster (connected components).")
    review_priority: float = between(
        4.0, 0.0, MAX_PRIORITY, role=LEVER, source="I",
        doc="Queue priority of reported accounts: below detector flags (priority = their score), so reports use "
            "spare review capacity.")
    report_deadline_days: float = nonneg(30.0, MAX_DAYS, role=LEVER, source="S",
                                         doc="Days after detection a report is due (FinCEN SAR: 30).")
    silent_throttle_share: float = prob(0.0, role=LEVER, plausible=(0.0, 1.0), source="I",
                                        doc="Share of a flagged cluster's requests refused until review.")


@dataclass
class ShutdownConfig:
    """The model is switched off for everyone for ``days`` (June 2026 export directive, S)."""

    enabled: bool = declared(False, role=LEVER, doc="Whether the shutdown applies.")
    providers: list[int] = count(None, 0, MAX_PROVIDER, default_factory=lambda: [0], role=LEVER,
                                 doc="Provider indices switched off.")
    start_day: int = count(10, 0, 3650, role=LEVER, source="I", doc="Day of the window the directive lands on.")
    days: int = count(14, 0, 3650, role=LEVER, plausible=(14, 19), source="S", doc="Days switched off (~14-19).")


@dataclass
class SanctionsConfig:
    """Designation of the attributed actor (H.R. 8283): a lag and a probability per campaign."""

    enabled: bool = declared(False, role=LEVER, doc="Whether the attributed actor can be designated.")
    designation_lag_days: float = nonneg(210.0, MAX_DAYS, role=LEVER, plausible=(30.0, 365.0), source="S",
                                         doc="Days from a campaign's start to designation (report and Entity-List "
                                             "vote within 210 days).")
    probability_per_campaign: float = prob(0.5, role=UNCERTAINTY, plausible=(0.2, 0.8), source="A",
                                           doc="Probability that a campaign leads to designation; range chosen here.")
    budget_cut: float = prob(0.5, role=UNCERTAINTY, plausible=(0.2, 0.8), source="A",
                             doc="Share of the actor's budget lost once designated; range chosen here.")
    propensity_cut: float = prob(0.3, role=UNCERTAINTY, plausible=(0.1, 0.6), source="A",
                                 doc="Drop in the probability that a later campaign runs, once designated; range "
                                     "chosen here.")


@dataclass
class AttributionConfig:
    """The rule by which a provider attributes a campaign to one actor (read by the metrics only).

    A provider attributes when the accounts it has banned so far hold a linked cluster of at
    least ``min_cluster`` accounts: a connected component of the graph that joins two banned
    accounts carrying the same id of one of ``indicators`` (:mod:`sim.record.attribution`).
    The labs attributed campaigns from pooled signals over many accounts (shared payment
    instruments, infrastructure and request patterns, C/R), not from one account: a lone banned
    account says nothing about who runs it, a large cluster of accounts tied by the same cards,
    identities, devices and prompt templates says one organised actor does. Nothing in the
    simulation acts on the rule (no control reads it), so it is a setting that picks the
    question the attribution outcomes answer, not a lever.
    """

    min_cluster: int = count(
        20, 2, role=SETTING, plausible=(5, 200), source="A",
        doc="Banned accounts a linked cluster needs before the provider attributes the campaign to one actor: no "
            "public figure says how many accounts the labs' attributions rested on; 2 is the smallest cluster that "
            "links anything.")
    indicators: list[str] = declared(
        default_factory=lambda: ["payment", "identity", "device", "template"], role=SETTING, choices=INDICATORS,
        source="I",
        doc="Indicators that link banned accounts into one cluster: the strong ones, which strangers do not share "
            "by chance (network exits are left out: VPN, CGNAT and proxy exits are shared by unrelated users).")


@dataclass
class PolicyConfig:
    """The defenders' control stack; every control is switchable."""

    name: str = declared(MISSING, role=SETTING, doc="Policy preset name.")
    binds: list[int] | None = declared(
        None, role=LEVER, source="I",
        doc="Provider indices (into scenario.providers) that run this control stack; null = every provider. The "
            "others run `outside_policy` (a rule that binds its signatories only, e.g. [0] = the target provider).")
    identity_gating: IdentityGatingConfig = field(default_factory=IdentityGatingConfig)
    geo_filter: GeoFilterConfig = field(default_factory=GeoFilterConfig)
    detector: DetectorConfig = field(default_factory=DetectorConfig)
    review: ReviewConfig = field(default_factory=ReviewConfig)
    cluster_detector: ClusterDetectorConfig = field(default_factory=ClusterDetectorConfig)
    link_analysis: LinkAnalysisConfig = field(default_factory=LinkAnalysisConfig)
    sharing: SharingConfig = field(default_factory=SharingConfig)
    usage_tiers: UsageTiersConfig = field(default_factory=UsageTiersConfig)
    volume_cap: VolumeCapConfig = field(default_factory=VolumeCapConfig)
    reseller_kyc: ResellerKycConfig = field(default_factory=ResellerKycConfig)
    aggregate_reporting: AggregateReportingConfig = field(default_factory=AggregateReportingConfig)
    shutdown: ShutdownConfig = field(default_factory=ShutdownConfig)
    sanctions: SanctionsConfig = field(default_factory=SanctionsConfig)
    attribution: AttributionConfig = field(default_factory=AttributionConfig)
    cost_per_review_usd: float = nonneg(5.0, 1e4, role=UNCERTAINTY, plausible=(2.0, 20.0), source="A",
                                        doc="Price of one human review (USD: a few minutes of an analyst); range "
                                            "chosen here.")
