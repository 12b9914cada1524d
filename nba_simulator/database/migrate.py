"""Create and upgrade the history schema with the packaged Alembic migrations, from Python.

``upgrade(engine)`` brings an empty database, or one at an older revision, to ``head`` in one
transaction (on PostgreSQL; SQLite's batch mode rebuilds tables where ALTER cannot). ``schema``
puts the history tables in a PostgreSQL schema (created if absent), e.g. beside the user's tables.
The revision is kept in ``nba_recon_version``.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from ..errors import BadInput
from .engine import connect, redact
from .history_schema import check_schema

VERSION_TABLE = "nba_recon_version"
MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def _config(connection=None, schema: str | None = None):
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("path_separator", "os")
    cfg.attributes["connection"] = connection
    cfg.attributes["schema"] = schema
    return cfg


@lru_cache(maxsize=1)
def head() -> str:
    """The newest revision of the packaged migrations."""
    return ScriptDirectory.from_config(_config()).get_current_head()


def revisions() -> list[str]:
    """Every revision, oldest first."""
    return [s.revision for s in reversed(list(ScriptDirectory.from_config(_config()).walk_revisions()))]


def check_known(engine, rev: str | None) -> None:
    """A revision this nba-recon does not know was written by a NEWER nba-recon: no upgrade can
    help, only a newer nba-recon (:class:`BadInput` saying so)."""
    if rev is not None and rev not in revisions():
        raise BadInput(
            f"the history database {redact(engine.url)} is at revision {rev}, written by "
            f"a newer nba-recon (this one knows up to {head()}): upgrade nba-recon "
            "(pip install -U nba-simulator) or use another history (--url)"
        )


def upgrade(engine, revision: str = "head", schema: str | None = None) -> str:
    """Upgrade the history schema to ``revision``; returns the revision now current."""
    check_schema(schema)
    check_known(engine, current(engine, schema))
    with connect(engine, begin=True) as conn:
        if schema and conn.dialect.name != "sqlite":
            conn.execute(sa.schema.CreateSchema(schema, if_not_exists=True))
        elif schema:
            schema = None  # SQLite has no schemas: one file is one history
        command.upgrade(_config(conn, schema), revision)
    return current(engine, schema)


def downgrade(engine, revision: str, schema: str | None = None) -> str | None:
    with connect(engine, begin=True) as conn:
        command.downgrade(_config(conn, schema if conn.dialect.name != "sqlite" else None), revision)
    return current(engine, schema)


def current(engine, schema: str | None = None) -> str | None:
    """The revision of the history schema (None: no history tables yet)."""
    check_schema(schema)
    with connect(engine) as conn:
        if conn.dialect.name == "sqlite":
            schema = None
        ctx = MigrationContext.configure(conn, opts={"version_table": VERSION_TABLE, "version_table_schema": schema})
        return ctx.get_current_revision()


def ensure_current(engine, schema: str | None = None, auto_upgrade: bool = True) -> None:
    """Make sure the history schema is at head: upgrade it, or say how to."""
    rev = current(engine, schema)
    if rev == head():
        return
    check_known(engine, rev)
    if auto_upgrade:
        upgrade(engine, schema=schema)
        return
    raise BadInput(
        f"the history database {redact(engine.url)} is at revision {rev or '(none)'}, "
        f"not {head()}: run `nba-recon db upgrade`"
    )
