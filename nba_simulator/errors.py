"""Explicit exception types, one per kind of failure (after papermill's ``exceptions``).

Each type carries its exit code (``exit_code``): every :class:`BadInput` exits 2 with its
one-line message, anything else exits 1. ``transient`` tells the pipeline runner whether a retry
may help.
"""

from __future__ import annotations


class ReconError(Exception):
    """Base class of every error this package raises on purpose."""

    transient = False
    exit_code = 1


class BadInput(ReconError):
    """The user gave something unusable (a file, a key, a parameter). Exit code 2."""

    exit_code = 2


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


class StageTimeout(ReconError):
    """A pipeline stage ran past its timeout (the runner's kernel monitor, or a cell past
    nbclient's ``CellTimeoutError``). Never retried; exit code 1. The exception the timeout
    surfaced as is its ``__cause__``."""

    def __init__(self, seconds: float | None, cause: BaseException):
        limit = f" of {seconds:g} s" if seconds else ""
        name = getattr(cause, "ename", None) or type(cause).__name__
        super().__init__(f"stage ran past its timeout{limit} ({name})")
        self.seconds = seconds
        self.__cause__ = cause


def error_class(ename: str | None) -> type[ReconError] | None:
    """The :class:`ReconError` class named ``ename``, among this module's and the subclasses
    defined elsewhere (``asof.AsOfError``, ``coverage.dates.AsOfRefused``...): an exception raised
    in a stage's kernel reaches the runner by its class name only (papermill's
    ``PapermillExecutionError.ename``)."""
    if not ename:
        return None
    todo: list[type[ReconError]] = [ReconError]
    while todo:
        cls = todo.pop()
        if cls.__name__ == ename:
            return cls
        todo.extend(cls.__subclasses__())
    return None


def is_bad_input(error: BaseException | str | None) -> bool:
    """Whether ``error`` (an exception, or the class name of one raised in a stage's kernel) is
    bad input."""
    if isinstance(error, BaseException):
        return isinstance(error, BadInput)
    cls = error_class(error)
    return cls is not None and issubclass(cls, BadInput)
