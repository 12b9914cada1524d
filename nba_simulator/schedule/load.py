"""load_schedule: the canonical schedule (which games SHOULD exist), built-in or from a user file.

Canonical frame, one row per game, sorted by game_date then game_id, RangeIndex:

- ``game_id``, ``season``, ``season_type``, ``home_team``, ``away_team``, ``espn_game_id``,
  ``bbref_game_id``, ``status``: pandas ``string`` dtype, missing = ``pd.NA``.
- ``game_date``, ``original_date``: ``datetime64[ns]`` at midnight (the local date as written; time
  and offset are ignored), ``NaT`` when unknown. ``original_date`` is the date a postponed game was
  first scheduled on.

A user file (CSV, CSV.gz or Parquet) needs ``game_id, season, season_type, game_date, home_team,
away_team``; ``espn_game_id, bbref_game_id, status, original_date`` are optional. ``season`` and
``season_type`` may be left empty: the game id says both, and a value that contradicts it is an
error. Dates must be ISO (``2023-12-25``). Team spellings (ESPN ``GS``, ``UTAH``...) become the NBA
Stats abbreviation of that season. ``status`` defaults to ``final`` when there is a date, else
``scheduled``. ``bbref_game_id`` is derived (date + home Basketball-Reference code) when absent, for
games that are not cancelled or postponed. Cancelled and postponed rows are kept (coverage must not
expect them on that date); see ``dedupe`` for repeated game ids. Errors (ScheduleError, exit 2) are
one line naming the file and the problem.
"""
from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd

from ..errors import ScheduleError
from . import ids, teams
from .dedupe import one_row_per_game
from .read import read_table

log = logging.getLogger(__name__)

BUILTIN = Path(__file__).resolve().parents[1] / "data" / "schedule" / "builtin_schedule.csv.gz"
REQUIRED = ("game_id", "season", "season_type", "game_date", "home_team", "away_team")
COLUMNS = ("game_id", "season", "season_type", "game_date", "home_team", "away_team",
           "espn_game_id", "bbref_game_id", "status", "original_date")
DATE_COLUMNS = ("game_date", "original_date")
STATUSES = ("final", "scheduled", "cancelled", "postponed")
UNPLAYED = ("cancelled", "postponed")  # never expected on their date, and no box score id

# Spellings seen in sources, compared lower-case with everything but letters removed.
SEASON_TYPE_SPELLINGS = {
    "preseason": "preseason",
    "regular": "regular", "regularseason": "regular",
    "allstar": "all_star", "allstargame": "all_star",
    "playoffs": "playoffs", "playoff": "playoffs", "postseason": "playoffs",
    "playin": "play_in", "playintournament": "play_in",
    "cupfinal": "cup_final", "nbacupfinal": "cup_final", "istfinal": "cup_final",
    "inseasontournamentfinal": "cup_final",
}
STATUS_SPELLINGS = {s: s for s in STATUSES} | {"canceled": "cancelled"}


def load_schedule(source: str = "builtin", *, espn_map: str | None = None) -> pd.DataFrame:
    """The canonical schedule from ``"builtin"`` (packaged reference, see data/schedule/ORIGIN.md)
    or a CSV/Parquet path. ``espn_map``: optional CSV (game_id, espn_game_id) filling espn_game_id."""
    path = BUILTIN if source == "builtin" else Path(source)
    raw = read_table(path, REQUIRED)
    try:
        frame = canonical(raw)
    except ScheduleError as exc:
        raise ScheduleError(f"{path}: {exc}") from None
    frame = one_row_per_game(frame, str(path))
    if espn_map is not None:
        frame = _with_espn_map(frame, Path(espn_map), path)
    _check_unique(frame, "espn_game_id", path)
    _check_unique(frame, "bbref_game_id", path)
    frame = frame.sort_values(["game_date", "game_id"], na_position="last", kind="stable")
    return frame.reset_index(drop=True)


def canonical(raw: pd.DataFrame) -> pd.DataFrame:
    """Normalise and validate every column of a raw table (strings as read); keeps the index."""
    gid = ids.normalize_game_ids(raw["game_id"])
    out = pd.DataFrame({"game_id": gid}, index=raw.index)
    out["season"] = _season(raw["season"], gid)
    out["season_type"] = _season_type(raw["season_type"], gid)
    for col in DATE_COLUMNS:
        out[col] = _dates(raw[col], col) if col in raw else pd.Series(pd.NaT, index=raw.index, dtype="datetime64[ns]")
    for side in ("home_team", "away_team"):
        team = _text(raw[side])
        if team.isna().any():
            raise ids.bad_value_error(raw[side], team.isna(), side)
        out[side] = teams.to_nba_abbrs(team, out["season"])
    out["status"] = _status(_optional(raw, "status"), out["game_date"])
    out["espn_game_id"] = ids.normalize_espn_ids(_optional(raw, "espn_game_id"))
    out["bbref_game_id"] = _bbref(_optional(raw, "bbref_game_id"), out)
    return out[list(COLUMNS)]


def _text(values: pd.Series) -> pd.Series:
    text = values.astype("string").str.strip()
    return text.where(text != "", pd.NA)


def _optional(raw: pd.DataFrame, col: str) -> pd.Series:
    return raw[col] if col in raw else pd.Series(pd.NA, index=raw.index, dtype="string").rename(col)


def _season(values: pd.Series, gid: pd.Series) -> pd.Series:
    given, derived = _text(values), ids.seasons_of(gid)
    shape = given.str.fullmatch(r"\d{4}-\d{2}").fillna(False).astype(bool)
    start = pd.to_numeric(given.str[:4].where(shape), errors="coerce")
    follows = (start + 1) % 100 == pd.to_numeric(given.str[5:].where(shape), errors="coerce")
    bad = given.notna() & ~(shape & follows.fillna(False).astype(bool))
    if bad.any():
        raise ids.bad_value_error(values, bad, "season", " (expected a label like 2023-24, or empty)")
    _agree(values, given, derived, gid, "season")
    return given.fillna(derived).astype("string")


def _season_type(values: pd.Series, gid: pd.Series) -> pd.Series:
    given = _text(values)
    named = given.str.lower().str.replace(r"[^a-z]", "", regex=True).map(SEASON_TYPE_SPELLINGS)
    bad = given.notna() & named.isna()
    if bad.any():
        names = ", ".join(ids.SEASON_TYPES.values())
        raise ids.bad_value_error(values, bad, "season_type", f" (expected one of {names}, or empty)")
    named = named.astype("string")
    _agree(values, named, ids.season_types_of(gid), gid, "season_type")
    return named.fillna(ids.season_types_of(gid)).astype("string")


def _agree(values: pd.Series, given: pd.Series, derived: pd.Series, gid: pd.Series, what: str) -> None:
    """A given season or season type must be the one the game id encodes."""
    clash = given.notna() & (given != derived).fillna(False).astype(bool)
    if clash.any():
        i = clash.to_numpy().argmax()
        raise ScheduleError(
            f"{what} {given.iloc[i]!r} in {values.index.name or 'row'} {values.index[i]} contradicts game id "
            f"{gid.iloc[i]} ({derived.iloc[i]}); {int(clash.sum())} such rows (leave {what} empty to derive it)")


def _dates(values: pd.Series, what: str) -> pd.Series:
    """ISO dates -> datetime64[ns] at midnight. Text after the date (a time, an offset) is ignored:
    the date as written is the local date."""
    if pd.api.types.is_datetime64_any_dtype(values):
        parsed = values.dt.tz_localize(None) if values.dt.tz is not None else values
    else:
        text = _text(values)
        day = text.str.extract(r"^(\d{4}-\d{2}-\d{2})(?:[T ].*)?$", expand=False)
        parsed = pd.to_datetime(day, format="%Y-%m-%d", errors="coerce")
        bad = text.notna() & parsed.isna()
        if bad.any():
            raise ids.bad_value_error(values, bad, what, " (expected an ISO date like 2023-12-25)")
    return parsed.dt.normalize().astype("datetime64[ns]")


def _status(values: pd.Series, game_date: pd.Series) -> pd.Series:
    given = _text(values).str.lower()
    status = given.map(STATUS_SPELLINGS)
    bad = given.notna() & status.isna()
    if bad.any():
        raise ids.bad_value_error(values, bad, "status", f" (expected one of {', '.join(STATUSES)}, or empty)")
    default = pd.Series("final", index=values.index).where(game_date.notna(), "scheduled")
    status = status.astype("string").fillna(default).astype("string")
    undated = (status == "final") & game_date.isna()
    if undated.any():
        raise ids.bad_value_error(values.fillna("final"), undated, "status", " (a final game needs a game_date)")
    return status


def _bbref(values: pd.Series, out: pd.DataFrame) -> pd.Series:
    given = ids.check_bbref_game_ids(values)
    playable = ~out["status"].isin(UNPLAYED)
    codes = teams.bbref_codes(out["home_team"], out["season"])
    unknown = playable & out["game_date"].notna() & codes.isna() & given.isna()
    if unknown.any():
        log.info("%d games have a home team without a Basketball-Reference code (first: %s)",
                 int(unknown.sum()), out.loc[unknown, "home_team"].iloc[0])
    derived = ids.bbref_game_ids(out["game_date"], codes).where(playable, pd.NA)
    return given.fillna(derived).astype("string")


def _with_espn_map(frame: pd.DataFrame, map_path: Path, schedule: Path) -> pd.DataFrame:
    """Fill espn_game_id from a (game_id, espn_game_id) CSV; one ESPN id per game."""
    raw = read_table(map_path, ("game_id", "espn_game_id"))
    try:
        pairs = pd.DataFrame({"game_id": ids.normalize_game_ids(raw["game_id"]),
                              "espn_game_id": ids.normalize_espn_ids(raw["espn_game_id"])})
    except ScheduleError as exc:
        raise ScheduleError(f"{map_path}: {exc}") from None
    pairs = pairs.dropna().drop_duplicates()
    several = pairs["game_id"].duplicated(keep=False)
    if several.any():
        gid = pairs.loc[several, "game_id"].iloc[0]
        both = ", ".join(pairs.loc[pairs["game_id"] == gid, "espn_game_id"])
        raise ScheduleError(f"{map_path}: game {gid} has several ESPN ids ({both}); keep one per game")
    mapped = frame["game_id"].map(pairs.set_index("game_id")["espn_game_id"]).astype("string")
    clash = (frame["espn_game_id"].notna() & mapped.notna() & (frame["espn_game_id"] != mapped)).fillna(False)
    if clash.any():
        row = frame.loc[clash].iloc[0]
        raise ScheduleError(f"{map_path}: ESPN id {mapped[clash].iloc[0]} for game {row['game_id']} "
                            f"contradicts {row['espn_game_id']} in {schedule}")
    return frame.assign(espn_game_id=frame["espn_game_id"].fillna(mapped).astype("string"))


def _check_unique(frame: pd.DataFrame, col: str, path: Path) -> None:
    """An ESPN or Basketball-Reference id names one game; two games sharing one is an error."""
    shared = frame[col].notna() & frame[col].duplicated(keep=False)
    if shared.any():
        value = frame.loc[shared, col].iloc[0]
        games = ", ".join(frame.loc[frame[col] == value, "game_id"])
        raise ScheduleError(f"{path}: {col} {value} is given to several games ({games})")
