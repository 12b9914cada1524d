"""Season arithmetic. A season runs October to June and is written ``2023-24``.

Three spellings exist in the wild: the label ``2023-24``, the start year ``2023`` and the end year
``2024`` (hoopR and many file layouts). Everything inside this package uses the label.
A date belongs to the season that starts in its year from August on, else to the one before:
the off-season months (July) still belong to the season that just ended, August starts the next.
"""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd

from .errors import BadInput

SEASON_START_MONTH = 8  # August: first month counted in the new season

_LABEL = re.compile(r"^(\d{4})-(\d{2})$")


def label(start_year: int) -> str:
    """2023 -> '2023-24'."""
    return f"{start_year}-{(start_year + 1) % 100:02d}"


def start_year(season: str) -> int:
    """'2023-24' -> 2023. Raises BadInput on anything else (naming the value)."""
    m = _LABEL.match(str(season))
    if not m or (int(m.group(1)) + 1) % 100 != int(m.group(2)):
        raise BadInput(f"not a season label (expected like 2023-24): {season!r}")
    return int(m.group(1))


def end_year(season: str) -> int:
    return start_year(season) + 1


def of_date(day: dt.date | pd.Timestamp) -> str:
    """The season a date belongs to: 2024-01-15 -> '2023-24', 2024-08-01 -> '2024-25'."""
    day = pd.Timestamp(day)
    return label(day.year if day.month >= SEASON_START_MONTH else day.year - 1)


def of_dates(days: pd.Series) -> pd.Series:
    """Vectorised :func:`of_date`."""
    days = pd.to_datetime(days)
    start = days.dt.year - (days.dt.month < SEASON_START_MONTH).astype(int)
    return start.map(label)


def season_range(first: str, last: str) -> list[str]:
    """Inclusive list of labels from ``first`` to ``last``; BadInput when backwards."""
    a, b = start_year(first), start_year(last)
    if b < a:
        raise BadInput(f"season range runs backwards: {first}..{last}")
    return [label(y) for y in range(a, b + 1)]


def relative(season: str, as_of: dt.date | pd.Timestamp) -> int:
    """0 for the season in progress at ``as_of``, 1 for the previous one, 2 and up for older,
    negative for a season that has not started yet."""
    return start_year(of_date(as_of)) - start_year(season)
