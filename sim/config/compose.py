"""Where the configs live, and composing a validated config from Python exactly
as the command line does.

Tests, calibration, benchmarks and the public API (:func:`sim.compose`) use
:func:`compose` instead of the CLI, so they run the same defaults, overrides
and validation as ``distill-sim``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from .convert import from_hydra
from .schema import SimConfig


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

    register_configs()
    GlobalHydra.instance().clear()
    with initialize_config_dir(config_dir=config_dir(), version_base="1.3"):
        cfg = hydra_compose(config_name="config", overrides=list(overrides))
    return from_hydra(cfg)
