"""``schedule update``: build a schedule snapshot from every source (see docs/schedule.md).

1. the packaged history and the previous snapshot (if any);
2. NBA Stats game logs (regular season, play-in, playoffs and, from 2023-24, the NBA Cup final:
   ``SeasonType=IST``) for each completed season asked for;
3. the league's published schedule (scheduleLeagueV2) for each season in progress at ``as_of``,
   including the games not yet played, postponed and cancelled ones: first the static file on the
   league's CDN (it answers cloud hosts), then NBA Stats' ``scheduleleaguev2`` (``stats.nba.com``,
   with a short timeout: it leaves cloud hosts hanging) when the CDN file lacks the season;
4. merged (``merge.merge_sources``), then ESPN ids from the lake's own scoreboard pages
   (``espn_schedules/YYYYMMDD.json`` and the older ``schedule/YYYYMMDD.json``, read by the caller
   with ``storage.scoreboards.lake_scoreboards``, the reader ``schedule: auto`` uses too), then
   from ESPN's scoreboard API for the game dates before ``as_of`` that the lake has no page for
   and that still have a game without an ESPN id;
5. written as a snapshot (``snapshot.write_snapshot``: atomic, content-addressed).

Offline (``offline=True``) nothing is fetched: cached responses, the packaged history, the lake
and the last snapshot are used, and the warnings say which seasons could not be refreshed.
When no source gave anything and there is no earlier snapshot, nothing is written: a snapshot of
the packaged history alone would silence every later run's "no schedule snapshot" warning.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..errors import ParameterError
from ..seasons import label
from . import ids
from .crosswalk import attach_espn_ids
from .fetch import Fetcher, FetchError, render, url_template
from .load import canonical, load_schedule
from .merge import merge_sources
from .snapshot import default_dir, latest_snapshot, load_snapshot, read_meta, write_snapshot
from .sources import espn, league_schedule, nbastats
from .sources.common import capped
from .sources.espn import LakePages
from .tally import Tally

log = logging.getLogger(__name__)

DATE_KEY = re.compile(r"(?:^|/)(\d{8})\.json$")
GAMELOG_TYPES = ("Regular Season", "PlayIn", "Playoffs")
#: LeagueGameLog's season type of the NBA Cup final (nba.com's own stats pages pass SeasonType=IST)
CUP_SEASON_TYPE = "IST"
CUP_FIRST_SEASON = 2023
STATS_KINDS = ("nba_stats", "league_schedule")  # the sources on stats.nba.com
STATS_TIMEOUT = (3.0, 10.0)


@dataclass
class UpdateResult:
    path: Path | None  # None: nothing written (no source gave anything, no earlier snapshot)
    meta: dict
    frame: pd.DataFrame
    warnings: list[str] = field(default_factory=list)
    summary: list[str] = field(default_factory=list)  # one line per source
    new: bool = True  # a source gave games this time


def parse_seasons(text: str) -> list[str]:
    """'2023-24', '2021-22..2023-24', '2022-23,2024-25' -> season labels; ParameterError otherwise."""
    out: list[str] = []
    for part in (p.strip() for p in text.split(",") if p.strip()):
        ends = [e.strip() for e in part.split("..")]
        if len(ends) > 2 or not all(
            re.fullmatch(r"\d{4}-\d{2}", e) and (int(e[:4]) + 1) % 100 == int(e[5:]) for e in ends
        ):
            raise ParameterError(f"--seasons: bad season range {part!r} (expected e.g. 2023-24 or 2021-22..2023-24)")
        lo, hi = int(ends[0][:4]), int(ends[-1][:4])
        if hi < lo:
            raise ParameterError(f"--seasons: range {part!r} ends before it starts")
        out.extend(label(y) for y in range(lo, hi + 1))
    if not out:
        raise ParameterError("--seasons: no season given")
    return list(dict.fromkeys(out))


def season_of(day: dt.date) -> str:
    return label(day.year - (day.month < 8))


def completed(season: str, as_of: dt.date) -> bool:
    """A season is complete from October 1 of its end year (after the latest finals, 2020's bubble)."""
    return as_of >= dt.date(int(season[:4]) + 1, 10, 1)


def _canon(frame: pd.DataFrame, name: str, origin: str, warnings: list[str]) -> pd.DataFrame:
    """A parsed source as a canonical frame. Rows a source got wrong (a malformed game id or date,
    a missing team) are dropped with a warning naming the origin: one bad game never fails the
    update."""
    raw = frame.reindex(columns=["game_id", "game_date", "home_team", "away_team", "status"]).astype("string")
    gid = raw["game_id"].str.strip().str.replace(r"\.0*$", "", regex=True).str.zfill(10)
    ok = gid.str.fullmatch(ids.GAME_ID.pattern).fillna(False).astype(bool)
    dated = raw["game_date"].isna() | raw["game_date"].str.fullmatch(r"\d{4}-\d{2}-\d{2}").fillna(False).astype(bool)
    if dated.any():
        parsed = pd.to_datetime(raw["game_date"].where(dated), format="%Y-%m-%d", errors="coerce")
        dated &= raw["game_date"].isna() | parsed.notna()
    dated &= ~(raw["game_date"].isna() & (raw["status"] == "final")).fillna(False).astype(bool)
    teams_ok = raw["home_team"].notna() & raw["away_team"].notna()
    good = ok & dated & teams_ok
    if not good.all():
        bad = raw.loc[~good.to_numpy()]
        first = bad.iloc[0]
        warnings.append(
            f"{origin}: {len(bad)} games with a malformed id, date or team skipped (first: "
            f"{first['game_id']!r} {first['game_date']!r} {first['home_team']!r}-{first['away_team']!r})"
        )
    raw = raw.loc[good.to_numpy()].assign(game_id=gid[good], season=pd.NA, season_type=pd.NA)
    raw.index = pd.RangeIndex(1, len(raw) + 1, name="game")
    return canonical(raw, source=origin, provenance=name)


def update(
    runs_dir: str | Path,
    *,
    as_of: str,
    seasons: list[str] | None = None,
    scoreboards: LakePages | None = None,
    offline: bool = False,
    fetched_at: str | None = None,
    fetcher: Fetcher | None = None,
    urls: dict[str, str | None] | None = None,
) -> UpdateResult:
    """Build and write a snapshot; see the module doc. ``scoreboards``: the lake's scoreboard
    pages, read by the caller (``storage.scoreboards.lake_scoreboards``); ``None``: no lake.
    ``fetched_at`` (an ISO time, read by the CLI) is recorded in the metadata only, never in the
    snapshot's content. Nothing is written (``path`` None) when no source gave anything and
    there is no earlier snapshot: the packaged history alone is no snapshot."""
    as_of_day = dt.date.fromisoformat(as_of)
    seasons = seasons or [season_of(as_of_day)]
    urls = urls or {}
    directory = default_dir(runs_dir)
    fetcher = fetcher or Fetcher(cache_dir=directory / "cache", offline=offline)
    warnings: list[str] = []
    used: dict[str, list[str]] = {}
    tally = Tally()

    sources: list[tuple[str, pd.DataFrame]] = [("packaged", load_schedule("builtin"))]
    used["packaged"] = ["builtin"]
    previous = latest_snapshot(directory)
    if previous is not None:
        prev_frame, prev_meta = load_snapshot(previous)
        sources.append(("snapshot", prev_frame))
        used["snapshot"] = [prev_meta.get("snapshot_id", previous.name)]

    def get(kind: str, fresh: bool, **values: str) -> tuple[bytes | None, str]:
        url = render(url_template(kind, urls.get(kind)), **values)
        try:
            body = fetcher.fetch(url, fresh=fresh, timeout=short_timeout(fetcher) if kind in STATS_KINDS else None)
        except FetchError as exc:
            tally.failed(kind, str(exc))
            return None, url
        tally.answered(kind, fetcher.last, url)
        return body, url

    def add(kind: str, fresh: bool, parse, name: str, keep=None, **values: str) -> int:
        """One source fetched and parsed into ``sources``: the number of games it gave."""
        body, url = get(kind, fresh, **values)
        if body is None:
            return 0
        parsed = parse(body, url)
        warnings.extend(parsed.warnings)
        frame = parsed.frame if keep is None else keep(parsed.frame)
        if frame.empty:
            return 0
        sources.append((name, _canon(frame, name, url, warnings)))
        used.setdefault(name, []).append(url)
        tally.games(kind, len(frame))
        return len(frame)

    for season in seasons:
        if completed(season, as_of_day):  # the game logs of a finished season (the Cup final too)
            for stype in gamelog_types(season):
                add(
                    "nba_stats",
                    True,
                    nbastats.parse_league_game_log,
                    "nbastats_gamelog",
                    season=season,
                    season_type=stype,
                )
        else:  # the season in progress: the league's CDN file first, NBA Stats when it lacks it
            of_season = _of_season(season)
            if not add(
                "league_schedule_cdn",
                False,
                league_schedule.parse_schedule_league_v2,
                "league_schedule",
                keep=of_season,
            ):
                add(
                    "league_schedule",
                    False,
                    league_schedule.parse_schedule_league_v2,
                    "league_schedule",
                    keep=of_season,
                    season=season,
                )

    merged, merge_warnings = merge_sources(sources)
    warnings.extend(merge_warnings)

    lake_dates: set[str] = set()
    if scoreboards is not None:
        # a date counts as covered by the lake when its page was read and parsed (with or
        # without games); an unreadable or malformed page leaves the date to the ESPN API
        lake_dates = {m.group(1) for m in map(DATE_KEY.search, scoreboards.pages) if m}
        warnings.extend(scoreboards.warnings)
        merged, w = attach_espn_ids(merged, scoreboards.games, "espn_lake")
        warnings.extend(w)
        used["espn_lake"] = [f"{scoreboards.lake} ({len(lake_dates)} scoreboard dates)"]

    # ESPN API: only dates before as_of of the requested seasons that the lake lacks and where a
    # game still has no ESPN id
    in_seasons = merged["season"].isin(seasons) & merged["game_date"].notna()
    before = merged["game_date"] < pd.Timestamp(as_of_day)
    needs = in_seasons & before & merged["espn_game_id"].isna() & ~merged["status"].isin(["cancelled"])
    dates = sorted(set(merged.loc[needs, "game_date"].dt.strftime("%Y%m%d")) - lake_dates)
    api_frames, api_warnings = [], []
    for day in dates:
        fresh = (as_of_day - dt.datetime.strptime(day, "%Y%m%d").date()).days > 2
        body, url = get("espn", fresh, date=day)
        if body is None:
            continue
        parsed = espn.parse_scoreboard_api(body, url)
        api_warnings.extend(parsed.warnings)
        api_frames.append(parsed.frame)
        tally.games("espn", len(parsed.frame))
    warnings.extend(capped(api_warnings, "ESPN scoreboard API"))
    if api_frames:
        merged, w = attach_espn_ids(merged, pd.concat(api_frames, ignore_index=True), "espn_api")
        warnings.extend(w)
        used["espn_api"] = [f"{len(api_frames)} dates"]
    warnings.extend(tally.problems(fetcher))

    meta = {
        "fetched_at": fetched_at,
        "as_of": as_of,
        "seasons": seasons,
        "offline": offline,
        "sources": used,
        "counts": counts(merged),
        "warnings": warnings,
        "http": dict(fetcher.stats),
    }
    new = tally.gave_games()
    if not new and previous is None:  # the packaged history (and lake ids) alone: no snapshot
        return UpdateResult(path=None, meta=meta, frame=merged, warnings=warnings, summary=tally.lines(), new=False)
    path = write_snapshot(merged, directory, meta)
    meta = {**read_meta(path), "http": dict(fetcher.stats)}  # this run's requests, not a kept snapshot's
    return UpdateResult(path=path, meta=meta, frame=merged, warnings=warnings, summary=tally.lines(), new=bool(new))


def gamelog_types(season: str) -> tuple[str, ...]:
    """The LeagueGameLog season types of a finished season: the Cup final (its own type, game
    ids 006...) from 2023-24 on."""
    return GAMELOG_TYPES + ((CUP_SEASON_TYPE,) if int(season[:4]) >= CUP_FIRST_SEASON else ())


def short_timeout(fetcher: Fetcher) -> tuple[float, float]:
    """(connect, read) for stats.nba.com, which leaves cloud hosts hanging: short."""
    connect, read = fetcher.timeout
    return min(connect, STATS_TIMEOUT[0]), min(read, STATS_TIMEOUT[1])


def _of_season(season: str):
    """Only the games of ``season`` (the CDN file holds the season in progress, whichever it is)."""

    def keep(frame: pd.DataFrame) -> pd.DataFrame:
        if frame.empty:
            return frame
        gid = frame["game_id"].astype("string").str.strip().str.zfill(10)
        ok = gid.str.fullmatch(ids.GAME_ID.pattern).fillna(False).astype(bool)
        mine = pd.Series(False, index=frame.index)
        mine[ok] = (ids.seasons_of(gid[ok]) == season).to_numpy()
        return frame.loc[mine.to_numpy()]

    return keep


def counts(frame: pd.DataFrame) -> list[dict]:
    """Per season x season type: games by status and how complete each id column is."""
    if frame.empty:
        return []
    f = frame.assign(
        has_espn=frame["espn_game_id"].notna(),
        has_bbref=frame["bbref_game_id"].notna(),
        owed=~frame["status"].isin(["cancelled", "postponed"]),
    )
    rows = []
    for (season, stype), g in f.groupby(["season", "season_type"], sort=True):
        owed = g.loc[g["owed"]]
        rows.append(
            {
                "season": season,
                "season_type": stype,
                "games": int(len(g)),
                "final": int((g["status"] == "final").sum()),
                "scheduled": int((g["status"] == "scheduled").sum()),
                "postponed": int((g["status"] == "postponed").sum()),
                "cancelled": int((g["status"] == "cancelled").sum()),
                "espn_ids": int(owed["has_espn"].sum()),
                "bbref_ids": int(owed["has_bbref"].sum()),
                "owed": int(len(owed)),
            }
        )
    return rows
