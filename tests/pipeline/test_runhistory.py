"""The pipeline's side of the run history, without kernels: where the history is, the summary
stage's recording in each mode, the runner closing a run; and ``empty`` in the plots."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from nba_simulator import plots
from nba_simulator.database import history as H
from nba_simulator.database.engine import absolute_sqlite, make_engine, redact
from nba_simulator.pipeline import runhistory as RH
from nba_simulator.pipeline.history_from_files import HISTORY_COLUMNS, load_history, summary_scope
from nba_simulator.pipeline.stage import open_stage
from nba_simulator.spec import parse_spec
from tests.builders import pbp_spec

SPEC = pbp_spec(seasons="2018-19..2018-19")


def test_absolute_sqlite(tmp_path):
    assert absolute_sqlite("sqlite:///h.db", tmp_path) == f"sqlite:///{tmp_path / 'h.db'}"
    assert absolute_sqlite("sqlite:///sub/h.db?timeout=5", tmp_path) == f"sqlite:///{tmp_path / 'sub/h.db'}?timeout=5"
    for same in ("sqlite:////abs/h.db", "sqlite://", "sqlite:///:memory:", "postgresql+psycopg2://u@h/db", "", None):
        assert absolute_sqlite(same, tmp_path) == same


def test_history_location(tmp_path, monkeypatch):
    monkeypatch.delenv("NBA_RECON_HISTORY_URL", raising=False)
    plain = parse_spec(SPEC, str(tmp_path / "spec.yaml"))
    engine, schema, _ = RH.open_engine("", plain, tmp_path / "runs")
    assert str(engine.url) == f"sqlite:///{tmp_path / 'runs' / 'history.db'}" and schema is None
    spec = parse_spec(
        SPEC + "database:\n  history: {url: 'sqlite:///hist/h.db', schema: s}\n", str(tmp_path / "specs" / "spec.yaml")
    )
    engine, schema, _ = RH.open_engine("", spec, tmp_path / "runs")  # the spec's folder
    assert str(engine.url) == f"sqlite:///{tmp_path / 'specs' / 'hist' / 'h.db'}" and schema == "s"
    engine, _, _ = RH.open_engine("sqlite:////x/given.db", spec, tmp_path / "runs")
    assert str(engine.url) == "sqlite:////x/given.db"


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """The demo's stage context, computed in memory (standalone), with its summary."""
    stage = open_stage("05_summary")
    summary = stage.run_summary()
    return stage, stage.coverage(), stage.gaps(), stage.task_queue(), summary


def test_standalone_records_into_a_scratch_history_in_memory(lab):
    stage, cov, gaps, queue, summary = lab
    hist = RH.open_run_history(stage, "")
    assert hist.mode == "scratch" and hist.url == "sqlite://"
    out = hist.record(summary, cov, gaps, queue)
    assert out["new_items"] == sum(summary["totals"][s] for s in plots.PROBLEMS)
    assert not (stage.data_dir / RH.HISTORY_FILE).exists()
    assert "scratch history in memory" in hist.banner().data
    assert len(hist.trend()) == 1 and set(hist.new_since_last_run()["status"]) >= {"missing"}
    assert hist.fixed_since_last_run().empty
    assert hist.task_lifecycle().loc["all", "open"] == len(queue.tasks)
    assert "One run of this lake and spec" in hist.new_vs_fixed().alt  # a sentence, not empty axes


def test_history_off_and_unavailable_fall_back_to_run_files(lab, tmp_path):
    stage, cov, gaps, queue, summary = lab
    off = RH.open_run_history(stage, "off")
    assert off.mode == "off" and off.record(summary, cov, gaps, queue) is None
    assert off.trend()["status"].tolist() == ["this run"]
    assert "No run history database" in off.completeness_by_dataset().alt
    assert off.new_since_last_run().empty and off.task_lifecycle().empty
    # a history file that is not a database: shown as unavailable, the run is not failed
    bad = tmp_path / "bad.db"
    bad.write_text("not a database " * 100)
    run_dir = tmp_path / "runs" / "20260101T000000Z-abcdef"
    piped = open_stage("05_summary", run_dir=str(run_dir))
    (run_dir / "run.json").write_text(json.dumps({"status": "running", "started": "2026-01-01T00:00:00+00:00"}))
    hist = RH.open_run_history(piped, f"sqlite:///{bad}")
    assert hist.record(summary, cov, gaps, queue) is None and hist.mode == "unavailable"
    info = json.loads((run_dir / "data" / RH.HISTORY_FILE).read_text())
    assert info["recorded"] is False and info["error"]
    assert "unavailable" in hist.banner().data and len(hist.trend()) == 1


def test_pipeline_recording_then_the_runner_closes_the_run(lab, tmp_path):
    stage, cov, gaps, queue, summary = lab
    runs = tmp_path / "runs"
    ids = ["20260101T000000Z-aaaaaa", "20260102T000000Z-bbbbbb"]
    for run_id in ids:
        run_dir = runs / run_id
        piped = open_stage("05_summary", run_dir=str(run_dir))
        record = {
            "run_id": run_id,
            "status": "running",
            "started": "2026-01-01T00:00:00+00:00",
            "stages": [{"name": "05_summary", "status": "running"}],
        }
        (run_dir / "run.json").write_text(json.dumps(record))
        hist = RH.open_run_history(piped, "")
        assert hist.mode == "record"
        hist.record(summary, cov, gaps, queue)
        record.update(
            status="succeeded",
            finished="2026-01-01T00:05:00+00:00",
            stages=[{"name": "05_summary", "status": "succeeded", "duration_s": 3.0}],
        )
        RH.close_run(record, run_dir, {"spec": str(stage.spec_path)}, runs, echo=pytest.fail)
        hist.close()
    engine = make_engine(f"sqlite:///{runs / 'history.db'}")
    r = H.runs(engine)
    assert list(r["run_id"]) == ids and set(r["status"]) == {"succeeded"}
    assert H.stage_runs(engine)["duration_s"].tolist() == [3.0, 3.0]
    # the first run explored again later: shown read-only, not re-recorded
    again = RH.open_run_history(open_stage("05_summary", run_dir=str(runs / ids[0])), "")
    assert again.record(summary, cov, gaps, queue) is None and again.mode == "read-only"
    assert H.runs(engine)["run_id"].tolist() == ids
    engine.dispose()


def test_close_run_reports_and_never_raises(tmp_path):
    run_dir = tmp_path / "runs" / "r1"
    (run_dir / "data").mkdir(parents=True)
    said = []
    record = {"run_id": "r1", "status": "failed", "finished": None, "stages": []}
    RH.close_run(record, run_dir, {}, tmp_path / "runs", said.append)  # not recorded: nothing
    assert said == []
    (run_dir / "data" / RH.HISTORY_FILE).write_text(json.dumps({"recorded": True, "mode": "record"}))
    RH.close_run(record, run_dir, {"spec": str(tmp_path / "nope.yaml"), "history": ""}, tmp_path / "runs", said.append)
    assert len(said) == 1 and "could not close run r1" in said[0]


def test_empty_is_a_problem_in_the_plots():
    assert "empty" in plots.PROBLEMS
    cov = pd.DataFrame(
        {
            "season": ["2018-19"] * 3,
            "status": ["present", "empty", "empty"],
            "game_date": pd.to_datetime(["2019-01-01", "2019-01-01", "2019-01-02"]),
        }
    )
    assert "2 problem items on 2 of 2 game days" in plots.gaps_calendar(cov).alt
    comp = pd.DataFrame(
        {
            "dataset": ["a"],
            "season": ["2018-19"],
            "expected": [3],
            "present": [3],
            "missing": [0],
            "empty": [0],
            "complete_pct": [100.0],
        }
    )
    assert "empty" not in plots.worst_seasons(comp).columns  # not probed: no column of zeros
    assert "empty" in plots.worst_seasons(comp.assign(empty=1)).columns
    tiles = plots.headline_tiles({"expected": 3, "present": 1, "missing": 0, "empty": 2, "complete_pct": 33.3}).data
    assert "undersized, empty, premature or stale" in tiles


def test_unreachable_history_keeps_its_password_out(lab, tmp_path, monkeypatch):
    """A PostgreSQL history that does not answer: the summary warns, nothing carries a password
    (in the URL or in NBA_RECON_DB_PASSWORD), the stage does not fail."""
    stage, cov, gaps, queue, summary = lab
    in_url, in_env = "hist-url-secret-123", "hist-env-secret-456"
    monkeypatch.setenv("NBA_RECON_DB_PASSWORD", in_env)
    run_dir = tmp_path / "runs" / "20260101T000000Z-cccccc"
    piped = open_stage("05_summary", run_dir=str(run_dir))
    (run_dir / "run.json").write_text(json.dumps({"status": "running"}))
    for url in (f"postgresql+psycopg2://recon:{in_url}@127.0.0.1:1/nba", "postgresql+psycopg2://recon@127.0.0.1:1/nba"):
        hist = RH.open_run_history(piped, url)
        assert hist.record(summary, cov, gaps, queue) is None and hist.mode == "unavailable"
        shown = [hist.banner().data, (run_dir / "data" / RH.HISTORY_FILE).read_text(), repr(hist.as_dict())]
        assert "127.0.0.1:1" in shown[0]
        assert not [s for s in shown if in_url in s or in_env in s]


@pytest.mark.postgres
def test_pipeline_history_on_postgres(lab, tmp_path):
    """The spec's database.history on the real PostgreSQL server (its own schema): two runs
    recorded by the summary stage and closed by the runner."""
    from tests.database.conftest import PG_URL, _drop_schema, _new_schema, pg_unreachable

    reason = pg_unreachable()
    if reason:
        pytest.skip(reason)
    stage, cov, gaps, queue, summary = lab
    engine = make_engine(PG_URL)
    schema = _new_schema(engine)
    try:
        spec = tmp_path / "spec.yaml"
        spec.write_text(
            Path(stage.spec_path).read_text() + f"database:\n  history: {{url: '{PG_URL}', schema: {schema}}}\n"
        )
        runs = tmp_path / "runs"
        for run_id in ("20260101T000000Z-dddddd", "20260102T000000Z-eeeeee"):
            run_dir = runs / run_id
            piped = open_stage("05_summary", run_dir=str(run_dir), spec=str(spec), schedule=str(stage.schedule_path))
            record = {"run_id": run_id, "status": "running", "stages": []}
            (run_dir / "run.json").write_text(json.dumps(record))
            hist = RH.open_run_history(piped, "")
            assert hist.schema == schema and hist.record(summary, cov, gaps, queue) is not None
            assert hist.url == redact(PG_URL) and len(hist.trend()) >= 1
            hist.close()
            record.update(status="succeeded", stages=[{"name": "05_summary", "status": "succeeded"}])
            RH.close_run(record, run_dir, {"spec": str(spec)}, runs, echo=pytest.fail)
        r = H.runs(engine, schema=schema)
        assert len(r) == 2 and set(r["status"]) == {"succeeded"}
        assert len(H.stage_runs(engine, schema=schema)) == 2
        assert not (runs / "history.db").exists()
    finally:
        _drop_schema(engine, schema)
        engine.dispose()


def test_the_history_from_the_runs_own_files(tmp_path):
    """A run folder with its summary, one without (skipped), and the run in progress last."""
    summary = {
        "as_of": "2019-03-15",
        "spec": "s.yaml",
        "inventory": {"lake": "/lake"},
        "totals": {"complete_pct": 97.5, "expected": 40, "missing": 1},
        "gaps": {"HIGH": 1, "LOW": 2},
    }
    for rid, with_summary in (("r1", True), ("r2", False)):
        (tmp_path / rid / "data").mkdir(parents=True)
        (tmp_path / rid / "run.json").write_text(json.dumps({"started": "2026-01-01", "status": "succeeded"}))
        if with_summary:
            (tmp_path / rid / "data" / "summary.json").write_text(json.dumps(summary))
    runs = load_history(tmp_path, current={**summary, "_started": "2026-01-02"}, current_run="r3")
    assert list(runs.columns) == HISTORY_COLUMNS
    assert runs[["run_id", "status", "gaps", "lake"]].values.tolist() == [
        ["r1", "succeeded", 3, "/lake"],
        ["r3", "this run", 3, "/lake"],
    ]
    assert summary_scope(summary) == ("/lake", "s.yaml")
