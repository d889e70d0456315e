"""The pooled-traffic (cluster) detector agrees with its closed form on a synthetic world."""

from __future__ import annotations

import datetime as dt

import numpy as np
from scipy.special import ndtr, ndtri

from sim.config import ClusterDetectorConfig, DetectorConfig
from sim.controls import QUEUE_SOURCES, DayContext
from sim.controls.cluster_detector import ClusterDetector, evidence_shift
from sim.controls.evidence import EvidenceMemory
from sim.world.accounts import ACTIVE, AccountTable
from sim.world.calendar import HOURS_PER_DAY, Clock

from .conftest import SMALL_POP, SHORT, simulate

CFG = ClusterDetectorConfig(enabled=True, pool_on=["template"])
DAY = 3


def _closed_form(share: float, exchanges: float) -> float:
    """P = 1 - Phi(z_(1-alpha) - delta share sqrt(min(N, window))), delta from the reference cluster, computed here."""
    z = ndtri(1 - CFG.false_positive_rate)
    delta = (z + ndtri(CFG.true_positive_rate)) / (CFG.reference_attacker_share * np.sqrt(CFG.window_exchanges))
    return float(1 - ndtr(z - delta * share * np.sqrt(min(exchanges, CFG.window_exchanges))))


def _profile(table: AccountTable, rows: np.ndarray, ref) -> None:
    for trait in ("coding_share", "template_reuse", "cot_share", "timing_regularity"):
        getattr(table, trait)[rows] = getattr(ref, trait)


class _World:
    """Accounts on provider 0 in pools sharing a template; ``add`` a family of pools of known
    size, per-account volume within the memory and distillation share."""

    def __init__(self) -> None:
        self.table = AccountTable(1 << 16)
        self.families: list[tuple[np.ndarray, float]] = []  # (template ids, expected P)
        self.next_id = 0

    def add(self, pools: int, accounts: int, volume: float, distilled: int = 0, real: float = 0.0) -> None:
        """``pools`` pools of ``accounts`` accounts each sending ``volume`` exchanges; in each, ``distilled``
        accounts have the distillation reference's traits, the rest the benign reference's; ``real``: the
        real accounts the template is carried by (``template_group_size``; 0: the rows)."""
        n = pools * accounts
        rows = self.table.add(n, provider=0, status=ACTIVE)
        ids = self.next_id + np.repeat(np.arange(pools), accounts)
        self.next_id += pools
        self.table.template[rows] = ids
        self.table.template_group_size[rows] = real
        self.table.evidence_volume[rows] = volume
        self.table.evidence_day[rows] = DAY
        _profile(self.table, rows, CFG.benign)
        _profile(self.table, rows[(np.arange(n) % accounts) < distilled], CFG.distillation)
        share = distilled / accounts
        exchanges = accounts * volume * max(real / accounts, 1.0)
        self.families.append((np.unique(ids), _closed_form(share, exchanges) if max(real, accounts) >= 2 else 0.0))

    def run(self, seed: int) -> tuple[ClusterDetector, np.ndarray, np.ndarray]:
        view = self.table.observable()
        memory = EvidenceMemory(DetectorConfig(), np.random.default_rng(0))
        detector = ClusterDetector(CFG, DetectorConfig().weights, memory, np.random.default_rng(seed))
        sent: list[tuple[np.ndarray, np.ndarray]] = []
        ctx = DayContext(view=view, clock=Clock(dt.date(2026, 4, 22), 45, tick=DAY * HOURS_PER_DAY + 23), provider=0,
                         enqueue=lambda rows, priority, source: sent.append((rows, priority)),
                         flag=lambda *a: None, ban=lambda *a: None, banned_today=np.zeros(0, np.int64), spread_today=np.zeros(0, np.int64),
                         indicator_sizes={"template": self.next_id}, carriers=np.ones(view.n))
        detector.apply(ctx)
        rows = np.concatenate([r for r, _ in sent]) if sent else np.zeros(0, np.int64)
        priority = np.concatenate([p for _, p in sent]) if sent else np.zeros(0)
        return detector, rows, priority


def test_flagged_share_of_pools_matches_the_operating_point_and_the_closed_form():
    world = _World()
    world.add(pools=20_000, accounts=5, volume=40.0)  # benign: flagged at alpha per pool-day
    world.add(pools=2_000, accounts=2, volume=1.0, distilled=2)  # small pools, little traffic
    world.add(pools=2_000, accounts=10, volume=1.0, distilled=10)  # more accounts: more evidence
    world.add(pools=2_000, accounts=10, volume=150.0, distilled=1)  # the reference cluster: TPR at share 0.1
    world.add(pools=2_000, accounts=2, volume=1.0, distilled=1, real=20.0)  # sampled users of a shared template
    world.add(pools=2_000, accounts=1, volume=500.0, distilled=1)  # one account is not a pool
    detector, rows, _ = world.run(seed=11)
    flagged_ids = np.unique(world.table.template[rows])
    expected = [p for _, p in world.families]
    assert np.isclose(expected[0], CFG.false_positive_rate)
    assert np.isclose(expected[3], CFG.true_positive_rate)
    assert expected[1] < expected[4] < expected[2]
    for ids, p in world.families:
        share = np.isin(ids, flagged_ids).mean()
        se = np.sqrt(p * (1 - p) / ids.size)
        assert abs(share - p) <= 3 * se, (ids.size, share, p)
    assert detector.pools_tested == sum(ids.size for ids, p in world.families[:-1])


def test_a_flagged_pool_sends_its_live_accounts_at_a_priority_that_grows_with_its_distillation_share():
    world = _World()
    world.add(pools=200, accounts=10, volume=150.0, distilled=10)  # full windows of distillation traffic
    world.add(pools=200, accounts=10, volume=150.0, distilled=5)
    banned = world.table.add(1, provider=0, status=2, template=0)  # banned: pooled by nobody, sent nowhere
    world.table.evidence_volume[banned] = 150.0
    world.table.evidence_day[banned] = DAY
    _, rows, priority = world.run(seed=12)
    assert np.unique(rows).size == rows.size == 4000 and banned[0] not in rows
    template = world.table.template[rows]
    assert np.allclose(priority[template < 200], CFG.review_priority)
    assert np.allclose(priority[template >= 200], CFG.review_priority * 0.5, atol=1e-6)


def test_evidence_shift_meets_the_stated_true_positive_rate_at_the_reference_cluster():
    delta = evidence_shift(CFG)
    z = ndtri(1 - CFG.false_positive_rate)
    assert np.isclose(ndtr(delta * CFG.reference_attacker_share * np.sqrt(CFG.window_exchanges) - z),
                      CFG.true_positive_rate)


def test_the_pooled_detection_preset_runs_the_cluster_detector_and_bans_follow_its_flags():
    r = simulate(*SMALL_POP, *SHORT, "seed=3", "policy=pooled_detection")
    m = r.metrics
    assert "cluster" in QUEUE_SOURCES
    assert m["attacker_banned_after_review_from_cluster"] > 0
    off = simulate(*SMALL_POP, *SHORT, "seed=3")  # the status quo does not run it
    assert off.metrics["attacker_banned_after_review_from_cluster"] == 0
