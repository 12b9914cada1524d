"""The forked kernel's command (nba_simulator/pipeline/kernel_stub.py), run as jupyter_client runs
it (``python -S FILE SOCKET args``, no site packages) against a stand-in zygote: it hands over its
arguments, folder, environment and standard streams, writes the kernel's pid beside the
connection file, forwards SIGTERM to the kernel, and exits when the zygote closes the connection."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from nba_simulator.pipeline import kernel_stub
from nba_simulator.pipeline.zygote import STUB


def test_request_and_connection_file():
    args = ["-f", "/tmp/k.json", "--IPKernelApp.log_level=CRITICAL"]
    assert kernel_stub.connection_file(args) == "/tmp/k.json"
    assert kernel_stub.connection_file(["--x"]) is None and kernel_stub.connection_file(["-f"]) is None
    req = json.loads(kernel_stub.request(args, "/w", {"A": "1"}))
    assert req == {"argv": args, "cwd": "/w", "env": {"A": "1"}}
    assert kernel_stub.request([], "/", {}).endswith(b"\n")


def test_the_stub_hands_over_and_stands_in_for_the_kernel(tmp_path):
    assert Path(STUB) == Path(kernel_stub.__file__)
    folder = tempfile.mkdtemp(prefix="nba-stub-")  # (a Unix socket path must be short)
    path = os.path.join(folder, "s")
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path)
    srv.listen(1)
    cf = str(tmp_path / "kernel-1.json")
    kernel = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])  # the "kernel"
    stub = subprocess.Popen(
        [sys.executable, "-S", STUB, path, "-f", cf, "--flag"],
        cwd=tmp_path,
        env={**os.environ, "NBA_TEST_MARK": "x"},
        stdin=subprocess.DEVNULL,
    )
    try:
        conn, _ = srv.accept()
        msg, fds, _flags, _addr = socket.recv_fds(conn, 1 << 20, 3)
        buf = msg
        while not buf.endswith(b"\n"):
            buf += conn.recv(1 << 20)
        req = json.loads(buf)
        assert req["argv"] == ["-f", cf, "--flag"] and Path(req["cwd"]) == tmp_path.resolve()
        assert req["env"]["NBA_TEST_MARK"] == "x" and len(fds) == 3
        for fd in fds:
            os.close(fd)
        conn.sendall(f"{kernel.pid}\n".encode())
        pid_file = Path(cf + ".pid")
        deadline = time.monotonic() + 30
        while not pid_file.exists() and time.monotonic() < deadline:
            time.sleep(0.02)
        assert pid_file.read_text() == str(kernel.pid)
        stub.send_signal(signal.SIGTERM)  # jupyter_client's shutdown: forwarded
        assert kernel.wait(timeout=30) == -signal.SIGTERM
        assert stub.poll() is None  # the stub waits for the zygote's word
        conn.close()  # the kernel is gone: the zygote closes
        assert stub.wait(timeout=30) == 0
    finally:
        for proc in (kernel, stub):
            if proc.poll() is None:
                proc.kill()
        srv.close()
        os.unlink(path)
        os.rmdir(folder)


def test_a_stub_the_zygote_refuses_exits_with_1(tmp_path):
    folder = tempfile.mkdtemp(prefix="nba-stub-")
    path = os.path.join(folder, "s")
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path)
    srv.listen(1)
    stub = subprocess.Popen(
        [sys.executable, "-S", STUB, path, "-f", str(tmp_path / "k.json")], stdin=subprocess.DEVNULL
    )
    try:
        conn, _ = srv.accept()
        for fd in socket.recv_fds(conn, 1 << 20, 3)[1]:
            os.close(fd)
        conn.close()  # no pid: the fork failed
        assert stub.wait(timeout=30) == 1
        assert not (tmp_path / "k.json.pid").exists()
    finally:
        if stub.poll() is None:
            stub.kill()
        srv.close()
        os.unlink(path)
        os.rmdir(folder)
