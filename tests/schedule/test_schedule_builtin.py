"""The packaged reference schedule against what is known about the league (docs/domain.md)."""

from __future__ import annotations

import gzip

import pandas as pd

from nba_simulator.schedule import COLUMNS, ids
from nba_simulator.schedule.load import BUILTIN

DATA = BUILTIN.parent


def regular_games(season: str) -> int:
    """Regular-season games per season, from the league's history (not from the data)."""
    special = {"1998-99": 725, "2011-12": 990}  # lockouts: 50 and 66 games per team
    if season in special:
        return special[season]
    return 1189 if season <= "2003-04" else 1230  # 29 teams, then 30 from 2004-05


def test_canonical_columns_and_dtypes(builtin):
    assert list(builtin.columns) == list(COLUMNS)
    for col in COLUMNS:
        expected = "datetime64[ns]" if col in ("game_date", "original_date") else "string"
        assert str(builtin[col].dtype) == expected, col
    assert (builtin["game_date"] == builtin["game_date"].dt.normalize()).all()
    assert builtin["game_id"].str.fullmatch(r"00[1-6]\d{7}").all()
    assert builtin["game_id"].is_unique
    assert (builtin["season"] == ids.seasons_of(builtin["game_id"])).all()
    assert (builtin["season_type"] == ids.season_types_of(builtin["game_id"])).all()
    ordered = builtin.sort_values(["game_date", "game_id"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(builtin, ordered)


def test_regular_season_counts(builtin):
    reg = builtin[builtin["season_type"] == "regular"]
    counts = reg.groupby("season").size()
    assert list(counts.index) == [f"{y}-{(y + 1) % 100:02d}" for y in range(1996, 2019)]
    for season, n in counts.items():
        assert n == regular_games(season), season
    assert counts["1998-99"] == 725 and counts["2011-12"] == 990 and counts["2004-05"] == 1230


def test_every_team_plays_its_games_half_at_home(builtin):
    """82 games a team (50 in 1998-99, 66 in 2011-12), 41 at home: a check of the home/away pairing."""
    reg = builtin[(builtin["season_type"] == "regular") & (builtin["status"] == "final")]
    home = reg.groupby(["season", "home_team"]).size()
    away = reg.groupby(["season", "away_team"]).size()
    total = home.add(away, fill_value=0)
    per_team = {"1998-99": 50, "2011-12": 66}
    for (season, team), n in total.items():
        full = per_team.get(season, 82)
        if season == "2012-13" and team in ("BOS", "IND"):
            full -= 1  # the cancelled game
        assert n == full, (season, team)
    for (season, team), n in home.items():
        full = per_team.get(season, 82) // 2
        if (season, team) == ("2012-13", "BOS"):
            full -= 1  # the cancelled game was BOS's home game
        assert n == full, (season, team)


def test_cancelled_game_is_kept_with_status_cancelled(builtin):
    game = builtin.set_index("game_id").loc["0021201214"]
    assert (game["status"], game["home_team"], game["away_team"]) == ("cancelled", "BOS", "IND")
    assert game["game_date"] == pd.Timestamp("2013-04-16")
    assert pd.isna(game["bbref_game_id"])  # never played: no box score
    season = builtin[(builtin["season"] == "2012-13") & (builtin["season_type"] == "regular")]
    assert season["status"].value_counts().to_dict() == {"final": 1229, "cancelled": 1}
    assert (builtin["status"] == "cancelled").sum() == 1


def test_blizzard_games_carry_their_original_date(builtin):
    by_id = builtin.set_index("game_id")
    for gid, played in [("0021500654", "2016-02-18"), ("0021500656", "2016-01-24")]:
        assert by_id.loc[gid, "original_date"] == pd.Timestamp("2016-01-23")
        assert by_id.loc[gid, "game_date"] == pd.Timestamp(played)
        assert by_id.loc[gid, "status"] == "final"
    assert builtin["original_date"].notna().sum() == 2


def test_playoffs_2010_11_to_2023_24(builtin):
    po = builtin[builtin["season_type"] == "playoffs"]
    assert sorted(po["season"].unique()) == [f"{y}-{(y + 1) % 100:02d}" for y in range(2010, 2024)]
    assert po["game_id"].str.startswith("004").all() and po["game_id"].is_unique
    # 15 best-of-seven series a year: at least 4 games each, at most 7
    per_season = po.groupby("season").size()
    assert per_season.between(60, 105).all()
    # the 16 playoff teams of a season
    teams = pd.concat(
        [
            po[["season", "home_team"]].set_axis(["season", "team"], axis=1),
            po[["season", "away_team"]].set_axis(["season", "team"], axis=1),
        ]
    )
    assert (teams.drop_duplicates().groupby("season").size() == 16).all()
    # in the calendar year the season ends (April-June; the 2020 bubble ran to October)
    assert (po["game_date"].dt.year == po["season"].str[:4].astype(int) + 1).all()


def test_bbref_ids_derived_for_all_played_games(builtin):
    played = builtin[builtin["status"] == "final"]
    assert played["bbref_game_id"].notna().all() and played["bbref_game_id"].is_unique
    assert (played["bbref_game_id"].str[:8] == played["game_date"].dt.strftime("%Y%m%d")).all()


def test_packaged_files_state_their_origin_and_licences():
    origin = (DATA / "ORIGIN.md").read_text()
    for licence in ("LICENSE-lawlers.md", "LICENSE-nocturnebear", "LICENSE-nba_api"):
        assert (DATA / licence).read_text().startswith("MIT License"), licence
        assert licence in origin
    for repo_commit in (
        "ryanvmenezes/lawlers-law @ 5b4853c",
        "NocturneBear/NBA-Data-2010-2024 @ a5f108b",
        "bttmly/nba-schedules @ 3929f2d",
    ):
        assert repo_commit in origin
    unlicensed = ("lauga", "davidxia3", "mendelowitz", "sdv")
    for name in DATA.iterdir():
        assert not any(u in name.name.lower() for u in unlicensed)


def test_packaged_schedule_is_deterministic_gzip():
    raw = BUILTIN.read_bytes()
    assert raw[4:8] == b"\x00\x00\x00\x00"  # gzip header mtime = 0
    assert len(raw) < 400_000
    text = gzip.decompress(raw).decode()
    assert text.startswith("game_id,season,season_type,game_date,home_team,away_team,status,original_date\n")


def test_packaged_schedule_built_once_each_call_its_own_frame():
    """load_schedule("builtin") keeps the canonical frame (the zygote builds it before forking the
    kernels): equal to a fresh build, and a caller changing its frame changes no other's."""
    from nba_simulator.schedule import load

    fresh = load._load_schedule("builtin", None)
    first = load.load_schedule("builtin")
    pd.testing.assert_frame_equal(first, fresh)
    first.loc[:, "status"] = "cancelled"
    del first["espn_game_id"]
    second = load.load_schedule("builtin")
    pd.testing.assert_frame_equal(second, fresh)
    assert second is not load.load_schedule("builtin")
