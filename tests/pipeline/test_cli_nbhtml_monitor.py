"""pipeline.cli (the ``run`` command's options), pipeline.nbhtml (a notebook as a page, no
kernel needed) and pipeline.monitor (the memory high-water mark of child processes)."""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import time

import nbformat
import pytest

from nba_simulator.pipeline.cli import add_run_parser
from nba_simulator.pipeline.monitor import KernelMonitor
from nba_simulator.pipeline.nbhtml import HIDE_TAG, notebook_to_html


def run_parser():
    p = argparse.ArgumentParser()
    add_run_parser(p.add_subparsers(dest="command"))
    return p


def test_run_options_are_checked_as_they_are_parsed(capsys):
    p = run_parser()
    args = p.parse_args(["run", "--lake", "demo/lake", "--timeout", "30", "--retries", "1"])
    assert (args.lake, args.timeout, args.retries) == ("demo/lake", 30.0, 1)
    for bad in (["--timeout", "nan"], ["--timeout", "-1"], ["--retries", "x"]):
        with pytest.raises(SystemExit):
            p.parse_args(["run", *bad])
        err = capsys.readouterr().err
        assert "expected a number of seconds > 0" in err or "expected a whole number >= 0" in err


def test_a_notebook_page_hides_code_and_cells_tagged_so(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("# Coverage <of the lake>"),
        nbformat.v4.new_code_cell("secret_code_line = 1"),
        nbformat.v4.new_markdown_cell("how to run me", metadata={"tags": [HIDE_TAG]}),
    ]
    path = tmp_path / "02_coverage.ipynb"
    nbformat.write(nb, str(path))
    out = notebook_to_html(path, tmp_path / "02_coverage.html", title="Coverage")
    page = out.read_text(encoding="utf-8")
    assert "Coverage" in page and "secret_code_line" not in page and "how to run me" not in page
    # nothing fetched from the web when the page is opened (require.js, MathJax, mermaid.js: none)
    assert not re.findall(r"""(?:src|href|import)\s*=?\s*\(?["']https?://""", page), re.findall(
        r"https?://[^\s\"']+", page
    )[:5]
    shown = notebook_to_html(path, tmp_path / "code.html", show_code=True).read_text(encoding="utf-8")
    assert "secret_code_line" in shown


def test_the_monitor_sees_a_child_process_memory():
    child = None
    try:
        with KernelMonitor(interval=0.05) as mon:
            child = subprocess.Popen([sys.executable, "-c", "b = bytearray(50 << 20); import time; time.sleep(3)"])
            time.sleep(2)
    finally:
        if child is not None:
            child.kill()
            child.wait()
    assert child.pid in mon.kernel_pids and mon.peak_bytes and mon.peak_bytes > 40 << 20
    assert not mon.timed_out
