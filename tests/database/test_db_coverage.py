"""Database coverage: the same fixtures give the same answers on SQLite and PostgreSQL."""

import pandas as pd
import pytest
import sqlalchemy as sa

from nba_simulator.database.db_coverage import (
    PROBLEM_COLUMNS,
    SUMMARY_COLUMNS,
    db_coverage,
    expected_games,
    raw_flags,
    run_db_coverage,
    write_db_coverage,
)
from nba_simulator.database.user_tables import schedule_from_db
from nba_simulator.errors import BadInput, SpecError
from nba_simulator.schedule.load import COLUMNS as CANONICAL_COLUMNS

from . import fixtures as F


@pytest.fixture
def world(backend):
    F.create_user_tables(backend.engine, backend.schema)
    return backend, F.spec(backend.schema)


def _cov(world, **kw):
    backend, spec = world
    kw.setdefault("lake_coverage", F.lake_coverage())
    return db_coverage(
        backend.engine,
        spec.database,
        F.schedule(),
        F.AS_OF,
        seasons=spec.database.seasons,
        season_types=("regular", "playoffs"),
        **kw,
    )


def test_expected_games_follow_the_lake_rule():
    games = expected_games(F.schedule(), F.AS_OF, ("2022-23", "2023-24"), ("regular", "playoffs"))
    assert list(games["game_id"]) == [
        "0022200001",
        "0022300001",
        "0022300002",
        "0022300004",
        "0022300005",
        "0022300006",
        "0022300007",
    ]


def test_raw_flags_present_missing_unknown():
    flags = raw_flags(F.lake_coverage(), ("nba_pbp",))
    assert flags.dropna().to_dict() == {
        "0022300001": 1,
        "0022300002": 0,
        "0022300004": 1,
        "0022300006": 1,
        "0022300007": 0,
    }
    assert pd.isna(flags["0022300005"])  # only an undersized file: neither present nor missing
    assert raw_flags(F.lake_coverage(), ()).empty
    empty_file = pd.DataFrame({"dataset": ["nba_pbp"], "game_id": ["0022300001"], "status": ["empty"]})
    assert pd.isna(raw_flags(empty_file, ("nba_pbp",))["0022300001"])  # fails its content rule


def test_summary_per_table_and_season(world):
    result = _cov(world)
    assert list(result.summary.columns) == SUMMARY_COLUMNS
    got = [tuple(r) for r in result.summary[SUMMARY_COLUMNS[:1] + SUMMARY_COLUMNS[2:-1]].itertuples(index=False)]
    assert got == F.EXPECTED_SUMMARY
    assert result.expected_games == 7
    assert set(result.summary["kind"]) == {"games", "child"}
    games_2324 = result.summary.iloc[1]
    assert games_2324["loaded_pct"] == pytest.approx(100 * 5 / 6, abs=0.01)


def test_problems_per_game(world):
    result = _cov(world)
    assert list(result.problems.columns) == PROBLEM_COLUMNS
    got = result.problems.groupby(["table", "problem"])["game_id"].agg(set).to_dict()
    assert got == F.EXPECTED_PROBLEMS
    loaded_no_raw = result.problems[result.problems["problem"] == "loaded_no_raw"]
    assert dict(zip(loaded_no_raw["table"], loaded_no_raw["rows"])) == {"play_by_play": 2, "espn_box_scores": 1}


def test_without_lake_coverage_raw_columns_are_zero(world):
    result = _cov(world, lake_coverage=None)
    assert (result.summary[["raw_present", "raw_not_loaded", "loaded_no_raw"]] == 0).all().all()
    assert not result.problems["problem"].isin(["raw_not_loaded", "loaded_no_raw"]).any()


@pytest.mark.postgres
def test_same_answers_on_sqlite_and_postgres(sqlite, postgres):
    results = []
    for b in (sqlite, postgres):
        F.create_user_tables(b.engine, b.schema)
        results.append(_cov((b, F.spec(b.schema))))
    a, b = results
    pd.testing.assert_frame_equal(a.summary, b.summary)
    pd.testing.assert_frame_equal(a.problems, b.problems)


def test_temp_tables_do_not_leak(world):
    backend, _ = world
    _cov(world)
    _cov(world)  # twice on the same pool: the temporary tables were dropped
    names = sa.inspect(backend.engine).get_table_names(schema=backend.schema)
    assert not [n for n in names if n.startswith("_nba_recon")]


def test_missing_table_or_column_names_the_spec_line(backend):
    spec = F.spec(backend.schema)
    with pytest.raises(BadInput, match=r"db\.yaml:\d+: database: no table '(\w+\.)?games'"):
        db_coverage(backend.engine, spec.database, F.schedule(), F.AS_OF)
    F.create_user_tables(backend.engine, backend.schema)
    bad = F.SPEC.replace("game_id: gid", "game_id: game_ref")
    spec = F.parse_spec(
        bad.format(
            schema=backend.schema,
            schedule="builtin",
            schema_line=f"  schema: {backend.schema}\n" if backend.schema else "",
        ),
        "db.yaml",
    )
    with pytest.raises(BadInput, match=r"db\.yaml:\d+: database: table '(\w+\.)?box_scores' has no column 'game_ref'"):
        db_coverage(backend.engine, spec.database, F.schedule(), F.AS_OF)


def test_schedule_from_db_gives_the_canonical_frame(world):
    backend, spec = world
    sched = schedule_from_db(spec.database, backend.engine)
    assert list(sched["game_id"]) == [
        "0022200001",
        "0022300001",
        "0022300002",
        "0022300004",
        "0022300005",
        "0022300007",
        "0022300099",
    ]
    assert list(sched.columns) == list(CANONICAL_COLUMNS)
    assert list(sched.columns)[:6] == ["game_id", "season", "season_type", "game_date", "home_team", "away_team"]
    assert str(sched["game_date"].dtype) == "datetime64[ns]"
    assert (sched["status"] == "final").all() and (sched["season_type"] == "regular").all()
    assert sched.loc[0, "bbref_game_id"] == "202210180BOS"


def test_schedule_db_via_run_db_coverage(world):
    backend, _ = world
    spec = F.spec(backend.schema, schedule_source="db")
    result = run_db_coverage(spec, F.AS_OF, engine=backend.engine)
    games = result.summary[result.summary["table"] == "games"]
    # the games table is its own schedule: every game of it (up to as_of) is loaded
    assert (games["absent"] == 0).all() and games["expected"].sum() == 6


def test_spec_validation_errors():
    base = F.SPEC.format(schema=None, schema_line="", schedule="builtin")
    with pytest.raises(SpecError, match=r"db\.yaml:\d+: database\.children\[0\]: unknown dataset 'nope'"):
        F.parse_spec(base.replace("datasets: [nba_pbp]", "datasets: [nope]"), "db.yaml")
    with pytest.raises(SpecError, match=r"db\.yaml:\d+: .*plain SQL name"):
        F.parse_spec(base.replace("table: box_scores", "table: 'box; drop table x'"), "db.yaml")
    with pytest.raises(SpecError, match=r"db\.yaml:\d+: database\.children\[1\]: ids must be one of"):
        F.parse_spec(base.replace("game_id: gid}", "game_id: gid, ids: bbref}"), "db.yaml")
    with pytest.raises(SpecError, match=r"db\.yaml:2: schedule: db needs a database section"):
        F.parse_spec(base.split("database:")[0].replace("schedule: builtin", "schedule: db"), "db.yaml")
    with pytest.raises(SpecError, match=r"unknown field 'tabel'"):
        F.parse_spec(base.replace("{table: box_scores", "{tabel: box_scores"), "db.yaml")


def test_outputs_written(world, tmp_path):
    files = write_db_coverage(_cov(world), tmp_path / "out")
    assert pd.read_parquet(files["db_coverage.parquet"]).shape[0] == len(F.EXPECTED_SUMMARY)
    assert set(pd.read_parquet(files["db_problems.parquet"])["problem"]) == {
        "absent",
        "empty",
        "no_game_row",
        "raw_not_loaded",
        "loaded_no_raw",
    }


def test_schedule_for_is_the_loader_hook(world, monkeypatch):
    from nba_simulator.database.user_tables import schedule_from_db
    from nba_simulator.reconcile import schedule_for

    backend, _ = world
    spec = F.spec(backend.schema, schedule_source="db")
    # the reconcile layer reads no database itself: the reader is handed in from above
    with pytest.raises(BadInput, match="needs the database reader"):
        schedule_for(spec, "db")
    monkeypatch.delenv("NBA_RECON_DATABASE_URL", raising=False)
    with pytest.raises(BadInput, match="no database URL"):
        schedule_for(spec, "db", read_db=schedule_from_db)
    monkeypatch.setenv("NBA_RECON_DATABASE_URL", backend.url)
    assert len(schedule_for(spec, "db", read_db=schedule_from_db)) == len(F.GAMES)
    assert len(schedule_for(spec, "builtin")) > 20000


def test_open_history_resolution(tmp_path, monkeypatch):
    from nba_simulator.database.history import open_history

    monkeypatch.delenv("NBA_RECON_HISTORY_URL", raising=False)
    engine, schema, cw = open_history(runs_dir=tmp_path / "runs")
    assert str(engine.url) == f"sqlite:///{tmp_path / 'runs' / 'history.db'}" and schema is None and cw is None
    spec = F.parse_spec(
        F.SPEC.format(schema=None, schema_line="", schedule="builtin")
        + "  history: {url: 'sqlite:///h.db', schema: recon, cloudwatch: {namespace: X}}\n",
        "db.yaml",
    )
    engine, schema, cw = open_history(spec=spec)
    assert str(engine.url) == "sqlite:///h.db" and schema == "recon" and cw.namespace == "X"
    monkeypatch.setenv("NBA_RECON_HISTORY_URL", "sqlite:///env.db")
    assert str(open_history(spec=spec)[0].url) == "sqlite:///env.db"
    assert str(open_history("sqlite:///arg.db", spec=spec)[0].url) == "sqlite:///arg.db"


def test_every_count_has_its_rows_in_the_problems(world):
    """db_coverage.parquet's counts are the per-game rows of db_problems.parquet, counted: a child
    table's ``absent`` games (neither in the games table nor in it) are listed too."""
    cov = _cov(world)
    rows = cov.problems.groupby(["table", "season", "problem"]).size()
    for rec in cov.summary.to_dict(orient="records"):
        for problem in ("absent", "empty", "no_game_row", "raw_not_loaded", "loaded_no_raw"):
            assert rows.get((rec["table"], rec["season"], problem), 0) == rec[problem], (rec, problem)
    assert len(cov.problems) == int(
        cov.summary[["absent", "empty", "no_game_row", "raw_not_loaded", "loaded_no_raw"]].to_numpy().sum()
    )
