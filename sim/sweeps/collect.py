"""Collect a sweep's runs into one table: ``python -m sim.sweeps.collect SWEEP_DIR``.

Writes ``SWEEP_DIR/runs.parquet``, one row per complete run directory under
``SWEEP_DIR/runs/``. Columns, left to right:

- ``run_identity``: the hash of the run's resolved config (its directory name);
- the config, flattened to dotted keys (``seed``, ``policy.name``,
  ``attacker.name``, ``policy.detector.threshold``, ...): the levers
  (``policy.*``) and the uncertainties (``scenario.*``, ``attacker.*``,
  ``population.*``, ``costs.*``, ``calibration.*``, ``seed``); lists are JSON
  strings;
- ``overrides``: the Hydra overrides of the sweep point, space-separated;
- every metric of ``metrics.json``, under its own name;
- provenance, prefixed ``prov.`` (git commit and dirty flag, package
  versions, host, pid, start/finish time, wall time, SLURM ids).

Each column carries its description (and a metric its unit, direction and
scope, from :mod:`sim.record.outcomes`) as Parquet field metadata
(:func:`column_metadata`).

Run-to-run noise is confined to :data:`RUNTIME_COLUMNS` and the ``prov.``
columns (:func:`outcome_columns` leaves them out): the same sweep gives the
same values in every other column on any launcher.

A run directory whose files are missing, partial or corrupted is named on
stderr with what is wrong, as is every open entry of the failure ledger (stale entries,
whose run is complete, are dropped first); the
table of the good runs is still written, and the exit status is 1.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import pandas as pd

from . import failures, store
from .files import CONFIG_FILE, METRICS_FILE, PROVENANCE_FILE, RUNS_DIR, TABLE_FILE

PROVENANCE_PREFIX = "prov."
RUNTIME_COLUMNS: tuple[str, ...] = ("runtime_seconds",)
# Rows are ordered by these (when present), then by identity: readable and deterministic.
SORT_COLUMNS: tuple[str, ...] = ("scenario.name", "attacker.name", "policy.name", "population.name", "seed", "run_identity")


def flatten(tree: dict, prefix: str = "") -> dict:
    """Nested dicts to one level with dotted keys; lists become JSON strings (one cell each)."""
    flat: dict = {}
    for key, value in tree.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(flatten(value, f"{name}."))
        elif isinstance(value, list):
            flat[name] = json.dumps(value, sort_keys=True)
        else:
            flat[name] = value
    return flat


def run_row(run_dir: Path, parsed: dict) -> dict:
    """One table row from ``run_dir``, as read by :func:`sim.sweeps.store.read_run`.

    Raises:
        RunDirError: if a metric that restates a config value (e.g. ``seed``)
            disagrees with it.
    """
    config = store.from_strict_json(dict(parsed["config"]))  # "inf" (no limit) back to a number
    identity = config.pop("run_identity")
    row: dict = {"run_identity": identity, **flatten(config)}
    provenance = dict(parsed["provenance"] or {})
    provenance.pop("run_identity", None)
    row["overrides"] = " ".join(provenance.pop("overrides", []))
    for key, value in parsed["metrics"].items():
        if key in row and key != "run_identity" and row[key] != value:
            # A metric that restates a config value (e.g. seed) must agree with it.
            raise store.RunDirError(run_dir, [f"{METRICS_FILE} {key}={value!r} disagrees with {CONFIG_FILE} {key}={row[key]!r}"])
        row[key] = value
    row.update({f"{PROVENANCE_PREFIX}{k}": v for k, v in flatten(provenance).items()})
    return row


def outcome_columns(table: pd.DataFrame) -> list[str]:
    """The columns that must not depend on the launcher or the machine (no provenance, no runtimes)."""
    return [c for c in table.columns if not c.startswith(PROVENANCE_PREFIX) and c not in RUNTIME_COLUMNS]


def column_metadata(columns: list[str]) -> dict[str, dict[str, str]]:
    """Parquet field metadata of the runs table's columns: a metric's declaration, or what
    the column is (identity, config value, overrides, provenance)."""
    from ..record import outcomes  # the declarations only (no model import)

    declared = outcomes.column_metadata(columns, outcomes.MECHANISMS)
    out: dict[str, dict[str, str]] = {}
    for c in columns:
        if c in declared:
            out[c] = declared[c]
        elif c == "run_identity":
            out[c] = {"unit": "", "description": "Hash of the run's resolved config: its directory name under runs/."}
        elif c == "overrides":
            out[c] = {"unit": "", "description": "The Hydra overrides of the sweep point, space-separated."}
        elif c.startswith(PROVENANCE_PREFIX):
            out[c] = {"unit": "", "description": f"Provenance: {c[len(PROVENANCE_PREFIX):]} ({PROVENANCE_FILE})."}
        else:
            out[c] = {"unit": "", "description": f"The run's config value {c} ({CONFIG_FILE}); lists as JSON."}
    return out


def collect(sweep_dir: Path) -> tuple[pd.DataFrame, dict[Path, list[str]], dict[Path, dict | None]]:
    """Read every run directory of a sweep.

    Returns:
        The table of good runs, the bad run directories with their problems,
        and the open failure-ledger entries (by path).

    Raises:
        FileNotFoundError: if ``sweep_dir`` has no ``runs/`` folder.
    """
    sweep_dir = Path(sweep_dir)
    runs_root = sweep_dir / RUNS_DIR
    if not runs_root.is_dir():
        raise FileNotFoundError(f"sweep_dir={str(sweep_dir)!r} has no {RUNS_DIR}/ folder; expected the hydra.sweep.dir of a sweep")
    rows: list[dict] = []
    bad: dict[Path, list[str]] = {}
    for run_dir in sorted(p for p in runs_root.iterdir() if not p.name.startswith(".")):
        try:
            rows.append(run_row(run_dir, store.read_run(run_dir)))
        except store.RunDirError as err:
            bad[run_dir] = err.problems
    table = pd.DataFrame(rows)
    if not table.empty:
        table = table.sort_values([c for c in SORT_COLUMNS if c in table.columns], kind="stable").reset_index(drop=True)
    failures.prune(sweep_dir)  # entries of runs that are complete all the same are stale
    return table, bad, failures.entries(sweep_dir)


def main(argv: list[str] | None = None) -> int:
    """Collect SWEEP_DIR/runs/* into SWEEP_DIR/runs.parquet; exit 1 if any run is bad or failed."""
    parser = argparse.ArgumentParser(prog="python -m sim.sweeps.collect", description=main.__doc__)
    parser.add_argument("sweep_dir", type=Path, help="the sweep's hydra.sweep.dir, e.g. results/sweeps/smoke")
    parser.add_argument("--out", type=Path, default=None, help=f"where to write the table (default: SWEEP_DIR/{TABLE_FILE})")
    args = parser.parse_args(argv)
    try:
        table, bad, failed = collect(args.sweep_dir)
    except FileNotFoundError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    out = args.out or args.sweep_dir / TABLE_FILE
    store.atomic_write_parquet(out, table, column_metadata([str(c) for c in table.columns]))
    print(f"collected {len(table)} runs into {out}")
    for run_dir, problems in bad.items():
        print(f"BAD RUN {run_dir}: {'; '.join(problems)}", file=sys.stderr)
    for path, entry in failed.items():
        print(f"FAILED RUN {failures.describe(path, entry)}", file=sys.stderr)
    if bad or failed:
        print(
            f"{len(bad)} bad run directories (not in the table; re-run the sweep to redo them), "
            f"{len(failed)} failed runs (see their failure entries)",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
