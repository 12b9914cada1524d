"""``run.json``: what a run did, written atomically after every stage so a reader (the index,
a scheduler, ``--resume``) never sees a half-written record.

Secrets never reach it: the whole record goes through :func:`nba_simulator.masking.mask`
(secret-named parameters ``***``, URL passwords, secret query values, AWS keys, known secrets).
"""

from __future__ import annotations

import importlib.metadata
import platform
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from nba_simulator.masking import REDACTED, is_secret_name, mask  # noqa: F401 - re-exported
from nba_simulator.outputs import read_json, write_json

RECORD_NAME = "run.json"
LIBRARIES = (
    "nba_simulator",
    "pandas",
    "pyarrow",
    "numpy",
    "papermill",
    "nbclient",
    "nbconvert",
    "nbformat",
    "ipykernel",
    "jupyter_client",
    "matplotlib",
    "boto3",
    "filelock",
    "psutil",
)


def redact(params: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of ``params`` safe to write down or show (:func:`nba_simulator.masking.mask`)."""
    return mask(dict(params))


def library_versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for name in LIBRARIES:
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            continue
    return out


def new_stage(name: str, notebook: str) -> dict[str, Any]:
    return {
        "name": name,
        "notebook": notebook,
        "status": "pending",
        "start": None,
        "duration_s": None,
        "peak_memory_mb": None,
        "attempts": 0,
        "outputs": [],
        "html": None,
        "error": None,
    }


def write_record(record: Mapping[str, Any], run_dir: str | Path) -> Path:
    """run.json, every string in it masked (errors quoting a URL included)."""
    return write_json(mask(dict(record)), Path(run_dir) / RECORD_NAME)


def read_record(run_dir: str | Path) -> dict[str, Any]:
    return read_json(Path(run_dir) / RECORD_NAME)
