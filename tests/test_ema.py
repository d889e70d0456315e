"""The EMA Workbench adapter: parameters and outcomes come from the declarations, and
experiments run through EMA's evaluators give the simulator's own numbers."""

from __future__ import annotations

import math
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("ema_workbench")
from ema_workbench import (  # noqa: E402
    BooleanParameter, CategoricalParameter, IntegerParameter, MultiprocessingEvaluator, RealParameter, ScalarOutcome,
    SequentialEvaluator, perform_experiments,
)
from ema_workbench.em_framework.samplers import sample_uncertainties  # noqa: E402

from sim.config import roles  # noqa: E402
from sim.config.compose import compose, keyword_overrides  # noqa: E402
from sim.interop.ema import JOINT, PRESET, ema_model, ema_name, policy_presets, presets, run_experiment  # noqa: E402
from sim.record import outcomes as registry  # noqa: E402
from sim.runner import run  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
TINY = ["population=none", "scenario.end_date=2026-04-24"]  # attacker only, a 3-day window
KEYS = ["policy.identity_gating.fake_document_pass_rate", "scenario.operators[0].budget_usd"]
OUT = ["campaign_blocked_share", "attacker_cost_per_million_exchanges"]


def test_uncertainties_levers_and_outcomes_come_from_the_declarations() -> None:
    model = ema_model(base_overrides=["population=none"],
                      policy_levers=["policy.review.capacity_per_day", "policy.identity_gating.tier",
                                     "policy.volume_cap.enabled"])
    declared = [p for p in roles.uncertainties(compose(["population=none"]))
                if p.plausible is not None and p.type in ("int", "float", "str", "bool")]
    kept = [p for p in declared if not any(re.search(j, p.key) for j in JOINT)]
    assert [u.name for u in model.uncertainties] == [ema_name(p.key) for p in kept]
    assert len(kept) < len(declared)  # shares that must sum to one are left out
    for u, p in zip(model.uncertainties, kept, strict=True):
        assert u.variable_name == [p.key]
        if p.type == "str":
            assert isinstance(u, CategoricalParameter)
        elif p.integer:
            assert isinstance(u, IntegerParameter) and (u.lower_bound, u.upper_bound) == p.plausible
        else:
            assert isinstance(u, RealParameter) and (u.lower_bound, u.upper_bound) == pytest.approx(p.plausible)
    levers = {lv.name: lv for lv in model.levers}
    cap = levers["policy_review_capacity_per_day"]
    assert (cap.lower_bound, cap.upper_bound) == roles.declaration("policy.review.capacity_per_day").plausible
    assert isinstance(levers["policy_identity_gating_tier"], CategoricalParameter)
    assert isinstance(levers["policy_volume_cap_enabled"], BooleanParameter)
    assert {c.value for c in levers[PRESET].categories} == set(policy_presets()) >= {"status_quo", "identity_gating"}
    kinds = {o.name: o.kind for o in model.outcomes}
    want = {registry.LOWER: ScalarOutcome.MINIMIZE, registry.HIGHER: ScalarOutcome.MAXIMIZE, registry.NONE: ScalarOutcome.INFO}
    assert kinds["campaign_blocked_share"] == ScalarOutcome.MAXIMIZE
    assert kinds["legit_users_wrongly_banned_expected_per_100k"] == ScalarOutcome.MINIMIZE
    assert all(kinds[n] == want[registry.get(n).direction] for n in kinds)
    assert "seed" not in kinds and "runtime_seconds" not in kinds


def test_undeclared_or_unsampleable_keys_are_refused() -> None:
    with pytest.raises(KeyError, match="policy.no_such_key"):
        ema_model(uncertainties=["policy.no_such_key"], base_overrides=["population=none"])
    with pytest.raises(ValueError, match="link_analysis.ban_on"):
        ema_model(uncertainties=["policy.link_analysis.ban_on"], base_overrides=["population=none"])
    with pytest.raises(KeyError, match="not_a_preset"):
        presets("not_a_preset")


def test_sampled_scenarios_make_valid_configs() -> None:
    """Every default uncertainty sampled at once, with the default population: each config validates."""
    model = ema_model()
    for scenario in sample_uncertainties(model, 6):
        values = {model.uncertainties[name].variable_name[0]: v for name, v in scenario.items()}
        compose(keyword_overrides(values))


@pytest.fixture(scope="module")
def small_design():
    model = ema_model(uncertainties=KEYS, outcomes=OUT, base_overrides=TINY)
    with SequentialEvaluator(model) as evaluator:
        experiments, outcomes = perform_experiments(model, scenarios=2, policies=presets("status_quo", "identity_gating"),
                                                    evaluator=evaluator)
    return model, experiments, outcomes


def test_perform_experiments_gives_the_simulators_numbers(small_design) -> None:
    model, experiments, outcomes = small_design
    assert len(experiments) == 4 and set(experiments["policy"]) == {"status_quo", "identity_gating"}
    assert set(outcomes) == set(OUT) and all(len(v) == 4 for v in outcomes.values())
    row = experiments.iloc[3]
    values = {u.variable_name[0]: row[u.name] for u in model.uncertainties}
    direct = run(compose([*TINY, f"policy={row['preset']}", *keyword_overrides(values)])).metrics
    for name in OUT:
        if direct[name] is None:  # undefined for this run (e.g. the cost per exchange of a run that harvested nothing)
            assert np.isnan(outcomes[name][3]), name
        else:
            assert outcomes[name][3] == pytest.approx(direct[name], rel=1e-12), name


@pytest.mark.slow
def test_the_multiprocessing_evaluator_gives_the_same_numbers(small_design) -> None:
    model, experiments, outcomes = small_design
    from ema_workbench import Scenario

    scenarios = [Scenario(str(i), **{u.name: experiments.iloc[i][u.name] for u in model.uncertainties}) for i in range(2)]
    with MultiprocessingEvaluator(model, n_processes=2) as evaluator:
        _, par = perform_experiments(model, scenarios=scenarios, policies=presets("status_quo", "identity_gating"),
                                     evaluator=evaluator)
    for name in OUT:
        np.testing.assert_allclose(np.sort(par[name]), np.sort(outcomes[name]), rtol=1e-12)


def test_replications_average_over_seeds() -> None:
    model = ema_model(uncertainties=KEYS[:1], outcomes=OUT[:1], replications=[0, 1], base_overrides=TINY)
    from ema_workbench import Policy, Scenario

    _, out = perform_experiments(model, scenarios=[Scenario("s", **{ema_name(KEYS[0]): 0.3})],
                                 policies=[Policy("gated", **{PRESET: "identity_gating"})])
    each = [run_experiment(TINY, policy="identity_gating", seed=s, **{KEYS[0]: 0.3})[OUT[0]] for s in (0, 1)]
    assert out[OUT[0]][0] == pytest.approx(np.mean(each), rel=1e-12)
    assert not math.isclose(each[0], each[1])  # the seeds differ, so the mean is a mean


def test_an_experiment_overrides_what_the_base_sets() -> None:
    got = run_experiment(["population=none", "scenario.end_date=2026-04-30"], **{"scenario.end_date": "2026-04-24"})
    assert got["window_days"] == 3


def test_the_quickstart_example_runs_small() -> None:
    proc = subprocess.run([sys.executable, "docs/examples/ema_quickstart.py", "2", *TINY], cwd=ROOT,
                          capture_output=True, text=True, timeout=600, check=False)
    assert "4/4" in proc.stderr, proc.stderr[-2000:]  # EMA's progress bar: 2 scenarios x 2 policies ran
    if proc.returncode == 0:
        assert "coverage" in proc.stdout and "density" in proc.stdout
    else:
        assert "nothing for PRIM to bound" in proc.stderr, proc.stderr[-2000:]
