"""load_schedule on user files: normalisation, validation errors, duplicates, postponements."""

from __future__ import annotations

import logging

import pandas as pd
import pytest

from nba_simulator.errors import ScheduleError
from nba_simulator.schedule import COLUMNS, load_schedule

HEADER = "game_id,season,season_type,game_date,home_team,away_team"


def test_lost_leading_zeros_and_empty_season_columns(write_csv):
    path = write_csv(f"{HEADER}\n22300001,,,2023-10-24,DEN,LAL\n42300405,2023-24,Playoffs,2024-06-17,BOS,DAL\n")
    df = load_schedule(str(path))
    assert list(df["game_id"]) == ["0022300001", "0042300405"]
    assert list(df["season"]) == ["2023-24", "2023-24"]
    assert list(df["season_type"]) == ["regular", "playoffs"]
    assert list(df["status"]) == ["final", "final"]
    assert list(df["bbref_game_id"]) == ["202310240DEN", "202406170BOS"]
    assert df["espn_game_id"].isna().all() and df["original_date"].isna().all()
    assert list(df.columns) == list(COLUMNS)
    assert str(df["game_date"].dtype) == "datetime64[ns]" and str(df["game_id"].dtype) == "string"


def test_same_dtypes_as_builtin(write_csv, builtin):
    df = load_schedule(str(write_csv(f"{HEADER}\n22300001,,,2023-10-24,DEN,LAL\n")))
    assert df.dtypes.to_dict() == builtin.dtypes.to_dict()


@pytest.mark.parametrize(
    "spelling, name",
    [
        ("Regular Season", "regular"),
        ("regular_season", "regular"),
        ("postseason", "playoffs"),
        ("PlayIn", "play_in"),
        ("play-in", "play_in"),
        ("Pre Season", "preseason"),
        ("All-Star", "all_star"),
        ("NBA Cup Final", "cup_final"),
    ],
)
def test_season_type_spellings(write_csv, spelling, name):
    digit = {"regular": 2, "playoffs": 4, "play_in": 5, "preseason": 1, "all_star": 3, "cup_final": 6}[name]
    df = load_schedule(str(write_csv(f"{HEADER}\n00{digit}2300001,2023-24,{spelling},2024-01-10,BOS,NYK\n")))
    assert df.loc[0, "season_type"] == name


def test_espn_abbreviations_become_nba_ones_of_that_season(write_csv):
    path = write_csv(
        f"{HEADER}\n"
        "21200005,2012-13,regular,2012-10-31,NO,UTAH\n"
        "21500010,2015-16,regular,2015-10-28,NO,GS\n"
        "21300020,2013-14,regular,2013-11-01,BKN,WSH\n"
        "21400030,2014-15,regular,2014-11-01,CHA,SA\n"
    )
    df = load_schedule(str(path)).set_index("game_id").sort_index()
    assert list(df.index) == ["0021200005", "0021300020", "0021400030", "0021500010"]
    assert list(df["home_team"]) == ["NOH", "BKN", "CHA", "NOP"]
    assert list(df["away_team"]) == ["UTA", "WAS", "SAS", "GSW"]
    assert list(df["bbref_game_id"]) == ["201210310NOH", "201311010BRK", "201411010CHO", "201510280NOP"]


def test_parquet_with_int_ids_and_datetimes(tmp_path):
    path = tmp_path / "s.parquet"
    pd.DataFrame(
        {
            "game_id": [22300002, 22300001],
            "season": [None, None],
            "season_type": ["regular", "regular"],
            "game_date": pd.to_datetime(["2023-10-25 19:30", "2023-10-24"], format="ISO8601"),
            "home_team": ["PHX", "DEN"],
            "away_team": ["GSW", "LAL"],
            "espn_game_id": [401584700.0, None],
        }
    ).to_parquet(path)
    df = load_schedule(str(path))
    assert list(df["game_id"]) == ["0022300001", "0022300002"]  # sorted by date
    assert df.loc[1, "game_date"] == pd.Timestamp("2023-10-25")  # time dropped
    assert df.loc[1, "espn_game_id"] == "401584700" and pd.isna(df.loc[0, "espn_game_id"])
    assert df.loc[1, "bbref_game_id"] == "202310250PHO"


def test_nullable_columns_with_missing_values_load(tmp_path):
    """A schedule written by pandas with nullable dtypes (``pd.NA`` for a missing ESPN or
    Basketball-Reference id: what ``convert_dtypes`` or a string[pyarrow] column gives) loads,
    the missing values missing."""
    path = tmp_path / "s.parquet"
    pd.DataFrame(
        {
            "game_id": ["0022300001", "0022300002"],
            "season": ["2023-24", "2023-24"],
            "season_type": ["regular", "regular"],
            "game_date": pd.to_datetime(["2023-10-24", "2023-10-25"]),
            "home_team": ["DEN", "PHX"],
            "away_team": ["LAL", "GSW"],
            "espn_game_id": pd.array(["401584689", pd.NA], dtype="string"),
            "bbref_game_id": pd.array([pd.NA, "202310250PHO"], dtype="string[pyarrow]"),
            "attendance": pd.array([19842, pd.NA], dtype="Int64"),
        }
    ).to_parquet(path)
    df = load_schedule(str(path)).set_index("game_id")
    assert df.loc["0022300001", "espn_game_id"] == "401584689"
    assert pd.isna(df.loc["0022300002", "espn_game_id"])
    assert df.loc["0022300002", "bbref_game_id"] == "202310250PHO"
    assert df.loc["0022300001", "bbref_game_id"] == "202310240DEN"  # derived where missing


def test_dates_with_time_part_are_accepted(write_csv):
    """The date as written is the local date: a time or offset after it changes nothing."""
    path = write_csv(
        f"{HEADER}\n41000205,2010-11,playoffs,2011-05-10T00:00:00,CHI,ATL\n"
        "22300002,,,2023-10-24T23:30:00Z,PHX,GSW\n22300003,,,2023-10-24 19:30-04:00,BOS,NYK\n"
    )
    df = load_schedule(str(path)).set_index("game_id")
    assert df.loc["0041000205", "game_date"] == pd.Timestamp("2011-05-10")
    assert (df.loc[["0022300002", "0022300003"], "game_date"] == pd.Timestamp("2023-10-24")).all()
    assert "'2023-02-30'" in one_line_error(write_csv(f"{HEADER}\n22300001,,,2023-02-30,DEN,LAL\n"))


# --- errors: one line naming the file and the problem ------------------------------------------
def one_line_error(path, *, names=None, **kwargs) -> str:
    """The error of loading ``path``; one line naming ``names`` (default: ``path``)."""
    with pytest.raises(ScheduleError) as err:
        load_schedule(str(path), **kwargs)
    message = str(err.value)
    assert "\n" not in message and str(names or path) in message
    return message


def test_missing_file(tmp_path):
    assert "file not found" in one_line_error(tmp_path / "nope.csv")


def test_missing_column_is_named(write_csv):
    path = write_csv("game_id,season,season_type,game_date,away_team\n22300001,,,2023-10-24,LAL\n")
    assert "missing column 'home_team'" in one_line_error(path)


def test_unreadable_files(tmp_path, write_csv):
    garbage = tmp_path / "s.parquet"
    garbage.write_bytes(b"not parquet at all")
    assert "cannot read" in one_line_error(garbage)
    assert "empty file" in one_line_error(write_csv(""))
    binary = tmp_path / "s.csv"
    binary.write_bytes(b"\xff\xfe\x00\x81" * 50)
    one_line_error(binary)


def test_bad_date_names_line_and_value(write_csv):
    path = write_csv(f"{HEADER}\n22300001,,,2023-10-24,DEN,LAL\n\n22300002,,,24/10/2023,PHX,GSW\n")
    message = one_line_error(path)
    assert "'24/10/2023'" in message and "line 4" in message  # the blank line 3 still counts


def test_bad_id_names_line_and_value(write_csv):
    message = one_line_error(write_csv(f"{HEADER}\n22300001,,,2023-10-24,DEN,LAL\n2230000X,,,2023-10-25,PHX,GSW\n"))
    assert "'2230000X'" in message and "line 3" in message


def test_season_contradicting_the_id(write_csv):
    # the classic end-year mix-up: 2024 written for 2023-24
    assert "'2024'" in one_line_error(write_csv(f"{HEADER}\n22300001,2024,,2023-10-24,DEN,LAL\n"))
    message = one_line_error(write_csv(f"{HEADER}\n22300001,2024-25,,2023-10-24,DEN,LAL\n"))
    assert "contradicts game id 0022300001 (2023-24)" in message


def test_mislabelled_season_type(write_csv):
    message = one_line_error(write_csv(f"{HEADER}\n12300001,2023-24,regular_season,2023-10-10,DEN,LAL\n"))
    assert "contradicts game id 0012300001 (preseason)" in message
    assert "'exhibition'" in one_line_error(write_csv(f"{HEADER}\n12300001,,exhibition,2023-10-10,DEN,LAL\n"))


def test_empty_team_and_bad_status(write_csv):
    assert "home_team" in one_line_error(write_csv(f"{HEADER}\n22300001,,,2023-10-24,,LAL\n"))
    path = write_csv(f"{HEADER},status\n22300001,,,2023-10-24,DEN,LAL,done\n")
    assert "'done'" in one_line_error(path)
    path = write_csv(f"{HEADER},status\n22300001,,,,DEN,LAL,final\n")
    assert "needs a game_date" in one_line_error(path)


# --- status, duplicates, postponements -----------------------------------------------------------
def test_status_defaults(write_csv):
    path = write_csv(
        f"{HEADER},status\n22300001,,,2023-10-24,DEN,LAL,\n22300002,,,,PHX,GSW,\n"
        "22300003,,,2023-10-24,BOS,NYK,Canceled\n"
    )
    df = load_schedule(str(path)).set_index("game_id")
    assert df["status"].to_dict() == {"0022300001": "final", "0022300002": "scheduled", "0022300003": "cancelled"}
    assert pd.isna(df.loc["0022300002", "bbref_game_id"]) and pd.isna(df.loc["0022300003", "bbref_game_id"])


def test_exact_duplicates_dropped_and_counted(write_csv, caplog):
    # the same row three times, twice with its leading zeros lost
    path = write_csv(
        f"{HEADER}\n22300001,,,2023-10-24,DEN,LAL\n0022300001,,,2023-10-24,DEN,LAL\n"
        "22300001,2023-24,regular,2023-10-24,DEN,LAL\n22300002,,,2023-10-24,PHX,GSW\n"
    )
    with caplog.at_level(logging.WARNING, logger="nba_simulator.schedule"):
        df = load_schedule(str(path))
    assert list(df["game_id"]) == ["0022300001", "0022300002"]
    assert "dropped 2 exact duplicate rows" in caplog.text


def test_conflicting_duplicate_names_id_and_file(write_csv):
    path = write_csv(
        f"{HEADER}\n22300001,,,2023-10-24,DEN,LAL\n22300002,,,2023-10-24,PHX,GSW\n22300001,,,2023-10-25,DEN,LAL\n"
    )
    message = one_line_error(path)
    assert "0022300001" in message and "game_date" in message and "line 2, 4" in message


def test_postponed_row_dropped_when_the_game_was_played_later(write_csv):
    path = write_csv(
        f"{HEADER},status\n"
        "21500654,,,2016-01-23,WAS,UTA,postponed\n"
        "21500654,,,2016-02-18,WAS,UTA,final\n"
        "21500700,,,2016-01-23,NYK,CHA,postponed\n"
    )  # not yet rescheduled
    df = load_schedule(str(path)).set_index("game_id")
    assert len(df) == 2
    played = df.loc["0021500654"]
    assert (played["status"], played["game_date"]) == ("final", pd.Timestamp("2016-02-18"))
    assert played["original_date"] == pd.Timestamp("2016-01-23")  # the postponed row's date
    assert played["bbref_game_id"] == "201602180WAS"
    waiting = df.loc["0021500700"]
    assert waiting["status"] == "postponed" and pd.isna(waiting["bbref_game_id"])


def test_cancelled_and_played_is_a_conflict(write_csv):
    path = write_csv(f"{HEADER},status\n21201214,,,2013-04-16,BOS,IND,cancelled\n21201214,,,2013-04-17,BOS,IND,final\n")
    assert "0021201214" in one_line_error(path)


# --- ESPN ids ------------------------------------------------------------------------------------
def test_espn_map_fills_ids(write_csv):
    schedule = write_csv(
        f"{HEADER},espn_game_id\n22300001,,,2023-10-24,DEN,LAL,401584689.0\n22300002,,,2023-10-24,PHX,GSW,\n"
    )
    espn_map = write_csv("game_id,espn_game_id\n22300002,401584690\n0022300001,401584689\n29900001,1\n", "map.csv")
    df = load_schedule(str(schedule), espn_map=str(espn_map))
    assert list(df["espn_game_id"]) == ["401584689", "401584690"]


def test_espn_map_adds_further_ids_and_names_the_map_on_errors(write_csv):
    schedule = write_csv(f"{HEADER},espn_game_id\n22300001,,,2023-10-24,DEN,LAL,401584689\n")
    espn_map = write_csv("game_id,espn_game_id\n22300001,401584000\n", "map.csv")
    df = load_schedule(str(schedule), espn_map=str(espn_map))
    assert (df.loc[0, "espn_game_id"], df.loc[0, "espn_game_id_extra"]) == ("401584689", "401584000")
    several = write_csv("game_id,espn_game_id\n22300001,401584689\n22300001,320101001\n", "map2.csv")
    df = load_schedule(str(schedule), espn_map=str(several))
    assert (df.loc[0, "espn_game_id"], df.loc[0, "espn_game_id_extra"]) == ("401584689", "320101001")
    assert df.loc[0, "provenance"] == "user"
    no_column = write_csv("game_id\n22300001\n", "map3.csv")
    assert "missing column 'espn_game_id'" in one_line_error(schedule, names=no_column, espn_map=str(no_column))


def test_one_espn_id_for_two_games_is_an_error(write_csv):
    path = write_csv(
        f"{HEADER},espn_game_id\n22300001,,,2023-10-24,DEN,LAL,401584689\n22300002,,,2023-10-24,PHX,GSW,401584689\n"
    )
    assert "espn_game_id 401584689 is given to several games" in one_line_error(path)
