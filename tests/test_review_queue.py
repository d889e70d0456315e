"""The review queue's entries (sim/controls/review.py) against their closed forms."""

from __future__ import annotations

import numpy as np
from scipy import stats

from sim.config import DetectorConfig, ReviewConfig
from sim.controls import QUEUE_SOURCES
from sim.controls.evidence import EvidenceMemory
from sim.controls.review import ReviewQueue
from sim.world.accounts import ACTIVE, AccountTable
from sim.world.calendar import HOURS_PER_DAY
from sim.world.indicators import specific_mask

DETECTOR = QUEUE_SOURCES.index("detector")
TICK = HOURS_PER_DAY - 1


def _world(n: int, weight: float, **review):
    table = AccountTable(n)
    table.add(n, provider=0, status=ACTIVE, created_at=-3650 * HOURS_PER_DAY, weight=weight)
    cfg = ReviewConfig(**review)
    queue = ReviewQueue(cfg, EvidenceMemory(DetectorConfig(), np.random.default_rng(1)), QUEUE_SOURCES,
                        np.random.default_rng(2))
    return table, table.observable(), queue


def _entries(queue: ReviewQueue, view) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    queue._gather(view, TICK)
    return queue._row, queue._priority, queue._mass


def test_a_single_flagged_account_gets_a_score_drawn_above_the_threshold():
    """K = 1: the entry's priority is a draw of N(E, s^2) truncated at T (KS test)."""
    n, e, s, t = 4000, 5.0, 0.8, 5.5
    _, view, queue = _world(n, 10.0)
    rows = np.arange(n)
    queue.enqueue_flagged(view, rows, np.ones(n), np.full(n, e), np.full(n, s), t, DETECTOR, np.full(n, 10.0), TICK)
    _, priority, mass = _entries(queue, view)
    assert priority.size == n and np.allclose(mass, 1.0)
    truncated = stats.truncnorm((t - e) / s, np.inf, loc=e, scale=s)
    assert stats.kstest(priority, truncated.cdf).pvalue > 1e-3


def test_many_flagged_accounts_spread_over_strata_of_their_scores():
    """K = 1000 on one row, Q = 4 entries of at most 250 accounts: four entries of 250, one in each
    quarter of the truncated distribution, and the row's queued mass is K."""
    e, s, t = 5.0, 0.8, 5.5
    _, view, queue = _world(1, 5000.0, priority_points=4, entry_accounts=250.0)
    queue.enqueue_flagged(view, np.array([0]), np.array([1000.0]), np.array([e]), np.array([s]), t, DETECTOR,
                          np.array([5000.0]), TICK)
    _, priority, mass = _entries(queue, view)
    assert np.allclose(mass, 250.0) and view.queued_mass[0] == 1000.0 and not view.queue_full[0]
    truncated = stats.truncnorm((t - e) / s, np.inf, loc=e, scale=s)
    quarter = np.sort(1.0 - truncated.cdf(priority))  # upper-tail share above each entry's score
    assert np.all((quarter > np.arange(4) / 4) & (quarter < np.arange(1, 5) / 4))


def test_the_capacity_reaches_the_same_strata_whatever_the_rows_flagged_accounts_sit_in():
    """1,000 flagged accounts (scores N(E, s^2) above T) in one row of 5,000, as a small sample
    has them, or in 10 rows of 500, as a sample ten times larger does; capacity 300. Entries hold
    at most ``entry_accounts`` (10) real accounts, so either way reviewers reach the top 30% of the
    scores: the lowest reviewed entry sits at an upper-tail share of 0.3 within one entry (1%)
    plus the draw within its stratum. With four entries of 250 for the single row (the queue
    before entries were bounded in real accounts), the second reviewed entry's score is a draw
    anywhere in the second quarter, and the reviews reach rows by lumps of a quarter."""
    e, s, t, capacity = 5.0, 0.8, 5.5, 300.0
    truncated = stats.truncnorm((t - e) / s, np.inf, loc=e, scale=s)
    for rows, weight in ((1, 5000.0), (10, 500.0)):
        _, view, queue = _world(rows, weight, capacity_per_day=capacity)
        flagged = np.full(rows, 1000.0 / rows)
        queue.enqueue_flagged(view, np.arange(rows), flagged, np.full(rows, e), np.full(rows, s), t, DETECTOR,
                              np.full(rows, weight), TICK)
        _, priority, mass = _entries(queue, view)
        assert mass.max() <= 10.0 + 1e-9 and np.isclose(mass.sum(), 1000.0)
        order = np.argsort(-priority, kind="stable")
        reached = order[: int(np.searchsorted(np.cumsum(mass[order]), capacity - 1e-9)) + 1]
        lowest = 1.0 - truncated.cdf(priority[reached].min())  # upper-tail share above the lowest reviewed score
        assert abs(lowest - capacity / 1000.0) < 0.02, (rows, lowest)
        outcome = queue.review(view, 0, TICK, np.full(rows, weight))
        assert np.isclose(outcome.reviewed.sum(), capacity)


def test_capacity_binds_in_real_accounts_whatever_the_entries():
    _, view, queue = _world(50, 40.0, capacity_per_day=300.0)
    rows = np.arange(50)
    queue.enqueue(view, rows, np.full(50, 40.0), np.linspace(9, 5, 50), DETECTOR, np.full(50, 40.0), TICK)
    outcome = queue.review(view, 0, TICK, np.full(50, 40.0))
    assert queue.reviews_done == 300.0 and outcome.reviewed.sum() == 300.0
    assert np.array_equal(outcome.rows, np.arange(8))  # highest priority first: 7 whole rows and 20 of the 8th
    assert np.isclose(view.queued_mass[7], 20.0) and view.queued_mass[:7].sum() == 0.0


def test_a_ban_sets_off_propagation_from_rows_with_a_real_account_banned():
    """A row of 100 with r reviewed accounts, each banned with p: the row is banned with
    r p / 100 and has at least one banned account with 1 - (1 - p)^r; banned rows always do."""
    n, m, r = 20000, 100.0, 20.0
    _, view, queue = _world(n, m, capacity_per_day=np.inf, noise_sd=0.5, ban_threshold=0.0)
    rows = np.arange(n)
    queue.enqueue(view, rows, np.full(n, r), np.zeros(n), QUEUE_SOURCES.index("sharing"), np.full(n, m), TICK)
    outcome = queue.review(view, 0, TICK, np.full(n, m))
    p = outcome.p_ban[0]
    assert np.allclose(outcome.p_ban, p) and 0.05 < p < 0.95
    assert not (outcome.banned & ~outcome.any_banned).any()
    for share, expected in ((outcome.banned.mean(), r * p / m), (outcome.any_banned.mean(), 1 - (1 - p) ** r)):
        assert abs(share - expected) < 4 * np.sqrt(expected * (1 - expected) / n)


def test_an_indicator_too_common_to_act_on_links_nothing():
    """Counting real accounts: id 0 on 3 rows of 400 (1,200 real) is common at a cap of 1,000,
    id 1 on 30 unit rows is not."""
    column = np.array([0, 0, 0] + [1] * 30 + [2])
    carriers = np.array([400.0] * 3 + [1.0] * 31)
    mask = specific_mask(column, np.array([0, 1]), 3, carriers, 1000.0)
    assert not mask[:3].any() and mask[3:33].all() and not mask[33]
    assert specific_mask(column, np.array([0, 1]), 3, carriers, np.inf)[:33].all()


def test_a_whole_row_flag_reaches_the_accounts_a_partly_queued_row_has_left():
    _, view, queue = _world(1, 100.0)
    load = np.array([100.0])
    queue.enqueue_flagged(view, np.array([0]), np.array([30.0]), np.array([5.0]), np.array([0.5]), 5.5, DETECTOR, load, TICK)
    queue.enqueue(view, np.array([0]), load - view.queued_mass[:1], np.array([10.0]), QUEUE_SOURCES.index("sharing"), load,
                  TICK)
    assert view.queued_mass[0] == 100.0 and view.queue_full[0]
    _, _, mass = _entries(queue, view)
    assert np.isclose(mass.sum(), 100.0)


def test_entries_expire_after_their_own_wait():
    _, view, queue = _world(1, 100.0, max_wait_days=2.0)
    load = np.array([100.0])
    queue.enqueue(view, np.array([0]), np.array([10.0]), np.array([1.0]), DETECTOR, load, TICK)
    queue.enqueue(view, np.array([0]), np.array([5.0]), np.array([1.0]), DETECTOR, load, TICK + 2 * HOURS_PER_DAY)
    queue._gather(view, TICK + 3 * HOURS_PER_DAY)
    assert np.isclose(view.queued_mass[0], 5.0) and view.queued[0]
    queue._gather(view, TICK + 5 * HOURS_PER_DAY)
    assert not view.queued[0] and view.queued_mass[0] == 0.0


def test_a_background_carries_the_load_the_days_bans_set_off():
    """Without the population, per_spread real accounts per spreading row join the next review
    at the link priority, above the operator's entries below it: with 10 rows spreading and
    per_spread 20, the 200 background accounts take the first 200 of 250 reviews."""
    from sim.config import ReviewBackground

    table = AccountTable(100)
    table.add(100, provider=0, status=ACTIVE, created_at=-3650 * HOURS_PER_DAY, weight=1.0)
    view = table.observable()
    cfg = ReviewConfig(capacity_per_day=250.0, link_priority=10.0)
    background = ReviewBackground(provider=0, priority=[1.0], accounts_per_day=[0.0], per_spread=20.0)
    queue = ReviewQueue(cfg, EvidenceMemory(DetectorConfig(), np.random.default_rng(1)), QUEUE_SOURCES,
                        np.random.default_rng(2), background)
    rows = np.arange(100)
    queue.spread_load(10, TICK)
    queue.enqueue(view, rows, np.ones(100), np.full(100, 9.0), DETECTOR, np.ones(100), TICK + HOURS_PER_DAY)
    outcome = queue.review(view, 0, TICK + HOURS_PER_DAY, np.ones(100))
    assert queue.reviews_done == 250.0 and outcome.rows.size == 50  # 200 background, then 50 of the operator's
    queue.spread_load(0, TICK)  # no ban, no load
    assert queue._pending == []


def test_a_background_follows_its_day_profile():
    """``day_scale`` multiplies the day's background load, day by day, and its last value
    holds after it: with 100 accounts a day and the profile (2, 0.5), day 0 brings 200, day 1
    50 and day 5 50; without a profile every day brings 100."""
    from sim.config import ReviewBackground

    view = AccountTable(1).observable()

    def joined(day_scale: list[float], day: int) -> float:
        background = ReviewBackground(provider=0, priority=[3.0], accounts_per_day=[100.0], day_scale=day_scale)
        queue = ReviewQueue(ReviewConfig(), EvidenceMemory(DetectorConfig(), np.random.default_rng(1)), QUEUE_SOURCES,
                            np.random.default_rng(2), background)
        queue._gather(view, TICK + day * HOURS_PER_DAY)
        return float(queue._mass.sum())

    assert [joined([2.0, 0.5], d) for d in (0, 1, 5)] == [200.0, 50.0, 50.0]
    assert [joined([], d) for d in (0, 3)] == [100.0, 100.0]
