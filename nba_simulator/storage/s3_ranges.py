"""Listing one S3 prefix as disjoint key ranges, several at a time (``StartAfter`` per range).

ListObjectsV2 is sequential within one listing: each page asks for the keys after the last one
received, so a folder of 60,000 keys is 60 round trips in a row. Here the listing is cut into key
ranges ``(lo, hi]`` that partition the key space, each listed by its own stream starting after
``lo`` (obstore ``offset``, S3 ``StartAfter``) and stopping at the first key past ``hi``.

* **Where to cut** is learnt from the keys, without extra requests (:mod:`.keysplit`): after two
  full pages of the first range (a prefix of one or two pages is never cut), then whenever a
  stream would sit idle. A stream that reaches its upper bound while the next range has not
  started takes that range over and carries on (no request wasted); ranges are started coarsest
  first, so the finest ones (right after a running range, often empty: months 13-19 of dated
  folders) are usually taken over rather than asked for.
* **How many at once** is measured (:class:`.s3_governor.Governor`): 2 streams, then 4, then ``streams`` (6,
  ``$NBA_RECON_S3_RANGE_STREAMS``) while each step lists at least 1.5x the keys/s of the one
  before; otherwise back down and stay. A server far away (real S3: a page is a round trip) gains
  with every stream; a server short of CPU (on a busy machine) does not, and is then listed much
  like one sequential stream. Threads start only once a listing is cut.

Exactly once: every range keeps only its keys ``lo < key <= hi`` (and the prefix's), the bounds are
exact keys compared as strings (code point order == UTF-8 byte order == S3's order), and a range is
cut or taken over only by the stream listing it. A stream that fails transiently is resumed after
the last key it received (``s3_store``'s retry rules). Keys obstore cannot represent (``.``/``..``
segments) make that one range go on through ``fallback`` (boto3's paginator).
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc

from nba_simulator.storage import s3_store
from nba_simulator.storage.keysplit import common_length, split_points
from nba_simulator.storage.s3_governor import Governor

STREAMS = 6  # ranges of one prefix listed at the same time
TARGET_KEYS = 4000  # a range is cut into units estimated to hold at least this many keys ...
MIN_KEYS = 2000  # ... or, when a stream would sit idle, at least this many
_DONE = object()


@dataclass(eq=False)
class Range:
    lo: str | None  # keys after this one (None: from the start of the listing)
    hi: str | None  # up to and including this one (None: to the end)
    state: str = "pending"  # pending -> running -> done
    active: bool = False  # has had keys: counts against the governor's limit


class Ranges:
    """The ranges of one listing, in key order; every change under one lock."""

    def __init__(self, first: Range, streams: int, spawn: Callable[[], None]):
        self.items = [first]
        self.streams = streams
        self.running = 0  # streams listing a range
        self.active = 0  # of which past their first keys (the others only probe an empty range)
        self.cond = threading.Condition()
        self.stopped = False
        self.spawn = spawn  # starts one more stream (a thread), called under the lock
        self.spawned = 0
        self.governor = Governor(streams)
        self.origin: str | None = None  # the first key of the listing
        self.seen: dict[int, set[str]] = {}  # characters seen at each position (ends of pages)

    def snapshot(self) -> dict[int, set[str]]:
        with self.cond:
            return {pos: set(chars) for pos, chars in self.seen.items()}

    def observe(self, *keys: str) -> None:
        with self.cond:
            for key in keys:
                for pos, ch in enumerate(key):
                    self.seen.setdefault(pos, set()).add(ch)

    def take(self) -> Range | None:
        """The next range to list (waits while others run and may cut theirs); None: all done."""
        with self.cond:
            while True:
                if self.stopped:
                    return None
                pending = [i for i, r in enumerate(self.items) if r.state == "pending"]
                # while the governor tries, ranges are probed (one page: many turn out empty) by
                # up to twice its limit; only streams with keys to list count against the limit
                cap = self.governor.limit if self.governor.frozen else min(self.streams, 2 * self.governor.limit)
                if pending and self.running < cap:
                    # the one farthest from the running ranges: a running range takes over the
                    # pending ones it reaches (no request wasted on a range that turns out empty)
                    busy = [i for i, r in enumerate(self.items) if r.state == "running"]
                    # and the coarsest first (a short cut point: a big unit; the finest ones lie
                    # right after a running range and are often empty: dated folders' months 13-19)
                    i = min(
                        pending,
                        key=lambda i: (len(self.items[i].lo or ""), -min((abs(i - b) for b in busy), default=0), i),
                    )
                    if self.governor.limit == 1:  # one stream: in key order, taking the next ones over
                        i = pending[0]
                    r = self.items[i]
                    r.state = "running"
                    self.running += 1
                    return r
                if not self.running:
                    return None
                self.cond.wait()

    def finish(self, r: Range) -> None:
        with self.cond:
            r.state = "done"
            self.running -= 1
            self.active -= r.active
            self.cond.notify_all()

    def activate(self, r: Range) -> None:
        """``r`` has keys to list: wait for a turn under the governor's limit."""
        with self.cond:
            while not self.stopped and self.active >= self.governor.limit:
                self.cond.wait()
            r.active = True
            self.active += 1
            if self.active >= self.governor.limit:
                self.governor.full()

    def stop(self) -> None:
        with self.cond:
            self.stopped = True
            self.cond.notify_all()

    def take_over_next(self, r: Range) -> bool:
        """Extend running ``r`` over the next range if nobody lists that one yet."""
        with self.cond:
            i = self.items.index(r)
            if i + 1 < len(self.items) and self.items[i + 1].state == "pending":
                r.hi = self.items.pop(i + 1).hi
                return True
            return False

    def nothing_after(self, r: Range) -> None:
        """The listing ended inside ``r``: the pending ranges after it are empty, never listed."""
        with self.cond:
            for later in self.items[self.items.index(r) + 1 :]:
                if later.state == "pending":
                    later.state = "done"

    def idle(self) -> int:
        """Streams that would sit idle now (none while a range waits)."""
        with self.cond:
            if any(r.state == "pending" for r in self.items):
                return 0
            return max(0, self.governor.limit - self.active)

    def page(self, n: int) -> None:
        """A stream received a page of ``n`` keys (the governor's measure); may allow more streams."""
        with self.cond:
            before = self.governor.limit
            self.governor.page(n)
            if self.governor.limit != before:
                self.cond.notify_all()

    def cut(self, r: Range, points: list[str]) -> None:
        """Cut running ``r`` after each of ``points`` (sorted, inside ``r``): new pending ranges."""
        if not points:
            return
        with self.cond:
            bounds = points + [r.hi]
            new = [Range(lo, hi) for lo, hi in zip(points, bounds[1:])]
            r.hi = points[0]
            i = self.items.index(r)
            self.items[i + 1 : i + 1] = new
            self.governor.open()
            # streams (threads) only once there is something to share: a small prefix costs none
            idle = self.spawned + 1 - self.running
            while self.spawned < self.streams - 1 and idle < len(new):
                self.spawned += 1
                idle += 1
                self.spawn()
            self.cond.notify_all()


def _keep(keys: pa.Array, prefix: str, after: str | None, upto: str | None):
    """The mask of ``keys`` (sorted) inside the prefix and ``(after, upto]``; None: all of them.
    Only the ends of the page are looked at unless the page crosses a bound (the usual page
    does not: no per-key work)."""
    first, last = keys[0].as_py(), keys[-1].as_py()
    masks = []
    if prefix and not (first.startswith(prefix) and last.startswith(prefix)):
        masks.append(pc.starts_with(keys, prefix))
    if after is not None and first <= after:
        masks.append(pc.greater(keys, pa.scalar(after)))
    if upto is not None and last > upto:
        masks.append(pc.less_equal(keys, pa.scalar(upto)))
    mask = None
    for m in masks:
        mask = m if mask is None else pc.and_(mask, m)
    return mask


def _list_range(  # noqa: PLR0913 - private: list_ranges' fixed listing inputs, threaded from its closure to each range
    store,
    seg,
    offset,
    prefix,
    cut,
    settings,
    r: Range,
    ranges: Ranges,
    stopped,
) -> Iterator[pa.RecordBatch]:
    """The batches of range ``r``: one stream (resumed after failures), cut and extended on the way."""
    import obstore

    last_seen, failures = r.lo, 0
    first_key, rows, initial = None, 0, r.lo == offset and r.hi is None
    while True:
        stream = obstore.list(store, seg, offset=last_seen, chunk_size=s3_store.LIST_CHUNK, return_arrow=True)
        try:
            for raw in stream:
                failures = 0
                if stopped.is_set():
                    return
                batch = pa.record_batch(raw)
                if not batch.num_rows:
                    continue
                ranges.page(batch.num_rows)
                keys = batch.column("path").cast(pa.string())
                last_key = keys[-1].as_py()
                while r.hi is not None and last_key > r.hi and ranges.take_over_next(r):
                    pass
                mask = _keep(keys, prefix, last_seen, r.hi)
                if mask is not None:
                    batch = batch.filter(mask)
                if batch.num_rows:
                    if not r.active:
                        ranges.activate(r)
                    yield s3_store.to_batch(batch, cut)
                    if first_key is None:
                        first_key = (keys.filter(mask) if mask is not None else keys)[0].as_py()
                        if initial:
                            ranges.origin = first_key
                    ranges.observe(keys[0].as_py(), keys[len(keys) // 2].as_py(), last_key)
                    rows += batch.num_rows
                if last_seen is None or last_key > last_seen:
                    last_seen = last_key
                if r.hi is not None and last_key > r.hi:
                    return  # key order: the rest is another range's
                if prefix and last_key > prefix and not last_key.startswith(prefix):
                    ranges.nothing_after(r)
                    return  # past the prefix: so are the ranges after this one
                # cut after two full pages (a prefix of one or two pages costs no extra request):
                # the first range once, then any range when a stream would sit idle
                if len(keys) < s3_store.LIST_CHUNK or rows < 2 * s3_store.LIST_CHUNK or first_key is None:
                    continue
                idle = 0 if initial else ranges.idle()
                if initial or idle:
                    # when idle: as many cut points as idle streams, the finest (most likely keys)
                    inner = None if ranges.origin is None else common_length(ranges.origin, last_key)
                    ranges.cut(
                        r,
                        split_points(
                            first_key,
                            last_key,
                            r.hi,
                            len(prefix),
                            rows,
                            seen=ranges.snapshot(),
                            inner=inner,
                            target=TARGET_KEYS if initial else MIN_KEYS,
                            limit=2 * ranges.streams if initial else idle,
                        ),
                    )
                    initial = False
            ranges.nothing_after(r)  # the end of the listing: the ranges after it are empty
            return
        except Exception as exc:
            if s3_store.is_invalid_path(exc):
                raise s3_store.UnrepresentableKey(last_seen) from exc
            failures += 1
            if failures >= settings["max_attempts"] or not s3_store.is_transient(exc):
                raise
            time.sleep(s3_store.backoff(failures, exc))


def _fallback_range(fallback, cut, r: Range, last_seen: str | None, stopped) -> Iterator[pa.RecordBatch]:
    """The rest of ``r`` after ``last_seen`` through ``fallback`` (batches of keys without ``cut``)."""
    upto = None if r.hi is None else r.hi[cut:]
    for batch in fallback(last_seen):
        if stopped.is_set():
            return
        keys = batch.column("key")
        if upto is not None:
            batch = batch.filter(pc.less_equal(keys, pa.scalar(upto)))
        if batch.num_rows:
            yield batch
        if upto is not None and keys[-1].as_py() > upto:
            return


def iter_objects(
    store,
    prefix: str,
    cut: int,
    settings: dict,
    *,
    streams: int = STREAMS,
    fallback: Callable[[str | None], Iterator[pa.RecordBatch]] | None = None,
) -> Iterator[pa.RecordBatch]:
    """Every object whose key starts with ``prefix`` (any string), each once, batches in no order.

    The first range is listed in the calling thread; more streams (threads, ``streams`` in all)
    start only when a range is cut. ``fallback(start_after)``: batches (keys without their first
    ``cut`` characters) of the keys after ``start_after`` (a full key), for a range with a key
    obstore cannot represent.
    """
    seg, offset = s3_store.segment_and_offset(prefix)
    results: queue.Queue = queue.Queue()
    stopped = threading.Event()

    def run(r: Range) -> Iterator[pa.RecordBatch]:
        try:
            yield from _list_range(store, seg, offset, prefix, cut, settings, r, ranges, stopped)
        except s3_store.UnrepresentableKey as exc:
            if fallback is None:
                raise
            yield from _fallback_range(fallback, cut, r, exc.last_seen, stopped)
        finally:
            ranges.finish(r)

    def worker() -> None:
        try:
            while (r := ranges.take()) is not None:
                for batch in run(r):
                    results.put(batch)
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer
            results.put(exc)
            ranges.stop()
        finally:
            results.put(_DONE)

    def spawn() -> None:
        threading.Thread(target=worker, name="s3-range", daemon=True).start()

    first = Range(offset, None, "running", True)
    ranges = Ranges(first, max(1, streams), spawn)
    ranges.running = ranges.active = 1
    done = 0
    try:
        for batch in run(first):
            yield batch
            while not results.empty():
                item = results.get()
                done += item is _DONE
                yield from _batches(item)
        while done < ranges.spawned:
            item = results.get()
            done += item is _DONE
            yield from _batches(item)
    finally:
        stopped.set()
        ranges.stop()


def _batches(item) -> list:
    """What a worker's message holds for the caller: its batch, nothing for a finished range
    (``_DONE``); a worker's error is raised here, in the caller's thread."""
    if isinstance(item, BaseException):
        raise item
    return [] if item is _DONE else [item]
