"""Explicit exception types, one per kind of failure (after papermill's ``exceptions``).

The CLI maps them to exit codes: every :class:`BadInput` exits 2 with its one-line message,
anything else exits 1. ``transient`` tells the pipeline runner whether a retry may help.
"""
from __future__ import annotations


class ReconError(Exception):
    """Base class of every error this package raises on purpose."""

    transient = False


class BadInput(ReconError):
    """The user gave something unusable (a file, a key, a parameter). Exit code 2."""


class SpecError(BadInput):
    """The lake spec is invalid. The message names the file and line."""

    def __init__(self, message: str, path: str | None = None, line: int | None = None):
        where = ""
        if path:
            where = f"{path}:{line}: " if line else f"{path}: "
        super().__init__(f"{where}{message}")
        self.path = path
        self.line = line


class ScheduleError(BadInput):
    """The schedule (built-in or user file) cannot be used."""


class ParameterError(BadInput):
    """A CLI or notebook parameter is unknown or has the wrong type."""


class StorageError(ReconError):
    """The lake could not be read."""


class LakeNotFound(StorageError, BadInput):
    """The lake folder or bucket does not exist."""


class AccessDenied(StorageError, BadInput):
    """Credentials are missing, expired or not allowed to read the lake. Never retried."""


class TransientStorageError(StorageError):
    """Throttling, a reset connection, a timeout: worth retrying (botocore already did)."""

    transient = True


class OutputError(ReconError):
    """An output could not be written (a full disk, a read-only folder...). Exit code 1."""


#: analysis dates (``as_of``) must fall in these years: pandas' nanosecond timestamps end in 2262
#: and the NBA starts in 1946; anything outside is a typo
MIN_YEAR, MAX_YEAR = 1900, 2200


class RunLocked(ReconError):
    """Another run holds the runs-directory lock."""


def is_bad_input(ename: str | None) -> bool:
    """Whether an exception known only by its class name (a stage's error) is bad input."""
    if not ename:
        return False
    known = globals().get(str(ename))
    if isinstance(known, type):
        return issubclass(known, BadInput)
    todo, seen = [BadInput], set()
    while todo:   # subclasses defined elsewhere (asof.AsOfError, coverage.dates.AsOfRefused...)
        cls = todo.pop()
        if cls.__name__ == ename:
            return True
        seen.add(cls)
        todo.extend(c for c in cls.__subclasses__() if c not in seen)
    return False
