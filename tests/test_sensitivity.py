"""Global sensitivity: the Sobol code path recovers the Ishigami function's known indices and the
Morris path a known ranking; the factors are their declarations; every policy runs the same points;
the per-policy sentence names the leading factor; sample points become the config values they stand for."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest

from experiments import sensitivity as script
from experiments.analysis import sensitivity as sa
from sim.config import roles

# Ishigami (a=7, b=0.1) on [-pi, pi]^3: analytic indices.
S1_TRUE = [0.314, 0.442, 0.0]
ST_TRUE = [0.558, 0.442, 0.244]
ISHIGAMI = tuple(sa.Factor(f"x{i}", -np.pi, np.pi) for i in (1, 2, 3))


def ishigami(points: pd.DataFrame) -> pd.DataFrame:
    x = points[["x1", "x2", "x3"]].to_numpy(float)
    y = np.sin(x[:, 0]) + 7 * np.sin(x[:, 1]) ** 2 + 0.1 * x[:, 2] ** 4 * np.sin(x[:, 0])
    return pd.DataFrame({"y": y, "constant": np.ones(len(x))})


def test_ishigami_indices_through_run_sobol() -> None:
    points, outputs, idx = sa.run_sobol(ISHIGAMI, ishigami, n=1024, seed=1)
    assert len(points) == 1024 * (3 + 2)
    y = idx[idx["output"] == "y"].set_index("parameter")
    np.testing.assert_allclose(y.loc[["x1", "x2", "x3"], "S1"], S1_TRUE, atol=0.05)
    np.testing.assert_allclose(y.loc[["x1", "x2", "x3"], "ST"], ST_TRUE, atol=0.05)
    # the intervals are reported and cover the truth
    assert (y["ST_conf"] > 0).all()
    assert (abs(y["ST"] - ST_TRUE) <= y["ST_conf"] + 0.02).all()
    # an output that does not vary gets no indices, and the sentence says so
    assert idx[idx["output"] == "constant"]["ST"].isna().all()
    sentence = sa.hinge_sentence(idx)
    assert "`y` hinges on x1" in sentence and "x3" in sentence
    assert "`constant` did not vary" in sentence


def test_sample_size_must_be_a_power_of_two() -> None:
    with pytest.raises(ValueError, match="power of two"):
        sa.sample(ISHIGAMI, 10)


def test_hinge_sentence_names_negligible_unknowns() -> None:
    idx = pd.DataFrame({"output": ["y", "y"], "parameter": ["big", "tiny"], "S1": [0.9, 0.0],
                        "S1_conf": [0.05, 0.01], "ST": [0.95, 0.01], "ST_conf": [0.05, 0.01], "variance": [1.0, 1.0]})
    text = sa.hinge_sentence(idx)
    assert "hinges on big" in text and "tiny move no output" in text


def _lists() -> dict[str, list]:
    return script.config_lists(["population=default"])


def test_morris_ranks_a_known_function() -> None:
    """y = 10 a + b^2 + 0 c on [0, 1]^3: mu* ranks a, then b, and c has none."""
    fs = tuple(sa.Factor(n, 0.0, 1.0) for n in ("a", "b", "c"))
    points, _, idx = sa.run_morris(fs, lambda p: pd.DataFrame({"y": 10 * p["a"] + p["b"] ** 2}), trajectories=20)
    assert len(points) == 20 * (3 + 1)
    mu = idx.set_index("parameter")["mu_star"]
    assert mu["a"] == pytest.approx(10.0) and 0.3 < mu["b"] < 2.0 and mu["c"] == pytest.approx(0.0)
    with pytest.raises(ValueError, match="trajectories=1"):
        sa.morris_sample(fs, 1)


def test_factors_are_their_declarations() -> None:
    """Every factor's range is its field's plausible range; the scale and integer rounding follow from it."""
    for f in sa.declared_factors():
        d = roles.declaration(sa.COMPOSITES.get(f.key, f.key))
        assert d.role in sa.SCREENED_ROLES, f.key
        assert (f.choices or (f.lo, f.hi)) == d.plausible, f.key
        assert f.integer == d.integer, f.key
        assert f.log == (not f.choices and f.lo > 0 and f.hi / f.lo >= sa.LOG_SPAN), f.key
        if not f.choices:  # the samplers' interval maps back onto the declared range, ends included
            assert (f.value(f.bounds[0]), f.value(f.bounds[1])) == pytest.approx((f.lo, f.hi)), f.key
            assert f.lo <= f.value(f.bounds[1]) <= f.hi and f.lo <= f.value(f.bounds[0]) <= f.hi, f.key
    keys = {f.key for f in sa.declared_factors()}
    for required in ("policy.identity_gating.supply_per_day.document", "policy.identity_gating.fake_document_pass_rate",
                     "costs.market.ready_accounts.price_per_account.document",
                     "costs.market.ready_accounts.capacity_per_day.document", "scenario.operators[0].budget_usd",
                     "@attacker", "attacker.max_pace_multiplier", "attacker.spare_fraction",
                     "attacker.accounts_per_identity"):
        assert required in keys, required
    budget = next(f for f in sa.declared_factors() if f.key == "scenario.operators[0].budget_usd")
    assert budget.log and budget.lo == pytest.approx(0.3 * 688_000, rel=0.02) and budget.hi == pytest.approx(10 * 688_000, rel=0.01)
    attacker_only = {f.key for f in sa.declared_factors(population=False)}
    assert "@vpn_share" not in attacker_only and keys - attacker_only == {"@vpn_share", "@demand_tail_alpha",
                                                                          "costs.signup_dropoff.phone"}


def test_a_key_without_a_plausible_range_or_of_another_role_is_refused() -> None:
    with pytest.raises(ValueError, match=r"^factor 'fp': attacker.footprint declares no plausible range[^\n]*$"):
        sa.declared_factors((("fp", "attacker.footprint", False),))
    with pytest.raises(ValueError, match=r"^factor 'cap': policy.review.capacity_per_day is a lever[^\n]*$"):
        sa.declared_factors((("cap", "policy.review.capacity_per_day", False),))


def test_every_policy_runs_the_same_points(tmp_path) -> None:
    """The per-policy plan: one evaluator per policy, the same point files, only ``policy=`` differs."""
    args = script.parse_args(["--policies", "status_quo,identity_gating,volume_cap", "--n", "2",
                              "--sweep-dir", str(tmp_path / "sens")])
    factors = sa.declared_factors(population=False)
    plans = script.plan(args, factors)
    assert list(plans) == ["status_quo", "identity_gating", "volume_cap"]
    _, points = sa.morris_sample(factors, args.n, args.sample_seed)
    trees = [ev.trees(points) for ev in plans.values()]
    assert len(trees[0]) == 2 * (len(factors) + 1) and all(t == trees[0] for t in trees)
    rest = [tuple(o for o in ev.overrides if not o.startswith("policy=")) for ev in plans.values()]
    assert all(r == rest[0] for r in rest) and "population=none" in rest[0]
    assert [o for ev in plans.values() for o in ev.overrides if o.startswith("policy=")] == \
        ["policy=status_quo", "policy=identity_gating", "policy=volume_cap"]
    assert len({ev.sweep_dir for ev in plans.values()}) == 3
    assert all(ev.outputs == script.CAMPAIGN_OUTPUTS for ev in plans.values())  # attacker only: no collateral
    assert script.parse_args(["--policy", "letter_package"]).policies == ["letter_package"]


def test_policy_sentence_names_the_top_factor() -> None:
    morris = pd.DataFrame({"output": ["y"] * 3 + ["z"] * 3 + ["w"] * 3, "parameter": ["a", "b", "c"] * 3,
                           "mu_star": [0.1, 0.9, 0.5, 3.0, 1.0, 2.0, np.nan, np.nan, np.nan],
                           "mu_star_conf": [0.05] * 9, "undefined": [0] * 9})
    text = sa.policy_sentence("p", morris, {"y": "the blocked share"})
    assert text.startswith("Under `p`, the blocked share hinges on b [mu* 0.90 +/- 0.05] and c [mu* 0.50")
    assert "z hinges on a [mu* 3.00 +/- 0.05] and c [mu* 2.00" in text and "b [mu* 1.00" not in text
    assert "w did not vary" in text
    signed = sa.policy_sentence("p", morris.assign(mu=[0.1, -0.9, 0.1, 3.0, 1.0, 2.0, np.nan, np.nan, np.nan]))
    assert "b [mu* 0.90 +/- 0.05; the output falls as it rises]" in signed and "c [mu* 0.50 +/- 0.05; no single direction]" in signed
    assert "a [mu* 3.00 +/- 0.05; the output rises with it]" in signed
    sobol = pd.DataFrame({"output": ["y", "y"], "parameter": ["a", "b"], "ST": [0.2, 0.7], "ST_conf": [0.1, 0.1],
                          "undefined": [3, 3]})
    assert sa.policy_sentence("q", sobol) == "Under `q`, y has no value at 3 points (not analysed)."
    assert "hinges on b [ST 0.70 +/- 0.10]." in sa.policy_sentence("q", sobol.assign(undefined=0))


def test_screening_note() -> None:
    assert sa.screening_note("morris", 10).startswith("Screening only")
    assert sa.screening_note("sobol", 8).startswith("Screening only")
    assert not sa.screening_note("sobol", 64).startswith("Screening only")


def test_categorical_factor_and_point_config() -> None:
    strategy = sa.FACTORS[0]
    assert strategy.choices == ("wide_slow", "churn")
    assert strategy.value(0.3) == "wide_slow" and strategy.value(1.7) == "churn" and strategy.value(2.0) == "churn"
    segments = [{"name": "casual", "vpn_share": 0.28, "cgnat_share": 0.25, "demand_tail_alpha": 0},
                {"name": "api_business", "vpn_share": 0.05, "cgnat_share": 0.02, "demand_tail_alpha": 1.5}]
    operators = [{"name": "op", "budget_usd": 1e8, "target_exchanges": 28_800_000}]
    row = pd.Series({f.name: f.value(sum(f.bounds) / 2) for f in sa.FACTORS})
    row["legit VPN share"] = 0.35
    row["campaign budget (USD)"] = 690_000.0
    tree, defaults = sa.point_config(sa.FACTORS, row, {"population.segments": segments, "scenario.operators": operators})
    assert defaults == ["override /attacker: churn"]
    segs = tree["population"]["segments"]
    assert segs[0]["vpn_share"] == pytest.approx(0.35) and segs[1]["vpn_share"] == pytest.approx(0.0625)
    assert segs[0]["demand_tail_alpha"] == 0 and segs[1]["demand_tail_alpha"] == pytest.approx(1.8)
    assert tree["scenario"]["operators"] == [{"name": "op", "budget_usd": 690_000.0, "target_exchanges": 28_800_000}]
    assert tree["policy"]["detector"]["noise_sd"] == pytest.approx(0.625)
    assert isinstance(tree["attacker"]["accounts_per_identity"], int)
    assert segments[1]["vpn_share"] == 0.05 and operators[0]["budget_usd"] == 1e8  # the caller's lists are kept
    # a point matches the run that has its values, lists compared on the entries the point sets
    runs = pd.DataFrame([{**{k: v for k, v in sa._flatten(tree).items() if not isinstance(v, list)},
                          "scenario.operators": json.dumps([{**operators[0], "budget_usd": 690_000.0, "extra": 1}]),
                          "population.segments": json.dumps(segs), "attacker.name": "churn"}])
    assert sa.match_points([(tree, defaults)], runs) == [0]
    runs["scenario.operators"] = json.dumps([{**operators[0], "budget_usd": 700_000.0}])
    assert sa.match_points([(tree, defaults)], runs) == [None]


def test_every_factor_key_exists_in_the_simulator_config(tmp_path) -> None:
    """A point file written for the sample composes with the real config and sets each value."""
    from sim.config import to_dict
    from sim.config.compose import compose

    row = pd.Series({f.name: f.value(f.bounds[0] + 0.37 * (f.bounds[1] - f.bounds[0])) for f in sa.FACTORS})
    row["attacker strategy preset"] = "churn"
    tree, defaults = sa.point_config(sa.FACTORS, row, _lists())
    sa.write_point_file(tmp_path / "sens_point" / "p00000.yaml", tree, defaults)
    cfg = to_dict(compose([f"hydra.searchpath=[file://{tmp_path}]", "+sens_point=p00000"]))
    assert cfg["attacker"]["name"] == "churn"
    for f in sa.FACTORS:
        if f.key.startswith("@"):
            continue
        node = cfg
        for part in re.findall(r"[^.\[\]]+", f.key):
            node = node[int(part)] if part.isdigit() else node[part]
        assert node == pytest.approx(row[f.name]), f.key
    assert cfg["population"]["segments"][2]["demand_tail_alpha"] == pytest.approx(row["legit demand tail index (API users)"])
