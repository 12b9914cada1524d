"""The command of a forked kernel's kernel spec (:mod:`.zygote`): ``python -S kernel_stub.py
SOCKET [ipykernel arguments]``, run by jupyter_client where ``python -m ipykernel_launcher`` would
have been. Standard library only, no site packages (``-S``): it starts in ~20 ms.

It hands the zygote listening on SOCKET its arguments, working folder, environment and standard
streams (``socket.send_fds``) and gets the forked kernel's pid back, written beside the
connection file (``FILE.pid``) for the memory monitor and the stage timeout. Then it stands in
for the kernel towards jupyter_client: SIGINT and SIGTERM are forwarded to the kernel, and it
exits when the kernel does (the zygote closes the connection) or when its runner is gone
(:mod:`.lifeline`); the kernel exits when its stub does.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import sys

if __package__:
    from .lifeline import exit_with_parent, parent_pid
else:  # run by path (python -S): this file's folder is sys.path[0]
    from lifeline import exit_with_parent, parent_pid  # type: ignore[no-redef]


def request(args: list[str], cwd: str, env: dict[str, str]) -> bytes:
    """What the zygote reads: one JSON line."""
    return json.dumps({"argv": args, "cwd": cwd, "env": env}).encode() + b"\n"


def connection_file(args: list[str]) -> str | None:
    """The ``-f FILE`` of ipykernel's arguments."""
    return args[args.index("-f") + 1] if "-f" in args[:-1] else None


def write_pid(args: list[str], pid: int) -> None:
    cf = connection_file(args)
    if cf:
        with open(cf + ".pid.tmp", "w") as fh:
            fh.write(str(pid))
        os.replace(cf + ".pid.tmp", cf + ".pid")


def main(argv: list[str]) -> int:
    path, args = argv[0], argv[1:]
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    conn.connect(path)
    socket.send_fds(conn, [request(args, os.getcwd(), dict(os.environ))], [0, 1, 2])
    line = conn.makefile("rb").readline()
    if not line:
        return 1
    pid = int(line)
    write_pid(args, pid)

    def forward(sig, _frame) -> None:
        try:
            os.kill(pid, sig)
        except OSError:
            pass

    signal.signal(signal.SIGINT, forward)
    signal.signal(signal.SIGTERM, forward)
    exit_with_parent(parent_pid())
    while conn.recv(4096):
        pass
    return 0


if __name__ == "__main__":  # pragma: no cover - the kernel spec's command
    sys.exit(main(sys.argv[1:]))
