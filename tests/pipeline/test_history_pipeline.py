"""The three parts meet in the pipeline: run history, database coverage with ``schedule: db``, and
content probing, over two pipeline runs on a copy of the demo lake.

* run 1: a spec with ``schedule: db`` (the games from a SQLite ``games`` table that lacks one
  game) and a ``database:`` section (a ``play_by_play`` table), ``-p probe true``, the default
  history (``runs/history.db``). Its data files equal ``nba-recon reconcile --probe`` with the
  same spec (content files included); its database coverage equals ``run_db_coverage``.
* between the runs the lake is partly fixed: every item of one task written, one empty file
  rewritten with content; and one good file deleted.
* run 2: the same, with ``--history`` naming the same database by a relative URL.

Then the history holds both runs (closed by the runner, six stages each), the new and fixed
items are exactly those, the fixed task went open -> resolved, and the report shows it.

Two pipeline runs (about 30 s each) serve every assertion.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from nba_simulator.cli import main
from nba_simulator.content.probe import ProbeOptions
from nba_simulator.coverage_run import CoverageOptions
from nba_simulator.database import history as H
from nba_simulator.database.db_coverage import run_db_coverage
from nba_simulator.database.engine import make_engine
from nba_simulator.database.user_tables import schedule_from_db
from nba_simulator.demo import build_demo
from nba_simulator.reconcile import OUTPUT_FILES, ReconcileOptions, reconcile
from nba_simulator.spec import load_spec

pytestmark = pytest.mark.slow

DROPPED_GAME = "0021800100"  # in the schedule CSV, not in the database's games table
PROBED_FILES = ("matrix.parquet", "content.parquet")


def _db_spec(demo, root: Path, db: Path) -> Path:
    text = demo.spec.read_text()
    text = re.sub(r"^schedule: .*$", "schedule: db", text, count=1, flags=re.M)
    text += f"""
database:
  url: sqlite:///{db}
  games: {{table: games, espn_game_id: espn_game_id, season_type: season_type, status: status}}
  children:
    - {{table: play_by_play, game_id: game_id, datasets: [nba_api_play_by_play]}}
"""
    path = root / "spec.yaml"
    path.write_text(text)
    return path


def _games_db(demo, db: Path) -> pd.DataFrame:
    games = pd.read_csv(demo.schedule, dtype=str)
    assert DROPPED_GAME in set(games["game_id"])
    engine = sa.create_engine(f"sqlite:///{db}")
    kept = games[games["game_id"] != DROPPED_GAME]
    kept.drop(columns=["bbref_game_id"]).to_sql("games", engine, index=False)
    plays = kept[kept["game_id"].str[4:5] == "8"].head(400)[["game_id"]]  # 2018-19, some games
    plays.assign(event=1).to_sql("play_by_play", engine, index=False)
    engine.dispose()
    return games


def _run(runs: Path, spec: Path, lake: Path, as_of: str, *extra: str) -> Path:
    before = {p.name for p in runs.iterdir()} if runs.exists() else set()
    rc = main(
        [
            "run",
            "--spec",
            str(spec),
            "--lake",
            str(lake),
            "--as-of",
            as_of,
            "--runs-dir",
            str(runs),
            "--no-progress",
            "--timeout",
            "600",
            "--retries",
            "0",
            "-p",
            "probe",
            "true",
            *extra,
        ]
    )
    (run_dir,) = [p for p in runs.iterdir() if p.is_dir() and p.name not in before]
    assert rc == 0, (run_dir / "run.json").read_text()
    return run_dir


def _fix_lake(lake: Path, run1: Path) -> dict:
    """Write every item of one small 'missing' task, rewrite one empty file with content, and
    delete one present file. Returns what changed."""
    data = run1 / "data"
    cov = pd.read_parquet(data / "coverage.parquet")
    tasks = json.loads((data / "tasks.json").read_text())["tasks"]
    by_key = cov.set_index("expected_key")
    json_sets = ("espn_box_scores", "espn_play_by_play", "nba_api_play_by_play")
    task = min(
        (
            t
            for t in tasks
            if t["dataset"] in json_sets and set(by_key.loc[t["expected_keys"], "status"]) == {"missing"}
        ),
        key=lambda t: (t["n_items"], t["task_id"]),
    )
    good = cov[(cov["dataset"] == task["dataset"]) & (cov["status"] == "present")]["key"].iloc[0]
    for key in task["expected_keys"]:
        (lake / key).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(lake / good, lake / key)
    empty = cov[(cov["dataset"] == "espn_play_by_play") & (cov["status"] == "empty")].iloc[0]
    good_pbp = cov[(cov["dataset"] == "espn_play_by_play") & (cov["status"] == "present")]["key"].iloc[0]
    shutil.copyfile(lake / good_pbp, lake / empty["key"])
    gone = cov[(cov["dataset"] == "nba_api_play_by_play") & (cov["status"] == "present")].iloc[-1]
    assert gone["key"] != good
    (lake / gone["key"]).unlink()
    return {
        "task": task["task_id"],
        "fixed": set(task["expected_keys"]) | {empty["expected_key"]},
        "new": {gone["expected_key"]},
        "empty_fixed": empty["expected_key"],
        "written": set(task["expected_keys"]) | {empty["key"]},
    }


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    root = tmp_path_factory.mktemp("history_pipeline")
    demo = build_demo(root / "demo")
    lake = root / "lake"
    shutil.copytree(demo.lake, lake)
    db = root / "nba.db"
    schedule_csv = _games_db(demo, db)
    spec = _db_spec(demo, root, db)
    runs = root / "runs"
    run1 = _run(runs, spec, lake, demo.as_of)
    lib = root / "library"
    lib_result = reconcile(
        ReconcileOptions(
            str(spec),
            str(lake),
            demo.as_of,
            out_dir=lib,
            coverage=CoverageOptions(probe=ProbeOptions()),
            read_db=schedule_from_db,
        )
    )  # schedule: db, read by the layer above
    changed = _fix_lake(lake, run1)
    mp = pytest.MonkeyPatch()
    mp.chdir(root)
    try:  # a relative history URL: the runner makes it absolute (kernels run in the run folder)
        run2 = _run(runs, spec, lake, demo.as_of, "--history", "sqlite:///runs/history.db")
    finally:
        mp.undo()
    engine = make_engine(f"sqlite:///{runs / 'history.db'}")
    yield dict(
        demo=demo,
        lake=lake,
        spec=spec,
        runs=runs,
        run1=run1,
        run2=run2,
        lib=lib,
        lib_result=lib_result,
        changed=changed,
        engine=engine,
        schedule_csv=schedule_csv,
    )
    engine.dispose()


def _frames_equal(a: Path, b: Path, name: str) -> None:
    x, y = pd.read_parquet(a), pd.read_parquet(b)
    if name == "inventory.parquet":
        x, y = (f.sort_values("key").reset_index(drop=True) for f in (x, y))
    pd.testing.assert_frame_equal(x, y, check_like=True, obj=name)


def test_probed_run_with_schedule_db_equals_reconcile(world):
    data, lib = world["run1"] / "data", world["lib"]
    for name in (*OUTPUT_FILES, *PROBED_FILES):
        if name.endswith(".parquet"):
            _frames_equal(data / name, lib / name, name)
        else:
            assert json.loads((data / name).read_text()) == json.loads((lib / name).read_text()), name
    ours, theirs = (json.loads((d / "content_info.json").read_text()) for d in (data, lib))
    assert ours["datasets"] == theirs["datasets"] and ours["warnings"] == theirs["warnings"]


def test_probe_finds_empty_files_and_ranks_tasks(world):
    data = world["run1"] / "data"
    cov = pd.read_parquet(data / "coverage.parquet")
    assert (cov["status"] == "empty").sum() > 0 and "content" in cov.columns
    summary = json.loads((data / "summary.json").read_text())
    assert summary["totals"]["empty"] == (cov["status"] == "empty").sum()
    assert summary["content"]["cross_source_gaps"] > 0
    gaps = pd.read_parquet(data / "gaps.parquet")
    assert "empty" in set(gaps["status"])
    tasks = json.loads((data / "tasks.json").read_text())["tasks"]
    assert all("other_sources_have" in t for t in tasks)
    html = (world["run1"] / "02_coverage.html").read_text()
    assert "Not probed in this run" not in html


def test_schedule_db_is_used_by_every_stage(world):
    data = world["run1"] / "data"
    cov = pd.read_parquet(data / "coverage.parquet", columns=["game_id"])
    assert DROPPED_GAME not in set(cov["game_id"].dropna())
    assert world["schedule_csv"]["game_id"].str[4:5].eq("8").any()
    health = pd.read_parquet(data / "health.parquet").set_index("check")
    assert health.loc["schedule valid", "status"] == "ok"
    assert health.loc["database reachable", "status"] == "ok"
    assert "nba.db" in health.loc["database reachable", "detail"]
    assert health.loc["history database", "status"] == "ok"


def test_database_coverage_in_the_coverage_stage(world):
    data = world["run1"] / "data"
    spec = load_spec(world["spec"])
    direct = run_db_coverage(
        spec, world["demo"].as_of, lake_coverage=pd.read_parquet(world["lib"] / "coverage.parquet")
    )
    pd.testing.assert_frame_equal(pd.read_parquet(data / "db_coverage.parquet"), direct.summary, check_dtype=False)
    pd.testing.assert_frame_equal(pd.read_parquet(data / "db_problems.parquet"), direct.problems, check_dtype=False)
    assert (direct.problems["problem"] == "raw_not_loaded").any()
    html = (world["run1"] / "02_coverage.html").read_text()
    assert "play_by_play" in html and "No database configured" not in html


def test_history_records_both_runs_closed_by_the_runner(world):
    engine, run1, run2 = world["engine"], world["run1"].name, world["run2"].name
    runs = H.runs(engine)
    assert list(runs["run_id"]) == [run1, run2]
    assert list(runs["status"]) == ["succeeded", "succeeded"] and runs["finished_at"].notna().all()
    stages = H.stage_runs(engine)
    assert stages.groupby("run_id").size().to_dict() == {run1: 6, run2: 6}
    assert (stages["status"] == "succeeded").all()
    for run_dir in (world["run1"], world["run2"]):
        info = json.loads((run_dir / "data" / "history.json").read_text())
        assert info["recorded"] and info["mode"] == "record" and info["error"] is None
        assert info["url"] == f"sqlite:///{world['runs'] / 'history.db'}"
    assert not list(world["run1"].glob("**/history.db")) and not list(world["run2"].glob("**/history.db"))


def test_new_and_fixed_since_the_last_run(world):
    engine, run2, changed = world["engine"], world["run2"].name, world["changed"]
    fixed = H.fixed_since_last_run(engine, run2)
    assert set(fixed["expected_key"]) == changed["fixed"]
    assert fixed.set_index("expected_key").loc[changed["empty_fixed"], "status"] == "empty"
    new = H.new_since_last_run(engine, run2)
    assert set(new["expected_key"]) == changed["new"] and set(new["status"]) == {"missing"}
    first = H.new_since_last_run(engine, world["run1"].name)
    cov1 = pd.read_parquet(world["run1"] / "data" / "coverage.parquet")
    problems = cov1[cov1["status"].isin(["missing", "undersized", "empty", "premature", "stale"])]
    assert set(first["expected_key"]) == set(problems["expected_key"])
    changes = H.changes_by_run(engine).set_index("run_id")
    assert changes.loc[run2, "new_items"] == 1 and changes.loc[run2, "fixed_items"] == len(changed["fixed"])


def test_tasks_move_from_open_to_resolved(world):
    engine, changed = world["engine"], world["changed"]
    tasks = H.tasks(engine).set_index("task_id")
    task = tasks.loc[changed["task"]]
    assert task["status"] == "resolved" and task["first_run_id"] == world["run1"].name
    assert task["closed_run_id"] == world["run2"].name
    still = json.loads((world["run2"] / "data" / "tasks.json").read_text())["tasks"]
    assert changed["task"] not in {t["task_id"] for t in still}
    open_ids = set(H.open_tasks(engine)["task_id"])
    assert {t["task_id"] for t in still} <= open_ids


def test_report_shows_the_history(world):
    html = (world["run2"] / "report.html").read_text()
    n_fixed = len(world["changed"]["fixed"])
    assert f"1 problem items new since the last run of this lake and spec, {n_fixed} fixed" in html
    alts = re.findall(r'alt="([^"]*)"', html)
    assert any(a.startswith("Line chart of completeness per dataset over runs") for a in alts)
    assert any(
        a.startswith(f"Bar chart of new and fixed problem items over 2 run(s); latest run: 1 new, {n_fixed} fixed")
        for a in alts
    )
    trend = next(a for a in alts if a.startswith("Line chart of completeness by as_of for this lake and spec: "))
    assert len(trend.split(": ", 1)[1].split(", ")) == 2
    assert "New problems since the last run" in html and "resolved" in html


def test_second_run_reads_only_what_changed(world):
    """The probe cache beside the runs: run 2 reads the changed and new objects only."""
    content = pd.read_parquet(world["run2"] / "data" / "content.parquet")
    read = set(content.loc[content["source"] == "read", "key"])
    assert read == world["changed"]["written"]
    assert (world["runs"] / "content_cache.sqlite").exists()
