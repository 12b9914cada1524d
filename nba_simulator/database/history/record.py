"""Recording a run in the history: one transaction over every history table."""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd
import sqlalchemy as sa

from ...errors import BadInput
from ..engine import connect, redact, scrub
from ..history_schema import STATUS_COUNTS, history_tables
from ..metrics import headline_metrics, publish_cloudwatch
from ..migrate import ensure_current
from .lifecycle import item_lifecycle, task_lifecycle
from .rows import clip, is_sqlite, records, utc, value_or_none
from .scope import same_scope, scope_of

log = logging.getLogger("nba_simulator.database.history")


@dataclass(frozen=True)
class RunParts:
    """What :func:`record_run` records of a run besides its result: each of the result's parts
    given here replaces the result's own (``None``: the result's), and the run's bookkeeping:
    ``stages`` (the runner's stage records, ``run.json``'s ``stages``), ``status``, start and end."""

    summary: Mapping | None = None
    coverage: pd.DataFrame | None = None
    completeness: pd.DataFrame | None = None
    gaps: pd.DataFrame | None = None
    tasks: list[dict] | None = None
    stages: Iterable[Mapping] | None = None
    status: str = "succeeded"
    started_at: Any = None
    finished_at: Any = None

    def part(self, result: Any, name: str):
        mine = getattr(self, name)
        return mine if mine is not None else _part(result, name)


def record_run(
    engine,
    run_id: str,
    result: Any = None,
    *,
    parts: RunParts | None = None,
    schema: str | None = None,
    cloudwatch=None,
    auto_upgrade: bool = True,
    replace: bool = True,
) -> dict:
    """Record one run (``replace``: a run id already recorded is recorded again, else refused).
    ``result`` is a ``reconcile.Result`` (or anything with ``summary``,
    ``coverage``, ``completeness``, ``gaps``, ``tasks``); ``parts`` (:class:`RunParts`) override
    its parts and carry the stages and times. ``cloudwatch``: a ``config.CloudWatchConfig`` to
    publish the metrics (None: off). Returns what changed."""
    parts = parts or RunParts()
    summary = dict(parts.part(result, "summary"))
    coverage = parts.part(result, "coverage")
    completeness = parts.part(result, "completeness")
    gaps = parts.part(result, "gaps")
    tasks = list(parts.part(result, "tasks"))
    stages, status, started_at, finished_at = parts.stages, parts.status, parts.started_at, parts.finished_at
    if not run_id or len(str(run_id)) > 64:
        raise BadInput(f"run id must be 1 to 64 characters, got {run_id!r}")
    try:
        as_of = dt.date.fromisoformat(str(summary["as_of"])[:10])
    except (KeyError, ValueError):
        raise BadInput(f"run {run_id}: the summary has no as_of date") from None
    if is_sqlite(engine):
        schema = None
    ensure_current(engine, schema, auto_upgrade)
    t = history_tables(schema)
    estimate = bool(summary.get("estimate"))
    with connect(engine, begin=True) as conn:
        existing = conn.execute(sa.select(t.runs.c.seq).where(t.runs.c.run_id == run_id)).scalar()
        if existing is not None:
            if not replace:
                raise BadInput(
                    f"run {run_id} is already in the history {redact(engine.url)}: pass --replace to record it again"
                )
            latest = conn.execute(sa.select(sa.func.max(t.runs.c.seq))).scalar()
            if existing != latest:
                raise BadInput(f"run {run_id} is already in the history and later runs build on it")
            unrecord(conn, t, run_id)
        lake = clip(redact((summary.get("inventory") or {}).get("lake")), 1000)
        spec = clip(summary.get("spec"), 1000)
        conn.execute(
            t.runs.insert().values(
                run_id=run_id,
                as_of=as_of,
                status=status,
                started_at=utc(started_at),
                finished_at=utc(finished_at),
                spec=spec,
                lake=lake,
                estimate=estimate,
                nba_simulator=clip(summary.get("nba_simulator"), 32),
                summary=scrub(json.dumps(summary, default=str)),
            )
        )
        if stages is not None:
            insert_stages(conn, t, run_id, stages)
        _insert_snapshots(conn, t, run_id, completeness)
        _insert_gaps(conn, t, run_id, gaps)
        scope = same_scope(t, lake, spec)  # "since the last run" = of this lake and spec
        items = item_lifecycle(conn, t, run_id, coverage, gaps, scope)
        task_counts = task_lifecycle(conn, t, run_id, tasks, estimate, scope)
        metrics = headline_metrics(summary)
        metrics.update(
            new_items=items["new"],
            fixed_items=items["fixed"],
            open_tasks=task_counts["open"],
            resolved_tasks=task_counts["resolved"],
        )
        conn.execute(
            t.run_metrics.insert(), [{"run_id": run_id, "name": k, "value": float(v)} for k, v in metrics.items()]
        )
    out = {
        "run_id": run_id,
        "new_items": items["new"],
        "fixed_items": items["fixed"],
        "still_open_items": items["still"],
        **{f"tasks_{k}": v for k, v in task_counts.items()},
        "metrics": metrics,
        "published": 0,
    }
    if cloudwatch is not None:
        try:
            out["published"] = publish_cloudwatch(
                metrics,
                cloudwatch.namespace,
                region=cloudwatch.region,
                dimensions={"Lake": redact((summary.get("inventory") or {}).get("lake"))},
            )
        except Exception as exc:  # noqa: BLE001 - monitoring must not undo a recorded run
            log.warning("could not publish metrics to CloudWatch: %s: %s", type(exc).__name__, scrub(str(exc)))
            out["publish_error"] = f"{type(exc).__name__}: {scrub(str(exc))}"
    log.info(
        "recorded run %s in %s: %d new, %d fixed items; %d open tasks",
        run_id,
        redact(engine.url),
        items["new"],
        items["fixed"],
        task_counts["open"],
    )
    return out


def record_stages(
    engine,
    run_id: str,
    stages: Iterable[Mapping],
    *,
    status: str | None = None,
    finished_at=None,
    schema: str | None = None,
) -> None:
    """Replace the stage runs of a recorded run (the runner calls it once the run is over, since
    the stage that recorded the run was still running), and optionally its status and end."""
    schema = None if is_sqlite(engine) else schema
    t = history_tables(schema)
    with connect(engine, begin=True) as conn:
        if conn.execute(sa.select(t.runs.c.seq).where(t.runs.c.run_id == run_id)).scalar() is None:
            raise BadInput(f"run {run_id} is not in the history {redact(engine.url)}")
        conn.execute(t.stage_runs.delete().where(t.stage_runs.c.run_id == run_id))
        insert_stages(conn, t, run_id, stages)
        values = {}
        if status is not None:
            values["status"] = status
        if finished_at is not None:
            values["finished_at"] = utc(finished_at)
        if values:
            conn.execute(t.runs.update().where(t.runs.c.run_id == run_id).values(**values))


def _part(result: Any, name: str):
    if result is None:
        raise BadInput(f"record_run needs a result or {name}=")
    return getattr(result, name)


def insert_stages(conn, t, run_id: str, stages: Iterable[Mapping]) -> None:
    rows = []
    for i, st in enumerate(stages or []):
        err = st.get("error")
        if isinstance(err, Mapping):
            err = f"{err.get('ename', '')}: {err.get('evalue', '')}".strip(": ")
        rows.append(
            {
                "run_id": run_id,
                "name": str(st["name"])[:64],
                "position": i,
                "status": str(st.get("status") or "unknown")[:16],
                "started_at": utc(st.get("start") or st.get("started_at")),
                "duration_s": value_or_none(st.get("duration_s")),
                "peak_memory_mb": value_or_none(st.get("peak_memory_mb")),
                "attempts": value_or_none(st.get("attempts")),
                "error": scrub(err)[:4000] if err else None,
            }
        )
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
    rows = records(c)
    for r in rows:
        r["run_id"] = run_id
        for col in STATUS_COUNTS:
            r[col] = int(r[col] or 0)
    conn.execute(t.coverage_snapshots.insert(), rows)


def _insert_gaps(conn, t, run_id: str, gaps: pd.DataFrame) -> None:
    if gaps is None or gaps.empty:
        return
    cols = [
        "gap_id",
        "priority",
        "rule",
        "dataset",
        "source",
        "data_type",
        "required",
        "season",
        "status",
        "first_date",
        "last_date",
        "n_items",
        "completeness_pct",
    ]
    g = gaps.reindex(columns=cols).drop_duplicates("gap_id")
    rows = records(g, dates=("first_date", "last_date"))
    for r in rows:
        r["run_id"] = run_id
        r["required"] = None if r["required"] is None else bool(r["required"])
        r["n_items"] = int(r["n_items"])
        r["rule"] = clip(r["rule"], 200)
    conn.execute(t.gaps.insert(), rows)


def unrecord(conn, t, run_id: str) -> None:
    """Undo the latest run's effects so it can be recorded again (what it kept open goes back to
    the previous run of its lake and spec)."""
    before = sa.select(t.runs.c.seq).where(t.runs.c.run_id == run_id).scalar_subquery()
    prev = conn.execute(
        sa.select(t.runs.c.run_id)
        .where(t.runs.c.seq < before, t.runs.c.run_id.in_(same_scope(t, *scope_of(conn, t, run_id))))
        .order_by(t.runs.c.seq.desc())
        .limit(1)
    ).scalar()
    p, tk, ti = t.problem_items, t.tasks, t.task_items
    conn.execute(p.delete().where(p.c.first_run_id == run_id))
    conn.execute(p.update().where(p.c.fixed_run_id == run_id).values(fixed_run_id=None))
    back = prev if prev is not None else p.c.first_run_id
    conn.execute(p.update().where(p.c.last_run_id == run_id).values(last_run_id=back))
    mine = sa.select(tk.c.task_id).where(tk.c.first_run_id == run_id)
    conn.execute(ti.delete().where(ti.c.task_id.in_(mine)))
    conn.execute(tk.delete().where(tk.c.first_run_id == run_id))
    conn.execute(tk.update().where(tk.c.closed_run_id == run_id).values(status="open", closed_run_id=None))
    conn.execute(
        tk.update()
        .where(tk.c.last_run_id == run_id)
        .values(last_run_id=prev if prev is not None else tk.c.first_run_id)
    )
    for table in (t.run_metrics, t.gaps, t.coverage_snapshots, t.stage_runs):
        conn.execute(table.delete().where(table.c.run_id == run_id))
    conn.execute(t.runs.delete().where(t.runs.c.run_id == run_id))
