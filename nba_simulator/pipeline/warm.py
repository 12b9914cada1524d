"""Warm kernels for papermill: each stage in a fresh kernel that was started (and had the package
imported) while the previous stage ran.

A cold papermill run pays, per stage, a kernel start (~1 s) and the imports of pandas, pyarrow and
this package (~2-3 s), then renders HTML before the next stage starts. Here:

* :class:`KernelPool` keeps one kernel started ahead of need. Its IPython runs
  :mod:`nba_simulator.pipeline.warmup` at start-up (``IPKernelApp.exec_lines``): the modules are
  imported, the user namespace is left empty (the line deletes the one name it binds). A kernel
  serves exactly ONE stage and is shut down after it, so each stage still starts from a fresh
  namespace: nothing a stage defines can reach the next one (``tests/pipeline/test_warm.py``).
  Taking a kernel starts the next one in the background.
* :class:`WarmEngine` is a papermill engine (registered as ``nba-warm``, through papermill's
  public engine registry and the ``papermill.engine`` entry point): papermill's own nbclient
  engine, handed an already-started kernel manager (``km=``) from the pool, and told to shut that
  kernel down when the notebook is done.
* :class:`Renderer` renders the HTML of a finished stage in a background thread while the next
  stage runs; the runner waits for it before writing the report.

Kernels are the runner's children like papermill's own, with ``JPY_PARENT_PID`` set by
jupyter_client, so a kernel whose runner died exits by itself; :meth:`KernelPool.close` (a
``with`` block in the runner) shuts the spare kernel down on every way out (success, failure,
Ctrl-C, SIGTERM). ``NBA_RECON_WARM_KERNELS=0`` runs stages the cold way.
"""
from __future__ import annotations

import asyncio
import logging
import os
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

from papermill.clientwrap import PapermillNotebookClient
from papermill.engines import NBClientEngine, NotebookExecutionManager, papermill_engines
from papermill.utils import merge_kwargs, remove_args

from .kernels import EncryptedKernelManager
from .zygote import ENV, ForkSpecs, Zygote, fork_enabled, warm_enabled  # noqa: F401 - ENV, warm_enabled: re-exported

log = logging.getLogger(__name__)

ENGINE_NAME = "nba-warm"
# Run at kernel start-up: import the modules, bind no name in the user namespace.
WARMUP_LINE = "import nba_simulator.pipeline.warmup as _nba_warmup; del _nba_warmup"
START_TIMEOUT = 60.0


def _start(kernel_name: str, cwd: str, extra_arguments: list[str]):
    km = EncryptedKernelManager(kernel_name=kernel_name)
    args = [*extra_arguments, f"--IPKernelApp.exec_lines={WARMUP_LINE}"]
    asyncio.run(km.start_kernel(cwd=cwd, extra_arguments=args))
    return km


def _start_forked(kernel_name: str, cwd: str, extra_arguments: list[str], zygote: Zygote):
    """A kernel forked by ``zygote`` (None: this kernel spec cannot be forked)."""
    km = EncryptedKernelManager(kernel_name=kernel_name, kernel_spec_manager=ForkSpecs(zygote.socket_path))
    if km.kernel_spec.argv[1:3] != ["-S", "-c"]:
        return None
    asyncio.run(km.start_kernel(cwd=cwd, extra_arguments=extra_arguments))
    pid_file = Path(km.connection_file + ".pid")
    deadline = time.monotonic() + START_TIMEOUT
    while not pid_file.exists():
        if time.monotonic() > deadline or not asyncio.run(km.is_alive()):
            shutdown(km)
            raise RuntimeError("the forked kernel did not start")
        time.sleep(0.005)
    km.nba_kernel_pid = int(pid_file.read_text())
    pid_file.unlink(missing_ok=True)
    return km


def kernel_pid(km) -> int | None:
    """The process id of a started kernel (a forked one's, or jupyter_client's local provisioner's)."""
    forked = getattr(km, "nba_kernel_pid", None)
    if isinstance(forked, int):
        return forked
    provisioner = getattr(km, "provisioner", None)
    pid = getattr(provisioner, "pid", None)
    return pid if isinstance(pid, int) else None


def shutdown(km) -> None:
    try:
        asyncio.run(km.shutdown_kernel(now=True))
    except Exception as exc:  # noqa: BLE001 - best effort: the process may be gone already
        log.debug("kernel shutdown: %s", exc)


class KernelPool:
    """One kernel started ahead of need (in a background thread), for stages run one at a time."""

    def __init__(self, kernel_name: str, cwd: str | Path, extra_arguments: list[str] | None = None,
                 fork: bool | None = None, zygote: Zygote | None = None):
        """``zygote``: one started early by the caller (``Zygote.start_early``), used (and closed
        with the pool) when kernels are forked; otherwise the pool starts its own."""
        self.kernel_name = kernel_name
        self.cwd = str(cwd)
        self.extra_arguments = list(extra_arguments or [])
        self._lock = threading.Lock()
        self._next: Future | None = None
        self._closed = False
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="warm-kernel")
        self._zygote: Zygote | None = None
        if not (fork if fork is not None else fork_enabled()):
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

    def _start(self):
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

    def take(self, prepare_next: bool = True):
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
        """Shut down the spare kernel (waits for one being started)."""
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


#: seconds between two saves of the output notebook while its cells run (see ThrottledSaves)
SAVE_EVERY = 5.0
#: ... or this many (``0``: a save at every cell's start and end, as papermill's own engine does:
#: to watch a stage cell by cell, or to stop it at a known cell)
SAVE_EVERY_ENV = "NBA_RECON_SAVE_EVERY"


def save_every() -> float:
    """``$NBA_RECON_SAVE_EVERY`` seconds, else :data:`SAVE_EVERY` (a value that is not a number
    >= 0 is ignored, with a warning in the log: the run goes on)."""
    raw = os.environ.get(SAVE_EVERY_ENV, "").strip()
    if not raw:
        return SAVE_EVERY
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not 0 <= value < float("inf"):
        log.warning("$%s=%r is not a number of seconds >= 0: saving every %g s", SAVE_EVERY_ENV, raw, SAVE_EVERY)
        return SAVE_EVERY
    return value


class ThrottledSaves(NotebookExecutionManager):
    """papermill's execution manager, saving the output notebook at the start, at the end (also
    after an error, a timeout or a dead kernel: papermill's ``notebook_complete``) and, in
    between, at most every :data:`SAVE_EVERY` seconds (``$NBA_RECON_SAVE_EVERY``) instead of twice per cell. Every save goes
    through the secret-scrubbing atomic handler (nbio.py) and costs a parse, a mask and a
    serialisation of the whole notebook (its plots included): twice per cell, that was more CPU
    than most cells. A runner killed during a stage leaves that stage's notebook as it was at
    most that long before."""

    _throttled = False

    @property
    def save_every(self) -> float:
        return save_every()

    @contextmanager
    def _per_cell(self):
        """The saves papermill asks for inside (at every cell's start and end) are throttled."""
        self._throttled = True
        try:
            yield
        finally:
            self._throttled = False

    def cell_start(self, cell, cell_index=None, **kwargs):
        with self._per_cell():
            return super().cell_start(cell, cell_index, **kwargs)

    def cell_complete(self, cell, cell_index=None, **kwargs):
        with self._per_cell():
            return super().cell_complete(cell, cell_index, **kwargs)

    def save(self, **kwargs):
        if self._throttled and (self.now() - self.last_save_time).total_seconds() < self.save_every:
            return None
        return super().save(**kwargs)


class WarmEngine(NBClientEngine):
    """papermill's nbclient engine on a kernel started in advance (``km=``, or one of ``pool=``).

    The kernel is shut down when the notebook ends (``cleanup_kc=True``): one kernel, one notebook.
    The output notebook is saved as :class:`ThrottledSaves` says. Without ``km``/``pool`` it
    behaves exactly like papermill's default engine.
    """

    @classmethod
    def execute_notebook(cls, nb, kernel_name, output_path=None, progress_bar=True, log_output=False,
                         autosave_cell_every=30, **kwargs):
        if kwargs.get("km") is None and kwargs.get("pool") is None:
            return super().execute_notebook(nb, kernel_name, output_path=output_path,
                                            progress_bar=progress_bar, log_output=log_output,
                                            autosave_cell_every=autosave_cell_every, **kwargs)
        # papermill's Engine.execute_notebook, with the throttled manager
        nb_man = ThrottledSaves(nb, output_path=output_path, progress_bar=progress_bar,
                                log_output=log_output, autosave_cell_every=autosave_cell_every)
        nb_man.notebook_start()
        try:
            cls.execute_managed_notebook(nb_man, kernel_name, log_output=log_output, **kwargs)
        finally:
            nb_man.cleanup_pbar()
            nb_man.notebook_complete()
        return nb_man.nb

    @classmethod
    def execute_managed_notebook(cls, nb_man, kernel_name, log_output=False, stdout_file=None,  # noqa: PLR0913 - papermill's Engine.execute_managed_notebook signature, overridden
                                 stderr_file=None, start_timeout=60, execution_timeout=None,
                                 km=None, pool: KernelPool | None = None, **kwargs):
        if km is None and pool is not None:
            km = pool.take()
        if km is None:
            return super().execute_managed_notebook(
                nb_man, kernel_name, log_output=log_output, stdout_file=stdout_file,
                stderr_file=stderr_file, start_timeout=start_timeout,
                execution_timeout=execution_timeout, **kwargs)
        kwargs = remove_args(["input_path", "timeout", "startup_timeout"], **kwargs)
        final_kwargs = merge_kwargs(
            kwargs, timeout=execution_timeout or None, startup_timeout=start_timeout,
            kernel_name=kernel_name, log=logging.getLogger("papermill"), log_output=log_output,
            stdout_file=stdout_file, stderr_file=stderr_file)
        try:
            return PapermillNotebookClient(nb_man, km=km, **final_kwargs).execute(cleanup_kc=True)
        finally:
            if kernel_pid(km) is not None:  # not cleaned up (an error before the cells ran)
                try:
                    alive = asyncio.run(km.is_alive())
                except Exception:  # noqa: BLE001
                    alive = False
                if alive:
                    shutdown(km)


papermill_engines.register(ENGINE_NAME, WarmEngine)


class Renderer:
    """HTML of finished stages: rendered in a background thread while the next stage runs
    (``parallel=True``), or at once. Results are applied by the caller's thread (:meth:`collect`),
    so the run record is only ever changed by one thread."""

    def __init__(self, parallel: bool = True):
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="render-html") if parallel else None
        self._pending: list[tuple[Future, object]] = []

    def submit(self, fn, on_done) -> None:
        """Run ``fn()``; later, in the caller's thread, ``on_done(result, exception)``."""
        if self._executor is None:
            fut: Future = Future()
            try:
                fut.set_result(fn())
            except Exception as exc:  # noqa: BLE001 - handed to on_done
                fut.set_exception(exc)
        else:
            fut = self._executor.submit(fn)
        self._pending.append((fut, on_done))
        self.collect(block=False)

    def collect(self, block: bool = True) -> None:
        """Apply the results of finished renderings (all of them, waiting, when ``block``)."""
        keep = []
        for fut, on_done in self._pending:
            if block or fut.done():
                exc = fut.exception()
                on_done(None if exc else fut.result(), exc)
            else:
                keep.append((fut, on_done))
        self._pending = keep

    def close(self) -> None:
        self.collect(block=True)
        if self._executor is not None:
            self._executor.shutdown(wait=True)
