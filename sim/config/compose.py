"""Where the configs live, and composing a validated config from Python exactly
as the command line does.

Tests, calibration, benchmarks and the public API (:func:`sim.compose`) use
:func:`compose` instead of the CLI, so they run the same defaults, overrides
and validation as ``distill-sim``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .convert import from_hydra
from .schema import SimConfig

if TYPE_CHECKING:
    from hydra.core.override_parser.types import Override


def config_dir() -> str:
    """The directory of the YAML config tree (``conf/`` in the source tree, ``sim/conf`` once installed)."""
    from importlib.util import find_spec

    spec = find_spec("sim.conf")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("the package's configs (sim.conf) are not installed; reinstall distill-sim")
    return str(Path(next(iter(spec.submodule_search_locations))).resolve())


def register_configs() -> None:
    """Register the typed schema that ``conf/config.yaml`` builds on."""
    from hydra.core.config_store import ConfigStore

    ConfigStore.instance().store(name="schema", node=SimConfig)


def compose(overrides: Sequence[str] = ()) -> SimConfig:
    """The validated :class:`SimConfig` for ``overrides`` (e.g. ``["policy=none"]``).

    Raises:
        sim.config.ConfigError: a value outside its allowed range (naming the key).
        hydra.errors.HydraException: an unknown key or config group option.
    """
    from hydra import compose as hydra_compose
    from hydra import initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra
    from hydra.core.override_parser.overrides_parser import OverridesParser

    register_configs()
    refuse_non_boolean_switches(OverridesParser.create().parse_overrides(list(overrides)))
    GlobalHydra.instance().clear()
    with initialize_config_dir(config_dir=config_dir(), version_base="1.3"):
        cfg = hydra_compose(config_name="config", overrides=list(overrides))
    return from_hydra(cfg)


def refuse_non_boolean_switches(overrides: Sequence[Override]) -> None:
    """Refuse a switch set to anything but true or false (Hydra's parsed ``Override`` objects).

    Hydra reads ``attacker.responses.expand_fleet=2`` as an integer and OmegaConf turns any
    integer, and words such as ``yes`` or ``off``, into a switch's value; a typo there would
    run silently with the switch on."""
    from .fields import ConfigError
    from .roles import declaration

    for o in overrides:
        if o.is_delete() or o.is_sweep_override() or o.package is not None:
            continue
        try:
            kind = declaration(o.key_or_group).type
        except KeyError:  # a group choice, Hydra's own key, or an unknown key (refused elsewhere)
            continue
        value = o.value()
        if kind == "bool" and not isinstance(value, bool):
            raise ConfigError(f"invalid config: {o.key_or_group}={o.get_value_element_as_str()}; allowed: true or false")


def keyword_overrides(values: Mapping[str, Any]) -> list[str]:
    """Hydra overrides for keyword values, as Python callers and Mesa's ``batch_run`` pass them.

    A name that is a config group (``policy``, ``scenario``, ``attacker``, ``population``, ...)
    picks its option (``policy="identity_gating"`` -> ``policy=identity_gating``); any other
    name is a config key, dotted, list items by index in either form
    (``scenario.operators[0].budget_usd`` or ``scenario.operators.0.budget_usd``). Values are
    written so that Hydra reads them back as the same value (``inf`` stays infinite, a string
    stays a string, numpy scalars become Python numbers).
    """
    groups = {p.name for p in Path(config_dir()).iterdir() if p.is_dir() and not p.name.startswith("_")}
    out = []
    for name, value in values.items():
        key = re.sub(r"\[(\d+)\]", r".\1", name)
        if key in groups:
            out.append(f"{key}={value}")
        else:
            out.append(f"{key}={_override_value(value)}")
    return out


def _override_value(value: Any) -> str:
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):  # a numpy scalar
        value = value.item()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isnan(value):
            raise ValueError("nan is not a configuration value")
        return ("inf" if value > 0 else "-inf") if math.isinf(value) else repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return value if re.fullmatch(r"[A-Za-z_][\w\-]*|\d{4}-\d{2}-\d{2}", value) else "'" + value.replace("'", "\\'") + "'"
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(_override_value(v) for v in value) + "]"
    raise TypeError(f"{type(value).__name__} value {value!r}: give a number, a string, a bool or a list of them")
