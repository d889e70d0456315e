"""Resellers: mixed traffic on shared accounts, collateral of their bans, the routing switch, KYC."""

from __future__ import annotations

import numpy as np

from sim.world.accounts import BANNED, CLOSED
from sim.agents.reseller import Reseller
from sim.world.calendar import HOURS_PER_DAY
from sim.record.metrics import summarize
from sim.model import DistillationModel

from .conftest import ATTACKER_ONLY, cfg, simulate

RESELLERS = [
    *ATTACKER_ONLY,
    "scenario.end_date=2026-04-27",  # 6 days
    "scenario.resellers.enabled=true",
    "scenario.resellers.services=2",
    "scenario.resellers.accounts_per_reseller=10",
    "scenario.resellers.legit_customers=1000",  # 50 customers per account
    "scenario.operators.0.target_exchanges=200000",
    "attacker.resellers.base_share=0.5",
    "attacker.resellers.max_share=0.5",
    # Pinned detector (not the calibrated defaults), so that later calibrations leave these checks alone.
    "calibration.detector_threshold=4.5",
    "calibration.footprint=1.0",
]


def _days(model: DistillationModel, n: int) -> None:
    for _ in range(n * HOURS_PER_DAY):
        model.step()


def test_reseller_accounts_carry_both_kinds_of_traffic() -> None:
    model = DistillationModel(cfg(*RESELLERS, "policy=none"))
    _days(model, 1)
    r0 = model.resellers[0]
    assert r0.legit[0] > 0 and r0.op_served > 0
    assert model.accounts.is_reseller[r0.rows].all() and not model.accounts.is_attacker[r0.rows].any()
    op = model.operators[0]
    assert op.routed_served == sum(r.op_served for r in model.resellers)
    # The operator's books balance with the ledger (served + refused = requested, resellers included).
    ticks = model.ledger.ticks[: model.clock.tick]
    assert ticks[:, 1].sum() == op.harvested and ticks[:, 0].sum() == op.requested


def test_banning_reseller_accounts_cuts_off_exactly_their_customers_once() -> None:
    model = DistillationModel(cfg(*RESELLERS, "policy=none"))
    _days(model, 1)
    r0 = model.resellers[0]
    victims = r0.rows[:3]
    provider = model.providers[0]
    provider.ban(victims, "review")
    provider.ban(victims, "review")  # a second ban of the same accounts changes nothing
    _days(model, 3)
    m = summarize(model)
    assert m["legit_users_cut_off_by_reseller_bans"] == 3 * 50.0
    assert m["reseller_accounts_banned"] == 3
    assert m["legit_users_wrongly_banned"] == 0.0  # reported apart from sampled users
    assert (model.accounts.status[victims] == BANNED).all()
    assert (model.accounts.demand_day[victims] == 0).all()  # no traffic reaches a banned account
    assert r0.accounts_opened == 10 + 3  # replaced, with new customers on the new accounts
    assert model.resellers[1].cut_off_by_bans == 0.0


def test_operator_routes_more_when_own_accounts_get_expensive() -> None:
    switch = ["attacker.resellers.base_share=0.1", "attacker.resellers.max_share=0.9", "attacker.resellers.switch_speed=0.5"]
    cheap = simulate(*RESELLERS, *switch, "policy=none")
    costly = simulate(*RESELLERS, *switch, "policy=identity_gating")  # $15 documents at a 40% pass rate
    assert cheap.metrics["attacker_final_route_share"] < 0.2
    assert costly.metrics["attacker_final_route_share"] > 2 * max(cheap.metrics["attacker_final_route_share"], 0.15)
    # (What the resellers then serve depends on how long their accounts survive the detector,
    # which sees the operator's traffic mixed in them: not asserted here.)


def test_reseller_kyc_passes_only_the_leakage_and_cuts_off_noncompliant_resellers() -> None:
    kyc = ["policy=none", "policy.reseller_kyc.enabled=true", "policy.reseller_kyc.leakage=0.25", "policy.reseller_kyc.deadline_days=2"]
    model = DistillationModel(cfg(*RESELLERS, *kyc, "policy.reseller_kyc.noncompliance=0.0"))
    _days(model, 4)
    rs: list[Reseller] = model.resellers
    asked = sum(r.op_requested for r in rs)
    assert sum(r.op_blocked_by_kyc for r in rs) >= 0.75 * asked - len(rs) * 4 * HOURS_PER_DAY
    assert sum(r.lost_to_kyc for r in rs) == 1000 * 0.2
    model = DistillationModel(cfg(*RESELLERS, *kyc, "policy.reseller_kyc.noncompliance=1.0"))
    _days(model, 4)
    m = summarize(model)
    assert m["legit_users_cut_off_by_reseller_kyc"] == 1000.0
    assert all((model.accounts.status[r.rows] == CLOSED).all() for r in model.resellers)
    assert np.isclose(m["legit_users_cut_off_by_reseller_bans"], 0.0)


def test_operator_leaves_resellers_that_refuse_its_traffic() -> None:
    kyc = ["policy=none", "policy.reseller_kyc.enabled=true", "policy.reseller_kyc.leakage=0.1", "policy.reseller_kyc.noncompliance=0.0"]
    r = simulate(*RESELLERS, *kyc, "attacker.resellers.max_share=0.9", "attacker.resellers.switch_speed=0.5")
    assert r.metrics["attacker_final_route_share"] < 0.1


def test_reseller_kyc_without_resellers_is_the_status_quo() -> None:
    small = ["population.sample_size=5000", "scenario.end_date=2026-04-29"]
    base = simulate(*small, "policy=status_quo").metrics
    kyc = simulate(*small, "policy=reseller_kyc").metrics
    keys = set(base) - {"policy", "runtime_seconds"}
    assert {k: kyc[k] for k in keys} == {k: base[k] for k in keys}


def test_reseller_and_market_config_errors_name_the_key() -> None:
    import pytest

    from sim.config import ConfigError

    with pytest.raises(ConfigError, match=r"policy\.reseller_kyc\.leakage=1\.5"):
        cfg("policy.reseller_kyc.leakage=1.5")
    with pytest.raises(ConfigError, match=r"attacker\.resellers\.base_share=0\.9.*max_share"):
        cfg("attacker.resellers.base_share=0.9", "attacker.resellers.max_share=0.8")
    with pytest.raises(ConfigError, match=r"policy\.shutdown\.providers\[0\]=7"):
        cfg("policy.shutdown.providers=[7]")
    with pytest.raises(ConfigError, match=r"scenario\.resellers\.exit_type"):
        cfg("scenario.resellers.exit_type=direct")
