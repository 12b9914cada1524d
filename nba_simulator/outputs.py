"""Output files: written atomically (temp file in the same folder, then rename) and read back
with their schema checked, so a half-written or corrupt file is never taken for a result."""
from __future__ import annotations

import json
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from .errors import BadInput


@contextmanager
def atomic_path(path: str | Path, suffix: str = "") -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success it replaces ``path`` in one rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=suffix or ".tmp", dir=path.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_text(text: str, path: str | Path) -> Path:
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(path)


def write_json(obj: Any, path: str | Path) -> Path:
    return write_text(json.dumps(obj, indent=2, sort_keys=False, default=_json_default) + "\n", path)


def write_parquet(df: pd.DataFrame, path: str | Path) -> Path:
    table = pa.Table.from_pandas(df, preserve_index=False)
    # Arrow's own types (timezones, lists, nullable ints) say enough; pandas' extra metadata can
    # name dtypes that another pandas version cannot rebuild (e.g. lists of Arrow strings).
    table = table.replace_schema_metadata(None)
    with atomic_path(path, ".parquet") as tmp:
        pq.write_table(table, tmp)
    return Path(path)


def read_parquet(path: str | Path, columns: list[str] | None = None) -> pd.DataFrame:
    """Read an output table; BadInput naming the file when it is missing, corrupt or lacks columns."""
    path = Path(path)
    try:
        df = pd.read_parquet(path)
    except FileNotFoundError:
        raise BadInput(f"{path}: file not found") from None
    except Exception as exc:  # pyarrow raises several types for a corrupt file
        raise BadInput(f"{path}: not a readable Parquet file ({type(exc).__name__})") from None
    missing = [c for c in columns or [] if c not in df.columns]
    if missing:
        raise BadInput(f"{path}: missing column {missing[0]!r}")
    return df


def read_json(path: str | Path) -> Any:
    path = Path(path)
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BadInput(f"{path}: file not found") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadInput(f"{path}: not valid JSON ({exc})") from None


def _json_default(value: Any) -> Any:
    if isinstance(value, (pd.Timestamp,)):
        return value.isoformat()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "tolist"):
        return value.tolist()
    if pd.isna(value):
        return None
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")
