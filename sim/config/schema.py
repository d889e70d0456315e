"""The whole composed configuration of one run, and plain helpers over it."""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from .attacker import AttackerConfig
from .costs import CostsConfig
from .fields import SETTING, count
from .policy import PolicyConfig
from .population import PopulationConfig
from .run import CalibrationConfig, RunConfig
from .scenario import ScenarioConfig


@dataclass
class SimConfig:
    """The whole composed configuration of one run."""

    seed: int = count(0, 0, 2**64 - 1, role=SETTING, doc="Root seed of the run's random streams (any 64-bit value).")
    scenario: ScenarioConfig = field(default_factory=ScenarioConfig)
    attacker: AttackerConfig = field(default_factory=AttackerConfig)
    policy: PolicyConfig = field(default_factory=PolicyConfig)
    population: PopulationConfig = field(default_factory=PopulationConfig)
    costs: CostsConfig = field(default_factory=CostsConfig)
    calibration: CalibrationConfig = field(default_factory=CalibrationConfig)
    run: RunConfig = field(default_factory=RunConfig)


def to_dict(cfg: SimConfig) -> dict:
    """Plain nested dict of a config (for hashing, provenance and writing).

    ``dataclasses.asdict``: the same JSON as converting through OmegaConf (run
    identities are unchanged), at a hundredth of the cost.
    """
    return _plain(dataclasses.asdict(cfg))


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def window_days(cfg: SimConfig) -> int:
    """Number of days in the campaign window (both ends inclusive)."""
    start = dt.date.fromisoformat(cfg.scenario.start_date)
    end = dt.date.fromisoformat(cfg.scenario.end_date)
    return (end - start).days + 1
