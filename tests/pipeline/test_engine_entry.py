"""The warm engine as papermill users reach it: through the ``papermill.engine`` entry point.

papermill loads its entry points while ``import papermill`` runs, so the entry point must load in
any import order (it once crashed any program whose first import was the engine's module, now ``pipeline.warm_engine``)."""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import entry_points

import nbformat


def _python(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)


def test_warm_imported_first_loads():
    done = _python(
        "import nba_simulator.pipeline.warm_engine as w\n"
        "from papermill.engines import papermill_engines as e\n"
        "print(e.get_engine('nba-warm') is w.WarmEngine)"
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "True"


def test_papermill_imported_first_finds_the_engine():
    done = _python("from papermill.engines import papermill_engines as e\nprint(e.get_engine('nba-warm').__module__)")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() in {"nba_simulator.pipeline.engine_entry", "nba_simulator.pipeline.warm_engine"}


def test_entry_point_is_declared_and_forwards_papermills_interface():
    (point,) = [p for p in entry_points(group="papermill.engine") if p.name == "nba-warm"]
    engine = point.load()
    nb = nbformat.v4.new_notebook(
        metadata={"kernelspec": {"name": "python3", "language": "python", "display_name": "Python 3"}}
    )
    assert engine.nb_kernel_name(nb) == "python3"
    assert engine.nb_kernel_name(nb, "other") == "other"
    assert engine.nb_language(nb) == "python"


def test_papermill_cli_runs_a_notebook_with_the_warm_engine(tmp_path):
    source, out = tmp_path / "in.ipynb", tmp_path / "out.ipynb"
    nb = nbformat.v4.new_notebook(
        metadata={"kernelspec": {"name": "python3", "language": "python", "display_name": "Python 3"}}
    )
    nb.cells = [nbformat.v4.new_code_cell("x = 6 * 7\nprint(x)")]
    nbformat.write(nb, source)
    done = subprocess.run(
        [sys.executable, "-m", "papermill", "--engine", "nba-warm", "--no-progress-bar", str(source), str(out)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    outputs = nbformat.read(out, as_version=4).cells[0].outputs
    assert [o.get("text") for o in outputs] == ["42\n"]
