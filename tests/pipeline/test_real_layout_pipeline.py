"""``nba-recon run`` with the packaged spec (``schedule: auto``) on a lake in the real layout
writes the same data files as ``nba-recon reconcile`` with the same runs folder: the schedule the
notebooks build once (``data/schedule.parquet``) is the one reconcile builds in memory, and the
scoreboard cache the pipeline filled gives reconcile the same games as a fresh read."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from nba_simulator.cli import main
from nba_simulator.reconcile import OUTPUT_FILES, ReconcileOptions, reconcile
from tests.integration.test_real_layout import AS_OF, truth_games
from tests.reallake import build_real_lake

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def both(tmp_path_factory):
    root = tmp_path_factory.mktemp("realpipe")
    lake = build_real_lake(root, truth_games(), as_of=AS_OF, dates_per_type=1)
    runs = root / "runs"
    rc = main(
        [
            "run",
            "--spec",
            "default",
            "--lake",
            str(lake.lake),
            "--as-of",
            AS_OF,
            "--runs-dir",
            str(runs),
            "--no-progress",
            "--timeout",
            "600",
            "-p",
            "fail_fast",
            "false",
        ]
    )
    (run_dir,) = [p for p in runs.iterdir() if p.is_dir() and p.name != "schedule"]
    lib = root / "library"
    reconcile(ReconcileOptions("default", str(lake.lake), AS_OF, out_dir=lib, runs_dir=runs))
    return rc, run_dir, lib


def test_pipeline_and_reconcile_write_the_same_files(both):
    rc, run_dir, lib = both
    assert rc == 0
    for name in OUTPUT_FILES:
        ours, theirs = run_dir / "data" / name, lib / name
        if name.endswith(".parquet"):
            a, b = pd.read_parquet(ours), pd.read_parquet(theirs)
            if name == "inventory.parquet":
                a, b = (x.sort_values("key").reset_index(drop=True) for x in (a, b))
            pd.testing.assert_frame_equal(a, b, check_like=True, obj=name)
        else:
            assert json.loads(ours.read_text()) == json.loads(theirs.read_text()), name
    summary = json.loads((run_dir / "data" / "summary.json").read_text())
    assert summary["unjudged"] and summary["schedule"]["source"] == "auto"
    assert (run_dir / "data" / "schedule.parquet").exists()
