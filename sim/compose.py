"""Compose a validated config from Python, exactly as the command line would.

Tests, calibration and benchmarks use this instead of the CLI, so they run
the same defaults, overrides and validation as ``distill-sim``.
"""

from __future__ import annotations

from collections.abc import Sequence

from hydra import compose as hydra_compose
from hydra import initialize_config_dir
from hydra.core.global_hydra import GlobalHydra

from .config import SimConfig, from_hydra


def compose(overrides: Sequence[str] = ()) -> SimConfig:
    """The validated :class:`SimConfig` for ``overrides`` (e.g. ``["policy=none"]``)."""
    from .app import CONFIG_DIR, register_configs  # the app module is the config's home

    register_configs()
    GlobalHydra.instance().clear()
    with initialize_config_dir(config_dir=CONFIG_DIR, version_base="1.3"):
        cfg = hydra_compose(config_name="config", overrides=list(overrides))
    return from_hydra(cfg)
