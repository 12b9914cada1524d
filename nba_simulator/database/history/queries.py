"""Reading the history: runs, changes between runs, trends, tasks, stages, gaps (DataFrames)."""
from __future__ import annotations

import json

import pandas as pd
import sqlalchemy as sa

from ...errors import BadInput
from ...spec.model import PRIORITIES
from ..engine import connect, redact
from ..history_schema import history_tables
from ..migrate import check_known, current, head
from .rows import is_sqlite

TASK_STATUSES = ("open", "resolved", "superseded")


def _reader(engine, schema):
    """``(tables, readable)``: readable is False when no history was ever recorded."""
    schema = None if is_sqlite(engine) else schema
    rev = current(engine, schema)
    if rev is None:
        return history_tables(schema), False
    if rev != head():
        check_known(engine, rev)
        raise BadInput(f"the history database {redact(engine.url)} is at revision {rev}, not "
                       f"{head()}: run `nba-recon db upgrade`")
    return history_tables(schema), True


def _frame(engine, query, columns: list[str], dates=(), times=()) -> pd.DataFrame:
    with connect(engine) as conn:
        df = pd.read_sql(query, conn)
    for c in dates:
        df[c] = pd.to_datetime(df[c])
    for c in times:
        df[c] = pd.to_datetime(df[c], utc=True)
    return df.reindex(columns=columns)


def _empty(columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame(columns=columns)


def _run_or_latest(engine, t, run_id: str | None):
    if run_id is not None:
        return run_id
    with connect(engine) as conn:
        return conn.execute(sa.select(t.runs.c.run_id).order_by(t.runs.c.seq.desc()).limit(1)).scalar()


RUN_COLUMNS = ["seq", "run_id", "as_of", "status", "started_at", "finished_at", "recorded_at",
               "estimate", "spec", "lake", "nba_simulator"]


def runs(engine, schema: str | None = None) -> pd.DataFrame:
    """Every recorded run, in recording order."""
    t, ok = _reader(engine, schema)
    if not ok:
        return _empty(RUN_COLUMNS)
    r = t.runs
    return _frame(engine, sa.select(*(r.c[c] for c in RUN_COLUMNS)).order_by(r.c.seq), RUN_COLUMNS,
                  dates=("as_of",), times=("started_at", "finished_at", "recorded_at"))


def latest_run(engine, schema: str | None = None) -> str | None:
    t, ok = _reader(engine, schema)
    return _run_or_latest(engine, t, None) if ok else None


def _items_in(engine, schema, run_id, column: str, grouped: bool) -> pd.DataFrame:
    item_cols = ["expected_key", "dataset", "season", "season_type", "game_id", "game_date", "team",
                 "status", "first_status", "gap_id", "first_run_id", "last_run_id", "fixed_run_id"]
    group_cols = ["dataset", "season", "status", "n_items", "first_date", "last_date"]
    t, ok = _reader(engine, schema)
    run_id = _run_or_latest(engine, t, run_id) if ok else None
    if run_id is None:
        return _empty(group_cols if grouped else item_cols)
    p = t.problem_items
    where = p.c[column] == run_id
    status = p.c.first_status if column == "first_run_id" else p.c.status
    if grouped:
        q = (sa.select(p.c.dataset, p.c.season, status.label("status"),
                       sa.func.count().label("n_items"), sa.func.min(p.c.game_date).label("first_date"),
                       sa.func.max(p.c.game_date).label("last_date"))
             .where(where).group_by(p.c.dataset, p.c.season, status)
             .order_by(p.c.dataset, p.c.season, status))
        return _frame(engine, q, group_cols, dates=("first_date", "last_date"))
    q = (sa.select(*(p.c[c] for c in item_cols)).where(where)
         .order_by(p.c.dataset, p.c.season, p.c.game_date, p.c.expected_key))
    return _frame(engine, q, item_cols, dates=("game_date",))


def new_since_last_run(engine, run_id: str | None = None, *, grouped: bool = False,
                       schema: str | None = None) -> pd.DataFrame:
    """Problem items that ``run_id`` (default: the latest run) found and the run before did not
    (``status`` is the status found then). ``grouped``: one row per dataset x season x status
    (the new gaps) with the item count and date range."""
    return _items_in(engine, schema, run_id, "first_run_id", grouped)


def fixed_since_last_run(engine, run_id: str | None = None, *, grouped: bool = False,
                         schema: str | None = None) -> pd.DataFrame:
    """Items that were problems before ``run_id`` (default: the latest run) and that it found
    present (``status`` is the last problem status they had)."""
    return _items_in(engine, schema, run_id, "fixed_run_id", grouped)


CHANGE_COLUMNS = ["seq", "run_id", "as_of", "new_items", "fixed_items", "open_items"]


def changes_by_run(engine, schema: str | None = None) -> pd.DataFrame:
    """Per run: items newly found with a problem, items fixed, problems open after the run (all
    three against the earlier runs of the same lake and spec)."""
    t, ok = _reader(engine, schema)
    if not ok:
        return _empty(CHANGE_COLUMNS)
    r, p = t.runs, t.problem_items
    first, fixed = p.alias("pf"), p.alias("px")
    n_new = sa.select(sa.func.count()).select_from(first).where(first.c.first_run_id == r.c.run_id)
    n_fixed = sa.select(sa.func.count()).select_from(fixed).where(fixed.c.fixed_run_id == r.c.run_id)
    q = sa.select(r.c.seq, r.c.run_id, r.c.as_of, n_new.scalar_subquery().label("new_items"),
                  n_fixed.scalar_subquery().label("fixed_items"), r.c.lake, r.c.spec).order_by(r.c.seq)
    df = _frame(engine, q, [*CHANGE_COLUMNS, "lake", "spec"], dates=("as_of",))
    # open after the run: of the run's own lake and spec (each pair is its own history)
    scope = df["lake"].fillna("\0").astype(str) + "\x1f" + df["spec"].fillna("\0").astype(str)
    df["open_items"] = (df["new_items"] - df["fixed_items"]).groupby(scope).cumsum().astype("int64")
    return df[CHANGE_COLUMNS]


TREND_COLUMNS = ["seq", "run_id", "as_of", "dataset", "expected", "present", "missing",
                 "complete_pct", "have_pct"]


def completeness_trend(engine, dataset: str | None = None, *, by_season: bool = False,
                       schema: str | None = None) -> pd.DataFrame:
    """Completeness per dataset (or dataset x season) in every run, oldest run first."""
    cols = TREND_COLUMNS[:4] + (["season"] if by_season else []) + TREND_COLUMNS[4:]
    t, ok = _reader(engine, schema)
    if not ok:
        return _empty(cols)
    r, s = t.runs, t.coverage_snapshots
    keys = [r.c.seq, r.c.run_id, r.c.as_of, s.c.dataset] + ([s.c.season] if by_season else [])
    expected, present, missing = (sa.func.sum(s.c[c]) for c in ("expected", "present", "missing"))
    q = (sa.select(*keys, expected.label("expected"), present.label("present"),
                   missing.label("missing"))
         .select_from(s.join(r, r.c.run_id == s.c.run_id)).group_by(*keys).order_by(*keys))
    if dataset is not None:
        q = q.where(s.c.dataset == dataset)
    df = _frame(engine, q, cols, dates=("as_of",))
    exp = df["expected"].astype(float).where(df["expected"] > 0)
    df["complete_pct"] = (100 * df["present"] / exp).round(2)
    df["have_pct"] = (100 * (df["expected"] - df["missing"]) / exp).round(2)
    return df


def metrics_by_run(engine, schema: str | None = None) -> pd.DataFrame:
    """One row per run, one column per headline metric."""
    t, ok = _reader(engine, schema)
    if not ok:
        return _empty(["seq", "run_id", "as_of"])
    r, m = t.runs, t.run_metrics
    q = (sa.select(r.c.seq, r.c.run_id, r.c.as_of, m.c.name, m.c.value)
         .select_from(m.join(r, r.c.run_id == m.c.run_id)).order_by(r.c.seq))
    long = _frame(engine, q, ["seq", "run_id", "as_of", "name", "value"], dates=("as_of",))
    if long.empty:
        return _empty(["seq", "run_id", "as_of"])
    wide = long.pivot_table(index=["seq", "run_id", "as_of"], columns="name", values="value",
                            aggfunc="first").reset_index()
    wide.columns.name = None
    return wide


TASK_COLUMNS = ["task_id", "status", "priority", "action", "reason", "source", "data_type",
                "dataset", "scraper", "season", "n_items", "gap_id", "game_ids", "dates", "teams",
                "first_run_id", "last_run_id", "closed_run_id"]


def tasks(engine, status: str | None = None, *, schema: str | None = None) -> pd.DataFrame:
    """Tasks ever issued (``status``: open | resolved | superseded), most urgent first; the game
    ids, dates and teams as lists."""
    if status is not None and status not in TASK_STATUSES:
        raise BadInput(f"task status must be one of {', '.join(TASK_STATUSES)}, got {status!r}")
    t, ok = _reader(engine, schema)
    if not ok:
        return _empty(TASK_COLUMNS)
    tk, r = t.tasks, t.runs
    order = sa.case({p: i for i, p in enumerate(PRIORITIES)},
                    value=tk.c.priority, else_=9)
    first = r.alias("fr")
    q = (sa.select(*(tk.c[c] for c in TASK_COLUMNS))
         .select_from(tk.join(first, first.c.run_id == tk.c.first_run_id))
         .order_by(order, first.c.seq, tk.c.task_id))
    if status is not None:
        q = q.where(tk.c.status == status)
    df = _frame(engine, q, TASK_COLUMNS)
    for c in ("game_ids", "dates", "teams"):
        df[c] = [json.loads(v) if isinstance(v, str) else [] for v in df[c]]
    return df


def open_tasks(engine, *, schema: str | None = None) -> pd.DataFrame:
    """What scrapers should do now: every open task, each item in exactly one of them."""
    return tasks(engine, "open", schema=schema)


def task_items(engine, task_id: str, *, schema: str | None = None) -> list[str]:
    t, ok = _reader(engine, schema)
    if not ok:
        return []
    with connect(engine) as conn:
        return list(conn.execute(sa.select(t.task_items.c.expected_key).where(
            t.task_items.c.task_id == task_id).order_by(t.task_items.c.expected_key)).scalars())


STAGE_COLUMNS = ["run_id", "position", "name", "status", "started_at", "duration_s",
                 "peak_memory_mb", "attempts", "error"]


def stage_runs(engine, run_id: str | None = None, *, schema: str | None = None) -> pd.DataFrame:
    """Stage runs of every run (or one), in run and stage order."""
    t, ok = _reader(engine, schema)
    if not ok:
        return _empty(STAGE_COLUMNS)
    s, r = t.stage_runs, t.runs
    q = (sa.select(*(s.c[c] for c in STAGE_COLUMNS)).select_from(s.join(r, r.c.run_id == s.c.run_id))
         .order_by(r.c.seq, s.c.position))
    if run_id is not None:
        q = q.where(s.c.run_id == run_id)
    return _frame(engine, q, STAGE_COLUMNS, times=("started_at",))


def gaps(engine, run_id: str | None = None, *, schema: str | None = None) -> pd.DataFrame:
    """The gaps a run (default: the latest) found."""
    cols = [c.name for c in history_tables(None).gaps.columns]
    t, ok = _reader(engine, schema)
    run_id = _run_or_latest(engine, t, run_id) if ok else None
    if run_id is None:
        return _empty(cols)
    g = t.gaps
    return _frame(engine, sa.select(g).where(g.c.run_id == run_id).order_by(g.c.priority, g.c.gap_id),
                  cols, dates=("first_date", "last_date"))


SUMMARY_COLUMNS = ["run_id", "started", "as_of", "status", "complete_pct", "have_pct", "expected",
                   "missing", "gaps", "lake", "spec"]


def summary_by_run(engine, *, schema: str | None = None, limit: int | None = None) -> pd.DataFrame:
    """One row per run in the shape ``plots.load_history`` gives (run_id, started, as_of,
    status, complete_pct, have_pct, expected, missing, gaps), from the history database."""
    r = runs(engine, schema=schema)
    if r.empty:
        return _empty(SUMMARY_COLUMNS)
    m = metrics_by_run(engine, schema=schema).drop(columns=["seq", "as_of"])
    out = r.merge(m, on="run_id", how="left")
    out = out.assign(started=out["started_at"].map(lambda t: None if pd.isna(t) else t.isoformat()),
                     as_of=out["as_of"].dt.strftime("%Y-%m-%d"),
                     gaps=out.get("gaps_total"))
    out = out.reindex(columns=SUMMARY_COLUMNS)
    for c in ("expected", "missing", "gaps"):   # counts (stored as float metrics)
        out[c] = pd.to_numeric(out[c], errors="coerce").round().astype("Int64")
    return out.tail(limit).reset_index(drop=True) if limit else out
