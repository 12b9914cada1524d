"""The run history's parts on SQLite: a run folder recorded (files), the item lifecycle
(lifecycle), the runs of one lake and spec (scope), and the queries over them (queries)."""

from __future__ import annotations

import sqlalchemy as sa

from nba_simulator.database.engine import make_engine
from nba_simulator.database.history.files import record_run_dir
from nba_simulator.database.history.lifecycle import ITEM_COLUMNS
from nba_simulator.database.history.queries import latest_run, new_since_last_run, runs
from nba_simulator.database.history.scope import same_scope, scope_of
from nba_simulator.database.history.task_queries import TASK_STATUSES
from nba_simulator.database.history_schema import history_tables
from nba_simulator.reconcile import write_outputs
from tests.database import fixtures as F

G = F.HISTORY_GAMES


def test_two_runs_recorded_from_their_folders_then_queried(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'h.db'}")
    try:
        write_outputs(F.analyse_run(G[:1]), tmp_path / "first")
        got = record_run_dir(engine, tmp_path / "first")
        assert got["run_id"] == "first" and got["new_items"] > 0
        assert latest_run(engine) == "first"
        new = new_since_last_run(engine)
        assert len(new) == got["new_items"] and set(ITEM_COLUMNS) <= set(new.columns)

        write_outputs(F.analyse_run(G[:4], as_of="2023-11-11"), tmp_path / "second")
        again = record_run_dir(engine, tmp_path / "second")
        assert again["fixed_items"] == 3 and latest_run(engine) == "second"
        assert runs(engine)["run_id"].tolist() == ["first", "second"]
        assert set(TASK_STATUSES) == {"open", "resolved", "superseded"}

        t = history_tables()
        with engine.connect() as conn:
            lake, spec = scope_of(conn, t, "second")
            assert (lake, spec) == scope_of(conn, t, "first") and lake == "s3://nba-lake/raw"
            assert sorted(conn.execute(same_scope(t, lake, spec)).scalars()) == ["first", "second"]
            assert conn.execute(same_scope(t, "s3://other", spec)).first() is None
            assert scope_of(conn, t, "nope") == (None, None)
            assert conn.execute(sa.select(sa.func.count()).select_from(t.runs)).scalar() == 2
    finally:
        engine.dispose()
