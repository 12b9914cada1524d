"""Output files: written atomically (temp file in the same folder, then rename) and read back
with their schema checked, so a half-written or corrupt file is never taken for a result."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from .errors import BadInput


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


#: files are created with the mode the umask gives (mkstemp's 0600 would survive the rename)
_FILE_MODE = 0o666 & ~_umask()


def _temp_beside(path: Path, suffix: str = "") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=suffix or ".tmp", dir=path.parent)
    try:
        os.fchmod(fd, _FILE_MODE)
    finally:
        os.close(fd)
    return Path(tmp)


def _sync(path: Path) -> None:
    """Flush a written temp file to disk before it is renamed over its final name: after a
    power loss the final name holds the old bytes or the new ones, never an empty file."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextmanager
def atomic_path(path: str | Path, suffix: str = "") -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success it replaces ``path`` in one rename."""
    path = Path(path)
    tmp = _temp_beside(path, suffix)
    try:
        yield tmp
        _sync(tmp)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_text(text: str, path: str | Path) -> Path:
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(path)


def _json_text(obj: Any) -> str:
    return json.dumps(obj, indent=2, sort_keys=False, default=_json_default) + "\n"


def write_json(obj: Any, path: str | Path) -> Path:
    return write_text(_json_text(obj), path)


def _parquet_to(df: pd.DataFrame, path: Path) -> None:
    table = pa.Table.from_pandas(df, preserve_index=False)
    # Arrow's own types (timezones, lists, nullable ints) say enough; pandas' extra metadata can
    # name dtypes that another pandas version cannot rebuild (e.g. lists of Arrow strings).
    table = table.replace_schema_metadata(None)
    pq.write_table(table, path)


def write_parquet(df: pd.DataFrame, path: str | Path) -> Path:
    with atomic_path(path, ".parquet") as tmp:
        _parquet_to(df, tmp)
    return Path(path)


class FileSet:
    """Files of one result that replace their predecessors together, or not at all.

    Each file is written to a temporary file beside its final name; :meth:`commit` renames them
    all once every one of them is written. A failure while writing (a full disk, a bad value)
    removes the temporary files and leaves every previous file as it was: never a folder
    mixing a new ``inventory.parquet`` with an old ``coverage.parquet``. ``last`` (e.g.
    ``summary.json``) marks a complete set: the old one is removed first and the new one renamed
    last, so a folder without it is being written (or was interrupted while being renamed).

        with FileSet(out, last="summary.json") as files:
            files.parquet("coverage.parquet", df)
            files.json("summary.json", summary)
    """

    def __init__(self, folder: str | Path, last: str | None = None):
        self.folder = Path(folder)
        self.last = last
        self.staged: dict[str, Path] = {}

    def _stage(self, name: str, suffix: str = "") -> Path:
        if name in self.staged:
            raise ValueError(f"{name} written twice")
        tmp = _temp_beside(self.folder / name, suffix)
        self.staged[name] = tmp
        return tmp

    def text(self, name: str, text: str) -> Path:
        tmp = self._stage(name)
        tmp.write_text(text, encoding="utf-8")
        return self.folder / name

    def json(self, name: str, obj: Any) -> Path:
        return self.text(name, _json_text(obj))

    def parquet(self, name: str, df: pd.DataFrame) -> Path:
        _parquet_to(df, self._stage(name, ".parquet"))
        return self.folder / name

    def adopt(self, name: str, path: str | Path) -> Path:
        """Take a file already written in this folder (e.g. streamed there while it was computed,
        under a hidden name) into the set: renamed to ``name`` on :meth:`commit`, removed on
        :meth:`abort`."""
        path = Path(path)
        if path.parent.resolve() != self.folder.resolve():
            raise ValueError(f"{path} is not in {self.folder}")
        if name in self.staged:
            raise ValueError(f"{name} written twice")
        self.staged[name] = path
        return self.folder / name

    def commit(self) -> dict[str, Path]:
        for tmp in self.staged.values():
            _sync(tmp)
        order = [n for n in self.staged if n != self.last] + ([self.last] if self.last in self.staged else [])
        if self.last in self.staged:
            (self.folder / self.last).unlink(missing_ok=True)
        done = {}
        for name in order:
            os.replace(self.staged.pop(name), self.folder / name)
            done[name] = self.folder / name
        return done

    def abort(self) -> None:
        for tmp in self.staged.values():
            tmp.unlink(missing_ok=True)
        self.staged.clear()

    def __enter__(self) -> FileSet:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.commit()
        else:
            self.abort()


def read_parquet(path: str | Path, columns: list[str] | None = None) -> pd.DataFrame:
    """Read an output table; BadInput naming the file when it is missing, corrupt or lacks columns."""
    path = Path(path)
    try:
        df = pd.read_parquet(path)
    except FileNotFoundError:
        raise BadInput(f"{path}: file not found") from None
    except Exception as exc:  # noqa: BLE001 — pyarrow raises several types for a corrupt file: all mean unreadable
        raise BadInput(f"{path}: not a readable Parquet file ({type(exc).__name__})") from None
    missing = [c for c in columns or [] if c not in df.columns]
    if missing:
        raise BadInput(f"{path}: missing column {missing[0]!r}")
    return df


def parquet_batches(
    path: str | Path, columns: list[str] | None = None, batch_rows: int = 1 << 20
) -> Iterator[pa.RecordBatch]:
    """An output table read batch by batch (memory: one batch of ``batch_rows``), for tables too
    big to hold (a streamed inventory, every orphan of 100M objects); BadInput naming the file
    when it is missing, corrupt or lacks columns."""
    path = Path(path)
    try:
        # read as a buffered stream, a row group at a time: with pyarrow's defaults iter_batches
        # read ahead until 4 GiB were held for a 3.5 GB file of 90M objects (810 MiB this way,
        # and twice as fast)
        pf = pq.ParquetFile(path, pre_buffer=False, buffer_size=1 << 20)
    except FileNotFoundError:
        raise BadInput(f"{path}: file not found") from None
    except Exception as exc:  # noqa: BLE001 - pyarrow raises several types for a corrupt file
        raise BadInput(f"{path}: not a readable Parquet file ({type(exc).__name__})") from None
    with pf:
        missing = [c for c in columns or [] if c not in pf.schema_arrow.names]
        if missing:
            raise BadInput(f"{path}: missing column {missing[0]!r}")
        try:
            yield from pf.iter_batches(batch_size=batch_rows, columns=columns)
        except (OSError, pa.ArrowException) as exc:
            raise BadInput(f"{path}: not a readable Parquet file ({type(exc).__name__})") from None


def read_parquet_head(path: str | Path, rows: int) -> pd.DataFrame:
    """The first ``rows`` rows of an output table, reading no further than needed."""
    path = Path(path)
    batches, n = [], 0
    for batch in parquet_batches(path, batch_rows=max(1, min(rows, 1 << 20))):
        if n >= rows:
            break
        batches.append(batch.slice(0, rows - n))
        n += batches[-1].num_rows
    if not batches:
        return read_parquet(path)  # no row: the file's columns and types, as written
    return pa.Table.from_batches(batches).to_pandas()


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


#: the files a result folder holds (``--out``): a user's file of one of these names is never replaced
RESULT_NAMES = (
    "summary.json",
    "inventory.parquet",
    "coverage.parquet",
    "orphans.parquet",
    "duplicates.parquet",
    "completeness.parquet",
    "coverage_info.json",
    "matrix.parquet",
    "content.parquet",
    "content_info.json",
    "db_coverage.parquet",
    "db_problems.parquet",
    "gaps.parquet",
    "tasks.json",
)


def check_out_dir(out_dir) -> None:
    """``out_dir`` may take a result: absent, or holding none of :data:`RESULT_NAMES`, or an
    earlier result (its ``summary.json``, written last, is the marker); else :class:`BadInput`."""
    folder = Path(out_dir)
    if not folder.is_dir():
        return
    clash = [n for n in RESULT_NAMES if (folder / n).exists() or (folder / n).is_symlink()]
    if not clash:
        return
    try:
        summary = read_json(folder / "summary.json")
        ours = isinstance(summary, dict) and {"as_of", "totals", "nba_simulator"} <= set(summary)
    except Exception:  # noqa: BLE001 - unreadable or not JSON: not a summary of ours
        ours = False
    if not ours:
        raise BadInput(
            f"--out {folder}: holds {', '.join(clash[:3])} not written by nba-recon reconcile "
            "(no summary.json of its own); they are left as they are: choose an empty or new folder"
        )
