"""Sweep tier: real multiruns of the app, end to end, in subprocesses.

Each test runs ``python -m sim -m +sweep=smoke ...`` (Hydra multirun, joblib
launcher, 2 workers, no legitimate population) into a temporary sweep folder
and checks what is on disk afterwards: the content-addressed run folders, the
session journal (which runs started and how each ended), the failure ledger
and the table from ``python -m sim.sweeps.collect``.
"""

from __future__ import annotations

import json
import os
import pickle
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from sim.sweeps import failures, progress, store
from sim.sweeps.callbacks import SweepJournal
from sim.sweeps.collect import outcome_columns
from sim.config.compose import compose

REPO = Path(__file__).resolve().parent.parent
# 6 short runs: no legitimate users, no controls, a 15-day campaign, seeds 0-5
# (seed is one more axis of the sweep); 2 joblib workers.
SHORT = "scenario.end_date=2026-05-06"
SWEEP = ["+sweep=smoke", "policy=none", SHORT, "seed=range(0,6)", "hydra.launcher.n_jobs=2"]


def _env() -> dict:
    env = dict(os.environ)
    env.pop(progress.SESSION_ENV, None)
    return env


def sweep(sweep_dir: Path, *overrides: str, timeout: float = 300) -> subprocess.CompletedProcess:
    """Run a sweep to the end; its output is printed if the test fails."""
    proc = subprocess.run(
        [sys.executable, "-m", "sim", "-m", *overrides, f"hydra.sweep.dir={sweep_dir}"],
        cwd=REPO,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    print(proc.stdout[-5000:], proc.stderr[-5000:])
    return proc


def collect(sweep_dir: Path) -> subprocess.CompletedProcess:
    proc = subprocess.run(
        [sys.executable, "-m", "sim.sweeps.collect", str(sweep_dir)], cwd=REPO, env=_env(), capture_output=True, text=True, timeout=120
    )
    print(proc.stdout, proc.stderr)
    return proc


def identities_with_status(state: progress.SessionState, status: str) -> set[str]:
    return {i for i, rec in state.ended.items() if rec["status"] == status}


def complete_runs(sweep_dir: Path) -> set[str]:
    runs = sweep_dir / store.RUNS_DIR
    return {p.name for p in runs.iterdir() if not store.check_run(p)} if runs.is_dir() else set()


def journal_starts(sweep_dir: Path, session: str) -> set[str]:
    """Identities with a ``.start.json`` in a session: the log of runs that were executed."""
    folder = progress.session_dir(sweep_dir, session)
    return {p.name.removesuffix(".start.json") for p in folder.glob("*.start.json")}


def session_names(sweep_dir: Path) -> list[str]:
    return sorted(p.name for p in (sweep_dir / progress.JOURNAL_DIR).iterdir())


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> tuple[Path, pd.DataFrame]:
    """The sweep run once, uninterrupted, and its collected table."""
    sweep_dir = tmp_path_factory.mktemp("reference")
    proc = sweep(sweep_dir, *SWEEP)
    assert proc.returncode == 0
    assert "6 ran ok, 0 skipped" in proc.stdout
    assert collect(sweep_dir).returncode == 0
    return sweep_dir, pd.read_parquet(sweep_dir / "runs.parquet")


def test_sweep_writes_one_complete_run_dir_per_point(reference):
    sweep_dir, table = reference
    assert len(table) == 6
    assert sorted(table["seed"]) == [0, 1, 2, 3, 4, 5]
    assert set(table["policy.name"]) == {"none"}
    assert complete_runs(sweep_dir) == set(table["run_identity"])
    # The folder name is the identity of the config that produced the run.
    expected = store.run_identity(compose(["population=none", "policy=none", SHORT, "seed=3"]))
    assert expected in set(table["run_identity"])
    assert {"prov.git_commit", "prov.git_dirty", "prov.host", "prov.wall_seconds", "prov.versions.numpy"} <= set(table.columns)
    assert table["exchanges_harvested"].gt(0).all()


def test_rerun_skips_every_finished_run(reference, tmp_path):
    sweep_dir = tmp_path / "sweep"
    shutil.copytree(reference[0], sweep_dir)
    before = {p: p.stat().st_mtime_ns for p in sweep_dir.glob("runs/*/metrics.json")}

    proc = sweep(sweep_dir, *SWEEP)

    assert proc.returncode == 0
    assert "0 ran ok, 6 skipped" in proc.stdout
    last = session_names(sweep_dir)[-1]
    assert journal_starts(sweep_dir, last) == set()  # nothing simulated a second time
    assert identities_with_status(progress.read_session(sweep_dir, last), "skipped") == set(reference[1]["run_identity"])
    assert {p: p.stat().st_mtime_ns for p in sweep_dir.glob("runs/*/metrics.json")} == before


def _live_members(pgid: int) -> list[int]:
    """PIDs in process group ``pgid`` that are not zombies."""
    pids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[0] != "Z" and int(fields[2]) == pgid:
            pids.append(int(stat.parent.name))
    return pids


def test_sigkill_midway_then_rerun_loses_and_repeats_nothing(reference, tmp_path):
    sweep_dir = tmp_path / "sweep"
    cmd = [sys.executable, "-m", "sim", "-m", *SWEEP, f"hydra.sweep.dir={sweep_dir}"]
    with open(tmp_path / "killed.log", "w") as log:
        proc = subprocess.Popen(cmd, cwd=REPO, env=_env(), stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 240
        # Kill the launcher and its workers as soon as the first run is finished.
        while not list(sweep_dir.glob("runs/*/metrics.json")):
            assert proc.poll() is None, (tmp_path / "killed.log").read_text()
            assert time.monotonic() < deadline, "no run finished in time"
            time.sleep(0.01)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    for _ in range(100):
        if not _live_members(proc.pid):
            break
        time.sleep(0.05)
    assert _live_members(proc.pid) == []

    all_ids = set(reference[1]["run_identity"])
    done_before = complete_runs(sweep_dir)
    assert 0 < len(done_before) < len(all_ids), "the kill must land part-way"
    [first] = session_names(sweep_dir)
    first_state = progress.read_session(sweep_dir, first)
    in_flight = journal_starts(sweep_dir, first) - identities_with_status(first_state, "ok")

    proc2 = sweep(sweep_dir, *SWEEP)

    assert proc2.returncode == 0
    second = session_names(sweep_dir)[-1]
    rerun = journal_starts(sweep_dir, second)
    assert rerun == all_ids - done_before  # exactly the unfinished runs were executed again
    assert rerun & journal_starts(sweep_dir, first) <= in_flight  # repeats: only runs killed in flight
    assert identities_with_status(progress.read_session(sweep_dir, second), "skipped") == done_before
    assert collect(sweep_dir).returncode == 0
    table = pd.read_parquet(sweep_dir / "runs.parquet")
    cols = outcome_columns(reference[1])
    pd.testing.assert_frame_equal(table[cols], reference[1][cols])


def test_failures_and_corrupt_runs_are_named_and_retried(tmp_path):
    sweep_dir = tmp_path / "sweep"
    # 4 valid points x 2 values of a lever, one of which fails validation (allowed: >= 1).
    axes = ["+sweep=smoke", "policy=none", SHORT, "seed=range(0,4)", "attacker.max_pace_multiplier=2.0,0.5", "hydra.launcher.n_jobs=2"]
    ids = {s: store.run_identity(compose(["population=none", "policy=none", SHORT, f"seed={s}", "attacker.max_pace_multiplier=2.0"])) for s in range(4)}
    blocked = store.run_dir(sweep_dir, ids[0])
    blocked.parent.mkdir(parents=True)
    blocked.write_text("a file where the run folder should go: writing the run fails")

    proc = sweep(sweep_dir, *axes)

    assert proc.returncode == 1
    assert "3 ran ok, 0 skipped (already complete), 5 failed" in proc.stdout
    assert str(failures.failures_dir(sweep_dir)) in proc.stdout
    ledger = {p.stem: e for p, e in failures.entries(sweep_dir).items()}
    assert len(ledger) == 5
    assert ids[0] in ledger and "Error" in ledger[ids[0]]["error"]
    invalid = [e for k, e in ledger.items() if k != ids[0]]
    assert all("attacker.max_pace_multiplier=0.5" in e["overrides"] for e in invalid)
    assert all("attacker.max_pace_multiplier" in e["traceback"] for e in invalid)

    # Damage two finished runs the way a crash or a bad copy would.
    metrics = store.run_dir(sweep_dir, ids[1]) / store.METRICS_FILE
    metrics.write_text(metrics.read_text()[:40])
    daily = store.run_dir(sweep_dir, ids[2]) / store.DAILY_FILE
    daily.write_bytes(daily.read_bytes()[:100])
    blocked.unlink()

    result = collect(sweep_dir)
    assert result.returncode == 1
    assert f"BAD RUN {store.run_dir(sweep_dir, ids[1])}: metrics.json unreadable" in result.stderr
    assert f"BAD RUN {store.run_dir(sweep_dir, ids[2])}: daily.parquet unreadable" in result.stderr
    assert result.stderr.count("FAILED RUN") == 5
    assert list(pd.read_parquet(sweep_dir / "runs.parquet")["run_identity"]) == [ids[3]]

    proc = sweep(sweep_dir, *axes)

    assert proc.returncode == 1  # the invalid points still fail
    assert "3 ran ok, 1 skipped (already complete), 4 failed" in proc.stdout
    assert set(p.stem for p in failures.entries(sweep_dir)) == set(ledger) - {ids[0]}  # success cleared it
    assert journal_starts(sweep_dir, session_names(sweep_dir)[-1]) == {ids[0], ids[1], ids[2]}
    result = collect(sweep_dir)
    assert result.returncode == 1 and "BAD RUN" not in result.stderr
    assert sorted(pd.read_parquet(sweep_dir / "runs.parquet")["run_identity"]) == sorted(ids.values())


def test_run_dir_check_names_each_problem(tmp_path):
    run_dir = tmp_path / "0123456789abcdef"
    run_dir.mkdir()
    (run_dir / store.CONFIG_FILE).write_text(json.dumps({"run_identity": "fedcba9876543210"}))
    (run_dir / store.METRICS_FILE).write_text("[1, 2]")
    problems = store.check_run(run_dir)
    assert "metrics.json is not a JSON object (got list)" in problems
    assert any(p.startswith("config.json run_identity='fedcba9876543210'") for p in problems)
    assert any(p.startswith("config.json hashes to") for p in problems)  # content no longer matches its identity
    assert "provenance.json missing" in problems and "daily.parquet missing" in problems


@pytest.mark.slurm
def test_slurm_launcher_gives_the_joblib_table(reference, tmp_path):
    if not os.environ.get("SLURM_CONF") or shutil.which("sbatch") is None:
        if os.environ.get("DISTILL_SIM_REQUIRE_SLURM"):
            pytest.fail("DISTILL_SIM_REQUIRE_SLURM is set but SLURM_CONF/sbatch are missing")
        pytest.skip("no SLURM cluster: run scripts/slurm/local_cluster.sh start and export SLURM_CONF")
    sweep_dir = tmp_path / "slurm"

    proc = sweep(sweep_dir, *SWEEP[:-1], "hydra/launcher=slurm", "hydra.launcher.mem_gb=1", "hydra.launcher.timeout_min=10", timeout=600)

    assert proc.returncode == 0
    assert "6 ran ok, 0 skipped" in proc.stdout
    assert collect(sweep_dir).returncode == 0
    table = pd.read_parquet(sweep_dir / "runs.parquet")
    assert table["prov.slurm.SLURM_JOB_ID"].notna().all()  # really ran as SLURM jobs
    cols = outcome_columns(reference[1])
    assert set(outcome_columns(table)) == set(cols)
    pd.testing.assert_frame_equal(table[cols], reference[1][cols])


@pytest.mark.parametrize(
    ("bad", "named"),
    [
        ("seed=0,1,abc", "seed"),  # a value of the wrong type in the last job only
        ("policy=none,status_quo,nosuch", "nosuch"),  # an unknown group option
        ("policy.volume_cap.per_acount_day=3", "per_acount_day"),  # a typo'd key
    ],
)
def test_a_bad_point_stops_the_sweep_before_any_run(tmp_path, bad, named):
    """The sweeper composes one config per set of group choices, not per job
    (hydra_plugins/distill_sim_sweeper), yet still rejects every bad point
    before launching, naming it."""
    proc = sweep(tmp_path, "+sweep=smoke", SHORT, "population=none", bad)
    assert proc.returncode != 0
    assert named in proc.stdout + proc.stderr
    assert not (tmp_path / store.RUNS_DIR).exists()


def test_an_ad_hoc_multirun_without_sweeper_params_gets_progress(tmp_path):
    """Every axis on the command line (no ``hydra.sweeper.params``, as the
    sensitivity script runs its points): the journal still counts the runs."""
    proc = sweep(tmp_path, "hydra/callbacks=sweep", "hydra/sweeper=distill_sim", "population=none",
                 "scenario.end_date=2026-04-25", "seed=0,1")
    assert proc.returncode == 0
    assert "2 runs planned" in proc.stdout
    assert "raised" not in proc.stderr


def test_duplicate_points_are_counted_per_job(tmp_path):
    """Two points with the same config (one run identity) are two jobs: the
    summary counts both and reports nothing missing (it used to exit 1)."""
    proc = sweep(tmp_path, "+sweep=smoke", "policy=none", "population=none", "scenario.end_date=2026-04-25", "seed=0,0,1")
    assert proc.returncode == 0
    assert "missing" not in proc.stdout
    assert len(complete_runs(tmp_path)) == 2


def test_the_callback_ships_no_journal_records_to_the_jobs():
    """Hydra pickles its callbacks into every job: what the progress watcher has
    read stays in the launching process, so a job's payload does not grow with
    the sweep (it grew by one end record per finished run)."""
    journal = SweepJournal()
    journal._known = {f"{i:016x}": {"status": "ok", "overrides": ["seed=1"] * 20} for i in range(500)}
    journal._reported = set(journal._known)
    small = len(pickle.dumps(SweepJournal()))
    shipped = pickle.loads(pickle.dumps(journal))
    assert len(pickle.dumps(journal)) == small
    assert shipped._known == {} and shipped._reported == set()
    assert journal._known and journal._reported  # the launching process keeps its own


def test_the_launching_process_does_not_import_the_model():
    """A sweep's launching process composes, validates and watches, but never
    simulates: importing what it runs leaves Mesa, SciPy and pandas out (~1.5 s
    of imports before the workers could start)."""
    code = ("import sys, sim.app, sim.sweeps.callbacks, hydra_plugins.distill_sim_sweeper.sweeper; "
            "print(sorted(m for m in ('mesa', 'scipy', 'pandas') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_the_progress_command_recognises_a_dead_sweep(tmp_path: Path) -> None:
    """A session that never finished, whose launching process is gone, is reported stopped
    with how to resume, not as running with time left."""
    import time as _time

    from sim.sweeps.files import HEARTBEAT_FILE

    session = "20260101T000000-1"
    folder = progress.start_session(tmp_path, session, total=4, overrides=["+sweep=smoke"])
    journal = progress.RunJournal(folder)
    journal.started("aaaa", [])
    journal.ended("aaaa", "ok", [], 1.0, "here")
    assert not progress.read_session(tmp_path, session).stopped(_time.time())  # just started, alive
    store.atomic_write_json(folder / HEARTBEAT_FILE, {"time": _time.time() - 3600})
    meta = json.loads((folder / "session.json").read_text())
    store.atomic_write_json(folder / "session.json", {**meta, "pid": 2**22 + 12345})  # no such process
    state = progress.read_session(tmp_path, session)
    line = progress.progress_line(state, _time.time())
    assert state.stopped(_time.time()) and line.startswith("stopped: 1 of 4 runs done") and "resume" in line
    progress.finish_session(tmp_path, session)
    assert not progress.read_session(tmp_path, session).stopped(_time.time())


def test_ctrl_c_in_a_sweep_says_how_far_it_got_and_how_to_resume(tmp_path: Path) -> None:
    sweep_dir = tmp_path / "sweep"
    proc = subprocess.Popen(
        [sys.executable, "-m", "sim", "-m", "+sweep=smoke", f"hydra.sweep.dir={sweep_dir}", "hydra.launcher.n_jobs=1",
         "seed=range(0,40)"],
        cwd=REPO, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
        # A shell that runs the suite in the background ignores SIGINT, and children inherit that:
        # give the sweep the default disposition a terminal's Ctrl-C meets.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    deadline = time.time() + 120
    while time.time() < deadline and not list(sweep_dir.glob("journal/*/*.end.json")):
        time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C does: the whole foreground group
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert "Traceback" not in err, err
    assert re.search(r"interrupted: \d+ of 80 runs done; run the same command again to resume", err), err
