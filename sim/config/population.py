"""The population branch (``population``): the weighted sample of legitimate users."""

from __future__ import annotations

from dataclasses import dataclass, field

from omegaconf import MISSING

from .fields import between, count, nonneg, prob


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


