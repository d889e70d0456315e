"""Repeated campaigns by one actor, simulated: sanctions between campaigns.

:func:`sim.world.sanctions.horizon` gives the expected harvest of ``scenario.campaigns``
successive campaigns in closed form from one run. This module simulates the
same path instead, one simulator run per campaign, in sequence:

    for k = 0 .. K-1 (campaign k starts on day k x interval):
        in_force_k = some earlier campaign j that ran was designated, and j x interval + W + L <= k x interval
        if in_force_k and u_k < propensity_cut:  skip campaign k (harvest 0)
        else: run it (budget x (1 - budget_cut) if in_force_k); designated_k = v_k < probability_per_campaign

with W the window (days), L the designation lag; ``u_k``, ``v_k`` drawn per
campaign on the named stream ``sanctions`` of the root seed (the stream the
in-run mechanism uses for its one draw). Inside each campaign's run the in-run
mechanism is switched off, so a designation acts once, between campaigns;
with the stated lag (210 days) it could not land inside a 45-day window anyway.

Campaign 0 runs with the root seed itself (it is exactly the single run of
that seed); campaign k > 0 with a seed derived from the root seed and k. The
closed form is exact under this model, so the simulated mean over seeds must
agree with it within sampling error (``tests/test_repeated_campaigns.py``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass

from .config import SimConfig, window_days
from .runner import RunResult, run
from .world.sanctions import horizon
from .world.streams import Streams


@dataclass(frozen=True)
class Campaign:
    """One campaign of the path."""

    index: int
    start_day: float
    seed: int | None  # None: skipped, not run
    designation_in_force: bool
    skipped: bool
    budget_usd: float
    harvested: int
    cost_usd: float
    designated: bool  # this campaign's own attribution led to a designation


@dataclass(frozen=True)
class CampaignPath:
    """The simulated path of ``scenario.campaigns`` campaigns, and the closed form beside it."""

    campaigns: list[Campaign]
    harvested: int  # summed over the campaigns
    closed_form: dict  # sim.world.sanctions.horizon from campaign 0's harvest and cost

    @property
    def reduction_share(self) -> float:
        """Share of the unsanctioned horizon (campaign 0's harvest x K) the path lost."""
        base = self.closed_form["horizon_exchanges_no_sanctions"]
        return 1.0 - self.harvested / base if base > 0 else 0.0


def campaign_seed(seed: int, k: int) -> int:
    """Seed of campaign ``k``: the root seed for the first, a derived one after."""
    if k == 0:
        return seed
    return int(Streams(seed).seed_sequence(f"campaign/{k}").generate_state(1)[0])


def _campaign_config(cfg: SimConfig, seed: int, budget_factor: float) -> SimConfig:
    """One campaign's run: one campaign, in-run sanctions off, the operators' budgets scaled."""
    sc = cfg.scenario
    ops = [dataclasses.replace(op, budget_usd=op.budget_usd * budget_factor) for op in sc.operators]
    scenario = dataclasses.replace(sc, campaigns=1, operators=ops)
    policy = dataclasses.replace(cfg.policy, sanctions=dataclasses.replace(cfg.policy.sanctions, enabled=False))
    return dataclasses.replace(cfg, seed=seed, scenario=scenario, policy=policy)


def simulate_campaigns(cfg: SimConfig, runner: Callable[[SimConfig], RunResult] = run) -> CampaignPath:
    """Run ``cfg.scenario.campaigns`` campaigns in sequence with designations between them.

    Args:
        cfg: a validated config; ``policy.sanctions`` sets the lag, probability and cuts
            (off: every campaign runs at full budget).
        runner: how one campaign is simulated (``sim.runner.run``; tests may pass a stand-in).
    """
    sc = cfg.scenario
    s = cfg.policy.sanctions
    k_max = sc.campaigns
    w = window_days(cfg)
    draws = Streams(cfg.seed).generator("sanctions").random((k_max, 2))  # (designation, propensity) per campaign
    designated_at: list[float] = []  # days from which a designation is in force
    out: list[Campaign] = []
    for k in range(k_max):
        start = k * sc.campaign_interval_days
        in_force = s.enabled and any(day <= start for day in designated_at)
        skipped = in_force and bool(draws[k, 1] < s.propensity_cut)
        factor = 1.0 - s.budget_cut if in_force else 1.0
        budget = sum(op.budget_usd for op in sc.operators) * factor
        if skipped:
            out.append(Campaign(k, start, None, True, True, budget, 0, 0.0, False))
            continue
        seed = campaign_seed(cfg.seed, k)
        m = runner(_campaign_config(cfg, seed, factor)).metrics
        designated = s.enabled and bool(draws[k, 0] < s.probability_per_campaign)
        if designated:
            designated_at.append(start + w + s.designation_lag_days)
        out.append(Campaign(k, start, seed, in_force, False, budget, int(m["exchanges_harvested"]),
                            float(m["attacker_cost_usd"]), designated))
    first = out[0]
    closed = horizon(cfg, float(first.harvested), first.cost_usd, w)
    return CampaignPath(out, sum(c.harvested for c in out), closed)
