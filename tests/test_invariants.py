"""Invariants: conservation of requests, no negative counts, policy=none is a no-op."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.record.ledger import TICK_COLUMNS

from .conftest import SHORT, SMALL_POP, simulate

COLLATERAL = (
    "legit_users_wrongly_banned",
    "legit_users_wrongly_banned_per_100k",
    "legit_users_wrongly_banned_expected",
    "legit_exchanges_refused_share",
    "legit_users_refused_at_least_once",
    "legit_signups_lost",
    "legit_flag_rate_per_account_month",
    "reviews_done",
)


@pytest.fixture(scope="module", params=["wide_slow", "churn"])
def no_controls(request):
    return simulate(*SMALL_POP, "policy=none", f"attacker={request.param}", "seed=3")


def test_with_no_controls_the_attacker_gets_exactly_its_demand(no_controls):
    m = no_controls.metrics
    assert m["exchanges_demanded"] == m["exchanges_target"] == 28_800_000
    assert m["exchanges_harvested"] == m["exchanges_demanded"]
    assert m["exchanges_refused"] == 0
    assert m["campaign_blocked_share"] == 0.0
    assert m["attacker_accounts_banned"] == 0
    assert m["days_to_target"] == 45


def test_with_no_controls_legitimate_users_lose_nothing(no_controls):
    m = no_controls.metrics
    for key in COLLATERAL:
        assert m[key] == 0, key
    assert no_controls.daily["legit_requested_real"].sum() > 0  # there was legitimate traffic


def _check_conservation(ticks: pd.DataFrame, daily: pd.DataFrame) -> None:
    for side in ("attacker", "legit"):
        req, srv, ref = (ticks[f"{side}_{k}"] for k in ("requested", "served", "refused"))
        assert (req == srv + ref).all(), side
    np.testing.assert_allclose(
        daily["legit_requested_real"], daily["legit_served_real"] + daily["legit_refused_real"], rtol=1e-12
    )


def test_requested_equals_served_plus_refused_at_every_tick(status_quo_small):
    assert status_quo_small.ticks.shape == (15 * 24, len(TICK_COLUMNS))
    assert status_quo_small.ticks["attacker_refused"].sum() > 0  # the check is not vacuous
    _check_conservation(status_quo_small.ticks, status_quo_small.daily)


def test_no_count_goes_negative(status_quo_small):
    assert (status_quo_small.ticks.to_numpy() >= 0).all()
    numeric = status_quo_small.daily.select_dtypes("number")
    assert (numeric.to_numpy() >= 0).all()
    for key, value in status_quo_small.metrics.items():
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            assert value >= 0, key


def test_cumulative_series_never_decrease(status_quo_small):
    d = status_quo_small.daily
    for col in ("attacker_harvested_cum", "attacker_accounts_created_cum", "attacker_spend_cum_usd",
                "legit_signups_lost_cum", "reviews_done_cum"):
        assert (d[col].diff().dropna() >= 0).all(), col


def test_status_quo_blocks_and_costs_something(status_quo_small):
    m = status_quo_small.metrics
    assert m["attacker_accounts_banned"] > 0
    assert m["legit_signups_lost"] > 0  # phone verification loses some sign-ups
    assert m["legit_exchanges_refused_share"] > 0  # VPN / CGNAT false matches
    harvested = m["exchanges_harvested"]
    assert harvested == status_quo_small.ticks["attacker_served"].sum()


def test_metrics_have_the_documented_keys(status_quo_small):
    required = {
        "seed", "exchanges_demanded", "exchanges_harvested", "campaign_blocked_share", "days_to_target",
        "attacker_accounts_created", "attacker_accounts_banned", "attacker_cost_usd",
        "attacker_cost_per_million_exchanges", "legit_users_wrongly_banned",
        "legit_users_wrongly_banned_per_100k", "legit_exchanges_refused_share", "legit_signups_lost",
        "runtime_seconds",
    }
    assert required <= set(status_quo_small.metrics)
