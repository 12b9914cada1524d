"""The ``Storage`` interface: a read-only view of the lake (a local folder or an S3 bucket/prefix).

The tool NEVER writes to or deletes from the lake: no backend has a write method.

Keys are always relative to the lake root and use ``/``: for ``s3://bucket/raw`` the object
``raw/espn_schedules/20230410.json`` has the key ``espn_schedules/20230410.json``.

Listing follows S3's model: a *prefix* is any string (``espn_play_by_play/40158`` is valid and
matches ``espn_play_by_play/401584800.json``), and one level of "folders" is what lies between the
prefix and the next ``/``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator

import pyarrow as pa

from nba_simulator.errors import BadInput, StorageError

#: Columns of every listing batch (and of the inventory Parquet file).
INVENTORY_SCHEMA = pa.schema(
    [
        pa.field("key", pa.string(), nullable=False),
        pa.field("size", pa.int64(), nullable=False),
        pa.field("last_modified", pa.timestamp("us", tz="UTC"), nullable=False),
        pa.field("etag", pa.string(), nullable=True),
    ]
)


class ObjectNotFound(StorageError, BadInput):
    """A key asked for by :meth:`Storage.read` does not exist in the lake."""


def make_batch(keys: list[str], sizes: list[int], mtimes_us: list, etags: list[str | None]) -> pa.RecordBatch:
    """One listing batch with :data:`INVENTORY_SCHEMA` (``mtimes_us``: datetimes or epoch µs)."""
    return pa.RecordBatch.from_arrays(
        [
            pa.array(keys, pa.string()),
            pa.array(sizes, pa.int64()),
            pa.array(mtimes_us, pa.timestamp("us", tz="UTC")),
            pa.array(etags, pa.string()),
        ],
        schema=INVENTORY_SCHEMA,
    )


def check_range(start: int | None, end: int | None) -> tuple[int, int | None]:
    """Validate a ``read`` range (``start`` inclusive, ``end`` exclusive, like a slice)."""
    start = 0 if start is None else start
    if start < 0 or (end is not None and end < 0):
        raise BadInput(f"negative byte range: start={start}, end={end}")
    return start, end


class Storage(ABC):
    """A read-only lake. Implementations must be safe to call from several threads at once."""

    #: Where the lake is (``/abs/path`` or ``s3://bucket/prefix``); safe to print (no secrets).
    uri: str
    #: Highest useful number of parallel listings (``None``: no limit of the backend's own).
    max_workers: int | None = None
    #: One recursive listing is cut into key ranges listed in parallel by the backend itself.
    ranged_listing: bool = False

    @abstractmethod
    def list_prefixes(self, prefix: str = "") -> list[str]:
        """The "folders" one ``/``-level below ``prefix``, sorted, each ending with ``/``.

        ``list_prefixes("")`` gives ``["espn_box_scores/", "espn_play_by_play/", ...]``.
        """

    @abstractmethod
    def iter_objects(self, prefix: str = "", *, recursive: bool = True) -> Iterator[pa.RecordBatch]:
        """Batches (:data:`INVENTORY_SCHEMA`) of every object whose key starts with ``prefix``.

        ``prefix`` is an arbitrary key prefix. With ``recursive=False`` only the objects at the
        prefix's own level are listed (S3's ``Delimiter='/'``): the keys with no ``/`` after it.
        Batch order and row order within a batch are not specified.
        """

    @abstractmethod
    def read(self, key: str, start: int | None = None, end: int | None = None) -> bytes:
        """The bytes ``[start, end)`` of one object (``end`` exclusive, like a slice).

        A range past the end of the object is cut short (``b""`` if it starts past the end).
        Raises :class:`ObjectNotFound` for a missing key.
        """

    @abstractmethod
    def check(self) -> None:
        """Raise unless the lake is reachable and listable.

        :class:`~nba_simulator.errors.LakeNotFound`, :class:`~nba_simulator.errors.AccessDenied`
        (both exit 2: the user must fix something), or
        :class:`~nba_simulator.errors.TransientStorageError` (worth retrying later).
        """

    def close(self) -> None:  # noqa: B027 — an optional hook, a no-op unless a backend holds connections
        """Release connections (optional)."""

    def __enter__(self) -> Storage:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.uri!r})"
