"""Writing a run's results: atomically, into the run's own directory.

Files: ``metrics.json`` (one flat JSON object), ``daily.parquet`` (one row per
day) and ``config.json`` (the resolved simulation config). Each file is
written to a temporary name in the same directory and renamed, so a killed
run never leaves a half file under a final name.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import tempfile
from pathlib import Path

import pandas as pd

from .config import SimConfig, to_dict
from .runner import RunResult

METRICS_FILE = "metrics.json"
DAILY_FILE = "daily.parquet"
CONFIG_FILE = "config.json"


def _json_safe(value):
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _atomic_write_bytes(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_json(path: Path, obj: dict) -> None:
    data = json.dumps({k: _json_safe(v) for k, v in obj.items()}, indent=2, sort_keys=False)
    _atomic_write_bytes(path, (data + "\n").encode("utf-8"))


def atomic_write_parquet(path: Path, frame: pd.DataFrame) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        frame.to_parquet(tmp, index=False)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def run_identity(cfg: SimConfig) -> str:
    """A stable hash of the resolved simulation config (not of Hydra's paths)."""
    canonical = json.dumps(to_dict(cfg), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]


def write_run(run_dir: Path, cfg: SimConfig, result: RunResult) -> None:
    """Write config, daily series, then metrics (metrics last: its presence marks completion)."""
    atomic_write_json(run_dir / CONFIG_FILE, {"run_identity": run_identity(cfg), **to_dict(cfg)})
    if cfg.run.write_daily:
        atomic_write_parquet(run_dir / DAILY_FILE, result.daily)
    atomic_write_json(run_dir / METRICS_FILE, {"run_identity": run_identity(cfg), **result.metrics})
