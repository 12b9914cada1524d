"""Reading the history: runs, changes between runs, trends, tasks, stages, gaps (DataFrames).

One lake per view: ``runs``, ``changes_by_run``, ``completeness_trend``, ``metrics_by_run``,
``summary_by_run`` and ``task_queries.tasks`` take ``lake`` (and ``spec``) and then show only the runs of that
lake (judged by that spec); a task belongs to the lake and spec of the run that last issued it.
``lake`` matches the lake as recorded (redacted), as given, or a local folder's absolute path."""

from __future__ import annotations

import pandas as pd
import sqlalchemy as sa

from ...errors import BadInput
from ..engine import connect, redact
from ..history_schema import history_tables
from ..migrate import check_known, current, head
from .rows import is_sqlite


def read_tables(engine, schema):
    """``(tables, readable)``: readable is False when no history was ever recorded."""
    schema = None if is_sqlite(engine) else schema
    rev = current(engine, schema)
    if rev is None:
        return history_tables(schema), False
    if rev != head():
        check_known(engine, rev)
        raise BadInput(
            f"the history database {redact(engine.url)} is at revision {rev}, not {head()}: run `nba-recon db upgrade`"
        )
    return history_tables(schema), True


def read_frame(engine, query, columns: list[str], dates=(), times=()) -> pd.DataFrame:
    with connect(engine) as conn:
        df = pd.read_sql(query, conn)
    for c in dates:
        df[c] = pd.to_datetime(df[c])
    for c in times:
        df[c] = pd.to_datetime(df[c], utc=True)
    return df.reindex(columns=columns)


def empty_frame(columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame(columns=columns)


def lake_names(lake: str) -> list[str]:
    """The ways a lake may have been recorded: as given, redacted, without a trailing slash, and a
    local folder's absolute path."""
    from pathlib import Path

    names = {str(lake), redact(str(lake)), str(lake).rstrip("/") or str(lake)}
    if "://" not in str(lake):
        try:
            names.add(str(Path(lake).expanduser().resolve()))
        except (OSError, RuntimeError):
            pass
    return sorted(names)


def scoped(q, r, lake: str | None, spec: str | None):
    """``q`` limited to the runs (table ``r``) of ``lake`` and ``spec`` (None: any)."""
    if lake is not None:
        q = q.where(r.c.lake.in_(lake_names(lake)))
    if spec is not None:
        q = q.where(r.c.spec == spec)
    return q


def _run_or_latest(engine, t, run_id: str | None):
    if run_id is not None:
        return run_id
    with connect(engine) as conn:
        return conn.execute(sa.select(t.runs.c.run_id).order_by(t.runs.c.seq.desc()).limit(1)).scalar()


RUN_COLUMNS = [
    "seq",
    "run_id",
    "as_of",
    "status",
    "started_at",
    "finished_at",
    "recorded_at",
    "estimate",
    "spec",
    "lake",
    "nba_simulator",
]


def runs(engine, schema: str | None = None, *, lake: str | None = None, spec: str | None = None) -> pd.DataFrame:
    """Every recorded run (of ``lake`` and ``spec`` when given), in recording order."""
    t, ok = read_tables(engine, schema)
    if not ok:
        return empty_frame(RUN_COLUMNS)
    r = t.runs
    q = scoped(sa.select(*(r.c[c] for c in RUN_COLUMNS)).order_by(r.c.seq), r, lake, spec)
    return read_frame(engine, q, RUN_COLUMNS, dates=("as_of",), times=("started_at", "finished_at", "recorded_at"))


def latest_run(engine, schema: str | None = None) -> str | None:
    t, ok = read_tables(engine, schema)
    return _run_or_latest(engine, t, None) if ok else None


def _items_in(engine, schema, run_id, column: str, grouped: bool) -> pd.DataFrame:
    item_cols = [
        "expected_key",
        "dataset",
        "season",
        "season_type",
        "game_id",
        "game_date",
        "team",
        "status",
        "first_status",
        "gap_id",
        "first_run_id",
        "last_run_id",
        "fixed_run_id",
    ]
    group_cols = ["dataset", "season", "status", "n_items", "first_date", "last_date"]
    t, ok = read_tables(engine, schema)
    run_id = _run_or_latest(engine, t, run_id) if ok else None
    if run_id is None:
        return empty_frame(group_cols if grouped else item_cols)
    p = t.problem_items
    where = p.c[column] == run_id
    status = p.c.first_status if column == "first_run_id" else p.c.status
    if grouped:
        q = (
            sa.select(
                p.c.dataset,
                p.c.season,
                status.label("status"),
                sa.func.count().label("n_items"),
                sa.func.min(p.c.game_date).label("first_date"),
                sa.func.max(p.c.game_date).label("last_date"),
            )
            .where(where)
            .group_by(p.c.dataset, p.c.season, status)
            .order_by(p.c.dataset, p.c.season, status)
        )
        return read_frame(engine, q, group_cols, dates=("first_date", "last_date"))
    q = (
        sa.select(*(p.c[c] for c in item_cols))
        .where(where)
        .order_by(p.c.dataset, p.c.season, p.c.game_date, p.c.expected_key)
    )
    return read_frame(engine, q, item_cols, dates=("game_date",))


def new_since_last_run(
    engine, run_id: str | None = None, *, grouped: bool = False, schema: str | None = None
) -> pd.DataFrame:
    """Problem items that ``run_id`` (default: the latest run) found and the run before did not
    (``status`` is the status found then). ``grouped``: one row per dataset x season x status
    (the new gaps) with the item count and date range."""
    return _items_in(engine, schema, run_id, "first_run_id", grouped)


def fixed_since_last_run(
    engine, run_id: str | None = None, *, grouped: bool = False, schema: str | None = None
) -> pd.DataFrame:
    """Items that were problems before ``run_id`` (default: the latest run) and that it found
    present (``status`` is the last problem status they had)."""
    return _items_in(engine, schema, run_id, "fixed_run_id", grouped)


CHANGE_COLUMNS = ["seq", "run_id", "as_of", "new_items", "fixed_items", "open_items", "lake", "spec"]


def changes_by_run(
    engine, schema: str | None = None, *, lake: str | None = None, spec: str | None = None
) -> pd.DataFrame:
    """Per run (of ``lake`` and ``spec`` when given): items newly found with a problem, items
    fixed, problems open after the run (all three against the earlier runs of the same lake and
    spec), and the run's lake and spec."""
    t, ok = read_tables(engine, schema)
    if not ok:
        return empty_frame(CHANGE_COLUMNS)
    r, p = t.runs, t.problem_items
    first, fixed = p.alias("pf"), p.alias("px")
    n_new = sa.select(sa.func.count()).select_from(first).where(first.c.first_run_id == r.c.run_id)
    n_fixed = sa.select(sa.func.count()).select_from(fixed).where(fixed.c.fixed_run_id == r.c.run_id)
    q = sa.select(
        r.c.seq,
        r.c.run_id,
        r.c.as_of,
        n_new.scalar_subquery().label("new_items"),
        n_fixed.scalar_subquery().label("fixed_items"),
        r.c.lake,
        r.c.spec,
    ).order_by(r.c.seq)
    df = read_frame(engine, scoped(q, r, lake, spec), CHANGE_COLUMNS, dates=("as_of",))
    # open after the run: of the run's own lake and spec (each pair is its own history)
    scope = df["lake"].fillna("\0").astype(str) + "\x1f" + df["spec"].fillna("\0").astype(str)
    df["open_items"] = (df["new_items"] - df["fixed_items"]).groupby(scope).cumsum().astype("int64")
    return df[CHANGE_COLUMNS]


TREND_COLUMNS = ["seq", "run_id", "as_of", "dataset", "expected", "present", "missing", "complete_pct", "have_pct"]


def completeness_trend(
    engine,
    dataset: str | None = None,
    *,
    by_season: bool = False,
    schema: str | None = None,
    lake: str | None = None,
    spec: str | None = None,
) -> pd.DataFrame:
    """Completeness per dataset (or dataset x season) in every run (of ``lake`` and ``spec``),
    oldest run first."""
    cols = TREND_COLUMNS[:4] + (["season"] if by_season else []) + TREND_COLUMNS[4:]
    t, ok = read_tables(engine, schema)
    if not ok:
        return empty_frame(cols)
    r, s = t.runs, t.coverage_snapshots
    keys = [r.c.seq, r.c.run_id, r.c.as_of, s.c.dataset] + ([s.c.season] if by_season else [])
    expected, present, missing = (sa.func.sum(s.c[c]) for c in ("expected", "present", "missing"))
    q = (
        sa.select(*keys, expected.label("expected"), present.label("present"), missing.label("missing"))
        .select_from(s.join(r, r.c.run_id == s.c.run_id))
        .group_by(*keys)
        .order_by(*keys)
    )
    if dataset is not None:
        q = q.where(s.c.dataset == dataset)
    df = read_frame(engine, scoped(q, r, lake, spec), cols, dates=("as_of",))
    exp = df["expected"].astype(float).where(df["expected"] > 0)
    df["complete_pct"] = (100 * df["present"] / exp).round(2)
    df["have_pct"] = (100 * (df["expected"] - df["missing"]) / exp).round(2)
    return df


def metrics_by_run(
    engine, schema: str | None = None, *, lake: str | None = None, spec: str | None = None
) -> pd.DataFrame:
    """One row per run (of ``lake`` and ``spec``), one column per headline metric."""
    t, ok = read_tables(engine, schema)
    if not ok:
        return empty_frame(["seq", "run_id", "as_of"])
    r, m = t.runs, t.run_metrics
    q = (
        sa.select(r.c.seq, r.c.run_id, r.c.as_of, m.c.name, m.c.value)
        .select_from(m.join(r, r.c.run_id == m.c.run_id))
        .order_by(r.c.seq)
    )
    long = read_frame(engine, scoped(q, r, lake, spec), ["seq", "run_id", "as_of", "name", "value"], dates=("as_of",))
    if long.empty:
        return empty_frame(["seq", "run_id", "as_of"])
    wide = long.pivot_table(
        index=["seq", "run_id", "as_of"], columns="name", values="value", aggfunc="first"
    ).reset_index()
    wide.columns.name = None
    return wide


STAGE_COLUMNS = [
    "run_id",
    "position",
    "name",
    "status",
    "started_at",
    "duration_s",
    "peak_memory_mb",
    "attempts",
    "error",
]


def stage_runs(engine, run_id: str | None = None, *, schema: str | None = None) -> pd.DataFrame:
    """Stage runs of every run (or one), in run and stage order."""
    t, ok = read_tables(engine, schema)
    if not ok:
        return empty_frame(STAGE_COLUMNS)
    s, r = t.stage_runs, t.runs
    q = (
        sa.select(*(s.c[c] for c in STAGE_COLUMNS))
        .select_from(s.join(r, r.c.run_id == s.c.run_id))
        .order_by(r.c.seq, s.c.position)
    )
    if run_id is not None:
        q = q.where(s.c.run_id == run_id)
    return read_frame(engine, q, STAGE_COLUMNS, times=("started_at",))


def gaps(engine, run_id: str | None = None, *, schema: str | None = None) -> pd.DataFrame:
    """The gaps a run (default: the latest) found."""
    cols = [c.name for c in history_tables(None).gaps.columns]
    t, ok = read_tables(engine, schema)
    run_id = _run_or_latest(engine, t, run_id) if ok else None
    if run_id is None:
        return empty_frame(cols)
    g = t.gaps
    return read_frame(
        engine,
        sa.select(g).where(g.c.run_id == run_id).order_by(g.c.priority, g.c.gap_id),
        cols,
        dates=("first_date", "last_date"),
    )


SUMMARY_COLUMNS = [
    "run_id",
    "started",
    "as_of",
    "status",
    "complete_pct",
    "have_pct",
    "expected",
    "missing",
    "gaps",
    "lake",
    "spec",
]


def summary_by_run(
    engine, *, schema: str | None = None, limit: int | None = None, lake: str | None = None, spec: str | None = None
) -> pd.DataFrame:
    """One row per run (of ``lake`` and ``spec``) in the shape
    ``pipeline.history_from_files.load_history`` gives (run_id, started, as_of, status,
    complete_pct, have_pct, expected, missing, gaps), from the history database."""
    r = runs(engine, schema=schema, lake=lake, spec=spec)
    if r.empty:
        return empty_frame(SUMMARY_COLUMNS)
    m = metrics_by_run(engine, schema=schema, lake=lake, spec=spec).drop(columns=["seq", "as_of"])
    out = r.merge(m, on="run_id", how="left")
    out = out.assign(
        started=out["started_at"].map(lambda t: None if pd.isna(t) else t.isoformat()),
        as_of=out["as_of"].dt.strftime("%Y-%m-%d"),
        gaps=out.get("gaps_total"),
    )
    out = out.reindex(columns=SUMMARY_COLUMNS)
    for c in ("expected", "missing", "gaps"):  # counts (stored as float metrics)
        out[c] = pd.to_numeric(out[c], errors="coerce").round().astype("Int64")
    return out.tail(limit).reset_index(drop=True) if limit else out
