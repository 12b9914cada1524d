"""Kernels forked from one process that imported everything once (a "zygote", as Android starts
its apps): each stage still gets its own kernel process, with a fresh namespace and fresh module
state, but not its own Python start-up and imports (~2 s of CPU per stage otherwise).

* :class:`Zygote` starts ``python -m nba_simulator.pipeline.zygote SOCKET RUNNER_PID``: it imports
  :mod:`.preload` and ipykernel, never runs a stage, and listens on a Unix socket.
* A kernel is still started by jupyter_client (papermill's ``km``), from a kernel spec
  (:class:`ForkSpecs`) whose command is :mod:`.kernel_stub` (``python -S``: no package import)
  instead of ``python -m ipykernel_launcher``. The stub hands the zygote its arguments, working
  folder, environment and standard streams; the zygote forks; the child becomes an IPython kernel
  (``IPKernelApp``) with exactly what ``ipykernel_launcher`` would have had. The kernel exits when
  its stub's connection closes (:func:`.lifeline.exit_when_closed`).
* The zygote exits when its runner is gone (:func:`.lifeline.exit_with_parent`, removing its
  socket first) or on SIGTERM (:meth:`Zygote.close`).

Used by :class:`.kernel_pool.KernelPool` for the standard ``python3`` kernel of this interpreter on
Linux; anything else (another interpreter, another kernel, a zygote that failed to start) starts
kernels ahead the usual way.
"""

from __future__ import annotations

import importlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from jupyter_client.kernelspec import KernelSpec, KernelSpecManager

from .. import settings
from .lifeline import exit_when_closed, exit_with_parent

#: the kernel command's stand-in: argv = [python, -S, STUB, SOCKET, *ipykernel arguments]
STUB = str(Path(__file__).with_name("kernel_stub.py"))
#: in the zygote's own environment only (its runner's pid), never in a kernel's: preload.py
#: leaves the watching to the zygote
IN_ZYGOTE = "NBA_RECON_ZYGOTE_OF"
READY = b"ready\n"


def fork_supported() -> bool:
    """Linux only (macOS frameworks are not fork-safe; Windows has no fork)."""
    return sys.platform.startswith("linux") and hasattr(os, "fork") and hasattr(socket, "send_fds")


_PYTHONS = {"python", f"python{sys.version_info[0]}", f"python{sys.version_info[0]}.{sys.version_info[1]}"}


def forkable(spec: KernelSpec) -> bool:
    """An ipykernel of this very interpreter (what the zygote can fork)."""
    argv = list(spec.argv or [])
    return (
        len(argv) >= 3
        and (argv[0] in _PYTHONS or os.path.realpath(argv[0]) == os.path.realpath(sys.executable))
        and argv[1:3] == ["-m", "ipykernel_launcher"]
    )


class ForkSpecs(KernelSpecManager):
    """The installed kernel specs, the forkable one's command replaced by the stub."""

    def __init__(self, socket_path: str, **kwargs):
        super().__init__(**kwargs)
        self.socket_path = socket_path

    def get_kernel_spec(self, kernel_name: str) -> KernelSpec:
        spec = super().get_kernel_spec(kernel_name)
        if not forkable(spec):
            return spec
        data = spec.to_dict()
        data["argv"] = [sys.executable, "-S", STUB, self.socket_path, *spec.argv[3:]]
        return KernelSpec(resource_dir=spec.resource_dir, **data)


class Zygote:
    """The forking process of one run (a child of the runner, gone with it)."""

    def __init__(self, cwd: str | Path | None = None):
        """``cwd``: the zygote's working folder while it imports (default: its own new, empty
        folder, so that no module of the caller's folder shadows a library); each kernel works
        in the folder jupyter_client starts it in."""
        self.dir = tempfile.mkdtemp(prefix="nba-zygote-")
        self.socket_path = os.path.join(self.dir, "s")
        # the runner's pid goes on the command line: a runner killed while the zygote still
        # imports is then seen as gone (os.getppid() read afterwards would name init instead)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", __name__, self.socket_path, str(os.getpid())],
            cwd=str(cwd) if cwd is not None else self.dir,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            start_new_session=True,
        )
        self._ready: bool | None = None
        self._lock = threading.Lock()

    def ready(self) -> bool:
        """Wait until the zygote listens (False: it failed; kernels then start the usual way)."""
        with self._lock:
            if self._ready is None:
                line = self.proc.stdout.readline() if self.proc.stdout else b""
                self._ready = line == READY
                if self.proc.stdout:
                    self.proc.stdout.close()
            return self._ready

    @classmethod
    def start_early(cls) -> Zygote | None:
        """A zygote started at once, before the caller's own imports, when kernels will be forked
        (``None`` otherwise, or when it cannot start): its ~2 s of imports then overlap the
        runner's start-up on another core instead of delaying the first stage. Hand it to
        ``RunOptions(zygote=...)``; the caller closes it (closing twice is harmless)."""
        if settings.get("NBA_RECON_WARM_KERNELS") != "fork" or not fork_supported():
            return None
        try:
            return cls()
        except OSError:
            return None

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.proc.wait()
        if self.proc.stdout and not self.proc.stdout.closed:
            self.proc.stdout.close()
        Path(self.socket_path).unlink(missing_ok=True)
        try:
            os.rmdir(self.dir)
        except OSError:
            pass


# ------------------------------------------------------------------ the zygote process itself
def _kernel(conn: socket.socket, req: dict, fds: list[int]) -> None:  # pragma: no cover - runs in a kernel
    """In the forked child: become the kernel ``ipykernel_launcher`` would have started."""
    try:
        for sig in (signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        os.setsid()
        for target, fd in zip((0, 1, 2), fds):
            os.dup2(fd, target)
            os.close(fd)
        os.environ.clear()
        os.environ.update(req["env"])
        os.chdir(req["cwd"])
        sys.path[0] = req["cwd"]
        argv = list(req["argv"])
        if req["env"].get("JPY_PARENT_PID"):
            # ipykernel read JPY_PARENT_PID when the zygote imported it (unset then): a kernel
            # with a parent prints no "connect another client" banner (IPKernelApp's documented
            # parent_handle option, compat.py)
            argv.append(f"--IPKernelApp.parent_handle={int(req['env']['JPY_PARENT_PID'])}")
        sys.argv = ["ipykernel_launcher", *argv]
        conn.sendall(f"{os.getpid()}\n".encode())
        exit_when_closed(conn)
        from ipykernel.kernelapp import IPKernelApp

        IPKernelApp.launch_instance()
    finally:
        os._exit(0)  # a forked child never returns into the zygote's loop


def _reap() -> None:  # pragma: no cover - runs in the zygote
    while True:
        try:
            os.waitpid(-1, 0)
        except ChildProcessError:
            time.sleep(0.05)


def _stop(_sig, _frame) -> None:  # pragma: no cover - runs in the zygote
    deadline = time.monotonic() + 1.0
    while time.monotonic() < deadline:  # kernels exiting just now: reaped (and counted) too
        try:
            if os.waitpid(-1, os.WNOHANG) == (0, 0):
                time.sleep(0.01)
        except ChildProcessError:
            break
    raise SystemExit(0)


#: what ``IPKernelApp.initialize`` imports in every kernel otherwise (~0.1 s of CPU each, most of
#: it the debugger's debugpy): imported once here. None of them starts a thread.
KERNEL_IMPORTS = (
    "ipykernel.debugger",
    "psutil",
    "tornado.platform.asyncio",
    "IPython.core.oinspect",
    "IPython.core.completerlib",
    "IPython.core.debugger",
    "IPython.extensions.storemagic",
)


def _kernel_imports() -> None:  # pragma: no cover - runs in the zygote
    # debugpy warns about frozen modules on stderr when imported (the runner's console, here);
    # a kernel gets its own environment (the stub's), without this
    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    for name in KERNEL_IMPORTS:
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 - the kernel imports it itself then, and reports
            pass


def _first_use() -> None:  # pragma: no cover - runs in the zygote
    """What every stage's first plot and table would pay once more (matplotlib's font list and
    text layout, pandas' HTML templates) and what the health check and the scan would both build
    (the packaged schedule: ``schedule.load`` keeps it), paid here once. Nothing that starts a
    thread (a thread does not survive a fork): no parquet, no multithreaded Arrow compute."""
    import io

    import pandas as pd
    from matplotlib.figure import Figure

    from nba_simulator.schedule.load import load_schedule

    fig = Figure(figsize=(2, 1))
    ax = fig.subplots()
    ax.bar(["a", "b"], [1, 2])
    ax.set_title("warm-up")
    fig.savefig(io.BytesIO(), format="png", dpi=30)
    frame = pd.DataFrame({"a": [1, 2], "b": ["x", "y"]})
    frame._repr_html_()
    frame.style.to_html()
    load_schedule("builtin")


_removing = threading.Lock()


def _remove_socket(path: str) -> None:  # pragma: no cover - runs in the zygote
    """The socket and its folder, whichever thread gets here first (the other one waits, so that
    neither exits the process half-way)."""
    with _removing:
        for remove, target in ((os.unlink, path), (os.rmdir, os.path.dirname(path))):
            try:
                remove(target)
            except OSError:
                pass


def _request(conn: socket.socket) -> tuple[dict, list[int]]:  # pragma: no cover - runs in the zygote
    msg, fds, _flags, _addr = socket.recv_fds(conn, 1 << 20, 3)
    buf = msg
    while not buf.endswith(b"\n"):
        more = conn.recv(1 << 20)
        if not more:
            break
        buf += more
    return json.loads(buf), fds


def serve(path: str, runner: int) -> None:  # pragma: no cover - runs in the zygote
    # a runner killed outright (SIGKILL) closes nothing: the socket and its folder are removed and
    # the zygote exits (a runner killed while the zygote still imports: at once)
    exit_with_parent(runner, interval=0.1, before_exit=lambda: _remove_socket(path), name="exit-with-runner")
    # what ipykernel sets before a kernel imports matplotlib (the zygote imports it first)
    os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    import ipykernel.ipkernel
    import ipykernel.kernelapp  # noqa: F401

    _kernel_imports()

    os.environ[IN_ZYGOTE] = str(runner)  # (a forked kernel gets its stub's environment instead)
    import nba_simulator.pipeline.preload  # noqa: F401

    try:
        _first_use()
    except Exception:  # noqa: BLE001 - a stage that needs it reports the error itself
        pass
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        with _removing:  # not while the lifeline removes the socket's folder
            srv.bind(path)
        srv.listen(16)
    except OSError:  # no READY line: the runner starts kernels the usual way
        _remove_socket(path)
        raise SystemExit(1) from None
    # the forked kernels are reaped here, so that their CPU time is counted as the runner's
    # children's (``time nba-recon run``) like that of kernels it starts itself
    threading.Thread(target=_reap, name="reap-kernels", daemon=True).start()
    signal.signal(signal.SIGTERM, _stop)
    try:
        sys.stdout.buffer.write(READY)
        sys.stdout.flush()
    except OSError:  # the runner is gone (its end of the pipe closed): nothing to serve
        _remove_socket(path)
        raise SystemExit(1) from None
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 1)
    while True:
        conn, _ = srv.accept()
        try:
            req, fds = _request(conn)
        except (OSError, ValueError):
            conn.close()
            continue
        if os.fork() == 0:
            srv.close()
            _kernel(conn, req, fds)
        conn.close()
        for fd in fds:
            os.close(fd)


if __name__ == "__main__":  # pragma: no cover
    serve(sys.argv[1], int(sys.argv[2]))
