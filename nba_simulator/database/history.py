"""Run history: what each run found, what changed since the last one, which tasks are still open.

Recording a run (:func:`record_run`, or :func:`record_run_dir` for a folder of outputs) stores, in
one transaction:

* ``runs``               one row (as_of, status, spec, lake redacted, summary.json)
* ``stage_runs``         the pipeline runner's stages: start, duration, status, peak memory
* ``coverage_snapshots`` completeness per dataset x season
* ``gaps``               the run's gaps with their priorities
* ``run_metrics``        headline numbers (see ``metrics``), optionally sent to CloudWatch
* ``problem_items``      one row per problem *episode* of an item: opened by the first run that
                         finds the item missing/undersized/premature/stale, kept open (status and
                         gap updated) while later runs still find it so, closed (``fixed_run_id``)
                         by the first run that finds it present. An item a run did not judge (a
                         sampled run, a dataset dropped from the spec) stays as it was.
* ``tasks``              every task id ever issued, with its items (``task_items``). Lifecycle:
                         ``open`` -> ``resolved`` when none of its items is an open problem any
                         more; ``open`` -> ``superseded`` when a later (full) run re-batched its
                         open items into other tasks (e.g. a gap that grew by a day), so a
                         scraper working from :func:`open_tasks` never collects an item twice.
                         A resolved task whose id comes back is reopened.

"Since the last run" means since the run recorded before, in recording order. Re-recording the
latest run (a resumed pipeline) first undoes its effects; an older run cannot be re-recorded.

Queries return DataFrames: :func:`new_since_last_run`, :func:`fixed_since_last_run`,
:func:`changes_by_run`, :func:`completeness_trend`, :func:`metrics_by_run`, :func:`open_tasks`,
:func:`tasks`, :func:`runs`, :func:`stage_runs`.
"""
from __future__ import annotations

import datetime as dt
import json
import logging
from pathlib import Path
from typing import Any, Iterable, Mapping

import pandas as pd
import sqlalchemy as sa

from ..coverage.match import PROBLEM_STATUSES, STATUS_ORDER
from ..errors import BadInput
from .engine import connect, redact, scrub
from .metrics import headline_metrics, publish_cloudwatch
from .migrate import current, ensure_current, head
from .tables import STATUS_COUNTS, history_tables, temp_table

log = logging.getLogger(__name__)

ITEM_COLUMNS = ["expected_key", "dataset", "season", "season_type", "game_id", "game_date", "team",
                "status", "gap_id"]
TASK_STATUSES = ("open", "resolved", "superseded")


# ------------------------------------------------------------------------------------ where
def open_history(url: str | None = None, *, spec=None, runs_dir="runs"):
    """``(engine, schema, cloudwatch)`` of the history database: ``url``, else
    ``$NBA_RECON_HISTORY_URL``, else the spec's ``database.history``, else
    ``sqlite:///<runs_dir>/history.db``. ``cloudwatch`` is the spec's setting (None: off).
    The caller disposes of the engine."""
    import os

    from .engine import HISTORY_URL_ENV, make_engine

    db = getattr(spec, "database", None)
    hcfg = db.history if db is not None else None
    url = (url or os.environ.get(HISTORY_URL_ENV) or (hcfg.url if hcfg else None)
           or f"sqlite:///{Path(runs_dir) / 'history.db'}")
    return make_engine(url), (hcfg.schema if hcfg else None), (hcfg.cloudwatch if hcfg else None)


# ------------------------------------------------------------------------------------ recording
def record_run(engine, run_id: str, result: Any = None, *, summary: Mapping | None = None,
               coverage: pd.DataFrame | None = None, completeness: pd.DataFrame | None = None,
               gaps: pd.DataFrame | None = None, tasks: list[dict] | None = None,
               stages: Iterable[Mapping] | None = None, status: str = "succeeded",
               started_at=None, finished_at=None, schema: str | None = None,
               cloudwatch=None, auto_upgrade: bool = True) -> dict:
    """Record one run. ``result`` is a ``reconcile.Result`` (or anything with ``summary``,
    ``coverage``, ``completeness``, ``gaps``, ``tasks``); keyword arguments override its parts.
    ``stages``: the runner's stage records (``run.json``'s ``stages``). ``cloudwatch``: a
    ``config.CloudWatchConfig`` to publish the metrics (None: off). Returns what changed."""
    summary = dict(summary if summary is not None else _part(result, "summary"))
    coverage = coverage if coverage is not None else _part(result, "coverage")
    completeness = completeness if completeness is not None else _part(result, "completeness")
    gaps = gaps if gaps is not None else _part(result, "gaps")
    tasks = list(tasks if tasks is not None else _part(result, "tasks"))
    if not run_id or len(str(run_id)) > 64:
        raise BadInput(f"run id must be 1 to 64 characters, got {run_id!r}")
    try:
        as_of = dt.date.fromisoformat(str(summary["as_of"])[:10])
    except (KeyError, ValueError):
        raise BadInput(f"run {run_id}: the summary has no as_of date") from None
    if _is_sqlite(engine):
        schema = None
    ensure_current(engine, schema, auto_upgrade)
    t = history_tables(schema)
    estimate = bool(summary.get("estimate"))
    with connect(engine, begin=True) as conn:
        existing = conn.execute(sa.select(t.runs.c.seq).where(t.runs.c.run_id == run_id)).scalar()
        if existing is not None:
            latest = conn.execute(sa.select(sa.func.max(t.runs.c.seq))).scalar()
            if existing != latest:
                raise BadInput(f"run {run_id} is already in the history and later runs build on it")
            _unrecord(conn, t, run_id)
        conn.execute(t.runs.insert().values(
            run_id=run_id, as_of=as_of, status=status, started_at=_utc(started_at),
            finished_at=_utc(finished_at), spec=_text(summary.get("spec"), 1000),
            lake=_text(redact((summary.get("inventory") or {}).get("lake")), 1000),
            estimate=estimate, nba_simulator=_text(summary.get("nba_simulator"), 32),
            summary=scrub(json.dumps(summary, default=str))))
        if stages is not None:
            _insert_stages(conn, t, run_id, stages)
        _insert_snapshots(conn, t, run_id, completeness)
        _insert_gaps(conn, t, run_id, gaps)
        items = _item_lifecycle(conn, t, run_id, coverage, gaps)
        task_counts = _task_lifecycle(conn, t, run_id, tasks, estimate)
        metrics = headline_metrics(summary)
        metrics.update(new_items=items["new"], fixed_items=items["fixed"],
                       open_tasks=task_counts["open"], resolved_tasks=task_counts["resolved"])
        conn.execute(t.run_metrics.insert(),
                     [{"run_id": run_id, "name": k, "value": float(v)} for k, v in metrics.items()])
    out = {"run_id": run_id, "new_items": items["new"], "fixed_items": items["fixed"],
           "still_open_items": items["still"], **{f"tasks_{k}": v for k, v in task_counts.items()},
           "metrics": metrics, "published": 0}
    if cloudwatch is not None:
        try:
            out["published"] = publish_cloudwatch(
                metrics, cloudwatch.namespace, region=cloudwatch.region,
                dimensions={"Lake": redact((summary.get("inventory") or {}).get("lake"))})
        except Exception as exc:  # noqa: BLE001 - monitoring must not undo a recorded run
            log.warning("could not publish metrics to CloudWatch: %s: %s", type(exc).__name__,
                        scrub(str(exc)))
            out["publish_error"] = f"{type(exc).__name__}: {scrub(str(exc))}"
    log.info("recorded run %s in %s: %d new, %d fixed items; %d open tasks", run_id,
             redact(engine.url), items["new"], items["fixed"], task_counts["open"])
    return out


def record_stages(engine, run_id: str, stages: Iterable[Mapping], *, status: str | None = None,
                  finished_at=None, schema: str | None = None) -> None:
    """Replace the stage runs of a recorded run (the runner calls it once the run is over, since
    the stage that recorded the run was still running), and optionally its status and end."""
    schema = None if _is_sqlite(engine) else schema
    t = history_tables(schema)
    with connect(engine, begin=True) as conn:
        if conn.execute(sa.select(t.runs.c.seq).where(t.runs.c.run_id == run_id)).scalar() is None:
            raise BadInput(f"run {run_id} is not in the history {redact(engine.url)}")
        conn.execute(t.stage_runs.delete().where(t.stage_runs.c.run_id == run_id))
        _insert_stages(conn, t, run_id, stages)
        values = {}
        if status is not None:
            values["status"] = status
        if finished_at is not None:
            values["finished_at"] = _utc(finished_at)
        if values:
            conn.execute(t.runs.update().where(t.runs.c.run_id == run_id).values(**values))


def record_run_dir(engine, run_dir, *, run_id: str | None = None, schema: str | None = None,
                   cloudwatch=None, auto_upgrade: bool = True) -> dict:
    """Record the outputs in ``run_dir``: a pipeline run (``run.json`` + ``data/``) or a
    ``nba-recon reconcile --out`` folder. The run id is ``run.json``'s, else ``run_id``, else the
    folder's name."""
    from ..outputs import read_json, read_parquet

    run_dir = Path(run_dir)
    record = read_json(run_dir / "run.json") if (run_dir / "run.json").exists() else {}
    data = run_dir / "data" if (run_dir / "data" / "summary.json").exists() else run_dir
    summary = read_json(data / "summary.json")
    tasks_doc = read_json(data / "tasks.json")
    return record_run(
        engine, record.get("run_id") or run_id or run_dir.resolve().name, summary=summary,
        coverage=read_parquet(data / "coverage.parquet", ["expected_key", "status"]),
        completeness=read_parquet(data / "completeness.parquet", ["dataset", "season"]),
        gaps=read_parquet(data / "gaps.parquet", ["gap_id", "expected_keys"]),
        tasks=tasks_doc.get("tasks", []) if isinstance(tasks_doc, dict) else tasks_doc,
        stages=record.get("stages"), status=record.get("status") or "succeeded",
        started_at=record.get("started"), finished_at=record.get("finished"), schema=schema,
        cloudwatch=cloudwatch, auto_upgrade=auto_upgrade)


def _part(result: Any, name: str):
    if result is None:
        raise BadInput(f"record_run needs a result or {name}=")
    return getattr(result, name)


def _is_sqlite(engine) -> bool:
    return engine.dialect.name == "sqlite"


def _text(value, n: int):
    return None if value is None else str(value)[:n]


def _utc(value):
    if value in (None, ""):
        return None
    ts = pd.Timestamp(value)
    ts = ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")
    return ts.to_pydatetime()


def _none(v):
    if v is None or (not isinstance(v, (list, tuple, dict)) and pd.isna(v)):
        return None
    return v


def _date(v):
    v = _none(v)
    return None if v is None else pd.Timestamp(v).date()


def _records(frame: pd.DataFrame, dates: tuple[str, ...] = ()) -> list[dict]:
    out = frame.astype(object).where(frame.notna(), None)
    rows = out.to_dict("records")
    if dates:
        for r in rows:
            for c in dates:
                r[c] = _date(r[c])
    return rows


def _insert_stages(conn, t, run_id: str, stages: Iterable[Mapping]) -> None:
    rows = []
    for i, st in enumerate(stages or []):
        err = st.get("error")
        if isinstance(err, Mapping):
            err = f"{err.get('ename', '')}: {err.get('evalue', '')}".strip(": ")
        rows.append({"run_id": run_id, "name": str(st["name"])[:64], "position": i,
                     "status": str(st.get("status") or "unknown")[:16],
                     "started_at": _utc(st.get("start") or st.get("started_at")),
                     "duration_s": _none(st.get("duration_s")),
                     "peak_memory_mb": _none(st.get("peak_memory_mb")),
                     "attempts": _none(st.get("attempts")),
                     "error": scrub(err)[:4000] if err else None})
    if rows:
        conn.execute(t.stage_runs.insert(), rows)


def _insert_snapshots(conn, t, run_id: str, completeness: pd.DataFrame) -> None:
    if completeness is None or completeness.empty:
        return
    c = completeness.copy()
    for col in STATUS_COUNTS:
        c[col] = c[col].fillna(0).astype("int64") if col in c else 0
    cols = ["dataset", "season", "source", "data_type", *STATUS_COUNTS, "complete_pct", "have_pct"]
    c = c.reindex(columns=cols)
    c["season"] = c["season"].astype(object).where(c["season"].notna(), "")
    rows = _records(c)
    for r in rows:
        r["run_id"] = run_id
        for col in STATUS_COUNTS:
            r[col] = int(r[col] or 0)
    conn.execute(t.coverage_snapshots.insert(), rows)


def _insert_gaps(conn, t, run_id: str, gaps: pd.DataFrame) -> None:
    if gaps is None or gaps.empty:
        return
    cols = ["gap_id", "priority", "rule", "dataset", "source", "data_type", "required", "season",
            "status", "first_date", "last_date", "n_items", "completeness_pct"]
    g = gaps.reindex(columns=cols).drop_duplicates("gap_id")
    rows = _records(g, dates=("first_date", "last_date"))
    for r in rows:
        r["run_id"] = run_id
        r["required"] = None if r["required"] is None else bool(r["required"])
        r["n_items"] = int(r["n_items"])
        r["rule"] = _text(r["rule"], 200)
    conn.execute(t.gaps.insert(), rows)


# ------------------------------------------------------------------------------------ lifecycles
def _gap_of_key(gaps: pd.DataFrame | None) -> pd.Series:
    if gaps is None or gaps.empty:
        return pd.Series(dtype=object)
    exploded = gaps[["gap_id", "expected_keys"]].explode("expected_keys").dropna()
    return exploded.drop_duplicates("expected_keys").set_index("expected_keys")["gap_id"]


def _item_lifecycle(conn, t, run_id: str, coverage: pd.DataFrame, gaps) -> dict[str, int]:
    p = t.problem_items
    judged = coverage[coverage["status"].isin(STATUS_ORDER) & coverage["expected_key"].notna()]
    judged = judged.drop_duplicates("expected_key")
    problems = judged[judged["status"].isin(PROBLEM_STATUSES)]
    open_keys = pd.read_sql(sa.select(p.c.expected_key).where(p.c.fixed_run_id.is_(None)), conn)
    present = judged[(judged["status"] == "present")
                     & judged["expected_key"].isin(open_keys["expected_key"])]
    rows = pd.concat([problems, present], ignore_index=True).reindex(columns=ITEM_COLUMNS)
    rows["gap_id"] = rows["expected_key"].map(_gap_of_key(gaps))
    for col in ("season", "season_type", "game_id", "team"):
        rows[col] = rows[col].astype(object).where(rows[col].notna(), None)
    rows["game_date"] = pd.to_datetime(rows["game_date"]).dt.normalize()
    j = temp_table(conn, "_nba_recon_judged", [
        sa.Column("expected_key", sa.String(1024), primary_key=True),
        sa.Column("dataset", sa.String(200)), sa.Column("season", sa.String(16)),
        sa.Column("season_type", sa.String(16)), sa.Column("game_id", sa.String(32)),
        sa.Column("game_date", sa.Date), sa.Column("team", sa.String(16)),
        sa.Column("status", sa.String(16)), sa.Column("gap_id", sa.String(32))], rows)
    is_open = p.c.fixed_run_id.is_(None)
    fixed = conn.execute(p.update().where(is_open, p.c.expected_key.in_(
        sa.select(j.c.expected_key).where(j.c.status == "present"))).values(fixed_run_id=run_id)).rowcount
    mine = sa.select(j.c.status).where(j.c.expected_key == p.c.expected_key).scalar_subquery()
    gap = sa.select(j.c.gap_id).where(j.c.expected_key == p.c.expected_key).scalar_subquery()
    still = conn.execute(p.update().where(is_open, p.c.expected_key.in_(
        sa.select(j.c.expected_key).where(j.c.status != "present"))).values(
        last_run_id=run_id, status=mine, gap_id=gap)).rowcount
    open_episode = sa.exists().where(p.c.expected_key == j.c.expected_key, p.c.fixed_run_id.is_(None))
    cols = ["expected_key", "dataset", "season", "season_type", "game_id", "game_date", "team",
            "status", "gap_id"]
    new = conn.execute(p.insert().from_select(
        [*cols, "first_status", "first_run_id", "last_run_id"],
        sa.select(*(j.c[c] for c in cols), j.c.status, sa.literal(run_id), sa.literal(run_id))
        .where(j.c.status != "present", ~open_episode))).rowcount
    j.drop(conn)
    return {"new": int(new), "fixed": int(fixed), "still": int(still)}


def _task_lifecycle(conn, t, run_id: str, tasks: list[dict], estimate: bool) -> dict[str, int]:
    tk, ti = t.tasks, t.task_items
    counts = dict.fromkeys(("new", "seen", "reopened", "resolved", "superseded", "open"), 0)
    queue = {}
    for task in tasks:
        queue.setdefault(task["task_id"], task)
    rt = temp_table(conn, "_nba_recon_run_tasks", [
        sa.Column("task_id", sa.String(32), primary_key=True),
        sa.Column("priority", sa.String(16))],
        [{"task_id": k, "priority": v["priority"]} for k, v in queue.items()])
    known = dict(conn.execute(sa.select(tk.c.task_id, tk.c.status).where(
        tk.c.task_id.in_(sa.select(rt.c.task_id)))).all())
    new_rows, item_rows = [], []
    for task_id, task in queue.items():
        if task_id in known:
            continue
        new_rows.append({
            "task_id": task_id, "status": "open", "priority": task["priority"],
            "action": task.get("action"), "reason": task.get("reason"), "source": task.get("source"),
            "data_type": task.get("data_type"), "dataset": task["dataset"],
            "scraper": task.get("scraper"), "season": task.get("season"),
            "n_items": int(task.get("n_items") or len(task.get("expected_keys") or [])),
            "gap_id": task.get("gap_id"),
            **{k: json.dumps([_none(v) for v in task.get(k) or []]) for k in ("game_ids", "dates", "teams")},
            "first_run_id": run_id, "last_run_id": run_id, "closed_run_id": None})
        item_rows += [{"task_id": task_id, "expected_key": k}
                      for k in dict.fromkeys(task.get("expected_keys") or [])]
    if new_rows:
        conn.execute(tk.insert(), new_rows)
    if item_rows:
        conn.execute(ti.insert(), item_rows)
    counts["new"] = len(new_rows)
    counts["reopened"] = sum(1 for s in known.values() if s != "open")
    if known:
        prio = sa.select(rt.c.priority).where(rt.c.task_id == tk.c.task_id).scalar_subquery()
        counts["seen"] = conn.execute(tk.update().where(
            tk.c.task_id.in_(sa.select(rt.c.task_id)), tk.c.first_run_id != run_id).values(
            status="open", closed_run_id=None, last_run_id=run_id, priority=prio)).rowcount
    p = t.problem_items
    open_item = (sa.select(sa.literal(1)).select_from(ti.join(p, p.c.expected_key == ti.c.expected_key))
                 .where(ti.c.task_id == tk.c.task_id, p.c.fixed_run_id.is_(None)))
    counts["resolved"] = conn.execute(tk.update().where(
        tk.c.status == "open", ~sa.exists(open_item)).values(
        status="resolved", closed_run_id=run_id)).rowcount
    if not estimate:
        # open items of the task that no task of this run covers
        ti2 = ti.alias("ti2")
        covered = (sa.select(sa.literal(1)).select_from(ti2.join(rt, rt.c.task_id == ti2.c.task_id))
                   .where(ti2.c.expected_key == ti.c.expected_key))
        uncovered = open_item.where(~sa.exists(covered))
        counts["superseded"] = conn.execute(tk.update().where(
            tk.c.status == "open", tk.c.last_run_id != run_id, ~sa.exists(uncovered)).values(
            status="superseded", closed_run_id=run_id)).rowcount
    counts["open"] = conn.execute(sa.select(sa.func.count()).select_from(tk)
                                  .where(tk.c.status == "open")).scalar()
    rt.drop(conn)
    return {k: int(v) for k, v in counts.items()}


def _unrecord(conn, t, run_id: str) -> None:
    """Undo the latest run's effects so it can be recorded again."""
    prev = conn.execute(sa.select(t.runs.c.run_id).where(t.runs.c.seq < sa.select(t.runs.c.seq).where(
        t.runs.c.run_id == run_id).scalar_subquery()).order_by(t.runs.c.seq.desc()).limit(1)).scalar()
    p, tk, ti = t.problem_items, t.tasks, t.task_items
    conn.execute(p.delete().where(p.c.first_run_id == run_id))
    conn.execute(p.update().where(p.c.fixed_run_id == run_id).values(fixed_run_id=None))
    conn.execute(p.update().where(p.c.last_run_id == run_id).values(last_run_id=prev))
    mine = sa.select(tk.c.task_id).where(tk.c.first_run_id == run_id)
    conn.execute(ti.delete().where(ti.c.task_id.in_(mine)))
    conn.execute(tk.delete().where(tk.c.first_run_id == run_id))
    conn.execute(tk.update().where(tk.c.closed_run_id == run_id).values(status="open", closed_run_id=None))
    conn.execute(tk.update().where(tk.c.last_run_id == run_id).values(last_run_id=prev))
    for table in (t.run_metrics, t.gaps, t.coverage_snapshots, t.stage_runs):
        conn.execute(table.delete().where(table.c.run_id == run_id))
    conn.execute(t.runs.delete().where(t.runs.c.run_id == run_id))


# ------------------------------------------------------------------------------------ queries
def _reader(engine, schema):
    """``(tables, readable)``: readable is False when no history was ever recorded."""
    schema = None if _is_sqlite(engine) else schema
    rev = current(engine, schema)
    if rev is None:
        return history_tables(schema), False
    if rev != head():
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
    """Per run: items newly found with a problem, items fixed, problems open after the run."""
    t, ok = _reader(engine, schema)
    if not ok:
        return _empty(CHANGE_COLUMNS)
    r, p = t.runs, t.problem_items
    first, fixed = p.alias("pf"), p.alias("px")
    n_new = sa.select(sa.func.count()).select_from(first).where(first.c.first_run_id == r.c.run_id)
    n_fixed = sa.select(sa.func.count()).select_from(fixed).where(fixed.c.fixed_run_id == r.c.run_id)
    q = sa.select(r.c.seq, r.c.run_id, r.c.as_of, n_new.scalar_subquery().label("new_items"),
                  n_fixed.scalar_subquery().label("fixed_items")).order_by(r.c.seq)
    df = _frame(engine, q, CHANGE_COLUMNS, dates=("as_of",))
    df["open_items"] = (df["new_items"] - df["fixed_items"]).cumsum().astype("int64")
    return df


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
    order = sa.case({p: i for i, p in enumerate(("CRITICAL", "HIGH", "MEDIUM", "LOW"))},
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
