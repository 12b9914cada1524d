"""A stage notebook saved from JupyterLab is written as the repository keeps it.

``make lab`` sets :func:`strip_on_save` as the contents manager's ``pre_save_hook``: a stage
notebook (``notebooks/NN_name.ipynb``) saved from Lab, whether its cells were run or not, is
written without outputs or execution counts, its cell ids kept (what ``make strip`` leaves and
``tests/pipeline/test_notebook_sources.py`` checks), and with the notebook metadata the repository
keeps (``kernelspec``, ``jupytext``, ``language_info`` reduced to its ``name``: the kernel's
version, mimetype, lexer... Lab adds would be a diff on every save); jupytext writes the paired
``NN_name.py`` beside it. Any other notebook (a run's executed stages under ``runs/``) is saved as it is.
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
    nb = strip_output(nb, keep_output=False, keep_count=False, keep_id=True)
    model["content"] = keep_metadata(nb)


#: the notebook metadata a stage notebook keeps in git
KEPT_METADATA = ("kernelspec", "jupytext")


def keep_metadata(nb):
    """``nb`` with only the kept notebook metadata (:data:`KEPT_METADATA`, and ``language_info``
    as its ``name`` only), in place; returned."""
    meta = nb.get("metadata") or {}
    kept = {k: meta[k] for k in KEPT_METADATA if k in meta}
    lang = meta.get("language_info")
    if isinstance(lang, dict) and lang.get("name"):
        kept["language_info"] = {"name": lang["name"]}
    nb["metadata"] = nbformat.from_dict(kept)
    return nb
