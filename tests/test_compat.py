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
    raw = s.array.__arrow_array__()              # the public Arrow protocol pandas implements
    assert isinstance(raw, (pa.Array, pa.ChunkedArray))
    assert arrow_strings(s).to_pylist() == raw.to_pylist()


def test_add_option_once_relies_on_argparse_conflict_errors():
    p = argparse.ArgumentParser(exit_on_error=False)
    assert add_option_once(p, "--spec", default=None) is True
    assert add_option_once(p, "--spec", default="x") is False
    assert p.parse_args(["--spec", "a"]).spec == "a"


def test_empty_like_dask_has_the_columns_and_dtypes():
    dd = pytest.importorskip("dask.dataframe", reason="dask is an optional dependency (the dask extra)")
    pdf = pd.DataFrame({"key": ["a", "b"], "size": [1, 2],
                        "last_modified": pd.to_datetime(["2019-01-01", "2019-01-02"], utc=True)})
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

    papermill_io.register("/nba-recon-compat-test/", Marker())   # a prefix nothing else uses
    assert isinstance(papermill_io.get_handler("/nba-recon-compat-test/x.ipynb"), Marker)
    assert not isinstance(papermill_io.get_handler("/elsewhere/x.ipynb"), Marker)


def test_without_module_hides_a_module_only_inside_the_block():
    import importlib
    import sys

    from nba_simulator.compat import without_module

    name = "nba_recon_test_absent_module_xyz"
    with without_module("json"):                    # imported already: left alone
        import json  # noqa: F401
    assert sys.modules["json"] is not None
    with without_module(name):
        with pytest.raises(ImportError):
            importlib.import_module(name)
    assert name not in sys.modules                  # a later import is the usual one


def test_notebook_libraries_import_without_the_iri_grammars():
    """nbformat validates with fastjsonschema and jsonschema treats rfc3987_syntax as optional:
    with it reported absent (compat.without_module, as ``nba-recon run`` imports them), a
    notebook still validates and jsonschema's format checker still loads."""
    import subprocess
    import sys

    code = ("import sys\n"
            "from nba_simulator.compat import without_module\n"
            "with without_module('rfc3987_syntax'):\n"
            "    import nbformat, jsonschema, papermill, nbconvert\n"
            "nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell('1 + 1')])\n"
            "nbformat.validate(nb)\n"
            "assert jsonschema.FormatChecker().conforms('2019-03-15', 'date')\n"
            "assert 'rfc3987_syntax.syntax_helpers' not in sys.modules\n"
            "assert 'rfc3987_syntax' not in sys.modules\n"
            "print('ok')\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"
