"""``run.json``: what a run did, written atomically after every stage so a reader (the index,
a scheduler, ``--resume``) never sees a half-written record.

Secrets never reach it: parameters whose NAME looks secret (password, secret, token, credential,
api/access/private key, auth) are replaced by ``***``, and a URL's password
(``postgresql://user:pw@host``) or secret query values (``?X-Amz-Signature=...``) are masked.
"""
from __future__ import annotations

import importlib.metadata
import platform
import re
from pathlib import Path
from typing import Any, Mapping
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from nba_simulator.outputs import read_json, write_json

REDACTED = "***"
RECORD_NAME = "run.json"
_SECRET_NAME = re.compile(
    r"pass(word|wd)?|secret|token|credential|api[_-]?key|access[_-]?key|private[_-]?key|"
    r"session[_-]?key|auth|signature|(^|_)key$", re.I)
_URL_USERINFO = re.compile(r"(?P<scheme>[a-zA-Z][\w+.-]*://)(?P<user>[^:/@\s]*):(?P<pw>[^@/\s]*)@")
LIBRARIES = ("nba_simulator", "pandas", "pyarrow", "numpy", "papermill", "nbclient", "nbconvert",
             "nbformat", "ipykernel", "jupyter_client", "matplotlib", "boto3", "filelock", "psutil")


def is_secret_name(name: str) -> bool:
    return bool(_SECRET_NAME.search(name))


def redact_value(value: Any) -> Any:
    """Mask URL passwords and secret query parameters inside a string (other values as is)."""
    if isinstance(value, (list, tuple)):
        return [redact_value(v) for v in value]
    if isinstance(value, dict):
        return redact(value)
    if not isinstance(value, str):
        return value
    text = _URL_USERINFO.sub(lambda m: f"{m['scheme']}{m['user']}:{REDACTED}@", value)
    if "?" in text and "://" in text:
        try:
            parts = urlsplit(text)
            query = parse_qsl(parts.query, keep_blank_values=True)
            if any(is_secret_name(k) for k, _ in query):
                masked = [(k, REDACTED if is_secret_name(k) else v) for k, v in query]
                text = urlunsplit(parts._replace(query=urlencode(masked, safe="*")))
        except ValueError:
            pass
    return text


def redact(params: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of ``params`` safe to write down or show."""
    return {k: (REDACTED if is_secret_name(k) and v not in (None, "") else redact_value(v))
            for k, v in params.items()}


def library_versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for name in LIBRARIES:
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            continue
    return out


def new_stage(name: str, notebook: str) -> dict[str, Any]:
    return {"name": name, "notebook": notebook, "status": "pending", "start": None,
            "duration_s": None, "peak_memory_mb": None, "attempts": 0, "outputs": [],
            "html": None, "error": None}


def write_record(record: Mapping[str, Any], run_dir: str | Path) -> Path:
    return write_json(dict(record), Path(run_dir) / RECORD_NAME)


def read_record(run_dir: str | Path) -> dict[str, Any]:
    return read_json(Path(run_dir) / RECORD_NAME)
