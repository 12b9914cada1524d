"""Executed notebooks on disk: every save is atomic and carries no secret.

papermill saves the output notebook many times while a stage runs (at the start, after cells,
at the end), each time with ``open(path, "w")``: a runner killed during a save would leave a
half-written notebook under its final name, and every save holds the injected parameters in
plain text (a database URL with its password...). While :func:`papermill_output` is active,
papermill's saves under the run folder go through :class:`_Handler` instead: the secrets of the
stage's parameters are replaced by ``***`` (in the injected-parameters cell, papermill's
metadata and anywhere else in the text, e.g. a traceback quoting a URL), then the text is written
to a temporary file beside the notebook and renamed over it.
"""
from __future__ import annotations

import json
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator, Mapping

import nbformat

from nba_simulator.outputs import write_text

from .record import REDACTED, _URL_USERINFO, is_secret_name, redact

#: secrets shorter than this are masked only where parameters are written, not in all text
MIN_SCRUB_LEN = 6


def secret_values(params: Mapping[str, Any]) -> list[str]:
    """The secret strings held by ``params``: values of secret-named parameters, and the
    passwords of URLs (``postgresql://user:PASSWORD@host``)."""
    out: set[str] = set()

    def visit(name: str, value: Any) -> None:
        if isinstance(value, Mapping):
            for k, v in value.items():
                visit(str(k), v)
        elif isinstance(value, (list, tuple)):
            for v in value:
                visit(name, v)
        elif isinstance(value, str) and value:
            if is_secret_name(name):
                out.add(value)
            for m in _URL_USERINFO.finditer(value):
                if m["pw"] and m["pw"] != REDACTED:
                    out.add(m["pw"])

    for k, v in params.items():
        visit(str(k), v)
    return sorted(out, key=len, reverse=True)


def scrub_text(text: str, secrets: list[str]) -> str:
    """``text`` with every secret (long enough to be unambiguous) replaced by ``***``, in its raw
    and in its JSON-escaped form."""
    for secret in secrets:
        if len(secret) < MIN_SCRUB_LEN:
            continue
        for form in {secret, json.dumps(secret)[1:-1]}:
            text = text.replace(form, REDACTED)
    return text


def scrub_notebook(text: str, params: Mapping[str, Any]) -> str:
    """A notebook's JSON text with ``params``' secrets redacted (unchanged when there are none)."""
    secrets = secret_values(params)
    if not secrets:
        return text
    nb = nbformat.reads(text, as_version=4)
    safe = redact(params)
    from papermill.translators import translate_parameters

    for cell in nb.cells:
        if "injected-parameters" in cell.get("metadata", {}).get("tags", []):
            cell.source = translate_parameters("python3", "python", safe, "Parameters (secrets redacted)")
    meta = nb.metadata.get("papermill", {})
    if isinstance(meta.get("parameters"), dict):
        meta["parameters"] = redact(meta["parameters"])
    return scrub_text(nbformat.writes(nb), secrets)


def write_notebook(nb: nbformat.NotebookNode, path: str | Path,
                   params: Mapping[str, Any] | None = None) -> Path:
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


@contextmanager
def papermill_output(folder: str | Path, params: Mapping[str, Any]) -> Iterator[None]:
    """While active, papermill's reads and writes of paths under ``folder`` (absolute) go through
    an atomic, secret-scrubbing handler. Not for concurrent use by several threads of one process
    on the same folder (the runner runs one stage at a time)."""
    from papermill.iorw import papermill_io

    local = papermill_io.get_handler("local")
    prefix = str(Path(folder).resolve()).rstrip("/") + "/"
    entry = (prefix, _Handler(local, params))
    papermill_io._handlers.insert(0, entry)   # what papermill_io.register() does; undone below
    try:
        yield
    finally:
        try:
            papermill_io._handlers.remove(entry)
        except ValueError:  # pragma: no cover - someone reset the registry
            pass

