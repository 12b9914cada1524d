"""inputs: a spec or schedule is read only when it is a regular file of bounded size."""

from __future__ import annotations

import os

import pytest

from nba_simulator.errors import BadInput, ScheduleError
from nba_simulator.inputs import check_regular, read_regular


def test_a_regular_file_within_the_limit_is_read(tmp_path):
    f = tmp_path / "spec.yaml"
    f.write_bytes(b"version: 1\n")
    assert check_regular(f, 100, "spec") == 11
    assert read_regular(f, 100, "spec") == b"version: 1\n"


@pytest.mark.parametrize("kind", ["missing", "folder", "fifo", "too big"])
def test_anything_else_is_one_line_naming_the_file(tmp_path, kind):
    path = tmp_path / "x"
    if kind == "folder":
        path.mkdir()
    elif kind == "fifo":
        os.mkfifo(path)
    elif kind == "too big":
        path.write_bytes(b"x" * 101)
    expected = {
        "missing": "schedule file not found",
        "folder": "is a folder, not a regular file",
        "fifo": "is a named pipe, not a regular file",
        "too big": "is 101 bytes, more than the 100 allowed",
    }
    with pytest.raises(ScheduleError) as got:
        read_regular(path, 100, "schedule", error=ScheduleError)
    assert str(got.value).startswith(f"{path}: ") and expected[kind] in str(got.value)
    assert "\n" not in str(got.value) and isinstance(got.value, BadInput)
