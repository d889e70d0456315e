"""The population branch (``population``): the weighted sample of legitimate users."""

from __future__ import annotations

from dataclasses import dataclass, field

from omegaconf import MISSING

from .fields import SETTING, UNCERTAINTY, between, count, declared, nonneg, prob


@dataclass
class SegmentSpec:
    """One segment of legitimate users (casual, developer, API business, evaluator).

    The segments' values come from ``conf/population/``; their plausible ranges here span
    every segment's value unless a field's description says otherwise.
    """

    name: str = declared(MISSING, role=SETTING, doc="Segment name (labels and random streams).")
    population_share: float = prob(0.25, role=UNCERTAINTY, plausible=(0.0, 0.9), source="A",
                                   doc="Share of the real users in this segment; the shares sum to 1.")
    sample_share: float = prob(
        0.25, role=SETTING, doc="Share of the simulated sample in this segment (stratification: changes the "
                                "precision, not the answer).")
    demand_median: float = between(5.0, 0.0, 1e6, role=UNCERTAINTY, plausible=(2.0, 100.0), source="A",
                                   doc="Median exchanges per active day (CALIBRATION: median 5 for chat users).")
    demand_sigma: float = nonneg(1.3, 10.0, role=UNCERTAINTY, plausible=(0.8, 1.8), source="A",
                                 doc="Sigma of the lognormal body of daily demand; range chosen here.")
    demand_tail_alpha: float = nonneg(
        0.0, 100.0, role=UNCERTAINTY, plausible=(1.1, 2.5), source="A",
        doc="Index of the Pareto tail of daily demand; 0 = no tail (lognormal only). The range is for the "
            "heavy-tailed segments (API and agent users, 1.5 by default); analyses set it on those only.")
    active_day_prob: float = prob(0.3, role=UNCERTAINTY, plausible=(0.1, 0.95), source="A",
                                  doc="Probability that a user is active on a given day.")
    coding_share: float = prob(
        0.4, role=UNCERTAINTY, plausible=(0.2, 0.9), source="A",
        doc="Coding share of the segment's traffic; segments spread around the population's ~0.40 "
            "(C/R Economic Index: 0.33-0.50).")
    template_reuse: float = prob(
        0.05, role=UNCERTAINTY, plausible=(0.01, 0.5), source="A",
        doc="Prompt-template reuse of the segment's traffic (CALIBRATION: 0.05-0.40 of users carry a widely shared "
            "template).")
    cot_share: float = prob(0.05, role=UNCERTAINTY, plausible=(0.01, 0.3), source="A",
                            doc="Chain-of-thought elicitation share of the segment's traffic; range chosen here.")
    timing_regularity: float = prob(
        0.1, role=UNCERTAINTY, plausible=(0.05, 0.9), source="A",
        doc="Timing regularity of the segment's traffic (C: 0.77 of API interactions are automated).")
    vpn_share: float = prob(
        0.28, role=UNCERTAINTY, plausible=(0.20, 0.35), source="R",
        doc="Share of the segment's users on a VPN (surveys: 26-31%). The range is the population-wide share, the "
            "casual segment's value; analyses scale every segment's share with it.")
    shared_template_share: float = prob(
        0.1, role=UNCERTAINTY, plausible=(0.05, 0.6), source="A",
        doc="Share of the segment's users whose requests carry a widely shared prompt template (agent frameworks, "
            "coding tools, evaluation harnesses): CALIBRATION 0.15 of all users (0.05-0.40), more of the API "
            "businesses and evaluators (the API's automated share is 0.77, C), fewer casual users.")
    cgnat_share: float = prob(0.25, role=UNCERTAINTY, plausible=(0.10, 0.50), source="A",
                              doc="Share of the segment's users behind CGNAT or other shared addresses (CGNAT "
                                  "at ~10% of fixed ISPs, far more on mobile). The range is the population-wide "
                                  "share, the casual segment's value.")


@dataclass
class ReviewBackground:
    """The legitimate review load of one provider, for a run without legitimate users.

    On day ``d``, ``day_scale[d] x accounts_per_day[j]`` real legitimate accounts join the provider's review
    queue at priority ``priority[j]`` (bins of the flagged legitimate accounts' priorities),
    competing with the operators' accounts for the review capacity as the population's
    would. The load that bans set off is not a constant: after each day's bans,
    ``per_spread`` real legitimate accounts per row whose ban spreads join at the link
    priority (``policy.review.link_priority``), as link analysis queues the legitimate
    users who share a banned account's indicators. Measured from the reference population
    under the status quo by ``experiments/review_background.py``; it stands in for the
    population only while the detector's and link analysis' settings are those it was
    measured under (docs/model.md).
    """

    provider: int = count(0, 0, 1000, role=SETTING, doc="Provider index whose queue the load joins.")
    priority: list[float] = between(None, -50.0, 50.0, default_factory=list, role=SETTING, source="E",
                                    doc="Priorities of the bins (review priority of a flagged legitimate account).")
    accounts_per_day: list[float] = nonneg(None, 1e9, default_factory=list, role=SETTING, source="E",
                                           doc="Real legitimate accounts flagged per day in each bin.")
    per_spread: float = nonneg(0.0, 1e6, role=SETTING, source="E",
                               doc="Real legitimate accounts link analysis queues per row whose ban spreads.")
    day_scale: list[float] = nonneg(None, 1e3, default_factory=list, role=SETTING, source="E",
                                    doc="The day's load as a multiple of accounts_per_day, day by day from the start "
                                        "(the last value holds after; empty: 1 every day): the population's flags "
                                        "fall as its accumulated evidence settles.")


@dataclass
class PopulationConfig:
    """The weighted sample of legitimate users standing for the real population."""

    name: str = declared(MISSING, role=SETTING, doc="Population preset name.")
    sample_size: int = count(250_000, 0, 2 * 10**7, role=SETTING,
                             doc="Legitimate accounts simulated (changes the precision, never the answer); at most "
                                 "20M (~6 GiB at the ~0.3 KiB per account the scaling benchmark measures, docs/benchmark.md).")
    signup_rate_per_day: float = prob(0.002, role=UNCERTAINTY, plausible=(0.0005, 0.005), source="A",
                                      doc="New sign-ups per day, as a share of users; range chosen here.")
    users_per_shared_exit: float = between(20.0, 1.0, 1e6, role=UNCERTAINTY, plausible=(5.0, 100.0), source="A",
                                           doc="Users behind one CGNAT or VPN exit; range chosen here.")
    reconnect_prob: float = prob(
        0.5, role=UNCERTAINTY, plausible=(0.2, 0.9), source="A",
        doc="Daily probability that a user whose requests were refused changes exit (turns off the VPN, "
            "reconnects); range chosen here.")
    proxy_exit_legit_overlap: float = prob(
        0.1, role=UNCERTAINTY, plausible=(0.01, 0.5), source="A",
        doc="Probability that a residential or mobile proxy exit is a real user's address (proxies run on consumer "
            "connections).")
    daily_cycle_amplitude: float = prob(0.5, role=UNCERTAINTY, plausible=(0.2, 0.8), source="A",
                                        doc="Peak-to-mean ratio of the sinusoidal daily cycle of legitimate demand; "
                                            "range chosen here.")
    segments: list[SegmentSpec] = field(default_factory=list)
    review_background: list[ReviewBackground] = field(default_factory=list)
    shared_templates: int = count(
        20, 1, 10**6, role=UNCERTAINTY, plausible=(5, 100), source="A",
        doc="Widely shared templates per segment (its popular frameworks or harnesses): each is carried by "
            "shared_template_share x the segment's real users / this of them; range chosen here.")
    shared_template_reuse: float = prob(
        0.6, role=UNCERTAINTY, plausible=(0.3, 0.9), source="A",
        doc="Mean template reuse of a user whose requests carry a shared template (the template is in every "
            "request), at least the segment's own; range chosen here.")
    shared_template_timing: float = prob(
        0.5, role=UNCERTAINTY, plausible=(0.2, 0.9), source="A",
        doc="Mean timing regularity of a user whose requests carry a shared template (a framework sends them), at "
            "least the segment's own; range chosen here.")
    daily_cycle_peak_hour: int = count(
        15, 0, 23, role=UNCERTAINTY, plausible=(12, 20), source="A",
        doc="Hour of the day (UTC) at which the daily cycle of legitimate demand peaks (mid-afternoon).")
    trait_concentration: float = between(
        10.0, 0.01, 1e4, role=UNCERTAINTY, plausible=(3.0, 50.0), source="A",
        doc="How closely users' traffic traits keep to their segment's means: each user's trait is "
            "Beta(m k, (1 - m) k) around the mean m, k this value; also the resellers' customers'.")
    account_age_max_days: float = nonneg(
        365.0, 3650.0, role=UNCERTAINTY, plausible=(90.0, 1095.0), source="A",
        doc="Existing accounts' ages at the start are uniform on [0, this] days (users' and resellers' accounts; "
            "the detector's young-account feature reads the age).")
