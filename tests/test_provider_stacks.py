"""Each provider runs its own control stack: ``policy`` where ``policy.binds`` says, ``outside_policy``
elsewhere; the harvest that leaks to the providers a rule does not bind; the operator free to move."""

from __future__ import annotations

import re

import numpy as np
import pytest

from sim import compose
from sim.config import ConfigError
from sim.model import DistillationModel
from sim.world.accounts import BANNED
from tests.conftest import simulate

# Attacker-only, 15 days: every provider serves the campaign when it opens accounts on all three.
SHORT = ("population=none", "scenario.end_date=2026-05-06")
SPREAD = "scenario.operators.0.provider_shares=[0.34,0.33,0.33]"
NAMES = ("target", "peer_a", "peer_b")


def _comparable(metrics: dict) -> dict:
    return {k: v for k, v in metrics.items() if k != "runtime_seconds"}


def test_harvest_is_the_sum_over_providers_and_leakage_the_unbound_share() -> None:
    m = simulate(*SHORT, SPREAD, "policy=identity_gating_target_only", "seed=2").metrics
    by_provider = [m[f"exchanges_harvested_from_{n}"] for n in NAMES]
    assert sum(by_provider) == m["exchanges_harvested"] > 0
    assert m["leakage_share"] == pytest.approx((by_provider[1] + by_provider[2]) / m["exchanges_harvested"])
    assert 0.0 < m["leakage_share"] < 1.0


@pytest.mark.parametrize("policy", ["letter_package", "status_quo"])
def test_binding_every_provider_is_the_default(policy: str) -> None:
    """``policy.binds`` listing every provider runs exactly what ``null`` runs (whatever outside_policy is)."""
    default = simulate(*SHORT, SPREAD, f"policy={policy}", "seed=1").metrics
    listed = simulate(*SHORT, SPREAD, f"policy={policy}", "policy.binds=[2,0,1]", "policy@outside_policy=none",
                      "seed=1").metrics
    assert _comparable(listed) == _comparable(default)
    assert default["leakage_share"] == 0.0


def test_the_same_stack_outside_is_the_default() -> None:
    """Binding the target only, with the others running the same preset, changes nothing but the
    leakage share's reading (the harvest on the providers the policy does not name)."""
    default = simulate(*SHORT, SPREAD, "policy=cross_provider_sharing", "seed=3").metrics
    split = simulate(*SHORT, SPREAD, "policy=cross_provider_sharing", "policy.binds=[0]",
                     "policy@outside_policy=cross_provider_sharing", "seed=3").metrics
    assert {k: v for k, v in _comparable(split).items() if k != "leakage_share"} == \
        {k: v for k, v in _comparable(default).items() if k != "leakage_share"}
    assert split["leakage_share"] > 0.0
    assert default["leakage_share"] == 0.0


def test_a_provider_outside_the_rule_never_acts_by_a_control_it_does_not_run() -> None:
    """Gating on the target only, no controls at all elsewhere: the peers verify nobody, ban nobody and
    refuse no request, while the target does verify (so the check can fail). (Their review queues still
    carry population=none's background load of legitimate accounts, which bans no account.)"""
    model = DistillationModel(compose([*SHORT, SPREAD, "policy=identity_gating_target_only",
                                       "policy@outside_policy=none", "seed=0"]))
    table = model.accounts
    refused_on_peers = 0.0
    while model.running:
        model.step()
        on_peers = np.flatnonzero(table.provider[: table.n] > 0)
        refused_on_peers = max(refused_on_peers, float(table.refused_day[on_peers].sum()))
    target, *peers = model.providers
    on_peers = np.flatnonzero(table.provider[: table.n] > 0)
    assert on_peers.size > 0 and refused_on_peers == 0.0
    assert np.count_nonzero(table.status[on_peers] == BANNED) == 0
    assert all(p.gating.verifications == 0 and not p.controls for p in peers)
    assert target.gating.verifications > 0 and target.controls


def test_binds_naming_no_provider_is_refused_in_one_line() -> None:
    with pytest.raises(ConfigError, match=re.escape("policy.binds[1]=3; allowed: a provider index of "
                                                    "scenario.providers: 0 (target), 1 (peer_a), 2 (peer_b)")):
        compose(["policy.binds=[0,3]"])
    with pytest.raises(ConfigError, match=re.escape("outside_policy.binds=[0]; allowed: null")):
        compose(["outside_policy.binds=[0]"])
    with pytest.raises(ConfigError, match=re.escape("outside_policy.sharing.participants[0]=7")):
        compose(["outside_policy.sharing.participants=[7]"])


def test_the_outside_stack_is_composed_from_the_policy_group() -> None:
    cfg = compose(["policy=letter_package_target_only", "policy@outside_policy=volume_cap",
                   "outside_policy.volume_cap.per_account_day=123"])
    assert cfg.policy.binds == [0] and cfg.policy.identity_gating.tier == "document"
    assert cfg.outside_policy.name == "volume_cap" and cfg.outside_policy.identity_gating.tier == "phone"
    assert cfg.outside_policy.volume_cap.per_account_day == 123
    # The presets' interpolations stay inside their own stack.
    cfg = compose(["policy.detector.threshold=5"])
    assert cfg.policy.review.ban_threshold == 5 != cfg.outside_policy.review.ban_threshold


def test_the_consortium_counts_only_providers_whose_own_stack_shares() -> None:
    """The letter's sharing on the target only has one participant: nothing reaches or comes from the peers."""
    model = DistillationModel(compose([*SHORT, SPREAD, "policy=letter_package_target_only", "seed=0"]))
    assert model.consortium.cfg.participants == [0]
    full = DistillationModel(compose([*SHORT, SPREAD, "policy=letter_package", "seed=0"]))
    assert full.consortium.cfg.participants == [0, 1, 2]


@pytest.mark.parametrize("binds", ["[0]", "null"])
def test_the_operator_moves_away_from_sign_ups_that_cost_too_much(binds: str) -> None:
    """With ban and throttle pressure switched off (a trigger no share can exceed), only its sign-ups
    move the operator: a document gate on the target alone sends its new accounts to the peers; a gate
    on every provider leaves nowhere cheaper, so it stays."""
    common = (*SHORT, "policy=identity_gating", f"policy.binds={binds}", "attacker.responses.spread_providers=true",
              "attacker.responses.spread_trigger=1.0", "seed=0")
    stays = simulate(*common, "attacker.responses.spread_on_signups=false").metrics
    moves = simulate(*common, "attacker.responses.spread_on_signups=true").metrics
    assert stays["exchanges_harvested_from_peer_a"] + stays["exchanges_harvested_from_peer_b"] == 0
    peers = moves["exchanges_harvested_from_peer_a"] + moves["exchanges_harvested_from_peer_b"]
    if binds == "null":
        assert peers == 0 and moves["leakage_share"] == 0.0
    else:
        assert peers > 0 and moves["leakage_share"] > 0.5
        assert moves["exchanges_harvested"] > stays["exchanges_harvested"]
