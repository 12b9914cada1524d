"""Alembic environment: always online, on the connection ``database.migrate`` hands over.

``config.attributes``: ``connection`` (required) and ``schema`` (PostgreSQL schema of the history
tables, or None). The version table is ``nba_recon_version`` so it never meets a user's own
``alembic_version`` when the history shares their database.
"""

from alembic import context

from nba_simulator.database.migrate import VERSION_TABLE

config = context.config
connection = config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run the history migrations through nba_simulator.database.migrate.upgrade(engine)")
schema = config.attributes.get("schema")

context.configure(
    connection=connection,
    target_metadata=None,
    version_table=VERSION_TABLE,
    version_table_schema=schema,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
