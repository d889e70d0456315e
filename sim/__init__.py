"""distill-sim: an agent-based simulator of distillation campaigns against AI
model APIs and the controls that could stop them.

The public API, kept stable (internal module paths may change behind it)::

    from sim import compose, run, DistillationModel

    cfg = compose(["policy=identity_gating", "attacker=churn", "seed=3"])
    result = run(cfg)               # RunResult: metrics, daily, ticks
    result.metrics["blocked_share"]

:func:`compose` applies the same defaults, overrides and validation as the
``distill-sim`` command line; :func:`run` simulates one configuration to its
horizon and returns plain data (writing files is the caller's job).
The names are imported on first use, so ``import sim`` stays cheap.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
__all__ = ["ConfigError", "DistillationModel", "RunResult", "SimConfig", "compose", "run"]

_HOMES = {
    "compose": "sim.config.compose",
    "SimConfig": "sim.config",
    "ConfigError": "sim.config",
    "run": "sim.runner",
    "RunResult": "sim.runner",
    "DistillationModel": "sim.model",
}

if TYPE_CHECKING:
    from .config import ConfigError, SimConfig
    from .config.compose import compose
    from .model import DistillationModel
    from .runner import RunResult, run


def __getattr__(name: str) -> Any:
    if name in _HOMES:
        return getattr(import_module(_HOMES[name]), name)
    raise AttributeError(f"module 'sim' has no attribute {name!r}")
