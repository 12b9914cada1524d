"""Run history: task and item lifecycles, new vs fixed, trends, re-recording, run folders."""

import json

import pandas as pd
import pytest

from nba_simulator.database import history as H
from nba_simulator.errors import BadInput
from nba_simulator.reconcile import write_outputs

from . import fixtures as F

G = F.HISTORY_GAMES
A, B, C, D = "Ted480a19a7e64e42", "T5852e9e083656d02", "Te0a1efad64ec8c09", "T5ee00a3f4ba84244"
HOOPR = "T45468dfb8d39b2cd"


def record(backend, run_id, games, **kw):
    return H.record_run(
        backend.engine,
        run_id,
        F.analyse_run(games, **{k: v for k, v in kw.items() if k in ("hoopr", "sample", "as_of")}),
        schema=backend.schema,
        parts=H.RunParts(**{k: v for k, v in kw.items() if k not in ("hoopr", "sample", "as_of")}),
    )


def task_status(backend):
    t = H.tasks(backend.engine, schema=backend.schema)
    return dict(zip(t["task_id"], t["status"]))


def keys(frame):
    return set(frame["expected_key"])


def assert_each_item_in_one_open_task(backend):
    open_ = H.open_tasks(backend.engine, schema=backend.schema)
    items = [k for tid in open_["task_id"] for k in H.task_items(backend.engine, tid, schema=backend.schema)]
    assert len(items) == len(set(items)), "an item is in two open tasks: it would be collected twice"


def test_lifecycle_open_superseded_resolved(backend):
    r1 = record(backend, "run1", G[:1])
    assert (r1["new_items"], r1["fixed_items"], r1["tasks_new"], r1["tasks_open"]) == (6, 0, 4, 4)
    assert task_status(backend) == dict.fromkeys([A, B, C, HOOPR], "open")
    assert_each_item_in_one_open_task(backend)

    # game 5 collected: its task's other item went into a new batch with game 7
    r2 = record(backend, "run2", [G[0], G[3]])
    assert (r2["new_items"], r2["fixed_items"], r2["tasks_new"], r2["tasks_superseded"]) == (0, 1, 1, 2)
    assert task_status(backend) == {A: "open", B: "superseded", C: "superseded", D: "open", HOOPR: "open"}
    assert keys(H.fixed_since_last_run(backend.engine, schema=backend.schema)) == {F.pbp_key(G[3])}
    assert H.new_since_last_run(backend.engine, schema=backend.schema).empty
    assert_each_item_in_one_open_task(backend)

    # everything collected: every open task resolved, nothing open
    r3 = record(backend, "run3", G, hoopr=True)
    assert (r3["fixed_items"], r3["tasks_resolved"], r3["tasks_open"]) == (5, 3, 0)
    assert task_status(backend) == {A: "resolved", B: "superseded", C: "superseded", D: "resolved", HOOPR: "resolved"}
    assert H.open_tasks(backend.engine, schema=backend.schema).empty
    fixed = H.fixed_since_last_run(backend.engine, schema=backend.schema)
    assert keys(fixed) == {F.pbp_key(g) for g in (G[1], G[2], G[4], G[5])} | {"hoopr/nba_data_2024.parquet"}
    # earlier runs stay queryable
    assert keys(H.fixed_since_last_run(backend.engine, "run2", schema=backend.schema)) == {F.pbp_key(G[3])}


def test_regression_opens_a_new_episode_and_task(backend):
    record(backend, "run1", G[:1])
    record(backend, "run2", G, hoopr=True)
    sizes = {g: 500 for g in G if g != G[2]}
    sizes[G[1]] = 50  # now undersized
    r3 = record(backend, "run3", sizes, hoopr=True)
    assert (r3["new_items"], r3["fixed_items"]) == (2, 0)
    new = H.new_since_last_run(backend.engine, schema=backend.schema)
    assert dict(zip(new["expected_key"], new["status"])) == {F.pbp_key(G[1]): "undersized", F.pbp_key(G[2]): "missing"}
    assert set(new["first_run_id"]) == {"run3"}
    grouped = H.new_since_last_run(backend.engine, grouped=True, schema=backend.schema)
    assert grouped[["dataset", "status", "n_items"]].values.tolist() == [
        ["pbp", "missing", 1],
        ["pbp", "undersized", 1],
    ]
    # item G[2] has two episodes: the first fixed by run2, the second open since run3
    changes = H.changes_by_run(backend.engine, schema=backend.schema)
    assert changes[["run_id", "new_items", "fixed_items", "open_items"]].values.tolist() == [
        ["run1", 6, 0, 6],
        ["run2", 0, 6, 0],
        ["run3", 2, 0, 2],
    ]
    assert len(H.open_tasks(backend.engine, schema=backend.schema)) == 2


def test_a_resolved_task_that_comes_back_is_reopened(backend):
    record(backend, "run1", [G[0], G[3], G[4], G[5]], hoopr=True)  # missing 2 and 4: task A
    record(backend, "run2", G, hoopr=True)
    assert task_status(backend)[A] == "resolved"
    r3 = record(backend, "run3", [G[0], G[3], G[4], G[5]], hoopr=True)
    assert r3["tasks_reopened"] == 1 and r3["tasks_new"] == 0
    t = H.tasks(backend.engine, schema=backend.schema).set_index("task_id")
    assert t.loc[A, "status"] == "open" and t.loc[A, "last_run_id"] == "run3"
    assert pd.isna(t.loc[A, "closed_run_id"])


def test_a_sampled_run_resolves_only_what_it_saw_and_supersedes_nothing(backend):
    record(backend, "run1", G[:1])
    r2 = record(backend, "run2", G, hoopr=True, sample=0.5)
    run = H.runs(backend.engine, schema=backend.schema).set_index("run_id")
    assert bool(run.loc["run2", "estimate"]) is True
    assert r2["tasks_superseded"] == 0
    fixed = keys(H.fixed_since_last_run(backend.engine, schema=backend.schema))
    judged = set(F.analyse_run(G, hoopr=True, sample=0.5).coverage["expected_key"])
    assert fixed and fixed <= judged
    still_open = keys(H.new_since_last_run(backend.engine, "run1", schema=backend.schema)) - fixed
    assert still_open == keys(H.new_since_last_run(backend.engine, "run1", schema=backend.schema)) - judged


def test_re_recording_the_latest_run_is_idempotent(backend):
    record(backend, "run1", G[:1])
    first = record(backend, "run2", [G[0], G[3]])
    before = (H.tasks(backend.engine, schema=backend.schema), H.changes_by_run(backend.engine, schema=backend.schema))
    again = record(backend, "run2", [G[0], G[3]])
    assert {k: v for k, v in first.items() if k != "metrics"} == {k: v for k, v in again.items() if k != "metrics"}
    after = (H.tasks(backend.engine, schema=backend.schema), H.changes_by_run(backend.engine, schema=backend.schema))
    pd.testing.assert_frame_equal(before[0], after[0])
    pd.testing.assert_frame_equal(before[1].drop(columns="seq"), after[1].drop(columns="seq"))
    with pytest.raises(BadInput, match="already in the history and later runs build on it"):
        record(backend, "run1", G[:1])


def test_trends_metrics_and_gaps(backend):
    record(backend, "run1", G[:1], as_of="2023-11-10")
    record(backend, "run2", G[:4], as_of="2023-11-11")
    trend = H.completeness_trend(backend.engine, schema=backend.schema)
    pbp = trend[trend["dataset"] == "pbp"]
    # as of 2023-11-11 game 0022300008 (2023-11-10) is owed too
    assert pbp["complete_pct"].tolist() == [round(100 / 6, 2), round(400 / 7, 2)]
    assert list(pbp["as_of"].dt.strftime("%Y-%m-%d")) == ["2023-11-10", "2023-11-11"]
    by_season = H.completeness_trend(backend.engine, "pbp", by_season=True, schema=backend.schema)
    assert set(by_season["season"]) == {"2023-24"} and len(by_season) == 2
    m = H.metrics_by_run(backend.engine, schema=backend.schema).set_index("run_id")
    assert m.loc["run1", "missing"] == 6 and m.loc["run2", "missing"] == 4  # with hoopR
    assert m.loc["run2", "fixed_items"] == 3 and m.loc["run2", "new_items"] == 1
    assert {"complete_pct", "gaps_total", "gaps_CRITICAL", "tasks_total", "open_tasks"} <= set(m.columns)
    gaps = H.gaps(backend.engine, schema=backend.schema)
    assert set(gaps["run_id"]) == {"run2"} and gaps["n_items"].sum() == 4  # pbp 6, 7, 8 + hoopR


def test_stage_runs_recorded_and_replaced(backend):
    stages = [
        {
            "name": "00_health_check",
            "status": "succeeded",
            "start": "2023-11-10T01:00:00+00:00",
            "duration_s": 1.5,
            "peak_memory_mb": 120.0,
            "attempts": 1,
            "error": None,
        },
        {
            "name": "01_scan",
            "status": "running",
            "start": "2023-11-10T01:00:02+00:00",
            "duration_s": None,
            "peak_memory_mb": None,
            "attempts": 1,
            "error": None,
        },
    ]
    record(backend, "run1", G[:1], stages=stages, status="running", started_at="2023-11-10T01:00:00+00:00")
    s = H.stage_runs(backend.engine, schema=backend.schema)
    assert s["name"].tolist() == ["00_health_check", "01_scan"]
    assert s.loc[0, "peak_memory_mb"] == 120.0 and str(s.loc[0, "started_at"]) == "2023-11-10 01:00:00+00:00"
    stages[1].update(
        status="failed", duration_s=3.0, attempts=3, error={"ename": "StageTimeout", "evalue": "ran past 3600 s"}
    )
    H.record_stages(
        backend.engine, "run1", stages, status="failed", finished_at="2023-11-10T02:00:00Z", schema=backend.schema
    )
    s = H.stage_runs(backend.engine, "run1", schema=backend.schema)
    assert s.loc[1, ["status", "attempts", "error"]].tolist() == ["failed", 3, "StageTimeout: ran past 3600 s"]
    run = H.runs(backend.engine, schema=backend.schema).iloc[0]
    assert run["status"] == "failed" and str(run["finished_at"]) == "2023-11-10 02:00:00+00:00"
    with pytest.raises(BadInput, match="not in the history"):
        H.record_stages(backend.engine, "nope", stages, schema=backend.schema)


def test_record_run_dir_of_a_reconcile_output_and_a_pipeline_run(backend, tmp_path):
    out = tmp_path / "out"
    write_outputs(F.analyse_run(G[:1]), out)
    got = H.record_run_dir(backend.engine, out, schema=backend.schema)
    assert got["run_id"] == "out" and got["new_items"] == 6
    run_dir = tmp_path / "runs" / "20231111T010000Z-abcdef"
    write_outputs(F.analyse_run(G[:4], as_of="2023-11-11"), run_dir / "data")
    (run_dir / "run.json").write_text(
        json.dumps(
            {
                "run_id": run_dir.name,
                "status": "succeeded",
                "started": "2023-11-11T01:00:00+00:00",
                "finished": "2023-11-11T01:05:00+00:00",
                "stages": [
                    {
                        "name": "05_summary",
                        "status": "succeeded",
                        "start": "2023-11-11T01:04:00+00:00",
                        "duration_s": 2.0,
                        "peak_memory_mb": 99.5,
                        "attempts": 1,
                        "error": None,
                    }
                ],
            }
        )
    )
    got = H.record_run_dir(backend.engine, run_dir, schema=backend.schema)
    assert got["run_id"] == run_dir.name and got["fixed_items"] == 3
    assert H.stage_runs(backend.engine, run_dir.name, schema=backend.schema)["peak_memory_mb"].tolist() == [99.5]
    assert H.latest_run(backend.engine, schema=backend.schema) == run_dir.name


def test_queries_on_an_empty_history(backend):
    assert H.runs(backend.engine, schema=backend.schema).empty
    assert H.open_tasks(backend.engine, schema=backend.schema).empty
    assert H.new_since_last_run(backend.engine, schema=backend.schema).empty
    assert H.completeness_trend(backend.engine, schema=backend.schema).empty
    assert H.latest_run(backend.engine, schema=backend.schema) is None


@pytest.mark.postgres
def test_same_history_on_sqlite_and_postgres(sqlite, postgres):
    frames = []
    for b in (sqlite, postgres):
        record(b, "run1", G[:1])
        record(b, "run2", [G[0], G[3]], as_of="2023-11-11")  # game 8 becomes owed
        sizes = {g: 500 for g in G if g != G[2]}
        sizes[G[1]] = 50
        record(b, "run3", sizes, hoopr=True, as_of="2023-11-12")
        frames.append(
            [
                H.tasks(b.engine, schema=b.schema),
                H.new_since_last_run(b.engine, "run3", schema=b.schema),
                H.fixed_since_last_run(b.engine, "run3", schema=b.schema),
                H.changes_by_run(b.engine, schema=b.schema).drop(columns="seq"),
                H.completeness_trend(b.engine, schema=b.schema).drop(columns="seq"),
                H.metrics_by_run(b.engine, schema=b.schema).drop(columns="seq"),
                H.gaps(b.engine, schema=b.schema),
            ]
        )
    for a, b in zip(*frames):
        pd.testing.assert_frame_equal(a, b, check_dtype=False)


def test_bad_inputs(backend):
    with pytest.raises(BadInput, match="run id"):
        H.record_run(backend.engine, "", F.analyse_run(G), schema=backend.schema)
    with pytest.raises(BadInput, match="task status"):
        H.tasks(backend.engine, "done", schema=backend.schema)


def test_summary_by_run_and_charts(backend):
    from nba_simulator.database import charts

    empty = charts.new_vs_fixed(H.changes_by_run(backend.engine, schema=backend.schema))
    assert empty.alt == "no run history yet"
    record(backend, "run1", G[:1], started_at="2023-11-10T01:00:00Z")
    record(backend, "run2", G[:4])
    s = H.summary_by_run(backend.engine, schema=backend.schema)
    assert list(s.columns) == H.SUMMARY_COLUMNS
    assert s["run_id"].tolist() == ["run1", "run2"] and s.loc[0, "started"] == "2023-11-10T01:00:00+00:00"
    assert s.loc[1, "missing"] == 3 and s.loc[1, "gaps"] >= 1
    trend = charts.completeness_by_dataset(H.completeness_trend(backend.engine, schema=backend.schema))
    assert "pbp 66.67%" in trend.alt and trend.fig.axes
    changes = charts.new_vs_fixed(H.changes_by_run(backend.engine, schema=backend.schema))
    assert changes.alt.endswith("latest run: 0 new, 3 fixed, 3 open")


def _of_lake(lake, games, as_of=F.AS_OF):
    """The reconcile result for ``games``, recorded as a run of ``lake``."""
    result = F.analyse_run(games, as_of=as_of)
    return {
        "summary": {**result.summary, "inventory": {**result.summary["inventory"], "lake": lake}},
        "coverage": result.coverage,
        "completeness": result.completeness,
        "gaps": result.gaps,
        "tasks": result.tasks,
    }


def test_two_lakes_alternating_each_compared_with_its_own_previous_run(backend):
    """One history, lake A (every game, no hoopR file) and lake B (one game) alternating: each
    run's new / fixed items and task changes count only against its own lake's previous run."""

    def rec(run_id, lake, games):
        got = H.record_run(backend.engine, run_id, schema=backend.schema, parts=H.RunParts(**_of_lake(lake, games)))
        return [
            got[k]
            for k in (
                "new_items",
                "fixed_items",
                "still_open_items",
                "tasks_new",
                "tasks_resolved",
                "tasks_superseded",
                "tasks_open",
            )
        ]

    assert rec("a1", "s3://lake-a/raw", G) == [1, 0, 0, 1, 0, 0, 1]  # the hoopR file
    # the first run of lake B: five games and hoopR new; nothing of lake A kept open or fixed
    # (the hoopR task is the same id in both lakes: now held by lake B, open tasks count per lake)
    assert rec("b1", "s3://lake-b/raw", G[:1]) == [6, 0, 0, 3, 0, 0, 4]
    # a2 compares with a1, not b1: lake B's missing games are not "fixed" by lake A, its tasks
    # not resolved (with one comparison for every lake: 5 fixed, 3 tasks resolved)
    assert rec("a2", "s3://lake-a/raw", G) == [0, 0, 1, 0, 0, 0, 1]
    assert H.fixed_since_last_run(backend.engine, "a2", schema=backend.schema).empty
    # b2 compares with b1: three games collected in lake B, two tasks re-batched, one resolved
    assert rec("b2", "s3://lake-b/raw", G[:4]) == [0, 3, 3, 1, 1, 2, 2]
    assert keys(H.fixed_since_last_run(backend.engine, "b2", schema=backend.schema)) == {F.pbp_key(g) for g in G[1:4]}
    changes = H.changes_by_run(backend.engine, schema=backend.schema)
    assert changes[["run_id", "new_items", "fixed_items", "open_items"]].values.tolist() == [
        ["a1", 1, 0, 1],
        ["b1", 6, 0, 6],
        ["a2", 0, 0, 1],
        ["b2", 0, 3, 3],
    ]
    t = H.tasks(backend.engine, schema=backend.schema)
    assert set(t.loc[t["status"] != "open", "closed_run_id"]) == {"b2"}
    assert_each_item_in_one_open_task(backend)
    # re-recording the latest run of lake B undoes only lake B's step
    assert rec("b2", "s3://lake-b/raw", G[:4]) == [0, 3, 3, 1, 1, 2, 2]
    assert rec("a3", "s3://lake-a/raw", G) == [0, 0, 1, 0, 0, 0, 1]
