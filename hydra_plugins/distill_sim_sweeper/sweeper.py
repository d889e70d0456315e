"""Hydra's basic sweeper, with every point composed and validated before anything is launched.

Why: a sweep should refuse a bad point before it starts, as a single run refuses a bad value
(one line on stderr naming the key, the value and what is allowed, exit status 2, no folder
left behind), rather than launch the others and record that point as a failed run. Hydra's
``BasicSweeper`` composes every job's config in the launching process to detect composition
errors early (``Sweeper.validate_batch_is_legal``), but it neither validates the values nor
knows the runs' identities, and it composes each job from scratch (~0.2 s each).

What this sweeper checks instead, for every point of the sweep before the sweep folder is
written or any job launched:

- each distinct combination of config-group choices (e.g. ``policy=...``, ``attacker=...``)
  is composed once, as Hydra composes it; every point's other overrides (values such as
  ``seed=3`` or ``policy.volume_cap.per_account_day=200``) are applied, as Hydra applies
  them, to a copy of its combination's composed config (:class:`sim.sweeps.points.PointComposer`):
  a typo'd key or a value of the wrong type raises here exactly as in full composition;
- a key added with ``+`` that the schema does not declare (``+policy.detector.treshold=5``:
  Hydra adds it, the simulation would ignore it) is refused;
- the point's config is validated (:func:`sim.config.from_hydra`: every range and
  cross-field rule), so ``policy.detector.threshold=5,nan`` is refused, naming the value,
  with the message a single run prints for it, followed by the point.

The first bad point stops the sweep (``HYDRA_FULL_ERROR=1`` raises its error instead, for the
traceback); the sweep journal's session, started by :mod:`sim.sweeps.callbacks` just before
the sweeper, is abandoned, so a new sweep folder is removed and an existing one is left as
it was. Points that resolve to the same simulation config (one run identity) are warned
about, one line per set (they are one run: the first simulates it, the others skip it).
The check costs ~0.06 s a point whose group choices were seen before (``+sweep=smoke
seed=range(0,34)``, 68 points: 3.9 s) and ~0.3 s one whose are new (34 sensitivity-analysis
point files, each its own group choice: 9.8 s); measured 2026-12-01 on the project's shared
2-core machine (load ~2), from the "checked in" line that ``points_per_job`` > 1 prints. Against
runs of seconds each that is a few per cent of a sweep, paid once before it starts.

With ``points_per_job: K`` (> 1) each job the launcher runs holds ``K`` consecutive points
(:mod:`sim.sweeps.batch`): one worker start-up and one composition per distinct set of group
choices per job instead of per point, with the same run folders and files.

Sweep order, ``max_batch_size`` and each point's job number are the ``BasicSweeper``'s; with
``points_per_job: 1`` (the default) so is what each launcher composes in its workers. Select it with
``hydra/sweeper=distill_sim`` (``conf/config.yaml`` does for every multirun).
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
from omegaconf import OmegaConf

from sim.config import from_hydra
from sim.config.convert import refuse_unknown_keys
from sim.config.errors import one_line
from sim.sweeps import batch, store
from sim.sweeps.points import PointComposer

MAX_DUPLICATES_SHOWN = 5  # sets of duplicate points warned about one by one


class GroupValidatedSweeper(BasicSweeper):
    """``BasicSweeper`` that composes and validates every point before launching any
    (one composition per set of group choices) and can run several points per job."""

    def __init__(self, max_batch_size: int | None = None, params: dict | None = None, points_per_job: int = 1) -> None:
        super().__init__(max_batch_size=max_batch_size, params=params)
        self.points_per_job = points_per_job

    def refuse(self, message: str, error: Exception) -> NoReturn:
        """Stop the sweep before anything is launched: one line on stderr, exit status 2.

        As a single run's refusal does (``sim.app``); ``HYDRA_FULL_ERROR=1`` raises ``error``
        instead, for its traceback. Either way the callbacks that can (the sweep journal)
        abandon what they started, so the refused sweep leaves no folder behind.
        """
        self._tell_callbacks("abandon")
        if os.environ.get("HYDRA_FULL_ERROR") == "1":
            raise error
        print(f"distill-sim: {message}", file=sys.stderr, flush=True)
        raise SystemExit(2)

    def _tell_callbacks(self, method: str) -> None:
        """Call ``method`` of every callback that has it (the sweep journal's ``abandon`` and ``announce``)."""
        callbacks = getattr(self.hydra_context, "callbacks", None) if self.hydra_context is not None else None
        for callback in getattr(callbacks, "callbacks", ()):
            if hasattr(callback, method):
                getattr(callback, method)()

    def _composer(self) -> PointComposer:
        assert self.config is not None and self.hydra_context is not None
        loader = self.hydra_context.config_loader
        assert isinstance(loader, ConfigLoaderImpl)
        return PointComposer(loader, self.config)

    def validate_batch_is_legal(self, batch: Sequence[Sequence[str]]) -> None:
        """Compose and validate every point of ``batch``; refuse the sweep at the first bad one.

        Warns, one line per set, about points that resolve to the same run identity.
        """
        composer = self._composer()
        by_identity: dict[str, list[Sequence[str]]] = {}
        for overrides in batch:
            try:
                cfg = composer.compose(overrides)
                refuse_unknown_keys(cfg)
                identity = store.run_identity(from_hydra(cfg))
            except Exception as err:  # whatever would make this point's run fail before it simulates
                self.refuse(f"{one_line(err, overrides)} (sweep point: {' '.join(overrides)})", err)
            by_identity.setdefault(identity, []).append(overrides)
        duplicates = [(i, pts) for i, pts in by_identity.items() if len(pts) > 1]
        for identity, pts in duplicates[:MAX_DUPLICATES_SHOWN]:
            print(f"warning: {len(pts)} sweep points resolve to the same config (run {identity}), simulated once: "
                  + "; ".join(" ".join(p) for p in pts), file=sys.stderr, flush=True)
        if len(duplicates) > MAX_DUPLICATES_SHOWN:
            print(f"warning: ... and {len(duplicates) - MAX_DUPLICATES_SHOWN} more sets of duplicate points", file=sys.stderr, flush=True)

    def sweep(self, arguments: list[str]) -> Any:
        """The ``BasicSweeper``'s loop, with every point checked before the sweep folder is written
        and, with ``points_per_job`` > 1, several points in each launched job."""
        assert self.config is not None and self.launcher is not None and self.hydra_context is not None
        ppj = self.points_per_job
        if isinstance(ppj, bool) or not isinstance(ppj, int) or ppj < 1:
            message = f"invalid config: hydra.sweeper.points_per_job={ppj!r}; allowed: an integer >= 1 (1: one point per job)"
            self.refuse(message, ValueError(message))
        params_conf = self._parse_config()
        params_conf.extend(arguments)
        parser = OverridesParser.create(config_loader=self.hydra_context.config_loader)
        self.overrides = self.split_arguments(parser.parse_overrides(params_conf), self.max_batch_size)
        tic = time.perf_counter()
        self.validate_batch_is_legal([point for points in self.overrides for point in points])
        checked = time.perf_counter() - tic
        self._tell_callbacks("announce")
        sweep_dir = Path(str(self.config.hydra.sweep.dir))
        sweep_dir.mkdir(parents=True, exist_ok=True)
        OmegaConf.save(self.config, sweep_dir / "multirun.yaml")
        returns = []
        first_point, first_job = 0, 0
        while not self.is_done():
            points = self.get_job_batch()
            jobs: Sequence[Sequence[str]] = points
            if ppj > 1:
                tic = time.perf_counter()
                jobs = batch.plan_jobs(sweep_dir, points, first_point, ppj, self._composer())
                print(f"sweep: {len(points)} points in {len(jobs)} jobs of up to {ppj} "
                      f"(checked in {checked:.1f} s, planned in {time.perf_counter() - tic:.1f} s)", flush=True)
            results = self.launcher.launch(jobs, initial_job_idx=first_job)
            for r in results:
                _ = r.return_value  # raises if the job raised
            first_point += len(points)
            first_job += len(jobs)
            returns.append(results)
        return returns
