"""Read a user table (CSV, CSV.gz or Parquet) as strings, with one-line errors naming the file.

The index says where each row came from: ``line`` numbers for CSV (header = line 1), 1-based
``row`` numbers for Parquet. Column names are stripped and lower-cased; blank lines are ignored.
"""

from __future__ import annotations

import datetime as dt
import decimal
import gzip
import math
from pathlib import Path

import pandas as pd

from ..errors import ScheduleError
from ..inputs import MAX_SCHEDULE_BYTES, check_regular

PARQUET_SUFFIXES = {".parquet", ".pq"}


def read_table(path: str | Path, required: tuple[str, ...] = ()) -> pd.DataFrame:
    """The file's rows; ScheduleError when it is missing, unreadable or lacks a required column."""
    path = Path(path)
    check_regular(path, MAX_SCHEDULE_BYTES, "schedule", ScheduleError)
    if path.suffix.lower() not in PARQUET_SUFFIXES and _looks_like_json(path):
        raise ScheduleError(
            f"{path}: a JSON document, not a table: a schedule is CSV, CSV.gz or Parquet "
            "(game_id, season, season_type, game_date, home_team, away_team)"
        )
    try:
        if path.suffix.lower() in PARQUET_SUFFIXES:
            frame = pd.read_parquet(path)
            frame.index = pd.RangeIndex(1, len(frame) + 1, name="row")
            frame = _as_text(frame, path)
        else:
            frame = pd.read_csv(path, dtype=str, skip_blank_lines=False)
            frame.index = pd.RangeIndex(2, len(frame) + 2, name="line")
            frame = frame.dropna(how="all")
    except pd.errors.EmptyDataError:
        raise ScheduleError(f"{path}: empty file (no header row)") from None
    except Exception as exc:  # noqa: BLE001 — parser, decoding, Arrow and OS errors all mean: unreadable
        detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ScheduleError(
            f"{path}: cannot read as {'Parquet' if path.suffix.lower() in PARQUET_SUFFIXES else 'CSV'}: {detail}"
        ) from None
    names = [str(c).strip().lower() for c in frame.columns]
    seen: dict[str, str] = {}
    for original, name in zip(frame.columns, names):
        if name in seen:
            raise ScheduleError(
                f"{path}: columns {seen[name]!r} and {str(original)!r} are one name "
                "(column names are compared without case and spaces); keep one"
            )
        seen[name] = str(original)
    frame.columns = names
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise ScheduleError(f"{path}: missing column {missing[0]!r} (columns: {', '.join(frame.columns)})")
    return frame


def _looks_like_json(path: Path) -> bool:
    """The file's first non-blank character opens a JSON object or array (a CSV starts with its
    header's first column name)."""
    try:
        with gzip.open(path, "rb") if path.suffix.lower() == ".gz" else open(path, "rb") as fh:
            head = fh.read(4096)
    except (OSError, EOFError, gzip.BadGzipFile):
        return False  # the CSV reader says what is wrong with it
    head = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    return head[:1] in (b"{", b"[")


def _as_text(frame: pd.DataFrame, path: Path) -> pd.DataFrame:
    """A Parquet table's columns as text, like a CSV's: dates as ``YYYY-MM-DD``, whole numbers
    without ``.0``, UTF-8 bytes decoded. A value that has no text form (a list, a map, bytes that
    are not UTF-8) is a ScheduleError naming the column and row."""

    def one(value, col, row):
        if value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
            return None
        if isinstance(value, str):
            return value
        if isinstance(value, (bytes, bytearray, memoryview)):
            try:
                return bytes(value).decode("utf-8")
            except UnicodeDecodeError:
                raise ScheduleError(f"{path}: column {col!r} row {row}: bytes that are not UTF-8 text") from None
        if isinstance(value, bool):
            return str(value).lower()
        if isinstance(value, int):
            return str(value)
        if isinstance(value, float):
            return str(int(value)) if value.is_integer() else repr(value)
        if isinstance(value, (pd.Timestamp, dt.datetime, dt.date)):
            return value.isoformat()
        if hasattr(value, "item") and not hasattr(value, "__len__"):  # numpy scalars
            return one(value.item(), col, row)
        if isinstance(value, (int, float, complex, decimal.Decimal, dt.timedelta)):  # pd.Timedelta too
            return str(value)
        raise ScheduleError(
            f"{path}: column {col!r} row {row}: a {type(value).__name__} value, not text, a number or a date"
        )

    out = {}
    for col in frame.columns:
        values = frame[col]
        if pd.api.types.is_datetime64_any_dtype(values):
            text = values.dt.strftime("%Y-%m-%d").astype(object)
            out[col] = text.where(values.notna(), None)
            continue
        out[col] = pd.Series(
            [one(v, col, row) for row, v in zip(values.index, values.tolist())], index=values.index, dtype=object
        )
    result = pd.DataFrame(out, index=frame.index)
    result.columns = list(frame.columns)
    return result
