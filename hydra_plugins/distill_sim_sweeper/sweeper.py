"""Hydra's basic sweeper, with a cheaper check of a batch before it is launched.

Why: before launching a batch, Hydra's ``BasicSweeper`` composes every job's
config in the launching process, one after another, "to detect failures
early" (``Sweeper.validate_batch_is_legal``; Hydra's own comment says it "can
be a bit slow for large jobs"). Each composition takes ~0.2 s here, so a
40-run sweep spent ~8 s composing serially before any worker started, which
capped the 2-worker speed-up below 1.8x.

What this sweeper checks instead, with the same outcome for a bad sweep
(an error before anything is launched):

- each distinct combination of config-group choices in the batch (e.g.
  ``policy=...``, ``attacker=...``) is composed once, as Hydra composes it;
- every job's other overrides (values such as ``seed=3`` or
  ``policy.volume_cap.per_account_day=200``) are applied, as Hydra applies
  them, to a copy of its combination's composed config: a typo'd key or a
  value of the wrong type raises here exactly as in full composition.

The same pass refuses a key added with ``+`` that the schema does not declare
(``+policy.detector.treshold=5``: Hydra adds it, the simulation would ignore it), naming the
key and the point, and warns, one line per set, when several points resolve to the same
simulation config (they are one run: the first simulates it, the others skip it).

With ``points_per_job: K`` (> 1) each job the launcher runs holds ``K`` consecutive points
(:mod:`sim.sweeps.batch`): one worker start-up and one composition per distinct set of group
choices per job instead of per point, with the same run folders and files.

With ``check: first`` only the batch's first job is composed and checked (and no duplicate
points are looked for):
for sweeps whose points are written by a program that already composed one
(``experiments/sensitivity.py``: every point is its own config file, i.e. its
own group choice, so ``groups`` would compose all of them).

Sweep order, ``max_batch_size`` and each point's job number are the ``BasicSweeper``'s; with
``points_per_job: 1`` (the default) so is what each launcher composes in its workers. Select it with
``hydra/sweeper=distill_sim`` (every ``conf/sweep/*.yaml`` does).
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from hydra._internal.config_loader_impl import ConfigLoaderImpl
from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.errors import HydraException
from omegaconf import OmegaConf
from omegaconf.errors import OmegaConfBaseException

from sim.config import ConfigError, from_hydra
from sim.config.convert import refuse_unknown_keys
from sim.config.errors import one_line
from sim.sweeps import batch, store
from sim.sweeps.points import PointComposer

CHECKS = ("groups", "first")
MAX_DUPLICATES_SHOWN = 5  # sets of duplicate points warned about one by one


def refuse(message: str, error: Exception) -> NoReturn:
    """Stop the sweep before anything is launched: one line on stderr, exit status 2.

    As a single run's refusal does (``sim.app``); ``HYDRA_FULL_ERROR=1`` raises ``error``
    instead, for its traceback.
    """
    if os.environ.get("HYDRA_FULL_ERROR") == "1":
        raise error
    print(f"distill-sim: {message}", file=sys.stderr, flush=True)
    raise SystemExit(2)


class GroupValidatedSweeper(BasicSweeper):
    """``BasicSweeper`` that checks a batch with one composition per set of group choices
    and can run several points per job."""

    def __init__(self, max_batch_size: int | None = None, params: dict | None = None, check: str = "groups",
                 points_per_job: int = 1) -> None:
        if check not in CHECKS:
            message = f"invalid config: hydra.sweeper.check={check!r}; allowed: one of {', '.join(CHECKS)}"
            refuse(message, ValueError(message))
        if isinstance(points_per_job, bool) or not isinstance(points_per_job, int) or points_per_job < 1:
            message = f"invalid config: hydra.sweeper.points_per_job={points_per_job!r}; allowed: an integer >= 1 (1: one point per job)"
            refuse(message, ValueError(message))
        super().__init__(max_batch_size=max_batch_size, params=params)
        self.check = check
        self.points_per_job = points_per_job

    def _composer(self) -> PointComposer:
        assert self.config is not None and self.hydra_context is not None
        loader = self.hydra_context.config_loader
        assert isinstance(loader, ConfigLoaderImpl)
        return PointComposer(loader, self.config)

    def validate_batch_is_legal(self, batch: Sequence[Sequence[str]]) -> None:
        composer = self._composer()
        by_identity: dict[str, list[Sequence[str]]] = {}
        for overrides in batch[:1] if self.check == "first" else batch:
            try:
                cfg = composer.compose(overrides)
                refuse_unknown_keys(cfg)
            except (ConfigError, HydraException, OmegaConfBaseException) as err:
                refuse(f"{one_line(err, overrides)} (sweep point: {' '.join(overrides)})", err)
            try:
                identity = store.run_identity(from_hydra(cfg))
            except Exception:  # e.g. a value out of range: that run fails and is recorded, the others go on
                continue
            by_identity.setdefault(identity, []).append(overrides)
        duplicates = [(i, pts) for i, pts in by_identity.items() if len(pts) > 1]
        for identity, pts in duplicates[:MAX_DUPLICATES_SHOWN]:
            print(f"warning: {len(pts)} sweep points resolve to the same config (run {identity}), simulated once: "
                  + "; ".join(" ".join(p) for p in pts), file=sys.stderr, flush=True)
        if len(duplicates) > MAX_DUPLICATES_SHOWN:
            print(f"warning: ... and {len(duplicates) - MAX_DUPLICATES_SHOWN} more sets of duplicate points", file=sys.stderr, flush=True)

    def sweep(self, arguments: list[str]) -> Any:
        """The ``BasicSweeper``'s loop; with ``points_per_job`` > 1 each launched job holds several points."""
        if self.points_per_job == 1:
            return super().sweep(arguments)
        assert self.config is not None and self.launcher is not None and self.hydra_context is not None
        params_conf = self._parse_config()
        params_conf.extend(arguments)
        parser = OverridesParser.create(config_loader=self.hydra_context.config_loader)
        self.overrides = self.split_arguments(parser.parse_overrides(params_conf), self.max_batch_size)
        sweep_dir = Path(str(self.config.hydra.sweep.dir))
        sweep_dir.mkdir(parents=True, exist_ok=True)
        OmegaConf.save(self.config, sweep_dir / "multirun.yaml")
        returns = []
        first_point, first_job = 0, 0
        while not self.is_done():
            points = self.get_job_batch()
            tic = time.perf_counter()
            self.validate_batch_is_legal(points)
            jobs = batch.plan_jobs(sweep_dir, points, first_point, self.points_per_job, self._composer())
            elapsed = time.perf_counter() - tic
            print(f"sweep: {len(points)} points in {len(jobs)} jobs of up to {self.points_per_job} "
                  f"(checked and planned in {elapsed:.1f} s)", flush=True)
            results = self.launcher.launch(jobs, initial_job_idx=first_job)
            for r in results:
                _ = r.return_value  # raises if the job raised
            first_point += len(points)
            first_job += len(jobs)
            returns.append(results)
        return returns
