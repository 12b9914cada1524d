"""One run at a time per runs directory.

The lock is an OS file lock (``filelock``) on ``runs/.lock``: the kernel drops it when the holder
dies, however it dies. Beside it, ``runs/.lock.json`` says who holds it (pid, host, run id,
start). When the lock is free but an owner record is left behind, the previous holder was killed
(its pid is no longer alive, or it was on this host and the lock was free anyway): the record is
reported as *stale* and replaced, so the runner can mark that run as interrupted. When the lock is
held, :class:`RunLocked` names the live owner.

On a filesystem without working OS locks, filelock falls back to a lock file whose mere
existence locks; a stale one (its owner's pid is dead on this host) is removed and retried.
"""

from __future__ import annotations

import json
import os
import socket
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import filelock
import psutil

from nba_simulator.errors import RunLocked
from nba_simulator.outputs import write_json

LOCK_NAME = ".lock"
OWNER_NAME = ".lock.json"


def pid_alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        proc = psutil.Process(int(pid))
        return proc.status() != psutil.STATUS_ZOMBIE
    except (psutil.NoSuchProcess, psutil.AccessDenied, ValueError):
        return psutil.pid_exists(int(pid)) if isinstance(pid, int) else False


def _read_owner(path: Path) -> dict[str, Any] | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


@dataclass
class RunsLock:
    """``with RunsLock(runs_dir, run_id): ...``; ``.stale`` holds a recovered owner record."""

    runs_dir: Path
    run_id: str
    started: str = ""

    def __post_init__(self) -> None:
        self.runs_dir = Path(self.runs_dir)
        self._lock: filelock.BaseFileLock | None = None
        self.stale: dict[str, Any] | None = None

    @property
    def owner_path(self) -> Path:
        return self.runs_dir / OWNER_NAME

    def acquire(self) -> RunsLock:
        self.runs_dir.mkdir(parents=True, exist_ok=True)
        lock = filelock.FileLock(str(self.runs_dir / LOCK_NAME), timeout=0)
        try:
            lock.acquire()
        except filelock.Timeout:
            owner = _read_owner(self.owner_path) or {}
            soft = isinstance(lock, filelock.SoftFileLock)
            if soft and owner.get("host") == socket.gethostname() and not pid_alive(owner.get("pid")):
                # existence-based lock left by a dead process: remove it and take it
                Path(lock.lock_file).unlink(missing_ok=True)
                lock.acquire()
            else:
                who = (
                    f"run {owner.get('run_id', '?')} (pid {owner.get('pid', '?')} on "
                    f"{owner.get('host', '?')}, started {owner.get('started', '?')})"
                    if owner
                    else "another run"
                )
                raise RunLocked(
                    f"{self.runs_dir} is locked by {who}; wait for it to finish or run with another --runs-dir"
                ) from None
        previous = _read_owner(self.owner_path)
        if previous and previous.get("pid") != os.getpid():
            # we hold the OS lock, so whoever wrote this record no longer holds it: killed
            previous["pid_alive"] = pid_alive(previous.get("pid"))
            self.stale = previous
        write_json(
            {"pid": os.getpid(), "host": socket.gethostname(), "run_id": self.run_id, "started": self.started},
            self.owner_path,
        )
        self._lock = lock
        return self

    def release(self) -> None:
        if self._lock is None:
            return
        self.owner_path.unlink(missing_ok=True)
        self._lock.release()
        self._lock = None

    def __enter__(self) -> RunsLock:
        return self.acquire()

    def __exit__(self, *exc) -> None:
        self.release()
