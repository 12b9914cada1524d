"""Is ``as_of`` a date a reconciliation can judge? (docs/guarantees.md, "Dates")

* **Before the first expected game** (of the spec's datasets, seasons and season types, in the
  schedule): nothing is owed yet, so every number would be 0 of 0. Refused: :class:`AsOfRefused`
  (bad input, exit 2), one line naming the first expected game's date.
* **After tomorrow** (more than one day after today's UTC date: one day of slack, so a user east
  of UTC can still pass their own today): games that have not been played would count as
  missing. Refused the same way, the message naming the latest date allowed.
* **An empty schedule** (no game at all, e.g. a header-only file): nothing could ever be owed,
  every number would be 0 of 0. Refused: :class:`~nba_simulator.errors.ScheduleError` (exit 2). The clock is read by the caller (the CLI, the runner), never here: ``today`` is an
  argument.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from nba_simulator.asof import AsOfError as _AsOfError
from nba_simulator.asof import parse_as_of as as_of_timestamp
from nba_simulator.errors import ScheduleError
from nba_simulator.schedule.owed import NOT_OWED_STATUSES
from nba_simulator.schedule.phases import judged_by

#: how far past today's UTC date an as_of may be (time zones ahead of UTC)
FUTURE_SLACK_DAYS = 1


class AsOfRefused(_AsOfError):
    """``as_of`` is a date, but one nothing can be judged at (bad input: exit 2)."""


def first_expected_date(spec, schedule: pd.DataFrame) -> pd.Timestamp | None:
    """The date of the first game any dataset of the spec expects (None: no such game)."""
    first = None
    games = schedule[~schedule["status"].isin(NOT_OWED_STATUSES)]
    for ds in spec.datasets:
        g = games[games["season"].isin(ds.seasons)]
        if ds.per in ("game", "date"):
            g = g[judged_by(g, ds.season_types)]
        if len(g):
            d = pd.Timestamp(pd.to_datetime(g["game_date"]).min())
            first = d if first is None or d < first else first
    return first


def check_not_future(as_of, today: dt.date | str) -> None:
    """Raise :class:`AsOfRefused` when ``as_of`` is after ``today`` (+ a day of time zones)."""
    ts = as_of_timestamp(as_of)
    today_d = dt.date.fromisoformat(str(today))
    latest = today_d + dt.timedelta(days=FUTURE_SLACK_DAYS)
    if ts.date() > latest:
        raise AsOfRefused(
            f"as_of {ts:%Y-%m-%d} is in the future: the latest date allowed is "
            f"{latest.isoformat()} (today {today_d.isoformat()} UTC plus {FUTURE_SLACK_DAYS} "
            f"day for time zones ahead of UTC); games not yet played would count as missing"
        )


def check_as_of(spec, schedule: pd.DataFrame, as_of, today: dt.date | str | None = None) -> None:
    """Raise :class:`AsOfRefused` (one line) when ``as_of`` is before the first expected game or
    (given ``today``) in the future."""
    ts = as_of_timestamp(as_of)
    day = ts.strftime("%Y-%m-%d")
    if today is not None:
        check_not_future(as_of, today)
    if not len(schedule):
        raise ScheduleError(
            "the schedule has no game at all (a header-only file?): nothing can be "
            "expected of the lake; give a schedule with games"
        )
    first = first_expected_date(spec, schedule)
    if first is None:
        return
    # a game is owed from the day after it is played (expected.py: midnight UTC after its date)
    if ts < first.tz_localize("UTC") + pd.Timedelta(days=1):
        raise AsOfRefused(
            f"as_of {day}: nothing is owed yet (the spec's first expected game is on "
            f"{first:%Y-%m-%d}, season {_season_of(schedule, first)}, owed from the next "
            f"day); pass a later date"
        )


def _season_of(schedule: pd.DataFrame, date: pd.Timestamp) -> str:
    hit = schedule[pd.to_datetime(schedule["game_date"]) == date]["season"]
    return str(hit.iloc[0]) if len(hit) else "?"
