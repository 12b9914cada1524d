"""Tiny fixture notebooks named like the real stages, so the runner's failure paths can be tested
in seconds: each writes ``data/<stage>.txt`` and, when told to, fails in a chosen way."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from nba_simulator.pipeline.retry import Backoff
from nba_simulator.pipeline.runner import STAGES, RunOptions

PARAMS = """run_dir: str = ""
fail_stage: str = ""  # the stage that misbehaves
mode: str = "raise"  # raise | permanent | transient | die | sleep | broken_if_flag
flag: str = ""  # a file: transient/die fail once (and create it); broken_if_flag fails while it exists
n: int = 1
ratio: float = 0.5
sample: Optional[int] = None
verbose: bool = False
db_password: str = ""
"""

BODY = """import os, pathlib, time
data = pathlib.Path(run_dir) / "data"
data.mkdir(parents=True, exist_ok=True)
if fail_stage == STAGE:
    if mode == "raise":
        raise ValueError("a bug in " + STAGE)
    if mode == "permanent":
        from nba_simulator.errors import AccessDenied
        raise AccessDenied("access denied (AccessDenied) listing s3://lake")
    if mode == "transient" and not os.path.exists(flag):
        pathlib.Path(flag).write_text("failed once")
        raise ConnectionResetError("connection reset by peer")
    if mode == "die" and not os.path.exists(flag):
        pathlib.Path(flag).write_text("died once")
        os._exit(1)
    if mode == "sleep":
        time.sleep(120)
    if mode == "broken_if_flag" and os.path.exists(flag):
        raise RuntimeError("broken input")
(data / (STAGE + ".txt")).write_text(f"{STAGE} n={n} ratio={ratio} sample={sample} verbose={verbose}")
print("done", STAGE)
"""


def make_fixture_notebooks(folder: Path, params: str = PARAMS) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for stage in STAGES:
        nb = nbformat.v4.new_notebook()
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        nb.metadata["language_info"] = {"name": "python"}
        imports = nbformat.v4.new_code_cell("from typing import Optional")
        p = nbformat.v4.new_code_cell(params)
        p.metadata["tags"] = ["parameters"]
        body = nbformat.v4.new_code_cell(f"STAGE = {stage!r}\n" + BODY)
        nb.cells = [nbformat.v4.new_markdown_cell(f"# {stage}"), imports, p, body]
        nbformat.write(nb, str(folder / f"{stage}.ipynb"))
    return folder


@pytest.fixture(scope="session")
def fixture_notebooks(tmp_path_factory) -> Path:
    return make_fixture_notebooks(tmp_path_factory.mktemp("fixture_notebooks"))


class Sleeps(list):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def options(tmp_path, fixture_notebooks):
    """RunOptions on the fixture notebooks; ``.sleep`` records backoff waits instead of sleeping."""

    def make(**kw) -> RunOptions:
        base = dict(
            runs_dir=tmp_path / "runs",
            notebooks_dir=fixture_notebooks,
            timeout=60,
            retries=2,
            backoff=Backoff(base=0.5, cap=4),
            progress=False,
            sleep=Sleeps(),
            echo=lambda msg: None,
        )
        base.update(kw)
        return RunOptions(**base)

    return make
