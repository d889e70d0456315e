"""Ready-made verified accounts on the market: bought when cheaper than building one, priced by enforcement."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.config.compose import compose
from sim.config import ConfigError
from sim.model import DistillationModel

from .conftest import SHORT, UNLOADED, simulate

PINNED = ["calibration.detector_threshold=4.5", "calibration.footprint=1.0"]  # a detector that bans every day
MARKET = [*UNLOADED, *SHORT, *PINNED, "costs.market.enabled=true"]
READY = ["costs.market.ready_accounts.enabled=true"]
# Document gating (pass rate 0.2): an own account costs ~$15 / 0.2 = $75 in identities; a ready-made one $60.
DOC_GATE = ["policy=provider_id_gating_2026", "policy.identity_gating.ownership_screen.enabled=false",
            "policy.identity_gating.reverify_on_flag=false"]
QUICK = ["scenario.end_date=2026-05-01"]
READY_KEYS = {"runtime_seconds", "attacker_ready_accounts_bought", "market_ready_account_spend_usd"}


def test_dearer_ready_accounts_are_never_bought_and_change_nothing() -> None:
    """Their price noise has its own stream: on but never cheaper, every result is as with them off."""
    base = [*MARKET, *DOC_GATE, *QUICK]
    off = simulate(*base)
    on = simulate(*base, *READY, "costs.market.ready_accounts.price_per_account.document=1000")
    assert on.metrics["attacker_ready_accounts_bought"] == 0
    assert {k: v for k, v in on.metrics.items() if k not in READY_KEYS} == {k: v for k, v in off.metrics.items() if k not in READY_KEYS}
    ready_cols = [c for c in on.daily.columns if c.startswith("market_ready_")]
    assert ready_cols and not [c for c in off.daily.columns if c.startswith("market_ready_")]
    pd.testing.assert_frame_equal(on.daily.drop(columns=ready_cols), off.daily)


def test_under_phone_gating_building_is_cheaper() -> None:
    m = simulate(*MARKET, *QUICK, *READY).metrics  # status quo: a phone number at $0.50 < a ready account at $2
    assert m["attacker_ready_accounts_bought"] == 0


def test_cheaper_ready_accounts_are_bought_within_capacity_and_harvest_more() -> None:
    own = simulate(*MARKET, *DOC_GATE).metrics
    r = simulate(*MARKET, *DOC_GATE, *READY)
    m, d = r.metrics, r.daily
    assert m["attacker_ready_accounts_bought"] > 0
    assert (d["market_ready_accounts_bought"] <= d["market_ready_account_capacity"] + 1e-9).all()
    assert m["attacker_ready_accounts_bought"] == d["market_ready_accounts_bought"].sum()
    assert m["attacker_spend_ready_account_usd"] == pytest.approx(d["market_ready_account_spend_usd"].sum())
    assert m["exchanges_harvested"] > own["exchanges_harvested"]  # supply-limited gating is bypassed in part


def test_ready_accounts_arrive_aged_and_verified_without_the_gate_lead_time() -> None:
    cfg = compose([*MARKET, *DOC_GATE, *READY, "scenario.end_date=2026-04-22"])  # one day: all bought at tick 0
    model = DistillationModel(cfg)
    model.run_model()
    table = model.accounts
    op = model.operators[0]
    aged = op.rows[table.created_at[op.rows] < 0]
    assert aged.size == op.ready_accounts_bought > 0
    assert (table.created_at[aged] == -90 * 24).all()
    assert (table.tier[aged] == 3).all()  # verified at the document tier
    ramp = cfg.attacker.ramp_days * 24
    assert table.active_from[aged].max() <= ramp  # no +1 day of document verification
    own = op.rows[table.created_at[op.rows] >= 0]
    assert table.active_from[own].max() > ramp


def test_more_enforcement_raises_the_ready_account_price_path() -> None:
    def mean_price(*overrides: str) -> float:
        return float(np.mean([simulate(*MARKET, *READY, *QUICK, *overrides, f"seed={s}").daily["market_ready_account_price_usd"].mean()
                              for s in (0, 1, 2)]))

    no_bans = mean_price("policy.review.capacity_per_day=0")
    bans = mean_price()
    assert bans > 1.5 * no_bans
    assert abs(no_bans - 2.0) < 0.2  # the phone tier's base price


def test_ready_accounts_need_the_market() -> None:
    with pytest.raises(ConfigError, match=r"costs\.market\.ready_accounts\.enabled=True.*costs\.market\.enabled=true"):
        compose(READY)
    with pytest.raises(ConfigError, match=r"costs\.market\.ready_accounts\.age_days=-1.*\[0\.0, 3650\.0\]"):
        compose(["costs.market.enabled=true", *READY, "costs.market.ready_accounts.age_days=-1"])
