"""The few places where the package leans on a library's behaviour beyond its plainest API, each
written once here, or listed in :data:`RELIANCES` with the versions it is tested against, with a
test (``tests/test_compat.py``) that fails loudly when the library changes.

No private attribute of a library is used anywhere in the package (``os._exit``, documented, is
the one underscore name): ``tests/test_compat.py`` scans every module for ``x._name`` that
the package does not define itself, and for imports from the Jupyter stack (papermill, nbclient,
jupyter_client, ipykernel) other than :data:`JUPYTER_IMPORTS`.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pandas as pd
import pyarrow as pa


def arrow_strings(values: pd.Series):
    """The Arrow data of a string column as a ``pyarrow`` string array or chunked array, without
    copying an Arrow-backed column: pandas' public ``__arrow_array__`` protocol (what
    ``pa.array`` itself calls), else a conversion."""
    array = values.array
    if isinstance(array, pd.arrays.ArrowStringArray):
        arr = array.__arrow_array__()
    else:
        arr = pa.array(values.astype("string").array, type=pa.string(), from_pandas=True)
    return arr.cast(pa.string()) if arr.type != pa.string() else arr


def add_option_once(parser: argparse.ArgumentParser, *flags: str, **kwargs) -> bool:
    """``parser.add_argument(*flags, **kwargs)`` unless the parser has the option already
    (argparse's public conflict error says so). Returns whether it was added."""
    try:
        parser.add_argument(*flags, **kwargs)
    except argparse.ArgumentError:
        return False
    return True


def empty_like_dask(ddf, convert=None) -> pd.DataFrame:
    """An empty pandas frame with a Dask DataFrame's columns and dtypes (its ``meta``), from the
    public ``columns`` and ``dtypes``; ``convert`` is applied to it."""
    meta = pd.DataFrame({c: pd.Series(dtype=t) for c, t in ddf.dtypes.items()})[list(ddf.columns)]
    return convert(meta) if convert else meta


@contextmanager
def without_module(name: str) -> Iterator[None]:
    """Imports made inside the block see the module ``name`` as not installed: ``sys.modules``
    holds ``None`` for it, the import system's documented way to make ``import name`` raise
    ``ImportError``. The entry is removed afterwards, so a later ``import name`` works as usual;
    a module imported before the block is left alone.

    Used by ``nba-recon run`` for ``rfc3987_syntax``: nbformat (under papermill and nbconvert)
    imports jsonschema, whose format checkers import rfc3987_syntax when it is installed
    (jupyterlab's jupyter-events pulls it in), and that module compiles 38 Lark grammars at
    import: ~0.9 s of every run's start, for the "iri" formats that no notebook schema uses
    (nbformat validates with fastjsonschema; jsonschema treats the module as optional)."""
    if name in sys.modules:
        yield
        return
    sys.modules[name] = None  # type: ignore[assignment]
    try:
        yield
    finally:
        if sys.modules.get(name, 0) is None:
            del sys.modules[name]


@dataclass(frozen=True)
class Reliance:
    library: str  # the distribution's name
    versions: str  # the range tested (PEP 440; from the version the tests ran on): the installed one must be in it
    what: str  # the behaviour relied on, beyond the plainest API
    where: str  # the module that relies on it
    test: str  # the test that fails when it changes


#: the warm-kernel engine's reliances on the Jupyter stack (nba_simulator/pipeline/)
RELIANCES = (
    Reliance(
        "papermill",
        ">=2.7,<2.8",
        "Engine.execute_notebook builds a NotebookExecutionManager, calls notebook_start, "
        "execute_managed_notebook, cleanup_pbar and notebook_complete: WarmEngine writes those ten "
        "lines again to use its own manager (ThrottledSaves)",
        "pipeline/warm_engine.py",
        "tests/test_compat.py::test_papermill_engine_execute_notebook_is_the_copied_one",
    ),
    Reliance(
        "papermill",
        ">=2.7,<2.8",
        "NotebookExecutionManager.cell_start and cell_complete save through self.save() (the "
        "throttle overrides save; papermill's public engine-extension class)",
        "pipeline/warm_engine.py",
        "tests/pipeline/test_warm.py::test_warm_engine_saves_the_notebook_at_start_and_end_not_per_cell",
    ),
    Reliance(
        "papermill",
        ">=2.7,<2.8",
        "execute_notebook's engine keyword arguments reach nbclient.NotebookClient: km=",
        "pipeline/execute.py",
        "tests/pipeline/test_warm.py::test_no_state_leaks_between_stages_and_namespaces_match_cold_kernels",
    ),
    Reliance(
        "nbclient",
        ">=0.11,<0.12",
        "a NotebookClient given km= leaves that kernel running and its client connected (kernels.shutdown stops both)",
        "pipeline/kernels.py",
        "tests/test_compat.py::test_nbclient_leaves_a_given_kernel_manager_to_its_owner",
    ),
    Reliance(
        "jupyter_client",
        ">=8.10,<9",
        "KernelManager.client() makes the clients nbclient uses; connection_file is passed to the "
        "kernel as -f FILE; JPY_PARENT_PID is set in a kernel's environment; "
        "KernelSpecManager.get_kernel_spec gives the command a kernel is started with",
        "pipeline/kernels.py, pipeline/zygote.py",
        "tests/pipeline/test_warm.py",
    ),
    Reliance(
        "ipykernel",
        ">=7.4,<8",
        "IPKernelApp options exec_lines and parent_handle (documented configuration); "
        "IPKernelApp.launch_instance() in a forked process",
        "pipeline/kernel_pool.py, pipeline/zygote.py",
        "tests/pipeline/test_warm.py",
    ),
)

#: the only imports from the Jupyter stack the package makes (module -> names; ``*``: the module)
JUPYTER_IMPORTS = {
    "papermill": {"*"},
    "papermill.engines": {"NBClientEngine", "NotebookExecutionManager", "papermill_engines"},
    "papermill.iorw": {"papermill_io"},
    "papermill.translators": {"translate_parameters"},
    # public exception classes, matched by type (errors.StageTimeout, pipeline.execute)
    "papermill.exceptions": {"PapermillExecutionError"},
    "nbclient.exceptions": {"CellTimeoutError"},
    "jupyter_client.manager": {"AsyncKernelManager"},
    "jupyter_client.kernelspec": {"KernelSpec", "KernelSpecManager"},
    "ipykernel.ipkernel": {"*"},
    "ipykernel.kernelapp": {"*", "IPKernelApp"},
}
