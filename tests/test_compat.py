"""nba_simulator.compat: each reliance on a library's behaviour, checked against the installed
library, so an upgrade that changes it fails here first, loudly."""

from __future__ import annotations

import argparse

import pandas as pd
import pyarrow as pa
import pytest

from nba_simulator.compat import add_option_once, arrow_strings, empty_like_dask


@pytest.mark.parametrize("dtype", ["string[pyarrow]", "str", object, "string[python]"])
def test_arrow_strings_of_every_string_column(dtype):
    s = pd.Series(["a/1.json", None, "é/2.json"] if dtype != "str" else ["a/1.json", "b", "é/2.json"], dtype=dtype)
    arr = arrow_strings(s)
    assert arr.type == pa.string() and len(arr) == 3
    assert arr.to_pylist()[0] == "a/1.json" and arr.to_pylist()[2] == "é/2.json"


def test_arrow_backed_strings_are_not_copied():
    s = pd.Series(["x", "y"] * 10, dtype=pd.ArrowDtype(pa.string()))
    s = s.astype("string[pyarrow]")
    raw = s.array.__arrow_array__()  # the public Arrow protocol pandas implements
    assert isinstance(raw, (pa.Array, pa.ChunkedArray))
    assert arrow_strings(s).to_pylist() == raw.to_pylist()


def test_add_option_once_relies_on_argparse_conflict_errors():
    p = argparse.ArgumentParser(exit_on_error=False)
    assert add_option_once(p, "--spec", default=None) is True
    assert add_option_once(p, "--spec", default="x") is False
    assert p.parse_args(["--spec", "a"]).spec == "a"


def test_empty_like_dask_has_the_columns_and_dtypes():
    dd = pytest.importorskip("dask.dataframe", reason="dask is an optional dependency (the dask extra)")
    pdf = pd.DataFrame(
        {"key": ["a", "b"], "size": [1, 2], "last_modified": pd.to_datetime(["2019-01-01", "2019-01-02"], utc=True)}
    )
    ddf = dd.from_pandas(pdf, npartitions=1)
    meta = empty_like_dask(ddf)
    assert list(meta.columns) == list(pdf.columns) and meta.empty
    assert dict(meta.dtypes) == dict(ddf.dtypes)
    assert empty_like_dask(ddf, lambda m: m.astype({"size": "float64"}))["size"].dtype == "float64"


def test_papermill_has_the_public_handler_registry():
    from papermill.iorw import papermill_io

    class Marker:
        def read(self, path):
            return "{}"

    papermill_io.register("/nba-recon-compat-test/", Marker())  # a prefix nothing else uses
    assert isinstance(papermill_io.get_handler("/nba-recon-compat-test/x.ipynb"), Marker)
    assert not isinstance(papermill_io.get_handler("/elsewhere/x.ipynb"), Marker)


def test_without_module_hides_a_module_only_inside_the_block():
    import importlib
    import sys

    from nba_simulator.compat import without_module

    name = "nba_recon_test_absent_module_xyz"
    with without_module("json"):  # imported already: left alone
        import json  # noqa: F401
    assert sys.modules["json"] is not None
    with without_module(name):
        with pytest.raises(ImportError):
            importlib.import_module(name)
    assert name not in sys.modules  # a later import is the usual one


def test_notebook_libraries_import_without_the_iri_grammars():
    """nbformat validates with fastjsonschema and jsonschema treats rfc3987_syntax as optional:
    with it reported absent (compat.without_module, as ``nba-recon run`` imports them), a
    notebook still validates and jsonschema's format checker still loads."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from nba_simulator.compat import without_module\n"
        "with without_module('rfc3987_syntax'):\n"
        "    import nbformat, jsonschema, papermill, nbconvert\n"
        "nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell('1 + 1')])\n"
        "nbformat.validate(nb)\n"
        "assert jsonschema.FormatChecker().conforms('2019-03-15', 'date')\n"
        "assert 'rfc3987_syntax.syntax_helpers' not in sys.modules\n"
        "assert 'rfc3987_syntax' not in sys.modules\n"
        "print('ok')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"


# ---------------------------------------------------------------- the warm-kernel engine's reliances
def test_every_reliance_is_on_a_tested_version_and_names_its_module_and_test():
    from importlib.metadata import version
    from pathlib import Path

    from packaging.specifiers import SpecifierSet

    from nba_simulator.compat import RELIANCES

    root = Path(__file__).resolve().parents[1]
    for r in RELIANCES:
        assert version(r.library) in SpecifierSet(r.versions), (
            f"{r.library} {version(r.library)} is outside the range tested for: {r.what} ({r.where}); "
            f"check it, then widen {r.versions!r} in compat.RELIANCES"
        )
        for where in r.where.split(", "):
            assert (root / "nba_simulator" / where).exists(), where
        assert (root / r.test.split("::")[0]).exists(), r.test


def test_papermill_engine_execute_notebook_is_the_copied_one():
    """WarmEngine.execute_notebook is papermill's Engine.execute_notebook with another manager:
    papermill's must still be those same steps, in that order."""
    import inspect
    import re

    from papermill.engines import Engine

    from nba_simulator.pipeline.warm_engine import WarmEngine

    def steps(fn) -> list[str]:
        body = inspect.getsource(fn).split('"""')[-1] if '"""' in inspect.getsource(fn) else inspect.getsource(fn)
        return re.findall(
            r"(notebook_start|execute_managed_notebook|cleanup_pbar|notebook_complete|return nb_man\.nb)", body
        )

    assert (
        steps(Engine.execute_notebook)
        == steps(WarmEngine.execute_notebook)
        == ["notebook_start", "execute_managed_notebook", "cleanup_pbar", "notebook_complete", "return nb_man.nb"]
    )
    ours = inspect.signature(WarmEngine.execute_notebook).parameters
    assert list(inspect.signature(Engine.execute_notebook).parameters) == list(ours)


def test_nbclient_leaves_a_given_kernel_manager_to_its_owner():
    """A NotebookClient given ``km=`` does not own it: it neither shuts the kernel down nor stops
    the client it made (``kernels.shutdown`` does both)."""
    import nbformat
    from nbclient import NotebookClient

    from nba_simulator.pipeline.kernels import EncryptedKernelManager

    km = EncryptedKernelManager(kernel_name="python3")
    client = NotebookClient(nbformat.v4.new_notebook(), km=km)
    assert client.owns_km is False
    assert NotebookClient(nbformat.v4.new_notebook()).owns_km is True


def test_the_jupyter_stack_is_imported_only_where_compat_lists_it():
    import ast
    from pathlib import Path

    from nba_simulator.compat import JUPYTER_IMPORTS

    stack = ("papermill", "nbclient", "jupyter_client", "ipykernel")
    root = Path(__file__).resolve().parents[1] / "nba_simulator"
    found = []
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] in stack:
                found += [(path, node.module, a.name) for a in node.names]
            elif isinstance(node, ast.Import):
                found += [(path, a.name, "*") for a in node.names if a.name.split(".")[0] in stack]
    assert found  # (the scan sees the engine's imports)
    unlisted = [(str(p.relative_to(root)), m, n) for p, m, n in found if n not in JUPYTER_IMPORTS.get(m, ())]
    assert not unlisted, f"imports from the Jupyter stack not in compat.JUPYTER_IMPORTS: {unlisted}"


def test_no_private_attribute_of_a_library_is_used():
    """compat.py's claim: every ``x._name`` in the package names something the package defines
    itself (``os._exit``, documented, is the one exception)."""
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parents[1] / "nba_simulator"
    trees = {p: ast.parse(p.read_text()) for p in root.rglob("*.py")}
    own = set()
    for tree in trees.values():
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                own.add(node.name)
            elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
                own.add(node.attr)
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                own.add(node.id)
            elif isinstance(node, ast.arg):
                own.add(node.arg)
    used = sorted(
        {
            (str(p.relative_to(root)), ast.unparse(node))
            for p, tree in trees.items()
            for node in ast.walk(tree)
            if isinstance(node, ast.Attribute)
            and node.attr.startswith("_")
            and not node.attr.startswith("__")
            and node.attr not in own
            and ast.unparse(node) != "os._exit"
        }
    )
    assert not used, f"private attributes of libraries: {used}"
    imported = sorted(
        {
            (str(p.relative_to(root)), f"{node.module}.{a.name}")
            for p, tree in trees.items()
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and node.level == 0
            for a in node.names
            if a.name.startswith("_") and not a.name.startswith("__")
        }
    )
    assert not imported, f"private names imported from libraries: {imported}"
