"""The Hydra application: ``distill-sim`` and ``python -m sim``.

Thin on purpose: compose and validate the config, call :func:`sim.runner.run`,
write the results into the run directory, print the summary. In multirun mode
(a sweep) each job goes to :func:`sim.sweeps.job.run_job` instead, which skips
finished runs and records failures, or, for a job holding several points, to
:func:`sim.sweeps.batch.run_batch` (see docs/sweeps.md).

A single run's overrides are composed and validated before Hydra creates the
run directory: a refused value prints one line on stderr naming the key, the
value and what is allowed, exits with status 2 and leaves nothing behind
(``HYDRA_FULL_ERROR=1`` shows the traceback instead). On a terminal a single run
draws a progress bar of simulated days on stderr; off a terminal it prints none.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TextIO

import hydra
from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from omegaconf import DictConfig

from .config import from_hydra
from .config.compose import config_dir, register_configs
from .config.errors import one_line
from .record.summary import render
from .sweeps.provenance import capture, now_iso
from .sweeps.store import write_run

# Command-line flags after which the arguments are not a single run's overrides.
_NOT_A_SINGLE_RUN = frozenset({
    "-m", "--multirun", "-h", "--help", "--hydra-help", "-i", "--info", "-c", "--cfg", "-p", "--package",
    "-sc", "--shell-completion", "-cp", "--config-path", "-cn", "--config-name", "-cd", "--config-dir",
    "--experimental-rerun", "--version", "-r", "--resolve",
})


def _app(cfg: DictConfig) -> None:
    hydra_cfg = HydraConfig.get()
    if hydra_cfg.mode == RunMode.MULTIRUN:
        from .sweeps.batch import POINTS_KEY, run_batch  # here: a single run needs none of the sweep machinery
        from .sweeps.job import SweepJob, run_job

        if POINTS_KEY in cfg:
            run_batch(cfg)
        else:
            run_job(cfg, SweepJob.current())
        return
    from .runner import run  # here, not at the top: a sweep's launching process never simulates (sim/sweeps/store.py)

    started_at, started = now_iso(), time.perf_counter()
    sim_cfg = from_hydra(cfg)
    with day_bar(sys.stderr) as on_day:
        result = run(sim_cfg, on_day=on_day)
    run_dir = Path(hydra_cfg.runtime.output_dir)
    overrides = [str(o) for o in hydra_cfg.overrides.task]
    write_run(run_dir, sim_cfg, result, capture(started_at=started_at, wall_seconds=time.perf_counter() - started, overrides=overrides))
    print(render(result.metrics))
    print(f"results: {run_dir}")


@contextlib.contextmanager
def day_bar(stream: TextIO) -> Iterator[Callable[[int, int], None] | None]:
    """A progress bar of simulated days on ``stream`` if it is a terminal; nothing otherwise.

    Yields the ``on_day`` callback for :func:`sim.runner.run` (``None`` off a terminal, so
    that logs, pipes and CI output stay clean). The bar is removed when the run ends.
    """
    if not stream.isatty():
        yield None
        return
    from tqdm import tqdm

    with tqdm(total=None, desc="simulating", unit="day", file=stream, leave=False, dynamic_ncols=True) as bar:
        def on_day(done: int, horizon: int) -> None:
            bar.total = horizon
            bar.update(done - bar.n)

        yield on_day


_MULTIRUN = frozenset({"-m", "--multirun"})
_SWEEP_FUNCTION = re.compile(r"^(range|choice|interval|glob|tag|sort|shuffle)\(")


def _is_sweep(override: str) -> bool:
    """Whether an override sweeps values (``k=a,b``, ``k=range(...)``...) rather than sets one."""
    value = override.split("=", 1)[1] if "=" in override else ""
    if _SWEEP_FUNCTION.match(value):
        return True
    depth, quote = 0, ""
    for ch in value:
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch in "[{(":
            depth += 1
        elif ch in "]})":
            depth -= 1
        elif ch == "," and depth == 0:
            return True
    return False


def fixed_overrides(args: list[str]) -> list[str]:
    """A multirun's overrides that every run shares (not the swept ones, not Hydra's own but
    its search path, which may hold the config groups the others name)."""
    out = []
    for a in args:
        key = a.split("=", 1)[0].lstrip("+~")
        if a.startswith("-") or _is_sweep(a) or (key.startswith("hydra") and key != "hydra.searchpath"):
            continue
        out.append(a)
    return out


def refuse_bad_overrides(args: list[str]) -> None:
    """Compose a single run's overrides (a multirun's shared ones) first; exit 2 with one line
    if any is refused. The points a sweep varies are checked by the sweeper before launching."""
    flags = {a.split("=", 1)[0] for a in args if a.startswith("-")}
    if flags & _MULTIRUN and not flags & (_NOT_A_SINGLE_RUN - _MULTIRUN):
        args = fixed_overrides(args)
    elif flags & _NOT_A_SINGLE_RUN:
        return
    if not args:
        return
    from hydra.errors import HydraException
    from omegaconf.errors import OmegaConfBaseException

    from .config import ConfigError
    from .config.compose import compose

    try:
        compose(args)
    except (ConfigError, HydraException, OmegaConfBaseException) as err:
        if os.environ.get("HYDRA_FULL_ERROR") == "1":
            raise
        print(f"distill-sim: {one_line(err, args)}", file=sys.stderr)
        raise SystemExit(2) from None


_interrupted = False


def _on_sigint(signum: int, frame: object) -> None:
    """Ctrl-C: remember it, then interrupt as Python does. An interrupt that lands inside
    OmegaConf can come out as another error (a half-built node); the flag still says why."""
    global _interrupted
    _interrupted = True
    raise KeyboardInterrupt


def register_sweeper() -> None:
    """Make the project's sweeper known to Hydra however the package was installed. Hydra
    finds plugins by walking the directories of the ``hydra_plugins`` namespace; an editable
    install maps the project's part of it through an import hook instead, which that walk
    does not see (``distill-sim -m`` then failed with "Unknown plugin class")."""
    from hydra.core.plugins import Plugins
    from hydra_plugins.distill_sim_sweeper.sweeper import GroupValidatedSweeper

    Plugins.instance().register(GroupValidatedSweeper)


def main() -> None:
    """Console entry point."""
    register_configs()
    refuse_bad_overrides(sys.argv[1:])
    if _MULTIRUN & {a.split("=", 1)[0] for a in sys.argv[1:]}:
        register_sweeper()
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        signal.signal(signal.SIGINT, _on_sigint)
    try:
        hydra.main(config_path=config_dir(), config_name="config", version_base="1.3")(_app)()
    except (KeyboardInterrupt, SystemExit) as stop:
        if not (_interrupted or isinstance(stop, KeyboardInterrupt)):
            raise
        print(f"\ndistill-sim: interrupted{_sweep_state()}", file=sys.stderr)
        raise SystemExit(130) from None


def _sweep_state() -> str:
    """How far an interrupted sweep got, and how to resume it ('' for a single run)."""
    from .sweeps import progress

    session, sweep_dir = os.environ.get(progress.SESSION_ENV), os.environ.get(progress.SWEEP_DIR_ENV)
    if not session or not sweep_dir:
        return ""
    state = progress.read_session(Path(sweep_dir), session)
    total = "?" if state.total is None else state.total
    return f": {len(state.ended)} of {total} runs done; run the same command again to resume (finished runs are kept)"
