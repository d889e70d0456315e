"""Outcomes are declared once (sim/record/outcomes.py): metrics.json holds exactly the
declared outcomes, the daily series only declared columns, the Parquet files carry each
column's unit and description, docs/outcomes.md is generated from the declarations; and the
harvest splits and the route share are the statistics they are declared to be."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from sim.model import DistillationModel
from sim.record import metrics, outcomes, summary
from sim.sweeps import collect, store

from .conftest import SHORT, SMALL_POP, cfg, simulate

ROOT = Path(__file__).resolve().parents[1]
# Every mechanism that adds daily columns only when it is on, on.
ALL_ON = [
    *SMALL_POP, *SHORT, "scenario=qwen_2026_resellers", "attacker.resellers.base_share=0.5",
    "costs.market.enabled=true", "costs.market.ready_accounts.enabled=true", "policy.identity_gating.reverify_on_flag=true",
]
CAPS = ("coding", "agentic", "long_horizon", "other")


@pytest.fixture(scope="module")
def all_on():
    return simulate(*ALL_ON)


def _declared(registry, overrides: list[str]) -> list[str]:
    return outcomes.names(registry, metrics.dimensions(cfg(*overrides)))


@pytest.mark.parametrize("which", ["status_quo", "all_on"])
def test_metrics_are_exactly_the_declared_outcomes(which, status_quo_small, all_on) -> None:
    result, overrides = (status_quo_small, [*SMALL_POP, *SHORT]) if which == "status_quo" else (all_on, ALL_ON)
    declared = _declared(outcomes.MECHANISMS, overrides)
    assert len(declared) == len(set(declared)), "an outcome is declared twice"
    assert set(result.metrics) - set(declared) == set(), "undeclared metrics"
    assert set(declared) - set(result.metrics) == set(), "declared but missing"


def test_daily_columns_are_declared(status_quo_small, all_on) -> None:
    assert set(status_quo_small.daily.columns) < set(_declared(outcomes.DAILY, [*SMALL_POP, *SHORT]))
    assert set(all_on.daily.columns) == set(_declared(outcomes.DAILY, ALL_ON))


def test_metrics_and_daily_series_use_their_own_scopes() -> None:
    for registry, scopes in ((outcomes.MECHANISMS, outcomes.OUTCOME_SCOPES), (outcomes.DAILY, outcomes.DAILY_SCOPES)):
        wrong = [d for m in registry for d in m.outputs if d.scope not in scopes]
        assert not wrong, wrong


def test_summarize_refuses_an_undeclared_outcome(monkeypatch) -> None:
    model = DistillationModel(cfg("population=none", "scenario.end_date=2026-04-23"))
    market = metrics.MEASURES["market"]
    monkeypatch.setitem(metrics.MEASURES, "market", lambda r: {**market(r), "market_mood": 1.0})
    with pytest.raises(ValueError, match=r"'market'.*undeclared \['market_mood'\]"):
        metrics.summarize(model)


def test_harvest_splits_count_the_window_only() -> None:
    """With an overrun, the splits by capability and by provider sum to the window's harvest."""
    m = simulate("population=none", "scenario.end_date=2026-05-06", "scenario.overrun_days=5",
                 "policy=letter_package", "attacker=churn").metrics
    assert m["exchanges_harvested_incl_overrun"] > 1.5 * m["exchanges_harvested"]  # the overrun harvested a lot
    assert sum(m[f"exchanges_harvested_{c}"] for c in CAPS) == pytest.approx(m["exchanges_harvested"], rel=1e-12)
    by_provider = [m[f"exchanges_harvested_from_{p}"] for p in ("target", "peer_a", "peer_b")]
    assert sum(by_provider) == m["exchanges_harvested"]


def test_harvest_by_provider_follows_the_operator_spread() -> None:
    result = simulate("population=none", *SHORT, "scenario.operators.0.provider_shares=[0.5,0.3,0.2]")
    m, daily = result.metrics, result.daily
    by_provider = [m[f"exchanges_harvested_from_{p}"] for p in ("target", "peer_a", "peer_b")]
    assert by_provider[0] > by_provider[1] > by_provider[2] > 0
    assert sum(by_provider) == m["exchanges_harvested"]
    per_day = daily[[f"attacker_served_from_{p}" for p in ("target", "peer_a", "peer_b")]].sum(axis=1)
    assert per_day.tolist() == daily["attacker_served"].tolist()


def test_route_share_is_the_target_weighted_mean_in_both_places() -> None:
    model = DistillationModel(cfg("scenario=feb_2026", "scenario.resellers.enabled=true", "attacker.resellers.base_share=0.5",
                                  "population=none", "population.review_background=[]", "scenario.end_date=2026-01-24"))
    model.run_model()
    m = metrics.summarize(model)
    shares = [op.route_share for op in model.operators]
    assert len(set(shares)) > 1, "the test needs operators whose shares differ"
    weighted = sum(op.target * op.route_share for op in model.operators) / sum(op.target for op in model.operators)
    assert m["attacker_final_route_share"] == pytest.approx(weighted, rel=1e-12)
    assert model.ledger.days[-1]["attacker_route_share"] == m["attacker_final_route_share"]


def test_parquet_files_carry_units_and_descriptions(tmp_path, status_quo_small) -> None:
    overrides = [*SMALL_POP, *SHORT, "seed=7"]
    identity = store.run_identity(cfg(*overrides))
    run_dir = store.run_dir(tmp_path, identity)
    store.write_run(run_dir, cfg(*overrides), status_quo_small, provenance={"overrides": overrides})
    daily = pq.read_schema(run_dir / "daily.parquet")
    for name in daily.names:
        declared = outcomes.get(name, outcomes.DAILY)
        assert daily.field(name).metadata[b"unit"] == declared.unit.encode()
        assert daily.field(name).metadata[b"description"] == declared.description.encode()
    expected = status_quo_small.daily.assign(date=pd.to_datetime(status_quo_small.daily["date"]).dt.date)  # stored as dates
    pd.testing.assert_frame_equal(pd.read_parquet(run_dir / "daily.parquet"), expected)
    assert collect.main([str(tmp_path)]) == 0
    runs = pq.read_schema(tmp_path / "runs.parquet")
    assert runs.field("legit_users_refused_per_100k").metadata[b"unit"] == outcomes.PER_100K.encode()
    assert runs.field("attacker_spend_proxy_usd").metadata[b"direction"] == b"higher"
    assert b"policy.detector.threshold" in runs.field("policy.detector.threshold").metadata[b"description"]
    assert all(runs.field(n).metadata and runs.field(n).metadata[b"description"] for n in runs.names)
    table = pd.read_parquet(tmp_path / "runs.parquet")
    assert table.loc[0, "exchanges_harvested"] == status_quo_small.metrics["exchanges_harvested"]


def test_lookup_prefers_the_plain_outcome_then_the_most_specific_family() -> None:
    assert outcomes.get("attacker_refused_by_reseller_kyc").description.startswith("Operator requests that compliant")
    from_target = outcomes.get("exchanges_harvested_from_target")
    assert "provider target" in from_target.description and from_target.label == "harvested from target"
    assert outcomes.get("exchanges_harvested_agentic").label == "harvested: agentic"
    assert outcomes.find("exchanges_hoarded") is None
    with pytest.raises(KeyError, match="exchanges_hoarded"):
        outcomes.get("exchanges_hoarded")


def test_each_dimension_lists_its_vocabulary() -> None:
    """The members docs/outcomes.md lists for each family are the run's vocabularies."""
    dims = metrics.dimensions(cfg())
    assert set(outcomes.DIMENSIONS) == set(dims)
    for name, values in dims.items():
        assert outcomes.DIMENSIONS[name].rsplit(": ", 1)[1].split(", ") == list(values), name


def test_the_printed_summary_takes_labels_and_units_from_the_declarations(status_quo_small) -> None:
    text = summary.render(status_quo_small.metrics)
    assert f"{outcomes.get('attacker_cost_usd').heading}  " in text
    assert "legitimate users wrongly banned, expected (per 100k real users)" in text


def test_docs_outcomes_md_is_up_to_date() -> None:
    committed = (ROOT / "docs" / "outcomes.md").read_text(encoding="utf-8")
    assert committed == outcomes.render(), "regenerate: python -m sim.record.outcomes > docs/outcomes.md"
