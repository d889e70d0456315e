"""Attribution outputs: the first ban, the day a declared rule attributes the campaign (per
provider and for the consortium), and the harvest before it, against answers known by hand
or recomputed from the run's own tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.config import ConfigError
from sim.config.policy import AttributionConfig, SharingConfig
from sim.model import DistillationModel
from sim.record import metrics
from sim.record.attribution import Attribution, cluster_labels, score
from sim.world.accounts import BANNED, PENDING, AccountTable
from sim.world.calendar import HOURS_PER_DAY
from sim.world.indicators import COLUMN

from .conftest import ATTACKER_ONLY, SHORT, cfg

KINDS = ("payment", "identity", "device", "template")
SPREAD = [*ATTACKER_ONLY, *SHORT, "seed=3", "scenario.operators.0.provider_shares=[0.5,0.3,0.2]"]


def _table(*accounts: dict) -> AccountTable:
    """Accounts, one dict of columns each (banned at tick 23 on provider 0 by owner 9 unless given)."""
    table = AccountTable()
    for a in accounts:
        table.add(1, **{"status": BANNED, "provider": 0, "owner": 9, "banned_at": 23, **a})
    return table


def _labels(table: AccountTable, linked=None, published=KINDS) -> np.ndarray:
    rows = np.arange(table.n)
    return cluster_labels(table, rows, np.ones(table.n, bool) if linked is None else linked, KINDS, published)


def test_a_cluster_is_the_accounts_linked_through_any_strong_indicator() -> None:
    table = _table(
        {"payment": 1}, {"payment": 1, "device": 7}, {"device": 7},  # a chain: one cluster of three
        {"template": 4}, {"template": 4},                            # a pair
        {"exit_id": 5}, {"exit_id": 5},                              # a shared network exit links nothing
        {"identity": 1},                                             # the same id of another kind is another indicator
    )
    labels = _labels(table)
    assert labels[0] == labels[1] == labels[2] and labels[3] == labels[4]
    assert len({labels[0], labels[3], labels[5], labels[6], labels[7]}) == 5


def test_published_bans_link_only_through_the_shared_kinds() -> None:
    table = _table({"payment": 1, "device": 7}, {"payment": 1}, {"device": 7})
    own = np.array([True, False, False])  # rows 1 and 2 are another provider's published bans
    labels = _labels(table, own, published=("payment",))
    assert labels[0] == labels[1] != labels[2]


def test_score_finds_the_operators_cluster_and_counts_false_attributions() -> None:
    labels = np.array([0, 0, 0, 1, 1, 2, 2, 2])
    operator = np.array([0, 0, -1, -1, -1, 1, -1, -1])  # cluster 0: mostly operator 0's; 1, 2: no operator's
    assert score(labels, operator, operators=2, min_cluster=2) == (3, 2)
    assert score(labels, operator, operators=2, min_cluster=3) == (3, 1)
    assert score(labels, np.full(8, -1), operators=0, min_cluster=2) == (0, 3)


def test_the_pooled_view_sees_a_peers_bans_once_the_latency_has_passed() -> None:
    """Three accounts of one operator share a card: two banned on day 0 (one at each provider), one on day 1."""
    op = {"owner": 9, "payment": 1}
    table = _table({**op, "provider": 0}, {**op, "provider": 1}, {**op, "provider": 1, "status": PENDING})
    sharing = SharingConfig(enabled=True, participants=[0, 1], indicators=["payment"], latency_days=1.0)
    attr = Attribution(AttributionConfig(min_cluster=3), sharing, providers=2)
    for day in range(3):
        if day == 1:
            table.status[2], table.banned_at[2] = BANNED, 47
        attr.close_day(table, [9], day, day * HOURS_PER_DAY + HOURS_PER_DAY - 1)
        if day == 0:
            assert [v.largest for v in attr.consortium] == [1, 1]  # each other's bans are still on their way
    assert [v.largest for v in attr.own] == [1, 2] and [v.day for v in attr.own] == [None, None]
    # Provider 1 pools its two with provider 0's day-0 ban on day 1; provider 0 sees day 1's ban on day 2.
    assert [v.largest for v in attr.consortium] == [3, 3] and [v.day for v in attr.consortium] == [2, 1]
    assert attr.consortium_day == 1 and attr.pooled
    alone = Attribution(AttributionConfig(min_cluster=3), SharingConfig(), providers=2)
    alone.close_day(table, [9], 2, 71)
    assert alone.consortium_day is None and not alone.pooled


def _run(*overrides: str) -> tuple[dict, pd.DataFrame]:
    """Metrics and daily series of a short attacker-only status quo run."""
    model = DistillationModel(cfg(*ATTACKER_ONLY, *SHORT, "seed=3", *overrides))
    model.run_model()
    return metrics.summarize(model), pd.DataFrame(model.ledger.days)


@pytest.fixture(scope="module")
def status_quo() -> DistillationModel:
    model = DistillationModel(cfg(*ATTACKER_ONLY, *SHORT, "seed=3", "policy.attribution.min_cluster=2"))
    model.run_model()
    return model


def test_first_ban_is_the_first_day_operator_accounts_were_banned(status_quo) -> None:
    m = metrics.summarize(status_quo)
    daily = pd.DataFrame(status_quo.ledger.days)
    first = int(np.flatnonzero(daily["attacker_accounts_banned"] > 0)[0]) + 1
    assert m["days_to_first_ban"] == first == m["days_to_first_ban_target"]
    assert m["days_to_first_ban_peer_a"] is None and m["days_to_first_ban_peer_b"] is None  # the campaign is on target only


def test_with_a_cluster_of_two_attribution_is_the_first_day_two_banned_accounts_share_an_indicator(status_quo) -> None:
    table = status_quo.accounts
    rows = np.flatnonzero((table.status == BANNED) & table.is_attacker)
    day = table.banned_at[rows] // HOURS_PER_DAY
    # For each indicator id, the day its second account was banned; the earliest such day over all ids.
    order = np.argsort(day, kind="stable")
    second = []
    for kind in KINDS:
        ids = getattr(table, COLUMN[kind])[rows][order]
        by_id = pd.Series(day[order][ids >= 0]).groupby(ids[ids >= 0]).nth(1)
        second += by_id.tolist()
    m = metrics.summarize(status_quo)
    assert m["days_to_attribution_target"] == min(second) + 1 == m["days_to_attribution"]
    assert not m["attribution_pooled"] and not m["attribution_censored"]


@pytest.fixture(scope="module")
def never() -> tuple[dict, pd.DataFrame]:
    """The status quo run with a cluster size no campaign reaches."""
    return _run("policy.attribution.min_cluster=1000000000")


def test_the_rule_moves_no_other_output(status_quo, never) -> None:
    """Nothing in the simulation reads the rule: another cluster size changes the attribution outcomes only."""
    m, daily = never
    before = metrics.summarize(status_quo)
    assert set(m) == set(before)
    assert {k for k in m if m[k] != before[k]} == {
        "days_to_attribution", "days_to_attribution_target", "harvest_before_attribution_share", "attribution_censored"}
    pd.testing.assert_frame_equal(daily, pd.DataFrame(status_quo.ledger.days))


def test_a_rule_never_met_is_censored(never) -> None:
    m, _ = never
    assert m["days_to_attribution"] is None and m["days_to_attribution_target"] is None and m["attribution_censored"]
    assert m["harvest_before_attribution_share"] == pytest.approx(min(1.0, m["exchanges_harvested"] / m["exchanges_target"]),
                                                                  rel=1e-12)


def test_a_larger_cluster_comes_later_and_the_share_is_the_harvest_by_then(status_quo) -> None:
    """With K one more than the first day's largest cluster, attribution comes on the first day the
    cluster reaches K, and the share is the cumulative harvest that day over the target."""
    growth = pd.DataFrame(status_quo.ledger.days)["attribution_cluster_target"]
    assert (np.diff(growth) >= 0).all()  # bans only accumulate
    k = int(growth[0]) + 1
    assert growth.iloc[-1] >= k, "the test needs a cluster that grows after the first day"
    m, daily = _run(f"policy.attribution.min_cluster={k}")
    day = int(np.flatnonzero(daily["attribution_cluster_target"] >= k)[0])
    assert day > 0
    assert m["days_to_attribution"] == m["days_to_attribution_target"] == day + 1
    share = m["harvest_before_attribution_share"]
    assert share == pytest.approx(daily["attacker_harvested_cum"][day] / m["exchanges_target"], rel=1e-12)
    assert daily["attacker_harvested_cum"][0] / m["exchanges_target"] < share < 1.0


def test_the_consortium_pools_the_participants_bans_after_the_latency() -> None:
    """Spread over three providers with sharing: a participant's view adds its peers' published
    bans once the latency has passed, so it reaches clusters no provider reaches alone."""
    model = DistillationModel(cfg(*SPREAD, "policy=cross_provider_sharing", "policy.sharing.latency_days=3"))
    model.run_model()
    daily = pd.DataFrame(model.ledger.days)
    alone = daily[[f"attribution_cluster_{p}" for p in ("target", "peer_a", "peer_b")]].max(axis=1)
    pooled = daily["consortium_attribution_cluster"]
    assert (pooled[:3] == alone[:3]).all()  # nothing published has arrived yet
    assert (pooled >= alone).all() and (pooled > alone).any()
    m = metrics.summarize(model)
    assert m["attribution_pooled"]
    # No provider alone reaches one more account than its largest cluster; the consortium does.
    k = int(alone.max()) + 1
    assert pooled.max() >= k
    rerun = DistillationModel(cfg(*SPREAD, "policy=cross_provider_sharing", "policy.sharing.latency_days=3",
                                  f"policy.attribution.min_cluster={k}"))
    rerun.run_model()
    m = metrics.summarize(rerun)
    assert [m[f"days_to_attribution_{p}"] for p in ("target", "peer_a", "peer_b")] == [None, None, None]
    assert m["days_to_attribution"] == int(np.flatnonzero(pooled >= k)[0]) + 1


def test_without_sharing_the_consortium_is_the_earliest_provider() -> None:
    model = DistillationModel(cfg(*SPREAD, "policy.attribution.min_cluster=10"))
    model.run_model()
    m = metrics.summarize(model)
    days = [m[f"days_to_attribution_{p}"] for p in ("target", "peer_a", "peer_b")]
    assert not m["attribution_pooled"] and any(d is not None for d in days)
    assert m["days_to_attribution"] == min(d for d in days if d is not None)
    daily = pd.DataFrame(model.ledger.days)
    alone = daily[[f"attribution_cluster_{p}" for p in ("target", "peer_a", "peer_b")]].max(axis=1)
    assert (daily["consortium_attribution_cluster"] == alone).all()


@pytest.mark.parametrize(("override", "key"), [
    ("policy.attribution.min_cluster=1", "policy.attribution.min_cluster=1"),
    ("policy.attribution.indicators=[payment,fingerprint]", "policy.attribution.indicators[1]='fingerprint'"),
])
def test_a_rule_parameter_out_of_range_is_refused_with_its_key(override, key) -> None:
    with pytest.raises(ConfigError, match=key.replace("[", r"\[").replace("]", r"\]")):
        cfg(override)
