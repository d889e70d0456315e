"""Run files a colleague can read: permissions from the umask, strict JSON, dates as dates,
units in the Parquet schema."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pyarrow.parquet as pq

from sim.sweeps import store
from sim.sweeps.collect import collect
from sim.sweeps.files import CONFIG_FILE, DAILY_FILE, METRICS_FILE, TABLE_FILE

from .conftest import cfg as compose_cfg
from .conftest import simulate


def _strict(text: str):
    def refuse(token: str):
        raise ValueError(f"not strict JSON: {token}")
    return json.loads(text, parse_constant=refuse)


def test_run_files_follow_the_umask_are_strict_json_and_carry_units(tmp_path: Path) -> None:
    overrides = ("population=none", "scenario.end_date=2026-04-25")
    config = compose_cfg(*overrides)
    result = simulate(*overrides)
    old = os.umask(0o022)
    try:
        run_dir = store.run_dir(tmp_path, store.run_identity(config))
        store.write_run(run_dir, config, result, {"overrides": list(overrides)})
    finally:
        os.umask(old)
    for path in run_dir.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o644, path.name
        if path.suffix == ".json":
            _strict(path.read_text())  # every JSON file parses with a strict parser
    saved = _strict((run_dir / CONFIG_FILE).read_text())
    assert saved["policy"]["identity_gating"]["supply_per_day"]["email"] == store.INFINITY
    assert store.from_strict_json(saved["policy"]["identity_gating"]["supply_per_day"]["email"]) == float("inf")
    schema = pq.read_schema(run_dir / DAILY_FILE)
    assert str(schema.field("date").type) == "date32[day]"
    meta = schema.field("attacker_served").metadata or {}
    assert b"unit" in meta and b"description" in meta
    assert store.read_run(run_dir)  # still complete and hashing to its identity
    table, bad, failed = collect(tmp_path)
    assert not bad and not failed and len(table) == 1
    assert table.loc[0, "policy.identity_gating.supply_per_day.email"] == float("inf")
    store.atomic_write_parquet(tmp_path / TABLE_FILE, table)  # as python -m sim.sweeps.collect writes it
    runs_schema = pq.read_schema(tmp_path / TABLE_FILE)
    assert str(runs_schema.field("scenario.start_date").type) == "date32[day]"
    assert str(runs_schema.field("scenario.end_date").type) == "date32[day]"
    assert _strict((run_dir / METRICS_FILE).read_text())["run_identity"] == store.run_identity(config)
