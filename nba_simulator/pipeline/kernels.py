"""The kernel manager of every stage kernel: CurveZMQ transport encryption when it can.

A kernel talks to the runner over TCP on the loopback interface. Without encryption ipykernel
says so on stderr for every notebook ("Kernel is running over TCP without encryption..."); with
keys provisioned by the kernel manager (jupyter_client's ``transport_encryption``) the traffic is
encrypted and there is nothing to say. ``auto`` provisions keys when the kernelspec declares
``curve`` in ``metadata.supported_encryption`` (ipykernel's own spec does) and pyzmq has CurveZMQ;
another kernel runs unencrypted as before (a fact about that kernel). The runner also quiets the
kernel app's log (``execute.KERNEL_ARGS``: shutdown interrupts are logged there as errors).
"""
from __future__ import annotations

from jupyter_client.manager import AsyncKernelManager
from traitlets import default


def _curve_available() -> bool:
    import zmq

    return bool(zmq.has("curve"))


class EncryptedKernelManager(AsyncKernelManager):
    """``AsyncKernelManager`` whose ``transport_encryption`` defaults to ``auto`` (a Jupyter
    config that sets it still wins)."""

    @default("transport_encryption")
    def _transport_encryption_default(self) -> str:
        return "auto" if _curve_available() else "disabled"
