"""Team codes: NBA Stats <-> Basketball-Reference <-> ESPN, per season."""

from __future__ import annotations

import pandas as pd
import pytest

from nba_simulator import seasons
from nba_simulator.schedule import teams


def test_table_eras_are_consistent():
    t = teams.team_table()
    assert list(t.columns) == [
        "team_id",
        "first_season",
        "last_season",
        "nba_abbr",
        "bbref_code",
        "espn_abbr",
        "team_name",
    ]
    assert t["team_id"].nunique() == 30
    assert (t["last_season"].isna().groupby(t["team_id"]).sum() == 1).all()  # one current era per team
    for _, eras in t.groupby("team_id"):
        starts = eras["first_season"].map(seasons.start_year).tolist()
        ends = eras["last_season"].dropna().map(seasons.start_year).tolist()
        assert starts == sorted(starts)
        assert all(end < nxt for end, nxt in zip(ends, starts[1:]))  # eras never overlap


@pytest.mark.parametrize("season, n", [("1996-97", 29), ("2003-04", 29), ("2004-05", 30), ("2023-24", 30)])
def test_league_size_per_season(season, n):
    """29 teams until the Bobcats joined in 2004-05, 30 since; each season's codes distinct."""
    t = teams.team_table()
    codes = teams.bbref_codes(t["nba_abbr"].drop_duplicates(), season).dropna()
    nba = teams.to_nba_abbrs(t["nba_abbr"].drop_duplicates(), season)[codes.index]
    assert codes.nunique() == n and nba.nunique() == n


@pytest.mark.parametrize(
    "code, season, bbref",
    [
        ("BKN", "2012-13", "BRK"),
        ("NJN", "2011-12", "NJN"),
        ("PHX", "2000-01", "PHO"),
        ("CHA", "2013-14", "CHA"),
        ("CHA", "2014-15", "CHO"),
        ("CHH", "2000-01", "CHH"),
        ("NOH", "2003-04", "NOH"),
        ("NOK", "2006-07", "NOK"),
        ("NOH", "2012-13", "NOH"),
        ("NOP", "2013-14", "NOP"),
        ("SEA", "2007-08", "SEA"),
        ("OKC", "2008-09", "OKC"),
        ("VAN", "2000-01", "VAN"),
        ("MEM", "2001-02", "MEM"),
        ("WAS", "1996-97", "WSB"),
        ("WAS", "1997-98", "WAS"),
        ("LAL", "2023-24", "LAL"),
        ("BKN", "2030-31", "BRK"),
    ],
)
def test_basketball_reference_codes(code, season, bbref):
    assert teams.bbref_code(code, season) == bbref


@pytest.mark.parametrize(
    "espn, season, nba",
    [
        ("GS", "2015-16", "GSW"),
        ("NY", "2015-16", "NYK"),
        ("SA", "2015-16", "SAS"),
        ("UTAH", "2015-16", "UTA"),
        ("WSH", "2015-16", "WAS"),
        ("NO", "2010-11", "NOH"),
        ("NO", "2015-16", "NOP"),
        ("NO", "2005-06", "NOK"),
        ("BKN", "2009-10", "NJN"),  # ESPN files use today's abbreviation for the New Jersey years
        ("NJ", "2009-10", "NJN"),
        ("OKC", "2007-08", "SEA"),
        ("CHA", "2000-01", "CHH"),
        ("PHX", "2015-16", "PHX"),
        ("gs ", "2015-16", "GSW"),
    ],
)
def test_espn_abbreviations_to_nba(espn, season, nba):
    assert teams.to_nba_abbr(espn, season) == nba


def test_nba_to_espn():
    assert teams.espn_abbr("WAS", "2023-24") == "WSH"
    assert teams.espn_abbr("NOH", "2010-11") == "NO"
    assert teams.espn_abbr("XYZ", "2010-11") is None


def test_unknown_teams_pass_through_unchanged():
    # preseason opponents such as Maccabi Haifa are no NBA team: keep the code, no bbref code
    assert teams.to_nba_abbr("mac", "2015-16") == "MAC"
    assert teams.bbref_code("MAC", "2015-16") is None
    # Charlotte had no team in 2002-03 and 2003-04
    assert teams.bbref_code("CHA", "2003-04") is None


def test_vectorised_over_series_keeps_index_and_mixes_seasons():
    codes = pd.Series(["NO", "NO", "GS", None], index=[10, 20, 30, 40])
    season = pd.Series(["2010-11", "2015-16", "2015-16", "2015-16"], index=[10, 20, 30, 40])
    nba = teams.to_nba_abbrs(codes, season)
    assert list(nba.index) == [10, 20, 30, 40]
    assert list(nba[:3]) == ["NOH", "NOP", "GSW"] and pd.isna(nba[40])
    assert list(teams.bbref_codes(codes, season)[:3]) == ["NOH", "NOP", "GSW"]


def test_every_builtin_team_code_is_its_own_nba_abbreviation(builtin):
    """The sources' own abbreviations, season by season, must come back unchanged."""
    for side in ("home_team", "away_team"):
        assert (teams.to_nba_abbrs(builtin[side], builtin["season"]) == builtin[side]).all()
        assert teams.bbref_codes(builtin[side], builtin["season"]).notna().all()
