"""Cross-checks against independent reference data in ../shared (skipped when it is absent).

These files have no licence to be packaged (Basketball-Reference via mendelowitz, ESPN via
davidxia3): they are only read here, from ../shared.
"""

from __future__ import annotations

import importlib.util

import pandas as pd

from nba_simulator import seasons
from nba_simulator.schedule import teams
from nba_simulator.schedule.load import BUILTIN


def test_bbref_ids_of_2012_13_match_basketball_reference(reference, builtin):
    """All 1,229 played 2012-13 games: derived ids == the real box_score_url ids."""
    real = pd.read_csv(reference / "bbref_2012_13_mendelowitz" / "games.csv", dtype=str)
    real_ids = real["box_score_url"].str.extract(r"/boxscores/(\w+)\.html", expand=False)
    assert real_ids.notna().all() and len(real_ids) == 1229
    season = builtin[(builtin["season"] == "2012-13") & (builtin["season_type"] == "regular")]
    derived = season["bbref_game_id"].dropna()
    assert len(derived) == 1229
    assert set(derived) == set(real_ids)
    # and each id belongs to the right game: same date in both sources
    real_dates = pd.to_datetime(real["date_game"], format="%a, %b %d, %Y")
    by_id = dict(zip(real_ids, real_dates))
    assert (
        season.dropna(subset=["bbref_game_id"]).apply(lambda g: by_id[g["bbref_game_id"]] == g["game_date"], axis=1)
    ).all()


def test_espn_games_match_builtin_on_date_and_teams(reference, builtin):
    """ESPN's own abbreviations (GS, NO, NY, SA, UTAH, WSH, BKN for the New Jersey years) mapped to
    NBA ones find every ESPN game of the seasons and types the builtin schedule covers."""
    espn = pd.read_csv(reference / "espn_ids_davidxia3" / "nba_espn_combined.csv", dtype=str)
    espn["date"] = pd.to_datetime(espn["date"], format="%d-%m-%Y")
    espn["season"] = seasons.of_dates(espn["date"])
    espn["season_type"] = espn["game_type"].map({"regular_season": "regular", "postseason": "playoffs"})
    espn["home"] = teams.to_nba_abbrs(espn["team_1"], espn["season"])
    espn["away"] = teams.to_nba_abbrs(espn["team_2"], espn["season"])
    covered = builtin[["season", "season_type"]].drop_duplicates()
    espn = espn.merge(covered, on=["season", "season_type"])
    assert len(espn) > 14_000
    joined = espn.merge(
        builtin,
        left_on=["date", "home", "away", "season_type"],
        right_on=["game_date", "home_team", "away_team", "season_type"],
        how="left",
    )
    assert joined["game_id"].notna().all(), joined.loc[joined["game_id"].isna(), ["date", "team_1", "team_2"]].head()
    assert joined["game_id"].is_unique


def test_build_script_reproduces_the_packaged_files(reference, tmp_path):
    """The packaged data is exactly what the build script makes from the MIT files."""
    script = BUILTIN.parents[3] / "scripts" / "build_builtin_schedule.py"
    spec = importlib.util.spec_from_file_location("build_builtin_schedule", script)
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    build.main(["--reference", str(reference), "--out", str(tmp_path)])
    packaged = BUILTIN.parent
    made = sorted(p.name for p in tmp_path.iterdir())
    assert made == sorted(p.name for p in packaged.iterdir())
    for name in made:
        assert (tmp_path / name).read_bytes() == (packaged / name).read_bytes(), name
