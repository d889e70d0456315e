"""The failure ledger of a sweep: one JSON file per run that raised.

``<sweep_dir>/failures/<key>.json`` holds the run's identity, its Hydra
overrides, the error and its traceback. The key is the run identity (the hash
of its composed config, also when that config failed validation). A failed run
is not marked done, so the next re-run of the sweep tries it again; when it
then succeeds, its entry is removed (by identity, and by overrides so that an
entry left by an earlier version of the same sweep point goes too).
"""

from __future__ import annotations

import json
import traceback
from pathlib import Path

from .files import FAILURES_DIR
from .store import atomic_write_json
from .provenance import now_iso


def failures_dir(sweep_dir: Path) -> Path:
    """Where a sweep's failure entries live."""
    return Path(sweep_dir) / FAILURES_DIR


def record(sweep_dir: Path, key: str, overrides: list[str], error: BaseException, *, host: str) -> Path:
    """Write the failure entry of run ``key`` (replacing an older one) and return its path."""
    path = failures_dir(sweep_dir) / f"{key}.json"
    atomic_write_json(
        path,
        {
            "run_identity": key,
            "overrides": list(overrides),
            "error": f"{type(error).__name__}: {error}",
            "traceback": "".join(traceback.format_exception(error)),
            "failed_at": now_iso(),
            "host": host,
        },
    )
    return path


def clear(sweep_dir: Path, key: str, overrides: list[str]) -> list[Path]:
    """Remove the entries of a run that has now succeeded; return the paths removed."""
    folder = failures_dir(sweep_dir)
    if not folder.is_dir():
        return []
    removed = []
    for path in sorted(folder.glob("*.json")):
        if path.stem != key:
            entry = read(path)
            if entry is None or entry.get("overrides") != list(overrides):
                continue
        path.unlink(missing_ok=True)
        removed.append(path)
    return removed


def read(path: Path) -> dict | None:
    """One failure entry, or ``None`` if it cannot be read (e.g. a half-written file)."""
    try:
        entry = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None
    return entry if isinstance(entry, dict) else None


def entries(sweep_dir: Path) -> dict[Path, dict | None]:
    """All failure entries of a sweep, by path (``None`` for unreadable ones)."""
    folder = failures_dir(sweep_dir)
    if not folder.is_dir():
        return {}
    return {path: read(path) for path in sorted(folder.glob("*.json"))}
