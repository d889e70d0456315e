"""Global sensitivity: the Sobol code path recovers the Ishigami function's known indices,
and the simulator's sample points become the config values they stand for."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from experiments.analysis import sensitivity as sa

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


def test_categorical_factor_and_point_config() -> None:
    strategy = sa.FACTORS[0]
    assert strategy.choices == ("wide_slow", "churn")
    assert strategy.value(0.3) == "wide_slow" and strategy.value(1.7) == "churn" and strategy.value(2.0) == "churn"
    segments = [{"name": "casual", "vpn_share": 0.28, "cgnat_share": 0.25, "demand_tail_alpha": 0},
                {"name": "api_business", "vpn_share": 0.05, "cgnat_share": 0.02, "demand_tail_alpha": 1.5}]
    row = pd.Series({f.name: (f.choices[1] if f.choices else (f.lo + f.hi) / 2) for f in sa.FACTORS})
    row["legit VPN share"] = 0.35
    row["residential share of attacker exits"] = 0.7
    tree, defaults = sa.point_config(sa.FACTORS, row, segments)
    assert defaults == ["override /attacker: churn"]
    mix = tree["attacker"]["proxy_mix"]
    assert sum(mix.values()) == pytest.approx(1.0) and mix["mobile_proxy"] == pytest.approx(0.2)
    segs = tree["population"]["segments"]
    assert segs[0]["vpn_share"] == pytest.approx(0.35) and segs[1]["vpn_share"] == pytest.approx(0.0625)
    assert segs[0]["demand_tail_alpha"] == 0 and segs[1]["demand_tail_alpha"] == pytest.approx(1.8)
    assert tree["policy"]["detector"]["noise_sd"] == pytest.approx(0.625)
    assert segments[1]["vpn_share"] == 0.05  # the caller's list is not modified


def test_every_factor_key_exists_in_the_simulator_config(tmp_path) -> None:
    """A point file written for the sample composes with the real config and sets each value."""
    from omegaconf import OmegaConf

    from sim.config.compose import compose
    from sim.config import to_dict

    conf = Path(__file__).resolve().parents[1] / "conf" / "population" / "default.yaml"
    segments = OmegaConf.to_container(OmegaConf.load(conf))["segments"]
    row = pd.Series({f.name: (f.choices[1] if f.choices else f.lo + 0.37 * (f.hi - f.lo)) for f in sa.FACTORS})
    tree, defaults = sa.point_config(sa.FACTORS, row, segments)
    sa.write_point_file(tmp_path / "sens_point" / "p00000.yaml", tree, defaults)
    cfg = to_dict(compose([f"hydra.searchpath=[file://{tmp_path}]", "+sens_point=p00000"]))
    assert cfg["attacker"]["name"] == "churn"
    for f in sa.FACTORS:
        if f.key.startswith("@"):
            continue
        node = cfg
        for part in f.key.split("."):
            node = node[part]
        assert node == pytest.approx(row[f.name]), f.key
    assert cfg["population"]["segments"][2]["demand_tail_alpha"] == pytest.approx(row["legit demand tail index (API users)"])
