"""Reading the history's tasks: every task issued, by status, of a lake (``tasks``), what the
scrapers should do now (``open_tasks``), the items of one task (``task_items``)."""

from __future__ import annotations

import json

import pandas as pd
import sqlalchemy as sa

from ...errors import BadInput
from ...tasks import work_order_frame
from ..engine import connect
from .queries import empty_frame, read_frame, read_tables, scoped

TASK_STATUSES = ("open", "resolved", "superseded")


TASK_COLUMNS = [
    "task_id",
    "status",
    "priority",
    "action",
    "reason",
    "source",
    "data_type",
    "dataset",
    "scraper",
    "season",
    "n_items",
    "gap_id",
    "game_ids",
    "dates",
    "teams",
    "first_run_id",
    "last_run_id",
    "closed_run_id",
    "lake",
    "spec",
]


def tasks(
    engine, status: str | None = None, *, schema: str | None = None, lake: str | None = None, spec: str | None = None
) -> pd.DataFrame:
    """Tasks ever issued (``status``: open | resolved | superseded), of ``lake`` and ``spec`` when
    given (those of the run that last issued the task), in the order of work
    (``tasks.work_order_key``: priority, most recent games, items, task id); the game ids, dates
    and teams as lists."""
    if status is not None and status not in TASK_STATUSES:
        raise BadInput(f"task status must be one of {', '.join(TASK_STATUSES)}, got {status!r}")
    t, ok = read_tables(engine, schema)
    if not ok:
        return empty_frame(TASK_COLUMNS)
    tk, r = t.tasks, t.runs
    last = r.alias("lr")
    q = sa.select(*(tk.c[c] for c in TASK_COLUMNS[:-2]), last.c.lake, last.c.spec).select_from(
        tk.join(last, last.c.run_id == tk.c.last_run_id)
    )
    if status is not None:
        q = q.where(tk.c.status == status)
    df = read_frame(engine, scoped(q, last, lake, spec), TASK_COLUMNS)
    for c in ("game_ids", "dates", "teams"):
        df[c] = [json.loads(v) if isinstance(v, str) else [] for v in df[c]]
    return work_order_frame(df)


def open_tasks(engine, *, schema: str | None = None, lake: str | None = None, spec: str | None = None) -> pd.DataFrame:
    """What scrapers should do now: every open task (of ``lake``), each item in exactly one of
    them, in the order of work."""
    return tasks(engine, "open", schema=schema, lake=lake, spec=spec)


def task_items(engine, task_id: str, *, schema: str | None = None) -> list[str]:
    t, ok = read_tables(engine, schema)
    if not ok:
        return []
    with connect(engine) as conn:
        return list(
            conn.execute(
                sa.select(t.task_items.c.expected_key)
                .where(t.task_items.c.task_id == task_id)
                .order_by(t.task_items.c.expected_key)
            ).scalars()
        )
