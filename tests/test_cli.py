"""The command line refuses bad input in one line, before anything runs or is written."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from sim.config import ConfigError
from sim.config.compose import compose

REFUSED = {
    "polcy=none": ("polcy", "did you mean policy?"),
    "policy=satus_quo": ("policy=satus_quo", "did you mean status_quo?"),
    "+policy.detector.treshold=5": ("policy.detector.treshold", "did you mean policy.detector.threshold?"),
    "policy.detector.noise_sd=-1": ("policy.detector.noise_sd=-1", "[1e-09, 20.0]"),
    "seed=abc": ("seed=abc", "an integer"),
    "scenario.providers.0.nam=x": ("scenario.providers.0.nam", "did you mean scenario.providers.0.name?"),
    "policy.binds=[x]": ("policy.binds=[x]", "a list of integers, e.g. [0, 2], or null"),
    "scenario.operators.3.name=x": ("scenario.operators.3.name=x", "an index of an existing item of scenario.operators"),
}


def _cli(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "HYDRA_FULL_ERROR"}
    return subprocess.run([sys.executable, "-m", "sim", *args], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("override", sorted(REFUSED))
def test_a_refused_override_is_one_line_exit_2_and_leaves_no_folder(tmp_path: Path, override: str) -> None:
    proc = _cli(tmp_path, override, "population=none")
    key, allowed = REFUSED[override]
    lines = proc.stderr.strip().splitlines()
    assert proc.returncode == 2, proc.stderr
    assert len(lines) == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert key in lines[0] and allowed in lines[0], lines[0]
    assert not list(tmp_path.iterdir()), "a refused run leaves no folder behind"


def test_a_key_added_with_plus_below_a_branch_is_refused_from_python_too() -> None:
    with pytest.raises(ConfigError, match=r"policy\.detector\.treshold=5.*did you mean policy\.detector\.threshold"):
        compose(["+policy.detector.treshold=5"])
    with pytest.raises(ConfigError, match=r"scenario\.providers\[0\]\.nam"):
        compose(["+scenario.providers.0.nam=x"])


def test_a_good_run_still_writes_its_folder(tmp_path: Path) -> None:
    proc = _cli(tmp_path, "population=none", "scenario.end_date=2026-04-25")
    assert proc.returncode == 0, proc.stderr
    assert list((tmp_path / "outputs" / "runs").rglob("metrics.json"))


def test_help_says_what_the_tool_does_lists_the_groups_and_examples(tmp_path: Path) -> None:
    proc = _cli(tmp_path, "--help")
    lines = proc.stdout.splitlines()
    assert proc.returncode == 0
    assert lines[0].startswith("distill-sim: simulate a distillation campaign"), lines[0]
    assert len(lines) < 60, f"--help is {len(lines)} lines"
    assert "Powered by Hydra" not in proc.stdout and "Examples:" in proc.stdout
    assert any(line.startswith("policy: ") and "status_quo" in line for line in lines)
    assert sum(1 for line in lines if line.strip().startswith("distill-sim ")) >= 5


def _console(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    """The installed console script, as a user runs it (not ``python -m sim`` from the repository)."""
    script = Path(sys.executable).with_name("distill-sim")
    if not script.exists():
        pytest.skip(f"no console script next to {sys.executable}")
    env = {k: v for k, v in os.environ.items() if k != "HYDRA_FULL_ERROR"}
    return subprocess.run([str(script), *args], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("fixed, key, allowed", [
    ("policy.detector.treshold=5", "policy.detector.treshold", "did you mean policy.detector.threshold?"),
    ("polcy=none", "polcy", "did you mean policy?"),
])
def test_a_multiruns_shared_override_with_a_typo_is_one_line_before_anything_runs(
        tmp_path: Path, fixed: str, key: str, allowed: str) -> None:
    proc = _console(tmp_path, "-m", "+sweep=smoke", "seed=0,1", fixed, f"hydra.sweep.dir={tmp_path / 'sweep'}")
    lines = proc.stderr.strip().splitlines()
    assert proc.returncode == 2, proc.stderr
    assert len(lines) == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert key in lines[0] and allowed in lines[0], lines[0]
    assert not (tmp_path / "sweep").exists()


def test_the_console_script_runs_a_sweep_from_any_directory(tmp_path: Path) -> None:
    """Hydra's plugin scan does not see an editable install's sweeper; the script registers it."""
    sweep = tmp_path / "sweep"
    proc = _console(tmp_path, "-m", "+sweep=smoke", "seed=0", "scenario.end_date=2026-04-25", f"hydra.sweep.dir={sweep}")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert len(list((sweep / "runs").glob("*/metrics.json"))) == 2
