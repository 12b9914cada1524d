"""Scan the lake into an inventory: one row per object (key, size, last_modified, etag).

* Without ``prefixes``: the top-level "folders" are discovered and listed in parallel (one
  ListObjectsV2 stream each: disjoint prefixes, so each object is listed once), plus the keys at
  the top level; with nothing excluded, a backend that cuts one listing into parallel key ranges
  (``ranged_listing``: S3) lists the whole lake as one listing instead. ``exclude`` entries are key prefixes: an excluded folder is never listed; an
  exclusion deeper in a folder makes the scan descend to it (it is then skipped too), and any
  excluded key that a listing still returns is dropped. Excluded keys are never counted.
* With ``prefixes`` (arbitrary key prefixes, e.g. for deterministic sampling): exactly those are
  listed; overlapping ones are collapsed first (``a/`` covers ``a/b``).
* ``out_path``: batches are streamed into a Parquet file while listing, written atomically (a
  temp file in the same folder, then ``os.replace``): a failed scan leaves no file under the
  final name. Rows in the file are in listing order; :func:`read_inventory` sorts them.
"""

from __future__ import annotations

import json
import logging
import os
import queue
import threading
import uuid
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from nba_simulator.deadline import DeadlineExceeded, deadline
from nba_simulator.errors import BadInput
from nba_simulator.storage.base import INVENTORY_SCHEMA, Storage
from nba_simulator.storage.keysort import has_duplicates, sort_by_key  # sorted disjoint runs: no full sort

log = logging.getLogger(__name__)

COLUMNS = list(INVENTORY_SCHEMA.names)
METADATA_KEY = b"nba_simulator.inventory"
ROW_GROUP_ROWS = 64 * 1024
_DONE = object()


def collapse_prefixes(prefixes: Iterable[str]) -> list[str]:
    """Sorted, de-duplicated prefixes with those covered by another removed (``a/`` covers ``a/b``)."""
    kept: list[str] = []
    for p in sorted(set(prefixes)):
        # In sorted order, a prefix covering p is necessarily the last one kept.
        if kept and p.startswith(kept[-1]):
            continue
        kept.append(p)
    return kept


def _validate(values: Iterable[str], what: str) -> list[str]:
    out = []
    for v in values:
        if not isinstance(v, str):
            raise BadInput(f"{what} must be strings, got {v!r}")
        if v.startswith("/"):
            raise BadInput(f"{what} are relative to the lake root, without a leading '/': {v!r}")
        out.append(v)
    return out


def plan(storage: Storage, prefixes: list[str] | None, exclude: list[str]) -> list[tuple[str, bool]]:
    """The listings to run: ``(prefix, recursive)`` pairs covering every non-excluded object once."""
    tasks: list[tuple[str, bool]] = []
    if prefixes is None and not exclude and getattr(storage, "ranged_listing", False):
        # one listing of the whole lake, cut into key ranges listed in parallel by the backend
        # (S3): fewer requests than one listing per top-level folder, parallel all the same
        return [("", True)]
    if prefixes is None:
        # Top level: its own keys, then each folder as one parallel listing.
        tasks.append(("", False))
        stack = storage.list_prefixes("")
    else:
        stack = collapse_prefixes(prefixes)
    stack = list(reversed(stack))
    while stack:
        p = stack.pop()
        if p.startswith(tuple(exclude)):
            continue  # excluded whole: never listed
        inner = [e for e in exclude if e.startswith(p)]
        # Descend only for an exclusion in a deeper folder; one at p's own level is filtered.
        if any("/" in e[len(p) :] for e in inner) and (p == "" or p.endswith("/")):
            tasks.append((p, False))
            stack.extend(reversed(storage.list_prefixes(p)))
        else:
            tasks.append((p, True))
    return tasks


def drop_excluded_keys(batch: pa.RecordBatch, exclude: list[str]) -> pa.RecordBatch:
    if not exclude or batch.num_rows == 0:
        return batch
    mask = None
    for e in exclude:
        m = pc.starts_with(batch.column(0), pattern=e)
        mask = m if mask is None else pc.or_(mask, m)
    return batch.filter(pc.invert(mask))


def to_frame(table: pa.Table) -> pd.DataFrame:
    table = sort_by_key(table)
    df = table.to_pandas()
    df["last_modified"] = df["last_modified"].astype("datetime64[ns, UTC]")
    return df[COLUMNS].reset_index(drop=True)


def _empty_table() -> pa.Table:
    return INVENTORY_SCHEMA.empty_table()


class ParquetSink:
    """Stream batches into ``<out_path>`` through a temp file in the same folder; atomic rename."""

    def __init__(self, out_path: str | Path, metadata: dict):
        self.out_path = Path(out_path)
        self.out_path.parent.mkdir(parents=True, exist_ok=True)
        # Not mkstemp: its 0600 mode would survive the rename; the umask applies here instead.
        self.tmp = self.out_path.with_name(f".{self.out_path.name}.{os.getpid()}.{uuid.uuid4().hex[:12]}.tmp")
        self.schema = INVENTORY_SCHEMA.with_metadata({METADATA_KEY: json.dumps(metadata).encode()})
        self.writer = pq.ParquetWriter(self.tmp, self.schema)
        self.pending: list[pa.RecordBatch] = []
        self.pending_rows = 0

    def write(self, batch: pa.RecordBatch) -> None:
        self.pending.append(batch)
        self.pending_rows += batch.num_rows
        if self.pending_rows >= ROW_GROUP_ROWS:
            self._flush()

    def _flush(self) -> None:
        if self.pending:
            self.writer.write_table(pa.Table.from_batches(self.pending, schema=INVENTORY_SCHEMA).cast(self.schema))
            self.pending, self.pending_rows = [], 0

    def commit(self, replacement: pa.Table | None = None) -> None:
        self._flush()
        self.writer.close()
        if replacement is not None:  # de-duplicated rows: rewrite the whole file
            pq.write_table(replacement.cast(self.schema), self.tmp)
        os.replace(self.tmp, self.out_path)

    def abort(self) -> None:
        try:
            self.writer.close()
        finally:
            self.tmp.unlink(missing_ok=True)


def scan(
    storage: Storage,
    *,
    prefixes: list[str] | None = None,
    exclude: Iterable[str] = (),
    workers: int = 8,
    out_path: str | Path | None = None,
    progress: bool = False,
) -> pd.DataFrame:
    """List the lake (or ``prefixes`` of it) into an inventory DataFrame sorted by key.

    Columns: ``key`` (str), ``size`` (int64), ``last_modified`` (datetime64[ns, UTC]),
    ``etag`` (str or NA). Each object once; never an excluded key.
    """
    exclude = _validate(exclude, "exclude entries")
    if "" in exclude:
        raise BadInput("an empty exclude entry would exclude the whole lake")
    if prefixes is not None:
        prefixes = _validate(prefixes, "prefixes")
    if workers < 1:
        raise BadInput(f"workers must be >= 1, got {workers}")

    # a whole-listing deadline (S3: $NBA_RECON_S3_LISTING_DEADLINE), whatever the server does
    with deadline(getattr(storage, "listing_deadline", None), f"listing {storage.uri}"):
        return _scan(storage, prefixes, exclude, workers, out_path, progress)


def _scan(storage, prefixes, exclude, workers, out_path, progress) -> pd.DataFrame:
    tasks = plan(storage, prefixes, exclude)
    n_workers = max(1, min(workers, storage.max_workers or workers, len(tasks) or 1))
    metadata = {"uri": storage.uri, "prefixes": prefixes, "exclude": exclude}
    sink = ParquetSink(out_path, metadata) if out_path is not None else None
    batches: list[pa.RecordBatch] = []
    results: queue.Queue = queue.Queue()
    stop = threading.Event()

    def list_one(prefix: str, recursive: bool) -> None:
        try:
            inner = [e for e in exclude if e.startswith(prefix)]
            for batch in storage.iter_objects(prefix, recursive=recursive):
                if stop.is_set():
                    return
                results.put(drop_excluded_keys(batch, inner))
        except BaseException as exc:  # noqa: BLE001 - handed to the main thread
            results.put(exc)
        finally:
            results.put(_DONE)

    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(desc=f"listing {storage.uri}", unit=" objects", total=None)
    try:
        pool = ThreadPoolExecutor(max_workers=n_workers, thread_name_prefix="scan")
        try:
            for prefix, recursive in tasks:
                pool.submit(list_one, prefix, recursive)
            remaining = len(tasks)
            while remaining:
                item = results.get()
                if item is _DONE:
                    remaining -= 1
                elif isinstance(item, BaseException):
                    raise item
                elif item.num_rows:
                    batches.append(item)
                    if sink is not None:
                        sink.write(item)
                    if bar is not None:
                        bar.update(item.num_rows)
        except BaseException as exc:
            stop.set()
            # past a deadline a worker may be stuck in a read: do not wait for it
            pool.shutdown(wait=not isinstance(exc, DeadlineExceeded), cancel_futures=True)
            raise
        pool.shutdown(wait=True)
        table = batches_to_table(batches, sink, f"scan of {storage.uri}")
        sink = None
    finally:
        if sink is not None:
            sink.abort()
        if bar is not None:
            bar.close()
    return to_frame(table)


def batches_to_table(batches: list[pa.RecordBatch], sink: ParquetSink | None, what: str) -> pa.Table:
    """The batches of a listing or an inventory read as one table, sorted by key with one row per
    key (:func:`unique_by_key`); ``batches`` is emptied (its memory goes with the table)."""
    table = pa.Table.from_batches(batches, schema=INVENTORY_SCHEMA) if batches else _empty_table()
    batches.clear()
    return unique_by_key(table, sink, what)


def unique_by_key(table: pa.Table, sink: ParquetSink | None, what: str) -> pa.Table:
    """``table`` sorted by key with one row per key (the first listed; a warning names ``what`` and
    counts the others), and ``sink`` committed (rewritten whole when rows were dropped). The last
    step of a listing (:func:`scan`) and of an S3 Inventory read alike."""
    table = sort_by_key(table)  # stable: the first listed of equal keys stays first
    replacement = None
    if has_duplicates(table.column("key")):
        before = table.num_rows
        table = _dedupe(table)
        log.warning("%s: %d duplicate rows dropped", what, before - table.num_rows)
        replacement = table
    if sink is not None:
        sink.commit(replacement)
    return table


def _dedupe(table: pa.Table) -> pa.Table:
    """Keep one row per key (the first listed)."""
    idx = pa.array(range(table.num_rows), pa.int64())
    firsts = table.append_column("_i", idx).group_by("key", use_threads=False).aggregate([("_i", "min")])
    keep = pc.sort_indices(firsts.column("_i_min"))
    return table.take(pc.take(firsts.column("_i_min"), keep))


def read_inventory(path: str | Path) -> pd.DataFrame:
    """Read an inventory Parquet file written by :func:`scan`, validated; sorted by key.

    A missing, corrupt or wrongly-shaped file raises :class:`BadInput` naming it, so a damaged
    cached inventory is never trusted. ``df.attrs["inventory"]`` holds the scan's metadata
    (lake URI, prefixes, exclude) when present.
    """
    path = Path(path)
    try:
        table = pq.read_table(path)
    except FileNotFoundError:
        raise BadInput(f"inventory file not found: {path}") from None
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise BadInput(f"corrupt inventory file {path}: {_one_line(exc)}") from None
    names = table.schema.names
    if sorted(names) != sorted(COLUMNS):
        raise BadInput(f"inventory file {path} has columns {names}, expected {COLUMNS}")
    for field in INVENTORY_SCHEMA:
        col = table.column(field.name)
        ok = {
            "key": pa.types.is_string(col.type) or pa.types.is_large_string(col.type),
            "size": pa.types.is_integer(col.type),
            "last_modified": pa.types.is_timestamp(col.type) and col.type.tz in ("UTC", "+00:00", "Etc/UTC"),
            "etag": pa.types.is_string(col.type) or pa.types.is_large_string(col.type) or pa.types.is_null(col.type),
        }[field.name]
        if not ok:
            raise BadInput(f"inventory file {path}: column {field.name} has type {col.type}, expected {field.type}")
        if not field.nullable and col.null_count:
            raise BadInput(f"inventory file {path}: column {field.name} has {col.null_count} empty values")
    try:
        table = table.select(COLUMNS).cast(INVENTORY_SCHEMA)
    except (pa.ArrowException, ValueError) as exc:
        raise BadInput(f"inventory file {path}: {_one_line(exc)}") from None
    if table.num_rows and pc.count_distinct(table.column("key")).as_py() != table.num_rows:
        raise BadInput(f"inventory file {path} lists the same key more than once")
    if table.num_rows and pc.min(table.column("size")).as_py() < 0:
        raise BadInput(f"inventory file {path} has negative sizes")
    df = to_frame(table)
    meta = (pq.read_schema(path).metadata or {}).get(METADATA_KEY)
    if meta:
        try:
            df.attrs["inventory"] = json.loads(meta)
        except ValueError:
            pass
    return df


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:300] or type(exc).__name__
