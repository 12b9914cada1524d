"""Backends for the database tests: SQLite (a file per test) and the real PostgreSQL server.

PostgreSQL comes from ``NBA_RECON_TEST_PG_URL`` (CI: the server on 127.0.0.1:5432, database
``test``), else that same local default; the tests skip with the reason when it cannot be
reached. Each test gets its own schema (``nbat_<random>``), dropped afterwards, so parallel and
repeated runs never meet.
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass

import pytest
import sqlalchemy as sa

from nba_simulator.database.engine import make_engine, redact

PG_URL = os.environ.get("NBA_RECON_TEST_PG_URL") or "postgresql+psycopg2://postgres@127.0.0.1:5432/test"
_pg_reason: list[str] = []


def pg_unreachable() -> str | None:
    """None when PostgreSQL answers, else why not (checked once)."""
    if not _pg_reason:
        try:
            engine = make_engine(PG_URL, connect_args={"connect_timeout": 3})
            with engine.connect() as conn:
                conn.execute(sa.text("select 1"))
            engine.dispose()
            _pg_reason.append("")
        except Exception as exc:  # noqa: BLE001 - any failure means: skip
            first = str(getattr(exc, "orig", exc)).strip().splitlines()
            _pg_reason.append(
                f"PostgreSQL not reachable at {redact(PG_URL)} "
                f"(set NBA_RECON_TEST_PG_URL): {first[0] if first else type(exc).__name__}"
            )
    return _pg_reason[0] or None


@dataclass
class Backend:
    name: str
    engine: sa.Engine
    schema: str | None
    url: str

    def execute(self, sql: str, **params):
        with self.engine.begin() as conn:
            return conn.execute(sa.text(sql), params)


def _new_schema(engine) -> str:
    schema = f"nbat_{uuid.uuid4().hex[:12]}"
    with engine.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    return schema


def _drop_schema(engine, schema: str) -> None:
    with engine.begin() as conn:
        conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))


@pytest.fixture
def postgres():
    reason = pg_unreachable()
    if reason:
        pytest.skip(reason)
    engine = make_engine(PG_URL)
    schema = _new_schema(engine)
    try:
        yield Backend("postgres", engine, schema, PG_URL)
    finally:
        _drop_schema(engine, schema)
        engine.dispose()


@pytest.fixture
def sqlite(tmp_path):
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    engine = make_engine(url)
    yield Backend("sqlite", engine, None, url)
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request):
    return request.getfixturevalue(request.param)
