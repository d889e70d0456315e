"""Every config leaf declares its role, what it allows, and (for an uncertainty) a plausible
range and a source, once; what is derived from the declarations stays in step with them.

Each rule is a function that lists the leaves breaking it: the tests assert it lists none
for the real config, and that it does list a leaf built to break it (so no test passes by
checking nothing).
"""

from __future__ import annotations

import copy
import dataclasses
import math
import re
import subprocess
import sys
from typing import Any

import pytest

from experiments.analysis import sensitivity as sa
from sim.config import ConfigError, OperatorSpec, PopulationConfig, ProviderSpec, ScenarioConfig, SegmentSpec, SimConfig
from sim.config import roles
from sim.config.fields import ROLES, UNCERTAINTY, WORLD_SOURCES
from sim.config.roles import Parameter
from sim.config.validate import validate

from .conftest import cfg


@pytest.fixture(scope="module")
def reference() -> SimConfig:
    return cfg()


@pytest.fixture(scope="module")
def params(reference) -> list[Parameter]:
    return roles.parameters(reference)


def _bad(**changes: Any) -> Parameter:
    """A leaf that is well declared except for ``changes``."""
    base = Parameter(key="policy.probe", type="float", value=0.5, role=UNCERTAINTY, range=(0.0, 1.0),
                     plausible=(0.1, 0.9), source="A", doc="A probe.")
    return dataclasses.replace(base, **changes)


# --------------------------------------------------------------------------- the rules


def without_role(params: list[Parameter]) -> list[str]:
    return [p.key for p in params if p.role not in ROLES]


def without_range(params: list[Parameter]) -> list[str]:
    """Numeric leaves with no validity range, or an infinite end where inf does not mean 'no limit'."""
    return [p.key for p in params if p.numeric and (
        p.range is None or not math.isfinite(p.range[0]) or (not math.isfinite(p.range[1]) and not p.no_limit))]


def uncertainty_undeclared(params: list[Parameter]) -> list[str]:
    """Uncertainties without a world source label, or numeric ones without a plausible range."""
    return [p.key for p in params if p.role == UNCERTAINTY and (
        p.source not in WORLD_SOURCES or (p.numeric and p.plausible is None))]


def plausible_outside_range(params: list[Parameter]) -> list[str]:
    """Plausible ranges that are not a finite span inside the validity range (options: not among the choices)."""
    bad = []
    for p in params:
        if p.plausible is None:
            continue
        if all(isinstance(x, str) for x in p.plausible):
            if p.choices is not None and not set(p.plausible) <= set(p.choices):
                bad.append(p.key)
            continue
        lo, hi = p.plausible
        if p.range is None or not (math.isfinite(lo) and math.isfinite(hi) and p.range[0] <= lo <= hi <= p.range[1]):
            bad.append(p.key)
    return bad


def values_outside_range(params: list[Parameter]) -> list[str]:
    bad = []
    for p in params:
        values = p.value if isinstance(p.value, list) else [p.value]
        for v in values:
            if p.range is not None and not (isinstance(v, (int, float)) and p.range[0] <= v <= p.range[1]):
                bad.append(p.key)
            elif p.range is None and p.choices is not None and v not in p.choices:
                bad.append(p.key)
    return bad


def test_every_leaf_declares_its_role(params) -> None:
    assert len(params) > 200
    assert without_role(params) == []
    assert without_role([_bad(role=None)]) == ["policy.probe"]


def test_every_numeric_leaf_has_a_validity_range(params) -> None:
    assert without_range(params) == []
    assert without_range([_bad(range=None), _bad(key="x", range=(0.0, math.inf))]) == ["policy.probe", "x"]
    assert without_range([_bad(range=(0.0, math.inf), no_limit=True)]) == []
    # infinity is kept for limits only: caps, supplies, capacities, the budget, the carriers an indicator may have
    unlimited = {p.key for p in params if p.no_limit}
    assert "policy.volume_cap.per_account_day" in unlimited and "policy.review.capacity_per_day" in unlimited
    assert all(re.search(r"cap|supply|capacity|threshold|budget|aggregate|carriers", k) for k in unlimited), unlimited


def test_every_uncertainty_has_a_plausible_range_and_a_source(params) -> None:
    assert uncertainty_undeclared(params) == []
    assert uncertainty_undeclared([_bad(plausible=None), _bad(key="x", source="I"), _bad(key="y", source=None)]) == [
        "policy.probe", "x", "y"]
    # the defender's technology that no policy chooses is an uncertainty, said so in its description
    by_key = {p.key: p for p in params}
    for key in ("policy.geo_filter.match_prob.residential_proxy", "policy.detector.noise_sd"):
        assert by_key[key].role == UNCERTAINTY and "no policy chooses" in by_key[key].doc


def test_every_plausible_range_lies_inside_the_validity_range(params) -> None:
    assert plausible_outside_range(params) == []
    assert plausible_outside_range([_bad(plausible=(0.5, 2.0)), _bad(key="x", plausible=(0.9, 0.1)),
                                    _bad(key="y", plausible=(0.0, math.inf), range=(0.0, math.inf), no_limit=True)]) == [
        "policy.probe", "x", "y"]


def _defaults_config() -> SimConfig:
    """The dataclass defaults, with one default item in each list of dataclasses."""
    return SimConfig(scenario=ScenarioConfig(providers=[ProviderSpec()], operators=[OperatorSpec()]),
                     population=PopulationConfig(segments=[SegmentSpec()]))


def test_every_default_lies_inside_its_range(params) -> None:
    assert values_outside_range(params) == []  # the reference config (YAML over the defaults)
    assert values_outside_range(roles.parameters(_defaults_config())) == []  # the dataclass defaults themselves
    assert values_outside_range([_bad(value=1.5), _bad(key="x", value=[0.5, -1.0]),
                                 _bad(key="y", type="str", value="z", range=None, choices=("a",))]) == ["policy.probe", "x", "y"]


def test_roles_follow_the_split(params) -> None:
    """Everything the operator chooses is strategy; run mechanics are settings; every control's switch a lever."""
    by_key = {p.key: p for p in params}
    assert all(p.role == "strategy" for p in params if p.key.startswith("attacker."))
    assert by_key["scenario.operators[0].provider_shares"].role == "strategy"
    names = [p for p in params if p.key.endswith(".name") and p.key != "attacker.name"]  # a strategy preset
    assert all(p.role == "setting" for p in params if p.key.startswith("run.") or p in names)
    assert all(p.role == "lever" for p in params if re.fullmatch(r"policy\.\w+\.enabled", p.key))
    assert by_key["policy.review.capacity_per_day"].role == "lever"
    assert {p.role for p in roles.uncertainties(_defaults_config())} == {UNCERTAINTY}
    assert {p.role for p in roles.levers(_defaults_config())} == {"lever"}
    assert {p.role for p in roles.strategy(_defaults_config())} == {"strategy"}
    assert {p.role for p in roles.settings(_defaults_config())} == {"setting"}


# --------------------------------------------------------------------------- NaN and bad numbers are refused


def _set(obj: Any, key: str, value: Any) -> None:
    parts = re.findall(r"[^.\[\]]+|\[\d+\]", key)
    for part in parts[:-1]:
        obj = obj[int(part[1:-1])] if part.startswith("[") else (obj[part] if isinstance(obj, dict) else getattr(obj, part))
    last = parts[-1]
    if last.startswith("["):
        obj[int(last[1:-1])] = value
    elif isinstance(obj, dict):
        obj[last] = value
    else:
        setattr(obj, last, value)


def test_nan_is_refused_for_every_numeric_leaf(reference, params) -> None:
    numeric = [p for p in params if p.numeric]
    assert len(numeric) > 150
    for p in numeric:
        bad = copy.deepcopy(reference)
        key = f"{p.key}[0]" if p.type.startswith("list") else p.key
        _set(bad, key, math.nan)
        with pytest.raises(ConfigError) as err:
            validate(bad)
        assert f"{key}=nan" in str(err.value), p.key


@pytest.mark.parametrize("override, key", [
    ("policy.detector.threshold=nan", "policy.detector.threshold"),
    ("policy.detector.weights.template=nan", "policy.detector.weights.template"),
    ("policy.review.ban_threshold=nan", "policy.review.ban_threshold"),
    ("policy.volume_cap.flag_priority=nan", "policy.volume_cap.flag_priority"),
    # the status quo reads the fitted threshold: set the policy's own so that only the fitted one is bad
    ("calibration.detector_threshold=nan policy.detector.threshold=4 policy.review.ban_threshold=4",
     "calibration.detector_threshold"),
    ("costs.proxy_per_gb.residential_proxy=nan", "costs.proxy_per_gb.residential_proxy"),
    ("costs.proxy_per_gb.mobile_proxy=-1", "costs.proxy_per_gb.mobile_proxy"),
    ("scenario.operators.0.capability_mix.coding=nan", "scenario.operators[0].capability_mix.coding"),
    ("policy.detector.weights.volume=25", "policy.detector.weights.volume"),
    ("attacker.ramp_days=inf", "attacker.ramp_days"),
])
def test_composed_bad_numbers_name_the_key(override, key) -> None:
    with pytest.raises(ConfigError, match=re.escape(key) + r"=(nan|-1|25|inf)"):
        cfg(*override.split())


def test_unlimited_fields_accept_infinity() -> None:
    assert cfg("policy.review.capacity_per_day=inf").policy.review.capacity_per_day == math.inf


# --------------------------------------------------------------------------- lookups and what is derived


def test_declaration_reads_the_schema_without_a_config() -> None:
    vpn = roles.declaration("population.segments[*].vpn_share")
    assert (vpn.role, vpn.plausible, vpn.source, vpn.value) == (UNCERTAINTY, (0.2, 0.35), "R", 0.28)
    proxy = roles.declaration("costs.proxy_per_gb.residential_proxy")
    assert (proxy.plausible, proxy.source, proxy.value) == ((0.89, 8.0), "R", 3.0)
    assert roles.declaration("costs.proxy_per_gb.mobile_proxy").source == "A"
    assert roles.declaration("attacker.name").plausible == ("wide_slow", "churn")
    for key in ("policy.detector.treshold", "policy.detector", "population.segments.vpn_share"):
        with pytest.raises(KeyError, match=re.escape(key)):
            roles.declaration(key)


def test_sensitivity_factors_sample_the_declared_ranges() -> None:
    for f in sa.FACTORS:
        d = roles.declaration(sa.COMPOSITES.get(f.key, f.key))
        assert (f.choices or (f.lo, f.hi)) == d.plausible, f.name
        assert f.source.startswith(d.source or ""), f.name
    with pytest.raises(ValueError, match="attacker.footprint declares no plausible range"):
        sa.factor("footprint", "attacker.footprint")


def test_the_parameter_table_is_current() -> None:
    """docs/parameters.md is what ``python -m sim.config.roles --write`` writes from the declarations."""
    text = roles.markdown()
    assert roles.DOCS.read_text(encoding="utf-8") == text, "regenerate it: python -m sim.config.roles --write"
    assert re.search(r"\| `policy\.detector\.threshold` \| \d+\.\d+ \| in \[-50, 50\] \| lever \|", text)  # the calibrated value
    assert "## `population`" in text and "`population.segments[3].vpn_share`" in text


def test_importing_roles_stays_cheap() -> None:
    """The analysis package reads the declarations: no model, no Hydra, nothing composed."""
    code = ("import sys, sim.config.roles; "
            "print(sorted(m for m in ('mesa', 'hydra', 'sim.model', 'sim.agents', 'sim.controls', 'pandas') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
