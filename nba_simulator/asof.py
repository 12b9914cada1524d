"""The analysis date, ``as_of``: one parser for every way in (CLI options, notebook parameters,
library calls), one type out, one error.

``parse_as_of`` returns a UTC ``pd.Timestamp``: a date means midnight UTC at its start, a naive
timestamp is taken as UTC; text with a time zone other than UTC (``2026-12-06T23:00-05:00``) is
refused, its UTC date being another day than the one written. Text must be a date ``YYYY-MM-DD`` (or an ISO timestamp starting with
one), years 1900..2200: ``2024`` or ``2024-1-5`` are refused, not guessed. A bad value raises :class:`AsOfError`
(a :class:`~nba_simulator.errors.ParameterError`: exit 2, one line naming the parameter).
"""

from __future__ import annotations

import argparse
import datetime as dt
import re

import pandas as pd

from .errors import MAX_YEAR, MIN_YEAR, ParameterError

_TEXT = re.compile(r"\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?")


class AsOfError(ParameterError):
    """``as_of`` is not a date YYYY-MM-DD (or a timestamp)."""


def parse_as_of(value, name: str = "as_of") -> pd.Timestamp:
    """``value`` (text, ``date``, ``datetime`` or ``Timestamp``) as a UTC Timestamp."""
    if isinstance(value, str):
        text = value.strip()
        match = _TEXT.fullmatch(text)
        if not match:
            raise AsOfError(f"{name}: expected a date YYYY-MM-DD, got {value!r}")
        zone = match.group(4)
        if zone and zone not in ("Z", "+00:00", "+0000", "-00:00", "-0000"):
            # its UTC date may be the next or the day before: never moved silently
            raise AsOfError(
                f"{name}: {text} carries the time zone {zone}; give the analysis date itself "
                f"(YYYY-MM-DD, e.g. {text[:10]}) or a UTC time (Z)"
            )
        value = text
    elif not isinstance(value, (dt.date, pd.Timestamp)) or value is pd.NaT:
        raise AsOfError(f"{name}: expected a date YYYY-MM-DD, got {value!r}")
    try:
        ts = pd.Timestamp(value)
    except (ValueError, OverflowError):
        raise AsOfError(f"{name}: expected a date YYYY-MM-DD, got {value!r}") from None
    if not MIN_YEAR <= ts.year <= MAX_YEAR:
        raise AsOfError(f"{name}: {value} is out of range (years {MIN_YEAR}..{MAX_YEAR})")
    return ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")


def today_utc() -> str:
    """The default ``as_of`` of the command line when none is given: today's UTC date. Read at
    the edge (the CLI) only, and printed; analysis never calls the clock."""
    return dt.datetime.now(dt.UTC).date().isoformat()


def as_of_text(value, name: str = "as_of") -> str:
    """``value`` checked by :func:`parse_as_of`, as ``YYYY-MM-DD`` (its UTC date)."""
    return parse_as_of(value, name).strftime("%Y-%m-%d")


def as_of_arg(text: str) -> str:
    """An argparse ``type=`` for ``--as-of``: ``YYYY-MM-DD``; else argparse's usage error (exit 2)
    with :func:`parse_as_of`'s message."""
    try:
        return as_of_text(text, "--as-of")
    except AsOfError as exc:  # argparse says "argument --as-of: ..." itself
        raise argparse.ArgumentTypeError(str(exc).removeprefix("--as-of: ")) from None
