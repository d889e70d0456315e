"""Property-based: every leaf of the composed config refuses a bad value with its key named,
and accepts a good one (hypothesis over every numeric leaf, validated as a config; and over
every switch, choice and date, composed from a command-line override as the CLI composes it).
Free-text leaves (names) take any string and have no bad value."""

from __future__ import annotations

import copy
import math
import re
import string

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hydra.errors import HydraException
from omegaconf.errors import OmegaConfBaseException

from sim.config import ConfigError, SimConfig, validate
from sim.config.compose import compose
from sim.config.errors import one_line
from sim.config.roles import Parameter, parameters

from .conftest import cfg as compose_cfg

REFERENCE = compose_cfg()
LEAVES = parameters(REFERENCE)
NUMERIC = [p for p in LEAVES if p.numeric and p.type in ("int", "float") and p.range is not None]
SWITCHES = [p for p in LEAVES if p.type == "bool"]
CHOICES = [p for p in LEAVES if p.choices is not None and p.type in ("str", "list[str]")]
DATES = [p for p in LEAVES if p.key.endswith("_date")]
WORDS = {"true", "false", "null", "none", "nan", "inf", "yes", "no", "on", "off", "y", "n"}  # read as other types


def _set(cfg: SimConfig, key: str, value) -> SimConfig:
    """A copy of ``cfg`` with the leaf ``key`` (``a.b[0].c``, ``costs.proxy_per_gb.x``) set to ``value``."""
    out = copy.deepcopy(cfg)
    parts = re.findall(r"[^.\[\]]+", key)
    node = out
    for part in parts[:-1]:
        node = node[int(part)] if part.isdigit() else (node[part] if isinstance(node, dict) else getattr(node, part))
    last = parts[-1]
    if isinstance(node, dict):
        node[last] = value
    else:
        setattr(node, last, value)
    return out


def _bad_values(p: Parameter) -> list:
    lo, hi = p.range
    bad = [math.nan, "text", True]
    if math.isfinite(hi):
        bad += [hi + max(1.0, abs(hi)), math.inf]
    elif not p.no_limit:
        bad.append(math.inf)
    if math.isfinite(lo):
        bad.append(lo - max(1.0, abs(lo)))
    if p.integer and hi - lo >= 1:
        bad.append(lo + 0.5)
    return bad


def test_every_numeric_leaf_is_fuzzed() -> None:
    assert len(NUMERIC) > 150, len(NUMERIC)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(NUMERIC), st.data())
def test_a_bad_value_is_refused_naming_its_key(p: Parameter, data) -> None:
    value = data.draw(st.sampled_from(_bad_values(p)))
    with pytest.raises(ConfigError) as err:
        validate(_set(REFERENCE, p.key, value))
    message = str(err.value)
    assert message.startswith("invalid config: ") and "allowed: " in message
    assert f"{p.key}=" in message, message  # the full key is named
    assert len(message.splitlines()) == 1


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(NUMERIC), st.data())
def test_a_value_inside_the_range_passes_the_range_check(p: Parameter, data) -> None:
    lo, hi = p.range
    lo, hi = max(lo, -1e6), min(hi, 1e6)
    if p.integer:
        value = data.draw(st.integers(int(math.ceil(lo)), int(math.floor(hi))))
    else:
        value = data.draw(st.floats(lo, hi, allow_nan=False))
    try:
        validate(_set(REFERENCE, p.key, value))
    except ConfigError as err:  # a cross-field rule (shares that sum to 1, ordered tiers): it names the key too
        assert "invalid config: " in str(err) and "allowed: " in str(err)
        assert "[" in str(err) or "." in str(err)


def test_every_switch_choice_and_date_is_fuzzed() -> None:
    assert len(SWITCHES) >= 20 and len(CHOICES) >= 10 and len(DATES) == 2, (len(SWITCHES), len(CHOICES), len(DATES))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(SWITCHES + CHOICES + DATES), st.data())
def test_a_bad_switch_choice_or_date_on_the_command_line_is_refused_in_one_line(p: Parameter, data) -> None:
    if p.type == "bool":
        value = data.draw(st.sampled_from(["maybe", "2.5", "[true]", "truth"]))
    elif p in DATES:
        value = data.draw(st.sampled_from(["2026-13-01", "2026-02-30", "tomorrow", "2026/04/22"]))
    else:
        word = data.draw(st.text(string.ascii_lowercase, min_size=1, max_size=8).filter(
            lambda w: w not in p.choices and w not in WORDS))
        value = f"[{word}]" if p.type.startswith("list") else word
    override = f"{p.key}={value}"  # a switch, choice or date is never inside a list of records
    with pytest.raises((ConfigError, HydraException, OmegaConfBaseException)) as err:
        compose([override])
    message = one_line(err.value, [override])
    assert message.startswith("invalid config: ") and "allowed: " in message, message
    assert f"{p.key}=" in message or f"{p.key}[0]=" in message, message  # the full key is named
    assert len(message.splitlines()) == 1
