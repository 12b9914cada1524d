"""One run at a time: a live holder blocks with RunLocked, a killed holder's lock is recovered."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap

import pytest

from nba_simulator.errors import RunLocked
from nba_simulator.pipeline.lock import OWNER_NAME, RunsLock
from nba_simulator.pipeline.runner import Runner

HOLDER = textwrap.dedent("""
    import sys, time
    from nba_simulator.pipeline.lock import RunsLock
    lock = RunsLock(sys.argv[1], "20260101T000000Z-dead00", "2026-01-01T00:00:00+00:00").acquire()
    print("locked", flush=True)
    time.sleep(60)
""")


def _holder(runs_dir):
    proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(runs_dir)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "locked"
    return proc


def test_live_lock_raises_run_locked(tmp_path):
    proc = _holder(tmp_path)
    try:
        with pytest.raises(RunLocked, match=rf"20260101T000000Z-dead00 \(pid {proc.pid}"):
            RunsLock(tmp_path, "mine").acquire()
    finally:
        proc.kill()
        proc.wait()


def test_stale_lock_of_a_killed_run_is_recovered(tmp_path):
    proc = _holder(tmp_path)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert (tmp_path / OWNER_NAME).exists()  # the killed run left its record behind
    with RunsLock(tmp_path, "mine") as lock:
        assert lock.stale["run_id"] == "20260101T000000Z-dead00"
        assert lock.stale["pid_alive"] is False
        assert json.loads((tmp_path / OWNER_NAME).read_text())["run_id"] == "mine"
    assert not (tmp_path / OWNER_NAME).exists()


def test_same_process_second_lock_is_refused(tmp_path):
    with RunsLock(tmp_path, "a"):
        with pytest.raises(RunLocked):
            RunsLock(tmp_path, "b").acquire()
    with RunsLock(tmp_path, "c") as lock:  # released: free again, nothing stale
        assert lock.stale is None


def test_recovery_closes_the_killed_runs_record(tmp_path, options):
    """A run killed mid-stage stays 'running' in its run.json until the next run recovers it."""
    runs = tmp_path / "runs"
    rid = "20260101T000000Z-dead00"
    (runs / rid).mkdir(parents=True)
    (runs / rid / "run.json").write_text(
        json.dumps(
            {
                "run_id": rid,
                "status": "running",
                "parameters": {},
                "stages": [
                    {"name": "00_health_check", "status": "succeeded"},
                    {"name": "01_scan", "status": "running"},
                    {"name": "02_coverage", "status": "pending"},
                ],
            }
        )
    )
    proc = _holder(runs)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    runner = Runner(options(stages=["00"]))
    with RunsLock(runs, "x") as lock:
        runner._recover(lock)
    rec = json.loads((runs / rid / "run.json").read_text())
    assert rec["status"] == "failed"
    assert [s["status"] for s in rec["stages"]] == ["succeeded", "failed", "skipped"]
    assert rec["stages"][1]["error"]["ename"] == "Interrupted"
