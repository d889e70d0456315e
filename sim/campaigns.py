"""Repeated campaigns by one actor, simulated: sanctions between campaigns.

:func:`sim.world.sanctions.horizon` gives the expected harvest of ``scenario.campaigns``
successive campaigns in closed form from one run. This module simulates the
same path instead, one simulator run per campaign:

    for k = 0 .. K-1 (campaign k starts on day k x interval):
        in_force_k = some earlier campaign j that ran was designated, and j x interval + W + L <= k x interval
        if in_force_k and u_k < propensity_cut:  skip campaign k (harvest 0)
        else: run it (budget x (1 - budget_cut) if in_force_k); designated_k = v_k < probability_per_campaign

with W the window (days), L the designation lag; ``u_k``, ``v_k`` drawn per
campaign on the named stream ``sanctions`` of the root seed (the stream the
in-run mechanism uses for its one draw). Inside each campaign's run the in-run
mechanism is switched off, so a designation acts once, between campaigns;
with the stated lag (210 days) it could not land inside a 45-day window anyway.

Every decision of the path comes from the root seed's draws, none from a
campaign's outcome, so the path is planned before anything runs
(:func:`plan_campaigns`) and its campaigns are independent runs: in sequence
here (:func:`simulate_campaigns`), or as ordinary points of a sweep
(:func:`campaign_overrides`, ``experiments/repeated_campaigns.py``), their
metrics then combined into the path (:func:`combine`).

Campaign 0 runs with the root seed itself (it is exactly the single run of
that seed); campaign k > 0 with a seed derived from the root seed and k. The
closed form is exact under this model, so the simulated mean over seeds must
agree with it within sampling error (``tests/test_repeated_campaigns.py``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .config import SimConfig, window_days
from .world.sanctions import horizon
from .world.streams import Streams

if TYPE_CHECKING:  # the runner (and the model) are imported only where a campaign is simulated
    from .runner import RunResult


@dataclass(frozen=True)
class PlannedCampaign:
    """One campaign of a path as the root seed's draws decide it, before it runs."""

    index: int
    start_day: float
    seed: int | None  # None: skipped, not run
    designation_in_force: bool
    budget_factor: float  # the operators' budgets are multiplied by this
    designated: bool  # this campaign's own attribution leads to a designation

    @property
    def skipped(self) -> bool:
        """The campaign does not happen (the actor stays away under a designation)."""
        return self.seed is None


@dataclass(frozen=True)
class Campaign(PlannedCampaign):
    """One campaign of the path, and what its run gave (nothing for a skipped one)."""

    budget_usd: float
    harvested: int
    cost_usd: float


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


def plan_campaigns(cfg: SimConfig) -> list[PlannedCampaign]:
    """The path's decisions for ``cfg.seed``: which campaigns run, under a designation or not.

    Args:
        cfg: a validated config; ``policy.sanctions`` sets the lag, probability and cuts
            (off: every campaign runs at full budget).
    """
    sc = cfg.scenario
    s = cfg.policy.sanctions
    k_max = sc.campaigns
    w = window_days(cfg)
    draws = Streams(cfg.seed).generator("sanctions").random((k_max, 2))  # (designation, propensity) per campaign
    designated_at: list[float] = []  # days from which a designation is in force
    out: list[PlannedCampaign] = []
    for k in range(k_max):
        start = k * sc.campaign_interval_days
        in_force = s.enabled and any(day <= start for day in designated_at)
        factor = 1.0 - s.budget_cut if in_force else 1.0
        if in_force and bool(draws[k, 1] < s.propensity_cut):
            out.append(PlannedCampaign(k, start, None, True, factor, False))
            continue
        designated = s.enabled and bool(draws[k, 0] < s.probability_per_campaign)
        if designated:
            designated_at.append(start + w + s.designation_lag_days)
        out.append(PlannedCampaign(k, start, campaign_seed(cfg.seed, k), in_force, factor, designated))
    return out


def campaign_config(cfg: SimConfig, campaign: PlannedCampaign) -> SimConfig:
    """One campaign's run: one campaign, in-run sanctions off, its seed, the operators' budgets scaled."""
    if campaign.seed is None:
        raise ValueError(f"campaign {campaign.index} of seed {cfg.seed} is skipped: it has no run")
    sc = cfg.scenario
    ops = [dataclasses.replace(op, budget_usd=op.budget_usd * campaign.budget_factor) for op in sc.operators]
    scenario = dataclasses.replace(sc, campaigns=1, operators=ops)
    policy = dataclasses.replace(cfg.policy, sanctions=dataclasses.replace(cfg.policy.sanctions, enabled=False))
    return dataclasses.replace(cfg, seed=campaign.seed, scenario=scenario, policy=policy)


def campaign_overrides(cfg: SimConfig, campaign: PlannedCampaign) -> list[str]:
    """:func:`campaign_config` but the seed, as command-line overrides after the ones that composed ``cfg``.

    With ``seed=<campaign.seed>`` they make a sweep point that runs the campaign as a
    plain run; without the seed they are the same for every campaign with the same
    budget, so a sweep passes those campaigns' seeds as one axis.
    """
    out = ["scenario.campaigns=1", "policy.sanctions.enabled=false"]
    if campaign.budget_factor != 1.0:
        ops = campaign_config(cfg, campaign).scenario.operators
        out += [f"scenario.operators.{i}.budget_usd={op.budget_usd!r}" for i, op in enumerate(ops)]
    return out


def combine(cfg: SimConfig, plan: Sequence[PlannedCampaign], metrics: Sequence[Mapping | None]) -> CampaignPath:
    """The path from its plan and each campaign's metrics (``None`` for a skipped campaign).

    Only ``exchanges_harvested`` and ``attacker_cost_usd`` are read; the closed form
    beside the path is computed from campaign 0's.
    """
    if len(metrics) != len(plan):
        raise ValueError(f"metrics for {len(metrics)} campaigns; the plan has {len(plan)}")
    budget = sum(op.budget_usd for op in cfg.scenario.operators)
    out: list[Campaign] = []
    for c, m in zip(plan, metrics, strict=True):
        if c.skipped:
            out.append(Campaign(**vars(c), budget_usd=budget * c.budget_factor, harvested=0, cost_usd=0.0))
            continue
        if m is None:
            raise ValueError(f"campaign {c.index} of seed {cfg.seed} ran (seed {c.seed}) but has no metrics")
        out.append(Campaign(**vars(c), budget_usd=budget * c.budget_factor, harvested=int(m["exchanges_harvested"]),
                            cost_usd=float(m["attacker_cost_usd"])))
    first = out[0]
    closed = horizon(cfg, float(first.harvested), first.cost_usd, window_days(cfg))
    return CampaignPath(out, sum(c.harvested for c in out), closed)


def simulate_campaigns(cfg: SimConfig, runner: Callable[[SimConfig], RunResult] | None = None) -> CampaignPath:
    """Run ``cfg.scenario.campaigns`` campaigns in sequence with designations between them.

    Args:
        cfg: a validated config; ``policy.sanctions`` sets the lag, probability and cuts
            (off: every campaign runs at full budget).
        runner: how one campaign is simulated (default ``sim.runner.run``; tests may pass a stand-in).
    """
    if runner is None:
        from .runner import run as runner
    plan = plan_campaigns(cfg)
    return combine(cfg, plan, [None if c.skipped else runner(campaign_config(cfg, c)).metrics for c in plan])
