"""Hydra callback for sweeps: progress while it runs, a summary and exit status at the end.

Registered by ``conf/hydra/callbacks/sweep.yaml`` (which every
``conf/sweep/*.yaml`` includes) under ``hydra.callbacks``; Hydra instantiates
it in the launching process only (Hydra's ``Callback`` API,
``hydra.experimental.callback``). It never touches the runs themselves: it
opens a journal session (:mod:`sim.sweeps.progress`), watches the journal from a
background thread and prints one line per finished run with done/total and
the time left, then prints the summary. If any run failed, or the journal is
short of the planned total (a run died without a result), it exits with
status 1 after the summary.
"""

from __future__ import annotations

import hashlib
import os
import threading
import time
from pathlib import Path
from typing import Any

from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
from hydra.core.global_hydra import GlobalHydra
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.experimental.callback import Callback
from hydra.utils import get_class
from omegaconf import DictConfig, OmegaConf

from . import failures, progress

MAX_LISTED = 20  # failed runs named one by one in the summary
ADHOC_ROOT = Path("results/sweeps/adhoc")
# conf/config.yaml's hydra.sweep.dir: the folder this callback picks, or ADHOC_ROOT without it.
DEFAULT_SWEEP_DIR = f"${{oc.env:{progress.SWEEP_DIR_ENV},{ADHOC_ROOT}}}"
# The project's sweeper, which checks every point first and then calls ``announce``.
VALIDATING_SWEEPER = "hydra_plugins.distill_sim_sweeper.sweeper.GroupValidatedSweeper"


def adhoc_sweep_dir(overrides: list[str]) -> Path:
    """The folder of a multirun that names none: ``results/sweeps/adhoc/<hash of its overrides>``.

    The same overrides (in any order) give the same folder, so re-running an ad hoc
    ``--multirun`` resumes it, as a ``conf/sweep/*.yaml`` sweep resumes in its fixed folder.
    Hydra's own settings (``hydra.*``, e.g. the number of workers) are not part of it.
    """
    digest = hashlib.sha256("\n".join(sorted(overrides)).encode("utf-8")).hexdigest()[:12]
    return ADHOC_ROOT / digest


def planned_runs(config: DictConfig) -> int | None:
    """How many runs the sweep will launch, computed as Hydra's basic sweeper does.

    ``None`` for another sweeper (e.g. an optimiser), whose count is not known
    in advance, or if the overrides cannot be expanded here.
    """
    try:
        sweeper = get_class(str(config.hydra.sweeper.get("_target_", "")))
    except Exception:  # not importable here: leave the count unknown
        return None
    if not issubclass(sweeper, BasicSweeper):
        return None
    params = config.hydra.sweeper.get("params")  # None when every axis is on the command line
    arguments = [f"{k}={v}" for k, v in (OmegaConf.to_container(params, resolve=False) if params else {}).items()]
    arguments += [str(o) for o in OmegaConf.to_container(config.hydra.overrides.task, resolve=False)]
    try:
        loader = GlobalHydra.instance().config_loader() if GlobalHydra.instance().is_initialized() else None
        parsed = OverridesParser.create(config_loader=loader).parse_overrides(arguments)
        batches = BasicSweeper.split_arguments(parsed, None)
    except Exception:  # e.g. a glob sweep without a config loader: the count stays unknown
        return None
    return sum(len(batch) for batch in batches)


class SweepJournal(Callback):
    """Progress lines and the end-of-sweep summary of a multirun.

    Args:
        poll_seconds: how often the watcher reads the journal.
        fail_exit: exit with status 1 when a run failed or is missing.
    """

    def __init__(self, poll_seconds: float = 1.0, fail_exit: bool = True) -> None:
        self.poll_seconds = poll_seconds
        self.fail_exit = fail_exit
        self._sweep_dir: Path | None = None
        self._session: str | None = None
        self._planned = ""  # the plan line, printed once the sweep passed its check (announce)
        self._stop = threading.Event()
        self._watcher: threading.Thread | None = None
        self._reported: set[str] = set()
        self._known: dict[str, dict] = {}  # end records already read

    def __getstate__(self) -> dict:
        # Hydra pickles its callbacks into every job (joblib workers, SLURM
        # tasks); the watcher thread and what it has read so far stay behind
        # in the launching process (the records would make each job's payload
        # grow with the sweep).
        state = dict(self.__dict__)
        state.update(_stop=None, _watcher=None, _reported=set(), _known={})
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._stop = threading.Event()

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        """Pick an ad hoc multirun's folder, open a journal session and start the progress watcher."""
        if config.hydra.sweep._get_node("dir")._value() == DEFAULT_SWEEP_DIR:
            overrides = [str(o) for o in OmegaConf.to_container(config.hydra.overrides.task, resolve=False)]
            os.environ[progress.SWEEP_DIR_ENV] = str(adhoc_sweep_dir(overrides))
        self._sweep_dir = Path(str(config.hydra.sweep.dir))
        self._session = progress.new_session_id()
        total = planned_runs(config)
        overrides = [str(o) for o in OmegaConf.to_container(config.hydra.overrides.task, resolve=False)]
        progress.start_session(self._sweep_dir, self._session, total, overrides)
        # The runs learn their session from the environment: loky workers and sbatch inherit it.
        os.environ[progress.SESSION_ENV] = self._session
        os.environ[progress.SWEEP_DIR_ENV] = str(self._sweep_dir)
        self._planned = f"sweep {self._sweep_dir}: {'?' if total is None else total} runs planned, session {self._session}"
        if str(config.hydra.sweeper.get("_target_", "")) != VALIDATING_SWEEPER:
            self.announce()  # another sweeper checks nothing first: say it now
        self._watcher = threading.Thread(target=self._watch, name="sweep-progress", daemon=True)
        self._watcher.start()

    def announce(self) -> None:
        """Print the sweep's plan (folder, planned runs, session) once; the project's sweeper calls
        it after every point passed its check, so that a refused sweep prints only its refusal."""
        if self._planned:
            print(self._planned, flush=True)
            self._planned = ""

    def abandon(self) -> None:
        """Undo :meth:`on_multirun_start` for a sweep refused before it launched anything
        (called by the project's sweeper): stop the watcher and discard the session, and with
        it a sweep folder that held nothing else."""
        if self._sweep_dir is None or self._session is None:
            return
        self._stop.set()
        if self._watcher is not None:
            self._watcher.join()
        progress.discard_session(self._sweep_dir, self._session)
        os.environ.pop(progress.SESSION_ENV, None)
        os.environ.pop(progress.SWEEP_DIR_ENV, None)
        self._sweep_dir = self._session = None

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        """Stop the watcher, print the last progress lines and the summary; exit 1 on failures."""
        if self._sweep_dir is None or self._session is None:
            return
        self._stop.set()
        if self._watcher is not None:
            self._watcher.join()
        self._report_new()
        failures.prune(self._sweep_dir)
        state = progress.read_session(self._sweep_dir, self._session)
        ok, skipped, failed = state.count("ok"), state.count("skipped"), state.count("failed")
        missing = max(state.total - len(state.ended), 0) if state.total is not None else 0
        print(self._summary(state, ok, skipped, failed, missing), flush=True)
        progress.finish_session(self._sweep_dir, self._session)
        os.environ.pop(progress.SESSION_ENV, None)
        os.environ.pop(progress.SWEEP_DIR_ENV, None)
        if self.fail_exit and (failed or missing):
            raise SystemExit(1)

    def _watch(self) -> None:
        assert self._sweep_dir is not None and self._session is not None
        last_beat = time.time()
        while not self._stop.wait(self.poll_seconds):
            self._report_new()
            if time.time() - last_beat >= progress.HEARTBEAT_SECONDS:
                progress.beat(self._sweep_dir, self._session)
                last_beat = time.time()

    def _report_new(self) -> None:
        assert self._sweep_dir is not None and self._session is not None
        state = progress.read_session(self._sweep_dir, self._session, self._known)
        self._known = dict(state.ended)
        new = sorted((rec.get("time", 0.0), ident) for ident, rec in state.ended.items() if ident not in self._reported)
        if not new:
            return
        total = "?" if state.total is None else str(state.total)
        for _, ident in new:
            self._reported.add(ident)
            rec = state.ended[ident]
            print(
                f"[sweep {len(self._reported)}/{total}] {rec.get('status', '?'):7s} {ident} "
                f"{' '.join(rec.get('overrides', []))} ({rec.get('seconds', 0.0):.1f} s)",
                flush=True,
            )
        print(f"[sweep] {progress.progress_line(state, time.time())}", flush=True)

    def _summary(self, state: progress.SessionState, ok: int, skipped: int, failed: int, missing: int) -> str:
        assert self._sweep_dir is not None
        sweep_dir = self._sweep_dir
        lines = [
            f"sweep {sweep_dir} finished in {progress.format_duration(time.time() - state.started)}: "
            f"{ok} ran ok, {skipped} skipped (already complete), {failed} failed"
            + (f", {missing} missing (no result: killed or lost)" if missing else ""),
            f"  results:  {sweep_dir / 'runs'}/<run identity>/",
        ]
        if failed:
            lines.append(f"  failures: {failures.failures_dir(sweep_dir)}/ (re-run the same command to retry them; "
                         f"list or clear: python -m sim.sweeps.failures {sweep_dir} [--clear])")
            failed_runs = [rec for _, rec in sorted(state.ended.items()) if rec.get("status") == "failed"]
            for rec in failed_runs[:MAX_LISTED]:
                entry = failures.read(Path(rec.get("where", "")))
                error = str(entry.get("error", "")).splitlines()[0] if entry and entry.get("error") else ""
                lines.append(f"    {rec.get('where')}: {' '.join(rec.get('overrides', []))}: {error}")
            if len(failed_runs) > MAX_LISTED:
                lines.append(f"    ... and {len(failed_runs) - MAX_LISTED} more")
        if missing:
            lines.append("  missing runs are retried by re-running the same command")
        lines.append(f"  collect:  python -m sim.sweeps.collect {sweep_dir}")
        return "\n".join(lines)
