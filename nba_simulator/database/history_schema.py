"""The history tables at the head revision, as SQLAlchemy Core objects for queries.

The migrations create them; this module only describes them (a test checks both agree).
``history_tables(schema)`` gives one namespace of tables per PostgreSQL schema.
"""

from __future__ import annotations

import io
import re
from functools import cache
from types import SimpleNamespace

import pandas as pd
import sqlalchemy as sa

from ..errors import BadInput

STATUS_COUNTS = ("expected", "missing", "undersized", "invalid", "empty", "premature", "stale", "present", "unmapped")


@cache
def check_schema(schema: str | None) -> str | None:
    """A PostgreSQL schema name for the history: letters, digits and ``_``, at most 63, not
    starting with a digit. Anything else (quotes, dots, spaces) is refused (:class:`BadInput`)."""
    if schema is None:
        return None
    if not isinstance(schema, str) or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]{0,62}", schema):
        raise BadInput(
            f"schema {schema!r}: a schema name is letters, digits and _ (at most 63, not starting with a digit)"
        )
    return schema


@cache  # one description per schema (a summary stage asks ~16 times; ~20 ms to build each)
def history_tables(schema: str | None = None) -> SimpleNamespace:
    schema = check_schema(schema)
    md = sa.MetaData(schema=schema)
    run_fk = f"{schema}.runs.run_id" if schema else "runs.run_id"

    def run_ref(name="run_id", **kw):
        return sa.Column(name, sa.String(64), sa.ForeignKey(run_fk, ondelete=kw.pop("ondelete", None)), **kw)

    def per_run(name: str, *columns) -> sa.Table:
        """A table of rows that belong to one run (keyed by it first, deleted with it)."""
        return sa.Table(name, md, run_ref(primary_key=True, ondelete="CASCADE"), *columns)

    runs = sa.Table(
        "runs",
        md,
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("run_id", sa.String(64), nullable=False, unique=True),
        sa.Column("as_of", sa.Date, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True)),
        sa.Column("finished_at", sa.DateTime(timezone=True)),
        sa.Column(
            "recorded_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.text("CURRENT_TIMESTAMP")
        ),
        sa.Column("spec", sa.String(1000)),
        sa.Column("lake", sa.String(1000)),
        sa.Column("estimate", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("nba_simulator", sa.String(32)),
        sa.Column("summary", sa.Text),
    )
    stage_runs = per_run(
        "stage_runs",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("position", sa.Integer, nullable=False, server_default="0"),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True)),
        sa.Column("duration_s", sa.Float),
        sa.Column("peak_memory_mb", sa.Float),
        sa.Column("attempts", sa.Integer),
        sa.Column("error", sa.Text),
    )
    coverage_snapshots = per_run(
        "coverage_snapshots",
        sa.Column("dataset", sa.String(200), primary_key=True),
        sa.Column("season", sa.String(16), primary_key=True),
        sa.Column("source", sa.String(100)),
        sa.Column("data_type", sa.String(100)),
        *(sa.Column(c, sa.Integer, nullable=False, server_default="0") for c in STATUS_COUNTS),
        sa.Column("complete_pct", sa.Float),
        sa.Column("have_pct", sa.Float),
    )
    run_metrics = per_run(
        "run_metrics",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("value", sa.Float),
    )
    gaps = per_run(
        "gaps",
        sa.Column("gap_id", sa.String(32), primary_key=True),
        sa.Column("priority", sa.String(16), nullable=False),
        sa.Column("rule", sa.String(200)),
        sa.Column("dataset", sa.String(200), nullable=False),
        sa.Column("source", sa.String(100)),
        sa.Column("data_type", sa.String(100)),
        sa.Column("required", sa.Boolean),
        sa.Column("season", sa.String(16)),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("first_date", sa.Date),
        sa.Column("last_date", sa.Date),
        sa.Column("n_items", sa.Integer, nullable=False),
        sa.Column("completeness_pct", sa.Float),
        sa.Index("ix_gaps_run_priority", "run_id", "priority"),
    )
    problem_items = sa.Table(
        "problem_items",
        md,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("expected_key", sa.String(1024), nullable=False),
        sa.Column("dataset", sa.String(200), nullable=False),
        sa.Column("season", sa.String(16)),
        sa.Column("season_type", sa.String(16)),
        sa.Column("game_id", sa.String(32)),
        sa.Column("game_date", sa.Date),
        sa.Column("team", sa.String(16)),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("first_status", sa.String(16), nullable=False),
        sa.Column("gap_id", sa.String(32)),
        run_ref("first_run_id", nullable=False),
        run_ref("last_run_id", nullable=False),
        run_ref("fixed_run_id"),
        sa.Index("ix_problem_items_key", "expected_key", "fixed_run_id"),
        sa.Index("ix_problem_items_first", "first_run_id"),
        sa.Index("ix_problem_items_fixed", "fixed_run_id"),
    )
    tasks = sa.Table(
        "tasks",
        md,
        sa.Column("task_id", sa.String(32), primary_key=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("priority", sa.String(16), nullable=False),
        sa.Column("action", sa.String(16)),
        sa.Column("reason", sa.String(16)),
        sa.Column("source", sa.String(100)),
        sa.Column("data_type", sa.String(100)),
        sa.Column("dataset", sa.String(200), nullable=False),
        sa.Column("scraper", sa.String(200)),
        sa.Column("season", sa.String(16)),
        sa.Column("n_items", sa.Integer, nullable=False),
        sa.Column("gap_id", sa.String(32)),
        sa.Column("game_ids", sa.Text),
        sa.Column("dates", sa.Text),
        sa.Column("teams", sa.Text),
        run_ref("first_run_id", nullable=False),
        run_ref("last_run_id", nullable=False),
        run_ref("closed_run_id"),
        sa.Index("ix_tasks_status", "status"),
    )
    task_items = sa.Table(
        "task_items",
        md,
        sa.Column(
            "task_id",
            sa.String(32),
            sa.ForeignKey(f"{schema}.tasks.task_id" if schema else "tasks.task_id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("expected_key", sa.String(1024), primary_key=True),
        sa.Index("ix_task_items_key", "expected_key"),
    )
    return SimpleNamespace(
        metadata=md,
        runs=runs,
        stage_runs=stage_runs,
        coverage_snapshots=coverage_snapshots,
        run_metrics=run_metrics,
        gaps=gaps,
        problem_items=problem_items,
        tasks=tasks,
        task_items=task_items,
    )


def temp_table(conn, name: str, columns: list[sa.Column], rows=None) -> sa.Table:
    """A temporary table on ``conn`` (dropped first if it exists), filled with ``rows``: a list
    of dicts (multi-row INSERTs) or a DataFrame with the table's columns (``COPY`` on
    PostgreSQL, which loads tens of thousands of rows in milliseconds). Temporary tables live in
    the connection: use the same ``conn`` to query them."""
    table = sa.Table(name, sa.MetaData(), *columns, prefixes=["TEMPORARY"])
    table.drop(conn, checkfirst=True)
    table.create(conn)
    if rows is None or len(rows) == 0:
        return table
    if not hasattr(rows, "columns"):
        conn.execute(table.insert(), rows)
    elif conn.dialect.name == "postgresql" and conn.dialect.driver == "psycopg2":
        _copy(conn, table, rows)
    else:
        frame = rows[[c.name for c in table.columns]].copy()
        for col in frame.columns:
            if pd.api.types.is_datetime64_any_dtype(frame[col]) and isinstance(table.c[col].type, sa.Date):
                frame[col] = frame[col].dt.date
        frame = frame.astype(object)
        conn.execute(table.insert(), frame.where(frame.notna(), None).to_dict("records"))
    return table


def _copy(conn, table: sa.Table, frame) -> None:
    names = [c.name for c in table.columns]
    buf = io.StringIO()
    # CSV: an unquoted empty field is NULL (so an empty string loads as NULL too)
    frame[names].to_csv(buf, index=False, header=False, na_rep="", date_format="%Y-%m-%d %H:%M:%S")
    buf.seek(0)
    cursor = conn.connection.dbapi_connection.cursor()
    try:
        columns = ", ".join(f'"{n}"' for n in names)
        cursor.copy_expert(f'COPY "{table.name}" ({columns}) FROM STDIN WITH (FORMAT csv)', buf)
    finally:
        cursor.close()
