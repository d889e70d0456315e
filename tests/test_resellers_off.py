"""With resellers, the account market, aggregate reporting, shutdown and sanctions off (the
defaults), none of them is built, draws nothing, books nothing and adds no daily column.

(Bit-identity of whole runs across a refactor is checked by ``scripts/golden.py``, which
records the metrics and daily columns of 60 runs and compares the current code with them.)
"""

from __future__ import annotations

import pytest

from sim import DistillationModel, compose

from .conftest import SHORT, SMALL_POP, simulate


@pytest.mark.parametrize("policy,attacker", [("status_quo", "wide_slow"), ("letter_package", "churn"), ("identity_gating", "churn")])
def test_mechanisms_that_are_off_leave_no_trace(policy: str, attacker: str) -> None:
    overrides = [*SMALL_POP, *SHORT, f"policy={policy}", f"attacker={attacker}"]
    model = DistillationModel(compose(overrides))
    assert model.market is None and model.resellers == [] and model.sanctions is None
    assert not any(type(c).__name__ in ("AggregateReporting", "Shutdown") for p in model.providers for c in p.controls)
    result = simulate(*overrides)
    new_columns = {c for c in result.daily.columns if c.startswith(("market_", "reseller_", "attacker_route"))}
    assert not new_columns, "reseller, market and routing daily columns appear only when their mechanism is on"
    assert result.metrics["legit_users_cut_off_by_reseller_bans"] == 0.0
    assert result.metrics["horizon_reduction_share"] == 0.0
    assert result.metrics["attacker_exchanges_via_resellers"] == 0
