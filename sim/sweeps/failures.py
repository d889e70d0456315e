"""The failure ledger of a sweep: one JSON file per run that raised.

``<sweep_dir>/failures/<key>.json`` holds the run's identity, its Hydra
overrides, the error and its traceback. The key is the run identity (the hash
of its composed config, also when that config failed validation). A failed run
is not marked done, so the next re-run of the sweep tries it again; when it
then succeeds, its entry is removed (by identity, and by overrides so that an
entry left by an earlier version of the same sweep point goes too). An entry whose run is
complete all the same (it succeeded elsewhere: a duplicate point, another sweep on the same
store) is stale: :func:`prune` drops it, and the summary, ``collect`` and the command below
prune before they report.

``python -m sim.sweeps.failures SWEEP_DIR`` lists the open failures (one line each);
``--clear`` removes them all (the runs are then simply missing: a re-run tries them again).
"""

from __future__ import annotations

import argparse
import json
import sys
import traceback
from pathlib import Path

from . import store
from .files import FAILURES_DIR
from .provenance import now_iso


def failures_dir(sweep_dir: Path) -> Path:
    """Where a sweep's failure entries live."""
    return Path(sweep_dir) / FAILURES_DIR


def record(sweep_dir: Path, key: str, overrides: list[str], error: BaseException, *, host: str) -> Path:
    """Write the failure entry of run ``key`` (replacing an older one) and return its path."""
    path = failures_dir(sweep_dir) / f"{key}.json"
    store.atomic_write_json(
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


def prune(sweep_dir: Path) -> list[Path]:
    """Remove the stale entries: those whose run has a complete result; return their paths."""
    removed = []
    for path, entry in entries(sweep_dir).items():
        identity = (entry or {}).get("run_identity")
        if isinstance(identity, str) and not identity.startswith("invalid-") and not store.check_run(store.run_dir(sweep_dir, identity)):
            path.unlink(missing_ok=True)
            removed.append(path)
    return removed


def describe(path: Path, entry: dict | None) -> str:
    """One line for a failure entry: where, the point's overrides, the error's first line."""
    if entry is None:
        return f"{path}: (entry unreadable)"
    error = str(entry.get("error", "")).splitlines()[0] if entry.get("error") else ""
    return f"{path}: {' '.join(entry.get('overrides', []))}: {error}"


def main(argv: list[str] | None = None) -> int:
    """``python -m sim.sweeps.failures SWEEP_DIR [--clear]``: list (or clear) a sweep's open failures."""
    parser = argparse.ArgumentParser(prog="python -m sim.sweeps.failures", description=main.__doc__)
    parser.add_argument("sweep_dir", type=Path, help="the sweep's hydra.sweep.dir, e.g. results/sweeps/smoke")
    parser.add_argument("--clear", action="store_true", help="remove every open failure entry")
    args = parser.parse_args(argv)
    if not args.sweep_dir.is_dir():
        print(f"error: sweep_dir={str(args.sweep_dir)!r} is not a folder; expected the hydra.sweep.dir of a sweep", file=sys.stderr)
        return 2
    stale = prune(args.sweep_dir)
    found = entries(args.sweep_dir)
    for path, entry in found.items():
        print(describe(path, entry))
    if args.clear:
        for path in found:
            path.unlink(missing_ok=True)
    print(f"{len(found)} open failures{' cleared' if args.clear and found else ''}"
          + (f" ({len(stale)} stale entries of runs complete since dropped)" if stale else ""), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
