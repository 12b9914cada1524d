"""The one parent-death watchdog (lifeline) of the warm-kernel engine: a process started for a runner ends
itself when that runner is gone, even when the runner was killed outright (SIGKILL: it closes
nothing and sends nothing).

The parent is compared by the pid it HAD (given on the command line, or ``JPY_PARENT_PID`` set
by jupyter_client), never by ``os.getppid()`` read later: a runner that died before the check
would have left init (or a subreaper) as the parent, and the watchdog would wait forever.

Standard library only: the kernel stub imports it with ``python -S`` (no site packages).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable


def parent_pid(given: int | str | None = None) -> int:
    """The runner's pid: ``given``, else ``$JPY_PARENT_PID`` (jupyter_client sets it in every
    kernel's environment), else the parent now."""
    for value in (given, os.environ.get("JPY_PARENT_PID")):
        try:
            if value and int(value) > 0:
                return int(value)
        except ValueError:
            pass
    return os.getppid()


def exit_when(
    wait: Callable[[], object], *, before_exit: Callable[[], None] | None = None, name: str = "lifeline"
) -> threading.Thread:
    """Start a daemon thread that runs ``wait()`` and, once it returns (or fails), ends this
    process with exit status 1, after ``before_exit()`` (e.g. removing a socket). ``os._exit``:
    the thread ends the whole process at once, whatever the main thread is doing (importing,
    serving, running a cell); this is the engine's one such exit."""

    def watch() -> None:  # pragma: no cover - runs in child processes (tests/pipeline/test_lifeline.py)
        try:
            wait()
        finally:
            try:
                if before_exit is not None:
                    before_exit()
            finally:
                os._exit(1)

    thread = threading.Thread(target=watch, name=name, daemon=True)
    thread.start()
    return thread


def exit_with_parent(
    parent: int, *, interval: float = 0.5, before_exit: Callable[[], None] | None = None, name: str = "exit-with-parent"
) -> threading.Thread:
    """End this process once ``parent`` is no longer its parent (polled every ``interval`` s)."""

    def parent_gone() -> None:
        while os.getppid() == parent:
            time.sleep(interval)

    return exit_when(parent_gone, before_exit=before_exit, name=name)


def exit_when_closed(conn, *, name: str = "exit-when-closed") -> threading.Thread:
    """End this process once the other end of the socket ``conn`` closes it (or it fails)."""

    def closed() -> None:
        try:
            while conn.recv(4096):
                pass
        except OSError:
            pass

    return exit_when(closed, name=name)
