"""``run(cfg) -> RunResult``: the whole runner. Writing files is the caller's job."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import mesa
import pandas as pd

from .config import SimConfig
from .record.ledger import TICK_COLUMNS
from .record.metrics import summarize
from .model import DistillationModel


@dataclass(frozen=True)
class RunResult:
    """One run's outputs: a flat metrics record, a daily series and per-tick traffic."""

    metrics: dict
    daily: pd.DataFrame
    ticks: pd.DataFrame


def run(cfg: SimConfig, on_day: Callable[[int, int], None] | None = None) -> RunResult:
    """Simulate one configuration to its horizon and summarise it.

    Args:
        on_day: called after each simulated day with (days done, days in the horizon), e.g. to
            draw a progress bar; a run may stop before its horizon (the campaign is over).
    """
    started = time.perf_counter()
    model = DistillationModel(cfg)
    try:
        if on_day is None:
            model.run_model()
        else:
            clock = model.clock
            while model.running:
                model.step()
                if clock.is_day_start:
                    on_day(clock.day, clock.horizon_days)
        metrics = summarize(model)
        metrics["runtime_seconds"] = time.perf_counter() - started
        daily = pd.DataFrame(model.ledger.days)
        ticks = pd.DataFrame(model.ledger.ticks[: model.clock.tick], columns=list(TICK_COLUMNS))
    finally:
        _release(model)
    return RunResult(metrics=metrics, daily=daily, ticks=ticks)


def _release(model: DistillationModel) -> None:
    """Let the model be freed once the run is summarised.

    Mesa 3.3 counts agent ids in a class-level dict keyed by the model
    (``mesa.Agent._ids``), which keeps every model ever built, and its account
    table, alive: a sweep worker running run after run grew by ~18 MB a run
    (4.5 GB after ~70 runs of the default population). Mesa >= 3.4 has no such
    dict.
    """
    ids = getattr(mesa.Agent, "_ids", None)
    if isinstance(ids, dict):
        ids.pop(model, None)
