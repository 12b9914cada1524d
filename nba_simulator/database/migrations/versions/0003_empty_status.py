"""coverage snapshots count the 'empty' status (a file present that fails its content rule)

Revision ID: 0003
Revises: 0002
Create Date: 2025-01-03
"""
import sqlalchemy as sa
from alembic import context, op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    schema = context.config.attributes.get("schema")
    with op.batch_alter_table("coverage_snapshots", schema=schema) as batch:
        batch.add_column(sa.Column("empty", sa.Integer, nullable=False, server_default="0"))


def downgrade() -> None:
    schema = context.config.attributes.get("schema")
    with op.batch_alter_table("coverage_snapshots", schema=schema) as batch:
        batch.drop_column("empty")
