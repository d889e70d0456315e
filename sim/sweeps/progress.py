"""A sweep's journal: which runs of this invocation started and ended, and how.

Each invocation of a sweep is a *session* with its own folder
``<sweep_dir>/journal/<session>/``. A run writes ``<identity>.start.json``
just before it simulates and ``<identity>.end.json`` (status ``ok``,
``skipped`` or ``failed``) when it is done. One small file per event, written
atomically, works the same from joblib workers on a workstation and from
SLURM array tasks on other nodes of a shared file system, with no lock and
no server: progress is counting files.

The session id travels from the launching process to the runs in the
environment variable :data:`SESSION_ENV` (set by :mod:`sim.sweeps.callbacks`; loky
workers and ``sbatch`` both inherit the environment). Without it, runs keep
no journal.

While a session runs, its launching process rewrites ``heartbeat.json`` every
:data:`HEARTBEAT_SECONDS`; at the end it records ``finished`` in
``session.json``. A session that has not finished and whose heartbeat is older
than :data:`STALE_SECONDS` (or whose launching process is gone, on the same
host) has stopped: killed, interrupted or lost with its node.

``python -m sim.sweeps.progress SWEEP_DIR`` prints the state of the latest session.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from .files import HEARTBEAT_FILE, JOURNAL_DIR, SESSION_FILE
from .store import atomic_write_json

SESSION_ENV = "DISTILL_SIM_SWEEP_SESSION"
SWEEP_DIR_ENV = "DISTILL_SIM_SWEEP_DIR"  # the launching process's sweep folder (for its Ctrl-C message)
STATUSES: tuple[str, ...] = ("ok", "skipped", "failed")
HEARTBEAT_SECONDS = 10.0
STALE_SECONDS = 60.0  # no heartbeat for this long: the launching process is gone


def new_session_id() -> str:
    """A session id that sorts by start time and is unique per launching process."""
    return time.strftime("%Y%m%dT%H%M%S", time.gmtime()) + f"-{os.getpid()}"


def session_dir(sweep_dir: Path, session: str) -> Path:
    """The journal folder of one session."""
    return Path(sweep_dir) / JOURNAL_DIR / session


def start_session(sweep_dir: Path, session: str, total: int | None, overrides: list[str]) -> Path:
    """Create a session's folder and record when it started and how many runs it plans."""
    folder = session_dir(sweep_dir, session)
    folder.mkdir(parents=True, exist_ok=True)
    atomic_write_json(folder / SESSION_FILE, {"session": session, "started": time.time(), "total": total, "overrides": overrides,
                                              "host": socket.gethostname(), "pid": os.getpid()})
    beat(sweep_dir, session)
    return folder


def beat(sweep_dir: Path, session: str) -> None:
    """Record that the session's launching process is alive now."""
    atomic_write_json(session_dir(sweep_dir, session) / HEARTBEAT_FILE, {"time": time.time()})


def finish_session(sweep_dir: Path, session: str) -> None:
    """Record that the session ended (every planned run was launched and waited for)."""
    path = session_dir(sweep_dir, session) / SESSION_FILE
    meta = _read(path) or {"session": session}
    atomic_write_json(path, {**meta, "finished": time.time()})


def discard_session(sweep_dir: Path, session: str) -> None:
    """Remove a session that launched nothing (a sweep refused before its first run).

    Only the session's own folder is deleted; the journal folder and the sweep folder go too
    if that leaves them empty, so a refused first attempt leaves no folder behind and a refused
    re-run of an existing sweep loses nothing.
    """
    folder = session_dir(sweep_dir, session)
    shutil.rmtree(folder, ignore_errors=True)
    for parent in (folder.parent, Path(sweep_dir)):
        try:
            parent.rmdir()
        except OSError:  # not empty (or already gone): keep it and what is above it
            return


def latest_session(sweep_dir: Path) -> str | None:
    """The id of the most recent session of a sweep, or ``None`` if it has none."""
    root = Path(sweep_dir) / JOURNAL_DIR
    sessions = sorted(p.name for p in root.iterdir() if p.is_dir()) if root.is_dir() else []
    return sessions[-1] if sessions else None


@dataclass(frozen=True)
class RunJournal:
    """The journal a run writes to: its session folder (``None``: keep no journal)."""

    folder: Path | None

    @classmethod
    def from_env(cls, sweep_dir: Path) -> RunJournal:
        """The journal of the session named in :data:`SESSION_ENV`, if any."""
        session = os.environ.get(SESSION_ENV)
        return cls(session_dir(sweep_dir, session) if session else None)

    @property
    def session(self) -> str | None:
        """The session id (``None``: no journal)."""
        return None if self.folder is None else self.folder.name

    def started(self, identity: str, overrides: list[str]) -> None:
        """Record that run ``identity`` is about to simulate."""
        if self.folder is not None:
            atomic_write_json(self.folder / f"{identity}.start.json", {"identity": identity, "overrides": overrides, "time": time.time(), "pid": os.getpid()})

    def ended(self, identity: str, status: str, overrides: list[str], seconds: float, where: str) -> None:
        """Record that run ``identity`` ended with ``status`` (one of :data:`STATUSES`)."""
        if status not in STATUSES:
            raise ValueError(f"journal status={status!r}; allowed: one of {', '.join(STATUSES)}")
        if self.folder is not None:
            atomic_write_json(
                self._claim(identity),
                {"identity": identity, "status": status, "overrides": overrides, "seconds": seconds, "time": time.time(), "where": where},
            )

    def _claim(self, identity: str) -> Path:
        """A fresh end-record path for ``identity`` in this session.

        Two points of one sweep can resolve to the same config (e.g. a Saltelli
        sample whose categorical factor takes the same value in both matrices):
        each job still gets its own record, so done/total and "missing" count
        jobs. The name is claimed with an exclusive create, so two duplicates
        ending at once cannot take the same one.
        """
        assert self.folder is not None
        self.folder.mkdir(parents=True, exist_ok=True)
        for n in range(10_000):
            path = self.folder / (f"{identity}.end.json" if n == 0 else f"{identity}.dup{n}.end.json")
            try:
                os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
            except FileExistsError:
                continue
            return path
        raise RuntimeError(f"journal {self.folder}: too many end records for run {identity}")


@dataclass
class SessionState:
    """What a session's journal says so far."""

    started: float
    total: int | None
    ended: dict[str, dict] = field(default_factory=dict)  # identity -> end record
    in_flight: set[str] = field(default_factory=set)  # started, not ended
    finished: float | None = None  # when the launching process ended the session
    heartbeat: float | None = None  # when the launching process was last seen alive
    host: str | None = None
    pid: int | None = None

    def stopped(self, now: float) -> bool:
        """Whether the session ended without finishing: killed, interrupted or lost."""
        if self.finished is not None:
            return False
        if self.host == socket.gethostname() and self.pid is not None and not pid_alive(self.pid):
            return True
        last = self.heartbeat if self.heartbeat is not None else max(
            [self.started, *(float(r.get("time", 0.0)) for r in self.ended.values())])
        return now - last > STALE_SECONDS

    def count(self, status: str) -> int:
        """How many runs ended with ``status``."""
        return sum(1 for rec in self.ended.values() if rec.get("status") == status)

    def eta_seconds(self, now: float) -> float | None:
        """Time left, from the pace of the runs that simulated (skips take no time)."""
        done = len(self.ended)
        executed = done - self.count("skipped")
        if self.total is None or executed <= 0:
            return None
        return max(self.total - done, 0) * (now - self.started) / executed


def pid_alive(pid: int) -> bool:
    """Whether process ``pid`` exists on this host (someone else's counts as alive)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


def _read(path: Path) -> dict | None:
    try:
        rec = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None
    return rec if isinstance(rec, dict) else None


def read_session(sweep_dir: Path, session: str, known: dict[str, dict] | None = None) -> SessionState:
    """Read a session's journal (tolerates files that vanish or are unreadable).

    Args:
        known: end records read before, by identity; they are not read again
            (a watcher polling a large sweep on a network file system only
            parses what is new).
    """
    known = known or {}
    folder = session_dir(sweep_dir, session)
    meta = _read(folder / SESSION_FILE) or {}
    beat_rec = _read(folder / HEARTBEAT_FILE) or {}
    state = SessionState(started=float(meta.get("started", time.time())), total=meta.get("total"),
                         finished=meta.get("finished"), heartbeat=beat_rec.get("time"), host=meta.get("host"), pid=meta.get("pid"))
    started: set[str] = set()
    for path in folder.glob("*.json") if folder.is_dir() else ():
        name = path.name
        if name in (SESSION_FILE, HEARTBEAT_FILE):
            continue
        if name.endswith(".end.json"):
            identity = name.removesuffix(".end.json")
            rec = known.get(identity) or _read(path)
            if rec is not None:
                state.ended[identity] = rec
        elif name.endswith(".start.json"):
            started.add(name.removesuffix(".start.json"))
    state.in_flight = started - set(state.ended)
    return state


def format_duration(seconds: float | None) -> str:
    """``h:mm:ss``, or ``?`` when unknown."""
    if seconds is None:
        return "?"
    seconds = int(round(seconds))
    return f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def progress_line(state: SessionState, now: float) -> str:
    """``done/total (ok, skipped, failed), elapsed, time left`` in one line.

    Once every planned run has ended, the elapsed time stops at the last end.
    """
    total = "?" if state.total is None else str(state.total)
    if state.stopped(now):
        return (f"stopped: {len(state.ended)} of {total} runs done ({state.count('ok')} ran, {state.count('skipped')} skipped, "
                f"{state.count('failed')} failed); run the same command again to resume")
    if state.total is not None and len(state.ended) >= state.total and not state.in_flight:
        now = max((float(rec.get("time", now)) for rec in state.ended.values()), default=now)
    return (
        f"{len(state.ended)}/{total} done ({state.count('ok')} ran, {state.count('skipped')} skipped, "
        f"{state.count('failed')} failed), {len(state.in_flight)} running, "
        f"elapsed {format_duration(now - state.started)}, ~{format_duration(state.eta_seconds(now))} left"
    )


def main(argv: list[str] | None = None) -> int:
    """``python -m sim.sweeps.progress SWEEP_DIR``: the latest session's progress."""
    parser = argparse.ArgumentParser(prog="python -m sim.sweeps.progress", description=main.__doc__)
    parser.add_argument("sweep_dir", type=Path)
    args = parser.parse_args(argv)
    session = latest_session(args.sweep_dir)
    if session is None:
        print(f"sweep_dir={str(args.sweep_dir)!r} has no journal; expected {args.sweep_dir / JOURNAL_DIR}/<session>/", file=sys.stderr)
        return 2
    print(f"session {session}: {progress_line(read_session(args.sweep_dir, session), time.time())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
