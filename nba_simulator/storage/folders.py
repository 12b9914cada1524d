"""What a lake holds per top-level folder: objects, bytes, smallest, largest and newest object.

Computed over inventory batches (:data:`~nba_simulator.storage.base.INVENTORY_SCHEMA` columns, as
Arrow batches or tables, or DataFrames): one, or the batches of an inventory too big to hold in
memory (a streamed S3 Inventory read back from ``inventory.parquet``). Each batch is reduced with
Arrow's compute functions and the partial totals combined after every batch, so memory is one
batch plus one row per folder.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

TOP_LEVEL = "(top level)"
COLUMNS = ["objects", "bytes", "smallest", "largest", "newest"]
Batch = pa.RecordBatch | pa.Table | pd.DataFrame
_COMBINE = [("objects", "sum"), ("bytes", "sum"), ("smallest", "min"), ("largest", "max"), ("newest", "max")]


def _arrow(batch: Batch) -> pa.Table:
    if isinstance(batch, pd.DataFrame):
        batch = batch[["key", "size", "last_modified"]].copy()
        batch["last_modified"] = pd.to_datetime(batch["last_modified"], utc=True)
        return pa.Table.from_pandas(batch, preserve_index=False)
    return pa.table(batch) if isinstance(batch, pa.RecordBatch) else batch


def _totals(table: pa.Table) -> pa.Table:
    keys = table.column("key").cast(pa.string())
    first = pc.list_element(pc.split_pattern(keys, "/", max_splits=1), 0)
    folder = pc.if_else(pc.match_substring(keys, "/"), first, pa.scalar(TOP_LEVEL))
    size = table.column("size").cast(pa.int64())
    newest = table.column("last_modified").cast(pa.timestamp("us", tz="UTC"))
    grouped = (
        pa.table({"folder": folder, "size": size, "newest": newest})
        .group_by("folder")
        .aggregate([("size", "count"), ("size", "sum"), ("size", "min"), ("size", "max"), ("newest", "max")])
    )
    return pa.table(
        {
            "folder": grouped["folder"],
            "objects": grouped["size_count"],
            "bytes": grouped["size_sum"],
            "smallest": grouped["size_min"],
            "largest": grouped["size_max"],
            "newest": grouped["newest_max"],
        }
    )


def _combine(parts: list[pa.Table]) -> pa.Table:
    g = pa.concat_tables(parts).group_by("folder").aggregate(_COMBINE)
    return pa.table({"folder": g["folder"], **{c: g[f"{c}_{how}"] for c, how in _COMBINE}})


def folder_totals(batches: Iterable[Batch]) -> pd.DataFrame:
    """One row per top-level folder (index ``folder``; keys without a ``/`` under
    :data:`TOP_LEVEL`), most objects first, ties by name."""
    total: pa.Table | None = None
    for batch in batches:
        table = _arrow(batch)
        if not table.num_rows:
            continue
        part = _totals(table)
        total = part if total is None else _combine([total, part])
    if total is None:
        return pd.DataFrame(
            {c: pd.Series(dtype="int64") for c in COLUMNS[:4]} | {"newest": pd.Series(dtype="datetime64[us, UTC]")},
            index=pd.Index([], name="folder", dtype=object),
        )
    frame = total.to_pandas()
    frame = frame.sort_values(["objects", "folder"], ascending=[False, True], kind="mergesort")
    return frame.set_index("folder")
