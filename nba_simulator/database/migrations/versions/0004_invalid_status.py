"""coverage snapshots count the 'invalid' status (a file present that cannot be parsed within
bounded depth, size and time: content probing's verdict, with its reason in content.parquet)

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02
"""
import sqlalchemy as sa
from alembic import context, op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    schema = context.config.attributes.get("schema")
    with op.batch_alter_table("coverage_snapshots", schema=schema) as batch:
        batch.add_column(sa.Column("invalid", sa.Integer, nullable=False, server_default="0"))


def downgrade() -> None:
    schema = context.config.attributes.get("schema")
    with op.batch_alter_table("coverage_snapshots", schema=schema) as batch:
        batch.drop_column("invalid")
