"""Soak: eight scheduled runs back to back in this process (a "compressed" day of a scheduler),
some failing on purpose (a stage raising, a kernel dying and retried, a stage killed at its
timeout, a transient error retried). After every run: no kernel left alive (found by a tag in
their environment, so orphans count too), no lock left, and, after a warm-up run, this process's
file descriptors, threads and memory do not grow.

The stages are the small test notebooks of ``tests/pipeline`` (each run still starts six real
kernels): the runner's side of a run (papermill, nbclient, kernels, rendering, locks, records) is
what can leak across runs. ``python -m bench.soak`` does the same with the real stage notebooks
on the demo lake, for as long as asked, and prints the figures.
"""

from __future__ import annotations

import pytest

from bench.soak import soak, verdict
from tests.pipeline.conftest import make_fixture_notebooks

pytestmark = pytest.mark.slow

RUNS = 8


def test_scheduled_runs_leak_nothing(tmp_path):
    notebooks = make_fixture_notebooks(tmp_path / "notebooks")
    flag = tmp_path / "flag"
    failures = {
        2: {"fail_stage": "02_coverage", "mode": "raise"},  # a bug: fails
        4: {"fail_stage": "03_gaps", "mode": "die", "flag": str(flag) + "4"},  # kernel dies, retried
        # killed at its timeout: the stage sleeps 120 s; 30 s leaves the stages before it (a
        # kernel start and a cell each) room on a loaded machine (4 s failed the health check)
        6: {"fail_stage": "01_scan", "mode": "sleep", "timeout": 30},
        7: {"fail_stage": "04_tasks", "mode": "transient", "flag": str(flag) + "7"},  # retried
    }
    lines = []
    rows = soak(
        RUNS,
        runs_dir=tmp_path / "runs",
        params={},
        notebooks_dir=notebooks,
        failures=failures,
        timeout=120,
        echo=lines.append,
    )
    statuses = {r["run"]: (r["status"], r["failed_stage"]) for r in rows}
    assert statuses[2] == ("failed", "02_coverage")
    assert statuses[6] == ("failed", "01_scan")
    assert all(statuses[i] == ("succeeded", None) for i in (1, 3, 4, 5, 7, 8)), statuses
    problems = verdict(rows, warmup=2, max_growth_mb=25.0)
    assert not problems, "\n".join([*problems, *lines])
