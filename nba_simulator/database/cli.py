"""``nba-recon db ...`` and ``nba-recon history ...`` (``nba_simulator/cli.py`` calls
:func:`add_db_parser`).

The history database is ``--url``, else ``$NBA_RECON_HISTORY_URL``, else the spec's
``database.history.url`` (with ``--spec``), else ``sqlite:///<runs-dir>/history.db``. The user's
database (``db coverage``) is ``--url``, else the spec's ``database.url``, else
``$NBA_RECON_DATABASE_URL`` (formerly ``$NBA_RECON_DB_URL``, still read). Passwords: ``NBA_RECON_DB_PASSWORD``, ``PGPASSWORD`` or ``~/.pgpass``;
every URL printed is redacted.
"""
from __future__ import annotations

import functools
import json
import sys

from ..asof import as_of_arg, today_utc
from ..compat import add_option_once
from ..deadline import add_deadline_option
from ..errors import BadInput, ReconError
from ..masking import mask_text


def add_db_parser(subparsers) -> None:
    db = subparsers.add_parser("db", help="the history database schema, and database coverage")
    dsub = db.add_subparsers(dest="db_command", required=True, parser_class=type(db))

    up = dsub.add_parser("upgrade", help="create or upgrade the history tables (Alembic migrations)")
    _history_args(up)
    up.add_argument("--revision", default="head", help="target revision (default: head)")
    up.set_defaults(func=cmd_upgrade)

    cur = dsub.add_parser("current", help="print the history schema's revision")
    _history_args(cur)
    cur.set_defaults(func=cmd_current)

    cov = dsub.add_parser("coverage", help="expected games absent, empty or without raw file in the "
                          "user's tables (the spec's database section)")
    cov.add_argument("--spec", required=True, help="lake spec YAML with a database: section")
    cov.add_argument("--url", default=None, help="the user's database (default: the spec's url, "
                     "else $NBA_RECON_DATABASE_URL)")
    cov.add_argument("--schedule", default=None, help="builtin | db | PATH (default: the spec's)")
    cov.add_argument("--as-of", dest="as_of", default=None, type=as_of_arg, help="analysis date (default: today, UTC)")
    cov.add_argument("--lake-coverage", default=None, metavar="PARQUET",
                     help="the lake's coverage.parquet, to compare lake and database")
    cov.add_argument("--out", default=None, help="folder for db_coverage.parquet and db_problems.parquet")
    cov.add_argument("--problems", type=int, default=20, metavar="N",
                     help="print the first N problem games (default 20)")
    add_deadline_option(cov, "db")
    cov.set_defaults(func=cmd_coverage)

    hist = subparsers.add_parser("history", help="record runs; runs, changes and tasks over time")
    hsub = hist.add_subparsers(dest="history_command", required=True, parser_class=type(hist))

    rec = hsub.add_parser("record", help="record a run folder (runs/<run_id> or a reconcile --out)")
    rec.add_argument("run_dir", help="the run folder")
    rec.add_argument("--run-id", default=None, help="run id (default: run.json's, else the folder name)")
    rec.add_argument("--replace", action="store_true",
                     help="record again a run id already in the history (its rows are replaced)")
    rec.add_argument("--cloudwatch", default=None, metavar="NAMESPACE",
                     help="also publish the headline metrics to CloudWatch (default: the spec's "
                     "database.history.cloudwatch, else off)")
    _history_args(rec)
    rec.set_defaults(func=cmd_record)

    show = hsub.add_parser("runs", help="recorded runs with their headline numbers")
    show.add_argument("--last", type=int, default=20, help="show the last N runs (default 20)")
    _lake_arg(show)
    _history_args(show)
    show.set_defaults(func=cmd_runs)

    ch = hsub.add_parser("changes", help="problems new and fixed since the run before")
    ch.add_argument("--run", default=None, help="run id (default: the latest)")
    ch.add_argument("--items", action="store_true", help="one line per item, not per dataset x season")
    _lake_arg(ch, "the latest run of this lake (default: the latest run)")
    _history_args(ch)
    ch.set_defaults(func=cmd_changes)

    tk = hsub.add_parser("tasks", help="collection tasks and their lifecycle")
    tk.add_argument("--status", default="open", choices=["open", "resolved", "superseded", "all"],
                    help="which tasks (default: open, what the scrapers should do now)")
    tk.add_argument("--json", action="store_true", help="print JSON (for scrapers)")
    _lake_arg(tk, "only the tasks of this lake (those last issued by a run of it)")
    _history_args(tk)
    tk.set_defaults(func=cmd_tasks)


def _lake_arg(p, what: str = "only the runs of this lake") -> None:
    p.add_argument("--lake", default=None, metavar="LAKE",
                   help=f"{what}: the lake as given to the run (a folder or s3://bucket/prefix)")


def _history_args(p) -> None:
    add_deadline_option(p, "history" if p.prog.split()[-2:-1] == ["history"] else "db")
    p.add_argument("--url", default=None, help="history database URL (default: $NBA_RECON_HISTORY_URL, "
                   "else the spec's database.history.url, else sqlite:///<runs-dir>/history.db)")
    p.add_argument("--schema", default=None, help="PostgreSQL schema of the history tables")
    p.add_argument("--runs-dir", default="runs", help="runs folder of the default SQLite history")
    add_option_once(p, "--spec", default=None, help="a spec whose database.history section to use")


def _history(args, read_only: bool = False, missing_ok: bool = False):
    """(engine, schema, history config or None). ``read_only`` (runs, changes, tasks, current): a
    SQLite history file that does not exist is read as an empty history and nothing is created; its
    folder missing too is refused in one line (``missing_ok``: read as empty as well)."""
    from .history import open_history
    from .history.locate import history_url, sqlite_file

    spec = None
    if getattr(args, "spec", None):
        from ..spec import load_spec

        spec = load_spec(args.spec)
    from .history_schema import check_schema

    check_schema(args.schema)
    url = history_url(args.url, spec=spec, runs_dir=args.runs_dir)
    path = sqlite_file(url)
    args.history_file = path
    if read_only and path is not None and not path.is_file():
        folder = path.parent
        if path.exists() or (not folder.is_dir() and not (missing_ok and not folder.exists())):
            what = (f"{path} is not a file" if path.exists() else
                    f"its folder {folder} is not a folder" if folder.exists() else f"its folder {folder} does not exist")
            raise BadInput(f"no run history at {path}: {what} (nothing was created); give the --runs-dir "
                           "or --url of an existing history")
        url = "sqlite://"     # no history recorded yet: read an empty one, create no file
    engine, schema, _ = open_history(url, spec=spec, runs_dir=args.runs_dir)
    hcfg = spec.database.history if spec is not None and spec.database is not None else None
    return engine, args.schema or schema, hcfg


def _one_line(command):
    """A history command whose database fails (locked past the busy timeout, read-only, damaged)
    says so in one line naming the file and what to do, never a multi-line SQL error."""
    @functools.wraps(command)
    def run(args) -> int:
        import sqlite3

        import sqlalchemy as sa

        try:
            return command(args)
        except (sa.exc.DBAPIError, sqlite3.Error) as exc:
            from ..deadline import seconds
            from ..sqlite_files import store_error

            path = getattr(args, "history_file", None)
            if path is not None:
                raise store_error(exc, path, "history database",
                                  seconds("NBA_RECON_DB_CONNECT_TIMEOUT")) from None
            detail = str(getattr(exc, "orig", None) or exc).strip().splitlines() or [type(exc).__name__]
            raise ReconError(f"history database: {mask_text(detail[0])}") from None
    return run


def _print_frame(df, empty: str = "(none)") -> None:
    import pandas as pd

    if df.empty:
        print(empty)
        return
    with pd.option_context("display.width", 200, "display.max_columns", 30, "display.max_colwidth", 60):
        print(df.to_string(index=False, na_rep="–"))


@_one_line
def cmd_upgrade(args) -> int:
    from . import migrate
    from .engine import redact

    engine, schema, _ = _history(args)
    try:
        before = migrate.current(engine, schema)
        after = migrate.upgrade(engine, args.revision, schema)
    finally:
        engine.dispose()
    where = redact(engine.url) + (f" (schema {schema})" if schema else "")
    print(f"history database {where}: revision {before or '(none)'} -> {after}")
    return 0


@_one_line
def cmd_current(args) -> int:
    from . import migrate
    from .engine import redact

    engine, schema, _ = _history(args, read_only=True, missing_ok=True)   # says "no such file yet"
    try:
        rev = migrate.current(engine, schema)
    finally:
        engine.dispose()
    head = migrate.head()
    if args.history_file is not None and not args.history_file.is_file():
        print(f"history database {args.history_file}: no such file yet, revision (none) "
              f"(`nba-recon db upgrade` creates it)")
        return 0
    state = ("up to date" if rev == head else
             f"written by a newer nba-recon, this one knows up to {head}: upgrade nba-recon"
             if rev is not None and rev not in migrate.revisions() else f"head is {head}: run `nba-recon db upgrade`")
    print(f"history database {redact(engine.url)}: revision {rev or '(none)'} ({state})")
    return 0


def cmd_coverage(args) -> int:
    import pandas as pd

    from ..outputs import read_parquet
    from ..spec import load_spec
    from .db_coverage import run_db_coverage, write_db_coverage
    from .engine import database_url, make_engine, redact

    spec = load_spec(args.spec)
    if spec.database is None:
        raise BadInput(f"{spec.path}: the spec has no database section")
    as_of = args.as_of or today_utc()
    if not args.as_of:
        print(f"as of {as_of} (today, UTC; pass --as-of to reproduce this run)", file=sys.stderr)
    engine = make_engine(database_url(args.url, spec.database, required="--url"), default=None)
    schedule = None
    try:
        if args.schedule:
            if args.schedule == "db":
                from .db_coverage import schedule_from_db

                schedule = schedule_from_db(spec.database, engine)
            else:
                from ..reconcile import resolve_schedule, schedule_for

                schedule = schedule_for(spec, resolve_schedule(spec, args.schedule))
        lake = read_parquet(args.lake_coverage, ["dataset", "game_id", "status"]) if args.lake_coverage else None
        result = run_db_coverage(spec, as_of, schedule=schedule, lake_coverage=lake, engine=engine)
    finally:
        engine.dispose()
    print(f"database {redact(engine.url)}: {result.expected_games} expected games as of {as_of}, "
          f"{len(result.problems)} problems (one per game, table and problem: the counts below) "
          f"({result.seconds} s)")
    if not result.expected_games:
        print(f"warning: nothing is expected as of {as_of}: the schedule has no game of the database "
              "section's seasons and season types owed by then; every count is 0", file=sys.stderr)
    _print_frame(result.summary)
    if args.problems and not result.problems.empty:
        print(f"\nfirst {min(args.problems, len(result.problems))} of {len(result.problems)} problem games:")
        shown = result.problems.head(args.problems).assign(
            game_date=lambda d: pd.to_datetime(d["game_date"]).dt.strftime("%Y-%m-%d"))
        _print_frame(shown)
    for w in result.warnings:
        print(f"warning: {w}", file=sys.stderr)
    if args.out:
        write_db_coverage(result, args.out)
        print(f"wrote {args.out}")
    return 0


@_one_line
def cmd_record(args) -> int:
    from ..spec.database import CloudWatchConfig
    from .history import record_run_dir

    engine, schema, hcfg = _history(args)
    cloudwatch = (CloudWatchConfig(namespace=args.cloudwatch, region=hcfg.cloudwatch.region
                                   if hcfg and hcfg.cloudwatch else None)
                  if args.cloudwatch else (hcfg.cloudwatch if hcfg else None))
    try:
        got = record_run_dir(engine, args.run_dir, run_id=args.run_id, schema=schema,
                             cloudwatch=cloudwatch, replace=args.replace)
    finally:
        engine.dispose()
    print(f"recorded run {got['run_id']}: {got['new_items']} new and {got['fixed_items']} fixed "
          f"problem items since the run before; tasks {got['tasks_new']} new, "
          f"{got['tasks_resolved']} resolved, {got['tasks_superseded']} superseded, "
          f"{got['tasks_open']} open" + (f"; {got['published']} metrics sent to CloudWatch"
                                         if got.get("published") else ""))
    if got.get("publish_error"):
        print(f"warning: CloudWatch: {got['publish_error']}", file=sys.stderr)
    return 0


@_one_line
def cmd_runs(args) -> int:
    from .engine import redact
    from .history import metrics_by_run, runs

    engine, schema, _ = _history(args, read_only=True)
    try:
        r = runs(engine, schema=schema, lake=args.lake)
        m = metrics_by_run(engine, schema=schema, lake=args.lake)
    finally:
        engine.dispose()
    if r.empty:
        print("no runs recorded" + (f" of lake {redact(args.lake)}" if args.lake else ""))
        return 0
    cols = [c for c in ("run_id", "complete_pct", "missing", "gaps_total", "new_items",
                        "fixed_items", "open_tasks") if c in m.columns]
    table = r[["run_id", "as_of", "status", "estimate", "lake", "spec"]].merge(
        m[cols], on="run_id", how="left")
    table["as_of"] = table["as_of"].dt.strftime("%Y-%m-%d")
    for c in cols:   # counts are whole numbers (metrics are stored as floats); no NaN on screen
        if c not in ("run_id", "complete_pct"):
            table[c] = table[c].round().astype("Int64")
    _print_frame(table.tail(args.last))
    return 0


@_one_line
def cmd_changes(args) -> int:
    from .engine import redact
    from .history import fixed_since_last_run, new_since_last_run, runs

    engine, schema, _ = _history(args, read_only=True)
    try:
        known = runs(engine, schema=schema, lake=args.lake)
        if args.run is not None:
            if args.run not in set(runs(engine, schema=schema)["run_id"].astype(str)):
                raise BadInput(f"history changes --run {args.run}: no such run in "
                               f"{args.history_file or redact(engine.url)} (`nba-recon history runs` lists them)")
            known = known[known["run_id"] == args.run]
        if known.empty:
            print(f"no run {args.run} recorded" + (f" of lake {redact(args.lake)}" if args.lake else "")
                  if args.run else "no runs recorded" + (f" of lake {redact(args.lake)}" if args.lake else ""))
            return 0
        me = known.iloc[-1]
        run_id = me["run_id"]
        new = new_since_last_run(engine, run_id, grouped=not args.items, schema=schema)
        fixed = fixed_since_last_run(engine, run_id, grouped=not args.items, schema=schema)
    finally:
        engine.dispose()
    cols = (["dataset", "season", "status", "game_id", "game_date", "expected_key"] if args.items
            else ["dataset", "season", "status", "n_items", "first_date", "last_date"])
    print(f"run {run_id} · as of {me['as_of']:%Y-%m-%d} · lake {me['lake']} · spec {me['spec']} "
          "(compared with the run before of this lake and spec)")
    new, fixed = new.assign(lake=me["lake"], spec=me["spec"]), fixed.assign(lake=me["lake"], spec=me["spec"])
    cols += ["lake", "spec"]
    print(f"new problems in run {run_id}:")
    _print_frame(new.reindex(columns=cols))
    print(f"\nfixed in run {run_id}:")
    _print_frame(fixed.reindex(columns=cols))
    return 0


@_one_line
def cmd_tasks(args) -> int:
    from ..tasks import WORK_ORDER
    from .history import tasks

    engine, schema, _ = _history(args, read_only=True)
    try:
        df = tasks(engine, None if args.status == "all" else args.status, schema=schema, lake=args.lake)
    finally:
        engine.dispose()
    if args.json:
        print(json.dumps({"order": WORK_ORDER, "tasks": df.to_dict(orient="records")}, indent=2, default=str))
        return 0
    print(f"{len(df):,} task(s), in the order of work: {WORK_ORDER}")
    df = df.assign(latest_date=[max(d) if len(d) else "" for d in df["dates"]])
    _print_frame(df[["task_id", "status", "priority", "latest_date", "n_items", "action", "dataset",
                     "season", "scraper", "first_run_id", "closed_run_id", "lake", "spec"]])
    return 0
