"""The stage notebooks are edited by people (JupyterLab, or the paired py:percent file): each
``notebooks/NN_name.ipynb`` has a ``notebooks/NN_name.py`` with the same cells, and the ``.ipynb``
is kept in git without outputs. A save as JupyterLab's jupytext does it under ``make lab`` (its
pre-save hook strips a stage notebook's outputs) keeps all of this true, and the notebook runs."""

from __future__ import annotations

import difflib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import jupytext
import nbformat
import papermill
import pytest

from nba_simulator.pipeline.lab import strip_on_save

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
STAGES = sorted(p.stem for p in NOTEBOOKS.glob("*.ipynb"))
COMMON = {"run_dir", "spec", "lake", "schedule", "as_of"}


def _cells(nb) -> list[tuple[str, str, tuple]]:
    return [(c.cell_type, c.source.strip(), tuple(c.metadata.get("tags", []))) for c in nb.cells]


def check_folder(folder: Path) -> list[str]:
    """Every problem of the notebooks in ``folder``: unpaired, out of sync, outputs, bad ids."""
    problems = []
    names = sorted(p.stem for p in folder.glob("*.ipynb"))
    if sorted(p.stem for p in folder.glob("[0-9][0-9]_*.py")) != names:
        problems.append("every NN_name.ipynb needs its NN_name.py and the other way round")
    for name in names:
        ipynb, py = folder / f"{name}.ipynb", folder / f"{name}.py"
        nb = nbformat.read(str(ipynb), as_version=4)
        nbformat.validate(nb)
        if py.exists() and _cells(jupytext.read(py)) != _cells(nb):
            problems.append(f"{name}: .py and .ipynb differ (run: jupytext --sync notebooks/{name}.ipynb)")
        for cell in nb.cells:
            if cell.cell_type == "code" and (cell.get("outputs") or cell.get("execution_count") is not None):
                problems.append(f"{name}: cell {cell.id} has outputs (run: nbstripout notebooks/{name}.ipynb)")
        ids = [c.id for c in nb.cells]
        if len(set(ids)) != len(ids):
            problems.append(f"{name}: duplicate cell ids")
        tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
        if len(tagged) != 1:
            problems.append(f"{name}: {len(tagged)} cells tagged parameters (one expected)")
        if not COMMON <= set(papermill.inspect_notebook(str(ipynb))):
            problems.append(f"{name}: does not declare {sorted(COMMON)}")
    return problems


def test_notebooks_are_paired_in_sync_and_stripped():
    assert len(STAGES) == 6
    assert check_folder(NOTEBOOKS) == []


def test_cell_ids_are_not_positional():
    for name in STAGES:
        ids = [c.id for c in nbformat.read(str(NOTEBOOKS / f"{name}.ipynb"), as_version=4).cells]
        assert not any(i.startswith(name[:2] + "-") for i in ids), name


def test_the_checks_catch_what_they_claim(tmp_path):
    folder = tmp_path / "notebooks"
    shutil.copytree(NOTEBOOKS, folder)
    nb = nbformat.read(str(folder / "03_gaps.ipynb"), as_version=4)
    nb.cells[-1].outputs = [nbformat.v4.new_output("stream", text="hi")]
    nb.cells[-1].execution_count = 3
    nbformat.write(nb, str(folder / "03_gaps.ipynb"))
    py = folder / "04_tasks.py"
    py.write_text(py.read_text(encoding="utf-8") + "\n# %%\nprint('only in the .py')\n", encoding="utf-8")
    (folder / "05_summary.py").unlink()
    problems = "\n".join(check_folder(folder))
    assert "03_gaps: cell" in problems and "has outputs" in problems
    assert "04_tasks: .py and .ipynb differ" in problems
    assert "every NN_name.ipynb needs its NN_name.py" in problems


def save_in_lab(root: Path, name: str) -> tuple[str, str]:
    """Open ``notebooks/<name>.ipynb`` under ``root`` and save it through jupytext's contents
    manager, the one JupyterLab uses with jupytext, with the pre-save hook ``make lab`` sets: a
    cell added after the parameters, a parameter comment changed, every code cell run (outputs and
    execution counts, as Lab saves them). Returns the parameter line before and after."""
    cm = jupytext.TextFileContentsManager(root_dir=str(root))
    cm.register_pre_save_hook(strip_on_save)
    path = f"notebooks/{name}.ipynb"
    nb = cm.get(path)["content"]
    params = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    old_line = next(line for line in params.source.splitlines() if line.startswith("top:"))
    new_line = old_line + " (the worst first)"
    params.source = params.source.replace(old_line, new_line)
    nb.cells.insert(nb.cells.index(params) + 1, nbformat.v4.new_code_cell("print(top)"))
    for n, cell in enumerate(c for c in nb.cells if c.cell_type == "code"):
        cell.execution_count = n + 1
        cell.outputs = [nbformat.v4.new_output("stream", text=f"output of cell {n + 1}")]
    # what a kernel's first run leaves in the metadata, as Lab saves it
    nb.metadata["language_info"] = {
        "codemirror_mode": {"name": "ipython", "version": 3},
        "file_extension": ".py",
        "mimetype": "text/x-python",
        "name": "python",
        "nbconvert_exporter": "python",
        "pygments_lexer": "ipython3",
        "version": "3.11.2",
    }
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {}}}
    cm.save({"type": "notebook", "format": "json", "content": nb}, path)
    return old_line, new_line


@pytest.mark.parametrize("name", ["03_gaps"])
def test_a_save_in_jupyterlab_keeps_pairs_in_sync_and_diffs_readable(tmp_path, name):
    """The save leaves the pair in sync and stripped (the checks of ``make test``), the other
    cells' ids unchanged, and the ``.py`` diff is the edit and nothing else."""
    folder = tmp_path / "notebooks"
    shutil.copytree(NOTEBOOKS, folder)
    before_py = (folder / f"{name}.py").read_text(encoding="utf-8")
    before_ids = [c.id for c in nbformat.read(str(folder / f"{name}.ipynb"), as_version=4).cells]

    before_meta = json.loads((folder / f"{name}.ipynb").read_text(encoding="utf-8"))["metadata"]

    old_line, new_line = save_in_lab(tmp_path, name)

    assert check_folder(folder) == []
    # no metadata diff: Lab's language_info and widget state are not written
    assert json.loads((folder / f"{name}.ipynb").read_text(encoding="utf-8"))["metadata"] == before_meta
    after = nbformat.read(str(folder / f"{name}.ipynb"), as_version=4)
    after_ids = [c.id for c in after.cells]
    assert [i for i in after_ids if i not in before_ids] != [] and len(after_ids) == len(before_ids) + 1
    assert [i for i in after_ids if i in before_ids] == before_ids  # the others keep their ids
    diff = [
        line
        for line in difflib.unified_diff(
            before_py.splitlines(), (folder / f"{name}.py").read_text(encoding="utf-8").splitlines(), lineterm="", n=0
        )
        if line[:1] in "+-" and not line.startswith(("+++", "---"))
    ]
    assert sorted(diff) == sorted([f"-{old_line}", f"+{new_line}", "+", "+# %%", "+print(top)"])
    declared = papermill.inspect_notebook(str(folder / f"{name}.ipynb"))
    assert "top" in declared and "the worst first" in declared["top"]["help"]


def test_the_hook_strips_stage_notebooks_only(tmp_path):
    """A run's executed notebook (``runs/<id>/03_gaps.ipynb``) saved from Lab keeps its outputs."""
    nb = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_code_cell(
                "1",
                execution_count=1,
                outputs=[nbformat.v4.new_output("execute_result", {"text/plain": "1"}, execution_count=1)],
            )
        ]
    )
    for path, stripped in (
        ("notebooks/03_gaps.ipynb", True),
        ("runs/r1/03_gaps.ipynb", False),
        ("notebooks/scratch.ipynb", False),
    ):
        model = {"type": "notebook", "content": nbformat.from_dict(nb)}
        strip_on_save(model=model, path=path)
        cell = model["content"]["cells"][0]
        assert (cell["outputs"] == [] and cell["execution_count"] is None) == stripped, path


@pytest.mark.slow
def test_a_notebook_saved_in_jupyterlab_still_runs_under_nbval(tmp_path):
    """``make test`` runs the notebooks with nbval: the edited and saved one passes, its added cell
    included (one nbval item per code cell)."""
    folder = tmp_path / "notebooks"
    shutil.copytree(NOTEBOOKS, folder)
    save_in_lab(tmp_path, "03_gaps")
    code_cells = sum(c.cell_type == "code" for c in nbformat.read(str(folder / "03_gaps.ipynb"), as_version=4).cells)
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "--nbval-lax",
            "--nbval-sanitize-with",
            str(ROOT / "tests" / "notebooks" / "sanitize.cfg"),
            str(folder / "03_gaps.ipynb"),
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert r.returncode == 0, r.stdout[-4000:] + r.stderr[-2000:]
    assert f"{code_cells} passed" in r.stdout
