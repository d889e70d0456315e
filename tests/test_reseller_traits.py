"""A reseller's accounts carry the traits of the operators whose traffic they carried,
each weighted by its share of the requests (not the first operator's, whoever routed)."""

from __future__ import annotations

import pytest

from sim.config import OperatorSpec
from sim.model import DistillationModel
from sim.world.calendar import HOURS_PER_DAY

from .conftest import ATTACKER_ONLY, cfg

WORLD = [
    *ATTACKER_ONLY,
    "policy=none",
    "scenario.end_date=2026-04-27",
    "scenario.resellers.enabled=true",
    "scenario.resellers.services=1",
    "scenario.resellers.accounts_per_reseller=10",
    "scenario.resellers.legit_customers=500",
    "scenario.resellers.legit_coding_share=0.0",  # the customers' coding share is exactly 0
    "attacker.resellers.base_share=0.5",
    "attacker.resellers.max_share=0.5",
]


def _operator(name: str, coding: float, target: int) -> OperatorSpec:
    """An operator whose traffic has coding share ``coding`` (coding + agentic of its mix)."""
    mix = {"coding": coding, "agentic": 0.0, "long_horizon": 0.0, "other": 1.0 - coding}
    return OperatorSpec(name=name, target_exchanges=target, budget_usd=1e8, provider_shares=[1.0, 0.0, 0.0],
                        capability_mix=mix)


def _reseller_coding_after_day_0(operators: list[OperatorSpec]) -> tuple[float, list[int], float]:
    """The reseller accounts' coding share once day 0's mix is applied, each operator's
    routed requests on day 0, and the customers' requests on day 0."""
    c = cfg(*WORLD)
    c.scenario.operators = operators
    model = DistillationModel(c)
    for _ in range(HOURS_PER_DAY):
        model.step()
    routed = [op.routed_requested for op in model.operators]
    reseller = model.resellers[0]
    legit = float(reseller.legit[0])
    model.step()  # the start of day 1: the traits follow day 0's mix
    coding = model.accounts.coding_share[reseller.rows]
    assert coding.min() == coding.max()  # the customers' share is 0 everywhere: one mix for all accounts
    return float(coding[0]), routed, legit


def test_each_operators_traffic_carries_its_own_traits() -> None:
    """A coding-only operator listed first and a coding-free one both route: the accounts'
    coding share is the first one's share of the requests only."""
    coding, (n_coder, n_chatter), legit = _reseller_coding_after_day_0(
        [_operator("coder", 1.0, 400_000), _operator("chatter", 0.0, 200_000)])
    total = n_coder + n_chatter + legit
    assert n_coder > 0 and n_chatter > 0
    assert coding == pytest.approx(n_coder / total, rel=1e-6)
    assert coding != pytest.approx((n_coder + n_chatter) / total, rel=1e-3)  # the first operator's traits for all


def test_only_the_operator_that_routed_shows() -> None:
    """The first operator routes nothing: the accounts carry the second one's traits."""
    coding, (n_idle, n_coder), legit = _reseller_coding_after_day_0(
        [_operator("idle", 0.0, 0), _operator("coder", 1.0, 400_000)])
    assert n_idle == 0 and n_coder > 0
    assert coding == pytest.approx(n_coder / (n_coder + legit), rel=1e-6)
