"""The tool's own SQLite files (probe cache, scoreboard cache, run history): what a file at their
path is, setting a damaged one of ours aside without overwriting anything, and SQLite's errors
said in one line.

* :func:`kind`: ``absent``, ``empty``, ``sqlite`` or ``other`` (a file that is not SQLite: a
  user's file given by mistake, never written to);
* :func:`ours`: the SQLite header carries the tool's ``application_id`` (:data:`APPLICATION_ID`,
  offset 68 of the header, readable even when the rest of the file is damaged): the marker
  proving a file is the tool's own;
* :func:`set_aside`: ``X`` renamed to the first free ``X.corrupt``, ``X.corrupt.1``...: an
  existing file of that name is never overwritten;
* :func:`store_error`: a :class:`sqlite3.Error` about file ``path`` as one line saying what
  happened and what to do: busy (another process holds the lock past the busy timeout) is
  :class:`StoreBusy` (exit 1, worth retrying); read-only, damaged or not a database is
  :class:`StoreUnusable` (exit 2).
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from .errors import BadInput, ReconError

HEADER = b"SQLite format 3\x00"
#: "NBAR": written into every SQLite file the tool creates (PRAGMA application_id)
APPLICATION_ID = 0x4E424152


class StoreBusy(ReconError):
    """One of the tool's SQLite files stayed locked by another process past the busy timeout."""

    transient = True


class StoreUnusable(BadInput):
    """One of the tool's SQLite files is read-only, damaged, or not a database."""


def kind(path: str | Path) -> str:
    """``absent``, ``empty``, ``sqlite`` (the SQLite header) or ``other`` (not a regular file, or
    a file that is not SQLite)."""
    p = Path(path)
    try:
        if not p.exists():
            return "absent"
        if not p.is_file():
            return "other"
        with open(p, "rb") as fh:
            head = fh.read(len(HEADER))
    except OSError:
        return "other"
    return "empty" if not head else "sqlite" if head == HEADER else "other"


def ours(path: str | Path) -> bool:
    """Whether ``path`` is a SQLite file whose header carries :data:`APPLICATION_ID`."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(72)
    except OSError:
        return False
    return head.startswith(HEADER) and len(head) == 72 and int.from_bytes(head[68:72], "big") == APPLICATION_ID


def mark(db: sqlite3.Connection) -> None:
    """Write the tool's marker into an open database's header."""
    db.execute(f"PRAGMA application_id = {APPLICATION_ID}")


def set_aside(path: str | Path) -> Path:
    """``path`` renamed to the first free ``NAME.corrupt[.N]`` beside it (never over a file)."""
    p = Path(path)
    for n in range(1000):
        aside = p.with_name(p.name + ".corrupt" + (f".{n}" if n else ""))
        try:
            os.link(p, aside)  # fails if ``aside`` exists: nothing is overwritten
        except FileExistsError:
            continue
        except OSError:  # no hard links here: the check-then-rename fallback
            if aside.exists() or aside.is_symlink():
                continue
            os.rename(p, aside)
            return aside
        os.unlink(p)
        return aside
    raise StoreUnusable(f"{p}: cannot be set aside (1,000 .corrupt files beside it); remove them")


def store_error(exc: BaseException, path: str | Path, what: str, timeout: float | None = None) -> ReconError:
    """The one-line error for SQLite error ``exc`` on ``what`` file ``path`` (the probe cache...)."""
    text = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    detail = text[0] if text else type(exc).__name__
    low = detail.lower()
    if "locked" in low or "busy" in low:
        waited = f" for {timeout:g} s" if timeout else ""
        return StoreBusy(f"{what} {path} is locked by another process (waited{waited}): try again once it has finished")
    if "readonly" in low or "read-only" in low or "unable to open" in low:
        return StoreUnusable(
            f"{what} {path} cannot be written ({detail}): make it and its folder writable, or give another file"
        )
    if "not a database" in low or "malformed" in low or "corrupt" in low:
        return StoreUnusable(f"{what} {path} is damaged ({detail}): restore a copy, or move it away to start a new one")
    return StoreUnusable(f"{what} {path}: {detail}")
