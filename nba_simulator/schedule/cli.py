"""``nba-recon schedule update | show | check``: the schedule snapshot beside the runs.

- ``update`` builds a snapshot from every source (see ``schedule.update`` and docs/schedule.md).
- ``show`` prints, per season x season type, the games known (by status) and how many of the
  games owed have each id column (ESPN, Basketball-Reference).
- ``check`` prints the same and exits 1 when something needed is missing: a requested season
  without regular-season games, or games owed before ``--as-of`` without an ESPN or
  Basketball-Reference id. Bad input (no snapshot, a bad option) exits 2 with one line.
"""
from __future__ import annotations

import datetime as dt
import os
import sys
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from ..asof import as_of_arg, today_utc
from ..errors import ParameterError, ScheduleError
from .fetch import Fetcher
from .snapshot import default_dir, latest_snapshot, load_snapshot
from .sources.espn import LakePages
from .update import counts, parse_seasons, season_of, update

DEFAULT_RUNS_DIR = "runs"


def add_schedule_parser(subparsers, read_scoreboards: Callable[[str, Path], LakePages]) -> None:
    """``read_scoreboards(lake, runs_dir)``: the lake's scoreboard pages for ``update --lake``
    (the CLI passes ``storage.scoreboards.lake_scoreboards``: the schedule layer does not read
    the lake itself)."""
    sch = subparsers.add_parser("schedule", help="the schedule snapshot: update, show, check")
    ssub = sch.add_subparsers(dest="schedule_command", required=True, parser_class=type(sch))

    up = ssub.add_parser("update", help="fetch the sources and write a new schedule snapshot")
    _common(up)
    up.add_argument("--lake", default=None, help="read ESPN scoreboards from the lake's espn_schedules/ and "
                    "schedule/ (local folder or s3://bucket/prefix; read-only)")
    up.add_argument("--offline", action="store_true",
                    help="fetch nothing: packaged history + lake + cache + last snapshot")
    up.add_argument("--nba-stats-url", default=None, help="LeagueGameLog URL or base (env NBA_RECON_NBA_STATS_URL)")
    up.add_argument("--league-schedule-url", default=None,
                    help="scheduleLeagueV2 URL or base (env NBA_RECON_LEAGUE_SCHEDULE_URL)")
    up.add_argument("--espn-url", default=None, help="ESPN scoreboard API URL or base (env NBA_RECON_ESPN_URL)")
    up.add_argument("--min-interval", type=float, default=None, metavar="SECONDS",
                    help="seconds between two requests to one host (default 1; env NBA_RECON_MIN_INTERVAL)")
    up.add_argument("--timeout", type=float, default=30.0, metavar="SECONDS", help="read timeout per request")
    up.set_defaults(func=cmd_update, read_scoreboards=read_scoreboards)

    for name, helptext, func in (("show", "print what the latest snapshot knows", cmd_show),
                                 ("check", "like show; exit 1 when something needed is missing", cmd_check)):
        p = ssub.add_parser(name, help=helptext)
        _common(p)
        p.add_argument("--snapshot", default=None, help="a snapshot file (default: the latest)")
        p.set_defaults(func=func)


def _common(p) -> None:
    p.add_argument("--runs-dir", default=DEFAULT_RUNS_DIR, help="the runs folder; snapshots live in RUNS_DIR/schedule/")
    p.add_argument("--seasons", default=None, help="e.g. 2025-26 or 2021-22..2025-26 (default: the season of --as-of)")
    p.add_argument("--as-of", dest="as_of", default=None, type=as_of_arg,
                   help="analysis date (default: today, UTC)")


def _as_of(args) -> str:
    return args.as_of or today_utc()


def cmd_update(args) -> int:
    as_of = _as_of(args)
    seasons = parse_seasons(args.seasons) if args.seasons else None
    interval = args.min_interval if args.min_interval is not None else float(os.environ.get("NBA_RECON_MIN_INTERVAL", "1"))
    if interval < 0 or args.timeout <= 0:
        raise ParameterError("--min-interval must be >= 0 and --timeout > 0")
    fetcher = Fetcher(cache_dir=default_dir(args.runs_dir) / "cache", offline=args.offline,
                      timeout=(min(5.0, args.timeout), args.timeout), min_interval=interval)
    fetched_at = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
    scoreboards = args.read_scoreboards(args.lake, Path(args.runs_dir)) if args.lake else None
    try:
        result = update(args.runs_dir, as_of=as_of, seasons=seasons, scoreboards=scoreboards,
                        offline=args.offline,
                        fetched_at=fetched_at, fetcher=fetcher,
                        urls={"nba_stats": args.nba_stats_url, "league_schedule": args.league_schedule_url,
                              "espn": args.espn_url})
    finally:
        fetcher.close()
    for w in result.warnings:
        print(f"warning: {w}", file=sys.stderr)
    m = result.meta
    print(f"schedule snapshot {m['snapshot_id']}: {m['games']} games "
          f"(sources: {', '.join(m['sources'])}; {m['http']['requests']} requests, "
          f"{m['http']['cache_hits']} cached); wrote {result.path}")
    _print_counts(m["counts"], seasons)
    return 0


def _load(args):
    path = Path(args.snapshot) if args.snapshot else latest_snapshot(default_dir(args.runs_dir))
    if path is None:
        raise ScheduleError(f"no schedule snapshot in {default_dir(args.runs_dir)} "
                            f"(run: nba-recon schedule update --runs-dir {args.runs_dir})")
    return load_snapshot(path)


def _table(frame: pd.DataFrame, seasons: list[str] | None) -> list[dict]:
    rows = counts(frame)
    return [r for r in rows if seasons is None or r["season"] in seasons]


def _print_counts(rows: list[dict], seasons: list[str] | None) -> None:
    rows = [r for r in rows if seasons is None or r["season"] in seasons]
    print(f"{'season':8} {'type':10} {'games':>6} {'final':>6} {'sched':>6} {'ppd':>4} {'cncl':>4}  "
          f"{'espn ids':>14} {'bbref ids':>14}")
    def share(n, owed):
        return f"{n}/{owed}" + (" ok" if n == owed else "")

    for r in rows:
        print(f"{r['season']:8} {r['season_type']:10} {r['games']:>6} {r['final']:>6} {r['scheduled']:>6} "
              f"{r['postponed']:>4} {r['cancelled']:>4}  {share(r['espn_ids'], r['owed']):>14} {share(r['bbref_ids'], r['owed']):>14}")


def cmd_show(args) -> int:
    frame, meta = _load(args)
    seasons = parse_seasons(args.seasons) if args.seasons else None
    print(f"schedule snapshot {meta.get('snapshot_id')}: {len(frame)} games; fetched at {meta.get('fetched_at')}, "
          f"as of {meta.get('as_of')}; sources: {', '.join(meta.get('sources', {})) or 'unknown'}")
    _print_counts(_table(frame, seasons), None)
    return 0


def cmd_check(args) -> int:
    frame, meta = _load(args)
    as_of = _as_of(args)
    seasons = parse_seasons(args.seasons) if args.seasons else [season_of(dt.date.fromisoformat(as_of))]
    cmd_show(args)
    problems = []
    before = frame["game_date"] < pd.Timestamp(as_of)
    owed = ~frame["status"].isin(["cancelled", "postponed"]) & before
    for season in seasons:
        s = frame["season"] == season
        if not ((frame["season_type"] == "regular") & s).any():
            problems.append(f"{season}: no regular-season games")
        for col, name in (("espn_game_id", "ESPN"), ("bbref_game_id", "Basketball-Reference")):
            lacking = s & owed & frame[col].isna()
            if lacking.any():
                by_type = frame.loc[lacking].groupby("season_type").size()
                problems.append(f"{season}: {int(lacking.sum())} games before {as_of} without an {name} id ("
                                + ", ".join(f"{t} {n}" for t, n in by_type.items()) + ")")
    for p in problems:
        print(f"missing: {p}")
    if not problems:
        print(f"ok: every season asked for ({', '.join(seasons)}) has its games and ids up to {as_of}")
    return 1 if problems else 0
