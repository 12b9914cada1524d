"""Executed notebooks on disk: every save is atomic and carries no secret.

papermill saves the output notebook many times while a stage runs (at the start, after cells,
at the end), each time with ``open(path, "w")``: a runner killed during a save would leave a
half-written notebook under its final name, and every save holds the injected parameters in
plain text (a database URL with its password...). While :func:`papermill_output` is active,
papermill's saves under the run folder go through :class:`_Handler` instead: every string of the
notebook goes through :func:`nba_simulator.masking.mask` with the stage's parameters' secrets (the
injected-parameters cell, papermill's metadata, outputs, e.g. a traceback quoting a URL), then the
text is written to a temporary file beside the notebook and renamed over it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import nbformat
from papermill.iorw import papermill_io
from papermill.translators import translate_parameters

from nba_simulator.masking import mask, secret_values
from nba_simulator.outputs import write_text


def scrub_notebook(text: str, params: Mapping[str, Any]) -> str:
    """A notebook's JSON text with every string masked (:func:`nba_simulator.masking.mask`,
    ``params``' secrets included); the injected-parameters cell rewritten from the masked
    parameters. Masking works on the parsed notebook, never on its JSON text, so the result is
    always a valid notebook."""
    secrets = secret_values(params)
    nb = nbformat.reads(text, as_version=4)
    safe = mask(dict(params), secrets)
    if params:
        for cell in nb.cells:
            if "injected-parameters" in cell.get("metadata", {}).get("tags", []):
                cell.source = translate_parameters("python3", "python", safe, "Parameters (secrets redacted)")
    masked = nbformat.from_dict(mask(nb, secrets))
    return nbformat.writes(masked)


def write_notebook(nb: nbformat.NotebookNode, path: str | Path, params: Mapping[str, Any] | None = None) -> Path:
    """Write ``nb`` atomically (temp file + rename), secrets of ``params`` redacted."""
    return write_text(scrub_notebook(nbformat.writes(nb), params or {}), path)


class _Handler:
    """A papermill I/O handler: reads like papermill's local handler, writes atomically."""

    def __init__(self, local, params: Mapping[str, Any]):
        self.local = local
        self.params = dict(params)

    def read(self, path):
        return self.local.read(path)

    def listdir(self, path):
        return self.local.listdir(path)

    def pretty_path(self, path):
        return path

    def write(self, buf, path):
        write_text(scrub_notebook(buf, self.params), path)


class _Dispatch:
    """The one handler registered with papermill (its public ``papermill_io.register``, for
    absolute paths): a path under an active :func:`papermill_output` folder goes to that folder's
    :class:`_Handler`, any other to papermill's local handler, as if nothing were registered."""

    def __init__(self, local):
        self.local = local
        self.active: dict[str, _Handler] = {}

    def _for(self, path):
        for prefix, handler in self.active.items():
            if str(path).startswith(prefix):
                return handler
        return self.local

    def read(self, path):
        return self._for(path).read(path)

    def listdir(self, path):
        return self._for(path).listdir(path)

    def pretty_path(self, path):
        return self._for(path).pretty_path(path)

    def write(self, buf, path):
        return self._for(path).write(buf, path)


_DISPATCH: _Dispatch | None = None


@contextmanager
def papermill_output(folder: str | Path, params: Mapping[str, Any]) -> Iterator[None]:
    """While active, papermill's reads and writes of paths under ``folder`` (absolute) go through
    an atomic, secret-scrubbing handler. Not for concurrent use by several threads of one process
    on the same folder (the runner runs one stage at a time)."""
    global _DISPATCH

    prefix = str(Path(folder).resolve()).rstrip("/") + "/"
    if _DISPATCH is None:
        _DISPATCH = _Dispatch(papermill_io.get_handler("local"))
    if papermill_io.get_handler(prefix + "stage.ipynb") is not _DISPATCH:  # first use, or reset
        papermill_io.register("/", _DISPATCH)
    _DISPATCH.active[prefix] = _Handler(_DISPATCH.local, params)
    try:
        yield
    finally:
        _DISPATCH.active.pop(prefix, None)
