"""The one parent-death watchdog (nba_simulator/pipeline/lifeline.py): a process ends itself once
its runner is gone, also when the runner was SIGKILLed before the watch began; and once the other
end of its socket closes. Real processes, no mocks."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

from nba_simulator.pipeline.lifeline import parent_pid


def _gone(pid: int, timeout: float = 30) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if psutil.Process(pid).status() == psutil.STATUS_ZOMBIE:
                return True
        except psutil.NoSuchProcess:
            return True
        time.sleep(0.05)
    return False


def test_parent_pid_prefers_the_given_pid_then_jupyters(monkeypatch):
    monkeypatch.setenv("JPY_PARENT_PID", "4242")
    assert parent_pid(77) == 77 and parent_pid("78") == 78
    assert parent_pid() == 4242
    monkeypatch.setenv("JPY_PARENT_PID", "not-a-pid")
    assert parent_pid() == os.getppid()
    monkeypatch.delenv("JPY_PARENT_PID")
    assert parent_pid(None) == os.getppid() and parent_pid(0) == os.getppid()


CHILD = """import pathlib, sys, time
from nba_simulator.pipeline.lifeline import exit_with_parent, parent_pid
time.sleep(float(sys.argv[3]))   # the runner may be dead already: its pid was given
exit_with_parent(parent_pid(sys.argv[1]), interval=0.05,
                 before_exit=lambda: pathlib.Path(sys.argv[2]).write_text("bye"))
time.sleep(120)
"""

RUNNER = """import os, signal, subprocess, sys
child = subprocess.Popen([sys.executable, "-c", sys.argv[1], str(os.getpid()), sys.argv[2], sys.argv[3]])
print(child.pid, flush=True)
os.kill(os.getpid(), signal.SIGKILL)
"""


def _killed_runner(tmp_path: Path, delay: float) -> tuple[int, Path]:
    marker = tmp_path / f"exited-{delay}"
    runner = subprocess.run(
        [sys.executable, "-c", RUNNER, CHILD, str(marker), str(delay)], capture_output=True, text=True, timeout=60
    )
    assert runner.returncode == -signal.SIGKILL, runner.stderr
    return int(runner.stdout.split()[0]), marker


def test_a_process_ends_when_its_runner_is_killed(tmp_path):
    pid, marker = _killed_runner(tmp_path, 0.0)
    assert _gone(pid), "outlived its SIGKILLed runner"
    assert marker.read_text() == "bye"  # before_exit ran first


def test_a_runner_dead_before_the_watch_began_is_seen_as_gone(tmp_path):
    """os.getppid() read after the runner died names init (or a subreaper): the pid given wins."""
    pid, marker = _killed_runner(tmp_path, 1.0)
    assert _gone(pid), "waited forever for a parent that was already gone"
    assert marker.read_text() == "bye"


def test_a_process_ends_when_its_connection_closes():
    folder = tempfile.mkdtemp(prefix="nba-lifeline-")
    path = os.path.join(folder, "s")
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path)
    srv.listen(1)
    code = (
        "import socket, sys, time\n"
        "from nba_simulator.pipeline.lifeline import exit_when_closed\n"
        "c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); c.connect(sys.argv[1])\n"
        "exit_when_closed(c)\n"
        "time.sleep(120)\n"
    )
    child = subprocess.Popen([sys.executable, "-c", code, path])
    try:
        conn, _ = srv.accept()
        time.sleep(0.3)
        assert child.poll() is None  # connected: still running
        conn.close()
        assert child.wait(timeout=30) == 1
    finally:
        if child.poll() is None:
            child.kill()
        srv.close()
        os.unlink(path)
        os.rmdir(folder)
