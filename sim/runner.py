"""``run(cfg) -> RunResult``: the whole runner. Writing files is the caller's job."""

from __future__ import annotations

import time
from dataclasses import dataclass

import pandas as pd

from .config import SimConfig
from .ledger import TICK_COLUMNS
from .metrics import summarize
from .model import DistillationModel


@dataclass(frozen=True)
class RunResult:
    """One run's outputs: a flat metrics record, a daily series and per-tick traffic."""

    metrics: dict
    daily: pd.DataFrame
    ticks: pd.DataFrame


def run(cfg: SimConfig) -> RunResult:
    """Simulate one configuration to its horizon and summarise it."""
    started = time.perf_counter()
    model = DistillationModel(cfg)
    model.run_model()
    metrics = summarize(model)
    metrics["runtime_seconds"] = time.perf_counter() - started
    daily = pd.DataFrame(model.ledger.days)
    ticks = pd.DataFrame(model.ledger.ticks[: model.clock.tick], columns=list(TICK_COLUMNS))
    return RunResult(metrics=metrics, daily=daily, ticks=ticks)
