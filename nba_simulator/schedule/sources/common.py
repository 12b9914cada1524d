"""Shared pieces of the source parsers: the result type, JSON decoding, dates and seasons."""

from __future__ import annotations

import json
from typing import Any, NamedTuple

import pandas as pd

EASTERN = "America/New_York"  # the league's dates are US/Eastern dates


class Parsed(NamedTuple):
    """A parser's result: the games found and one warning per problem (naming the origin)."""

    frame: pd.DataFrame
    warnings: list[str]


def load_json(data: bytes | str, origin: str) -> tuple[Any, str | None]:
    """(document, None) or (None, warning naming ``origin``)."""
    try:
        if isinstance(data, bytes):
            data = data.decode("utf-8-sig")
        return json.loads(data), None
    except (UnicodeDecodeError, ValueError) as exc:
        return None, f"{origin}: not valid JSON ({(str(exc).splitlines() or [type(exc).__name__])[0][:120]})"
    except RecursionError:  # the decoder stops near 1,000 levels of nesting: refused, named
        return None, f"{origin}: JSON nested too deeply (over ~1,000 levels); skipped"


def utc_times(values: pd.Series | list) -> pd.Series:
    """ISO date-times ('2023-10-25T02:00Z', '...:00.000Z', '+00:00') -> UTC Timestamps; NaT if bad."""
    s = pd.Series(values, dtype="object")
    return pd.to_datetime(s, utc=True, errors="coerce", format="ISO8601")


def local_dates(start_utc: pd.Series) -> pd.Series:
    """UTC start times -> the US/Eastern calendar date (datetime64[ns] at midnight, naive):
    an evening game on the US west coast falls on the next UTC day but on this date."""
    return start_utc.dt.tz_convert(EASTERN).dt.tz_localize(None).dt.normalize().astype("datetime64[ns]")


def seasons_of_dates(dates: pd.Series) -> pd.Series:
    """The season label a game date belongs to: games from August on start a new season
    (2020's late bubble games count as 2020-21; team codes did not change then)."""
    d = pd.to_datetime(dates)
    start = d.dt.year - (d.dt.month < 8).astype(int)
    label = (
        start.astype("Int64").astype("string") + "-" + ((start + 1) % 100).astype("Int64").astype("string").str.zfill(2)
    )
    return label.where(d.notna(), pd.NA).astype("string")


def text(value: Any) -> str | None:
    """A scalar as stripped text; None for missing, containers and empty strings."""
    if value is None or isinstance(value, (dict, list, bool)):
        return None
    out = str(value).strip()
    return out or None


def capped(warnings: list[str], what: str, limit: int = 20) -> list[str]:
    """At most ``limit`` warnings, then one line counting the rest."""
    if len(warnings) <= limit:
        return warnings
    return warnings[:limit] + [f"{what}: {len(warnings) - limit} more warnings like these"]
