"""S3 Inventory reports as the lake's inventory: no List calls at all.

S3 Inventory delivers, daily or weekly, under its destination ``s3://dest/prefix/``::

    <source-bucket>/<config-id>/<YYYY-MM-DDTHH-MMZ>/manifest.json     what the delivery holds
    <source-bucket>/<config-id>/<YYYY-MM-DDTHH-MMZ>/manifest.checksum MD5 (hex) of manifest.json
    <source-bucket>/<config-id>/data/<uuid>.csv.gz | .parquet | .orc  the data files
    <source-bucket>/<config-id>/hive/dt=.../symlink.txt               (for Athena; not used)

``manifest.json`` has ``sourceBucket``, ``creationTimestamp`` (ms since the epoch),
``fileFormat`` (``CSV`` | ``Parquet`` | ``ORC``), ``fileSchema`` (the column names: CSV data files
have NO header row) and ``files[]`` (``key``, ``size``, ``MD5checksum``).

The reader in three steps, one module each:

1. :mod:`.inventory_manifest`: find the deliveries, choose one, read and verify its manifest;
2. :mod:`.inventory_files`: fetch each data file, check its size and MD5, read it in batches into
   the inventory schema (CSV keys URL-decoded, versioned inventories' latest versions only, keys
   relative to the lake, excluded prefixes dropped);
3. here: gather the batches into the inventory DataFrame (:func:`read_report`), or hand them on as
   a stream (:func:`open_stream`) for a coverage that never holds the whole inventory.

:func:`read_report` reads one delivery (the newest, or a named one) from the destination, given as
``s3://dest/prefix/`` (any level down to a delivery folder, or its ``manifest.json``) or a local
folder with the same layout. Every check fails loudly with :class:`BadInput` naming the file. The
output is the same inventory contract as :func:`~nba_simulator.storage.scan.scan`: a DataFrame
sorted by key with ``key, size, last_modified (UTC), etag``, and optionally the same Parquet file,
streamed in batches.

:func:`load_report` adds the policy for a run at ``as_of``: the newest delivery created before the
end of the ``as_of`` day; ``None`` with a warning when there is none or it is older than
``max_age_days`` (the caller then lists the lake instead). No clock is read. With ``stream=True``
(or ``"auto"``: deliveries whose data files exceed :data:`STREAM_ABOVE_BYTES`) the result holds a
:class:`ReportStream` instead of a DataFrame.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from nba_simulator import settings
from nba_simulator.errors import BadInput, LakeNotFound
from nba_simulator.storage.base import Storage
from nba_simulator.storage.factory import open_storage
from nba_simulator.storage.inventory_files import iter_inventory
from nba_simulator.storage.inventory_manifest import (
    DataFile,
    Manifest,
    choose_delivery,
    find_deliveries,
    lake_parts,
    parse_file_schema,
    read_manifest,
    split_uri,
)
from nba_simulator.storage.scan import ParquetSink, batches_to_table, to_frame

log = logging.getLogger(__name__)

#: ``stream="auto"`` streams a delivery whose data files hold more bytes than this (Parquet:
#: ~36 MB per million objects, so ~55M objects; about 19 GiB of memory in the in-memory path);
#: ``$NBA_RECON_STREAM_ABOVE_BYTES`` overrides it
STREAM_ABOVE_BYTES = settings.SETTINGS["NBA_RECON_STREAM_ABOVE_BYTES"].default  # 2 GiB

__all__ = [
    "DataFile",
    "Manifest",
    "ReportResult",
    "ReportStream",
    "STREAM_ABOVE_BYTES",
    "choose_delivery",
    "find_deliveries",
    "load_report",
    "open_stream",
    "parse_file_schema",
    "read_manifest",
    "read_report",
]


@dataclass
class ReportStream:
    """One delivery to be read as a stream of inventory batches (:meth:`batches`), opening its
    storage when read; ``out_path``: the inventory Parquet file written on the way (in delivery
    order, not sorted; duplicates across data files are not removed)."""

    root: str
    manifest: Manifest
    lake_prefix: str
    exclude: list[str]
    out_path: str | Path | None = None
    objects: int = 0  # counted while read
    bytes: int = 0

    @property
    def data_bytes(self) -> int:
        return sum(f.size or 0 for f in self.manifest.files)

    def batches(self) -> Iterator[pa.RecordBatch]:
        meta = {"uri": self.manifest.uri, "source": "s3-inventory", "prefixes": None, "exclude": self.exclude}
        sink = ParquetSink(self.out_path, meta) if self.out_path is not None else None
        self.objects = self.bytes = 0
        try:
            with open_storage(self.root) as storage:
                for batch in iter_inventory(
                    storage, self.manifest, self.lake_prefix, self.exclude, sink, etag=sink is not None
                ):
                    self.objects += batch.num_rows
                    self.bytes += int(pc.sum(batch.column("size")).as_py() or 0)
                    yield batch
            if sink is not None:
                sink.commit()
                sink = None
        finally:
            if sink is not None:
                sink.abort()


@dataclass
class ReportResult:
    inventory: pd.DataFrame | None  # None: no usable delivery, list the lake instead (or streamed)
    info: dict = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    stream: ReportStream | None = None  # load_report(stream=...): the delivery, read when iterated


def read_report(
    uri: str,
    *,
    delivery: str | None = None,
    lake: str | None = None,
    exclude: Iterable[str] = (),
    out_path: str | Path | None = None,
    before: pd.Timestamp | None = None,
    folder: str | None = None,
    storage: Storage | None = None,
) -> tuple[pd.DataFrame, Manifest]:
    """Read one delivery into an inventory DataFrame (see the module docstring)."""
    exclude = list(exclude)
    own = storage is None
    if storage is None:
        root, named = split_uri(uri)
        delivery = delivery or named
        storage = open_storage(root)
    try:
        m = _manifest(storage, uri, lake, delivery, before, folder)
        return _read_files(storage, m, lake_parts(lake)[1], exclude, out_path), m
    finally:
        if own:
            storage.close()


def _manifest(
    storage: Storage, uri: str, lake: str | None, delivery: str | None, before: pd.Timestamp | None, folder: str | None
) -> Manifest:
    """The chosen delivery's verified manifest, checked against the lake's bucket."""
    bucket, _ = lake_parts(lake)
    if folder is None:
        folder = choose_delivery(storage, delivery=delivery, before=before, source_bucket=bucket)
        if folder is None:
            raise BadInput(f"no inventory delivery (a YYYY-MM-DDTHH-MMZ folder with manifest.json) under {uri}")
    return _same_bucket(read_manifest(storage, folder), lake)


def _same_bucket(m: Manifest, lake: str | None) -> Manifest:
    bucket, _ = lake_parts(lake)
    if bucket and m.source_bucket and m.source_bucket != bucket:
        raise BadInput(f"{m.uri} describes bucket {m.source_bucket!r}, the lake is in bucket {bucket!r}")
    return m


def _read_files(storage: Storage, m: Manifest, lake_prefix: str, exclude: list[str], out_path) -> pd.DataFrame:
    sink = (
        ParquetSink(out_path, {"uri": m.uri, "source": "s3-inventory", "prefixes": None, "exclude": exclude})
        if out_path is not None
        else None
    )
    try:
        batches = list(iter_inventory(storage, m, lake_prefix, exclude, sink))
        table = batches_to_table(batches, sink, f"inventory {m.uri}")
        sink = None
    finally:
        if sink is not None:
            sink.abort()
    df = to_frame(table)  # already sorted: to_frame's check is one pass
    del table
    pa.default_memory_pool().release_unused()
    df.attrs["inventory"] = {"source": "s3-inventory", "uri": m.uri, "created": m.created.isoformat()}
    return df


def _streaming(stream: bool | str, m: Manifest) -> bool:
    if stream == "auto":
        limit = settings.get("NBA_RECON_STREAM_ABOVE_BYTES")
        return sum(f.size or 0 for f in m.files) > limit
    return bool(stream)


def load_report(
    uri: str,
    *,
    as_of,
    lake: str | None = None,
    exclude: Iterable[str] = (),
    max_age_days: float | None = None,
    delivery: str | None = None,
    out_path: str | Path | None = None,
    stream: bool | str = False,
) -> ReportResult:
    """The inventory for a run at ``as_of``, or ``None`` (with a warning) to list the lake instead.

    The newest delivery created before the end of the ``as_of`` day is used (a named one if
    ``delivery``); its age is counted from ``as_of`` (midnight UTC). ``None`` when there is no
    delivery or it is older than ``max_age_days``. A delivery that exists but is damaged (checksums,
    schema) raises :class:`BadInput`: it is never silently replaced by a listing.
    ``stream`` (``True``, or ``"auto"``: above :data:`STREAM_ABOVE_BYTES` of data files): the
    result's ``stream`` reads the delivery batch by batch when iterated (checks included) and its
    ``inventory`` is ``None``.
    """
    from nba_simulator.asof import parse_as_of

    as_of = parse_as_of(as_of)
    root, named = split_uri(uri)
    delivery = delivery or named
    with open_storage(root) as storage:
        try:
            folder = choose_delivery(
                storage, delivery=delivery, before=as_of + pd.Timedelta(days=1), source_bucket=lake_parts(lake)[0]
            )
        except LakeNotFound:
            folder = None
        if folder is None:
            return ReportResult(
                None,
                {"inventory_uri": uri},
                [f"no inventory delivery under {uri} as of {as_of:%Y-%m-%d}; listing the lake"],
            )
        m = read_manifest(storage, folder)
        age = max(0.0, (as_of - m.created) / pd.Timedelta(days=1))
        info = {
            "inventory_uri": uri,
            "delivery": folder.rstrip("/").rsplit("/", 1)[-1],
            "created": m.created.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "age_days": round(age, 2),
        }
        if max_age_days is not None and age > max_age_days:
            return ReportResult(
                None,
                info,
                [
                    f"inventory delivery {info['delivery']} under {uri} is {age:.1f} days old as of "
                    f"{as_of:%Y-%m-%d} (max_age_days {max_age_days}); listing the lake"
                ],
            )
        if _streaming(stream, m):
            m = _same_bucket(m, lake)
            info.update({"files": len(m.files), "format": m.file_format, "streamed": True})
            return ReportResult(None, info, [], ReportStream(root, m, lake_parts(lake)[1], list(exclude), out_path))
        df, _ = read_report(uri, lake=lake, exclude=exclude, out_path=out_path, folder=folder, storage=storage)
    info.update({"objects": int(len(df)), "files": len(m.files), "format": m.file_format})
    return ReportResult(df, info, [])


def open_stream(
    uri: str,
    *,
    lake: str | None = None,
    exclude: Iterable[str] = (),
    delivery: str | None = None,
    before: pd.Timestamp | None = None,
    out_path: str | Path | None = None,
) -> ReportStream:
    """One delivery (as :func:`read_report` chooses it) as a :class:`ReportStream`."""
    root, named = split_uri(uri)
    with open_storage(root) as storage:
        m = _manifest(storage, uri, lake, delivery or named, before, None)
    return ReportStream(root, m, lake_parts(lake)[1], list(exclude), out_path)
