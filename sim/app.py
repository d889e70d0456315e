"""The Hydra application: ``distill-sim`` and ``python -m sim``.

Thin on purpose: compose and validate the config, call :func:`sim.runner.run`,
write the results into the run directory, print the summary. In multirun mode
(a sweep) each job goes to :func:`sim.sweeps.job.run_job` instead, which skips
finished runs and records failures (see docs/sweeps.md).
"""

from __future__ import annotations

import time
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from omegaconf import DictConfig

from .config import from_hydra
from .config.compose import config_dir, register_configs
from .sweeps.store import write_run
from .record.summary import render
from .sweeps.job import SweepJob, run_job
from .sweeps.provenance import capture, now_iso

def _app(cfg: DictConfig) -> None:
    hydra_cfg = HydraConfig.get()
    if hydra_cfg.mode == RunMode.MULTIRUN:
        run_job(cfg, SweepJob.current())
        return
    from .runner import run  # here, not at the top: a sweep's launching process never simulates (sim/sweeps/store.py)

    started_at, started = now_iso(), time.perf_counter()
    sim_cfg = from_hydra(cfg)
    result = run(sim_cfg)
    run_dir = Path(hydra_cfg.runtime.output_dir)
    overrides = [str(o) for o in hydra_cfg.overrides.task]
    write_run(run_dir, sim_cfg, result, capture(started_at=started_at, wall_seconds=time.perf_counter() - started, overrides=overrides))
    print(render(result.metrics))
    print(f"results: {run_dir}")


def main() -> None:
    """Console entry point."""
    register_configs()
    hydra.main(config_path=config_dir(), config_name="config", version_base="1.3")(_app)()
