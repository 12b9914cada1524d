"""Deadlines: no dependency may keep a command alive without end.

``with deadline(seconds, "listing s3://lake")`` raises :class:`DeadlineExceeded` in the main
thread once ``seconds`` have passed, whatever it is doing: waiting for worker threads, reading a
socket that trickles a byte every 20 s (which a per-read timeout never catches), waiting for a
kernel. Deadlines nest; the earliest wins. Outside the main thread (or with ``seconds`` None or
<= 0) it does nothing.

:class:`DeadlineExceeded` derives from ``BaseException`` (like ``KeyboardInterrupt``) so no
``except Exception`` on the way (a retry loop, papermill, a notebook cell) swallows it; the
pipeline runner closes the run record on it like on Ctrl-C, and the CLI prints one line and
exits 1 (``nba-recon: stopped: ...``).

Defaults, each overridable by an environment variable (seconds; declared in ``settings.py``):

* ``NBA_RECON_S3_CONNECT_TIMEOUT`` 10, ``NBA_RECON_S3_READ_TIMEOUT`` 60: each S3 request;
* ``NBA_RECON_S3_LISTING_DEADLINE`` 3600: a whole S3 listing;
* ``NBA_RECON_DB_CONNECT_TIMEOUT`` 10, ``NBA_RECON_DB_STATEMENT_TIMEOUT`` 600: each database
  connection and statement (PostgreSQL ``connect_timeout`` and ``statement_timeout``; SQLite
  waits at most the statement timeout for a lock);
* ``--deadline SECONDS``: the whole command, for every command that reaches the network (the
  lake, a source, a database); default per command (:data:`COMMAND_DEADLINES`): ``reconcile``
  6 h, ``run`` 12 h, ``schedule update`` 30 min, ``db ...`` and ``history ...`` 10 min.
"""

from __future__ import annotations

import argparse
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from . import settings

#: the default bound on the whole run of each command that reaches the network (seconds)
COMMAND_DEADLINES = {
    "reconcile": 6 * 3600.0,  # a 100M-object lake reconciles in ~20 min (docs/scale.md)
    "run": 12 * 3600.0,  # the six stages of the same
    "schedule update": 1800.0,  # ~360 dates at 1 request/s, plus retries
    "db": 600.0,  # one migration or one coverage query set
    "history": 600.0,  # one run recorded, or a listing
}


def seconds_arg(text: str) -> float:
    """``--deadline`` as argparse reads it: seconds in (0, 1e7); else exit 2 naming the value."""
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 < value < 1e7:  # nan and inf fail too
        raise argparse.ArgumentTypeError(f"expected a number of seconds > 0, got {text!r}")
    return value


def add_deadline_option(parser, command: str) -> None:
    """``--deadline SECONDS`` on ``parser``, with the command's default bound."""
    default = COMMAND_DEADLINES[command]
    parser.add_argument(
        "--deadline",
        type=seconds_arg,
        default=default,
        metavar="SECONDS",
        help=f"stop (exit 1, nothing half-written) when the whole command takes longer (default {default:g})",
    )


class DeadlineExceeded(BaseException):
    """A deadline passed. Not an ``Exception``: nothing on the way may swallow or retry it."""

    transient = False

    def __init__(self, what: str, seconds: float):
        super().__init__(f"{what} did not finish within its deadline of {seconds:g} s")
        self.what, self.seconds = what, seconds


def seconds(name: str) -> float:
    """The timeout setting ``name`` (declared in :mod:`nba_simulator.settings`); bad values: BadInput."""
    return settings.get(name)


_stack: list[tuple[float, str, float]] = []  # (expiry on the monotonic clock, what, seconds)


def _arm() -> None:
    if not _stack:
        signal.setitimer(signal.ITIMER_REAL, 0)
        return
    expiry = min(e for e, _, _ in _stack)
    signal.setitimer(signal.ITIMER_REAL, max(expiry - time.monotonic(), 0.001))


def _fire(signum, frame) -> None:
    now = time.monotonic()
    due = [d for d in _stack if d[0] <= now + 0.001]
    if not due:  # a later deadline: re-arm for the earliest one
        _arm()
        return
    expiry, what, secs = min(due)
    signal.setitimer(signal.ITIMER_REAL, 1.0)  # again in a second, if this one is swallowed
    raise DeadlineExceeded(what, secs)


@contextmanager
def deadline(secs: float | None, what: str) -> Iterator[None]:
    """Raise :class:`DeadlineExceeded` in the main thread when ``secs`` have passed."""
    if (
        not secs
        or secs <= 0
        or threading.current_thread() is not threading.main_thread()
        or not hasattr(signal, "setitimer")
    ):
        yield
        return
    entry = (time.monotonic() + secs, what, secs)
    previous = signal.signal(signal.SIGALRM, _fire) if not _stack else None
    _stack.append(entry)
    _arm()
    try:
        yield
    finally:
        _stack.remove(entry)
        _arm()
        if not _stack and previous is not None:
            signal.signal(signal.SIGALRM, previous)
