"""Shared helpers: compose a validated config and run it, with small worlds."""

from __future__ import annotations

import pytest

from sim.compose import compose
from sim.config import SimConfig
from sim.runner import RunResult, run

# A small world for fast tests: attacker only, or a 20k-account sample.
ATTACKER_ONLY = ["population=none"]
SMALL_POP = ["population.sample_size=20000"]
SHORT = ["scenario.end_date=2026-05-06"]  # 15 days


def cfg(*overrides: str) -> SimConfig:
    return compose(list(overrides))


def simulate(*overrides: str) -> RunResult:
    return run(compose(list(overrides)))


@pytest.fixture(scope="session")
def status_quo_small() -> RunResult:
    return simulate(*SMALL_POP, *SHORT, "seed=7")
