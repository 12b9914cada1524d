"""load_schedule: the canonical schedule (which games SHOULD exist), built-in or from a user file.

Canonical frame, one row per game, sorted by game_date then game_id, RangeIndex:

- ``game_id``, ``season``, ``season_type``, ``home_team``, ``away_team``, ``espn_game_id``,
  ``bbref_game_id``, ``status``, ``espn_game_id_extra``, ``provenance``: pandas ``string`` dtype,
  missing = ``pd.NA``. ``espn_game_id_extra`` holds further valid ESPN ids of the same game,
  space-separated (the 2011-12 double scheme; ``espn_game_id`` stays the primary one).
  ``provenance`` is a comma-separated list of the sources that contributed the row (see
  ``PROVENANCES``).
- ``game_date``, ``original_date``: ``datetime64[ns]`` at midnight (the local date as written; time
  and offset are ignored), ``NaT`` when unknown. ``original_date`` is the date a postponed game was
  first scheduled on.

A user file (CSV, CSV.gz or Parquet) needs ``game_id, season, season_type, game_date, home_team,
away_team``; ``espn_game_id, bbref_game_id, status, original_date, espn_game_id_extra, provenance``
are optional. ESPN ids must be all digits and not zero: an id of ``0`` or one that is not numeric is
dropped with a warning naming the file and line; a game may carry several ESPN ids (in
``espn_game_id_extra``, several ids in one cell, or repeated rows that differ only in the ESPN id). ``season`` and
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
from .id_lists import all_espn_ids, join_ids, split_espn_ids
from .owed import NOT_OWED_STATUSES
from .read import read_table
from .sources.limits import MAX_IDS_PER_GAME

log = logging.getLogger(__name__)

BUILTIN = Path(__file__).resolve().parents[1] / "data" / "schedule" / "builtin_schedule.csv.gz"
REQUIRED = ("game_id", "season", "season_type", "game_date", "home_team", "away_team")
COLUMNS = (
    "game_id",
    "season",
    "season_type",
    "game_date",
    "home_team",
    "away_team",
    "espn_game_id",
    "bbref_game_id",
    "status",
    "original_date",
    "espn_game_id_extra",
    "provenance",
)
PROVENANCES = ("packaged", "user", "nbastats_gamelog", "league_schedule", "espn_lake", "espn_api", "snapshot")
DATE_COLUMNS = ("game_date", "original_date")
STATUSES = ("final", "scheduled", "cancelled", "postponed")
UNPLAYED = NOT_OWED_STATUSES  # never expected on their date, and no box score id

# Spellings seen in sources, compared lower-case with everything but letters removed.
SEASON_TYPE_SPELLINGS = {
    "preseason": "preseason",
    "regular": "regular",
    "regularseason": "regular",
    "allstar": "all_star",
    "allstargame": "all_star",
    "playoffs": "playoffs",
    "playoff": "playoffs",
    "postseason": "playoffs",
    "playin": "play_in",
    "playintournament": "play_in",
    "cupfinal": "cup_final",
    "nbacupfinal": "cup_final",
    "istfinal": "cup_final",
    "inseasontournamentfinal": "cup_final",
}
STATUS_SPELLINGS = {s: s for s in STATUSES} | {"canceled": "cancelled"}


#: the packaged schedule, canonical, by (path, modification time, size): built once per process
#: (~0.4 s of CPU); a run's forked kernels get it from the zygote, which builds it before forking
_PACKAGED: dict[tuple, pd.DataFrame] = {}


def load_schedule(source: str = "builtin", *, espn_map: str | None = None) -> pd.DataFrame:
    """The canonical schedule from ``"builtin"`` (packaged reference, see data/schedule/ORIGIN.md)
    or a CSV/Parquet path. ``espn_map``: optional CSV (game_id, espn_game_id) filling espn_game_id.
    Each call returns a frame of its own."""
    if source != "builtin" or espn_map is not None:
        return _load_schedule(source, espn_map)
    stat = BUILTIN.stat()
    key = (str(BUILTIN), stat.st_mtime_ns, stat.st_size)
    if key not in _PACKAGED:
        games = _load_schedule(source, None)
        _PACKAGED.clear()
        _PACKAGED[key] = games
    return _PACKAGED[key].copy()


def _load_schedule(source: str, espn_map: str | None) -> pd.DataFrame:
    path = BUILTIN if source == "builtin" else Path(source)
    raw = read_table(path, REQUIRED)
    try:
        frame = canonical(raw, source=str(path), provenance="packaged" if source == "builtin" else "user")
    except ScheduleError as exc:
        raise ScheduleError(f"{path}: {exc}") from None
    frame = one_row_per_game(merge_espn_rows(frame), str(path))
    if espn_map is not None:
        frame = _with_espn_map(frame, Path(espn_map), path)
    check_unique_espn(frame, path)
    _check_unique(frame, "bbref_game_id", path)
    frame = frame.sort_values(["game_date", "game_id"], na_position="last", kind="stable")
    return frame.reset_index(drop=True)


def canonical(raw: pd.DataFrame, *, source: str = "", provenance: str | None = None) -> pd.DataFrame:
    """Normalise and validate every column of a raw table (strings as read); keeps the index.
    ``source`` names the table in warnings (invalid ESPN ids are dropped, logged); ``provenance``
    fills the provenance of rows that do not give one."""
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
    out["espn_game_id"], out["espn_game_id_extra"] = _espn(raw, source)
    out["bbref_game_id"] = _bbref(_optional(raw, "bbref_game_id"), out)
    out["provenance"] = normalize_provenance(_optional(raw, "provenance"), provenance)
    return out[list(COLUMNS)]


def _espn(raw: pd.DataFrame, source: str) -> tuple[pd.Series, pd.Series]:
    """(primary, extra) ESPN ids from espn_game_id and espn_game_id_extra; invalid ids dropped."""
    main, w1 = ids.clean_espn_ids(_optional(raw, "espn_game_id"), source, "espn_game_id")
    extra, w2 = ids.clean_espn_ids(_optional(raw, "espn_game_id_extra"), source, "espn_game_id_extra")
    for w in w1 + w2:
        log.warning("%s", w)
    primary, rest = split_espn_ids(join_ids(main, extra))
    return primary, _at_most_extra(rest, source)


def _at_most_extra(extra: pd.Series, source: str) -> pd.Series:
    """At most ``MAX_IDS_PER_GAME`` further ESPN ids per game; one warning naming the file."""
    long = (extra.str.count(" ") >= MAX_IDS_PER_GAME).fillna(False).to_numpy()
    if not long.any():
        return extra
    extra = extra.copy()
    extra[long] = extra[long].str.split(" ", n=MAX_IDS_PER_GAME).str[:MAX_IDS_PER_GAME].str.join(" ")
    log.warning(
        "%s: %d game(s) list more than %d further ESPN ids; only the first %d are kept",
        source or "schedule",
        int(long.sum()),
        MAX_IDS_PER_GAME,
        MAX_IDS_PER_GAME,
    )
    return extra


def normalize_provenance(values: pd.Series, default: str | None = None) -> pd.Series:
    """Comma-separated source names, lower-case, each once, in PROVENANCES order; unknown names
    are an error (ScheduleError naming the row); empty -> ``default``."""
    text = values.astype("string").str.strip().str.lower()
    text = text.where(text.notna() & (text != ""), default).astype("string")
    order = {name: i for i, name in enumerate(PROVENANCES)}
    mapping = {}
    for cell in text.dropna().unique():
        names = [n.strip() for n in str(cell).split(",") if n.strip()]
        unknown = [n for n in names if n not in order]
        if unknown:
            label = values.index[(text == cell).fillna(False).to_numpy()][0]
            raise ScheduleError(
                f"bad provenance {unknown[0]!r} in {values.index.name or 'row'} {label} "
                f"(expected names from {', '.join(PROVENANCES)})"
            )
        mapping[cell] = ",".join(sorted(set(names), key=order.get)) or pd.NA
    return text.map(mapping).astype("string")


def add_provenance(current: pd.Series, name: str, where: pd.Series | None = None) -> pd.Series:
    """``current`` with ``name`` added (where ``where`` is True, default everywhere)."""
    added = current.astype("string").fillna("") + "," + name
    if where is not None:
        added = added.where(where.to_numpy(), current.astype("string").fillna(""))
    added = added.str.strip(",")
    return normalize_provenance(added.where(added != "", pd.NA).rename(current.name))


def merge_espn_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows of one game that differ only in their ESPN ids become one row carrying all the ids
    (the 2011-12 double scheme: both ids are valid keys of the same game)."""
    others = [c for c in frame.columns if c not in ("espn_game_id", "espn_game_id_extra", "provenance")]
    several = frame["game_id"].duplicated(keep=False)
    if not several.any():
        return frame
    key = pd.util.hash_pandas_object(frame[others], index=False)
    several &= key.duplicated(keep=False)
    espn_text = join_ids(frame["espn_game_id"], frame["espn_game_id_extra"]).fillna("")
    several &= espn_text.groupby(key).transform("nunique") > 1
    if not several.any():
        return frame
    rows = frame.loc[several]
    ids_all = join_ids(rows["espn_game_id"], rows["espn_game_id_extra"])
    merged_ids = ids_all.groupby(key[several], sort=False).agg(lambda s: " ".join(s.dropna()))
    merged_prov = rows["provenance"].fillna("").groupby(key[several], sort=False).agg(",".join)
    first = rows.loc[~key[several].duplicated()].copy()
    k = key[first.index]
    primary, extra = split_espn_ids(join_ids(pd.Series(merged_ids[k].array, index=first.index, dtype="string")))
    first["espn_game_id"], first["espn_game_id_extra"] = primary, extra
    prov = pd.Series(merged_prov[k].array, index=first.index, dtype="string")
    first["provenance"] = normalize_provenance(prov.where(prov.str.strip(",") != "", pd.NA))
    out = pd.concat([frame.loc[~several], first]).sort_index(kind="stable")
    log.info("merged %d rows of %d games that differ only in their ESPN ids", int(several.sum()), len(first))
    return out


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
            f"{gid.iloc[i]} ({derived.iloc[i]}); {int(clash.sum())} such rows (leave {what} empty to derive it)"
        )


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
        log.info(
            "%d games have a home team without a Basketball-Reference code (first: %s)",
            int(unknown.sum()),
            out.loc[unknown, "home_team"].iloc[0],
        )
    derived = ids.bbref_game_ids(out["game_date"], codes).where(playable, pd.NA)
    return given.fillna(derived).astype("string")


def _with_espn_map(frame: pd.DataFrame, map_path: Path, schedule: Path) -> pd.DataFrame:
    """Add ESPN ids from a (game_id, espn_game_id) CSV. A game listed with several ids keeps them
    all (the first is the primary id unless the schedule already has one)."""
    raw = read_table(map_path, ("game_id", "espn_game_id"))
    try:
        gid = ids.normalize_game_ids(raw["game_id"])
    except ScheduleError as exc:
        raise ScheduleError(f"{map_path}: {exc}") from None
    espn, warnings = ids.clean_espn_ids(raw["espn_game_id"], str(map_path))
    for w in warnings:
        log.warning("%s", w)
    pairs = pd.DataFrame({"game_id": gid, "espn_game_id": espn}).dropna().drop_duplicates()
    mapped = pairs.groupby("game_id", sort=False)["espn_game_id"].agg(" ".join)
    extra = pd.Series(frame["game_id"].map(mapped).array, index=frame.index, dtype="string")
    ids_all = join_ids(frame["espn_game_id"], frame["espn_game_id_extra"], extra)
    primary, rest = split_espn_ids(ids_all)
    got = extra.notna()
    return frame.assign(
        espn_game_id=primary, espn_game_id_extra=rest, provenance=add_provenance(frame["provenance"], "user", got)
    )


def check_unique_espn(frame: pd.DataFrame, path: Path | str) -> None:
    """An ESPN id (primary or extra) names one game; two games sharing one is an error."""
    every = all_espn_ids(frame)
    games = frame["game_id"].reindex(every.index)
    pairs = pd.DataFrame({"espn": every.array, "game_id": games.array}).drop_duplicates()
    shared = pairs["espn"].duplicated(keep=False)
    if shared.any():
        value = pairs.loc[shared, "espn"].iloc[0]
        names = ", ".join(pairs.loc[pairs["espn"] == value, "game_id"])
        raise ScheduleError(f"{path}: espn_game_id {value} is given to several games ({names})")


def _check_unique(frame: pd.DataFrame, col: str, path: Path) -> None:
    """An ESPN or Basketball-Reference id names one game; two games sharing one is an error."""
    shared = frame[col].notna() & frame[col].duplicated(keep=False)
    if shared.any():
        value = frame.loc[shared, col].iloc[0]
        games = ", ".join(frame.loc[frame[col] == value, "game_id"])
        raise ScheduleError(f"{path}: {col} {value} is given to several games ({games})")
