"""Crash safety: ``kill -9`` of the runner in each stage, then ``--resume``.

The runs are :mod:`tests.faults.pipeline_runs`' (session fixtures ``reference`` and ``crashed``).
After every kill:

* every file under the runs directory that is not a temporary file is complete (JSON parses,
  Parquet reads, notebooks load, HTML pages end with ``</html>``): writes are atomic;
* the kernel of the killed stage does not outlive its runner (no leaked kernel);
* the next ``--resume`` recovers the stale lock and says so.

At the end the run's final data (Parquet tables, ``tasks.json``, ``summary.json``) equal the
reference run's, every stage succeeded, no lock and no temporary file is left behind; the damaged
cached inventory was detected and rebuilt. A run killed after its last stage but before its record
was closed is closed by ``--resume`` without running anything again.
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess

import pyarrow.parquet as pq
import pytest

from .conftest import NBA_RECON, assert_same_outputs, load_outputs
from .pipeline_runs import DAMAGE_AFTER, STAGES, resume_args, secret_env, temp_files

pytestmark = pytest.mark.slow


def test_killed_in_each_stage(crashed):
    _, _, log = crashed
    assert log["killed_in"] == list(STAGES), log["killed_in"]
    # a kernel was running at most kills (the very start of a stage may precede it)
    assert sum(1 for n in log["kernels"] if n) >= 4, log["kernels"]


def test_resumed_run_equals_uninterrupted_run(crashed, reference):
    _, run_dir, _ = crashed
    _, ref_dir, _ = reference
    assert_same_outputs(load_outputs(ref_dir / "data"), load_outputs(run_dir / "data"), ignore_summary=())
    ref, rec = (json.loads((d / "run.json").read_text()) for d in (ref_dir, run_dir))
    assert rec["status"] == "succeeded" and all(s["status"] == "succeeded" for s in rec["stages"])
    assert rec["headline"] == ref["headline"]
    assert (run_dir / "report.html").exists()
    for st in rec["stages"]:
        assert (run_dir / st["notebook"]).exists() and (run_dir / st["html"]).exists()


def test_every_resume_recovered_the_stale_lock(crashed):
    _, _, log = crashed
    for console in log["consoles"][1:]:
        assert "recovered a stale lock" in console, console


def test_damaged_inventory_was_rebuilt_not_trusted(crashed):
    _, run_dir, log = crashed
    resumed_after_damage = log["consoles"][DAMAGE_AFTER + 1]
    assert "data/inventory.parquet (from stage 01_scan) is missing or damaged" in resumed_after_damage
    rec = json.loads((run_dir / "run.json").read_text())
    scan = next(s for s in rec["stages"] if s["name"] == "01_scan")
    assert len(scan.get("earlier", [])) >= 1  # 01_scan ran again after the damage
    assert pq.read_table(run_dir / "data" / "inventory.parquet").num_rows > 8000


def test_nothing_left_behind(crashed):
    runs, run_dir, _ = crashed
    assert not (runs / ".lock.json").exists()
    assert not temp_files(runs), temp_files(runs)
    rec = json.loads((run_dir / "run.json").read_text())
    assert len(rec["resumed"]) == len(STAGES)


def test_run_killed_after_its_last_stage_is_closed_by_resume(crashed, tmp_path):
    """Killed between the last stage and closing the record: ``--resume`` runs no stage again,
    it writes the report and closes the record."""
    _, run_dir_src, _ = crashed
    runs = tmp_path / "runs"
    run_dir = runs / run_dir_src.name
    shutil.copytree(run_dir_src, run_dir)
    rec = json.loads((run_dir / "run.json").read_text())
    rec.update(status="running", finished=None, headline=None, report=None)
    (run_dir / "run.json").write_text(json.dumps(rec))
    (run_dir / "report.html").unlink()
    dead = subprocess.Popen(["true"])
    dead.wait()
    (runs / ".lock.json").write_text(
        json.dumps({"pid": dead.pid, "host": socket.gethostname(), "run_id": rec["run_id"], "started": rec["started"]})
    )
    runs_of = lambda r: [(st["name"], st["attempts"], len(st.get("earlier", []))) for st in r["stages"]]  # noqa: E731
    out = subprocess.run(
        [NBA_RECON, *resume_args(runs, rec["run_id"])], capture_output=True, text=True, timeout=300, env=secret_env()
    )
    assert out.returncode == 0, out.stderr
    after = json.loads((run_dir / "run.json").read_text())
    assert after["status"] == "succeeded" and after["report"] == "report.html"
    assert runs_of(after) == runs_of(rec)  # no stage ran again
    assert (run_dir / "report.html").exists()
    assert after["headline"]["completeness_pct"] is not None
    assert f"run {rec['run_id']} succeeded" in out.stdout
