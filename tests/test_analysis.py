"""analysis: one pure function per stage, chained as the CLI and the notebooks chain them."""

from __future__ import annotations

from nba_simulator.analysis import coverage_files, coverage_stage, gaps_stage, probed, tasks_document, tasks_stage
from nba_simulator.coverage import build_coverage
from nba_simulator.gaps import find_gaps
from nba_simulator.tasks import task_queue
from tests.builders import AS_OF, inventory, ts

LAKE = [
    ("pbp/2023-24/0022300001.json", 500, ts("2023-10-25 06:00"), "a"),
    ("daily/20231024.json", 100, ts("2023-10-25 08:00"), "b"),
]


def test_stages_chain_to_the_same_gaps_and_tasks_as_the_functions_they_wrap(spec, schedule):
    stage = coverage_stage(spec, schedule, inventory(LAKE), AS_OF)
    cov = stage.coverage
    assert stage.content is None and not probed(cov.coverage)
    direct = build_coverage(spec, schedule, inventory(LAKE), AS_OF)
    assert cov.coverage.equals(direct.coverage)
    gaps = gaps_stage(spec, cov, AS_OF)
    assert gaps.equals(find_gaps(spec, cov.coverage, cov.completeness, AS_OF)) and len(gaps)
    queue = tasks_stage(spec, gaps, cov.coverage)
    assert [t["task_id"] for t in queue.tasks] == [t["task_id"] for t in task_queue(spec, gaps, cov.coverage).tasks]
    doc = tasks_document("2023-11-05T10:00", queue)
    assert doc["as_of"] == "2023-11-05" and doc["tasks"] == queue.tasks


def test_coverage_files_are_the_stage_outputs_by_name(spec, schedule):
    cov = coverage_stage(spec, schedule, inventory(LAKE), AS_OF).coverage
    files = coverage_files(cov)
    assert set(files) == {"coverage.parquet", "orphans.parquet", "duplicates.parquet", "completeness.parquet"}
    assert files["coverage.parquet"] is cov.coverage
    assert "matrix.parquet" in coverage_files(cov, matrix=cov.coverage.head(0))
