"""Run history: what each run found, what changed since the last one, which tasks are still open.

Recording a run (:func:`record_run`, or :func:`record_run_dir` for a folder of outputs) stores, in
one transaction:

* ``runs``               one row (as_of, status, spec, lake redacted, summary.json)
* ``stage_runs``         the pipeline runner's stages: start, duration, status, peak memory
* ``coverage_snapshots`` completeness per dataset x season
* ``gaps``               the run's gaps with their priorities
* ``run_metrics``        headline numbers (see ``metrics``), optionally sent to CloudWatch
* ``problem_items``      one row per problem *episode* of an item: opened by the first run that
                         finds the item missing/undersized/premature/stale, kept open (status and
                         gap updated) while later runs still find it so, closed (``fixed_run_id``)
                         by the first run that finds it present. An item a run did not judge (a
                         sampled run, a dataset dropped from the spec) stays as it was.
* ``tasks``              every task id ever issued, with its items (``task_items``). Lifecycle:
                         ``open`` -> ``resolved`` when none of its items is an open problem any
                         more; ``open`` -> ``superseded`` when a later (full) run re-batched its
                         open items into other tasks (e.g. a gap that grew by a day), so a
                         scraper working from :func:`open_tasks` never collects an item twice.
                         A resolved task whose id comes back is reopened.

"Since the last run" means since the run of the same lake and spec recorded before, in recording
order (``scope``): a history shared by several lakes keeps one item and task lifecycle per lake and
spec, so a run of lake A never "fixes" or "opens" lake B's problems. Re-recording the latest run
(a resumed pipeline) first undoes its effects; an older run cannot be re-recorded.

Where the history lives: :func:`open_history` (``locate``); recording: ``record``
(``lifecycle``: problem items and tasks across runs; ``files``: a folder of outputs); reading:
``queries`` and ``task_queries`` (the tasks). Queries return DataFrames: :func:`new_since_last_run`, :func:`fixed_since_last_run`,
:func:`changes_by_run`, :func:`completeness_trend`, :func:`metrics_by_run`, :func:`open_tasks`,
:func:`tasks`, :func:`runs`, :func:`stage_runs`.
"""

from __future__ import annotations

from .files import record_run_dir
from .locate import open_history
from .queries import (
    CHANGE_COLUMNS,
    RUN_COLUMNS,
    STAGE_COLUMNS,
    SUMMARY_COLUMNS,
    TREND_COLUMNS,
    changes_by_run,
    completeness_trend,
    fixed_since_last_run,
    gaps,
    latest_run,
    metrics_by_run,
    new_since_last_run,
    runs,
    stage_runs,
    summary_by_run,
)
from .record import RunParts, record_run, record_stages
from .task_queries import TASK_COLUMNS, TASK_STATUSES, open_tasks, task_items, tasks

__all__ = [
    "CHANGE_COLUMNS",
    "RUN_COLUMNS",
    "STAGE_COLUMNS",
    "SUMMARY_COLUMNS",
    "TASK_COLUMNS",
    "TASK_STATUSES",
    "TREND_COLUMNS",
    "changes_by_run",
    "completeness_trend",
    "fixed_since_last_run",
    "gaps",
    "latest_run",
    "metrics_by_run",
    "new_since_last_run",
    "open_history",
    "open_tasks",
    "RunParts",
    "record_run",
    "record_run_dir",
    "record_stages",
    "runs",
    "stage_runs",
    "summary_by_run",
    "task_items",
    "tasks",
]
