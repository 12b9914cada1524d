"""A parameter several stages declare with different defaults (``top``: 10 rows here, 25 there):
``--list-parameters`` lists each stage's own default and meaning, and each stage gets its own
default unless the user sets one value for all."""

from __future__ import annotations

import nbformat

from nba_simulator.pipeline import params as P


def _nb(path, source):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    cell = nbformat.v4.new_code_cell(source)
    cell.metadata["tags"] = ["parameters"]
    nb.cells = [cell]
    nbformat.write(nb, str(path))
    return path


def test_each_stage_keeps_its_own_default(tmp_path):
    decl = P.declared(
        {
            "03_gaps": _nb(tmp_path / "a.ipynb", 'run_dir: str = ""\ntop: int = 15  # rows in the top-gaps table'),
            "04_tasks": _nb(tmp_path / "b.ipynb", 'run_dir: str = ""\ntop: int = 25  # rows of the task queue shown'),
        }
    )
    text = P.describe(decl)
    assert "03_gaps: 15  rows in the top-gaps table" in text
    assert "04_tasks: 25  rows of the task queue shown" in text
    assert "run_dir: str = ''" in text  # one default: one line
    values = P.run_defaults(decl)
    assert "top" not in values and values["run_dir"] == ""
    assert P.for_stage(decl, values, "03_gaps")["top"] == 15
    assert P.for_stage(decl, values, "04_tasks")["top"] == 25
    given = {**values, **P.validate(decl, {"top": "5"})}  # -p top 5: every stage shows 5
    assert P.for_stage(decl, given, "03_gaps")["top"] == P.for_stage(decl, given, "04_tasks")["top"] == 5
