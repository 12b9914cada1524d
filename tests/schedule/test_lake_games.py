"""schedule.lake_games: the games a lake page lists that no schedule row is become rows without an
NBA id, once each; games the schedule knows (by id or by local date, home and away) never do."""

from __future__ import annotations

import time

import pandas as pd

from nba_simulator.schedule.lake_games import lake_only_games
from nba_simulator.schedule.load import canonical


def _espn(rows):
    return pd.DataFrame(
        rows,
        columns=["espn_game_id", "start_utc", "home_team", "away_team", "status", "origin", "season", "season_type"],
    ).assign(start_utc=lambda f: pd.to_datetime(f["start_utc"], utc=True))


def _schedule():
    raw = pd.DataFrame(
        {
            "game_id": ["0022600001"],
            "season": [pd.NA],
            "season_type": [pd.NA],
            "game_date": ["2026-11-10"],
            "home_team": ["BOS"],
            "away_team": ["NYK"],
        },
        dtype="string",
    )
    return canonical(raw)


def test_rows_once_with_local_dates_types_and_extras():
    espn = _espn(
        [
            # known by (local date, home, away): 00:30Z on the 11th is the 10th in New York
            ("1", "2026-11-11T00:30Z", "BOS", "NYK", "final", "espn_schedules/20261110.json", None, None),
            # a new game, 03:30Z -> the 11th, listed on two pages under two ids (the double scheme)
            ("2", "2026-11-12T03:30Z", "LAL", "GSW", "final", "espn_schedules/20261111.json", None, None),
            ("9", "2026-11-12T03:30Z", "LAL", "GSW", "final", "schedule/20261111.json", None, None),
            # postponed on the 12th, played on the 20th under the same id
            ("3", "2026-11-13T00:30Z", "MIA", "ORL", "postponed", "espn_schedules/20261112.json", None, None),
            ("3", "2026-11-21T00:30Z", "MIA", "ORL", "final", "espn_schedules/20261120.json", None, None),
            # the page says its type: kept (an exhibition against a club outside the NBA)
            (
                "4",
                "2026-10-06T23:00Z",
                "GSW",
                "MACCABI",
                "final",
                "espn_schedules/20261006.json",
                "2026-27",
                "preseason",
            ),
        ]
    )
    rows = lake_only_games(_schedule(), espn).set_index("espn_game_id")
    assert set(rows.index) == {"2", "3", "4"}
    assert rows["game_id"].isna().all() and (rows["provenance"] == "espn_lake").all()
    r2 = rows.loc["2"]
    assert (str(r2["game_date"].date()), r2["espn_game_id_extra"], r2["season"], r2["season_type"]) == (
        "2026-11-11",
        "9",
        "2026-27",
        "regular",
    )
    assert r2["bbref_game_id"] == "202611110LAL"
    r3 = rows.loc["3"]
    assert (r3["status"], str(r3["game_date"].date()), str(r3["original_date"].date())) == (
        "final",
        "2026-11-20",
        "2026-11-12",
    )
    assert rows.loc["4", "season_type"] == "preseason"


def test_an_id_the_schedule_holds_is_no_new_row():
    sched = _schedule().assign(espn_game_id="7")
    espn = _espn([("7", "2026-11-16T00:30Z", "DEN", "UTA", "final", "p", None, None)])
    assert lake_only_games(sched, espn).empty


def test_linear_in_the_games_of_one_page():
    """Thousands of listings of one matchup: one pass of sorts and group-bys, not pairs."""
    n = 60_000
    espn = _espn([(str(10 + i), "2026-11-16T00:30Z", "DEN", "UTA", "final", "p", None, None) for i in range(n)])
    started = time.monotonic()
    rows = lake_only_games(_schedule(), espn)
    assert len(rows) == 1 and len(rows["espn_game_id_extra"].iloc[0].split()) == n - 1
    assert time.monotonic() - started < 30
