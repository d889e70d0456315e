"""Shared helpers: compose a validated config and run it, with small worlds."""

from __future__ import annotations

import numpy as np
import pytest

from sim.config.compose import compose
from sim.config import SimConfig
from sim.model import DistillationModel
from sim.runner import RunResult, run

# A small world for fast tests: attacker only, or a 20k-account sample.
ATTACKER_ONLY = ["population=none"]
# Attacker only, without the legitimate review load population=none carries (conf/population/none.yaml):
# for tests of one mechanism's arithmetic, where that load (measured for the status-quo detector) is noise.
UNLOADED = [*ATTACKER_ONLY, "population.review_background=[]"]
SMALL_POP = ["population.sample_size=20000"]
SHORT = ["scenario.end_date=2026-05-06"]  # 15 days


def cfg(*overrides: str) -> SimConfig:
    return compose(list(overrides))


def simulate(*overrides: str) -> RunResult:
    return run(compose(list(overrides)))


def run_scrambled(overrides: list[str], scramble: bool) -> DistillationModel:
    """Run a model to its end; with ``scramble``, the attacker label is noise while each
    day's end-of-day controls run (agents and metrics see the real label again after)."""
    model = DistillationModel(compose(overrides))
    rng = np.random.default_rng(0)
    while model.running:
        if scramble and model.clock.is_day_end:
            truth = model.accounts.is_attacker
            saved = truth.copy()
            truth[:] = rng.random(truth.size) < 0.5
            model.step()
            truth[:] = saved
        else:
            model.step()
    return model


@pytest.fixture(scope="session")
def status_quo_small() -> RunResult:
    return simulate(*SMALL_POP, *SHORT, "seed=7")
