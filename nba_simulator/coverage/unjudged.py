"""What a run cannot judge, and why: per dataset x season x season type.

A verdict ("missing", "present"...) needs the game, and the id the dataset's files are named by.
Where the schedule lacks one, nothing is said about the files, and that silence must be visible:

* ``games unknown``: the schedule holds no game of that season and season type although, at
  ``as_of``, that part of the season has begun (:data:`SEASON_TYPE_OPENS`: the NBA calendar, with
  the first season each type was played). ``count``: the dataset's files of that season and type
  that no known game explains (when the key says the season: an NBA id, a date), else 0.
* ``partial``: the season type is under way at ``as_of`` but the schedule's games of it stop
  before the day before ``as_of``: the later games cannot be expected. ``count``: the days
  between the last known game and ``as_of`` that are not covered.
* ``games unknown: no NBA ids offline``: the season's games are known only from the lake's
  scoreboard pages (no NBA id yet), and every layout of the dataset is named by the NBA id.
* ``type unknown``: games the lake's pages list whose season type neither the page nor the
  season's phases tell (``schedule.phases``), and that the dataset cannot judge: a type the game
  may be (``season_type_candidates``) is not among the dataset's ``season_types``, or it may be
  anything (the reason names the candidates: ``preseason or regular``). A dataset that holds every
  candidate judges the game (``coverage.expected``). ``count``: the games it cannot judge.
* ``ids unknown``: games are known, but not under the id the dataset's keys need
  (``espn_game_id`` for ESPN pages...): those items are ``unmapped``. ``count``: unmapped items.

Each record: ``{"dataset", "season", "season_type", "reason", "count"}`` (``season_type`` is None
for per-season datasets), sorted by dataset, season, season type, reason. Pure: no clock.
"""

from __future__ import annotations

import pandas as pd

from .. import seasons as season_math
from ..asof import parse_as_of
from ..schedule.ids import season_types_of, seasons_of
from ..schedule.owed import NOT_OWED_STATUSES
from ..schedule.phases import CANDIDATES, judged_by
from ..spec.model import Spec
from .expected import needs_nba_id

ID_COLUMNS = ("game_id", "espn_game_id", "bbref_game_id")

#: season type -> (first season it was played, month, day, 0: in the season's start year / 1:
#: in its end year): from that day on, a season with no game of that type is a gap in the
#: schedule, not a season where none is owed yet.
SEASON_TYPE_OPENS = {
    "preseason": ("1946-47", 10, 1, 0),
    "regular": ("1946-47", 10, 20, 0),
    "cup_final": ("2023-24", 12, 10, 0),
    "all_star": ("1950-51", 2, 20, 1),
    "play_in": ("2020-21", 4, 14, 1),
    "playoffs": ("1946-47", 4, 20, 1),
}


def type_opens(season: str, season_type: str) -> pd.Timestamp | None:
    """The day ``season_type`` of ``season`` is certainly under way, or None if it was not played
    that season."""
    first, month, day, year_offset = SEASON_TYPE_OPENS.get(season_type, ("9999-00", 1, 1, 0))
    start = season_math.start_year(season)
    if first.startswith("9999") or start < season_math.start_year(first):
        return None
    return pd.Timestamp(start + year_offset, month, day, tz="UTC")


def needed_ids(ds) -> str | None:
    """The id column(s) the dataset's keys are named by (``espn_game_id``, or ``a or b`` when its
    layouts use different ones); None when no layout needs a game id."""
    found = [p for t in ds.layouts for p in t.placeholders if p in ID_COLUMNS]
    found = list(dict.fromkeys(found))
    return " or ".join(found) if found else None


def unjudged(
    spec: Spec,
    schedule: pd.DataFrame,
    coverage: pd.DataFrame,
    as_of,
    orphans: pd.DataFrame | None = None,
    *,
    unexplained: dict | None = None,
) -> list[dict]:
    as_of = parse_as_of(as_of)
    spec = spec.at(as_of)
    games = schedule[~schedule["status"].isin(NOT_OWED_STATUSES)]
    dates = pd.to_datetime(games["game_date"])
    known_all = games.assign(_d=dates).groupby(["season", "season_type"], observed=True)["_d"].agg(["size", "max"])
    with_id = games["game_id"].notna()
    known_nba = (
        games[with_id]
        .assign(_d=dates[with_id])
        .groupby(["season", "season_type"], observed=True)["_d"]
        .agg(["size", "max"])
    )
    undecided = games[games["season_type"].isna() & games["season"].notna()]
    may_be = _may_be_counts(undecided)
    if unexplained is None:
        unexplained = unexplained_files(spec, orphans)
    out: list[dict] = []
    day_before = (as_of - pd.Timedelta(days=1)).tz_localize(None).normalize()
    for ds in spec.datasets:
        if ds.per in ("season",):
            continue
        nba_only = ds.per == "game" and needs_nba_id(ds)
        known = known_nba if nba_only else known_all
        if not nba_only and len(undecided):
            out.extend(_type_unknown(ds, undecided))
        types = ds.season_types if ds.per in ("game", "date") else (None,)
        for season in ds.seasons:
            for stype in types:
                if stype is None:  # per team_season: the teams come from any game of the season
                    n = (
                        int(known["size"].xs(season, level="season").sum())
                        if season in known.index.get_level_values(0)
                        else 0
                    )
                    opens = type_opens(season, "regular")
                    if n == 0 and opens is not None and opens <= as_of:
                        out.append(
                            _record(
                                ds.name,
                                season,
                                None,
                                f"games unknown: the schedule has no game of {season}, so its teams are unknown",
                                0,
                            )
                        )
                    continue
                opens = type_opens(season, stype)
                if opens is None or opens > as_of:
                    continue
                if (season, stype) not in known.index:
                    lake_only = nba_only and (season, stype) in known_all.index
                    maybe = 0 if nba_only else may_be.get((season, stype), 0)
                    if lake_only:
                        reason = (
                            f"games unknown: no NBA ids offline ({int(known_all.loc[(season, stype), 'size'])} "
                            f"{stype} games of {season} are known only from the lake's scoreboard pages; "
                            "`nba-recon schedule update` gives their NBA ids)"
                        )
                    elif maybe:
                        reason = (
                            f"games unknown: no game of {season} is known to be {stype}; {maybe} listed on "
                            f"the lake's scoreboard pages may be (their type undecided: judged under "
                            f"season type undecided, or counted as type unknown)"
                        )
                    else:
                        reason = f"games unknown: the schedule has no {stype} game of {season}"
                    out.append(_record(ds.name, season, stype, reason, unexplained.get((ds.name, season, stype), 0)))
                    continue
                last = known.loc[(season, stype), "max"]
                if season_math.relative(season, as_of) == 0 and last < day_before:
                    days = int((day_before - last) / pd.Timedelta(days=1))
                    out.append(
                        _record(
                            ds.name,
                            season,
                            stype,
                            f"partial: the schedule's {stype} games of {season} stop on "
                            f"{last:%Y-%m-%d}; the {days} day(s) up to {day_before:%Y-%m-%d} "
                            f"cannot be expected",
                            days,
                        )
                    )
    out.extend(_ids_unknown(spec, coverage))
    out.sort(key=lambda r: (r["dataset"], r["season"], r["season_type"] or "", r["reason"]))
    return out


def _type_unknown(ds, undecided: pd.DataFrame) -> list[dict]:
    """The ``type unknown`` records of one dataset: per season, the undecided games it cannot
    judge, with what they may be."""
    g = undecided[undecided["season"].isin(ds.seasons) & ~judged_by(undecided, ds.season_types)]
    if g.empty:
        return []
    maybe = g[CANDIDATES] if CANDIDATES in g else pd.Series(pd.NA, index=g.index, dtype="string")
    maybe = maybe.astype("string").str.replace("|", " or ", regex=False).fillna("any type")
    out = []
    for season, rows in maybe.groupby(g["season"].to_numpy(), sort=True):
        kinds = "; ".join(f"{k}: {n}" for k, n in rows.value_counts().sort_index().items())
        out.append(
            _record(
                ds.name,
                season,
                None,
                f"type unknown: {len(rows)} games of {season} listed on the "
                "lake's scoreboard pages, whose season type neither the page nor the season's phases "
                f"tell, and not all it may be is among the dataset's season types ({kinds})",
                len(rows),
            )
        )
    return out


def _may_be_counts(undecided: pd.DataFrame) -> dict[tuple[str, str], int]:
    """(season, type) -> how many undecided games of the season may be of that type (among their
    candidates): counted once per distinct candidate label, not per game."""
    if CANDIDATES not in undecided or undecided.empty:
        return {}
    labels = undecided.dropna(subset=[CANDIDATES]).groupby(["season", CANDIDATES], observed=True).size()
    out: dict[tuple[str, str], int] = {}
    for (season, label), n in labels.items():
        for kind in str(label).split("|"):
            out[(season, kind)] = out.get((season, kind), 0) + int(n)
    return out


def _record(dataset, season, season_type, reason, count) -> dict:
    return {"dataset": dataset, "season": season, "season_type": season_type, "reason": reason, "count": int(count)}


def _ids_unknown(spec: Spec, coverage: pd.DataFrame) -> list[dict]:
    unmapped = coverage[coverage["status"] == "unmapped"]
    if unmapped.empty:
        return []
    totals = coverage.groupby(["dataset", "season", "season_type"], dropna=False).size()
    out = []
    for (name, season, stype), n in unmapped.groupby(["dataset", "season", "season_type"], dropna=False).size().items():
        ids = needed_ids(spec.dataset(name)) or "id"
        total = int(totals.get((name, season, stype), n))
        stype = None if pd.isna(stype) else stype
        out.append(
            _record(
                name,
                season,
                stype,
                f"ids unknown: no {ids} for {int(n)} of {total} games (their files cannot be named: unmapped)",
                n,
            )
        )
    return out


def unexplained_files(spec: Spec, orphans: pd.DataFrame | None) -> dict:
    """(dataset, season, season_type) -> orphan files whose key says the season (and type):
    an NBA game id says both; a date says the season only (counted under regular). Counts add up
    over any split of the orphans (the streamed coverage sums it per batch)."""
    if orphans is None or orphans.empty:
        return {}
    out: dict = {}
    rows = orphans[orphans["reason"] == "orphan"]
    for ds in spec.datasets:
        keys = rows.loc[rows["dataset"] == ds.name, "key"]
        if keys.empty:
            continue
        for t in ds.layouts:
            fields = t.parse(keys)
            if "game_id" in fields:
                gid = fields["game_id"].dropna()
                if len(gid):
                    pairs = pd.DataFrame({"s": seasons_of(gid), "t": season_types_of(gid)})
                    for (s, ty), n in pairs.value_counts().items():
                        out[(ds.name, s, ty)] = out.get((ds.name, s, ty), 0) + int(n)
            elif "date" in fields or "yyyymmdd" in fields:
                col, fmt = (fields["date"], "%Y-%m-%d") if "date" in fields else (fields["yyyymmdd"], "%Y%m%d")
                day = pd.to_datetime(col.dropna(), errors="coerce", format=fmt).dropna()
                if len(day):
                    for s, n in season_math.of_dates(day).value_counts().items():
                        out[(ds.name, s, "regular")] = out.get((ds.name, s, "regular"), 0) + int(n)
            keys = keys[~t.matches(keys)]
    return out


def unjudged_line(records: list[dict], limit: int = 4) -> str | None:
    """The console's one line (None when nothing is unjudged): how many of ``summary.json``'s
    ``unjudged`` records (one per dataset x season x season type) there are and how many items they
    hold, then the same records split by kind of reason; the parts add up to the total:
    ``229 dataset-season-types cannot be judged (1,234 items): games unknown 163 (seasons
    2002-03..2017-18, 1,000 items); ids unknown 66 (...) (summary.json: unjudged)``."""
    if not records:
        return None

    def items(r) -> int:
        c = r.get("count")
        return int(c) if isinstance(c, (int, float)) and c == c and c > 0 else 0

    by_reason: dict[str, list] = {}
    for r in records:
        by_reason.setdefault(str(r.get("reason") or "no reason").split(":", 1)[0], []).append(r)
    kinds = sorted(by_reason.items(), key=lambda kv: (-len(kv[1]), kv[0]))
    if len(kinds) > limit:  # the rest as one part: the parts still add up
        kinds = kinds[: limit - 1] + [("other reasons", [r for _, rs in kinds[limit - 1 :] for r in rs])]
    parts = []
    for kind, rows in kinds:
        seasons = sorted({str(r.get("season")) for r in rows if r.get("season")})
        span = (seasons[0] if len(seasons) == 1 else f"{seasons[0]}..{seasons[-1]}") if seasons else "all"
        parts.append(f"{kind} {len(rows):,} (seasons {span}, {sum(map(items, rows)):,} items)")
    return (
        f"{len(records):,} dataset-season-types cannot be judged ({sum(map(items, records)):,} items): "
        + "; ".join(parts)
        + " (summary.json: unjudged)"
    )
