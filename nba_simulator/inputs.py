"""Reading the user's input files (specs, schedules) safely: only regular files, of bounded size.

A FIFO, a device, a socket or a folder given as a spec or schedule would make a reader block or
read without end; a multi-gigabyte file would exhaust memory. :func:`read_regular` refuses them
with a one-line :class:`~nba_simulator.errors.BadInput` naming the file (exit 2), before reading.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from .errors import BadInput

#: a spec is a page of YAML; 1 MiB is far beyond any real one
MAX_SPEC_BYTES = 1 << 20
#: every NBA game since 1946 is ~70,000 rows (~10 MB of CSV)
MAX_SCHEDULE_BYTES = 256 << 20


def _kind(mode: int) -> str:
    for test, name in (
        (stat.S_ISDIR, "a folder"),
        (stat.S_ISFIFO, "a named pipe"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
    ):
        if test(mode):
            return name
    return "not a regular file"


def check_regular(path: str | Path, limit: int, what: str, error=BadInput) -> int:
    """The size of ``path`` when it is a regular file of at most ``limit`` bytes, else ``error``."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise error(f"{path}: {what} file not found") from None
    except OSError as exc:
        raise error(f"{path}: cannot read the {what} ({exc.strerror or exc})") from None
    if not stat.S_ISREG(st.st_mode):
        raise error(f"{path}: the {what} is {_kind(st.st_mode)}, not a regular file")
    if st.st_size > limit:
        raise error(f"{path}: the {what} is {st.st_size:,} bytes, more than the {limit:,} allowed")
    return st.st_size


def read_regular(path: str | Path, limit: int, what: str, error=BadInput) -> bytes:
    """The bytes of ``path``: a regular file of at most ``limit`` bytes (see :func:`check_regular`).
    Opened without blocking and checked again once open (the path may be swapped in between)."""
    check_regular(path, limit, what, error)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise error(f"{path}: cannot read the {what} ({exc.strerror or exc})") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise error(f"{path}: the {what} is {_kind(st.st_mode)}, not a regular file")
        with os.fdopen(fd, "rb", closefd=False) as fh:
            data = fh.read(limit + 1)
    except OSError as exc:
        raise error(f"{path}: cannot read the {what} ({exc.strerror or exc})") from None
    finally:
        os.close(fd)
    if len(data) > limit:
        raise error(f"{path}: the {what} is more than the {limit:,} bytes allowed")
    return data
