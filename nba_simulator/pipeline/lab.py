"""A stage notebook saved from JupyterLab is written as the repository keeps it.

``make lab`` sets :func:`strip_on_save` as the contents manager's ``pre_save_hook``: a stage
notebook (``notebooks/NN_name.ipynb``) saved from Lab, whether its cells were run or not, is
written without outputs or execution counts, its cell ids kept (what ``make strip`` leaves and
``tests/pipeline/test_notebook_sources.py`` checks); jupytext writes the paired ``NN_name.py``
beside it. Any other notebook (a run's executed stages under ``runs/``) is saved as it is.
"""
from __future__ import annotations

import re

import nbformat

STAGE_NOTEBOOK = re.compile(r"(?:^|/)notebooks/\d\d_[^/]+\.ipynb$")


def strip_on_save(model: dict, path: str, **_) -> None:
    """``ContentsManager.pre_save_hook``: strip a stage notebook's outputs in ``model`` (in place)."""
    if model.get("type") != "notebook" or not STAGE_NOTEBOOK.search(path.strip("/")):
        return
    from nbstripout import strip_output  # the `lab` extra, installed with JupyterLab

    nb = nbformat.from_dict(model["content"])
    model["content"] = strip_output(nb, keep_output=False, keep_count=False, keep_id=True)
