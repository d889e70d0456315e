"""The public API: ``from sim import compose, run, DistillationModel``, as the README shows it."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import sim

ROOT = Path(__file__).resolve().parents[1]


def test_the_readme_python_example_runs() -> None:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("### From Python", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, flags=re.S).group(1)
    assert "from sim import compose, run, DistillationModel" in code
    namespace: dict = {}
    exec(compile(code, "README.md", "exec"), namespace)  # noqa: S102 - the project's own README
    result, model = namespace["result"], namespace["model"]
    assert 0.0 <= result.metrics["campaign_blocked_share"] <= 1.0
    assert not model.running and model.clock.tick > 0


def test_the_api_names_are_the_runners_and_import_lazily() -> None:
    from sim.config.compose import compose
    from sim.model import DistillationModel
    from sim.runner import RunResult, run

    assert (sim.compose, sim.run, sim.DistillationModel, sim.RunResult) == (compose, run, DistillationModel, RunResult)
    assert set(sim.__all__) >= {"compose", "run", "DistillationModel"}
    code = "import sys, sim; assert 'mesa' not in sys.modules and 'sim.model' not in sys.modules"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True).returncode == 0, "import sim builds nothing"
