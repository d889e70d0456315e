"""The policy library: a closed form for caps, and metamorphic properties over seeds."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from .conftest import SHORT, UNLOADED, simulate

NON_ADAPTIVE = [
    "attacker.responses.pace_under_cap=false",
    "attacker.responses.expand_fleet=false",
    "attacker.responses.compartmentalise=false",
    "attacker.responses.rotate_exit_on_refusal=false",
]
SEEDS = (0, 1)
WORLD = [*UNLOADED, *SHORT]


def _strip(m: dict) -> dict:
    return {k: v for k, v in m.items() if k not in ("runtime_seconds", "policy")}


@pytest.mark.parametrize("cap", [7, 20])
def test_fixed_fleet_under_a_daily_cap_harvests_exactly_n_times_c_per_day(cap):
    n, pace, days = 1000, 2 * cap, 15
    r = simulate(
        *WORLD, *NON_ADAPTIVE, "policy=none", "attacker.ramp_days=0", "attacker.max_pace_multiplier=1",
        f"attacker.pace_per_account_day={pace}", "attacker.spare_fraction=0",
        f"scenario.operators.0.target_exchanges={n * pace * days}",
        "policy.volume_cap.enabled=true", f"policy.volume_cap.per_account_day={cap}",
    )
    assert r.metrics["attacker_accounts_created"] == n
    served = r.daily["attacker_served"].to_numpy()
    assert (served == n * cap).all(), served
    requested = r.daily["attacker_requested"].to_numpy()
    assert (requested > n * cap).all()  # every account asked for more than the cap


def test_fixed_fleet_under_an_hourly_cap_harvests_n_times_24c_per_day():
    n, cap = 1000, 1
    r = simulate(
        *WORLD, *NON_ADAPTIVE, "policy=none", "attacker.ramp_days=0", "attacker.max_pace_multiplier=1",
        "attacker.pace_per_account_day=48", f"scenario.operators.0.target_exchanges={n * 48 * 15}",
        "policy.volume_cap.enabled=true", f"policy.volume_cap.per_account_hour={cap}",
    )
    assert (r.daily["attacker_served"].to_numpy() == n * cap * 24).all()


NEVER_FIRING = [
    ("volume_cap", ["policy.volume_cap.enabled=true"]),  # every limit infinite
    ("volume_cap_flag", ["policy.volume_cap.enabled=true", "policy.volume_cap.mode=flag"]),
    ("identity_gating_email", ["policy.identity_gating.tier=email"]),
    ("sharing_no_coverage", ["policy.sharing.enabled=true", "policy.sharing.coverage=0"]),
    ("link_analysis_nothing", ["policy.link_analysis.ban_on=[]", "policy.link_analysis.review_on=[]"]),
]


@pytest.mark.parametrize("name, on", NEVER_FIRING, ids=[n for n, _ in NEVER_FIRING])
def test_a_control_on_but_unable_to_fire_equals_it_off(name, on):
    off = {
        "volume_cap": ["policy.volume_cap.enabled=false"],
        "volume_cap_flag": ["policy.volume_cap.enabled=false"],
        "identity_gating_email": ["policy.identity_gating.enabled=false"],
        "sharing_no_coverage": ["policy.sharing.enabled=false"],
        "link_analysis_nothing": ["policy.link_analysis.enabled=false"],
    }[name]
    base = ["population.sample_size=5000", *SHORT]
    for seed in (0, 1):
        a = simulate(*base, f"seed={seed}", *off)
        b = simulate(*base, f"seed={seed}", *on)
        assert _strip(a.metrics) == _strip(b.metrics), name
        pd.testing.assert_frame_equal(a.daily, b.daily)


def _mean_harvest(*overrides: str) -> float:
    """Mean harvest of a non-adaptive attacker with only the lever's control on."""
    runs = [simulate(*WORLD, *NON_ADAPTIVE, "policy=none", f"seed={s}", *overrides) for s in SEEDS]
    return float(np.mean([r.metrics["exchanges_harvested"] for r in runs]))


def _assert_non_increasing(values: list[float]) -> None:
    assert all(b <= a for a, b in zip(values, values[1:], strict=False)), values
    assert values[-1] < values[0], values  # the lever does bind somewhere in the range


def test_tightening_a_cap_never_raises_the_harvest():
    caps = [1e9, 60, 30, 15, 5]
    _assert_non_increasing([
        _mean_harvest("policy.volume_cap.enabled=true", f"policy.volume_cap.per_account_day={c}") for c in caps
    ])


def test_raising_the_gating_tier_never_raises_the_harvest():
    tiers = ["email", "phone", "payment", "document", "organisation"]
    _assert_non_increasing([
        _mean_harvest("policy.identity_gating.enabled=true", f"policy.identity_gating.tier={t}",
                      "policy.identity_gating.supply_per_day.document=800",
                      "policy.identity_gating.supply_per_day.organisation=100") for t in tiers
    ])


def test_lowering_the_detector_threshold_never_raises_the_harvest():
    thresholds = [9.0, 5.0, 4.0, 3.0]
    _assert_non_increasing([
        _mean_harvest("attacker=churn", "attacker.spare_fraction=0", "attacker.max_pace_multiplier=1",
                      "policy.detector.enabled=true", f"policy.detector.threshold={t}",
                      f"policy.review.ban_threshold={t}") for t in thresholds
    ])


def test_sharing_bans_an_operator_that_spreads_over_providers():
    """Payment instruments and proxy exits straddle providers, so indicators
    published by one provider match the operator's accounts at another; with
    sharing off, or with one provider only, nothing is banned through it."""
    spread = [*WORLD, "seed=3", "scenario.operators.0.provider_shares=[0.5,0.5,0.0]"]
    sharing = ["policy.sharing.enabled=true", "policy.sharing.coverage=1.0", "policy.sharing.action=ban", "policy.sharing.latency_days=0"]
    assert simulate(*spread).metrics["attacker_banned_by_sharing"] == 0
    on = simulate(*spread, *sharing).metrics
    assert on["attacker_banned_by_sharing"] > 0
    assert on["legit_banned_by_sharing"] == 0.0  # population=none
    single = simulate(*WORLD, "seed=3", *sharing).metrics
    assert single["attacker_banned_by_sharing"] == 0
