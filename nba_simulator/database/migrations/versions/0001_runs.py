"""runs, stage runs, coverage snapshots

Revision ID: 0001
Revises:
Create Date: 2025-01-01
"""
import sqlalchemy as sa
from alembic import context, op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    schema = context.config.attributes.get("schema")
    runs_fk = f"{schema}.runs.run_id" if schema else "runs.run_id"
    op.create_table(
        "runs",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("run_id", sa.String(64), nullable=False, unique=True),
        sa.Column("as_of", sa.Date, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True)),
        sa.Column("finished_at", sa.DateTime(timezone=True)),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False,
                  server_default=sa.text("CURRENT_TIMESTAMP")),
        sa.Column("spec", sa.String(1000)),
        sa.Column("lake", sa.String(1000)),
        sa.Column("estimate", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("nba_simulator", sa.String(32)),
        sa.Column("summary", sa.Text),
        schema=schema,
    )
    op.create_table(
        "stage_runs",
        sa.Column("run_id", sa.String(64), sa.ForeignKey(runs_fk, ondelete="CASCADE"), primary_key=True),
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("position", sa.Integer, nullable=False, server_default="0"),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True)),
        sa.Column("duration_s", sa.Float),
        sa.Column("peak_memory_mb", sa.Float),
        schema=schema,
    )
    op.create_table(
        "coverage_snapshots",
        sa.Column("run_id", sa.String(64), sa.ForeignKey(runs_fk, ondelete="CASCADE"), primary_key=True),
        sa.Column("dataset", sa.String(200), primary_key=True),
        sa.Column("season", sa.String(16), primary_key=True),
        sa.Column("source", sa.String(100)),
        sa.Column("data_type", sa.String(100)),
        *(sa.Column(c, sa.Integer, nullable=False, server_default="0")
          for c in ("expected", "missing", "undersized", "premature", "stale", "present", "unmapped")),
        sa.Column("complete_pct", sa.Float),
        sa.Column("have_pct", sa.Float),
        schema=schema,
    )


def downgrade() -> None:
    schema = context.config.attributes.get("schema")
    for name in ("coverage_snapshots", "stage_runs", "runs"):
        op.drop_table(name, schema=schema)
