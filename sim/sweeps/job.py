"""One run of a sweep (a Hydra multirun job): skip it, run it, or record its failure.

Hydra's launchers (joblib on a workstation, submitit on SLURM) call the app
once per point of the sweep; in multirun mode the app hands each call here.
The run's directory is content-addressed, ``<sweep_dir>/runs/<identity>/``,
with ``identity = store.run_identity(config)``, so whichever launcher or
re-run gets to a point finds its finished result by the config alone:

- complete result there (every file present and readable): skip;
- otherwise claim the run (:mod:`sim.sweeps.claims`; another sweep on the same store that
  holds a live claim on it is waited for, and its result then skipped), simulate and write
  the files atomically (metrics last);
- if anything raises: write the failure ledger entry (:mod:`sim.sweeps.failures`)
  and return normally, so that one bad point does not stop the launcher; the next
  re-run tries it again. (A sweep's points were composed and validated before it
  launched; a point that does not validate here comes from :func:`sim.sweeps.batch.run_points`.)

Every outcome goes into the session journal (:mod:`sim.sweeps.progress`), which the
launching process reads for progress and the final summary.
"""

from __future__ import annotations

import hashlib
import json
import logging
import socket
import time
from dataclasses import dataclass
from pathlib import Path

from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig, OmegaConf

from . import claims, failures, provenance, store
from ..config import from_hydra
from .progress import RunJournal

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SweepJob:
    """Where one multirun job belongs: its sweep folder, overrides and job number."""

    sweep_dir: Path
    overrides: list[str]
    job_num: int | None = None

    @classmethod
    def current(cls) -> SweepJob:
        """The job Hydra is running in this process (call inside the task function)."""
        hc = HydraConfig.get()
        num = hc.job.get("num")
        return cls(Path(str(hc.sweep.dir)), [str(o) for o in hc.overrides.task], None if num is None else int(num))


def _invalid_config_key(cfg: DictConfig | None, overrides: list[str]) -> str:
    """A ledger key for a point whose config has no run identity (it failed validation or did not compose)."""
    try:
        payload: object = OmegaConf.to_container(cfg, resolve=True) if cfg is not None else sorted(overrides)
    except Exception:  # an interpolation that cannot resolve: fall back to the overrides
        payload = sorted(overrides)
    digest = hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode("utf-8"))
    return "invalid-" + digest.hexdigest()[:16]


WAIT_SECONDS = 1.0  # how often a run held by another sweep is looked at again


def record_invalid(cfg: DictConfig | None, job: SweepJob, err: Exception, started: float) -> str:
    """Record a point whose config did not compose or validate; return ``"failed"``."""
    key = _invalid_config_key(cfg, job.overrides)
    where = failures.record(job.sweep_dir, key, job.overrides, err, host=socket.gethostname())
    RunJournal.from_env(job.sweep_dir).ended(key, "failed", job.overrides, time.perf_counter() - started, str(where))
    log.error("run %s failed (invalid config): %s; see %s", " ".join(job.overrides), err, where)
    return "failed"


def run_job(cfg: DictConfig, job: SweepJob, *, wait: bool = True) -> str:
    """Skip, run or fail one point of a sweep; never raises for a failing run.

    Args:
        wait: when another process holds a live claim on the run, wait for it to end
            (then skip its result, or run it if it failed); ``False`` returns ``"busy"``
            at once, so that a job with several points can do the others first.

    Returns:
        The outcome: ``"skipped"``, ``"ok"``, ``"failed"`` or (``wait=False``) ``"busy"``.
    """
    started, cpu_started = time.perf_counter(), time.process_time()
    journal = RunJournal.from_env(job.sweep_dir)
    host = socket.gethostname()
    try:
        sim_cfg = from_hydra(cfg)
    except Exception as err:
        return record_invalid(cfg, job, err, started)

    identity = store.run_identity(sim_cfg)
    run_dir = store.run_dir(job.sweep_dir, identity)
    claim = None
    while claim is None:
        if not store.check_run(run_dir):
            failures.clear(job.sweep_dir, identity, job.overrides)
            journal.ended(identity, "skipped", job.overrides, time.perf_counter() - started, str(run_dir))
            log.info("run %s skipped: complete result in %s", identity, run_dir)
            return "skipped"
        claim = claims.acquire(job.sweep_dir, identity, journal.session)
        if claim is not None and not store.check_run(run_dir):  # finished by its claimant just before
            claim.release()
            claim = None
            continue
        if claim is None:
            if not wait:
                return "busy"
            time.sleep(WAIT_SECONDS)
            started, cpu_started = time.perf_counter(), time.process_time()  # the wait is not this run's time

    from ..runner import run  # here, not at the top: the launching process imports this module but never simulates

    journal.started(identity, job.overrides)
    started_at = provenance.now_iso()
    try:
        result = run(sim_cfg)
        record = provenance.capture(
            started_at=started_at,
            wall_seconds=time.perf_counter() - started,
            overrides=job.overrides,
            job_num=job.job_num,
            cpu_seconds=time.process_time() - cpu_started,
        )
        store.write_run(run_dir, sim_cfg, result, record)
    except Exception as err:
        where = failures.record(job.sweep_dir, identity, job.overrides, err, host=host)
        journal.ended(identity, "failed", job.overrides, time.perf_counter() - started, str(where))
        log.error("run %s (%s) failed: %s; see %s", identity, " ".join(job.overrides), err, where)
        return "failed"
    finally:
        claim.release()
    failures.clear(job.sweep_dir, identity, job.overrides)
    journal.ended(identity, "ok", job.overrides, time.perf_counter() - started, str(run_dir))
    log.info("run %s ok in %.1f s: %s", identity, time.perf_counter() - started, run_dir)
    return "ok"
