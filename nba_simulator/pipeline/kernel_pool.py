"""Warm kernels: each stage in a fresh kernel that was started (and had the package imported)
while the previous stage ran.

A cold papermill run pays, per stage, a kernel start (~1 s) and the imports of pandas, pyarrow and
this package (~2-3 s). :class:`KernelPool` keeps one kernel started ahead of need, in a background
thread; taking it starts the next one. A kernel serves exactly ONE stage and is shut down after
it (:mod:`.warm_engine`), so each stage still starts from a fresh namespace: nothing a stage
defines can reach the next one (``tests/pipeline/test_warm.py``).

How a kernel is started, ``NBA_RECON_WARM_KERNELS`` (:mod:`nba_simulator.settings`, read by
:func:`warm_mode`, the engine's one switch):

* ``fork`` (the default): forked from the run's :class:`.zygote.Zygote`, which imported the
  package once; Linux, the standard kernel of this interpreter;
* ``start``, and whenever forking is not possible: jupyter_client starts the kernel, whose IPython
  runs :mod:`.preload` at start-up (``IPKernelApp.exec_lines``: the imports, no name bound);
* ``off``: no pool, papermill's own engine and a cold kernel per stage.

Kernels are the runner's children like papermill's own (``JPY_PARENT_PID`` set), so a kernel
whose runner died exits by itself (:mod:`.lifeline`); :meth:`KernelPool.close` (a ``with`` block
in the runner) shuts the spare kernel down on every way out (success, failure, Ctrl-C, SIGTERM).
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from .. import settings
from .kernels import EncryptedKernelManager, find_kernel_pid, shutdown
from .zygote import STUB, ForkSpecs, Zygote, fork_supported

log = logging.getLogger(__name__)

# Run at kernel start-up: import the modules, bind no name in the user namespace.
PRELOAD_LINE = "import nba_simulator.pipeline.preload as _nba_preload; del _nba_preload"
#: seconds a kernel may take to start
START_TIMEOUT = 60.0


def warm_mode() -> str:
    """``fork``, ``start`` or ``off`` (``$NBA_RECON_WARM_KERNELS``)."""
    return settings.get("NBA_RECON_WARM_KERNELS")


def warm_enabled() -> bool:
    return warm_mode() != "off"


def _start(kernel_name: str, cwd: str, extra_arguments: list[str]) -> EncryptedKernelManager:
    km = EncryptedKernelManager(kernel_name=kernel_name)
    args = [*extra_arguments, f"--IPKernelApp.exec_lines={PRELOAD_LINE}"]
    asyncio.run(km.start_kernel(cwd=cwd, extra_arguments=args))
    km.kernel_pid = find_kernel_pid(km)
    return km


def _start_forked(
    kernel_name: str, cwd: str, extra_arguments: list[str], zygote: Zygote
) -> EncryptedKernelManager | None:
    """A kernel forked by ``zygote`` (None: this kernel spec cannot be forked)."""
    km = EncryptedKernelManager(kernel_name=kernel_name, kernel_spec_manager=ForkSpecs(zygote.socket_path))
    if km.kernel_spec.argv[1:3] != ["-S", STUB]:
        return None
    asyncio.run(km.start_kernel(cwd=cwd, extra_arguments=extra_arguments))
    pid_file = Path(km.connection_file + ".pid")  # written by the stub (kernel_stub.py)
    deadline = time.monotonic() + START_TIMEOUT
    while not pid_file.exists():
        if time.monotonic() > deadline or not asyncio.run(km.is_alive()):
            shutdown(km)
            raise RuntimeError("the forked kernel did not start")
        time.sleep(0.005)
    km.kernel_pid = int(pid_file.read_text())
    pid_file.unlink(missing_ok=True)
    return km


def kernel_pid(km) -> int | None:
    """The process id of a kernel started here (forked or not)."""
    return getattr(km, "kernel_pid", None)


class KernelPool:
    """One kernel started ahead of need (in a background thread), for stages run one at a time."""

    def __init__(
        self,
        kernel_name: str,
        cwd: str | Path,
        extra_arguments: list[str] | None = None,
        fork: bool | None = None,
        zygote: Zygote | None = None,
    ):
        """``fork``: None follows :func:`warm_mode`. ``zygote``: one started early by the caller
        (``Zygote.start_early``), used (and closed with the pool) when kernels are forked;
        otherwise the pool starts its own."""
        self.kernel_name = kernel_name
        self.cwd = str(cwd)
        self.extra_arguments = list(extra_arguments or [])
        self._lock = threading.Lock()
        self._next: Future | None = None
        self._closed = False
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="warm-kernel")
        self._zygote: Zygote | None = None
        forks = (fork if fork is not None else warm_mode() == "fork") and fork_supported()
        if not forks:
            if zygote is not None:
                zygote.close()
        elif zygote is not None:
            self._zygote = zygote
        else:
            try:
                self._zygote = Zygote()
            except OSError as exc:
                log.debug("no zygote: %s", exc)
        self._prepare()

    def _start(self) -> EncryptedKernelManager:
        if self._zygote is not None and self._zygote.ready():
            try:
                km = _start_forked(self.kernel_name, self.cwd, self.extra_arguments, self._zygote)
            except Exception as exc:  # noqa: BLE001 - the zygote is gone: start kernels the usual way
                log.warning("forked kernel failed (%s): kernels start the usual way", exc)
                self._zygote.close()
                self._zygote = None
                km = None
            if km is not None:
                return km
        return _start(self.kernel_name, self.cwd, self.extra_arguments)

    def _prepare(self) -> None:
        with self._lock:
            if not self._closed and self._next is None:
                self._next = self._executor.submit(self._start)

    def take(self, prepare_next: bool = True) -> EncryptedKernelManager:
        """A started kernel manager, for one stage (the caller shuts it down); the next one starts
        unless ``prepare_next`` is false (the last stage: no kernel would be used)."""
        with self._lock:
            if self._closed:
                raise RuntimeError("kernel pool is closed")
            fut, self._next = self._next, None
        if fut is None:
            fut = self._executor.submit(self._start)
        km = fut.result()
        if prepare_next:
            self._prepare()
        return km

    def close(self) -> None:
        """Shut down the spare kernel (waits for one being started), then the zygote."""
        with self._lock:
            self._closed = True
            fut, self._next = self._next, None
        if fut is not None:
            try:
                km = fut.result()
            except Exception:  # noqa: BLE001 - a start that failed left nothing to stop
                km = None
            if km is not None:
                shutdown(km)
        self._executor.shutdown(wait=True)
        if self._zygote is not None:
            self._zygote.close()

    def __enter__(self) -> KernelPool:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
