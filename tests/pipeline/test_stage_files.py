"""pipeline.stage_files: a stage's files in its run folder."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

from nba_simulator.errors import BadInput
from nba_simulator.pipeline.stage_files import CONTENT_CACHE, StageFiles


@dataclass
class Files(StageFiles):
    run_dir: Path
    standalone: bool = False


def test_a_missing_input_names_the_stage_that_writes_it(tmp_path):
    files = Files(tmp_path / "runs" / "r1")
    with pytest.raises(BadInput, match=r"gaps\.parquet: missing; run stage 03_gaps first"):
        files.read_table("gaps.parquet")
    assert files.health() is None and files.run_started() is None


def test_files_written_are_read_back_and_the_cache_is_beside_the_runs(tmp_path):
    run = tmp_path / "runs" / "r1"
    (run / "data").mkdir(parents=True)
    files = Files(run)
    files.write_files({"gaps.parquet": pd.DataFrame({"gap_id": ["g1"]}), "tasks.json": {"tasks": []}})
    assert files.read_table("gaps.parquet")["gap_id"].tolist() == ["g1"]
    assert files.read_json("tasks.json") == {"tasks": []}
    assert files.runs_dir() == tmp_path / "runs" and files.content_cache == tmp_path / "runs" / CONTENT_CACHE
    alone = Files(tmp_path / "lab", standalone=True)
    assert alone.runs_dir() is None and alone.content_cache == tmp_path / "lab" / CONTENT_CACHE
