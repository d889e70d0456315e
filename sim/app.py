"""The Hydra application: ``distill-sim`` and ``python -m sim``.

Thin on purpose: compose and validate the config, call :func:`sim.runner.run`,
write the results into the run directory, print the summary.
"""

from __future__ import annotations

from pathlib import Path

import hydra
from hydra.core.config_store import ConfigStore
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig

from .config import SimConfig, from_hydra
from .runner import run
from .store import write_run
from .summary import render

CONFIG_DIR = str(Path(__file__).resolve().parent.parent / "conf")


def register_configs() -> None:
    """Register the typed schema that ``conf/config.yaml`` builds on."""
    ConfigStore.instance().store(name="schema", node=SimConfig)


@hydra.main(config_path=CONFIG_DIR, config_name="config", version_base="1.3")
def _app(cfg: DictConfig) -> None:
    sim_cfg = from_hydra(cfg)
    result = run(sim_cfg)
    run_dir = Path(HydraConfig.get().runtime.output_dir)
    write_run(run_dir, sim_cfg, result)
    print(render(result.metrics))
    print(f"results: {run_dir}")


def main() -> None:
    """Console entry point."""
    register_configs()
    _app()
