"""Coverage of an inventory too big for memory: a stream of inventory batches, reduced as it comes.

Coverage needs, per object, only "is it an expected key, and if not, what is it". So each chunk
of the stream (about :data:`CHUNK_ROWS` objects, gathered from the reader's batches) is reduced to

* the objects whose key is an expected key: at most one per expected item's key, plus duplicates,
  i.e. bounded by the schedule x datasets (~92,000 items with the benchmark's schedule), never by the bucket;
* the other objects classified by :func:`~.match.classify_unmatched` (orphans and unparsed keys:
  a key's reason and detail depend on the spec, schedule and expected items only, never on other
  keys), then, chunk by chunk, never gathered: counted per reason (exact), counted per (dataset,
  season, season type) for what cannot be judged (:func:`~.unjudged.unexplained_files`,
  additive), written to ``orphans_path`` when given, and in memory only the ``keep_orphans``
  smallest keys seen so far (a bounded sample: the in-memory path's ``orphans.head(keep_orphans)``,
  whatever the order of the stream).

Statuses, best object, duplicates and completeness then run on the matched objects with the very
code of the in-memory path (:func:`~.match.match`), so coverage, duplicates, completeness, gaps
and tasks are identical to :func:`~nba_simulator.coverage.build_coverage` on the same inventory,
and so are the orphans whenever there are at most ``keep_orphans`` of them (tested). Memory is
O(expected items + ``keep_orphans`` + one chunk), whatever the share of keys outside the spec and
the order of the stream: flat from 10M to 30M objects on a random-order inventory made of orphans,
unparsed keys and excluded folders (docs/scale.md, ``python -m bench --only stream-shapes``).

Differences from the in-memory path, by design: a key listed twice in *different* chunks is
taken once when it is an expected key but counted twice among orphans (an S3 Inventory lists each
current object once); ``orphans_path`` is in stream order, not sorted by key; beyond
``keep_orphans`` the result's ``orphans`` holds the smallest keys (sorted), the file and
``orphan_counts`` all of them.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from ..asof import parse_as_of
from ..compat import arrow_strings
from ..spec.model import Spec
from . import CoverageResult, judged
from .expected import Expected, expected_items
from .match import ORPHAN_COLUMNS, classify_unmatched, match
from .unjudged import unexplained_files

CHUNK_ROWS = 1 << 20
KEEP_ORPHANS = 100_000  # the orphans kept in memory (the smallest keys); every one is counted and written
ORPHAN_SCHEMA = pa.schema(
    [
        ("key", pa.string()),
        ("dataset", pa.string()),
        ("reason", pa.string()),
        ("detail", pa.string()),
        ("size", pa.int64()),
        ("last_modified", pa.timestamp("ns", tz="UTC")),
    ]
)


def _chunks(batches: Iterable[pa.RecordBatch], rows: int):
    """Tables of at least ``rows`` rows (the last one fewer) from the batches, in order."""
    pending, n = [], 0
    for batch in batches:
        pending.append(batch)
        n += batch.num_rows
        if n >= rows:
            yield pa.Table.from_batches(pending)
            pending, n = [], 0
    if pending:
        yield pa.Table.from_batches(pending)


def _frame(table: pa.Table) -> pd.DataFrame:
    """The in-memory path's inventory dtypes (``str`` keys, ns UTC times), in stream order."""
    df = table.to_pandas()
    df["last_modified"] = df["last_modified"].astype("datetime64[ns, UTC]")
    return df


def _excluded(keys: pa.ChunkedArray, exclude) -> pa.ChunkedArray:
    """Whether each key is under an excluded prefix (as :func:`~.match._excluded_mask`)."""
    mask = pc.not_equal(keys, keys)  # all False (keys are never null)
    for prefix in exclude:
        mask = pc.or_(mask, pc.starts_with(keys, pattern=prefix))
    return mask


class _Orphans:
    """What is kept of the orphans and unparsed keys while they stream: exact counts (per reason,
    and per (dataset, season, season type) for :func:`~.unjudged.unexplained_files`), every row
    written to the file as it comes, and in memory only the ``keep`` smallest keys seen so far
    (sorted): the in-memory path's ``orphans.head(keep)``, whatever the order of the stream.
    Memory: ``keep`` rows plus one chunk's orphans, never the orphans of the whole stream."""

    def __init__(self, path, keep: int):
        self.keep = max(0, int(keep))
        self.counts = {"orphan": 0, "unparsed": 0}
        self.unexplained: dict = {}
        self.sample: pd.DataFrame | None = None  # at most ``keep`` rows, sorted by key
        self.path = Path(path) if path is not None else None
        self.writer = None
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.tmp = self.path.with_name(f".{self.path.name}.tmp")
            self.writer = pq.ParquetWriter(self.tmp, ORPHAN_SCHEMA)

    def add(self, orphans: pd.DataFrame, unexplained: dict) -> None:
        if orphans.empty:
            return
        for reason, n in orphans["reason"].value_counts().items():
            self.counts[str(reason)] = self.counts.get(str(reason), 0) + int(n)
        for k, n in unexplained.items():
            self.unexplained[k] = self.unexplained.get(k, 0) + n
        if self.writer is not None:
            self.writer.write_table(
                pa.Table.from_pandas(orphans[ORPHAN_COLUMNS], schema=ORPHAN_SCHEMA, preserve_index=False)
            )
        self._sample(orphans[ORPHAN_COLUMNS])

    def _sample(self, orphans: pd.DataFrame) -> None:
        """Keep the ``keep`` smallest keys of the sample and ``orphans`` (stable: of equal keys,
        the first streamed)."""
        if not self.keep:
            return
        if self.sample is not None and len(self.sample) >= self.keep:
            orphans = orphans[(orphans["key"] < self.sample["key"].iat[-1]).to_numpy()]
            if orphans.empty:
                return
        merged = orphans if self.sample is None else pd.concat([self.sample, orphans], ignore_index=True)
        order = pc.sort_indices(arrow_strings(merged["key"]))[: self.keep].to_numpy()  # stable
        self.sample = merged.take(order).reset_index(drop=True)  # a copy: the chunk is not held

    def close(self, ok: bool) -> None:
        if self.writer is not None:
            self.writer.close()
            if ok:
                self.tmp.replace(self.path)
            else:
                self.tmp.unlink(missing_ok=True)

    def frame(self) -> pd.DataFrame:
        if self.sample is None or self.sample.empty:
            return pd.DataFrame({c: pd.Series(dtype="str") for c in ORPHAN_COLUMNS})
        return self.sample


@dataclass(frozen=True)
class ChunkContext:
    """What reducing a chunk needs, the same for every chunk: shipped once to each Dask worker."""

    spec: Spec
    schedule: pd.DataFrame
    expected: Expected
    key_set: pa.Array  # the expected keys, unique
    as_of: pd.Timestamp


def reduce_chunk(table: pa.Table, ctx: ChunkContext) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """One chunk of the inventory -> (its objects with an expected key, its orphans and unparsed
    keys classified, their :func:`~.unjudged.unexplained_files` counts). Pure: runs on the driver
    or on a Dask worker that was handed the chunk's data."""
    # masks in Arrow, then only the matched rows (few) and the unmatched ones to pandas
    keys = table.column("key")
    kept = pc.invert(_excluded(keys, ctx.spec.exclude))
    hit = pc.and_(pc.fill_null(pc.is_in(keys, value_set=ctx.key_set), False), kept)
    matched = _frame(table.filter(hit))
    rest = _frame(table.select(["key", "size", "last_modified"]).filter(pc.and_(kept, pc.invert(hit))))
    del table, keys
    orphans = classify_unmatched(ctx.spec, rest, ctx.expected, ctx.schedule, ctx.as_of)
    return matched, orphans, unexplained_files(ctx.spec, orphans) if len(orphans) else {}


class _Now:
    """A result computed here, with a future's ``result()``."""

    def __init__(self, value):
        self.value = value

    def result(self):
        return self.value


def stream_coverage(
    spec: Spec,
    schedule: pd.DataFrame,
    batches: Iterable[pa.RecordBatch],
    as_of,
    *,
    orphans_path=None,
    keep_orphans: int = KEEP_ORPHANS,
    chunk_rows: int = CHUNK_ROWS,
    client=None,
) -> CoverageResult:
    """Coverage like :func:`~nba_simulator.coverage.build_coverage` over a stream of inventory
    batches (:data:`~nba_simulator.storage.base.INVENTORY_SCHEMA`), in memory bounded by the
    expected items and one chunk (see the module docstring). ``orphans_path``: every orphan and
    unparsed key written there as Parquet (in stream order), atomically.

    ``client`` (a ``distributed.Client``): each chunk's *data* is sent to the cluster and reduced
    there (:func:`reduce_chunk`; the workers need no shared folder, only this package), a few chunks
    in flight per worker thread, results taken in stream order; the driver keeps what it keeps
    without a cluster."""
    as_of = parse_as_of(as_of)
    spec = spec.at(as_of)
    expected = expected_items(spec, schedule, as_of)
    ctx = ChunkContext(
        spec, schedule, expected, pa.array(expected.keys["key"].drop_duplicates().tolist(), pa.string()), as_of
    )
    window, remote = 0, None
    if client is not None:
        remote = client.scatter(ctx, broadcast=True)
        window = 2 * max(1, sum(client.nthreads().values()))

    def submit(table: pa.Table):
        if client is None:
            return _Now(reduce_chunk(table, ctx))
        return client.submit(reduce_chunk, table, remote, pure=False)

    matched: list[pd.DataFrame] = []
    held = 0  # rows in ``matched``: past ``bound``, a key listed again and again is kept once
    bound = 2 * len(ctx.key_set) + 1024
    orphans = _Orphans(orphans_path, keep_orphans)
    pending: deque = deque()

    def take(future) -> None:
        nonlocal held
        objects, found, unexplained = future.result()
        matched.append(objects)
        held += len(objects)
        if held > bound:  # only an inventory listing the same keys many times gets here
            matched[:] = [pd.concat(matched, ignore_index=True).drop_duplicates("key")]
            held = len(matched[0])
        orphans.add(found, unexplained)

    ok = False
    try:
        for table in _chunks(batches, chunk_rows):
            pending.append(submit(table))
            del table
            while len(pending) > window:
                take(pending.popleft())
        while pending:
            take(pending.popleft())
        ok = True
    finally:
        for future in pending:
            getattr(future, "cancel", lambda: None)()
        getattr(batches, "close", lambda: None)()  # a reader stopped early cleans up now, not at GC
        orphans.close(ok)
    if matched:
        objects = pd.concat(matched, ignore_index=True).drop_duplicates("key")
        objects = objects.sort_values("key", kind="mergesort").reset_index(drop=True)
    else:
        objects = _frame(
            pa.table(
                {
                    "key": pa.array([], pa.string()),
                    "size": pa.array([], pa.int64()),
                    "last_modified": pa.array([], pa.timestamp("us", tz="UTC")),
                    "etag": pa.array([], pa.string()),
                }
            )
        )
    cov, _, dups = match(spec, expected, objects, as_of, schedule)
    result = judged(spec, schedule, expected, cov, orphans.frame(), dups, as_of, unexplained=orphans.unexplained)
    result.orphan_counts = dict(orphans.counts)
    result.matched_objects = objects
    return result
