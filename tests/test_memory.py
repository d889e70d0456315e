"""A run leaves nothing behind: sweep workers run hundreds of runs in one process."""

from __future__ import annotations

import gc

from sim.model import DistillationModel

from .conftest import ATTACKER_ONLY, simulate


def _models() -> list[DistillationModel]:
    gc.collect()
    return [o for o in gc.get_objects() if isinstance(o, DistillationModel)]


def test_no_model_survives_its_run():
    before = {id(m) for m in _models()}  # models other tests built by hand may still be alive
    for seed in range(3):
        simulate(*ATTACKER_ONLY, "scenario.end_date=2026-04-25", f"seed={seed}")
    alive = [m for m in _models() if id(m) not in before]
    assert alive == [], f"{len(alive)} models still referenced (e.g. by Mesa's class-level agent id counter)"
