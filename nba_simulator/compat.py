"""The few places where the package leans on a library's behaviour beyond its plainest API, each
written once here with a test (``tests/test_compat.py``) that fails loudly when the library
changes. No private attribute of a library is used anywhere else in the package.
"""
from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from contextlib import contextmanager

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
