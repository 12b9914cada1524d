"""Shared builders of the tests: the spec texts many tests start from, and the small schedule and
inventory of the coverage/gaps tests (their fixtures ``spec`` and ``schedule`` are registered in
``tests/conftest.py``)."""

from __future__ import annotations

import json
from collections.abc import Iterable

import pandas as pd
import pytest

from nba_simulator.spec import parse_spec


def pbp_spec(
    schedule: str = "builtin", seasons: str = "2018-19", *, exclude: Iterable[str] = (), extra: str = ""
) -> str:
    """The one-dataset spec many tests start from: NBA Stats play-by-play at ``pbp/{game_id}.json``,
    one file per game. ``extra`` is appended to the dataset (e.g. a ``content:`` line, indented by
    four spaces)."""
    excluded = f"exclude: {json.dumps(list(exclude))}\n" if exclude else ""
    return (
        f"version: 1\nschedule: {schedule}\n{excluded}datasets:\n  pbp:\n    source: nba_stats\n"
        f'    data_type: play_by_play\n    keys: "pbp/{{game_id}}.json"\n    per: game\n'
        f"    seasons: {seasons}\n{extra}"
    )


#: the coverage/gaps tests' spec: per game (two layouts), per date and per season datasets
SPEC = """\
version: 1
exclude: ["backups/"]
datasets:
  pbp:
    source: nba_stats
    data_type: play_by_play
    keys: ["pbp/{season}/{game_id}.json", "old/{game_id}.json"]
    per: game
    seasons: 2023-24..2023-24
    min_bytes: 100
  daily:
    source: espn
    data_type: schedule
    keys: "daily/{yyyymmdd}.json"
    per: date
    seasons: 2023-24
    min_bytes: 10
  hoopr:
    source: hoopr
    data_type: pbp
    keys: "hoopr/nba_data_{season_end}.parquet"
    per: season
    seasons: 2022-23..2023-24
    freshness_days: 2
priorities:
  - {priority: CRITICAL, required: true, within_days: 3}
  - {priority: HIGH, season: current}
  - {priority: MEDIUM, season: previous}
  - {priority: LOW}
tasks:
  batch_size: 2
  max_per_priority: {LOW: 0}
"""

AS_OF = "2023-11-05"


def ts(text):
    return pd.Timestamp(text, tz="UTC")


@pytest.fixture
def spec():
    return parse_spec(SPEC, "test.yaml")


@pytest.fixture
def schedule():
    rows = [
        ("0022300001", "2023-10-24", "LAL", "DEN", "final"),
        ("0022300002", "2023-10-24", "BOS", "NYK", "final"),
        ("0022300003", "2023-10-25", "NYK", "BOS", "cancelled"),
        ("0022300004", "2023-10-26", "MIA", "CHI", "final"),
        ("0022300005", "2023-10-27", "PHI", "MIL", "final"),
        ("0022300006", "2023-10-28", "PHX", "GSW", "final"),
        ("0022300007", "2023-11-04", "LAL", "BOS", "final"),
        ("0022300008", "2023-11-05", "LAC", "POR", "final"),  # not finished as of 2023-11-05
        ("0022300009", "2023-12-01", "LAC", "POR", "scheduled"),
    ]
    df = pd.DataFrame(rows, columns=["game_id", "game_date", "home_team", "away_team", "status"])
    return df.assign(
        season="2023-24",
        season_type="regular",
        game_date=pd.to_datetime(df["game_date"]),
        espn_game_id=pd.NA,
        bbref_game_id=pd.NA,
    )


def inventory(rows):
    return pd.DataFrame(rows, columns=["key", "size", "last_modified", "etag"]).assign(
        last_modified=lambda d: pd.to_datetime(d["last_modified"], utc=True)
    )
