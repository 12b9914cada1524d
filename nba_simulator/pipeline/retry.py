"""Transient or permanent? Classify a stage failure, and retry only what a retry can fix.

A stage runs in a kernel, so the runner sees the notebook's exception as a
``PapermillExecutionError`` carrying only its class name (``ename``) and message (``evalue``).
The classification, first match wins:

1. the stage ran past its timeout: permanent (repeating a hung stage only burns the budget);
2. the kernel died or never started (``DeadKernelError``, kernel start timeouts): transient;
3. ``ename`` is one of this package's errors: its own ``transient`` flag (``AccessDenied``,
   ``SpecError``, every ``BadInput``: permanent; ``TransientStorageError``: transient);
4. an AWS error code in the message: throttling / 5xx codes are transient, access codes are not;
5. network errors by name (``ConnectionResetError``, ``EndpointConnectionError``, timeouts...):
   transient;
6. anything else (a bug, a KeyError...): permanent. Retrying a bug gives the same bug.

Backoff is exponential with "equal jitter": attempt n waits ``d/2 + uniform(0, d/2)`` with
``d = min(cap, base * 2**(n-1))``, so two schedulers that failed together do not retry together.
"""

from __future__ import annotations

import random
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from nba_simulator import errors as _errors

T = TypeVar("T")

TRANSIENT_NAMES = frozenset(
    {
        "DeadKernelError",
        "ConnectionResetError",
        "ConnectionAbortedError",
        "ConnectionRefusedError",
        "BrokenPipeError",
        "ConnectionError",
        "TimeoutError",
        "socket.timeout",
        "EndpointConnectionError",
        "ConnectTimeoutError",
        "ReadTimeoutError",
        "ConnectionClosedError",
        "ProxyConnectionError",
        "ResponseStreamingError",
        "IncompleteReadError",
        "OperationalError",
        "TransientStorageError",
    }
)
#: AWS error codes (in a ClientError's message) that a retry can fix
TRANSIENT_CODES = (
    "Throttling",
    "ThrottlingException",
    "SlowDown",
    "RequestLimitExceeded",
    "TooManyRequestsException",
    "RequestTimeout",
    "RequestTimeTooSkewed",
    "ServiceUnavailable",
    "InternalError",
    "503",
    "500",
    "502",
    "504",
)
PERMANENT_CODES = (
    "AccessDenied",
    "InvalidAccessKeyId",
    "SignatureDoesNotMatch",
    "ExpiredToken",
    "NoSuchBucket",
    "AllAccessDisabled",
    "InvalidToken",
    "UnauthorizedOperation",
)
#: a full disk, however the library that hit it words it (OSError ENOSPC/EFBIG, SQLite)
FULL_DISK = ("No space left on device", "File too large", "database or disk is full")
_CODE = re.compile(r"\(([A-Za-z0-9]+)\)")


@dataclass(frozen=True)
class Failure:
    """What went wrong in one attempt, in words a run record can keep."""

    ename: str
    evalue: str
    transient: bool
    reason: str
    cell_index: int | None = None

    def as_dict(self) -> dict:
        return {
            "ename": self.ename,
            "evalue": self.evalue[:2000],
            "transient": self.transient,
            "reason": self.reason,
            "cell_index": self.cell_index,
        }


def classify_names(ename: str, evalue: str = "") -> tuple[bool, str]:
    """``(transient, reason)`` for an exception known only by class name and message."""
    known = _errors.error_class(ename)
    if known is not None:
        return bool(known.transient), f"{ename} is {'transient' if known.transient else 'permanent'}"
    if any(text in (evalue or "") for text in FULL_DISK):
        return False, "the disk is full (permanent: free space, then run again)"
    codes = set(_CODE.findall(evalue or ""))
    if codes & set(PERMANENT_CODES) or any(c in (evalue or "") for c in PERMANENT_CODES):
        return False, "access or configuration error (permanent)"
    if codes & set(TRANSIENT_CODES) or any(c in (evalue or "") for c in TRANSIENT_CODES[:9]):
        return True, "throttling or server error (transient)"
    if ename in TRANSIENT_NAMES:
        return True, f"{ename} is a network or kernel failure (transient)"
    return False, f"{ename} (permanent: a retry would fail the same way)"


def classify(exc: BaseException) -> Failure:
    """Classify what papermill raised (or what raised around it); a :class:`StageTimeout` is
    never retried, whatever it surfaced as (its ``__cause__``)."""
    if isinstance(exc, _errors.StageTimeout):
        cause = exc.__cause__
        return Failure(
            "StageTimeout", str(exc), False, "stage timeout (not retried)", getattr(cause, "cell_index", None)
        )
    ename = getattr(exc, "ename", None) or type(exc).__name__
    evalue = getattr(exc, "evalue", None)
    if evalue is None:
        evalue = str(exc)
    cell_index = getattr(exc, "cell_index", None)
    if not hasattr(exc, "ename") and type(exc) is RuntimeError and "Kernel" in evalue:
        # jupyter_client: "Kernel died before replying to kernel_info", start timeouts
        transient, reason = True, "the kernel failed to start (transient)"
    else:
        transient, reason = classify_names(ename, evalue)
    return Failure(ename, str(evalue), transient, reason, cell_index)


@dataclass(frozen=True)
class Backoff:
    """Exponential backoff with equal jitter; ``rng`` and ``sleep`` are injectable for tests."""

    base: float = 2.0
    cap: float = 60.0
    rng: Callable[[], float] = random.random

    def delay(self, attempt: int) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (1-based)."""
        d = min(self.cap, self.base * 2 ** (attempt - 1))
        return d / 2 + self.rng() * d / 2


def with_retries(
    fn: Callable[[int], T],
    *,
    attempts: int,
    backoff: Backoff,
    classify_fn: Callable[[BaseException], Failure] = classify,
    sleep: Callable[[float], None] = time.sleep,
    on_failure: Callable[[int, Failure, float | None], None] | None = None,
) -> T:
    """Call ``fn(attempt)`` until it succeeds, at most ``attempts`` times, retrying transient
    failures only. ``on_failure(attempt, failure, wait_s or None)`` is told about each failure
    (``None``: no retry follows). The last exception is re-raised.
    """
    attempt = 1
    while True:
        try:
            return fn(attempt)
        except Exception as exc:
            failure = classify_fn(exc)
            retry = failure.transient and attempt < attempts
            wait = backoff.delay(attempt) if retry else None
            if on_failure:
                on_failure(attempt, failure, wait)
            if not retry:
                raise
            sleep(wait)
            attempt += 1
