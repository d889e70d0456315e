"""Naive reference: the account process written the way most Mesa models are written.

Why it exists: the benchmark (``experiments/benchmark.py``) reports how much
faster the columnar engine in ``sim/`` is than the obvious implementation of
the same process, so that the design choice (an account table instead of one
Python object per account, DESIGN.md principle 3) is measured, not asserted.

What it simulates, per account and per hour, with one ``mesa.Agent`` per
account and ``model.agents.shuffle_do("step")`` as the schedule:

* **Exchanges**: each active account draws this hour's exchanges from a
  Poisson distribution with Python-level ``random`` calls (Knuth's method; a
  normal approximation above a mean of 30). Attacker accounts send at
  ``attacker_pace_per_day / 24`` per hour; a legitimate user is active on a day
  with its segment's probability and then sends at its own daily rate shaped
  by a sinusoidal daily cycle.
* **Geo/proxy filter**: an account whose exit is matched has all its requests
  refused; an attacker rotates to a new exit the day after a refusal, a
  legitimate user reconnects without the VPN with probability
  ``reconnect_prob``.
* **Detection and bans** at the day's last hour: every account computes its
  behavioural score (volume, coding share, template reuse, chain-of-thought
  share, timing regularity, account youth, matched exit; the default weights
  of ``sim.config.DetectorWeights``) plus noise; a flagged account is
  reviewed with probability ``review_share`` (a stand-in for review capacity)
  and banned if its review score passes ``review_threshold``.
* **Replacement**: each banned attacker account is removed and replaced by a
  new ``Agent`` that comes online after ``replacement_lead_hours``; banned
  legitimate users leave, and new users sign up at ``signup_rate_per_day``.

The rates roughly match the reference scenario (~25,000 attacker accounts at
~26 exchanges per day; a legitimate sample the size of ``population=default``
with a few exchanges per day on average); the numbers are not meant to match
``sim`` exactly, only the work per account per tick. There is no numpy inside
the model and no deliberate slowness either: per-account constants (the
Poisson threshold of an attacker account, the weights) are precomputed where a
competent Mesa modeller would precompute them.
"""

from __future__ import annotations

import argparse
import math
import random
import time
from dataclasses import dataclass

import mesa

HOURS_PER_DAY = 24
NORMAL_APPROX_MEAN = 30.0  # above this hourly mean, Knuth's method is replaced by a normal draw
ACCOUNT_AGE_MAX_DAYS = 365.0  # existing users' account ages are uniform on [0, this]
TRAIT_CONCENTRATION = 10.0  # Beta(m*k, (1-m)*k) spread of a user's traits around the segment mean


@dataclass(frozen=True)
class Segment:
    """A legitimate segment, with the values of ``conf/population/default.yaml``."""

    name: str
    sample_share: float
    demand_median: float
    demand_sigma: float
    demand_tail_alpha: float
    active_day_prob: float
    coding_share: float
    template_reuse: float
    cot_share: float
    timing_regularity: float
    vpn_share: float
    cgnat_share: float


DEFAULT_SEGMENTS: tuple[Segment, ...] = (
    Segment("casual", 0.55, 5.0, 1.3, 0.0, 0.25, 0.25, 0.02, 0.05, 0.05, 0.28, 0.25),
    Segment("developer", 0.25, 15.0, 1.0, 0.0, 0.6, 0.8, 0.05, 0.05, 0.15, 0.30, 0.15),
    Segment("api_business", 0.12, 50.0, 1.3, 1.5, 0.9, 0.5, 0.2, 0.05, 0.77, 0.05, 0.02),
    Segment("evaluator", 0.08, 40.0, 1.3, 1.5, 0.5, 0.5, 0.5, 0.3, 0.5, 0.20, 0.05),
)


@dataclass(frozen=True)
class Weights:
    """Detector weights: the defaults of ``sim.config.DetectorWeights``."""

    volume: float = 1.0
    coding: float = 0.5
    template: float = 2.0
    cot: float = 2.0
    timing: float = 1.0
    young: float = 0.5
    network: float = 0.5


@dataclass(frozen=True)
class NaiveParams:
    """Sizes and rates of the naive reference (defaults: the reference scenario, roughly)."""

    attacker_accounts: int = 25_000
    attacker_pace_per_day: float = 26.0
    attacker_traits: tuple[float, float, float, float] = (0.8, 0.6, 0.3, 0.8)  # coding, template, cot, timing
    # Share of attacker exits the geo filter matches: 0.7*0.2 + 0.2*0.05 + 0.1*0.9 (status quo, proxy mix).
    attacker_exit_match_prob: float = 0.24
    replacement_lead_hours: int = 48
    ramp_hours: int = 72  # the first fleet comes online over this many hours
    legit_accounts: int = 250_000
    segments: tuple[Segment, ...] = DEFAULT_SEGMENTS
    vpn_match_prob: float = 0.02
    cgnat_match_prob: float = 0.005
    reconnect_prob: float = 0.5
    signup_rate_per_day: float = 0.002
    daily_cycle_amplitude: float = 0.5
    weights: Weights = Weights()
    detect_threshold: float = 4.5  # conf/calibration/qwen_2026_wide_slow.yaml
    detect_noise_sd: float = 0.5
    review_share: float = 0.25  # share of flagged accounts reviewed (a stand-in for review capacity)
    review_threshold: float = 4.5
    review_noise_sd: float = 0.25
    start_hour: int = 0  # hour of day of the first tick (tests start at 22 to reach a day end in 2 ticks)
    seed: int = 0


@dataclass(frozen=True)
class NaiveResult:
    """What a naive run did and how long it took."""

    ticks: int
    build_seconds: float  # wall time
    step_seconds: float
    build_cpu_seconds: float  # CPU time of the process (less sensitive to a busy machine)
    step_cpu_seconds: float
    entity_hours: int  # sum over ticks of accounts active (online, not banned) in that tick
    attacker_exchanges: int
    legit_exchanges: int
    refused_exchanges: int
    attacker_bans: int
    legit_bans: int
    attacker_accounts_created: int
    legit_signups: int

    def extrapolated_seconds(self, total_ticks: int) -> float:
        """Build time plus the measured wall time per tick scaled to ``total_ticks``."""
        return self.build_seconds + self.step_seconds / self.ticks * total_ticks

    def extrapolated_cpu_seconds(self, total_ticks: int) -> float:
        """The same extrapolation in CPU time."""
        return self.build_cpu_seconds + self.step_cpu_seconds / self.ticks * total_ticks


def poisson(rng: random.Random, mean: float, threshold: float) -> int:
    """One Poisson draw with Python's ``random`` (Knuth; ``threshold = exp(-mean)``)."""
    if mean <= 0.0:
        return 0
    if mean > NORMAL_APPROX_MEAN:
        return max(0, int(rng.gauss(mean, math.sqrt(mean)) + 0.5))
    k = 0
    p = rng.random()
    while p > threshold:
        k += 1
        p *= rng.random()
    return k


class Account(mesa.Agent):
    """An account of either side: its exit, today's counters and its day-end check."""

    coding = template = cot = timing = 0.0

    def __init__(self, model: NaiveModel, created_at: float, active_from: int) -> None:
        super().__init__(model)
        self.created_at = created_at
        self.active_from = active_from
        self.exit_matched = False
        self.requested_today = 0
        self.served_today = 0
        self.refused_today = 0
        self.served_total = 0

    def serve(self, n: int) -> int:
        """Run ``n`` requests through the geo filter; returns the number refused."""
        self.requested_today += n
        if self.exit_matched:
            self.refused_today += n
            return n
        self.served_today += n
        self.served_total += n
        return 0

    def check_ban(self) -> None:
        """Day end: score this account, maybe review it, maybe ban it."""
        model = self.model
        p = model.params
        w = p.weights
        age_days = (model.tick - self.created_at) / HOURS_PER_DAY
        score = (
            w.volume * math.log10(1.0 + self.requested_today)
            + w.coding * self.coding
            + w.template * self.template
            + w.cot * self.cot
            + w.timing * self.timing
            + w.young * math.exp(-age_days / 30.0)
            + w.network * self.exit_matched
        )
        rng = self.random
        if score + rng.gauss(0.0, p.detect_noise_sd) <= p.detect_threshold:
            return
        if rng.random() >= p.review_share:
            return
        if score + rng.gauss(0.0, p.review_noise_sd) > p.review_threshold:
            model.banned_today.append(self)


class AttackerAccount(Account):
    """One of the operator's accounts."""

    is_attacker = True

    def __init__(self, model: NaiveModel, active_from: int) -> None:
        super().__init__(model, created_at=model.tick, active_from=active_from)
        self.coding, self.template, self.cot, self.timing = model.params.attacker_traits
        self.new_exit()

    def new_exit(self) -> None:
        """A fresh proxy exit, matched by the geo filter with the fleet's match probability."""
        self.exit_matched = self.random.random() < self.model.params.attacker_exit_match_prob

    def step(self) -> None:
        """One hour: start the day, send this hour's exchanges, check at day end."""
        model = self.model
        if model.tick < self.active_from:
            return
        model.active_this_tick += 1
        if model.hour == 0:
            if self.refused_today:
                self.new_exit()
            self.requested_today = self.served_today = self.refused_today = 0
        n = poisson(self.random, model.attacker_hourly_mean, model.attacker_poisson_threshold)
        if n:
            refused = self.serve(n)
            model.attacker_exchanges += n - refused
            model.refused_exchanges += refused
        if model.hour == HOURS_PER_DAY - 1:
            self.check_ban()


class LegitimateAccount(Account):
    """One legitimate user: a segment's demand, traits and network exit."""

    is_attacker = False

    def __init__(self, model: NaiveModel, segment: Segment, created_at: float) -> None:
        super().__init__(model, created_at=created_at, active_from=model.tick)
        rng = self.random
        self.segment = segment
        if segment.demand_tail_alpha > 0:
            x_m = segment.demand_median / 2.0 ** (1.0 / segment.demand_tail_alpha)
            self.rate = x_m * rng.paretovariate(segment.demand_tail_alpha)
        else:
            self.rate = rng.lognormvariate(math.log(segment.demand_median), segment.demand_sigma)
        self.coding = self._trait(segment.coding_share)
        self.template = self._trait(segment.template_reuse)
        self.cot = self._trait(segment.cot_share)
        self.timing = self._trait(segment.timing_regularity)
        u = rng.random()
        p = model.params
        if u < segment.vpn_share:
            self.exit_matched = rng.random() < p.vpn_match_prob
        elif u < segment.vpn_share + segment.cgnat_share:
            self.exit_matched = rng.random() < p.cgnat_match_prob
        self.active_today = rng.random() < segment.active_day_prob

    def _trait(self, mean: float) -> float:
        k = TRAIT_CONCENTRATION
        return self.random.betavariate(mean * k, (1.0 - mean) * k)

    def step(self) -> None:
        """One hour: start the day, send this hour's exchanges, check at day end."""
        model = self.model
        model.active_this_tick += 1
        hour = model.hour
        rng = self.random
        if hour == 0:
            if self.refused_today and rng.random() < model.params.reconnect_prob:
                self.exit_matched = False  # reconnects without the VPN
            self.requested_today = self.served_today = self.refused_today = 0
            self.active_today = rng.random() < self.segment.active_day_prob
        if self.active_today:
            mean = self.rate * model.cycle[hour]
            n = poisson(rng, mean, math.exp(-mean))
            if n:
                refused = self.serve(n)
                model.legit_exchanges += n - refused
                model.refused_exchanges += refused
        if hour == HOURS_PER_DAY - 1:
            self.check_ban()


class NaiveModel(mesa.Model):
    """Attacker and legitimate accounts as individual agents, activated in random order."""

    def __init__(self, params: NaiveParams) -> None:
        super().__init__(rng=params.seed)  # Mesa >= 3.5 deprecates seed=; rng= exists since 3.2
        self.params = params
        self.tick = 0
        self.hour = params.start_hour % HOURS_PER_DAY
        a = params.daily_cycle_amplitude
        w = [1.0 + a * math.sin(2 * math.pi * (h - 9) / HOURS_PER_DAY) for h in range(HOURS_PER_DAY)]
        self.cycle = [x / sum(w) for x in w]
        self.attacker_hourly_mean = params.attacker_pace_per_day / HOURS_PER_DAY
        self.attacker_poisson_threshold = math.exp(-self.attacker_hourly_mean)
        self.active_this_tick = 0
        self.entity_hours = 0
        self.attacker_exchanges = 0
        self.legit_exchanges = 0
        self.refused_exchanges = 0
        self.attacker_bans = 0
        self.legit_bans = 0
        self.attacker_accounts_created = 0
        self.legit_signups = 0
        self.banned_today: list[Account] = []
        for _ in range(params.attacker_accounts):
            self._open_attacker(self.random.randrange(params.ramp_hours) if params.ramp_hours else 0)
        max_age = ACCOUNT_AGE_MAX_DAYS * HOURS_PER_DAY
        for _ in range(params.legit_accounts):
            LegitimateAccount(self, self._draw_segment(), created_at=-self.random.uniform(0.0, max_age))

    def _open_attacker(self, active_from: int) -> None:
        AttackerAccount(self, active_from=active_from)
        self.attacker_accounts_created += 1

    def _draw_segment(self) -> Segment:
        segments = self.params.segments
        return self.random.choices(segments, weights=[s.sample_share for s in segments])[0]

    def step(self) -> None:
        """One hour: every account steps in random order; day end applies bans and sign-ups."""
        self.active_this_tick = 0
        self.agents.shuffle_do("step")
        self.entity_hours += self.active_this_tick
        if self.hour == HOURS_PER_DAY - 1:
            self._end_day()
        self.tick += 1
        self.hour = (self.hour + 1) % HOURS_PER_DAY

    def _end_day(self) -> None:
        p = self.params
        for account in self.banned_today:
            account.remove()
            if account.is_attacker:
                self.attacker_bans += 1
                self._open_attacker(self.tick + p.replacement_lead_hours)
            else:
                self.legit_bans += 1
        self.banned_today = []
        mean = p.signup_rate_per_day * p.legit_accounts
        new_users = max(0, int(self.random.gauss(mean, math.sqrt(mean)) + 0.5)) if mean > 0 else 0
        for _ in range(new_users):
            LegitimateAccount(self, self._draw_segment(), created_at=self.tick)
        self.legit_signups += new_users


def run_naive(params: NaiveParams, ticks: int) -> NaiveResult:
    """Build the naive model and step it ``ticks`` hours, timing both phases separately."""
    started, started_cpu = time.perf_counter(), time.process_time()
    model = NaiveModel(params)
    built, built_cpu = time.perf_counter(), time.process_time()
    for _ in range(ticks):
        model.step()
    finished, finished_cpu = time.perf_counter(), time.process_time()
    return NaiveResult(
        ticks=ticks,
        build_seconds=built - started,
        step_seconds=finished - built,
        build_cpu_seconds=built_cpu - started_cpu,
        step_cpu_seconds=finished_cpu - built_cpu,
        entity_hours=model.entity_hours,
        attacker_exchanges=model.attacker_exchanges,
        legit_exchanges=model.legit_exchanges,
        refused_exchanges=model.refused_exchanges,
        attacker_bans=model.attacker_bans,
        legit_bans=model.legit_bans,
        attacker_accounts_created=model.attacker_accounts_created,
        legit_signups=model.legit_signups,
    )


def main() -> None:
    """Run the naive reference once and print what it did and how long it took."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ticks", type=int, default=48, help="hours to simulate (default 48)")
    parser.add_argument("--attackers", type=int, default=NaiveParams.attacker_accounts)
    parser.add_argument("--legit", type=int, default=NaiveParams.legit_accounts)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--extrapolate-to", type=int, default=1080, help="ticks of a full run (default 1080)")
    args = parser.parse_args()
    params = NaiveParams(attacker_accounts=args.attackers, legit_accounts=args.legit, seed=args.seed)
    result = run_naive(params, args.ticks)
    for name, value in vars(result).items():
        print(f"{name:>28}: {value}")
    print(f"{'extrapolated_seconds':>28}: {result.extrapolated_seconds(args.extrapolate_to):.1f} ({args.extrapolate_to} ticks)")


if __name__ == "__main__":
    main()
