"""Read a user table (CSV, CSV.gz or Parquet) as strings, with one-line errors naming the file.

The index says where each row came from: ``line`` numbers for CSV (header = line 1), 1-based
``row`` numbers for Parquet. Column names are stripped and lower-cased; blank lines are ignored.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..errors import ScheduleError

PARQUET_SUFFIXES = {".parquet", ".pq"}


def read_table(path: str | Path, required: tuple[str, ...] = ()) -> pd.DataFrame:
    """The file's rows; ScheduleError when it is missing, unreadable or lacks a required column."""
    path = Path(path)
    if not path.exists():
        raise ScheduleError(f"{path}: file not found")
    if not path.is_file():
        raise ScheduleError(f"{path}: not a file")
    try:
        if path.suffix.lower() in PARQUET_SUFFIXES:
            frame = pd.read_parquet(path)
            frame.index = pd.RangeIndex(1, len(frame) + 1, name="row")
        else:
            frame = pd.read_csv(path, dtype=str, skip_blank_lines=False)
            frame.index = pd.RangeIndex(2, len(frame) + 2, name="line")
            frame = frame.dropna(how="all")
    except pd.errors.EmptyDataError:
        raise ScheduleError(f"{path}: empty file (no header row)") from None
    except Exception as exc:  # parser, decoding, Arrow and OS errors all mean: unreadable
        detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ScheduleError(f"{path}: cannot read as {'Parquet' if path.suffix.lower() in PARQUET_SUFFIXES else 'CSV'}: {detail}") from None
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise ScheduleError(f"{path}: missing column {missing[0]!r} (columns: {', '.join(frame.columns)})")
    return frame
