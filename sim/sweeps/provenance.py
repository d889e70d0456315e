"""Provenance of a run: which code, which packages, which machine, how long.

Captured in the process that runs the simulation, at run time, so that a
sweep resumed after a code change still says which commit produced each run.
Everything here is best effort: a machine without git (a cluster node running
from an installed wheel) records ``None`` rather than failing the run.
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import socket
import subprocess
from importlib import metadata
from pathlib import Path

# Distributions whose versions can change a run's numbers or its files.
PACKAGES: tuple[str, ...] = ("distill-sim", "mesa", "numpy", "pandas", "pyarrow", "hydra-core", "omegaconf")

# SLURM variables that locate a run in the cluster's accounting (sacct).
SLURM_VARIABLES: tuple[str, ...] = ("SLURM_JOB_ID", "SLURM_ARRAY_JOB_ID", "SLURM_ARRAY_TASK_ID", "SLURM_JOB_PARTITION")

_SOURCE_DIR = Path(__file__).resolve().parent


def _git(*args: str) -> str | None:
    try:
        out = subprocess.run(
            ["git", "-C", str(_SOURCE_DIR), *args],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout


def git_state() -> dict:
    """The commit of the source tree ``sim`` was imported from, and whether it had local edits.

    ``git_dirty`` counts tracked files only: untracked scratch files do not
    change what the simulator computes.
    """
    commit = _git("rev-parse", "HEAD")
    status = _git("status", "--porcelain", "--untracked-files=no")
    return {
        "git_commit": commit.strip() if commit else None,
        "git_dirty": None if status is None else bool(status.strip()),
    }


def package_versions() -> dict:
    """Versions of Python and of the packages in :data:`PACKAGES` (``None`` if absent)."""
    versions = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def now_iso() -> str:
    """The current time, UTC, ISO 8601 with seconds."""
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def capture(
    *, started_at: str, wall_seconds: float, overrides: list[str], job_num: int | None = None, cpu_seconds: float | None = None
) -> dict:
    """The provenance record of one run, to be written as ``provenance.json``.

    Args:
        started_at: when the run started (:func:`now_iso`).
        wall_seconds: wall time of the run (composition checks and the
            simulation), as measured by the caller.
        overrides: the Hydra overrides that produced the run's config.
        job_num: Hydra's job number in the sweep that ran it, if any.
        cpu_seconds: CPU time of the process over the same span; well below
            ``wall_seconds`` means the machine was busy with other work.
    """
    return {
        "started_at": started_at,
        "finished_at": now_iso(),
        "wall_seconds": wall_seconds,
        "cpu_seconds": cpu_seconds,
        "host": socket.gethostname(),
        "pid": os.getpid(),
        "overrides": list(overrides),
        "job_num": job_num,
        **git_state(),
        "versions": package_versions(),
        "slurm": {k: os.environ[k] for k in SLURM_VARIABLES if k in os.environ},
    }
