"""The kernel manager of every stage kernel: CurveZMQ transport encryption when it can, and the
clients it gave out, closed with the kernel.

A kernel talks to the runner over TCP on the loopback interface. Without encryption ipykernel
says so on stderr for every notebook ("Kernel is running over TCP without encryption..."); with
keys provisioned by the kernel manager (jupyter_client's ``transport_encryption``) the traffic is
encrypted and there is nothing to say. ``auto`` provisions keys when the kernelspec declares
``curve`` in ``metadata.supported_encryption`` (ipykernel's own spec does) and pyzmq has CurveZMQ;
another kernel runs unencrypted as before (a fact about that kernel). The runner also quiets the
kernel app's log (``execute.KERNEL_ARGS``: shutdown interrupts are logged there as errors).

nbclient leaves a kernel manager it was given (``km=``) running, and the client it made from it
connected: :func:`shutdown` stops both (the clients through the public ``client()`` they were
made by).
"""

from __future__ import annotations

import asyncio
import logging

import psutil
from jupyter_client.manager import AsyncKernelManager
from traitlets import default

log = logging.getLogger(__name__)


def _curve_available() -> bool:
    import zmq

    return bool(zmq.has("curve"))


class EncryptedKernelManager(AsyncKernelManager):
    """``AsyncKernelManager`` whose ``transport_encryption`` defaults to ``auto`` (a Jupyter
    config that sets it still wins)."""

    #: the pid of the kernel process once started by this package (:func:`find_kernel_pid`, or
    #: the forked kernel's own): for the memory monitor and the stage timeout
    kernel_pid: int | None = None

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.issued_clients: list = []

    @default("transport_encryption")
    def _transport_encryption_default(self) -> str:
        return "auto" if _curve_available() else "disabled"

    def client(self, **kwargs):
        kc = super().client(**kwargs)
        self.issued_clients.append(kc)
        return kc


def find_kernel_pid(km) -> int | None:
    """The pid of the child of this process started for ``km``: the one whose command line
    names ``km``'s connection file (jupyter_client passes it as ``-f FILE``)."""
    try:
        children = psutil.Process().children(recursive=True)
    except psutil.Error:
        return None
    for proc in children:
        try:
            if km.connection_file in proc.cmdline():
                return proc.pid
        except psutil.Error:
            continue
    return None


def shutdown(km) -> None:
    """Stop ``km``'s kernel now and the channels of every client it gave out (best effort: the
    kernel may be gone already)."""
    for kc in getattr(km, "issued_clients", ()):
        try:
            kc.stop_channels()
        except Exception as exc:  # noqa: BLE001 - closing sockets of a dead kernel
            log.debug("kernel client: %s", exc)
    try:
        if asyncio.run(km.is_alive()):
            asyncio.run(km.shutdown_kernel(now=True))
        else:
            asyncio.run(km.cleanup_resources())
    except Exception as exc:  # noqa: BLE001 - best effort: the process may be gone already
        log.debug("kernel shutdown: %s", exc)
