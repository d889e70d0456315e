"""Run claims: two sweeps sharing a store never simulate the same run at the same time.

Before a run simulates, its process claims it: ``<sweep_dir>/claims/<identity>.<n>.json``,
created with ``O_CREAT | O_EXCL`` (atomic on a local file system and on NFSv3+), holding the
claimant's host, pid and session. While the run simulates, a thread of the claimant touches
the file every :data:`HEARTBEAT_SECONDS`. A claim is *live* unless its claimant is known dead:
its process is gone (same host) or the file has not been touched for :data:`STALE_SECONDS`
(another host, or a process frozen with its node).

A stale claim is taken over by creating the next generation, ``<identity>.<n+1>.json``, with the
same exclusive create: of two processes that both find generation ``n`` stale, exactly one
creates ``n+1`` and the other then finds that live claim. The current claim is the highest
generation. Releasing a claim removes its generation and every older one.

Why files and no lock server: the same code runs in joblib workers and in SLURM tasks on
other nodes of a shared file system (as the journal does, :mod:`sim.sweeps.progress`).
"""

from __future__ import annotations

import json
import os
import re
import socket
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from .files import CLAIMS_DIR
from .progress import HEARTBEAT_SECONDS, STALE_SECONDS, pid_alive  # the same pace as a session's heartbeat


def claims_dir(sweep_dir: Path) -> Path:
    """Where a sweep's claims live."""
    return Path(sweep_dir) / CLAIMS_DIR


def _generations(folder: Path, identity: str) -> dict[int, Path]:
    pattern = re.compile(rf"{re.escape(identity)}\.(\d+)\.json")
    found = {}
    for path in folder.glob(f"{identity}.*.json") if folder.is_dir() else ():
        if m := pattern.fullmatch(path.name):
            found[int(m.group(1))] = path
    return found


def is_live(path: Path, now: float | None = None) -> bool:
    """Whether the claim at ``path`` still has a living claimant (False if the file is gone)."""
    try:
        touched = path.stat().st_mtime
        text = path.read_text(encoding="utf-8")
    except OSError:
        return False
    now = time.time() if now is None else now
    try:
        rec = json.loads(text) if text else {}
    except json.JSONDecodeError:  # being written right now
        rec = {}
    pid = rec.get("pid")
    if rec.get("host") == socket.gethostname() and isinstance(pid, int) and pid != os.getpid() and not pid_alive(pid):
        return False
    return now - touched <= STALE_SECONDS


@dataclass
class Claim:
    """A claim this process holds; :meth:`release` it when the run has ended."""

    path: Path
    identity: str
    _stop: threading.Event = field(default_factory=threading.Event, repr=False)
    _keeper: threading.Thread | None = field(default=None, repr=False)

    def start_heartbeat(self, seconds: float = HEARTBEAT_SECONDS) -> None:
        """Touch the claim every ``seconds`` from a daemon thread until released."""
        def keep() -> None:
            while not self._stop.wait(seconds):
                try:
                    os.utime(self.path)
                except OSError:  # taken over or cleared by hand: nothing left to keep
                    return

        self._keeper = threading.Thread(target=keep, name=f"claim-{self.identity}", daemon=True)
        self._keeper.start()

    def release(self) -> None:
        """Stop the heartbeat and remove this claim and the older generations it took over."""
        self._stop.set()
        if self._keeper is not None:
            self._keeper.join()
        mine = int(self.path.name.rsplit(".", 2)[1])
        for n, path in _generations(self.path.parent, self.identity).items():
            if n <= mine:
                path.unlink(missing_ok=True)


def acquire(sweep_dir: Path, identity: str, session: str | None = None, heartbeat_seconds: float = HEARTBEAT_SECONDS) -> Claim | None:
    """Claim run ``identity`` for this process, or ``None`` if a live claimant holds it.

    The claim's heartbeat runs every ``heartbeat_seconds`` until it is released.
    """
    folder = claims_dir(sweep_dir)
    folder.mkdir(parents=True, exist_ok=True)
    while True:
        existing = _generations(folder, identity)
        n = 0
        if existing:
            top = max(existing)
            if is_live(existing[top]):
                return None
            n = top + 1
        path = folder / f"{identity}.{n}.json"
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o666)
        except FileExistsError:  # another process took this generation first: look again
            continue
        record = {"identity": identity, "host": socket.gethostname(), "pid": os.getpid(), "session": session, "time": time.time()}
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(record, fh)
        claim = Claim(path, identity)
        claim.start_heartbeat(heartbeat_seconds)
        return claim


def holder(sweep_dir: Path, identity: str) -> dict | None:
    """The record of the live claim on ``identity``, or ``None`` if nobody holds it."""
    existing = _generations(claims_dir(sweep_dir), identity)
    if not existing or not is_live(path := existing[max(existing)]):
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8") or "{}")
    except (OSError, json.JSONDecodeError):
        return {}
