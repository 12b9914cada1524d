"""Watch the kernel of the running stage: its peak memory, and the stage's wall-clock timeout.

The kernel is the child process jupyter_client starts for papermill; the monitor finds it as a
new child of this process (stages run one at a time). Peak memory is the kernel's own high-water
mark (``VmHWM`` in ``/proc/<pid>/status`` on Linux: exact, not a sample of the moment), read
every ``interval`` seconds so the last reading before the kernel exits is kept. Elsewhere it
falls back to the largest sampled RSS.

With ``pids`` (a warm kernel started before the stage, see :mod:`.kernel_pool`) exactly those processes
are watched instead: the kernel being started for the next stage is a new child too, and is not
this stage's.

When the stage runs past ``timeout`` seconds the monitor kills the kernel: nbclient then raises
``DeadKernelError``, which the runner reports as a timeout (``timed_out`` is set).
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import psutil


def _hwm_bytes(proc: psutil.Process) -> int | None:
    try:
        for line in Path(f"/proc/{proc.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return proc.memory_info().rss
    except psutil.Error:
        return None


class KernelMonitor:
    def __init__(self, timeout: float | None = None, interval: float = 0.1, pids=None):
        self.timeout = timeout
        self.pids = None if pids is None else {int(p) for p in pids}
        self.interval = interval
        self.me = psutil.Process()
        self.before = {p.pid for p in self._children()}
        self.peak_bytes: int | None = None
        self.kernel_pids: set[int] = set()
        self.timed_out = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="kernel-monitor", daemon=True)

    def _children(self) -> list[psutil.Process]:
        try:
            return self.me.children(recursive=True)
        except psutil.Error:
            return []

    def _watched(self) -> list[psutil.Process]:
        if self.pids is None:
            return [p for p in self._children() if p.pid not in self.before]
        procs = []
        for pid in self.pids:
            try:
                procs.append(psutil.Process(pid))
            except psutil.Error:
                pass
        return procs

    def sample(self) -> None:
        for proc in self._watched():
            self.kernel_pids.add(proc.pid)
            hwm = _hwm_bytes(proc)
            if hwm is not None and (self.peak_bytes is None or hwm > self.peak_bytes):
                self.peak_bytes = hwm

    def _kill(self) -> None:
        for pid in self.kernel_pids:
            try:
                psutil.Process(pid).kill()
            except psutil.Error:
                pass

    def _run(self) -> None:
        start = time.monotonic()
        while not self._stop.wait(self.interval):
            self.sample()
            if self.timeout and not self.timed_out and time.monotonic() - start > self.timeout:
                self.timed_out = True
                self._kill()

    def __enter__(self) -> KernelMonitor:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    @property
    def peak_mb(self) -> float | None:
        return None if self.peak_bytes is None else round(self.peak_bytes / 2**20, 1)
