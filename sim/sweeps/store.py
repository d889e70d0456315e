"""A run's directory: writing it atomically, and telling whether it is complete.

Files: ``config.json`` (the resolved simulation config), ``daily.parquet``
(one row per day), ``provenance.json`` (who/where/what code produced it) and
``metrics.json`` (one flat JSON object), written in that order. Each file is
written to a temporary name in the same directory, flushed to disk and
renamed, so a killed run never leaves a half file under a final name, and
``metrics.json`` being present marks a finished run.

The files are for colleagues too: they take the permissions the umask gives
(0644 typically, not the 0600 of a temporary file), JSON is strict (infinity,
which means "no limit" in a config, is written as the string ``"inf"``; a
number that is not finite in metrics as ``null``), and a daily series' dates
are Parquet dates.

In a sweep, a run's directory is content-addressed:
``<sweep_dir>/runs/<run_identity>/`` (:func:`run_dir`), which is what lets a
re-run skip finished runs (:func:`check_run`) on any launcher.

The launching process of a sweep imports this module (for its journal) but
never simulates, so pandas and the model (Mesa, SciPy) are imported only
where a run is read or written: it starts ~1.5 s sooner, before its workers
can start.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from ..config import SimConfig, to_dict
from .files import CONFIG_FILE, DAILY_FILE, METRICS_FILE, PROVENANCE_FILE, RUNS_DIR

if TYPE_CHECKING:  # imported where used: see the module docstring
    import pandas as pd

    from ..runner import RunResult


INFINITY = "inf"  # how strict JSON files here spell an infinite value ("no limit")


def strict_json(value):
    """``value`` with every non-finite float made valid JSON: +-inf as ``"inf"`` / ``"-inf"``, NaN as None."""
    if isinstance(value, float) and not math.isfinite(value):
        return None if math.isnan(value) else (INFINITY if value > 0 else f"-{INFINITY}")
    if isinstance(value, dict):
        return {k: strict_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [strict_json(v) for v in value]
    return value


def from_strict_json(value):
    """The inverse of :func:`strict_json` for infinities (``"inf"`` -> ``float('inf')``)."""
    if value == INFINITY or value == f"-{INFINITY}":
        return float(value)
    if isinstance(value, dict):
        return {k: from_strict_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [from_strict_json(v) for v in value]
    return value


def _file_mode() -> int:
    """The permissions a new file gets from this process's umask (read without changing it for long)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return 0o666 & ~mask


def _atomic_write_bytes(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, _file_mode())
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_json(path: Path, obj: dict) -> None:
    data = json.dumps(strict_json(obj), indent=2, sort_keys=False, allow_nan=False)
    _atomic_write_bytes(path, (data + "\n").encode("utf-8"))


def _as_dates(column: pd.Series) -> pd.Series | None:
    """A column of ISO date strings (the daily series' ``date``, a run's ``scenario.start_date``) as
    dates, so that Parquet stores them as dates; ``None`` for any other column."""
    import pandas as pd

    name = str(column.name)
    if not (name == "date" or name.endswith("_date")) or not pd.api.types.is_string_dtype(column):
        return None
    parsed = pd.to_datetime(column, format="%Y-%m-%d", errors="coerce")
    if parsed.isna().sum() != column.isna().sum():  # not every value is an ISO date: leave it as written
        return None
    return parsed.dt.date


def atomic_write_parquet(path: Path, frame: pd.DataFrame, columns: dict[str, dict[str, str]] | None = None) -> None:
    """Write ``frame`` (without its index); ``columns`` gives a column's Parquet field
    metadata (e.g. its unit and description; :mod:`sim.record.outcomes`), which pandas
    ignores on reading."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.fchmod(fd, _file_mode())
    os.close(fd)
    try:
        frame = frame.assign(**{c: dates for c in frame.columns if (dates := _as_dates(frame[c])) is not None})
        table = pa.Table.from_pandas(frame, preserve_index=False)
        if columns:
            fields = [f.with_metadata({k.encode(): v.encode() for k, v in columns[f.name].items()}) if f.name in columns else f
                      for f in table.schema]
            table = table.cast(pa.schema(fields, metadata=table.schema.metadata))
        pq.write_table(table, tmp)
        with open(tmp, "rb") as fh:  # flush to disk before the rename, as for JSON
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def run_identity(cfg: SimConfig) -> str:
    """A stable hash of the resolved simulation config (not of Hydra's paths)."""
    return _identity_of(strict_json(to_dict(cfg)))


def _identity_of(config: dict) -> str:
    canonical = json.dumps(config, sort_keys=True, separators=(",", ":"), allow_nan=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]


def write_run(run_dir: Path, cfg: SimConfig, result: RunResult, provenance: dict | None = None) -> None:
    """Write config, daily series, provenance, then metrics.

    Metrics go last: their presence marks a complete run (see :func:`check_run`).
    ``provenance`` (see :mod:`sim.sweeps.provenance`) is written when given.
    """
    config = strict_json(to_dict(cfg))
    identity = _identity_of(config)
    atomic_write_json(run_dir / CONFIG_FILE, {"run_identity": identity, **config})
    if cfg.run.write_daily:
        from ..record import outcomes  # the declarations of the daily series (no model import)

        atomic_write_parquet(run_dir / DAILY_FILE, result.daily, outcomes.column_metadata(result.daily.columns, outcomes.DAILY))
    if provenance is not None:
        atomic_write_json(run_dir / PROVENANCE_FILE, {"run_identity": identity, **provenance})
    atomic_write_json(run_dir / METRICS_FILE, {"run_identity": identity, **result.metrics})


def run_dir(sweep_dir: Path, identity: str) -> Path:
    """The content-addressed directory of the run ``identity`` inside a sweep."""
    return Path(sweep_dir) / RUNS_DIR / identity


class RunDirError(ValueError):
    """A run directory is missing files, or holds partial or corrupted ones."""

    def __init__(self, run_dir: Path, problems: list[str]) -> None:
        self.run_dir = Path(run_dir)
        self.problems = problems
        super().__init__(f"{run_dir}: " + "; ".join(problems))


def _read_json_object(path: Path, problems: list[str]) -> dict | None:
    if not path.is_file():
        problems.append(f"{path.name} missing")
        return None
    try:
        obj = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        problems.append(f"{path.name} unreadable ({type(err).__name__}: {err})")
        return None
    if not isinstance(obj, dict):
        problems.append(f"{path.name} is not a JSON object (got {type(obj).__name__})")
        return None
    return obj


def _check_identity(name: str, obj: dict | None, expected: str | None, problems: list[str]) -> None:
    if obj is None or expected is None:
        return
    found = obj.get("run_identity")
    if found != expected:
        problems.append(f"{name} run_identity={found!r}; expected {expected!r} (the directory name)")


def read_run(run_dir: Path) -> dict:
    """Read and check one run directory; return its parsed files.

    Why so strict: a sweep skips a run whose directory passes this check, so a
    truncated JSON or a bad Parquet file must count as "not done". The
    directory name is taken as the expected run identity when it looks like
    one (16 hex digits), and ``config.json`` must hash to the identity it
    states.

    Returns:
        ``{"config": dict, "metrics": dict, "provenance": dict | None,
        "daily": DataFrame | None}``.

    Raises:
        RunDirError: naming the directory and every problem found (file
            missing, unreadable, not an object, identity mismatch, bad Parquet).
    """
    run_dir = Path(run_dir)
    problems: list[str] = []
    if not run_dir.is_dir():
        raise RunDirError(run_dir, ["not a directory"])
    name = run_dir.name
    expected = name if len(name) == 16 and all(c in "0123456789abcdef" for c in name) else None
    metrics = _read_json_object(run_dir / METRICS_FILE, problems)
    config = _read_json_object(run_dir / CONFIG_FILE, problems)
    _check_identity(METRICS_FILE, metrics, expected, problems)
    _check_identity(CONFIG_FILE, config, expected, problems)
    if config is not None:
        stated = config.get("run_identity")
        actual = _identity_of({k: v for k, v in config.items() if k != "run_identity"})
        if stated != actual:
            problems.append(f"{CONFIG_FILE} hashes to {actual!r}, not to its run_identity={stated!r} (edited or corrupted)")
    provenance = _read_json_object(run_dir / PROVENANCE_FILE, problems)
    _check_identity(PROVENANCE_FILE, provenance, expected, problems)
    daily = None
    write_daily = True if config is None else bool(config.get("run", {}).get("write_daily", True))
    if write_daily:
        path = run_dir / DAILY_FILE
        if not path.is_file():
            problems.append(f"{DAILY_FILE} missing")
        else:
            try:
                import pandas as pd

                daily = pd.read_parquet(path)
            except Exception as err:  # pyarrow raises several types for a bad file
                problems.append(f"{DAILY_FILE} unreadable ({type(err).__name__}: {err})")
    if problems:
        raise RunDirError(run_dir, problems)
    return {"config": config, "metrics": metrics, "provenance": provenance, "daily": daily}


def check_run(run_dir: Path) -> list[str]:
    """Problems that make ``run_dir`` not a complete run; empty if it is complete."""
    try:
        read_run(run_dir)
    except RunDirError as err:
        return err.problems
    return []
