"""`nba-recon run` on the demo says on stderr only what the reader should act on: no kernel
transport warning (the kernels' traffic is CurveZMQ-encrypted), no Python warning, no traceback,
no build or kernel log noise; with warm kernels (the default) and with papermill's own."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.slow

NOISE = ("without encryption", "[IPKernelApp]", "Traceback", "Warning:", "DeprecationWarning",
         "UserWarning", "frozen modules", "setuptools", "zmq")


def _run(tmp_path, *args, **env):
    cmd = [sys.executable, "-m", "nba_simulator.cli", "run", "--runs-dir", str(tmp_path / "runs"),
           "--no-progress", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=900, cwd=tmp_path,
                          env={**os.environ, **env})


def _noise(stderr: str) -> list[str]:
    # the run's own findings are lines starting "warning: " (the reader acts on them)
    return [line for line in stderr.splitlines()
            if line.strip() and (not line.startswith("warning: ") or any(n in line for n in NOISE))]


def test_demo_run_prints_no_kernel_or_python_noise(tmp_path):
    done = _run(tmp_path)
    assert done.returncode == 0, done.stderr
    assert _noise(done.stderr) == [], done.stderr
    assert "succeeded" in done.stdout


def test_cold_kernels_are_quiet_too(tmp_path):
    done = _run(tmp_path, "--stages", "00", NBA_RECON_WARM_KERNELS="0")
    assert done.returncode == 0, done.stderr
    assert _noise(done.stderr) == [], done.stderr
