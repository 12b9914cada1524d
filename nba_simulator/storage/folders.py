"""What a lake holds per top-level folder: objects, bytes, smallest, largest and newest object.

Computed over inventory frames (:data:`~nba_simulator.storage.base.INVENTORY_SCHEMA` columns):
one frame, or the batches of an inventory too big to hold in memory (a streamed S3 Inventory,
read back from ``inventory.parquet``). Partial totals are combined after every frame, so memory is
one frame plus one row per folder.
"""
from __future__ import annotations

from typing import Iterable

import pandas as pd

TOP_LEVEL = "(top level)"
COLUMNS = ["objects", "bytes", "smallest", "largest", "newest"]


def _totals(frame: pd.DataFrame) -> pd.DataFrame:
    keys = frame["key"].astype("string")
    folder = keys.str.split("/", n=1).str[0].where(keys.str.contains("/", regex=False), TOP_LEVEL)
    g = frame.assign(folder=folder).groupby("folder", sort=False)
    return pd.DataFrame({"objects": g.size(), "bytes": g["size"].sum(), "smallest": g["size"].min(),
                         "largest": g["size"].max(), "newest": g["last_modified"].max()})


def folder_totals(frames: Iterable[pd.DataFrame]) -> pd.DataFrame:
    """One row per top-level folder (index ``folder``; keys without a ``/`` under
    :data:`TOP_LEVEL`), most objects first, ties by name."""
    total: pd.DataFrame | None = None
    for frame in frames:
        if not len(frame):
            continue
        part = _totals(frame)
        if total is not None:
            g = pd.concat([total, part]).groupby(level=0, sort=False)
            part = pd.DataFrame({"objects": g["objects"].sum(), "bytes": g["bytes"].sum(),
                                 "smallest": g["smallest"].min(), "largest": g["largest"].max(),
                                 "newest": g["newest"].max()})
        total = part
    if total is None:
        return pd.DataFrame({c: pd.Series(dtype="int64") for c in COLUMNS[:4]}
                            | {"newest": pd.Series(dtype="datetime64[us, UTC]")},
                            index=pd.Index([], name="folder", dtype=object))
    total.index.name = "folder"
    total = total.reset_index().sort_values(["objects", "folder"], ascending=[False, True], kind="mergesort")
    return total.set_index("folder")
