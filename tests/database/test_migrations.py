"""Migrations: an empty database and one at the previous revision (holding data) reach head."""

import json

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from nba_simulator.database import history as H
from nba_simulator.database import migrate
from nba_simulator.database.history_schema import history_tables
from nba_simulator.errors import BadInput

from . import fixtures as F

HEAD = migrate.head()


def table_names(backend):
    return set(sa.inspect(backend.engine).get_table_names(schema=backend.schema))


def test_revisions_are_a_chain():
    assert migrate.revisions() == ["0001", "0002", "0003", "0004"]
    assert migrate.head() == "0004"


def test_upgrade_an_empty_database(backend):
    assert migrate.current(backend.engine, backend.schema) is None
    assert migrate.upgrade(backend.engine, schema=backend.schema) == HEAD
    assert {
        "runs",
        "stage_runs",
        "coverage_snapshots",
        "run_metrics",
        "gaps",
        "problem_items",
        "tasks",
        "task_items",
        "nba_recon_version",
    } <= table_names(backend)
    assert migrate.upgrade(backend.engine, schema=backend.schema) == HEAD  # idempotent


def test_the_tables_module_matches_the_migrations(backend):
    migrate.upgrade(backend.engine, schema=backend.schema)
    with backend.engine.connect() as conn:
        ctx = MigrationContext.configure(
            conn,
            opts={
                "include_schemas": bool(backend.schema),
                "compare_type": True,
                "version_table": migrate.VERSION_TABLE,
                "version_table_schema": backend.schema,
                "include_name": lambda name, type_, parent: type_ != "schema" or name == backend.schema,
            },
        )
        diff = compare_metadata(ctx, history_tables(backend.schema).metadata)
    assert diff == []


def _fill_rev1(backend):
    q = (lambda t: f'"{backend.schema}".{t}') if backend.schema else (lambda t: t)
    summary = {
        "as_of": "2023-11-10",
        "totals": {"expected": 7, "present": 1, "missing": 6, "complete_pct": 14.29, "have_pct": 14.29},
        "gaps": {"CRITICAL": 1, "HIGH": 2, "MEDIUM": 0, "LOW": 0},
        "tasks": {"CRITICAL": 1, "HIGH": 3, "MEDIUM": 0, "LOW": 0},
        "orphans": 2,
    }
    backend.execute(
        f"INSERT INTO {q('runs')} (run_id, as_of, status, estimate, summary) "
        "VALUES ('old1', '2023-11-09', 'succeeded', false, :s), "
        "('old2', '2023-11-10', 'succeeded', false, :s)",
        s=json.dumps(summary),
    )
    backend.execute(
        f"INSERT INTO {q('stage_runs')} (run_id, name, position, status, duration_s, "
        "peak_memory_mb) VALUES ('old1', '01_scan', 1, 'succeeded', 12.5, 300)"
    )
    backend.execute(
        f"INSERT INTO {q('coverage_snapshots')} (run_id, dataset, season, expected, "
        "present, missing, complete_pct) VALUES ('old1', 'pbp', '2023-24', 6, 1, 5, 16.67), "
        "('old2', 'pbp', '2023-24', 6, 2, 4, 33.33)"
    )


def test_upgrade_from_the_previous_revision_keeps_and_extends_the_data(backend):
    assert migrate.upgrade(backend.engine, "0001", schema=backend.schema) == "0001"
    assert "tasks" not in table_names(backend)
    _fill_rev1(backend)
    with pytest.raises(BadInput, match="at revision 0001, not 0004: run `nba-recon db upgrade`"):
        migrate.ensure_current(backend.engine, backend.schema, auto_upgrade=False)
    assert migrate.upgrade(backend.engine, schema=backend.schema) == HEAD

    runs = H.runs(backend.engine, schema=backend.schema)
    assert runs["run_id"].tolist() == ["old1", "old2"]
    stages = H.stage_runs(backend.engine, schema=backend.schema)
    assert stages[["name", "duration_s", "peak_memory_mb"]].values.tolist() == [["01_scan", 12.5, 300.0]]
    assert stages["attempts"].isna().all()  # new column, no value yet
    metrics = H.metrics_by_run(backend.engine, schema=backend.schema).set_index("run_id")
    assert metrics.loc["old1", "complete_pct"] == 14.29  # filled from the stored summary
    assert metrics.loc["old2", "gaps_total"] == 3 and metrics.loc["old2", "tasks_HIGH"] == 3
    trend = H.completeness_trend(backend.engine, "pbp", schema=backend.schema)
    assert trend["complete_pct"].tolist() == [round(100 / 6, 2), round(200 / 6, 2)]

    # the upgraded history takes new runs
    got = H.record_run(backend.engine, "new1", F.analyse_run(F.HISTORY_GAMES[:1]), schema=backend.schema)
    assert got["new_items"] == 6
    assert H.runs(backend.engine, schema=backend.schema)["run_id"].tolist() == ["old1", "old2", "new1"]


def test_downgrade_and_upgrade_again(backend):
    migrate.upgrade(backend.engine, schema=backend.schema)
    H.record_run(backend.engine, "r1", F.analyse_run(F.HISTORY_GAMES[:1]), schema=backend.schema)
    assert migrate.downgrade(backend.engine, "0001", schema=backend.schema) == "0001"
    assert "tasks" not in table_names(backend)
    cols = {c["name"] for c in sa.inspect(backend.engine).get_columns("stage_runs", schema=backend.schema)}
    assert "attempts" not in cols
    assert migrate.upgrade(backend.engine, schema=backend.schema) == HEAD
    assert H.runs(backend.engine, schema=backend.schema)["run_id"].tolist() == ["r1"]


def test_record_run_upgrades_a_fresh_database(backend):
    H.record_run(backend.engine, "r1", F.analyse_run(F.HISTORY_GAMES[:1]), schema=backend.schema)
    assert migrate.current(backend.engine, backend.schema) == HEAD


def test_upgrade_from_0002_counts_empty_files(backend):
    migrate.upgrade(backend.engine, "0002", schema=backend.schema)
    q = f'"{backend.schema}".' if backend.schema else ""
    backend.execute(f"INSERT INTO {q}runs (run_id, as_of, status, estimate) VALUES ('r', '2023-11-10', 'ok', false)")
    backend.execute(
        f"INSERT INTO {q}coverage_snapshots (run_id, dataset, season, expected, present) "
        "VALUES ('r', 'pbp', '2023-24', 6, 6)"
    )
    assert migrate.upgrade(backend.engine, schema=backend.schema) == "0004"
    with backend.engine.connect() as conn:
        import sqlalchemy as sa

        assert conn.execute(sa.text(f"SELECT empty, present FROM {q}coverage_snapshots")).all() == [(0, 6)]


def test_a_newer_revision_says_to_upgrade_nba_recon(backend):
    """A history written by a newer nba-recon: `db upgrade` cannot help; the advice says so."""
    migrate.upgrade(backend.engine, schema=backend.schema)
    q = f'"{backend.schema}".' if backend.schema else ""
    backend.execute(f"UPDATE {q}nba_recon_version SET version_num = '0099'")
    with pytest.raises(BadInput, match="revision 0099, written by a newer nba-recon .*upgrade nba-recon"):
        H.runs(backend.engine, schema=backend.schema)
    with pytest.raises(BadInput, match="written by a newer nba-recon"):
        migrate.upgrade(backend.engine, schema=backend.schema)
    with pytest.raises(BadInput, match="written by a newer nba-recon"):
        H.record_run(backend.engine, "r9", F.analyse_run(F.HISTORY_GAMES[:1]), schema=backend.schema)
