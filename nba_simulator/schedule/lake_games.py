"""Games known only from the lake's scoreboard pages: the schedule rows ``schedule: auto`` adds
for the games a page lists that no schedule row is (no NBA id known yet).

``lake_only_games(schedule, espn_games)`` takes the schedule after ``crosswalk.attach_espn_ids``
gave it the pages' ids. A listed game becomes a row when

* its ESPN id is held by no schedule row, and
* its (local date, home, away) is no schedule row's (on ``game_date`` or ``original_date``): a
  game the crosswalk refused (an id matching two games, or held by another) is a conflict to
  warn about, not a new game. So once NBA ids arrive (a snapshot, a user file) the page's game
  merges into the NBA row by (local date, home, away), and no game is counted twice.

The row: ``game_id`` NA, ``espn_game_id`` (further ids of the same (date, home, away), e.g. the
old ``schedule/`` page's legacy id, in ``espn_game_id_extra``), ``game_date`` (the US/Eastern
date of ESPN's UTC start), both teams (NBA Stats codes), ``status`` as listed (a game listed
postponed on one date and played on another keeps the first as ``original_date``; postponed and
cancelled rows are never owed, ``owed.py``), season and season type as the page says them, else
from the season's phases (``phases.season_types``; undecided: ``NA``, and what it may be in
``season_type_candidates``, ``phases.candidate_types``: ``preseason|regular``...), the
Basketball-Reference id derived from date and home team, ``provenance`` ``espn_lake``.

Vectorised throughout (sorts, merges, group-bys): linear in the games, whatever a page repeats.
"""

from __future__ import annotations

import pandas as pd

from . import ids, phases, teams
from .id_lists import all_espn_ids, join_by, split_espn_ids
from .load import COLUMNS
from .owed import NOT_OWED_STATUSES
from .sources.common import local_dates

PROVENANCE = "espn_lake"


OUT_COLUMNS = (*COLUMNS, phases.CANDIDATES)


def empty() -> pd.DataFrame:
    return pd.DataFrame(
        {c: pd.Series(dtype="datetime64[ns]" if c in ("game_date", "original_date") else "string") for c in OUT_COLUMNS}
    )


def lake_only_games(schedule: pd.DataFrame, espn_games: pd.DataFrame) -> pd.DataFrame:
    """The rows to add (canonical columns, ``game_id`` NA); see the module doc."""
    if espn_games is None or espn_games.empty:
        return empty()
    g = pd.DataFrame(
        {
            "espn_game_id": espn_games["espn_game_id"].astype("string").array,
            "game_date": local_dates(espn_games["start_utc"]).array,
            "home_team": espn_games["home_team"].astype("string").array,
            "away_team": espn_games["away_team"].astype("string").array,
            "status": espn_games["status"].astype("string").array,
            "origin": espn_games["origin"].astype("string").array,
            "season": _col(espn_games, "season"),
            "season_type": _col(espn_games, "season_type"),
        }
    )
    held = set(all_espn_ids(schedule).dropna().array) if len(schedule) else set()
    g = g.loc[~g["espn_game_id"].isin(held).to_numpy()]
    if g.empty:
        return empty()
    g = _drop_known_matchups(g, schedule)
    if g.empty:
        return empty()
    # one listing per ESPN id: a played (or still scheduled) listing before an unplayed one; the
    # unplayed listing's other date is the original date
    g["_unplayed"] = g["status"].isin(NOT_OWED_STATUSES).to_numpy()
    g = g.sort_values(["espn_game_id", "_unplayed", "game_date", "origin"], kind="stable")
    first_date = g.groupby("espn_game_id", sort=False)["game_date"].min()
    g = g.drop_duplicates("espn_game_id", keep="first")
    orig = pd.Series(first_date.reindex(g["espn_game_id"]).array, index=g.index)
    g["original_date"] = orig.where(orig != g["game_date"])
    # one row per (date, home, away): further ids (the double scheme) as extras, the newer
    # espn_schedules/ page's id first (origins sort so), an id said by a page's season first
    g = g.sort_values(["game_date", "home_team", "away_team", "origin", "espn_game_id"], kind="stable")
    key = g["game_date"].dt.strftime("%Y%m%d") + "|" + g["home_team"].fillna("") + "|" + g["away_team"].fillna("")
    joined = join_by(key, g["espn_game_id"])
    said = g.groupby(key.to_numpy(), sort=False)[["season", "season_type"]].first()
    g = g.loc[~key.duplicated().to_numpy()].copy()
    k = key.loc[g.index]
    g["espn_game_id"], g["espn_game_id_extra"] = split_espn_ids(
        pd.Series(joined.reindex(k.to_numpy()).array, index=g.index, dtype="string")
    )
    g["season"] = pd.Series(said["season"].reindex(k.to_numpy()).array, index=g.index, dtype="string")
    g["season_type"] = pd.Series(said["season_type"].reindex(k.to_numpy()).array, index=g.index, dtype="string")
    g["season"] = g["season"].fillna(phases.seasons_of(g["game_date"]))
    g["season_type"] = phases.season_types(g, schedule)
    g[phases.CANDIDATES] = phases.candidate_types(g, g["season_type"])
    playable = ~g["status"].isin(NOT_OWED_STATUSES)
    codes = teams.bbref_codes(g["home_team"], g["season"])
    g["bbref_game_id"] = ids.bbref_game_ids(g["game_date"], codes).where(playable.to_numpy(), pd.NA)
    g["game_id"] = pd.Series(pd.NA, index=g.index, dtype="string")
    g["provenance"] = PROVENANCE
    out = g.reindex(columns=list(OUT_COLUMNS))
    for col in OUT_COLUMNS:
        out[col] = out[col].astype("datetime64[ns]" if col in ("game_date", "original_date") else "string")
    return out.sort_values(["game_date", "espn_game_id"], kind="stable").reset_index(drop=True)


def _col(frame: pd.DataFrame, name: str):
    return (frame[name] if name in frame else pd.Series(pd.NA, index=frame.index)).astype("string").array


def _drop_known_matchups(g: pd.DataFrame, schedule: pd.DataFrame) -> pd.DataFrame:
    """Listings whose (date, home, away) is a schedule row's (its game date or original date)."""
    if schedule.empty:
        return g
    keys = (
        pd.concat(
            [
                schedule[["game_date", "home_team", "away_team"]],
                schedule[["original_date", "home_team", "away_team"]].rename(columns={"original_date": "game_date"}),
            ]
        )
        .dropna()
        .drop_duplicates()
    )
    keys["game_date"] = keys["game_date"].astype("datetime64[ns]")
    keys["home_team"], keys["away_team"] = keys["home_team"].astype("string"), keys["away_team"].astype("string")
    hit = g.merge(keys.assign(_known=True), on=["game_date", "home_team", "away_team"], how="left")["_known"]
    return g.loc[~hit.fillna(False).astype(bool).to_numpy()]


def unjudgeable(rows: pd.DataFrame) -> pd.DataFrame:
    """Per season: the lake-only games whose season type is undecided (``season, games``)."""
    undecided = rows[rows["game_id"].isna() & rows["season_type"].isna() & ~rows["status"].isin(NOT_OWED_STATUSES)]
    return undecided.groupby("season").size().rename("games").reset_index()
