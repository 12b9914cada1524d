"""``nba-recon schedule update | show | check``: the schedule snapshot beside the runs.

- ``update`` builds a snapshot from every source (see ``schedule.update`` and docs/schedule.md).
- ``show`` prints, per season x season type, the games known (by status) and how many of the
  games owed have each id column (ESPN, Basketball-Reference).
- ``check`` prints the same and exits 1 when something needed is missing: a requested season
  without regular-season games, or games owed before ``--as-of`` without an ESPN or
  Basketball-Reference id (games against clubs outside the NBA, preseason exhibitions, are not
  owed ids). ``update`` exits 1 when no source gave any game and there is no earlier snapshot
  (nothing is written then); it prints one line per source (fetched, from cache, failed, games). Bad input (no snapshot, a bad option) exits 2 with one line.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from .. import settings
from ..asof import as_of_arg, today_utc
from ..deadline import COMMAND_DEADLINES, seconds_arg
from ..errors import ParameterError, ScheduleError
from .fetch import Fetcher
from .phases import nba_clubs
from .snapshot import default_dir, latest_problem, latest_snapshot, load_snapshot
from .sources.espn import LakePages
from .update import counts, parse_seasons, season_of, update

DEFAULT_RUNS_DIR = "runs"
DEFAULT_DEADLINE = COMMAND_DEADLINES["schedule update"]  # seconds: the whole `schedule update`


def add_schedule_parser(subparsers, read_scoreboards: Callable[[str, Path], LakePages]) -> None:
    """``read_scoreboards(lake, runs_dir)``: the lake's scoreboard pages for ``update --lake``
    (the CLI passes ``storage.scoreboards.lake_scoreboards``: the schedule layer does not read
    the lake itself)."""
    sch = subparsers.add_parser("schedule", help="the schedule snapshot: update, show, check")
    ssub = sch.add_subparsers(dest="schedule_command", required=True, parser_class=type(sch))

    up = ssub.add_parser("update", help="fetch the sources and write a new schedule snapshot")
    _common(up)
    up.add_argument(
        "--lake",
        default=None,
        help="read ESPN scoreboards from the lake's espn_schedules/ and "
        "schedule/ (local folder or s3://bucket/prefix; read-only)",
    )
    up.add_argument(
        "--offline", action="store_true", help="fetch nothing: packaged history + lake + cache + last snapshot"
    )
    up.add_argument(
        "--league-schedule-cdn-url",
        default=None,
        help="the league's CDN schedule file (scheduleLeagueV2.json), URL or base "
        "(env NBA_RECON_LEAGUE_SCHEDULE_CDN_URL); asked first for the season in progress",
    )
    up.add_argument("--nba-stats-url", default=None, help="LeagueGameLog URL or base (env NBA_RECON_NBA_STATS_URL)")
    up.add_argument(
        "--league-schedule-url", default=None, help="scheduleLeagueV2 URL or base (env NBA_RECON_LEAGUE_SCHEDULE_URL)"
    )
    up.add_argument("--espn-url", default=None, help="ESPN scoreboard API URL or base (env NBA_RECON_ESPN_URL)")
    up.add_argument(
        "--min-interval",
        type=float,
        default=None,
        metavar="SECONDS",
        help="seconds between two requests to one host (default 1; env NBA_RECON_MIN_INTERVAL)",
    )
    up.add_argument(
        "--timeout",
        type=float,
        default=30.0,
        metavar="SECONDS",
        help="read timeout per request (stats.nba.com: at most 10)",
    )
    up.add_argument(
        "--deadline",
        type=seconds_arg,
        default=None,
        metavar="SECONDS",
        help=f"bound on the whole update (default {DEFAULT_DEADLINE:.0f}; env NBA_RECON_SCHEDULE_DEADLINE): "
        "past it nothing more is asked and what was had is used",
    )
    up.set_defaults(func=cmd_update, read_scoreboards=read_scoreboards, own_deadline=True)

    for name, helptext, func in (
        ("show", "print what the latest snapshot knows", cmd_show),
        ("check", "like show; exit 1 when something needed is missing", cmd_check),
    ):
        p = ssub.add_parser(name, help=helptext)
        _common(p)
        p.add_argument("--snapshot", default=None, help="a snapshot file (default: the latest)")
        p.set_defaults(func=func)


def _common(p) -> None:
    p.add_argument("--runs-dir", default=DEFAULT_RUNS_DIR, help="the runs folder; snapshots live in RUNS_DIR/schedule/")
    p.add_argument("--seasons", default=None, help="e.g. 2025-26 or 2021-22..2025-26 (default: the season of --as-of)")
    p.add_argument("--as-of", dest="as_of", default=None, type=as_of_arg, help="analysis date (default: today, UTC)")


def _as_of(args) -> str:
    return args.as_of or today_utc()


def cmd_update(args) -> int:
    """The whole update (lake pages, every source) within ``--deadline``."""
    as_of = _as_of(args)
    seasons = parse_seasons(args.seasons) if args.seasons else None
    interval = args.min_interval if args.min_interval is not None else settings.get("NBA_RECON_MIN_INTERVAL")
    if interval < 0 or args.timeout <= 0:
        raise ParameterError("--min-interval must be >= 0 and --timeout > 0")
    limit = _deadline(args.deadline)
    fetcher = Fetcher(
        cache_dir=default_dir(args.runs_dir) / "cache",
        offline=args.offline,
        timeout=(min(5.0, args.timeout), args.timeout),
        min_interval=interval,
        deadline=limit,
        max_request_seconds=min(120.0, limit),
    )
    fetched_at = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
    from ..deadline import deadline

    # the fetcher stops asking at the deadline; the hard stop a little later covers the rest
    with deadline(limit + 30.0, "schedule update"):
        scoreboards = args.read_scoreboards(args.lake, Path(args.runs_dir)) if args.lake else None
        try:
            result = update(
                args.runs_dir,
                as_of=as_of,
                seasons=seasons,
                scoreboards=scoreboards,
                offline=args.offline,
                fetched_at=fetched_at,
                fetcher=fetcher,
                urls={
                    "nba_stats": args.nba_stats_url,
                    "league_schedule": args.league_schedule_url,
                    "league_schedule_cdn": args.league_schedule_cdn_url,
                    "espn": args.espn_url,
                },
            )
        finally:
            fetcher.close()
    for w in result.warnings:
        print(f"warning: {w}", file=sys.stderr)
    for line in result.summary:
        print(line)
    m = result.meta
    if result.path is None:
        print(
            f"no schedule snapshot written: no source gave any game and {default_dir(args.runs_dir)} has no "
            "earlier snapshot (the packaged history alone is not one); runs keep warning until an update "
            "succeeds",
            file=sys.stderr,
        )
        return 1
    note = "" if result.new else "; no source gave anything new: the earlier snapshot's games are kept"
    print(
        f"schedule snapshot {m['snapshot_id']}: {m['games']} games "
        f"(sources: {', '.join(m['sources'])}; {m['http']['requests']} requests, "
        f"{m['http']['cache_hits']} cached){note}; wrote {result.path}"
    )
    _print_counts(m["counts"], seasons)
    return 0


def _deadline(given: float | None) -> float:
    """--deadline, else NBA_RECON_SCHEDULE_DEADLINE, else DEFAULT_DEADLINE (seconds, > 0)."""
    raw = given if given is not None else (settings.get("NBA_RECON_SCHEDULE_DEADLINE") or DEFAULT_DEADLINE)
    try:
        value = float(raw)
    except (TypeError, ValueError):
        raise ParameterError(f"NBA_RECON_SCHEDULE_DEADLINE: expected seconds, got {raw!r}") from None
    if not value > 0 or value == float("inf"):
        raise ParameterError(f"--deadline: expected a number of seconds > 0, got {raw!r}")
    return value


def _load(args):
    path = Path(args.snapshot) if args.snapshot else latest_snapshot(default_dir(args.runs_dir))
    problem = None if path is not None else latest_problem(default_dir(args.runs_dir))
    if problem:
        raise ScheduleError(problem)
    if path is None:
        raise ScheduleError(
            f"no schedule snapshot in {default_dir(args.runs_dir)} "
            f"(run: nba-recon schedule update --runs-dir {args.runs_dir})"
        )
    return load_snapshot(path)


def _table(frame: pd.DataFrame, seasons: list[str] | None) -> list[dict]:
    rows = counts(frame)
    return [r for r in rows if seasons is None or r["season"] in seasons]


def _print_counts(rows: list[dict], seasons: list[str] | None) -> None:
    rows = [r for r in rows if seasons is None or r["season"] in seasons]
    print(
        f"{'season':8} {'type':10} {'games':>6} {'final':>6} {'sched':>6} {'ppd':>4} {'cncl':>4}  "
        f"{'espn ids':>14} {'bbref ids':>14}"
    )

    def share(n, owed):
        return f"{n}/{owed}" + (" ok" if n == owed else "")

    for r in rows:
        print(
            f"{r['season']:8} {r['season_type']:10} {r['games']:>6} {r['final']:>6} {r['scheduled']:>6} "
            f"{r['postponed']:>4} {r['cancelled']:>4}  {share(r['espn_ids'], r['owed']):>14} {share(r['bbref_ids'], r['owed']):>14}"
        )


def cmd_show(args) -> int:
    frame, meta = _load(args)
    seasons = parse_seasons(args.seasons) if args.seasons else None
    print(
        f"schedule snapshot {meta.get('snapshot_id')}: {len(frame)} games; fetched at {meta.get('fetched_at')}, "
        f"as of {meta.get('as_of')}; sources: {', '.join(meta.get('sources', {})) or 'unknown'}"
    )
    _print_counts(_table(frame, seasons), None)
    return 0


def cmd_check(args) -> int:
    frame, meta = _load(args)
    as_of = _as_of(args)
    seasons = parse_seasons(args.seasons) if args.seasons else [season_of(dt.date.fromisoformat(as_of))]
    cmd_show(args)
    problems = []
    before = frame["game_date"] < pd.Timestamp(as_of)
    clubs = nba_clubs()  # exhibitions against clubs outside the NBA have no such ids: not owed
    nba = frame["home_team"].isin(clubs) & frame["away_team"].isin(clubs)
    owed = ~frame["status"].isin(["cancelled", "postponed"]) & before & nba
    for season in seasons:
        s = frame["season"] == season
        if not ((frame["season_type"] == "regular") & s).any():
            problems.append(f"{season}: no regular-season games")
        for col, name in (("espn_game_id", "ESPN"), ("bbref_game_id", "Basketball-Reference")):
            lacking = s & owed & frame[col].isna()
            if lacking.any():
                by_type = frame.loc[lacking].groupby("season_type").size()
                problems.append(
                    f"{season}: {int(lacking.sum())} games before {as_of} without an {name} id ("
                    + ", ".join(f"{t} {n}" for t, n in by_type.items())
                    + ")"
                )
    for p in problems:
        print(f"missing: {p}")
    if not problems:
        print(f"ok: every season asked for ({', '.join(seasons)}) has its games and ids up to {as_of}")
    return 1 if problems else 0
