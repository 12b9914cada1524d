"""Recording a folder of outputs (a pipeline run or a ``reconcile --out`` folder)."""

from __future__ import annotations

from pathlib import Path

from ...outputs import read_parquet
from .folder import check_run, check_summary, check_tasks, load
from .record import RunParts, record_run


def record_run_dir(
    engine,
    run_dir,
    *,
    run_id: str | None = None,
    schema: str | None = None,
    cloudwatch=None,
    auto_upgrade: bool = True,
    replace: bool = False,
) -> dict:
    """Record the outputs in ``run_dir``: a pipeline run (``run.json`` + ``data/``) or a
    ``nba-recon reconcile --out`` folder. The run id is ``run.json``'s, else ``run_id``, else the
    folder's name."""
    run_dir = Path(run_dir)
    record = check_run(load(run_dir / "run.json"), run_dir / "run.json") if (run_dir / "run.json").exists() else {}
    data = run_dir / "data" if (run_dir / "data" / "summary.json").exists() else run_dir
    summary = check_summary(load(data / "summary.json"), data / "summary.json")
    tasks = check_tasks(load(data / "tasks.json"), data / "tasks.json")
    parts = RunParts(
        summary=summary,
        coverage=read_parquet(data / "coverage.parquet", ["expected_key", "status"]),
        completeness=read_parquet(data / "completeness.parquet", ["dataset", "season"]),
        gaps=read_parquet(data / "gaps.parquet", ["gap_id", "expected_keys"]),
        tasks=tasks,
        stages=record.get("stages"),
        status=record.get("status") or "succeeded",
        started_at=record.get("started"),
        finished_at=record.get("finished"),
    )
    return record_run(
        engine,
        record.get("run_id") or run_id or run_dir.resolve().name,
        parts=parts,
        schema=schema,
        cloudwatch=cloudwatch,
        auto_upgrade=auto_upgrade,
        replace=replace,
    )
