"""A stage's files in its run folder: ``data/`` read (a missing file names the stage that makes
it) and written atomically, the health checks the first stage wrote, the content cache beside
the runs, the runs folder and this run's start (:class:`StageFiles`, the part of
:class:`.stage.Stage` that only touches files)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from nba_simulator.errors import BadInput
from nba_simulator.outputs import read_json, read_parquet, write_json, write_parquet

#: which stage writes each data file (for the "run that stage first" message)
PRODUCERS = {
    "health.parquet": "00_health_check",
    "inventory.parquet": "01_scan",
    "scan_info.json": "01_scan",
    "coverage.parquet": "02_coverage",
    "orphans.parquet": "02_coverage",
    "duplicates.parquet": "02_coverage",
    "completeness.parquet": "02_coverage",
    "coverage_info.json": "02_coverage",
    "matrix.parquet": "02_coverage",
    "content.parquet": "02_coverage",
    "content_info.json": "02_coverage",
    "db_coverage.parquet": "02_coverage",
    "db_problems.parquet": "02_coverage",
    "gaps.parquet": "03_gaps",
    "tasks.json": "04_tasks",
    "summary.json": "05_summary",
    "history.json": "05_summary",
    "schedule.parquet": "01_scan",
    "schedule_info.json": "01_scan",
}
#: the schedule a run judges against, written by the first stage that needs it
SCHEDULE_FILE, SCHEDULE_INFO = "schedule.parquet", "schedule_info.json"
#: the content probe's cache: beside the runs (shared by every run: an unchanged object is read once)
CONTENT_CACHE = "content_cache.sqlite"


class StageFiles:
    """Needs ``run_dir`` (the run folder) and ``standalone`` (a notebook run on its own)."""

    run_dir: Path
    standalone: bool

    @property
    def data_dir(self) -> Path:
        return self.run_dir / "data"

    def path(self, name: str) -> Path:
        return self.data_dir / name

    def _need(self, name: str) -> Path:
        path = self.path(name)
        if not path.exists():
            raise BadInput(
                f"{path}: missing; run stage {PRODUCERS.get(name, '?')} first "
                f"(or leave run_dir empty to compute it here)"
            )
        return path

    def read_table(self, name: str, columns: list[str] | None = None) -> pd.DataFrame:
        return read_parquet(self._need(name), columns)

    def read_json(self, name: str) -> Any:
        return read_json(self._need(name))

    def write_table(self, name: str, df: pd.DataFrame) -> Path:
        return write_parquet(df, self.path(name))

    def write_json(self, name: str, obj: Any) -> Path:
        return write_json(obj, self.path(name))

    def write_files(self, files: dict[str, Any]) -> None:
        """Write a stage's files (name -> DataFrame for ``.parquet``, JSON-ready for ``.json``)."""
        for name, content in files.items():
            if name.endswith(".json"):
                self.write_json(name, content)
            else:
                self.write_table(name, content)

    def health(self) -> pd.DataFrame | None:
        """The health checks ``00_health_check`` wrote (None when standalone or not run)."""
        if self.standalone or not self.path("health.parquet").exists():
            return None
        return self.read_table("health.parquet")

    @property
    def content_cache(self) -> Path:
        return (self.run_dir.parent if not self.standalone else self.run_dir) / CONTENT_CACHE

    def runs_dir(self) -> Path | None:
        """The folder holding this run and its predecessors (None when standalone)."""
        return None if self.standalone else self.run_dir.parent

    def run_started(self) -> str | None:
        """This run's start time, as the runner recorded it (bookkeeping only)."""
        path = self.run_dir / "run.json"
        if self.standalone or not path.exists():
            return None
        return read_json(path).get("started")
