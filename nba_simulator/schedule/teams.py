"""Team codes per season: NBA Stats abbreviation <-> Basketball-Reference code <-> ESPN abbreviation.

Backed by the packaged ``data/schedule/teams.csv`` (one row per team era, see its ORIGIN.md). Any
spelling of a team (NBA ``BKN``, Basketball-Reference ``BRK``, ESPN ``NJ``...) identifies its
franchise; the season then picks the era, so ESPN's ``NO`` is ``NOH`` in 2010-11 and ``NOP`` in
2015-16, and ``CHA`` is ``CHO`` on Basketball-Reference from 2014-15 only.
The table starts in 1996-97: earlier seasons use the 1996-97 codes, right for the late-1980s and
1990s teams, not for older relocations. Seasons after the last change use the current codes.
Vectorised functions take Series of codes and seasons (or one season label for all rows).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pandas as pd

from ..errors import ScheduleError

TEAMS_CSV = Path(__file__).resolve().parents[1] / "data" / "schedule" / "teams.csv"


@lru_cache(maxsize=1)
def team_table() -> pd.DataFrame:
    """The packaged team eras: team_id, first_season, last_season (NA = current), nba_abbr,
    bbref_code, espn_abbr, team_name."""
    return pd.read_csv(TEAMS_CSV, dtype="string")


@lru_cache(maxsize=1)
def _aliases() -> dict[str, str]:
    """Every known spelling -> team id. A spelling used by two franchises would be ambiguous."""
    t = team_table()
    pairs = pd.concat(
        [
            t[["nba_abbr", "team_id"]].set_axis(["alias", "team_id"], axis=1),
            t[["bbref_code", "team_id"]].set_axis(["alias", "team_id"], axis=1),
            t[["espn_abbr", "team_id"]].set_axis(["alias", "team_id"], axis=1),
        ]
    ).drop_duplicates()
    clash = pairs["alias"].duplicated(keep=False)
    if clash.any():
        raise ScheduleError(f"{TEAMS_CSV}: spelling shared by two teams: {pairs.loc[clash, 'alias'].iloc[0]}")
    return dict(zip(pairs["alias"], pairs["team_id"]))


@lru_cache(maxsize=1)
def _by_year() -> tuple[pd.DataFrame, int, int]:
    """(team_id, start year) -> codes, for every year the table covers; plus its first and last year."""
    t = team_table()
    first = t["first_season"].str[:4].astype(int)
    last_year = int(first.max())  # after the last change every team is in its open-ended era
    last = t["last_season"].str[:4].astype("Int64").fillna(last_year).astype(int)
    rows = t.assign(year=[list(range(a, b + 1)) for a, b in zip(first, last)]).explode("year")
    rows["year"] = rows["year"].astype(int)
    cols = ["team_id", "year", "nba_abbr", "bbref_code", "espn_abbr"]
    return rows[cols].reset_index(drop=True), int(first.min()), last_year


def _lookup(codes: pd.Series, seasons: pd.Series | str) -> pd.DataFrame:
    """Rows of the era each (code, season) falls in; NA columns where unknown."""
    codes = codes.astype("string").str.strip().str.upper()
    if isinstance(seasons, str):
        seasons = pd.Series(seasons, index=codes.index)
    table, lo, hi = _by_year()
    years = pd.to_numeric(pd.Series(seasons.array, index=codes.index).astype("string").str[:4], errors="coerce")
    keys = pd.DataFrame({"team_id": codes.map(_aliases()).astype("string"), "year": years.clip(lo, hi).astype("Int64")})
    found = keys.merge(table.astype({"year": "Int64"}), on=["team_id", "year"], how="left")
    return found.set_axis(codes.index)


def to_nba_abbrs(codes: pd.Series, seasons: pd.Series | str) -> pd.Series:
    """Any spelling (ESPN ``GS``, ``UTAH``; bbref ``BRK``; NBA) -> the NBA Stats abbreviation of
    that season. Unknown codes (e.g. foreign clubs in preseason) come back uppercased, unchanged."""
    upper = codes.astype("string").str.strip().str.upper()
    return _lookup(codes, seasons)["nba_abbr"].fillna(upper).astype("string").rename(codes.name)


def bbref_codes(codes: pd.Series, seasons: pd.Series | str) -> pd.Series:
    """Team codes -> Basketball-Reference codes of that season (BKN -> BRK, PHX -> PHO, CHA -> CHO
    from 2014-15...); NA where the team is unknown."""
    return _lookup(codes, seasons)["bbref_code"].astype("string").rename(None)


def espn_abbrs(codes: pd.Series, seasons: pd.Series | str) -> pd.Series:
    """Team codes -> ESPN abbreviations (GSW -> GS, UTA -> UTAH...); NA where unknown."""
    return _lookup(codes, seasons)["espn_abbr"].astype("string").rename(None)


def _one(func, code: str, season: str) -> str | None:
    out = func(pd.Series([code]), season).iloc[0]
    return None if pd.isna(out) else str(out)


def to_nba_abbr(code: str, season: str) -> str:
    """to_nba_abbr('NO', '2010-11') -> 'NOH'."""
    return _one(to_nba_abbrs, code, season)


def bbref_code(code: str, season: str) -> str | None:
    """bbref_code('CHA', '2013-14') -> 'CHA'; bbref_code('CHA', '2014-15') -> 'CHO'."""
    return _one(bbref_codes, code, season)


def espn_abbr(code: str, season: str) -> str | None:
    """espn_abbr('WAS', '2023-24') -> 'WSH'."""
    return _one(espn_abbrs, code, season)
