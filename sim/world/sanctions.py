"""Sanctions after attribution (H.R. 8283): designation of the attributed actor, with a lag.

Inside a run: each operator is designated with ``probability_per_campaign``
(one draw on its own stream, ``sanctions``), effective ``designation_lag_days``
after the campaign starts (S: report and Entity-List vote within 210 days). On
that day its remaining budget is cut by ``budget_cut``. With the stated lag
(210 days) and a 45-day window the day never comes: inside one campaign the
preset changes nothing, and the tests check exactly that.

Across campaigns (:func:`horizon`): the same actor runs ``scenario.campaigns``
campaigns, one every ``campaign_interval_days``, each like this run's. A
designation drawn for campaign ``j`` is in force from
``j x interval + window + lag``. Before the first designation every campaign
runs and is attributed independently, so the chance that campaign ``k`` starts
after a designation is exactly ``P_k = 1 - (1 - p)^(m_k)`` with ``m_k`` the
number of earlier campaigns whose designation would be in force by then. A
designated actor runs a campaign with probability ``1 - propensity_cut`` and a
budget cut by ``budget_cut``, which harvests
``f = (1 - propensity_cut) x min(1, (1 - budget_cut) x budget / cost of this run)``
of a full campaign. Expected harvest over the horizon:
``sum_k H x (1 - P_k + P_k f)``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np

from ..config import SanctionsConfig, SimConfig


class Designee(Protocol):
    """What a designation acts on: an actor whose remaining budget can be cut."""

    def cut_budget(self, share: float) -> None:
        """Lose ``share`` of the budget not yet spent."""


class Sanctions:
    """Designations inside one run: each actor is designated with ``probability_per_campaign``
    (one draw per actor on the ``sanctions`` stream), in force ``designation_lag_days`` after the
    campaign starts."""

    def __init__(self, cfg: SanctionsConfig, actors: Sequence[Designee], stream: np.random.Generator) -> None:
        self.cfg = cfg
        self.actors = list(actors)
        self.designated = [bool(stream.random() < cfg.probability_per_campaign) for _ in self.actors]
        self.designation_day: int | None = None

    def start_day(self, day: int) -> None:
        """Apply a designation whose lag has passed by ``day`` (once)."""
        if self.designation_day is not None or day < self.cfg.designation_lag_days:
            return
        for actor, designated in zip(self.actors, self.designated, strict=True):
            if designated:
                actor.cut_budget(self.cfg.budget_cut)
                self.designation_day = day


def horizon(cfg: SimConfig, harvested: float, cost: float, window_days: int) -> dict:
    """Expected exchanges over ``scenario.campaigns`` successive campaigns, with and without sanctions."""
    sc = cfg.scenario
    k_max = sc.campaigns
    base = harvested * k_max
    s = cfg.policy.sanctions
    if not s.enabled:
        return {"horizon_campaigns": k_max, "horizon_exchanges_expected": base,
                "horizon_exchanges_no_sanctions": base, "horizon_reduction_share": 0.0}
    budget = sum(op.budget_usd for op in sc.operators)
    f = (1.0 - s.propensity_cut) * (min(1.0, (1.0 - s.budget_cut) * budget / cost) if cost > 0 else 1.0)
    total = 0.0
    for k in range(k_max):
        start = k * sc.campaign_interval_days
        m = sum(1 for j in range(k) if j * sc.campaign_interval_days + window_days + s.designation_lag_days <= start)
        p_designated = 1.0 - (1.0 - s.probability_per_campaign) ** m
        total += harvested * (1.0 - p_designated + p_designated * f)
    return {"horizon_campaigns": k_max, "horizon_exchanges_expected": total,
            "horizon_exchanges_no_sanctions": base,
            "horizon_reduction_share": 1.0 - total / base if base > 0 else 0.0}
