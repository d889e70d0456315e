"""Several points of a sweep in one job: start-up and composition paid once per job, not per point.

Why: with one point per job, every point pays for Hydra composing its config in the worker
(~0.2-0.3 s), Hydra's per-job files, and the round trip of a job through the launcher; on
SLURM it also pays for a new Python process importing Hydra, pandas, SciPy and Mesa (~2.5 s).
For runs of a second or two that is a third of the time or more.

With ``hydra.sweeper.points_per_job=K`` (``hydra_plugins/distill_sim_sweeper``) the sweeper
cuts its list of points, in sweep order, into jobs of ``K`` consecutive points. A job's
points go to ``<sweep_dir>/batches/<digest>.json`` (named by the hash of its content, so
re-running the same sweep rewrites the same files), and the job the launcher sees carries the
first point's config-group choices and ``+sweep_points=<digest>``. In the worker,
:func:`run_batch` composes each point with a :class:`~sim.sweeps.points.PointComposer` (the
job's own config is the base for its first point's group choices; another set of choices is
composed once) and hands it to :func:`sim.sweeps.job.run_job` with the point's own overrides
and job number, so every point writes exactly what it writes when it is a job of its own:
the same run folder and the same files (provenance aside), the same journal records, the same
failure entries. A point already complete is skipped; a killed job loses only its points not
yet finished. A point that another sweep is simulating is left to the end of the job.

:func:`run_points` runs a list of points the same way from Python, in the calling process
(e.g. an optimiser's next batch of candidates, without Hydra's command line).
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Sequence
from pathlib import Path

from omegaconf import DictConfig, OmegaConf

from .files import BATCHES_DIR
from .job import SweepJob, record_invalid, run_job
from .points import PointComposer
from .store import atomic_write_json

POINTS_KEY = "sweep_points"  # the top-level key that marks a job running several points


def batch_path(sweep_dir: Path, digest: str) -> Path:
    """The file listing the points of the job ``digest``."""
    return Path(sweep_dir) / BATCHES_DIR / f"{digest}.json"


def plan_jobs(
    sweep_dir: Path, points: Sequence[Sequence[str]], first_num: int, points_per_job: int, composer: PointComposer
) -> list[list[str]]:
    """The launcher's jobs for ``points``: ``points_per_job`` consecutive points each.

    Writes each job's batch file and returns the jobs' overrides (its first point's group
    choices and ``+sweep_points=<digest>``). Point ``i`` keeps job number ``first_num + i``,
    the number it would have as a job of its own.
    """
    jobs = []
    for start in range(0, len(points), points_per_job):
        chunk = [{"job_num": first_num + start + i, "overrides": list(p)} for i, p in enumerate(points[start:start + points_per_job])]
        text = json.dumps({"points": chunk}, sort_keys=True)
        digest = "b" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
        atomic_write_json(batch_path(sweep_dir, digest), {"points": chunk})
        groups, _ = composer.split(chunk[0]["overrides"])
        jobs.append([*groups, f"+{POINTS_KEY}={digest}"])
    return jobs


def read_batch(sweep_dir: Path, digest: str) -> list[SweepJob]:
    """The points of the job ``digest``, in order."""
    points = json.loads(batch_path(sweep_dir, digest).read_text(encoding="utf-8"))["points"]
    return [SweepJob(Path(sweep_dir), [str(o) for o in p["overrides"]], int(p["job_num"])) for p in points]


def run_batch(cfg: DictConfig) -> list[str]:
    """Run every point of the job Hydra is running in this process (its config ``cfg``).

    Returns:
        Each point's outcome, in the batch file's order.
    """
    from hydra.core.global_hydra import GlobalHydra
    from hydra.core.hydra_config import HydraConfig

    hc = HydraConfig.get()
    sweep_dir = Path(str(hc.sweep.dir))
    points = read_batch(sweep_dir, str(cfg[POINTS_KEY]))
    master = OmegaConf.create({"hydra": {"overrides": {"hydra": list(hc.overrides.hydra)}, "job": {"config_name": hc.job.config_name}}})
    composer = PointComposer(GlobalHydra.instance().config_loader(), master, keep_hydra=False)
    composer.add_base(composer.split(points[0].overrides)[0], cfg)
    return run_composed(composer, points)


def run_composed(composer: PointComposer, points: Sequence[SweepJob]) -> list[str]:
    """Compose and run each point in turn; points another sweep is simulating go last."""
    outcomes: dict[int, str] = {}
    busy: list[tuple[int, DictConfig]] = []
    for i, point in enumerate(points):
        started = time.perf_counter()
        try:
            cfg = composer.compose(point.overrides)
        except Exception as err:  # run_points has no pre-launch check; a sweep's points passed one
            outcomes[i] = record_invalid(None, point, err, started)
            continue
        outcomes[i] = run_job(cfg, point, wait=False)
        if outcomes[i] == "busy":
            busy.append((i, cfg))
    for i, cfg in busy:
        outcomes[i] = run_job(cfg, points[i])
    return [outcomes[i] for i in range(len(points))]


def run_points(points: Sequence[Sequence[str]], sweep_dir: Path, *, first_num: int = 0) -> list[str]:
    """Run sweep points in this process, as a sweep's jobs would, from Python.

    Each point is a list of overrides (``["policy=none", "seed=3"]``); its results go to
    ``<sweep_dir>/runs/<identity>/`` and failures to the sweep's ledger; a complete point is
    skipped. A journal is kept only inside a sweep session (:data:`sim.sweeps.progress.SESSION_ENV`).

    Returns:
        Each point's outcome: ``"ok"``, ``"skipped"`` or ``"failed"``.
    """
    from hydra import initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra

    from ..config.compose import config_dir, register_configs

    register_configs()
    GlobalHydra.instance().clear()
    with initialize_config_dir(config_dir=config_dir(), version_base="1.3"):
        master = OmegaConf.create({"hydra": {"overrides": {"hydra": []}, "job": {"config_name": "config"}}})
        composer = PointComposer(GlobalHydra.instance().config_loader(), master, keep_hydra=False)
        jobs = [SweepJob(Path(sweep_dir), [str(o) for o in p], first_num + i) for i, p in enumerate(points)]
        return run_composed(composer, jobs)
