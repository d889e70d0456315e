"""The whole composed configuration of one run, and plain helpers over it."""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from .attacker import AttackerConfig
from .costs import CostsConfig
from .fields import SETTING, count
from .policy import PolicyConfig, SharingConfig
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
    # The stack of the providers ``policy.binds`` leaves out: the same keys as ``policy``, composed from the same
    # config group (``policy@outside_policy=<preset>``); unread while ``policy.binds`` is null. After
    # ``calibration``, whose values its presets read, so that a bad calibrated value is named as such.
    outside_policy: PolicyConfig = field(default_factory=PolicyConfig)
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


# A branch that repeats another's keys: enumerated once, under the branch it mirrors (sim/config/roles.py).
MIRRORS: dict[str, str] = {"outside_policy": "policy"}


def provider_policies(cfg: SimConfig) -> list[PolicyConfig]:
    """The control stack each provider runs, by index: ``policy`` where it binds, else ``outside_policy``."""
    binds = cfg.policy.binds
    return [cfg.policy if binds is None or i in binds else cfg.outside_policy for i in range(len(cfg.scenario.providers))]


def bound_providers(cfg: SimConfig) -> list[int]:
    """Indices of the providers ``policy`` binds (every provider when ``policy.binds`` is null)."""
    n = len(cfg.scenario.providers)
    return list(range(n)) if cfg.policy.binds is None else sorted(set(cfg.policy.binds))


def consortium_sharing(cfg: SimConfig) -> SharingConfig:
    """The sharing protocol the consortium runs: ``policy.sharing``'s terms (indicators, latency, coverage,
    action, carriers: one protocol, the signatories'), among the providers whose own stack takes part in it
    (sharing on, and the provider among its participants). ``policy.sharing`` itself when the policy binds all."""
    if cfg.policy.binds is None:
        return cfg.policy.sharing
    members = [p for p, stack in enumerate(provider_policies(cfg)) if stack.sharing.enabled and p in stack.sharing.participants]
    return dataclasses.replace(cfg.policy.sharing, enabled=bool(members), participants=members)


def window_days(cfg: SimConfig) -> int:
    """Number of days in the campaign window (both ends inclusive)."""
    start = dt.date.fromisoformat(cfg.scenario.start_date)
    end = dt.date.fromisoformat(cfg.scenario.end_date)
    return (end - start).days + 1
