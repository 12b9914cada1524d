"""A scheduler stopping a run with SIGTERM: the record is closed, the lock released, exit 130."""

import json
import signal
import subprocess
import sys
import time


def test_sigterm_closes_the_run_and_releases_the_lock(fixture_notebooks, tmp_path):
    runs = tmp_path / "runs"
    cmd = [
        sys.executable,
        "-m",
        "nba_simulator.cli",
        "run",
        "--notebooks",
        str(fixture_notebooks),
        "--runs-dir",
        str(runs),
        "-p",
        "fail_stage",
        "02_coverage",
        "-p",
        "mode",
        "sleep",
    ]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 180
    record = None
    while time.monotonic() < deadline:  # wait until the sleeping stage is running
        recs = list(runs.glob("*/run.json"))
        if recs:
            try:
                record = json.loads(recs[0].read_text())
            except ValueError:
                record = None
            if record and any(s["name"] == "02_coverage" and s["status"] == "running" for s in record["stages"]):
                break
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.1)
    else:
        proc.kill()
        raise AssertionError("the stage never started")
    time.sleep(1.0)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    record = json.loads(next(runs.glob("*/run.json")).read_text())
    status = {s["name"]: s["status"] for s in record["stages"]}
    assert record["status"] == "failed"
    assert status["02_coverage"] == "failed" and status["05_summary"] == "skipped"
    assert status["01_scan"] == "succeeded"
    assert not (runs / ".lock.json").exists()  # the owner record went with the lock
    import filelock

    filelock.FileLock(str(runs / ".lock"), timeout=0).acquire()  # free for the next run
