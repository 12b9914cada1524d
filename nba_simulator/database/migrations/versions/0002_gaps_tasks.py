"""gaps, problem items, tasks with a lifecycle, headline metrics per run

Adds to stage_runs the attempts and the error; fills run_metrics of the runs already recorded
from their stored summary, so trends start at the first run, not at the upgrade.

Revision ID: 0002
Revises: 0001
Create Date: 2025-01-02
"""
import json

import sqlalchemy as sa
from alembic import context, op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

PRIORITIES = ("CRITICAL", "HIGH", "MEDIUM", "LOW")
TOTALS = ("complete_pct", "have_pct", "expected", "present", "missing", "undersized", "premature",
          "stale", "unmapped")


def _summary_metrics(summary: dict) -> dict:
    """The headline numbers of a stored summary (as history.headline_metrics did at 0002)."""
    out = {}
    totals = summary.get("totals") or {}
    for k in TOTALS:
        if totals.get(k) is not None:
            out[k] = float(totals[k])
    for k in ("orphans", "unparsed"):
        if summary.get(k) is not None:
            out[k] = float(summary[k])
    for group in ("gaps", "tasks"):
        counts = summary.get(group) or {}
        if counts:
            out[f"{group}_total"] = float(sum(counts.values()))
            for p in PRIORITIES:
                out[f"{group}_{p}"] = float(counts.get(p, 0))
    return out


def upgrade() -> None:
    schema = context.config.attributes.get("schema")
    q = (lambda t: f"{schema}.{t}") if schema else (lambda t: t)
    runs_fk = q("runs.run_id")

    with op.batch_alter_table("stage_runs", schema=schema) as batch:
        batch.add_column(sa.Column("attempts", sa.Integer))
        batch.add_column(sa.Column("error", sa.Text))

    metrics = op.create_table(
        "run_metrics",
        sa.Column("run_id", sa.String(64), sa.ForeignKey(runs_fk, ondelete="CASCADE"), primary_key=True),
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("value", sa.Float),
        schema=schema,
    )
    op.create_table(
        "gaps",
        sa.Column("run_id", sa.String(64), sa.ForeignKey(runs_fk, ondelete="CASCADE"), primary_key=True),
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
        schema=schema,
    )
    op.create_index("ix_gaps_run_priority", "gaps", ["run_id", "priority"], schema=schema)
    # one row per problem episode of an item: open from first_run until fixed_run (present again)
    op.create_table(
        "problem_items",
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
        sa.Column("first_run_id", sa.String(64), sa.ForeignKey(runs_fk), nullable=False),
        sa.Column("last_run_id", sa.String(64), sa.ForeignKey(runs_fk), nullable=False),
        sa.Column("fixed_run_id", sa.String(64), sa.ForeignKey(runs_fk)),
        schema=schema,
    )
    op.create_index("ix_problem_items_key", "problem_items", ["expected_key", "fixed_run_id"], schema=schema)
    op.create_index("ix_problem_items_first", "problem_items", ["first_run_id"], schema=schema)
    op.create_index("ix_problem_items_fixed", "problem_items", ["fixed_run_id"], schema=schema)
    op.create_table(
        "tasks",
        sa.Column("task_id", sa.String(32), primary_key=True),
        sa.Column("status", sa.String(16), nullable=False),  # open | resolved | superseded
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
        sa.Column("game_ids", sa.Text),   # JSON lists, as in tasks.json
        sa.Column("dates", sa.Text),
        sa.Column("teams", sa.Text),
        sa.Column("first_run_id", sa.String(64), sa.ForeignKey(runs_fk), nullable=False),
        sa.Column("last_run_id", sa.String(64), sa.ForeignKey(runs_fk), nullable=False),
        sa.Column("closed_run_id", sa.String(64), sa.ForeignKey(runs_fk)),
        schema=schema,
    )
    op.create_index("ix_tasks_status", "tasks", ["status"], schema=schema)
    op.create_table(
        "task_items",
        sa.Column("task_id", sa.String(32), sa.ForeignKey(q("tasks.task_id"), ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("expected_key", sa.String(1024), primary_key=True),
        schema=schema,
    )
    op.create_index("ix_task_items_key", "task_items", ["expected_key"], schema=schema)

    # data: the headline metrics of runs recorded at revision 0001
    runs = sa.table("runs", sa.column("run_id", sa.String), sa.column("summary", sa.Text), schema=schema)
    rows = []
    for run_id, summary in op.get_bind().execute(sa.select(runs.c.run_id, runs.c.summary)):
        try:
            parsed = json.loads(summary) if summary else {}
        except ValueError:
            continue
        rows += [{"run_id": run_id, "name": k, "value": v} for k, v in _summary_metrics(parsed).items()]
    if rows:
        op.bulk_insert(metrics, rows)


def downgrade() -> None:
    schema = context.config.attributes.get("schema")
    for name in ("task_items", "tasks", "problem_items", "gaps", "run_metrics"):
        op.drop_table(name, schema=schema)
    with op.batch_alter_table("stage_runs", schema=schema) as batch:
        batch.drop_column("error")
        batch.drop_column("attempts")
