"""Bad input is rejected before a run starts, with the key, the value and what is allowed."""

from __future__ import annotations

import pytest
from hydra.errors import ConfigCompositionException, MissingConfigException
from omegaconf.errors import ConfigKeyError, ValidationError

from sim.config import ConfigError

from .conftest import cfg


def test_default_config_composes_and_validates():
    c = cfg()
    assert c.scenario.name == "qwen_2026"
    assert c.attacker.name == "wide_slow"
    assert c.policy.name == "status_quo"
    assert c.scenario.start_date == "2026-04-22" and c.scenario.end_date == "2026-06-05"
    assert c.scenario.operators[0].target_exchanges == 28_800_000


@pytest.mark.parametrize(
    "override, group, value",
    [("policy=nonsense", "policy", "nonsense"), ("scenario=atlantis", "scenario", "atlantis")],
)
def test_unknown_group_option_names_group_value_and_options(override, group, value):
    with pytest.raises((MissingConfigException, ConfigCompositionException)) as err:
        cfg(override)
    text = str(err.value)
    assert f"{group}/{value}" in text
    assert "Available options" in text  # Hydra lists the allowed names
    assert "status_quo" in text or "qwen_2026" in text


@pytest.mark.parametrize(
    "override, key, allowed",
    [
        ("attacker.accounts_per_payment=-3", "attacker.accounts_per_payment", "[1, 1000000]"),
        ("population.sample_size=-1", "population.sample_size", "[0, 20000000]"),
        ("scenario.operators.0.target_exchanges=-5", "scenario.operators[0].target_exchanges", "[0, 10000000000]"),
        ("policy.review.capacity_per_day=-10", "policy.review.capacity_per_day", "[0.0, inf]"),
        ("policy.geo_filter.match_prob.datacenter=1.5", "policy.geo_filter.match_prob.datacenter", "[0.0, 1.0]"),
        ("population.reconnect_prob=-0.1", "population.reconnect_prob", "[0.0, 1.0]"),
        ("costs.signup_dropoff.document=2", "costs.signup_dropoff.document", "[0.0, 1.0]"),
        ("attacker.pace_per_account_day=0", "attacker.pace_per_account_day", "[0.1, 1000000.0]"),
    ],
)
def test_out_of_range_values_name_key_value_and_range(override, key, allowed):
    value = override.split("=", 1)[1]
    with pytest.raises(ConfigError) as err:
        cfg(override)
    text = str(err.value)
    assert key in text
    assert value in text
    assert allowed in text


def test_end_date_before_start_date_is_rejected():
    with pytest.raises(ConfigError) as err:
        cfg("scenario.end_date=2026-04-01")
    text = str(err.value)
    assert "scenario.end_date" in text and "2026-04-01" in text and "scenario.start_date=2026-04-22" in text


def test_malformed_date_is_rejected():
    with pytest.raises(ConfigError, match=r"scenario.start_date='22/04/2026'.*ISO date"):
        cfg("scenario.start_date=22/04/2026")


def test_shares_must_sum_to_one():
    with pytest.raises(ConfigError, match=r"attacker.proxy_mix.*sum to 1"):
        cfg("attacker.proxy_mix.datacenter=0.5")


def test_unknown_choice_values_are_rejected():
    with pytest.raises(ConfigError, match=r"policy.identity_gating.tier='passport'.*email, phone"):
        cfg("policy.identity_gating.tier=passport")
    with pytest.raises(ConfigError, match=r"run.legit_resolution='minute'"):
        cfg("run.legit_resolution=minute")


def test_typo_in_key_is_rejected_by_the_schema():
    with pytest.raises((ConfigCompositionException, ConfigKeyError, ValidationError)) as err:
        cfg("policy.detector.treshold=3")
    assert "treshold" in str(err.value)


def test_wrong_type_is_rejected_by_the_schema():
    with pytest.raises((ConfigCompositionException, ValidationError)) as err:
        cfg("attacker.accounts_per_payment=many")
    assert "many" in str(err.value)


@pytest.mark.parametrize("overrides", [
    [],
    ["policy=letter_package", "attacker=churn"],
    ["policy=provider_id_gating_2026", "population=none", "seed=7"],
    ["policy=peer_sharing", "policy.sharing.latency_days=7", "scenario=qwen_2026"],
])
def test_typed_config_converts_as_the_schema_merge_does(overrides):
    """``from_hydra`` converts a Hydra-composed config directly (it is typed
    on the schema); the result equals merging its plain contents onto the
    schema, the path every other input takes."""
    from hydra import compose as hydra_compose
    from hydra import initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra
    from omegaconf import OmegaConf

    from sim.config.compose import config_dir, register_configs
    from sim.config import from_hydra, to_dict
    from sim.config.convert import _typed_as_schema

    register_configs()
    GlobalHydra.instance().clear()
    with initialize_config_dir(config_dir=config_dir(), version_base="1.3"):
        composed = hydra_compose(config_name="config", overrides=overrides)
    assert _typed_as_schema(composed)
    plain = OmegaConf.to_container(composed, resolve=True)
    assert not _typed_as_schema(OmegaConf.create(plain))
    direct, merged = from_hydra(composed), from_hydra(plain)
    assert direct == merged and to_dict(direct) == to_dict(merged)
    assert type(direct.scenario.providers[0]).__name__ == "ProviderSpec"


@pytest.mark.parametrize("value", ["2", "0", "yes", "off", "'true'"])
def test_a_switch_takes_true_or_false_only(value: str) -> None:
    """OmegaConf would read an integer or a word such as ``yes`` as a switch's value; refused, naming it."""
    with pytest.raises(ConfigError) as err:
        cfg(f"attacker.responses.expand_fleet={value}", "population=none")
    assert str(err.value).endswith("allowed: true or false")
    assert "attacker.responses.expand_fleet=" in str(err.value)


def test_a_switch_set_to_true_or_false_composes() -> None:
    assert cfg("attacker.responses.expand_fleet=false", "population=none").attacker.responses.expand_fleet is False
    assert cfg("attacker.responses.expand_fleet=true", "population=none").attacker.responses.expand_fleet is True
