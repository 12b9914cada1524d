"""Each rule is written once: the as_of parser, the owed-games rule, the database URL."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import warnings

import pandas as pd
import pytest

from nba_simulator.asof import AsOfError, as_of_text, parse_as_of
from nba_simulator.database.engine import database_url
from nba_simulator.errors import BadInput, ParameterError
from nba_simulator.schedule.owed import NOT_OWED_STATUSES, day_end, owed_games


@pytest.mark.parametrize(
    "value",
    [
        "2019-03-15",
        dt.date(2019, 3, 15),
        dt.datetime(2019, 3, 15),
        pd.Timestamp("2019-03-15"),
        "2019-03-15T00:00:00Z",
        pd.Timestamp("2019-03-14T20:00", tz="America/New_York"),
    ],
)
def test_parse_as_of_one_type(value):
    ts = parse_as_of(value)
    assert ts == pd.Timestamp("2019-03-15", tz="UTC") and str(ts.tz) == "UTC"
    assert as_of_text(value) == "2019-03-15"


@pytest.mark.parametrize(
    "value",
    [
        "2024",
        "garbage",
        "",
        "2019-02-30",
        "2019-3-5",
        "20190315",
        "2019-03-15 junk",
        None,
        20190315,
        float("nan"),
        pd.NaT,
    ],
)
def test_parse_as_of_one_error(value):
    with pytest.raises(AsOfError, match=r"^as_of: expected a date YYYY-MM-DD, got ") as err:
        parse_as_of(value)
    assert isinstance(err.value, ParameterError) and isinstance(err.value, BadInput)


@pytest.mark.parametrize(
    "command", [["reconcile", "--spec", "x.yaml", "--lake", "x", "--out", "o"], ["db", "coverage", "--spec", "x.yaml"]]
)
@pytest.mark.parametrize("as_of", ["garbage", "2024"])
def test_every_as_of_option_exits_2_with_one_line(command, as_of, tmp_path):
    r = subprocess.run(
        [sys.executable, "-m", "nba_simulator.cli", *command, "--as-of", as_of],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert r.returncode == 2, r.stderr
    assert r.stderr.strip().splitlines() == [
        f"nba-recon: error: argument --as-of: expected a date YYYY-MM-DD, got '{as_of}'"
    ]


def test_owed_games_is_the_day_ended_rule():
    games = pd.DataFrame(
        {
            "game_id": ["a", "b", "c", "d", "e"],
            "game_date": pd.to_datetime(["2019-03-13", "2019-03-14", "2019-03-15", "2019-03-13", None]),
            "status": ["final", "final", "scheduled", "postponed", "final"],
        }
    )
    as_of = "2019-03-15"
    assert owed_games(games, as_of)["game_id"].tolist() == ["a", "b"]  # b's day ended at midnight
    assert owed_games(games, "2019-03-14T23:59:59Z")["game_id"].tolist() == ["a"]
    assert day_end(pd.Timestamp("2019-03-14")) == pd.Timestamp("2019-03-15", tz="UTC")
    assert set(NOT_OWED_STATUSES) == {"cancelled", "postponed"}


def test_database_url_one_resolution(monkeypatch):
    class Config:
        url = "postgresql://u@spec/db"

    monkeypatch.delenv("NBA_RECON_DATABASE_URL", raising=False)
    monkeypatch.delenv("NBA_RECON_DB_URL", raising=False)
    assert database_url(None, None) is None
    with pytest.raises(BadInput, match=r"no database URL: give --url"):
        database_url(None, None, required="--url")
    assert database_url(None, Config()) == Config.url
    monkeypatch.setenv("NBA_RECON_DATABASE_URL", "postgresql://u@env/db")
    assert database_url(None, Config()) == Config.url  # the spec's names its database
    assert database_url(None, None) == "postgresql://u@env/db"
    assert database_url("postgresql://u@given/db", Config()) == "postgresql://u@given/db"
    monkeypatch.delenv("NBA_RECON_DATABASE_URL")
    monkeypatch.setenv("NBA_RECON_DB_URL", "postgresql://u@old/db")
    assert database_url(None, Config()) == Config.url  # the spec's beats the old name
    with pytest.warns(DeprecationWarning, match="NBA_RECON_DB_URL is deprecated"):
        assert database_url(None, None) == "postgresql://u@old/db"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        database_url("postgresql://u@given/db", None)  # no warning when not used


@pytest.mark.parametrize("value", ["1899-12-31", "3000-01-01"])
def test_parse_as_of_refuses_years_out_of_range(value):
    with pytest.raises(AsOfError, match=r"out of range \(years 1900\.\.2200\)"):
        parse_as_of(value)
