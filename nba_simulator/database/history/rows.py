"""Python values <-> database values for the history tables (dates, UTC times, NULLs, text)."""

from __future__ import annotations

import pandas as pd


def is_sqlite(engine) -> bool:
    return engine.dialect.name == "sqlite"


def clip(value, n: int):
    return None if value is None else str(value)[:n]


def utc(value):
    if value in (None, ""):
        return None
    ts = pd.Timestamp(value)
    ts = ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")
    return ts.to_pydatetime()


def value_or_none(v):
    if v is None or (not isinstance(v, (list, tuple, dict)) and pd.isna(v)):
        return None
    return v


def as_date(v):
    v = value_or_none(v)
    return None if v is None else pd.Timestamp(v).date()


def records(frame: pd.DataFrame, dates: tuple[str, ...] = ()) -> list[dict]:
    out = frame.astype(object).where(frame.notna(), None)
    rows = out.to_dict("records")
    if dates:
        for r in rows:
            for c in dates:
                r[c] = as_date(r[c])
    return rows
