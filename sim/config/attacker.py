"""The attacker branch (``attacker``): the operator's strategy, how it builds, paces and replaces its fleet.

Every field here is the operator's choice (role: strategy).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from omegaconf import MISSING

from .fields import STRATEGY, between, count, declared, nonneg, prob


@dataclass
class ProxyMix:
    """Share of the operator's exits by proxy type (the shares sum to 1)."""

    residential_proxy: float = prob(
        0.7, role=STRATEGY, plausible=(0.5, 0.9), source="A",
        doc="Residential share of the operator's exits (C: the access path was commercial proxy services).")
    mobile_proxy: float = prob(0.2, role=STRATEGY, plausible=(0.0, 0.4), source="A",
                               doc="Mobile share of the operator's exits; range chosen here.")
    datacenter: float = prob(0.1, role=STRATEGY, plausible=(0.0, 0.3), source="A",
                             doc="Datacenter share of the operator's exits; range chosen here.")


@dataclass
class ResponsesConfig:
    """How the operator reacts to what it observes about its own accounts.

    Each is a strategy switch; defaults follow what the incidents suggest.
    """

    rotate_exit_on_refusal: bool = declared(
        True, role=STRATEGY, source="C",
        doc="An account whose requests were blocked yesterday gets a new exit (C: proxies were used to evade "
            "geographic restrictions).")
    expand_fleet: bool = declared(
        True, role=STRATEGY, doc="Open more accounts when the remaining target needs them (off: the first day's "
                                 "fleet size, banned accounts replaced).")
    pace_under_cap: bool = declared(
        True, role=STRATEGY, source="R",
        doc="Pace throttled accounts under the cap they reveal (C/R: the campaign ran at ~0.1% of a lowest-tier "
            "account's limit: operators stay under caps).")
    cap_safety: float = between(0.9, 0.1, 1.0, role=STRATEGY, plausible=(0.5, 1.0),
                                doc="Pace at this share of the learned cap.")
    compartmentalise: bool = declared(
        True, role=STRATEGY,
        doc="Stop sharing indicators across new accounts once bans arrive on two providers or caps bind.")
    spread_providers: bool = declared(
        False, role=STRATEGY, source="A",
        doc="Move traffic to providers that ban or throttle less (off: the reported campaign targeted one provider).")
    pace_recovery: float = between(
        1.1, 1.0, 10.0, role=STRATEGY, plausible=(1.0, 1.5), source="A",
        doc="With pace_under_cap, the factor by which the pace creeps back towards the planned pace on each day "
            "nothing was throttled.")
    compartmentalise_after_days: int = count(
        2, 1, 365, role=STRATEGY, plausible=(1, 7), source="A",
        doc="With compartmentalise, days running with throttled accounts after which new accounts share no "
            "indicator (bans on two providers on one day trigger it at once).")
    spread_trigger: float = prob(
        0.02, role=STRATEGY, plausible=(0.005, 0.1), source="A",
        doc="With spread_providers, the share of a provider's accounts banned or throttled yesterday above which "
            "it loses new accounts to the others.")
    spread_shift: float = prob(
        0.5, role=STRATEGY, plausible=(0.1, 1.0), source="A",
        doc="With spread_providers, the share of such a provider's share of new accounts moved to the others.")
    spread_on_signups: bool = declared(
        False, role=STRATEGY, source="A",
        doc="With spread_providers, a provider where its own sign-ups went badly yesterday (too many openings "
            "failed, or an opened account cost too much in identities) also counts as pressure (off: bans and "
            "throttles only).")
    signup_failure_trigger: float = prob(
        0.25, role=STRATEGY, plausible=(0.05, 0.75), source="A",
        doc="With spread_on_signups, the share of yesterday's wanted openings on a provider that did not open "
            "(fakes failing verification, no identity left to buy, the ownership screen) above which it loses new "
            "accounts to the others; range chosen here.")
    signup_cost_trigger_usd: float = nonneg(
        20.0, 1e5, role=STRATEGY, plausible=(2.0, 35.0), source="A",
        doc="With spread_on_signups, the identity spend per account opened on a provider yesterday (USD: bought "
            "identities, passed or not, and ready-made accounts) above which it loses new accounts to the others: "
            "between a phone-verified account (a $0.50 number) and a document-verified one (a $15 fake document "
            "over its 0.4 pass rate, ~$37.50); range chosen here, below the document account's price.")


@dataclass
class ResellerRoutingConfig:
    """How much of its demand the operator sends through resellers (a strategy switch).

    Share routed starts at ``base_share``; on a day when the operator's own
    accounts look expensive (yesterday's ban rate >= ``ban_rate_trigger``, or
    own cost per served exchange >= the reseller's price), it moves
    ``switch_speed`` of the way to ``max_share`` (otherwise back towards
    ``base_share``; towards 0 when the resellers served less than
    ``min_pass_share`` of what it routed yesterday). Only acts with
    ``scenario.resellers.enabled``.
    """

    base_share: float = prob(0.0, role=STRATEGY, plausible=(0.0, 0.5), source="A",
                             doc="Share routed through resellers at the start (the reference campaign ran its own "
                                 "accounts behind proxies).")
    max_share: float = prob(0.8, role=STRATEGY, plausible=(0.2, 1.0), source="A",
                            doc="Share routed under pressure.")
    ban_rate_trigger: float = between(0.02, 1e-9, 1.0, role=STRATEGY, plausible=(0.005, 0.1), source="A",
                                      doc="Daily ban rate of its own accounts that counts as pressure (as the "
                                          "spread_providers trigger).")
    switch_speed: float = prob(0.2, role=STRATEGY, plausible=(0.05, 1.0), source="A",
                               doc="Share of the gap to the target share closed per day.")
    min_pass_share: float = prob(
        0.5, role=STRATEGY, plausible=(0.1, 0.9), source="A",
        doc="Share of yesterday's routed exchanges the resellers must have served; below it the target share is 0 "
            "(e.g. under reseller KYC the operator leaves the resellers).")


@dataclass
class AttackerConfig:
    """The operator's strategy: how it builds, paces and replaces its fleet."""

    name: str = declared(
        MISSING, role=STRATEGY, plausible=("wide_slow", "churn"), source="E",
        doc="Strategy preset (conf/attacker/): wide_slow and churn both fit the reported figures (25,000 accounts "
            "x ~26/day x 45 d ~ 28.8M).")
    pace_per_account_day: float = between(
        26.0, 0.1, 1e6, role=STRATEGY, plausible=(1.0, 500.0),
        doc="Planned exchanges per account-day; the fleet is sized as target / (pace x window days) x "
            "(1 + spare_fraction).")
    max_pace_multiplier: float = between(2.0, 1.0, 100.0, role=STRATEGY, plausible=(1.0, 4.0),
                                         doc="How far above plan the operator pushes an account before it opens more.")
    spare_fraction: float = nonneg(0.0, 10.0, role=STRATEGY, plausible=(0.0, 0.5),
                                   doc="Spare accounts over the planned fleet, as a share of it.")
    ramp_days: float = nonneg(3.0, 3650.0, role=STRATEGY, plausible=(0.0, 14.0),
                              doc="The initial fleet comes online over this many days.")
    replacement_lead_days: float = nonneg(2.0, 365.0, role=STRATEGY, plausible=(0.5, 7.0), source="A",
                                          doc="Days to bring a replacement for a banned account online (CALIBRATION).")
    proxy_mix: ProxyMix = field(default_factory=ProxyMix)
    accounts_per_proxy: int = count(1, 1, 10**6, role=STRATEGY, plausible=(1, 20),
                                    doc="Accounts sharing one proxy exit.")
    accounts_per_payment: int = count(5, 1, 10**6, role=STRATEGY, plausible=(1, 20),
                                      doc="Accounts sharing one payment instrument.")
    accounts_per_identity: int = count(1, 1, 10**6, role=STRATEGY, plausible=(1, 10),
                                       doc="Accounts sharing one identity (capped by the gate's "
                                           "max_accounts_per_identity).")
    accounts_per_device: int = count(10, 1, 10**6, role=STRATEGY, plausible=(1, 50),
                                     doc="Accounts sharing one device fingerprint.")
    accounts_per_template: int = count(500, 1, 10**6, role=STRATEGY, plausible=(10, 5000),
                                       doc="Accounts sharing one prompt template.")
    template_reuse: float = prob(0.6, role=STRATEGY, plausible=(0.2, 0.9),
                                 doc="Prompt-template reuse of the traffic, before scaling by the footprint.")
    cot_share: float = prob(0.3, role=STRATEGY, plausible=(0.1, 0.6),
                            doc="Chain-of-thought elicitation share of the traffic, before scaling by the footprint.")
    timing_regularity: float = prob(0.8, role=STRATEGY, plausible=(0.5, 1.0),
                                    doc="Timing regularity of the traffic, before scaling by the footprint.")
    footprint: float = nonneg(1.0, 100.0, role=STRATEGY,
                              doc="Scale of the traits above as the detector sees them; fitted per strategy "
                                  "(calibration.footprint).")
    accounts_per_organisation: int = count(1, 1, 10**6, role=STRATEGY, plausible=(1, 10),
                                           doc="Accounts sharing one shell organisation.")
    responses: ResponsesConfig = field(default_factory=lambda: ResponsesConfig())
    resellers: ResellerRoutingConfig = field(default_factory=ResellerRoutingConfig)
    budget_pacing: str = declared(
        "window", role=STRATEGY, choices=("window", "none"), source="A",
        doc="How it spends a budget that binds (it never spends past it either way): window = each day it plans the "
            "rest of the campaign within what is left (the daily harvest whose new accounts and traffic up to the "
            "deadline it can pay for, at its observed costs) and paces its hours to it, so the budget lasts to the "
            "deadline; none = it spends as the target asks until the budget runs out. A budget that does not bind "
            "changes nothing under either.")
    trait_concentration: float = between(
        10.0, 0.01, 1e4, role=STRATEGY, plausible=(3.0, 50.0), source="A",
        doc="How closely its accounts' traffic traits keep to the campaign's means: each account's trait is "
            "Beta(m k, (1 - m) k) around the mean m, k this value (as the legitimate users').")
