"""`nba-recon run` on the demo says on stderr only what the reader should act on: no kernel
transport warning (the kernels' traffic is CurveZMQ-encrypted), no Python warning, no traceback,
no build or kernel log noise; with warm kernels (the default) and with papermill's own."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.slow

NOISE = (
    "without encryption",
    "[IPKernelApp]",
    "Traceback",
    "Warning:",
    "DeprecationWarning",
    "UserWarning",
    "frozen modules",
    "setuptools",
    "zmq",
)


def _run(tmp_path, *args, **env):
    cmd = [
        sys.executable,
        "-m",
        "nba_simulator.cli",
        "run",
        "--runs-dir",
        str(tmp_path / "runs"),
        "--no-progress",
        *args,
    ]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=900, cwd=tmp_path, env={**os.environ, **env})


def _noise(stderr: str) -> list[str]:
    # the run's own findings are lines starting "warning: " (the reader acts on them)
    return [
        line
        for line in stderr.splitlines()
        if line.strip() and (not line.startswith("warning: ") or any(n in line for n in NOISE))
    ]


def test_demo_run_prints_no_kernel_or_python_noise(tmp_path):
    done = _run(tmp_path)
    assert done.returncode == 0, done.stderr
    assert _noise(done.stderr) == [], done.stderr
    assert "succeeded" in done.stdout


def test_cold_kernels_are_quiet_too(tmp_path):
    done = _run(tmp_path, "--stages", "00", NBA_RECON_WARM_KERNELS="0")
    assert done.returncode == 0, done.stderr
    assert _noise(done.stderr) == [], done.stderr


def test_kernel_transport_errors_stay_out_of_the_run(tmp_path):
    """A stage kernel started with the runner's arguments logs its own transport errors (tornado's
    "Uncaught exception in ZMQStream callback", seen once on a loaded machine at a kernel's
    shutdown) at the kernel log's level, CRITICAL: not into the notebook, not onto stderr."""
    import asyncio

    from nba_simulator.pipeline.execute import KERNEL_ARGS
    from nba_simulator.pipeline.kernels import EncryptedKernelManager

    async def planted() -> str:
        km = EncryptedKernelManager(kernel_name="python3")
        err = tmp_path / "kernel-stderr.txt"
        with err.open("wb") as fh:
            await km.start_kernel(extra_arguments=KERNEL_ARGS, stderr=fh)
        kc = km.client()
        kc.start_channels()
        seen = []
        try:
            await kc.wait_for_ready(timeout=120)
            msg_id = kc.execute(
                "import logging as _l\n"
                "_l.getLogger('tornado.general').error('Uncaught exception in ZMQStream callback (planted)')\n"
                "_l.getLogger('tornado.general').critical('tornado critical (planted)')\n"
            )
            while True:
                msg = await kc.get_iopub_msg(timeout=60)
                if msg["parent_header"].get("msg_id") != msg_id:
                    continue
                if msg["msg_type"] == "stream":
                    seen.append(msg["content"]["text"])
                if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
                    break
        finally:
            kc.stop_channels()
            await km.shutdown_kernel(now=True)
        return "".join(seen) + err.read_text(errors="replace")

    out = asyncio.run(planted())
    assert "ZMQStream callback (planted)" not in out
    assert "tornado critical (planted)" in out  # the logger still works: only its level is raised
