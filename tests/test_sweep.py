"""Sweep tier: real multiruns of the app, end to end, in subprocesses.

Each test runs ``python -m sim -m +sweep=smoke ...`` (Hydra multirun, joblib
launcher, 2 workers, no legitimate population) into a temporary sweep folder
and checks what is on disk afterwards: the content-addressed run folders, the
session journal (which runs started and how each ended), the failure ledger,
the run claims and the table from ``python -m sim.sweeps.collect``.
"""

from __future__ import annotations

import json
import os
import pickle
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from sim.sweeps import claims, failures, progress, store
from sim.sweeps.batch import run_points
from sim.sweeps.callbacks import DEFAULT_SWEEP_DIR, SweepJournal, adhoc_sweep_dir
from sim.sweeps.files import BATCHES_DIR
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


@pytest.mark.parametrize("points_per_job", [1, 3])
def test_sigkill_midway_then_rerun_loses_and_repeats_nothing(reference, tmp_path, points_per_job):
    """Also with several points per job: a killed job loses only its points not yet finished."""
    sweep_dir = tmp_path / "sweep"
    axes = [*SWEEP, f"hydra.sweeper.points_per_job={points_per_job}"]
    cmd = [sys.executable, "-m", "sim", "-m", *axes, f"hydra.sweep.dir={sweep_dir}"]
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

    proc2 = sweep(sweep_dir, *axes)

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
    """Runs that fail at run time (a valid config whose folder cannot be written) go to the
    failure ledger and the sweep goes on; a re-run retries them, a success clears its entry,
    and runs damaged on disk are named by collect and simulated again."""
    sweep_dir = tmp_path / "sweep"
    # 4 seeds x 2 values of a lever: 8 valid points.
    axes = ["+sweep=smoke", "policy=none", SHORT, "seed=range(0,4)", "attacker.max_pace_multiplier=2.0,3.0", "hydra.launcher.n_jobs=2"]
    ids = {(m, s): store.run_identity(compose(["population=none", "policy=none", SHORT, f"seed={s}", f"attacker.max_pace_multiplier={m}"]))
           for m in ("2.0", "3.0") for s in range(4)}
    blocked, stuck = store.run_dir(sweep_dir, ids["2.0", 0]), store.run_dir(sweep_dir, ids["3.0", 0])
    blocked.parent.mkdir(parents=True)
    for path in (blocked, stuck):
        path.write_text("a file where the run folder should go: writing the run fails")

    proc = sweep(sweep_dir, *axes)

    assert proc.returncode == 1
    assert "6 ran ok, 0 skipped (already complete), 2 failed" in proc.stdout
    assert str(failures.failures_dir(sweep_dir)) in proc.stdout
    ledger = {p.stem: e for p, e in failures.entries(sweep_dir).items()}
    assert set(ledger) == {ids["2.0", 0], ids["3.0", 0]}
    assert all("Error" in e["error"] and "write_run" in e["traceback"] for e in ledger.values())
    assert "seed=0" in ledger[ids["3.0", 0]]["overrides"] and "attacker.max_pace_multiplier=3.0" in ledger[ids["3.0", 0]]["overrides"]

    # Damage two finished runs the way a crash or a bad copy would; free one blocked folder.
    metrics = store.run_dir(sweep_dir, ids["2.0", 1]) / store.METRICS_FILE
    metrics.write_text(metrics.read_text()[:40])
    daily = store.run_dir(sweep_dir, ids["2.0", 2]) / store.DAILY_FILE
    daily.write_bytes(daily.read_bytes()[:100])
    blocked.unlink()

    result = collect(sweep_dir)
    assert result.returncode == 1
    assert f"BAD RUN {store.run_dir(sweep_dir, ids['2.0', 1])}: metrics.json unreadable" in result.stderr
    assert f"BAD RUN {store.run_dir(sweep_dir, ids['2.0', 2])}: daily.parquet unreadable" in result.stderr
    assert f"BAD RUN {stuck}: not a directory" in result.stderr and result.stderr.count("BAD RUN") == 3
    assert result.stderr.count("FAILED RUN") == 2
    assert sorted(pd.read_parquet(sweep_dir / "runs.parquet")["run_identity"]) == sorted(
        [ids["2.0", 3], ids["3.0", 1], ids["3.0", 2], ids["3.0", 3]])

    proc = sweep(sweep_dir, *axes)

    assert proc.returncode == 1  # the still-blocked point fails again
    assert "3 ran ok, 4 skipped (already complete), 1 failed" in proc.stdout
    assert set(p.stem for p in failures.entries(sweep_dir)) == {ids["3.0", 0]}  # success cleared the other
    assert journal_starts(sweep_dir, session_names(sweep_dir)[-1]) == {ids["2.0", 0], ids["2.0", 1], ids["2.0", 2], ids["3.0", 0]}
    result = collect(sweep_dir)
    assert result.returncode == 1 and result.stderr.count("BAD RUN") == 1 and result.stderr.count("FAILED RUN") == 1
    assert sorted(pd.read_parquet(sweep_dir / "runs.parquet")["run_identity"]) == sorted(set(ids.values()) - {ids["3.0", 0]})


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


def test_submitit_launcher_with_several_points_per_job_gives_the_joblib_table(reference, tmp_path):
    """submitit's local executor runs each job as a new process through the code path of its
    SLURM executor (the job's config composed in the task, Hydra's state shipped with it)."""
    sweep_dir = tmp_path / "submitit"
    proc = sweep(sweep_dir, *SWEEP[:-1], "hydra/launcher=submitit_local", "hydra.sweeper.points_per_job=3", timeout=600)
    assert proc.returncode == 0
    assert "6 points in 2 jobs" in proc.stdout and "6 ran ok, 0 skipped" in proc.stdout
    assert collect(sweep_dir).returncode == 0
    table = pd.read_parquet(sweep_dir / "runs.parquet")
    assert table["prov.pid"].nunique() == 2  # one process per job, each running its 3 points
    cols = outcome_columns(reference[1])
    pd.testing.assert_frame_equal(table[cols], reference[1][cols])


@pytest.mark.slurm
@pytest.mark.parametrize("points_per_job", [1, 3])
def test_slurm_launcher_gives_the_joblib_table(reference, tmp_path, points_per_job):
    if not os.environ.get("SLURM_CONF") or shutil.which("sbatch") is None:
        if os.environ.get("DISTILL_SIM_REQUIRE_SLURM"):
            pytest.fail("DISTILL_SIM_REQUIRE_SLURM is set but SLURM_CONF/sbatch are missing")
        pytest.skip("no SLURM cluster: run scripts/slurm/local_cluster.sh start and export SLURM_CONF")
    sweep_dir = tmp_path / "slurm"

    proc = sweep(sweep_dir, *SWEEP[:-1], "hydra/launcher=slurm", "hydra.launcher.mem_gb=1", "hydra.launcher.timeout_min=10",
                 f"hydra.sweeper.points_per_job={points_per_job}", timeout=600)

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
        ("seed=0,1,abc", "seed=abc"),  # a value of the wrong type in the last job only
        ("policy=none,status_quo,nosuch", "policy=nosuch"),  # an unknown group option
        ("policy.volume_cap.per_acount_day=3", "per_acount_day"),  # a typo'd key
        ("+policy.detector.treshold=5", "policy.detector.treshold=5"),  # a typo'd key added with +
        ("+policy.detector.treshold=4,5", "policy.detector.treshold=4"),  # ... as a sweep axis
    ],
)
def test_a_bad_point_stops_the_sweep_before_any_run(tmp_path, bad, named):
    """The sweeper composes one config per set of group choices, not per job
    (hydra_plugins/distill_sim_sweeper), yet still rejects every bad point
    before launching, naming it, and leaves no sweep folder."""
    sweep_dir = tmp_path / "sweep"
    proc = sweep(sweep_dir, "+sweep=smoke", SHORT, "population=none", bad)
    assert proc.returncode != 0
    assert named in proc.stdout + proc.stderr
    assert not sweep_dir.exists()
    if bad.startswith(("+", "seed", "policy=")):  # one line, as a single run: a swept value by the sweeper's
        [line] = [ln for ln in proc.stderr.splitlines() if ln.strip()]  # check (naming the point), a shared one by the CLI's
        assert proc.returncode == 2 and line.startswith("distill-sim: invalid config:")
        assert ("(sweep point:" in line) == ("," in bad), line
        assert "runs planned" not in proc.stdout  # a refused sweep announces no plan
    if bad.startswith("+"):
        assert "did you mean policy.detector.threshold?" in proc.stderr


def single_run_refusal(overrides: list[str]) -> str:
    """The line the single-run CLI prints for ``overrides`` (composed here, in process)."""
    from sim.config import ConfigError
    from sim.config.errors import one_line

    with pytest.raises(ConfigError) as refused:
        compose(overrides)
    return f"distill-sim: {one_line(refused.value, overrides)}"


@pytest.mark.parametrize(
    ("axis", "bad", "launch"),
    [
        ("policy.detector.threshold=5,nan", "policy.detector.threshold=nan", ()),
        ("policy.volume_cap.per_account_day=200,50,-1", "policy.volume_cap.per_account_day=-1", ()),
        ("policy.identity_gating.fake_document_pass_rate=0.2,1.5", "policy.identity_gating.fake_document_pass_rate=1.5", ()),
        ("policy.detector.threshold=5,nan", "policy.detector.threshold=nan", ("hydra.sweeper.points_per_job=3",)),
        ("policy.detector.threshold=5,nan", "policy.detector.threshold=nan", ("hydra/launcher=submitit_local",)),
    ],
)
def test_a_swept_value_out_of_range_refuses_the_sweep_in_one_line(tmp_path, axis, bad, launch):
    """A value that fails validation among several swept ones is refused before any run, on every
    launcher, with the single run's message for it and the point: exit 2, no folder left."""
    sweep_dir = tmp_path / "sweep"
    shared = ["population=none", SHORT]
    proc = sweep(sweep_dir, "+sweep=smoke", *shared, axis, *launch)
    assert proc.returncode == 2
    [line] = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    key, value = bad.split("=", 1)
    assert line.startswith(f"distill-sim: invalid config: {key}={value}") and "; allowed: " in line, line
    message, point = line.removesuffix(")").split(" (sweep point: ")
    assert message == single_run_refusal([*shared, bad])
    assert bad in point.split() and set(shared) <= set(point.split())
    assert "[sweep" not in proc.stdout  # nothing ran
    assert not sweep_dir.exists()


def test_a_refused_rerun_leaves_an_existing_sweep_folder_as_it_was(reference, tmp_path):
    sweep_dir = tmp_path / "sweep"
    shutil.copytree(reference[0], sweep_dir)
    before = {p.relative_to(sweep_dir): p.read_bytes() for p in sweep_dir.rglob("*") if p.is_file()}
    proc = sweep(sweep_dir, *SWEEP, "policy.detector.threshold=5,nan")
    assert proc.returncode == 2 and "policy.detector.threshold=nan; allowed: " in proc.stderr
    after = {p.relative_to(sweep_dir): p.read_bytes() for p in sweep_dir.rglob("*") if p.is_file()}
    assert after == before


@pytest.mark.parametrize("value", ["0", "-2", "x", "1.5"])
def test_points_per_job_is_validated(tmp_path, value):
    proc = sweep(tmp_path / "sweep", "+sweep=smoke", SHORT, f"hydra.sweeper.points_per_job={value}")
    assert proc.returncode == 2
    [line] = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert line.startswith("distill-sim: invalid config: hydra.sweeper.points_per_job=")
    assert value in line and "allowed: an integer >= 1" in line
    assert not (tmp_path / "sweep").exists()


def test_several_points_per_job_give_the_same_runs_byte_for_byte(reference, tmp_path):
    """6 points in 2 jobs of 4 and 2: the same run folders, files and job numbers as one point per job."""
    sweep_dir = tmp_path / "batched"
    proc = sweep(sweep_dir, *SWEEP, "hydra.sweeper.points_per_job=4")
    assert proc.returncode == 0
    assert "6 points in 2 jobs of up to 4" in proc.stdout and "6 ran ok, 0 skipped" in proc.stdout
    assert len(list((sweep_dir / "jobs").iterdir())) == 2  # two launcher jobs, not six
    assert len(list((sweep_dir / BATCHES_DIR).iterdir())) == 2
    ref_dir = reference[0]
    assert complete_runs(sweep_dir) == complete_runs(ref_dir)
    for run in (sweep_dir / store.RUNS_DIR).iterdir():
        for name in (store.CONFIG_FILE, store.DAILY_FILE):
            assert (run / name).read_bytes() == (ref_dir / store.RUNS_DIR / run.name / name).read_bytes()
        metrics = json.loads((run / store.METRICS_FILE).read_text())
        ref_metrics = json.loads((ref_dir / store.RUNS_DIR / run.name / store.METRICS_FILE).read_text())
        assert {k: v for k, v in metrics.items() if k != "runtime_seconds"} == {k: v for k, v in ref_metrics.items() if k != "runtime_seconds"}
        prov = json.loads((run / store.PROVENANCE_FILE).read_text())
        ref_prov = json.loads((ref_dir / store.RUNS_DIR / run.name / store.PROVENANCE_FILE).read_text())
        assert (prov["job_num"], prov["overrides"]) == (ref_prov["job_num"], ref_prov["overrides"])
    assert collect(sweep_dir).returncode == 0
    table = pd.read_parquet(sweep_dir / "runs.parquet")
    cols = outcome_columns(reference[1])
    pd.testing.assert_frame_equal(table[cols], reference[1][cols])

    proc = sweep(sweep_dir, *SWEEP, "hydra.sweeper.points_per_job=4")  # resumes: nothing left to do
    assert proc.returncode == 0 and "0 ran ok, 6 skipped" in proc.stdout
    assert journal_starts(sweep_dir, session_names(sweep_dir)[-1]) == set()


def test_a_batch_with_several_group_choices_composes_each(tmp_path):
    """One job holding points of two policies (group choices) and a value axis: each point
    gets its own config (the identity of a config composed from scratch)."""
    overrides = ["+sweep=smoke", "policy=none,status_quo", SHORT, "seed=0", "attacker.max_pace_multiplier=2.0,3.0"]
    proc = sweep(tmp_path, *overrides, "hydra.sweeper.points_per_job=4", "hydra.launcher.n_jobs=1")
    assert proc.returncode == 0 and "4 points in 1 jobs" in proc.stdout
    expected = {store.run_identity(compose(["population=none", f"policy={p}", SHORT, "seed=0", f"attacker.max_pace_multiplier={m}"]))
                for p in ("none", "status_quo") for m in ("2.0", "3.0")}
    assert complete_runs(tmp_path) == expected


def test_run_points_from_python_writes_and_then_skips(tmp_path):
    """The sweep machinery without Hydra's command line (an optimiser's next candidates)."""
    points = [["population=none", "policy=none", SHORT, f"seed={s}"] for s in (0, 1)] + [["population=none", "seed=0", "nosuch=1"]]
    outcomes = run_points(points, tmp_path)
    assert outcomes == ["ok", "ok", "failed"]
    assert complete_runs(tmp_path) == {store.run_identity(compose(p)) for p in points[:2]}
    assert [e["overrides"] for e in failures.entries(tmp_path).values()] == [points[2]]
    assert run_points(points[:2], tmp_path) == ["skipped", "skipped"]


def test_an_ad_hoc_multirun_without_sweeper_params_gets_progress(tmp_path):
    """Every axis on the command line (no ``hydra.sweeper.params``, as the
    sensitivity script runs its points): the journal still counts the runs."""
    proc = sweep(tmp_path, "hydra/callbacks=sweep", "hydra/sweeper=distill_sim", "population=none",
                 "scenario.end_date=2026-04-25", "seed=0,1")
    assert proc.returncode == 0
    assert "2 runs planned" in proc.stdout
    assert "raised" not in proc.stderr


def test_duplicate_points_are_counted_per_job_and_named(tmp_path):
    """Two points with the same config (one run identity) are two jobs: the
    summary counts both and reports nothing missing; one warning line names them."""
    proc = sweep(tmp_path, "+sweep=smoke", "policy=none", "population=none", "scenario.end_date=2026-04-25", "seed=0,0,1")
    assert proc.returncode == 0
    assert "missing" not in proc.stdout
    assert len(complete_runs(tmp_path)) == 2
    [warning] = [ln for ln in proc.stderr.splitlines() if ln.startswith("warning:")]
    assert warning.startswith("warning: 2 sweep points resolve to the same config (run ")
    assert warning.count("seed=0") == 2 and "seed=1" not in warning


@pytest.mark.parametrize("points_per_job", [1, 3])
def test_points_that_are_config_files_of_their_own_are_composed_each(tmp_path, points_per_job):
    """Points written as config files in a folder added by ``hydra.searchpath`` (as the
    sensitivity, discovery and best-response scripts write them: each its own group choice) are
    composed one by one, before launching and in a job of several points: two files that give
    the same config are warned about as duplicates, and each run is its own file's config."""
    points = tmp_path / "points" / "sens_point"
    points.mkdir(parents=True)
    for name, multiplier in (("p0", 2.0), ("p1", 2.0), ("p2", 3.0)):
        (points / f"{name}.yaml").write_text(f"# @package _global_\nattacker:\n  max_pace_multiplier: {multiplier}\n")
    search = f"hydra.searchpath=[file://{points.parent}]"
    shared = ["+sweep=sensitivity", search, "population=none", SHORT]
    proc = sweep(tmp_path / "sweep", *shared, "+sens_point=p0,p1,p2", "hydra.launcher.n_jobs=2",
                 f"hydra.sweeper.points_per_job={points_per_job}")
    assert proc.returncode == 0
    [warning] = [ln for ln in proc.stderr.splitlines() if ln.startswith("warning:")]
    assert warning.startswith("warning: 2 sweep points resolve to the same config (run ")
    assert "+sens_point=p0" in warning and "+sens_point=p1" in warning and "p2" not in warning
    assert complete_runs(tmp_path / "sweep") == {store.run_identity(compose([*shared, f"+sens_point={p}"])) for p in ("p0", "p2")}


def test_an_ad_hoc_multirun_shows_progress_and_resumes():
    """A bare ``--multirun`` (no sweep file, no callback or sweeper named, no folder) gets
    the journal's progress and a folder of its own that a re-run resumes."""
    overrides = ["population=none", "scenario.end_date=2026-04-24", "seed=0,1", "attacker.max_pace_multiplier=2.5"]
    sweep_dir = REPO / adhoc_sweep_dir(overrides)
    shutil.rmtree(sweep_dir, ignore_errors=True)
    try:
        runs = []
        for _ in range(2):
            proc = subprocess.run([sys.executable, "-m", "sim", "--multirun", *reversed(overrides)], cwd=REPO, env=_env(),
                                  capture_output=True, text=True, timeout=300)
            print(proc.stdout[-3000:], proc.stderr[-3000:])
            assert proc.returncode == 0
            runs.append(proc.stdout)
        assert "2 runs planned" in runs[0] and "[sweep 2/2]" in runs[0] and "2 ran ok, 0 skipped" in runs[0]
        assert f"sweep {adhoc_sweep_dir(overrides)} finished" in runs[1] and "0 ran ok, 2 skipped" in runs[1]
        assert len(complete_runs(sweep_dir)) == 2
    finally:
        shutil.rmtree(sweep_dir, ignore_errors=True)


def test_the_ad_hoc_folder_is_the_configs_default():
    """The callback picks an ad hoc folder only when hydra.sweep.dir is conf/config.yaml's default."""
    import yaml

    assert yaml.safe_load((REPO / "conf" / "config.yaml").read_text())["hydra"]["sweep"]["dir"] == DEFAULT_SWEEP_DIR
    assert adhoc_sweep_dir(["seed=0,1", "policy=none"]) == adhoc_sweep_dir(["policy=none", "seed=0,1"])
    assert adhoc_sweep_dir(["seed=0,1"]) != adhoc_sweep_dir(["seed=0,2"])


def test_stale_failures_are_dropped_and_the_failures_command_lists_and_clears(reference, tmp_path):
    sweep_dir = tmp_path / "sweep"
    shutil.copytree(reference[0], sweep_dir)
    done = sorted(reference[1]["run_identity"])[0]
    stale = failures.record(sweep_dir, done, ["seed=9"], RuntimeError("disk full"), host="h")  # the run is complete all the same
    open_entry = failures.record(sweep_dir, "invalid-0123456789abcdef", ["seed=-1"], ValueError("seed=-1; allowed: >= 0"), host="h")

    result = collect(sweep_dir)
    assert result.returncode == 1 and result.stderr.count("FAILED RUN") == 1 and str(open_entry) in result.stderr
    assert not stale.exists()

    def failures_cmd(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "sim.sweeps.failures", str(sweep_dir), *args], cwd=REPO, env=_env(),
                              capture_output=True, text=True, timeout=60)

    listed = failures_cmd()
    assert listed.returncode == 0 and listed.stdout.splitlines() == [f"{open_entry}: seed=-1: ValueError: seed=-1; allowed: >= 0"]
    assert open_entry.exists()
    cleared = failures_cmd("--clear")
    assert cleared.returncode == 0 and "1 open failures cleared" in cleared.stderr
    assert failures.entries(sweep_dir) == {}
    assert collect(sweep_dir).returncode == 0
    assert failures_cmd().stdout == ""


def test_a_claim_is_exclusive_until_released_or_dead(tmp_path):
    first = claims.acquire(tmp_path, "aaaa")
    assert first is not None and claims.acquire(tmp_path, "aaaa") is None  # a live claimant: this process
    assert claims.holder(tmp_path, "aaaa")["pid"] == os.getpid()
    first.release()
    assert claims.holder(tmp_path, "aaaa") is None and list(claims.claims_dir(tmp_path).iterdir()) == []

    # A claimant that is gone (same host, no such process) is recognised at once: its claim is taken over.
    dead = claims.claims_dir(tmp_path) / "bbbb.0.json"
    dead.write_text(json.dumps({"host": socket.gethostname(), "pid": 2**22 + 12345}))
    taken = claims.acquire(tmp_path, "bbbb")
    assert taken is not None and taken.path.name == "bbbb.1.json"
    taken.release()
    assert not dead.exists()

    # A claim from another host is live while its heartbeat is fresh, dead once it is stale.
    other = claims.claims_dir(tmp_path) / "cccc.0.json"
    other.write_text(json.dumps({"host": "elsewhere", "pid": 1}))
    assert claims.acquire(tmp_path, "cccc") is None
    old = time.time() - claims.STALE_SECONDS - 5
    os.utime(other, (old, old))
    assert claims.acquire(tmp_path, "cccc") is not None


def test_a_claim_keeps_its_heartbeat(tmp_path):
    claim = claims.acquire(tmp_path, "dddd", heartbeat_seconds=0.05)
    assert claim is not None
    old = time.time() - 1000
    os.utime(claim.path, (old, old))  # as if its claimant had been silent for long
    time.sleep(0.3)
    assert time.time() - claim.path.stat().st_mtime < 5 and claims.is_live(claim.path)
    claim.release()


def test_two_sweeps_on_one_store_never_simulate_a_run_twice(tmp_path):
    """Started together on the same folder and the same points, the two sweeps share the
    work: every run is simulated by exactly one of them, and both end with every result."""
    sweep_dir = tmp_path / "sweep"
    cmd = [sys.executable, "-m", "sim", "-m", *SWEEP[:-1], "hydra.launcher.n_jobs=1", f"hydra.sweep.dir={sweep_dir}"]
    procs = [subprocess.Popen(cmd, cwd=REPO, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outs = [p.communicate(timeout=300) for p in procs]
    for p, (out, err) in zip(procs, outs, strict=True):
        print(out[-2000:], err[-2000:])
        assert p.returncode == 0
    sessions = session_names(sweep_dir)
    assert len(sessions) == 2
    starts = [journal_starts(sweep_dir, s) for s in sessions]
    assert starts[0].isdisjoint(starts[1])  # no run simulated by both
    assert len(starts[0] | starts[1]) == 6 and len(complete_runs(sweep_dir)) == 6
    for s in sessions:
        state = progress.read_session(sweep_dir, s)
        assert len(state.ended) == 6 and state.count("failed") == 0  # each sweep ends with every run: its own or the other's
    assert list(claims.claims_dir(sweep_dir).iterdir()) == []


def test_a_single_run_draws_a_progress_bar_on_a_terminal_only(tmp_path):
    import fcntl
    import pty
    import struct
    import termios

    args = [sys.executable, "-m", "sim", "population=none", "scenario.end_date=2026-04-24"]
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))
    proc = subprocess.Popen([*args, f"hydra.run.dir={tmp_path / 'tty'}"], cwd=REPO, env=_env(), stdout=subprocess.DEVNULL, stderr=slave)
    os.close(slave)
    drawn = b""
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:  # the run closed its end
            break
        if not chunk:
            break
        drawn += chunk
    os.close(master)
    assert proc.wait(timeout=120) == 0
    assert b"simulating:" in drawn and b"day/s" in drawn and b"100%" in drawn

    piped = subprocess.run([*args, f"hydra.run.dir={tmp_path / 'pipe'}"], cwd=REPO, env=_env(), capture_output=True, text=True, timeout=120)
    assert piped.returncode == 0
    assert "simulating" not in piped.stderr and "simulating" not in piped.stdout


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
