"""Aggregate volume thresholds: clusters are connected components over shared indicators."""

from __future__ import annotations

import numpy as np

from sim.world.accounts import AccountTable
from sim.controls.aggregate_reporting import clusters

from .conftest import ATTACKER_ONLY, SHORT, simulate


def test_clusters_follow_chains_of_shared_indicators() -> None:
    table = AccountTable()
    # 0-1 share a payment, 1-2 an exit, 3 alone, 4-5 a device; 6 carries nothing.
    table.add(7)
    table.payment[:] = [0, 0, 1, 2, 3, 4, -1]
    table.exit_id[:] = [0, 1, 1, 2, 3, 4, 5]
    table.device[:] = [-1, -1, -1, -1, 0, 0, -1]
    view = table.observable()
    rows = np.arange(7)
    labels = clusters(view, rows, ["payment", "network", "device"], {"payment": 5, "network": 6, "device": 1})
    groups = {frozenset(np.flatnonzero(labels == lab)) for lab in np.unique(labels)}
    assert groups == {frozenset({0, 1, 2}), frozenset({3}), frozenset({4, 5}), frozenset({6})}
    # Without the exit, the chain 1-2 breaks.
    labels = clusters(view, rows, ["payment", "device"], {"payment": 5, "device": 1})
    assert labels[1] != labels[2] and labels[0] == labels[1]


def test_a_cluster_over_threshold_is_reviewed_and_reported() -> None:
    on = ["policy.aggregate_reporting.enabled=true", "policy.aggregate_reporting.thresholds.cluster=200",
          "policy.aggregate_reporting.cluster_on=[payment,device]", "policy.review.capacity_per_day=100000"]
    base = simulate(*ATTACKER_ONLY, *SHORT)
    r = simulate(*ATTACKER_ONLY, *SHORT, *on)
    m = r.metrics
    # Ten accounts share a device (attacker.accounts_per_device): ~10 x 60/day per cluster in a 15-day window.
    assert m["aggregate_accounts_flagged"] > 0 and m["aggregate_reports_opened"] > 0
    assert m["attacker_banned_after_review_from_aggregate_reporting"] > 0
    assert m["attacker_accounts_banned"] > base.metrics["attacker_accounts_banned"]
    assert m["aggregate_reports_due_within_window"] < m["aggregate_reports_opened"]  # 30-day deadline, 15-day window
    high = simulate(*ATTACKER_ONLY, *SHORT, *on[:-3], "policy.aggregate_reporting.thresholds.cluster=1e9")
    assert high.metrics["aggregate_accounts_flagged"] == 0
