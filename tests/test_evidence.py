"""Per-account evidence accumulates over an account's days of traffic (sim/controls/evidence.py)."""

from __future__ import annotations

import datetime as dt

import numpy as np
from scipy.special import ndtr

from sim.config import DetectorConfig, ReviewConfig
from sim.controls import QUEUE_SOURCES, DayContext
from sim.controls.detector import Detector
from sim.controls.evidence import EvidenceMemory, day_score, decay
from sim.controls.review import ReviewQueue
from sim.world.accounts import ACTIVE, AccountTable
from sim.world.calendar import HOURS_PER_DAY, Clock

OLD = -3650 * HOURS_PER_DAY  # opened ten years before the run: no youth in the score


def _table(n: int, traits: float) -> AccountTable:
    table = AccountTable(n)
    table.add(n, provider=0, status=ACTIVE, created_at=OLD, coding_share=traits, template_reuse=traits,
              cot_share=traits, timing_regularity=traits, weight=1.0)
    return table


def _clock(day: int) -> Clock:
    return Clock(dt.date(2026, 4, 22), window_days=60, tick=day * HOURS_PER_DAY + HOURS_PER_DAY - 1)


class _Flags:
    """A provider's side of a DayContext that records the detector's verdicts."""

    def __init__(self) -> None:
        self.hit = np.zeros(0, dtype=bool)

    def ctx(self, view, day: int) -> DayContext:
        def flag(rows, hit, score, chance, evidence, spread, threshold, source):
            self.hit = hit

        return DayContext(view=view, clock=_clock(day), provider=0, enqueue=lambda *a: None, flag=flag,
                          ban=lambda *a: None, banned_today=np.zeros(0, np.int64), spread_today=np.zeros(0, np.int64), indicator_sizes={}, carriers=np.ones(view.n))


def test_the_memory_is_a_fading_cusum_of_the_daily_score():
    cfg = DetectorConfig(threshold=5.0, accumulation_margin=1.0, memory_days=10.0)
    lam, k = decay(10.0), 4.0
    table = _table(1, 0.8)
    view = table.observable()
    memory = EvidenceMemory(cfg, np.random.default_rng(0))
    requests = {0: 100, 1: 100, 2: 100, 5: 3, 6: 100}
    s = v = w2 = 0.0
    last = 0
    for day in range(8):
        table.demand_day[:] = requests.get(day, 0)
        memory.update(view, 0, _clock(day))
        if day not in requests:
            continue
        fade = lam ** (day - last)
        mu = day_score(view, np.array([0]), cfg.weights, _clock(day).tick)[0]
        running = fade * s > 0
        e = mu + fade * s
        s, v = max(e - k, 0.0), fade * v + requests[day]
        w2 = (fade * fade * w2 if running else 0.0) + 1.0
        last = day
        assert np.isclose(view.evidence_score[0], e) and np.isclose(view.evidence[0], s)
        assert np.isclose(view.evidence_volume[0], v) and np.isclose(view.evidence_days_sq[0], w2)
    # Read on a later day without traffic: the evidence has faded, today's score has no volume.
    tick = _clock(9).tick
    expected = day_score(view, np.array([0]), cfg.weights, tick)[0] + lam ** 3 * s
    assert np.isclose(memory.score(view, np.array([0]), tick)[0], expected)
    assert np.isclose(memory.volume(view, np.array([0]), 9)[0], lam ** 3 * v)


def test_first_day_is_the_single_day_score_and_evidence_never_lowers_it():
    cfg = DetectorConfig(threshold=6.0, accumulation_margin=0.5)
    table = _table(3, 0.2)  # far below the reference k = 5.5
    view = table.observable()
    memory = EvidenceMemory(cfg, np.random.default_rng(1))
    rows = np.arange(3)
    for day in range(20):
        table.demand_day[:] = [1, 10, 100]
        memory.update(view, 0, _clock(day))
        mu = day_score(view, rows, cfg.weights, _clock(day).tick)
        assert np.allclose(memory.score(view, rows, _clock(day).tick), mu)
        assert np.all(view.evidence[rows] == 0) and np.all(view.evidence_days_sq[rows] == 1)


def test_a_persistent_account_grows_more_detectable_with_days_of_traffic():
    """Identical accounts scoring above k each day: the share flagged on day n matches
    Phi(((mu - k) W_n - margin) / (sd sqrt(W2_n))) and rises with n."""
    n = 20_000
    cfg = DetectorConfig(enabled=True, threshold=6.0, accumulation_margin=1.0, noise_sd=0.75, memory_days=14.0)
    table = _table(n, 0.75)
    view = table.observable()
    memory = EvidenceMemory(cfg, np.random.default_rng(2))
    detector = Detector(cfg, memory, np.random.default_rng(3))
    flags = _Flags()
    lam, k, margin, sd = decay(14.0), 5.0, 1.0, 0.75
    observed, expected = [], []
    for day in range(12):
        table.demand_day[:] = 26
        memory.update(view, 0, _clock(day))
        detector.apply(flags.ctx(view, day))
        mu = day_score(view, np.array([0]), cfg.weights, _clock(day).tick)[0]
        # Every day of the run adds mu - k (mu drifts only by the youth term, ~1e-6 here).
        w = sum(lam ** j for j in range(day + 1))
        w2 = sum(lam ** (2 * j) for j in range(day + 1))
        p = ndtr(((mu - k) * w - margin) / (sd * np.sqrt(w2)))
        observed.append(flags.hit.mean())
        expected.append(p)
        assert abs(flags.hit.mean() - p) < 3 * np.sqrt(p * (1 - p) / n) + 1e-9, (day, flags.hit.mean(), p)
        assert np.allclose(detector.last_p_flag, p)
    # Below the single-day threshold: that rule alone would flag it Phi((mu - threshold) / sd) a day, flat.
    assert k < mu < k + margin
    assert np.isclose(expected[0], ndtr((mu - 6.0) / sd))
    assert all(b > a for a, b in zip(expected, expected[1:]))
    assert observed[0] < 0.35 and observed[-1] > 0.95


def test_review_weighs_the_evidence_and_the_incoming_flag():
    cfg = DetectorConfig(threshold=6.0, accumulation_margin=1.0)
    review = ReviewConfig(capacity_per_day=100.0, noise_sd=0.25, ban_threshold=6.0)
    table = _table(3, 0.8)
    view = table.observable()
    memory = EvidenceMemory(cfg, np.random.default_rng(4))
    queue = ReviewQueue(review, memory, QUEUE_SOURCES, np.random.default_rng(5))
    table.demand_day[:] = 30
    memory.update(view, 0, _clock(0))
    rows = np.arange(3)
    for row, source in zip(rows, ("detector", "cluster", "link_analysis"), strict=True):
        queue.enqueue(view, rows[row:row + 1], np.ones(1), np.full(1, 5.0), QUEUE_SOURCES.index(source), np.ones(3),
                      _clock(0).tick)
    e = memory.score(view, rows, _clock(0).tick)
    outcome = queue.review(view, 0, _clock(0).tick, np.ones(3))
    bonus = np.array([0.0, review.flag_evidence.cluster, review.flag_evidence.link_analysis])
    assert np.array_equal(outcome.rows, rows)
    assert np.allclose(outcome.p_ban, ndtr((e + bonus - 6.0) / 0.25))
    assert not view.queued[rows].any()  # reviewed: the flags were weighed and leave with the account
