"""``nba-recon db ...`` and ``nba-recon history ...`` (``nba_simulator/cli.py`` calls
:func:`add_db_parser`).

The history database is ``--url``, else ``$NBA_RECON_HISTORY_URL``, else the spec's
``database.history.url`` (with ``--spec``), else ``sqlite:///<runs-dir>/history.db``. The user's
database (``db coverage``) is ``--url``, else the spec's ``database.url``, else
``$NBA_RECON_DATABASE_URL`` (formerly ``$NBA_RECON_DB_URL``, still read). Passwords: ``NBA_RECON_DB_PASSWORD``, ``PGPASSWORD`` or ``~/.pgpass``;
every URL printed is redacted.
"""

from __future__ import annotations

import json
import sys

from ..asof import as_of_arg, today_utc
from ..deadline import add_deadline_option
from ..errors import BadInput
from .history_connect import add_history_options, history_for, one_line_errors


def add_db_parser(subparsers) -> None:
    db = subparsers.add_parser("db", help="the history database schema, and database coverage")
    dsub = db.add_subparsers(dest="db_command", required=True, parser_class=type(db))

    up = dsub.add_parser("upgrade", help="create or upgrade the history tables (Alembic migrations)")
    add_history_options(up)
    up.add_argument("--revision", default="head", help="target revision (default: head)")
    up.set_defaults(func=cmd_upgrade)

    cur = dsub.add_parser("current", help="print the history schema's revision")
    add_history_options(cur)
    cur.set_defaults(func=cmd_current)

    cov = dsub.add_parser(
        "coverage",
        help="expected games absent, empty or without raw file in the user's tables (the spec's database section)",
    )
    cov.add_argument("--spec", required=True, help="lake spec YAML with a database: section")
    cov.add_argument(
        "--url", default=None, help="the user's database (default: the spec's url, else $NBA_RECON_DATABASE_URL)"
    )
    cov.add_argument("--schedule", default=None, help="builtin | db | PATH (default: the spec's)")
    cov.add_argument("--as-of", dest="as_of", default=None, type=as_of_arg, help="analysis date (default: today, UTC)")
    cov.add_argument(
        "--lake-coverage",
        default=None,
        metavar="PARQUET",
        help="the lake's coverage.parquet, to compare lake and database",
    )
    cov.add_argument("--out", default=None, help="folder for db_coverage.parquet and db_problems.parquet")
    cov.add_argument(
        "--problems", type=int, default=20, metavar="N", help="print the first N problem games (default 20)"
    )
    add_deadline_option(cov, "db")
    cov.set_defaults(func=cmd_coverage)

    hist = subparsers.add_parser("history", help="record runs; runs, changes and tasks over time")
    hsub = hist.add_subparsers(dest="history_command", required=True, parser_class=type(hist))

    rec = hsub.add_parser("record", help="record a run folder (runs/<run_id> or a reconcile --out)")
    rec.add_argument("run_dir", help="the run folder")
    rec.add_argument("--run-id", default=None, help="run id (default: run.json's, else the folder name)")
    rec.add_argument(
        "--replace", action="store_true", help="record again a run id already in the history (its rows are replaced)"
    )
    rec.add_argument(
        "--cloudwatch",
        default=None,
        metavar="NAMESPACE",
        help="also publish the headline metrics to CloudWatch (default: the spec's "
        "database.history.cloudwatch, else off)",
    )
    add_history_options(rec)
    rec.set_defaults(func=cmd_record)

    show = hsub.add_parser("runs", help="recorded runs with their headline numbers")
    show.add_argument("--last", type=int, default=20, help="show the last N runs (default 20)")
    _lake_arg(show)
    add_history_options(show)
    show.set_defaults(func=cmd_runs)

    ch = hsub.add_parser("changes", help="problems new and fixed since the run before")
    ch.add_argument("--run", default=None, help="run id (default: the latest)")
    ch.add_argument("--items", action="store_true", help="one line per item, not per dataset x season")
    _lake_arg(ch, "the latest run of this lake (default: the latest run)")
    add_history_options(ch)
    ch.set_defaults(func=cmd_changes)

    tk = hsub.add_parser("tasks", help="collection tasks and their lifecycle")
    tk.add_argument(
        "--status",
        default="open",
        choices=["open", "resolved", "superseded", "all"],
        help="which tasks (default: open, what the scrapers should do now)",
    )
    tk.add_argument("--json", action="store_true", help="print JSON (for scrapers)")
    _lake_arg(tk, "only the tasks of this lake (those last issued by a run of it)")
    add_history_options(tk)
    tk.set_defaults(func=cmd_tasks)


def _lake_arg(p, what: str = "only the runs of this lake") -> None:
    p.add_argument(
        "--lake",
        default=None,
        metavar="LAKE",
        help=f"{what}: the lake as given to the run (a folder or s3://bucket/prefix)",
    )


def _print_frame(df, empty: str = "(none)") -> None:
    import pandas as pd

    if df.empty:
        print(empty)
        return
    with pd.option_context("display.width", 200, "display.max_columns", 30, "display.max_colwidth", 60):
        print(df.to_string(index=False, na_rep="–"))


@one_line_errors
def cmd_upgrade(args) -> int:
    from . import migrate
    from .engine import redact

    engine, schema, _ = history_for(args)
    try:
        before = migrate.current(engine, schema)
        after = migrate.upgrade(engine, args.revision, schema)
    finally:
        engine.dispose()
    where = redact(engine.url) + (f" (schema {schema})" if schema else "")
    print(f"history database {where}: revision {before or '(none)'} -> {after}")
    return 0


@one_line_errors
def cmd_current(args) -> int:
    from . import migrate
    from .engine import redact

    engine, schema, _ = history_for(args, read_only=True, missing_ok=True)  # says "no such file yet"
    try:
        rev = migrate.current(engine, schema)
    finally:
        engine.dispose()
    head = migrate.head()
    if args.history_file is not None and not args.history_file.is_file():
        print(
            f"history database {args.history_file}: no such file yet, revision (none) "
            f"(`nba-recon db upgrade` creates it)"
        )
        return 0
    state = (
        "up to date"
        if rev == head
        else f"written by a newer nba-recon, this one knows up to {head}: upgrade nba-recon"
        if rev is not None and rev not in migrate.revisions()
        else f"head is {head}: run `nba-recon db upgrade`"
    )
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
                from .user_tables import schedule_from_db

                schedule = schedule_from_db(spec.database, engine)
            else:
                from ..reconcile import resolve_schedule, schedule_for

                schedule = schedule_for(spec, resolve_schedule(spec, args.schedule))
        lake = read_parquet(args.lake_coverage, ["dataset", "game_id", "status"]) if args.lake_coverage else None
        result = run_db_coverage(spec, as_of, schedule=schedule, lake_coverage=lake, engine=engine)
    finally:
        engine.dispose()
    print(
        f"database {redact(engine.url)}: {result.expected_games} expected games as of {as_of}, "
        f"{len(result.problems)} problems (one per game, table and problem: the counts below) "
        f"({result.seconds} s)"
    )
    if not result.expected_games:
        print(
            f"warning: nothing is expected as of {as_of}: the schedule has no game of the database "
            "section's seasons and season types owed by then; every count is 0",
            file=sys.stderr,
        )
    _print_frame(result.summary)
    if args.problems and not result.problems.empty:
        print(f"\nfirst {min(args.problems, len(result.problems))} of {len(result.problems)} problem games:")
        shown = result.problems.head(args.problems).assign(
            game_date=lambda d: pd.to_datetime(d["game_date"]).dt.strftime("%Y-%m-%d")
        )
        _print_frame(shown)
    for w in result.warnings:
        print(f"warning: {w}", file=sys.stderr)
    if args.out:
        write_db_coverage(result, args.out)
        print(f"wrote {args.out}")
    return 0


@one_line_errors
def cmd_record(args) -> int:
    from ..spec.database import CloudWatchConfig
    from .history import record_run_dir

    engine, schema, hcfg = history_for(args)
    cloudwatch = (
        CloudWatchConfig(namespace=args.cloudwatch, region=hcfg.cloudwatch.region if hcfg and hcfg.cloudwatch else None)
        if args.cloudwatch
        else (hcfg.cloudwatch if hcfg else None)
    )
    try:
        got = record_run_dir(
            engine, args.run_dir, run_id=args.run_id, schema=schema, cloudwatch=cloudwatch, replace=args.replace
        )
    finally:
        engine.dispose()
    print(
        f"recorded run {got['run_id']}: {got['new_items']} new and {got['fixed_items']} fixed "
        f"problem items since the run before; tasks {got['tasks_new']} new, "
        f"{got['tasks_resolved']} resolved, {got['tasks_superseded']} superseded, "
        f"{got['tasks_open']} open"
        + (f"; {got['published']} metrics sent to CloudWatch" if got.get("published") else "")
    )
    if got.get("publish_error"):
        print(f"warning: CloudWatch: {got['publish_error']}", file=sys.stderr)
    return 0


@one_line_errors
def cmd_runs(args) -> int:
    from .engine import redact
    from .history import metrics_by_run, runs

    engine, schema, _ = history_for(args, read_only=True)
    try:
        r = runs(engine, schema=schema, lake=args.lake)
        m = metrics_by_run(engine, schema=schema, lake=args.lake)
    finally:
        engine.dispose()
    if r.empty:
        print("no runs recorded" + (f" of lake {redact(args.lake)}" if args.lake else ""))
        return 0
    cols = [
        c
        for c in ("run_id", "complete_pct", "missing", "gaps_total", "new_items", "fixed_items", "open_tasks")
        if c in m.columns
    ]
    table = r[["run_id", "as_of", "status", "estimate", "lake", "spec"]].merge(m[cols], on="run_id", how="left")
    table["as_of"] = table["as_of"].dt.strftime("%Y-%m-%d")
    for c in cols:  # counts are whole numbers (metrics are stored as floats); no NaN on screen
        if c not in ("run_id", "complete_pct"):
            table[c] = table[c].round().astype("Int64")
    _print_frame(table.tail(args.last))
    return 0


@one_line_errors
def cmd_changes(args) -> int:
    from .engine import redact
    from .history import fixed_since_last_run, new_since_last_run, runs

    engine, schema, _ = history_for(args, read_only=True)
    try:
        known = runs(engine, schema=schema, lake=args.lake)
        if args.run is not None:
            if args.run not in set(runs(engine, schema=schema)["run_id"].astype(str)):
                raise BadInput(
                    f"history changes --run {args.run}: no such run in "
                    f"{args.history_file or redact(engine.url)} (`nba-recon history runs` lists them)"
                )
            known = known[known["run_id"] == args.run]
        if known.empty:
            print(
                f"no run {args.run} recorded" + (f" of lake {redact(args.lake)}" if args.lake else "")
                if args.run
                else "no runs recorded" + (f" of lake {redact(args.lake)}" if args.lake else "")
            )
            return 0
        me = known.iloc[-1]
        run_id = me["run_id"]
        new = new_since_last_run(engine, run_id, grouped=not args.items, schema=schema)
        fixed = fixed_since_last_run(engine, run_id, grouped=not args.items, schema=schema)
    finally:
        engine.dispose()
    cols = (
        ["dataset", "season", "status", "game_id", "game_date", "expected_key"]
        if args.items
        else ["dataset", "season", "status", "n_items", "first_date", "last_date"]
    )
    print(
        f"run {run_id} · as of {me['as_of']:%Y-%m-%d} · lake {me['lake']} · spec {me['spec']} "
        "(compared with the run before of this lake and spec)"
    )
    new, fixed = new.assign(lake=me["lake"], spec=me["spec"]), fixed.assign(lake=me["lake"], spec=me["spec"])
    cols += ["lake", "spec"]
    print(f"new problems in run {run_id}:")
    _print_frame(new.reindex(columns=cols))
    print(f"\nfixed in run {run_id}:")
    _print_frame(fixed.reindex(columns=cols))
    return 0


@one_line_errors
def cmd_tasks(args) -> int:
    from ..tasks import WORK_ORDER
    from .history import tasks

    engine, schema, _ = history_for(args, read_only=True)
    try:
        df = tasks(engine, None if args.status == "all" else args.status, schema=schema, lake=args.lake)
    finally:
        engine.dispose()
    if args.json:
        print(json.dumps({"order": WORK_ORDER, "tasks": df.to_dict(orient="records")}, indent=2, default=str))
        return 0
    print(f"{len(df):,} task(s), in the order of work: {WORK_ORDER}")
    df = df.assign(latest_date=[max(d) if len(d) else "" for d in df["dates"]])
    _print_frame(
        df[
            [
                "task_id",
                "status",
                "priority",
                "latest_date",
                "n_items",
                "action",
                "dataset",
                "season",
                "scraper",
                "first_run_id",
                "closed_run_id",
                "lake",
                "spec",
            ]
        ]
    )
    return 0
