"""Small, fast checks of the pieces the fault tests rely on: atomic writes, result sets replaced
together, notebook saves scrubbed of secrets, temp files of a killed run recognised."""

from __future__ import annotations

import json
import os
import stat

import nbformat
import pandas as pd
import pytest

from nba_simulator.masking import was_masked
from nba_simulator.outputs import FileSet, write_json
from nba_simulator.pipeline.nbio import papermill_output, scrub_notebook, secret_values
from nba_simulator.pipeline.rundir import remove_temp_files as _remove_temp_files


def test_atomic_write_keeps_the_umask_mode_and_no_temp_file(tmp_path):
    path = write_json({"a": 1}, tmp_path / "x.json")
    assert json.loads(path.read_text()) == {"a": 1}
    mask = os.umask(0)
    os.umask(mask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~mask
    assert [p.name for p in tmp_path.iterdir()] == ["x.json"]


def test_file_set_failure_leaves_the_previous_set(tmp_path):
    with FileSet(tmp_path, last="summary.json") as files:
        files.parquet("a.parquet", pd.DataFrame({"x": [1]}))
        files.json("summary.json", {"v": 1})
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    with pytest.raises(RuntimeError):
        with FileSet(tmp_path, last="summary.json") as files:
            files.parquet("a.parquet", pd.DataFrame({"x": [2]}))
            raise RuntimeError("disk full, say")
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before  # no temp file either


def test_file_set_renames_the_marker_last(tmp_path, monkeypatch):
    write_json({"v": 0}, tmp_path / "summary.json")
    order = []
    real = os.replace

    def spy(src, dst):
        order.append((os.path.basename(dst), (tmp_path / "summary.json").exists()))
        real(src, dst)

    monkeypatch.setattr(os, "replace", spy)
    files = FileSet(tmp_path, last="summary.json")
    files.json("summary.json", {"v": 1})
    files.json("tasks.json", {"t": []})
    files.commit()
    # the old marker is gone while the others are renamed; the new one comes last
    assert order == [("tasks.json", False), ("summary.json", False)]
    assert json.loads((tmp_path / "summary.json").read_text()) == {"v": 1}


def test_secret_values_and_scrubbed_notebook():
    params = {
        "database": "postgresql://u:pa55word-x@h/db",
        "api_token": "tok-123456",
        "n": 3,
        "lake": "s3://bucket/raw",
    }
    assert set(secret_values(params)) == {"pa55word-x", "tok-123456"}
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell('database = "postgresql://u:pa55word-x@h/db"\napi_token = "tok-123456"')
    cell.metadata["tags"] = ["injected-parameters"]
    out = nbformat.v4.new_code_cell("x")
    out.outputs = [
        nbformat.v4.new_output(
            "error",
            ename="OperationalError",
            evalue="could not connect to postgresql://u:pa55word-x@h/db",
            traceback=[],
        )
    ]
    nb.cells = [cell, out]
    nb.metadata["papermill"] = {"parameters": dict(params)}
    text = scrub_notebook(nbformat.writes(nb), params)
    assert "pa55word-x" not in text and "tok-123456" not in text
    clean = nbformat.reads(text, as_version=4)
    assert clean.metadata["papermill"]["parameters"]["database"] == "postgresql://u:***@h/db"
    assert clean.metadata["papermill"]["parameters"]["lake"] == "s3://bucket/raw"


def test_papermill_saves_go_through_the_handler_only_while_active(tmp_path):
    from papermill.iorw import papermill_io

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell('token = "tok-123456"')]
    nb.cells[0].metadata["tags"] = ["injected-parameters"]
    target = tmp_path / "out.ipynb"
    with papermill_output(tmp_path, {"token": "tok-123456"}):
        papermill_io.write(nbformat.writes(nb), str(target))
    assert "tok-123456" not in target.read_text()
    assert [p.name for p in tmp_path.iterdir()] == ["out.ipynb"]
    papermill_io.write(nbformat.writes(nb), str(target))  # no longer active: papermill's own write
    assert "tok-123456" in target.read_text()


def test_temp_files_of_a_killed_run_are_recognised(tmp_path):
    keep = ["run.json", "01_scan.ipynb", ".lock", ".DS_Store", ".fingerprint"]
    temp = [".run.json.ab12cd34.tmp", ".coverage.parquet.x1y2z3w4.parquet", ".inventory.parquet.1234.0123456789ab.tmp"]
    for name in keep + temp:
        (tmp_path / name).write_text("x")
    _remove_temp_files(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(keep)


@pytest.mark.parametrize(
    "value,redacted",
    [
        ("***", True),
        ("postgresql://u:***@h/db", True),
        (["a", "***"], True),
        ("postgresql://u:pw@h/db", False),
        ("s3://bucket/***x", False),
        (3, False),
    ],
)
def test_resume_recognises_masked_values(value, redacted):
    assert was_masked(value) is redacted
