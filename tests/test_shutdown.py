"""Availability shutdown: the collateral is every legitimate exchange in the window."""

from __future__ import annotations

import numpy as np

from .conftest import SHORT, simulate

SMALL = ["population.sample_size=5000", *SHORT]
OFF = ["policy=none", "policy.shutdown.enabled=true", "policy.shutdown.providers=[0,1,2]", "policy.shutdown.start_day=3", "policy.shutdown.days=4"]


def test_shutdown_refuses_exactly_the_legitimate_demand_in_its_window() -> None:
    r = simulate(*SMALL, *OFF)
    d = r.daily
    inside = d["day"].between(3, 6)
    assert np.allclose(d.loc[inside, "legit_refused_real"], d.loc[inside, "legit_requested_real"])
    assert (d.loc[inside, "legit_requested_real"] > 0).all()
    assert (d.loc[~inside, "legit_refused_real"] == 0).all()  # policy none: nothing else refuses
    assert (d.loc[inside, "attacker_served"] == 0).all() and (d.loc[inside, "attacker_requested"] > 0).all()
    share = d.loc[inside, "legit_requested_real"].sum() / d["legit_requested_real"].sum()
    assert np.isclose(r.metrics["legit_exchanges_refused_share"], share)


def test_shutdown_of_the_target_only_spares_other_providers() -> None:
    r = simulate(*SMALL, *OFF[:2], "policy.shutdown.providers=[0]", "policy.shutdown.start_day=3", "policy.shutdown.days=4")
    d = r.daily
    inside = d["day"].between(3, 6)
    refused = d.loc[inside, "legit_refused_real"].sum()
    assert 0 < refused < d.loc[inside, "legit_requested_real"].sum()
    assert (d.loc[inside, "attacker_served"] == 0).all()  # the campaign used the target provider only
