"""Every output of a run, declared once: its unit, which direction is better for the
defender, the period it covers and what it means.

Two registries, each grouped by the mechanism that produces the values:

- :data:`MECHANISMS`: the run's outcomes, the keys of ``metrics.json``. The summary
  (:func:`sim.record.metrics.summarize`) has one function per mechanism returning exactly
  that mechanism's outcomes, and refuses to return a key that is not declared here; adding a
  mechanism means adding its declarations here and its function there, side by side.
- :data:`DAILY`: the columns of the daily series (``daily.parquet``).

Outcomes that come one per member of a vocabulary (each spend item, each ban reason, each
provider, ...) are declared once as a :class:`Family` and expanded with the run's
vocabularies (:data:`DIMENSIONS` says where each comes from). The printed summary, the
Parquet schemas (field metadata), the analyses in ``experiments/analysis`` and
``docs/outcomes.md`` read units, labels and directions from here::

    python -m sim.record.outcomes > docs/outcomes.md

This module imports nothing from the simulation: the analysis package reads it, and the
analyses never import the model.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

LOWER, HIGHER, NONE = "lower", "higher", "none"
DIRECTIONS: tuple[str, ...] = (LOWER, HIGHER, NONE)
DIRECTION_TEXT = {LOWER: "lower is better for the defender", HIGHER: "higher is better for the defender",
                  NONE: "descriptive (no better direction)"}

# Scopes of a run's outcomes.
WINDOW = "window"  # the campaign window (scenario.start_date .. end_date)
RUN = "run"  # the whole simulated horizon: the window plus any overrun days
SETTING = "setting"  # fixed by the configuration, not simulated
# Scopes of a daily series' value on a day.
DAY = "day"  # what happened that day
TO_DATE = "to date"  # cumulative from day 0 through that day
END_OF_DAY = "end of day"  # a state at that day's end
OUTCOME_SCOPES: tuple[str, ...] = (WINDOW, RUN, SETTING)
DAILY_SCOPES: tuple[str, ...] = (DAY, TO_DATE, END_OF_DAY)
SCOPE_TEXT = {
    WINDOW: "the campaign window",
    RUN: "the whole run: the window and any overrun days",
    SETTING: "set by the configuration",
    DAY: "that day",
    TO_DATE: "cumulative from day 0 through that day",
    END_OF_DAY: "the state at that day's end",
}

# Units (a closed list, so one quantity is not written two ways).
EXCHANGES = "exchanges"
REAL_EXCHANGES = "real exchanges"  # legitimate exchanges weighted to the real population
SAMPLE_EXCHANGES = "sampled exchanges"  # legitimate exchanges of the sampled accounts, unweighted
SHARE = "share"  # a fraction in [0, 1]
USD = "USD"
USD_PER_M = "USD per 1M exchanges"
USD_PER_IDENTITY = "USD per identity"
USD_PER_ACCOUNT = "USD per account"
ACCOUNTS = "accounts"
ACCOUNTS_PER_DAY = "accounts per day"
REAL_USERS = "real users"
REAL_ACCOUNTS = "real accounts"
PER_100K = "per 100k real users"
FLAGS_PER_MONTH = "flags per real account per 30 days"
PACE = "exchanges per account-day"
IDENTITIES = "identities"
IDENTITIES_PER_DAY = "identities per day"
DOCUMENTS = "documents"
EXITS = "exits"
REVIEWS = "real reviews"
VERIFICATIONS = "real verifications"
REPORTS = "reports"
CAMPAIGNS = "campaigns"
CLUSTERS = "clusters"  # linked clusters of banned accounts (attribution)
DAYS = "days"  # a duration
DAY_INDEX = "day"  # a day of the run, counted from 0
DATE = "date"
MULTIPLIER = "x base price"
BAN_RATE = "share of accounts per day"
FLAG = "true/false"
SECONDS = "seconds"
NO_UNIT = ""  # names and numbers without a unit (a seed)
UNITS: tuple[str, ...] = (
    EXCHANGES, REAL_EXCHANGES, SAMPLE_EXCHANGES, SHARE, USD, USD_PER_M, USD_PER_IDENTITY, USD_PER_ACCOUNT,
    ACCOUNTS, ACCOUNTS_PER_DAY, REAL_USERS, REAL_ACCOUNTS, PER_100K, FLAGS_PER_MONTH, PACE, IDENTITIES,
    IDENTITIES_PER_DAY, DOCUMENTS, EXITS, REVIEWS, VERIFICATIONS, REPORTS, CAMPAIGNS, CLUSTERS, DAYS, DAY_INDEX, DATE,
    MULTIPLIER, BAN_RATE, FLAG, SECONDS, NO_UNIT,
)

# Where each family's vocabulary comes from, and its members (the run supplies the values;
# tests/test_outcomes.py checks that the members listed here are the vocabulary's).
DIMENSIONS: dict[str, str] = {
    "capability": "each capability of the campaigns' mix (`CAPABILITIES`, sim/config/domain.py): coding, agentic, "
                  "long_horizon, other",
    "provider": "each provider of the scenario, by name (`scenario.providers`), in the reference scenario: target, peer_a, peer_b",
    "item": "each item the operator pays for (`SPEND_ITEMS`, sim/agents/operator.py): identity, payment, email, proxy, "
            "api, reseller, ready_account",
    "reason": "each way an account gets banned (`BAN_REASONS`, sim/agents/provider.py): review, link_analysis, sharing",
    "source": "each control that can put an account in the review queue (`QUEUE_SOURCES`, sim/controls/__init__.py): "
              "detector, volume_cap, link_analysis, sharing, aggregate_reporting, cluster",
    "control": "each control that refuses traffic (`FILTER_CONTROLS`, sim/controls/__init__.py): geo_filter, volume_cap, "
               "shutdown, aggregate_reporting, usage_tiers",
}


def _check(name: str, unit: str, direction: str, scope: str) -> None:
    if direction not in DIRECTIONS:
        raise ValueError(f"outcome {name}: direction={direction!r}; allowed: {', '.join(DIRECTIONS)}")
    if scope not in OUTCOME_SCOPES + DAILY_SCOPES:
        raise ValueError(f"outcome {name}: scope={scope!r}; allowed: {', '.join(OUTCOME_SCOPES + DAILY_SCOPES)}")
    if unit not in UNITS:
        raise ValueError(f"outcome {name}: unit={unit!r}; allowed: one of UNITS in sim/record/outcomes.py")


@dataclass(frozen=True)
class Outcome:
    """One output value (a metric of the run, or a column of the daily series).

    Attributes:
        name: the key in ``metrics.json`` or the column in ``daily.parquet``.
        unit: one of :data:`UNITS`.
        direction: ``lower`` or ``higher`` is better for the defender, or ``none`` for a
            descriptive value (e.g. the campaign's target).
        scope: the period the value covers (:data:`OUTCOME_SCOPES`, :data:`DAILY_SCOPES`).
        description: what the value is, in a sentence or two.
        label: a short human label for tables and the printed summary.
    """

    name: str
    unit: str
    direction: str
    scope: str
    description: str
    label: str

    def __post_init__(self) -> None:
        _check(self.name, self.unit, self.direction, self.scope)

    @property
    def heading(self) -> str:
        """The label with its unit, e.g. ``attacker cost (USD)``."""
        return f"{self.label} ({self.unit})" if self.unit else self.label

    def field_metadata(self) -> dict[str, str]:
        """What a Parquet column of this outcome carries as field metadata."""
        return {"unit": self.unit, "description": self.description, "direction": self.direction, "scope": self.scope}


@dataclass(frozen=True)
class Family:
    """Outcomes that come one per member of a vocabulary, declared once.

    ``pattern``, ``description`` and ``label`` name the member with one placeholder, the
    dimension (a key of :data:`DIMENSIONS`), e.g. ``attacker_spend_{item}_usd``.
    """

    pattern: str
    unit: str
    direction: str
    scope: str
    description: str
    label: str

    def __post_init__(self) -> None:
        _check(self.pattern, self.unit, self.direction, self.scope)
        fields = [f for _, f, _, _ in string.Formatter().parse(self.pattern) if f is not None]
        if len(fields) != 1 or fields[0] not in DIMENSIONS:
            raise ValueError(f"outcome family {self.pattern}: needs one placeholder; allowed: {', '.join(DIMENSIONS)}")

    @property
    def dimension(self) -> str:
        """The vocabulary the family runs over (its placeholder)."""
        return next(f for _, f, _, _ in string.Formatter().parse(self.pattern) if f is not None)

    @property
    def literal(self) -> int:
        """Characters of the pattern outside the placeholder (the longer, the more specific)."""
        return len(self.pattern) - len(self.dimension) - 2

    def member(self, value: str) -> Outcome:
        """The outcome of one member, e.g. ``attacker_spend_api_usd``."""
        key = {self.dimension: value}
        return Outcome(self.pattern.format(**key), self.unit, self.direction, self.scope,
                       self.description.format(**key), self.label.format(**key))

    def match(self, name: str) -> str | None:
        """The member ``name`` stands for, or None if it is not of this family."""
        head, tail = self.pattern.split("{" + self.dimension + "}")
        found = re.fullmatch(re.escape(head) + "(.+)" + re.escape(tail), name)
        return found.group(1) if found else None


Declaration = Outcome | Family


@dataclass(frozen=True)
class Mechanism:
    """The outputs one mechanism contributes.

    Attributes:
        name: the mechanism (for :data:`MECHANISMS`, the name of its function in
            :data:`sim.record.metrics.MEASURES`).
        description: what it covers.
        outputs: its outcomes and families, in the order they are reported.
        present: when its daily columns exist (empty: always); metrics are always
            present, zero (or their neutral value) when the mechanism is off.
    """

    name: str
    description: str
    outputs: tuple[Declaration, ...]
    present: str = ""

    def expand(self, dimensions: Mapping[str, Sequence[str]]) -> tuple[Outcome, ...]:
        """Its outcomes, each family expanded over the run's vocabulary."""
        out: list[Outcome] = []
        for d in self.outputs:
            if isinstance(d, Family):
                out += [d.member(v) for v in dimensions[d.dimension]]
            else:
                out.append(d)
        return tuple(out)


# The declarations below read: name, unit, direction, scope, label, then the (long) description.
def _o(name: str, unit: str, direction: str, scope: str, label: str, description: str) -> Outcome:
    return Outcome(name, unit, direction, scope, description, label)


def _f(pattern: str, unit: str, direction: str, scope: str, label: str, description: str) -> Family:
    return Family(pattern, unit, direction, scope, description, label)


# --------------------------------------------------------------------------- metrics.json

RUNNER = "runner"  # the mechanism whose outcomes the runner adds after the summary

MECHANISMS: tuple[Mechanism, ...] = (
    Mechanism("run", "What was run: the identifying settings of the record.", (
        _o("seed", NO_UNIT, NONE, SETTING, "seed", "The root random seed of the run."),
        _o("scenario", NO_UNIT, NONE, SETTING, "scenario", "The scenario's name (`scenario.name`)."),
        _o("attacker", NO_UNIT, NONE, SETTING, "attacker strategy", "The attacker strategy's name (`attacker.name`)."),
        _o("policy", NO_UNIT, NONE, SETTING, "policy", "The policy preset's name (`policy.name`)."),
        _o("population", NO_UNIT, NONE, SETTING, "population", "The legitimate population's name (`population.name`)."),
        _o("window_days", DAYS, NONE, SETTING, "campaign window", "Days in the campaign window, both dates included."),
    )),
    Mechanism("campaign", "The campaign's harvest against its target, in total, by capability and by provider.", (
        _o("exchanges_target", EXCHANGES, NONE, SETTING, "campaign target",
           "The operators' combined target (sum of `scenario.operators[*].target_exchanges`)."),
        _o("exchanges_demanded", EXCHANGES, NONE, RUN, "requested by the attacker",
           "Exchanges the operators requested, on their own accounts and through resellers."),
        _o("exchanges_harvested", EXCHANGES, LOWER, WINDOW, "harvested in the window",
           "Exchanges served to the operators within the campaign window: the campaign's harvest."),
        _o("exchanges_harvested_incl_overrun", EXCHANGES, LOWER, RUN, "harvested incl. overrun",
           "Exchanges served to the operators over the whole run, overrun days included."),
        _o("exchanges_refused", EXCHANGES, HIGHER, RUN, "attacker requests refused",
           "Operator requests refused by any control, or stopped by a compliant reseller."),
        _o("campaign_blocked_share", SHARE, HIGHER, WINDOW, "campaign blocked",
           "max(0, 1 - exchanges_harvested / exchanges_target): the share of the target not harvested in the window."),
        _o("days_to_target", DAYS, HIGHER, RUN, "time to reach the target",
           "Days until the cumulative harvest first reached `scenario.target_reached_fraction` of the target "
           "(day 0 counts as 1); null if never within the simulated horizon."),
        _f("exchanges_harvested_{capability}", EXCHANGES, LOWER, WINDOW, "harvested: {capability}",
           "Exchanges harvested in the window that each operator's capability mix assigns to {capability}; "
           "the capabilities sum to `exchanges_harvested`."),
        _f("exchanges_harvested_from_{provider}", EXCHANGES, LOWER, WINDOW, "harvested from {provider}",
           "Exchanges harvested in the window from provider {provider}, on the operators' own accounts and through "
           "resellers' accounts there; the providers sum to `exchanges_harvested`."),
        _o("leakage_share", SHARE, LOWER, WINDOW, "harvest leaked to unbound providers",
           "Share of `exchanges_harvested` served by the providers `policy.binds` leaves out (they run "
           "`outside_policy`): 0 when the policy binds every provider; null when it binds some and nothing was "
           "harvested."),
    )),
    Mechanism("fleet", "The operators' fleets of accounts and what they consumed to run them.", (
        _o("attacker_accounts_created", ACCOUNTS, HIGHER, RUN, "attacker accounts created",
           "Accounts the operators opened (their own and ready-made ones bought)."),
        _o("attacker_accounts_banned", ACCOUNTS, HIGHER, RUN, "attacker accounts banned",
           "Operator accounts banned, for any reason."),
        _o("attacker_exits_used", EXITS, HIGHER, RUN, "proxy exits used",
           "Network exits (proxy addresses) the operators assigned to their accounts, rotations included."),
        _o("attacker_identities_bought", IDENTITIES, HIGHER, RUN, "identities bought",
           "Identities the operators bought to pass the providers' identity gates (fakes that failed included)."),
        _o("attacker_openings_denied", ACCOUNTS, HIGHER, RUN, "account openings denied",
           "Account openings the operators wanted but could not make for want of identities, summed over days."),
        _o("attacker_compartmentalised", FLAG, NONE, RUN, "attacker compartmentalised",
           "Whether an operator switched to accounts that share no indicator (its `compartmentalise` response)."),
        _o("attacker_final_pace_per_account_day", PACE, NONE, RUN, "final pace per account",
           "The lowest per-account pace among the operators at the end of the run (paced under a cap when throttled)."),
    )),
    Mechanism("costs", "What the campaign cost the operators.", (
        _o("attacker_cost_usd", USD, HIGHER, RUN, "attacker cost", "The operators' total spend over the run."),
        _o("attacker_cost_per_million_exchanges", USD_PER_M, HIGHER, RUN, "attacker cost per exchange",
           "attacker_cost_usd x 10^6 / exchanges_harvested_incl_overrun; null when nothing was harvested."),
        _o("attacker_budget_exhausted_day", DAY_INDEX, LOWER, RUN, "budget exhausted on day",
           "The first day an operator could not pay for one more request (its budget spent, which ends its "
           "campaign); null if none did. With budget pacing a binding budget lasts to the deadline, so this is "
           "null or the window's last days."),
        _o("attacker_budget_spent_share", SHARE, NONE, RUN, "budget spent",
           "The operators' spend as a share of their budgets (never above 1); 0 with an unlimited budget."),
        _f("attacker_spend_{item}_usd", USD, HIGHER, RUN, "attacker spend: {item}",
           "The operators' spend on {item}; the items sum to `attacker_cost_usd`."),
    )),
    Mechanism("collateral", "What the controls cost legitimate users (sampled users weighted to the real population).", (
        _o("legit_real_users", REAL_USERS, NONE, SETTING, "legitimate users",
           "Real legitimate users of all providers that the sampled accounts stand for: the denominator of the rates."),
        _o("legit_users_wrongly_banned", REAL_USERS, LOWER, RUN, "legitimate users wrongly banned",
           "Sampled legitimate accounts banned, weighted to real users."),
        _o("legit_users_wrongly_banned_per_100k", PER_100K, LOWER, RUN, "legitimate users wrongly banned",
           "legit_users_wrongly_banned per 100,000 real users."),
        _o("legit_users_wrongly_banned_expected", REAL_USERS, LOWER, RUN, "legitimate users wrongly banned, expected",
           "Expected wrongful bans: the sum over reviewed legitimate accounts of weight x ban probability, plus the "
           "bans not decided by review; far more precise than the sampled count for rare events."),
        _o("legit_users_wrongly_banned_expected_per_100k", PER_100K, LOWER, RUN, "legitimate users wrongly banned, expected",
           "legit_users_wrongly_banned_expected per 100,000 real users: the one to compare policies on."),
        _o("legit_exchanges_refused_share", SHARE, LOWER, RUN, "legitimate exchanges refused",
           "Share of legitimate requests refused (weighted to real exchanges)."),
        _o("legit_users_refused_at_least_once", REAL_USERS, LOWER, RUN, "legitimate users refused at least once",
           "Real legitimate users who had at least one request refused."),
        _o("legit_users_refused_per_100k", PER_100K, LOWER, RUN, "legitimate users refused at least once",
           "legit_users_refused_at_least_once per 100,000 real users."),
        _o("legit_signups_lost", REAL_USERS, LOWER, RUN, "legitimate sign-ups lost",
           "Real users who abandoned or failed sign-up at the identity gate (the ownership screen's refusals included)."),
        _o("legit_signups_lost_share", SHARE, LOWER, RUN, "legitimate sign-ups lost",
           "legit_signups_lost / legitimate sign-ups attempted."),
        _o("legit_flag_rate_per_account_month", FLAGS_PER_MONTH, LOWER, RUN, "legitimate flag rate",
           "Expected legitimate accounts the detector sends to review over the run (accounts already waiting in review cannot be flagged again), "
           "per real user and per 30 days of the window."),
    )),
    Mechanism("review", "Human review and bans: what each ban channel and each review source caught, and the "
              "defender's workload and cost.", (
        _o("reviews_done", REVIEWS, LOWER, RUN, "human reviews", "Human reviews the providers carried out."),
        _o("verifications_done", VERIFICATIONS, LOWER, RUN, "identity checks",
           "Identity checks the providers carried out (at sign-up and on re-verification)."),
        _o("defender_cost_usd", USD, LOWER, RUN, "defender cost",
           "reviews_done x `policy.cost_per_review_usd` + what the identity checks cost."),
        _f("attacker_banned_by_{reason}", ACCOUNTS, HIGHER, RUN, "attacker accounts banned by {reason}",
           "Operator accounts banned by {reason}."),
        _f("legit_banned_by_{reason}", REAL_USERS, LOWER, RUN, "legitimate users banned by {reason}",
           "Sampled legitimate accounts banned by {reason}, weighted to real users."),
        _f("attacker_banned_after_review_from_{source}", ACCOUNTS, HIGHER, RUN,
           "attacker accounts banned on review from {source}",
           "Operator accounts banned by review that {source} had put in the queue."),
        _f("legit_banned_after_review_from_{source}", REAL_USERS, LOWER, RUN,
           "legitimate users banned on review from {source}",
           "Sampled legitimate accounts banned by review that {source} had put in the queue, weighted to real users."),
    )),
    Mechanism("filters", "Traffic refused by each control that refuses requests.", (
        _f("attacker_refused_by_{control}", EXCHANGES, HIGHER, RUN, "attacker exchanges refused by {control}",
           "Operator requests refused by {control}."),
        _f("legit_refused_by_{control}", REAL_EXCHANGES, LOWER, RUN, "legitimate exchanges refused by {control}",
           "Legitimate requests refused by {control}, weighted to real exchanges."),
    )),
    Mechanism("identity_gating", "Identity gating as in force in 2026: re-verification of existing and flagged "
              "accounts, and the ownership screen at opening.", (
        _o("legit_users_lost_to_reverification", REAL_USERS, LOWER, RUN, "legitimate users lost to re-verification",
           "Existing users who failed or abandoned re-verification: at the start (`reverify_existing`) plus on a "
           "flag (`reverify_on_flag`)."),
        _o("reverification_requests", REAL_ACCOUNTS, NONE, RUN, "re-verification requests",
           "Real accounts asked to re-verify on a flag."),
        _o("attacker_accounts_asked_to_reverify", ACCOUNTS, NONE, RUN, "attacker accounts asked to re-verify",
           "Operator accounts asked to re-verify on a flag."),
        _o("attacker_accounts_closed_by_reverification", ACCOUNTS, HIGHER, RUN,
           "attacker accounts closed by re-verification", "Operator accounts closed for failing re-verification."),
        _o("legit_users_asked_to_reverify", REAL_USERS, LOWER, RUN, "legitimate users asked to re-verify",
           "Sampled legitimate users asked to re-verify on a flag, weighted to real users."),
        _o("legit_users_lost_to_flag_reverification", REAL_USERS, LOWER, RUN,
           "legitimate users lost to re-verification on a flag",
           "Legitimate users closed for failing re-verification on a flag (also in `legit_users_lost_to_reverification`)."),
        _o("attacker_reverify_documents_bought", DOCUMENTS, HIGHER, RUN, "documents bought to re-verify",
           "Fake documents the operators bought to re-verify flagged accounts."),
        _o("attacker_identities_refused_by_ownership_screen", IDENTITIES, HIGHER, RUN,
           "identities refused by the ownership screen",
           "Identities the operators bought whose shell organisation the ownership screen refused (paid, wasted)."),
        _o("legit_signups_lost_to_ownership_screen", REAL_USERS, LOWER, RUN, "sign-ups lost to the ownership screen",
           "Legitimate applicants refused in error by the ownership screen (also in `legit_signups_lost`)."),
    )),
    Mechanism("resellers", "Resellers carrying legitimate customers' and operators' traffic mixed, and "
              "`policy.reseller_kyc` (zeros when the scenario has no resellers).", (
        _o("legit_users_cut_off_by_reseller_bans", REAL_USERS, LOWER, RUN, "reseller customers cut off by bans",
           "Real customers on banned reseller accounts (each counted once)."),
        _o("legit_users_cut_off_by_reseller_kyc", REAL_USERS, LOWER, RUN, "reseller customers cut off by KYC",
           "Customers of non-compliant resellers when these lost access under reseller KYC."),
        _o("legit_users_lost_to_reseller_kyc", REAL_USERS, LOWER, RUN, "reseller customers lost at KYC",
           "Customers who dropped off at a compliant reseller's verification."),
        _o("reseller_legit_exchanges_requested", REAL_EXCHANGES, NONE, RUN, "reseller customers' exchanges requested",
           "Exchanges the resellers' legitimate customers requested."),
        _o("reseller_legit_exchanges_refused_share", SHARE, LOWER, RUN, "reseller customers' exchanges refused",
           "Share of the resellers' legitimate customers' requests refused."),
        _o("reseller_accounts_banned", ACCOUNTS, NONE, RUN, "reseller accounts banned", "Reseller accounts banned."),
        _o("reseller_kyc_cost_usd", USD, LOWER, RUN, "reseller KYC cost",
           "What compliant resellers paid to verify their customers."),
        _o("attacker_refused_by_reseller_kyc", EXCHANGES, HIGHER, RUN, "attacker exchanges stopped by reseller KYC",
           "Operator requests that compliant resellers did not pass on."),
        _o("attacker_exchanges_via_resellers", EXCHANGES, NONE, RUN, "attacker exchanges via resellers",
           "Exchanges served to the operators through resellers (part of the harvest)."),
        _o("attacker_final_route_share", SHARE, NONE, RUN, "final route share",
           "Share of their demand the operators route through resellers at the end of the run: the mean of the "
           "operators' shares weighted by their targets (the daily `attacker_route_share` is the same statistic)."),
    )),
    Mechanism("market", "The black market for identities and ready-made accounts (`costs.market`; neutral values "
              "when off).", (
        _o("market_identities_bought", IDENTITIES, NONE, RUN, "identities bought on the market",
           "Identities the operators bought on the market, all tiers."),
        _o("market_final_price_multiplier", MULTIPLIER, HIGHER, RUN, "final identity price multiplier",
           "The market's identity price over its base price on the last day (1 when the market is off)."),
        _o("attacker_ready_accounts_bought", ACCOUNTS, NONE, RUN, "ready-made accounts bought",
           "Ready-made verified accounts the operators bought."),
        _o("market_ready_account_spend_usd", USD, HIGHER, RUN, "spend on ready-made accounts",
           "What the operators paid for ready-made accounts (as `attacker_spend_ready_account_usd`)."),
    )),
    Mechanism("aggregate_reporting", "Aggregate volume thresholds with reporting (`policy.aggregate_reporting`).", (
        _o("aggregate_reports_opened", REPORTS, NONE, RUN, "aggregate reports opened",
           "Reports opened: group-days whose served volume exceeded a threshold."),
        _o("aggregate_reports_due_within_window", REPORTS, NONE, WINDOW, "aggregate reports due in the window",
           "Reports whose deadline falls within the campaign window."),
        _o("aggregate_accounts_flagged", ACCOUNTS, NONE, RUN, "accounts flagged by aggregate thresholds",
           "Accounts queued for review because their group exceeded a threshold (once per day queued)."),
    )),
    Mechanism("sanctions", "Sanctions after attribution (`policy.sanctions`), inside the run and over the "
              "scenario's successive campaigns (`scenario.campaigns`), in closed form.", (
        _o("sanctions_designation_day", DAY_INDEX, NONE, RUN, "designation day",
           "The day an operator's designation took effect inside the run; null if none did."),
        _o("horizon_campaigns", CAMPAIGNS, NONE, SETTING, "campaigns over the horizon",
           "Successive campaigns the same actor runs (`scenario.campaigns`)."),
        _o("horizon_exchanges_expected", EXCHANGES, LOWER, WINDOW, "expected harvest over the horizon",
           "Expected exchanges over all campaigns, each harvesting this run's window harvest unless a designation "
           "in force cuts it."),
        _o("horizon_exchanges_no_sanctions", EXCHANGES, LOWER, WINDOW, "harvest over the horizon without sanctions",
           "exchanges_harvested x horizon_campaigns."),
        _o("horizon_reduction_share", SHARE, HIGHER, WINDOW, "horizon harvest cut by sanctions",
           "1 - horizon_exchanges_expected / horizon_exchanges_no_sanctions."),
    )),
    Mechanism("attribution", "The first ban and the day the campaign is attributed to one actor, by the declared rule "
              "(`policy.attribution`, sim/record/attribution.py): a provider attributes when its banned accounts hold a "
              "cluster of at least `min_cluster` accounts linked by shared `indicators`; the cluster is the operator's when "
              "most of its members are one operator's accounts (ground truth). Days count from 1 (day 0 is 1), null when "
              "it never happened within the simulated horizon.", (
        _o("days_to_first_ban", DAYS, LOWER, RUN, "time to the first ban",
           "The day an operator account was first banned, on any provider; null if none was."),
        _f("days_to_first_ban_{provider}", DAYS, LOWER, RUN, "time to the first ban on {provider}",
           "The day provider {provider} first banned an operator account; null if it never did."),
        _o("days_to_attribution", DAYS, LOWER, RUN, "time to attribution",
           "The consortium's attribution day: with sharing on (`attribution_pooled`), the first day a participant's "
           "view (its own bans, and those the other participants published once the latency has passed, linked "
           "through the shared indicator kinds) or a non-participant's own view holds an operator's cluster of "
           "`min_cluster` accounts; with sharing off, the earliest provider's day. Null if never (`attribution_censored`)."),
        _f("days_to_attribution_{provider}", DAYS, LOWER, RUN, "time to attribution by {provider}",
           "The first day the accounts provider {provider} banned hold an operator's cluster of `min_cluster` "
           "accounts; null if never."),
        _f("false_attributions_{provider}", CLUSTERS, LOWER, RUN, "false attributions by {provider}",
           "Clusters of at least `min_cluster` accounts banned by provider {provider} at the run's end that are no "
           "operator's (sampled legitimate users, counted unweighted, or resellers' accounts): the rule met by the wrong "
           "accounts."),
        _o("harvest_before_attribution_share", SHARE, LOWER, WINDOW, "harvest before attribution",
           "Exchanges harvested in the window up to the end of the consortium's attribution day (when the "
           "attribution comes), over the target, at most 1; when never attributed, the whole window's harvest over "
           "the target."),
        _o("attribution_censored", FLAG, NONE, RUN, "never attributed",
           "Whether the consortium never attributed the campaign within the simulated horizon (`days_to_attribution` "
           "null; `harvest_before_attribution_share` then counts the whole window)."),
        _o("attribution_pooled", FLAG, NONE, SETTING, "attribution from pooled bans",
           "Whether `days_to_attribution` pools the sharing participants' bans (sharing on with two participants or "
           "more); false: it is the earliest provider's own attribution."),
    )),
    Mechanism(RUNNER, "Added by the runner (`sim.runner.run`) after the summary.", (
        _o("runtime_seconds", SECONDS, NONE, RUN, "runtime",
           "Wall time of the run; varies from machine to machine, so it is left out of outcome comparisons."),
    )),
)

# --------------------------------------------------------------------------- daily.parquet

DAILY: tuple[Mechanism, ...] = (
    Mechanism("traffic", "Each day's requests, by side, and the attacker's served exchanges by provider.", (
        _o("day", DAY_INDEX, NONE, DAY, "day", "The day of the run, from 0."),
        _o("date", DATE, NONE, DAY, "date", "The calendar date (ISO)."),
        _o("attacker_requested", EXCHANGES, NONE, DAY, "attacker exchanges requested",
           "Operator requests (own accounts and through resellers)."),
        _o("attacker_served", EXCHANGES, LOWER, DAY, "attacker exchanges served", "Operator requests served."),
        _o("attacker_refused", EXCHANGES, HIGHER, DAY, "attacker exchanges refused", "Operator requests refused."),
        _f("attacker_served_from_{provider}", EXCHANGES, LOWER, DAY, "attacker exchanges served by {provider}",
           "Operator requests served by provider {provider}; the providers sum to `attacker_served`."),
        _o("legit_requested", SAMPLE_EXCHANGES, NONE, DAY, "legitimate exchanges requested (sample)",
           "Requests of the sampled legitimate accounts, unweighted."),
        _o("legit_served", SAMPLE_EXCHANGES, NONE, DAY, "legitimate exchanges served (sample)",
           "Served requests of the sampled legitimate accounts, unweighted."),
        _o("legit_refused", SAMPLE_EXCHANGES, LOWER, DAY, "legitimate exchanges refused (sample)",
           "Refused requests of the sampled legitimate accounts, unweighted."),
    )),
    Mechanism("campaign", "The campaign's progress and the operators' fleets.", (
        _o("attacker_harvested_cum", EXCHANGES, LOWER, TO_DATE, "harvest to date",
           "Exchanges served to the operators so far."),
        _o("attacker_accounts_created_cum", ACCOUNTS, HIGHER, TO_DATE, "attacker accounts created to date",
           "Accounts the operators opened so far."),
        _o("attacker_accounts_active", ACCOUNTS, NONE, END_OF_DAY, "attacker accounts active",
           "Operator accounts online at the day's end."),
        _o("attacker_accounts_banned", ACCOUNTS, HIGHER, DAY, "attacker accounts banned", "Operator accounts banned that day."),
        _o("attacker_spend_cum_usd", USD, HIGHER, TO_DATE, "attacker spend to date", "The operators' spend so far."),
    )),
    Mechanism("collateral", "Legitimate users' traffic weighted to the real population, and the harm done to them.", (
        _o("legit_requested_real", REAL_EXCHANGES, NONE, DAY, "legitimate exchanges requested",
           "Legitimate requests, weighted to real exchanges."),
        _o("legit_served_real", REAL_EXCHANGES, NONE, DAY, "legitimate exchanges served",
           "Legitimate requests served, weighted to real exchanges."),
        _o("legit_refused_real", REAL_EXCHANGES, LOWER, DAY, "legitimate exchanges refused",
           "Legitimate requests refused, weighted to real exchanges."),
        _o("legit_users_wrongly_banned", REAL_USERS, LOWER, DAY, "legitimate users wrongly banned",
           "Sampled legitimate accounts banned that day, weighted to real users."),
        _o("legit_users_wrongly_banned_expected", REAL_USERS, LOWER, DAY, "legitimate users wrongly banned, expected",
           "Expected wrongful bans that day (as the metric of the same name)."),
        _o("legit_flags_expected", REAL_ACCOUNTS, LOWER, DAY, "legitimate accounts flagged, expected",
           "Expected legitimate accounts the detector sent to review that day (real accounts not already waiting in review x their flag probability)."),
        _o("legit_signups_lost_cum", REAL_USERS, LOWER, TO_DATE, "legitimate sign-ups lost to date",
           "Real users lost at sign-up so far."),
    )),
    Mechanism("review", "The providers' human review.", (
        _o("reviews_done_cum", REVIEWS, LOWER, TO_DATE, "human reviews to date", "Human reviews carried out so far."),
        _o("review_queue_length", ACCOUNTS, NONE, END_OF_DAY, "review queue", "Accounts waiting for review."),
    )),
    Mechanism("market", "The black market's price, capacity and sales at the target provider's tier.", (
        _o("market_enforcement_index", BAN_RATE, NONE, END_OF_DAY, "enforcement index",
           "The lagged, smoothed ban rate of operator accounts the suppliers answer."),
        _o("market_identity_price_usd", USD_PER_IDENTITY, HIGHER, END_OF_DAY, "identity price",
           "Today's identity price at the target provider's tier."),
        _o("market_identity_capacity", IDENTITIES_PER_DAY, LOWER, END_OF_DAY, "identity capacity",
           "Today's identity capacity at the target provider's tier."),
        _o("market_identities_bought", IDENTITIES, NONE, DAY, "identities bought", "Identities bought that day, all tiers."),
        _o("market_identity_spend_usd", USD, HIGHER, DAY, "identity spend", "What the operators paid for identities that day."),
    ), present="`costs.market.enabled`"),
    Mechanism("ready_accounts", "Ready-made verified accounts on the market, at the target provider's tier.", (
        _o("market_ready_account_price_usd", USD_PER_ACCOUNT, HIGHER, END_OF_DAY, "ready-made account price",
           "Today's price of a ready-made account."),
        _o("market_ready_account_capacity", ACCOUNTS_PER_DAY, LOWER, END_OF_DAY, "ready-made account capacity",
           "Today's supply of ready-made accounts."),
        _o("market_ready_accounts_bought", ACCOUNTS, NONE, DAY, "ready-made accounts bought",
           "Ready-made accounts bought that day."),
        _o("market_ready_account_spend_usd", USD, HIGHER, DAY, "ready-made account spend",
           "What the operators paid for ready-made accounts that day."),
    ), present="`costs.market.enabled` and `costs.market.ready_accounts.enabled`"),
    Mechanism("reverification", "Re-verification on a flag.", (
        _o("reverification_requests_cum", REAL_ACCOUNTS, NONE, TO_DATE, "re-verification requests to date",
           "Real accounts asked to re-verify so far."),
        _o("reverification_attacker_closed_cum", ACCOUNTS, HIGHER, TO_DATE, "attacker accounts closed to date",
           "Operator accounts closed for failing re-verification so far."),
        _o("legit_lost_to_reverification_cum", REAL_USERS, LOWER, TO_DATE, "legitimate users lost to date",
           "Legitimate users lost to re-verification so far (at the start and on a flag)."),
    ), present="`policy.identity_gating.reverify_on_flag`"),
    Mechanism("resellers", "Resellers' mixed traffic and the operators' routing.", (
        _o("reseller_legit_requested_cum", REAL_EXCHANGES, NONE, TO_DATE, "reseller customers' exchanges requested",
           "Exchanges the resellers' customers requested so far."),
        _o("reseller_legit_refused_cum", REAL_EXCHANGES, LOWER, TO_DATE, "reseller customers' exchanges refused",
           "Exchanges of the resellers' customers refused so far."),
        _o("reseller_operator_served_cum", EXCHANGES, LOWER, TO_DATE, "operator exchanges served by resellers",
           "Operator exchanges the resellers got served so far."),
        _o("reseller_accounts_banned_cum", ACCOUNTS, NONE, TO_DATE, "reseller accounts banned", "Reseller accounts banned so far."),
        _o("legit_users_cut_off_by_reseller_bans_cum", REAL_USERS, LOWER, TO_DATE, "reseller customers cut off",
           "Real customers on banned reseller accounts so far."),
        _o("attacker_route_share", SHARE, NONE, END_OF_DAY, "route share",
           "Share of their demand the operators route through resellers: the mean of the operators' shares "
           "weighted by their targets."),
    ), present="`scenario.resellers.enabled`"),
    Mechanism("attribution", "Progress towards attribution (`policy.attribution`): the largest linked cluster of banned "
              "accounts that is an operator's; the campaign is attributed the first day it reaches `min_cluster`, so "
              "the day for any other cluster size can be read from the series.", (
        _f("attribution_cluster_{provider}", ACCOUNTS, HIGHER, TO_DATE, "largest operator cluster banned by {provider}",
           "Accounts in the largest linked cluster of accounts provider {provider} banned so far that is an operator's."),
        _o("consortium_attribution_cluster", ACCOUNTS, HIGHER, TO_DATE, "largest operator cluster, consortium",
           "The largest operator's cluster in any view of the consortium (as `days_to_attribution`): pooled over the "
           "sharing participants when sharing is on, each provider's own otherwise."),
    )),
)


# --------------------------------------------------------------------------- lookup


def names(registry: Iterable[Mechanism], dimensions: Mapping[str, Sequence[str]]) -> list[str]:
    """Every name a registry declares, families expanded over ``dimensions``."""
    return [o.name for m in registry for o in m.expand(dimensions)]


def find(name: str, registry: Iterable[Mechanism] = MECHANISMS) -> Outcome | None:
    """The declaration of ``name`` (a member of a family included), or None if undeclared.

    A name both declared on its own and matching a family is the former; one matching
    several families belongs to the most specific (the longest literal pattern).
    """
    best: tuple[int, Outcome] | None = None
    for m in registry:
        for d in m.outputs:
            if isinstance(d, Outcome):
                if d.name == name:
                    return d
                continue
            value = d.match(name)
            if value is not None and (best is None or d.literal > best[0]):
                best = (d.literal, d.member(value))
    return best[1] if best else None


def get(name: str, registry: Iterable[Mechanism] = MECHANISMS) -> Outcome:
    """The declaration of ``name``; an undeclared name is an error."""
    found = find(name, registry)
    if found is None:
        raise KeyError(f"outcome {name!r} is not declared in sim/record/outcomes.py")
    return found


def column_metadata(columns: Iterable[str], registry: Iterable[Mechanism]) -> dict[str, dict[str, str]]:
    """Parquet field metadata (unit, description, direction, scope) of every declared column."""
    registry = tuple(registry)
    out = {}
    for c in columns:
        found = find(str(c), registry)
        if found is not None:
            out[str(c)] = found.field_metadata()
    return out


# --------------------------------------------------------------------------- docs/outcomes.md


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _table(mechanism: Mechanism) -> list[str]:
    lines = ["| name | unit | better | scope | description |", "|---|---|---|---|---|"]
    for d in mechanism.outputs:
        name = d.name if isinstance(d, Outcome) else d.pattern
        cells = [f"`{name}`", d.unit or "–", d.direction, d.scope, _cell(d.description)]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def render() -> str:
    """``docs/outcomes.md``: every outcome and daily series, by mechanism."""
    lines = [
        "# Outcomes",
        "",
        "Generated from `sim/record/outcomes.py` by `python -m sim.record.outcomes > docs/outcomes.md`; "
        "do not edit by hand (a test checks it is up to date).",
        "",
        "Every key of a run's `metrics.json` and every column of its `daily.parquet` is declared once, "
        "with its unit, the direction that is better for the defender and the period it covers. The "
        "Parquet files carry the unit and description of each column as field metadata.",
        "",
        "- **better**: " + "; ".join(f"`{d}`: {DIRECTION_TEXT[d]}" for d in DIRECTIONS) + ".",
        "- **scope** of a metric: " + "; ".join(f"`{s}`: {SCOPE_TEXT[s]}" for s in OUTCOME_SCOPES)
        + "; of a daily value: " + "; ".join(f"`{s}`: {SCOPE_TEXT[s]}" for s in DAILY_SCOPES) + ".",
        "- Legitimate users are a weighted sample: their counts are scaled to the real population (units "
        "`real users`, `real exchanges`; `sampled exchanges` are not), and rates per 100k are per 100,000 "
        "real users of all providers.",
        "",
        "A name with a placeholder is a family, one outcome per member:",
        "",
        *[f"- `{{{k}}}`: {v}." for k, v in DIMENSIONS.items()],
        "",
        "## metrics.json",
        "",
        "Every key is present in every run; a mechanism that is off reports zeros (or its neutral value).",
        "",
    ]
    for m in MECHANISMS:
        lines += [f"### {m.name}", "", m.description, "", *_table(m), ""]
    lines += ["## daily.parquet", "", "One row per simulated day.", ""]
    for m in DAILY:
        when = f" Present only with {m.present}." if m.present else ""
        lines += [f"### {m.name}", "", m.description + when, "", *_table(m), ""]
    return "\n".join(lines).rstrip("\n") + "\n"


def main() -> None:
    """Print ``docs/outcomes.md``."""
    print(render(), end="")


if __name__ == "__main__":
    main()
