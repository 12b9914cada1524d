"""When a game is owed: the one rule, used by the expected items, the database coverage, the
matching of orphans and the gaps' priorities.

A game is owed once its day has ended: midnight UTC after its (local) ``game_date``, at or
before ``as_of``. Cancelled and postponed rows are never owed on their date.
"""

from __future__ import annotations

import pandas as pd

from ..asof import parse_as_of

#: schedule statuses whose row is never owed on its date
NOT_OWED_STATUSES = ("cancelled", "postponed")


def day_end(dates) -> pd.Series | pd.Timestamp:
    """Midnight UTC after each date (a Series of dates, or one date): when its games are over."""
    if isinstance(dates, pd.Series):
        return pd.to_datetime(dates).dt.tz_localize("UTC") + pd.Timedelta(days=1)
    return pd.Timestamp(dates).tz_localize("UTC") + pd.Timedelta(days=1)


def owed_games(schedule: pd.DataFrame, as_of) -> pd.DataFrame:
    """The schedule's rows owed by ``as_of``: not cancelled or postponed, their day ended."""
    as_of = parse_as_of(as_of)
    games = schedule[~schedule["status"].isin(NOT_OWED_STATUSES)]
    return games[day_end(games["game_date"]) <= as_of].copy()
