"""S3 Inventory data files: fetched (a local file in place, an S3 one downloaded), checked against
the manifest's size and MD5, and read in batches (CSV blocks, Parquet row-group batches, ORC
stripes) into the inventory schema, never whole into Python objects.

:func:`iter_inventory` is the whole read of one delivery's data files, as a stream of
:data:`~nba_simulator.storage.base.INVENTORY_SCHEMA` batches (keys relative to the lake, excluded
prefixes dropped): :func:`~.inventory_report.read_report` gathers it into a DataFrame, the streamed
coverage (:mod:`nba_simulator.coverage.stream`) reduces it batch by batch.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from urllib.parse import unquote_plus

import pyarrow as pa
import pyarrow.compute as pc

from nba_simulator.errors import BadInput
from nba_simulator.storage.base import INVENTORY_SCHEMA, ObjectNotFound, Storage
from nba_simulator.storage.inventory_manifest import NEEDED, OPTIONAL, DataFile, Manifest, location, norm_name
from nba_simulator.storage.scan import drop_excluded_keys

BLOCK_BYTES = 16 << 20  # CSV parse blocks / download chunks


# -- data files --------------------------------------------------------------------------------
class _Fetched:
    """A data file as a local path (the local file itself, or a verified temporary copy)."""

    def __init__(self, storage: Storage, f: DataFile, tmpdir: str):
        self.where = location(storage, f.path)
        root = getattr(storage, "root", None)
        if root is not None and not str(storage.uri).startswith("s3://"):
            self.path = os.path.join(root, *f.path.split("/"))
            if not os.path.isfile(self.path):
                raise BadInput(f"inventory data file not found: {self.where} (listed in the manifest as {f.key})")
            digest, size = _md5_file(self.path)
        else:
            self.path = os.path.join(tmpdir, f.path.replace("/", "_"))
            digest, size = _download(storage, f, self.path, self.where)
        if f.size is not None and size != f.size:
            raise BadInput(f"inventory data file {self.where} has {size} bytes, the manifest says {f.size}")
        if f.md5 and digest != f.md5:
            raise BadInput(
                f"inventory data file {self.where} does not match its MD5checksum in the manifest "
                f"(MD5 {digest}, expected {f.md5})"
            )


def _md5_file(path: str) -> tuple[str, int]:
    h, n = hashlib.md5(), 0
    with open(path, "rb") as fh:
        while chunk := fh.read(BLOCK_BYTES):
            h.update(chunk)
            n += len(chunk)
    return h.hexdigest(), n


def _download(storage: Storage, f: DataFile, dest: str, where: str) -> tuple[str, int]:
    h, n = hashlib.md5(), 0
    with open(dest, "wb") as out:
        while True:
            try:
                chunk = storage.read(f.path, n, n + BLOCK_BYTES)
            except ObjectNotFound:
                raise BadInput(f"inventory data file not found: {where} (listed in the manifest as {f.key})") from None
            if not chunk:
                break
            h.update(chunk)
            out.write(chunk)
            n += len(chunk)
            if len(chunk) < BLOCK_BYTES:
                break
    return h.hexdigest(), n


def _raw_batches(m: Manifest, path: str, where: str, etag: bool = True) -> Iterator[pa.RecordBatch]:
    """Batches of the needed columns of one data file, named by their normalised names."""
    by_norm = {norm_name(c): c for c in m.columns}
    wanted = [n for n in (*NEEDED, *OPTIONAL) if n in by_norm and (etag or n != "etag")]
    try:
        if m.file_format == "CSV":
            import pyarrow.csv as pacsv

            with open(path, "rb") as fh:
                magic = fh.read(2)
            stream = pa.input_stream(path, compression="gzip" if magic == b"\x1f\x8b" else None)
            reader = pacsv.open_csv(
                stream,
                read_options=pacsv.ReadOptions(column_names=list(m.columns), block_size=BLOCK_BYTES),
                convert_options=pacsv.ConvertOptions(
                    include_columns=[by_norm[n] for n in wanted],
                    column_types={by_norm[n]: pa.string() for n in wanted},
                    strings_can_be_null=False,
                ),
            )
            for batch in reader:
                yield pa.RecordBatch.from_arrays(batch.columns, names=[norm_name(c) for c in batch.schema.names])
        elif m.file_format == "Parquet":
            import pyarrow.parquet as pq

            pf = pq.ParquetFile(path)
            present = {norm_name(c): c for c in pf.schema_arrow.names}
            lacking = [n for n in NEEDED if n not in present]
            if lacking:
                raise BadInput(
                    f"inventory data file {where} lacks the columns {lacking} (it has {pf.schema_arrow.names})"
                )
            cols = [present[n] for n in wanted if n in present]
            for batch in pf.iter_batches(batch_size=256 * 1024, columns=cols):
                yield pa.RecordBatch.from_arrays(batch.columns, names=[norm_name(c) for c in batch.schema.names])
        else:
            import pyarrow.orc as orc

            of = orc.ORCFile(path)
            present = {norm_name(c): c for c in of.schema.names}
            lacking = [n for n in NEEDED if n not in present]
            if lacking:
                raise BadInput(f"inventory data file {where} lacks the columns {lacking}")
            cols = [present[n] for n in wanted if n in present]
            for i in range(of.nstripes):
                batch = of.read_stripe(i, columns=cols)
                yield pa.RecordBatch.from_arrays(batch.columns, names=[norm_name(c) for c in batch.schema.names])
    except BadInput:
        raise
    except (pa.ArrowException, OSError, ValueError, EOFError, gzip.BadGzipFile) as exc:
        msg = " ".join(str(exc).split())[:300]
        raise BadInput(
            f"inventory data file {where} cannot be read as {m.file_format} with the manifest's "
            f"fileSchema ({len(m.columns)} columns): {msg}"
        ) from None


def _truthy(col: pa.Array) -> pa.Array:
    if pa.types.is_boolean(col.type):
        return pc.fill_null(col, False)
    return pc.equal(pc.utf8_lower(pc.utf8_trim_whitespace(col.cast(pa.string()))), "true")


def _url_decode(keys: pa.Array) -> pa.Array:
    """Form-decode keys (``+`` -> space, ``%XX``); only the keys that need it go through Python."""
    needs = pc.match_substring_regex(keys, r"[%+]")
    if not pc.any(needs).as_py():
        return keys
    todo = pc.filter(keys, needs).to_pylist()
    return pc.replace_with_mask(keys, needs, pa.array([unquote_plus(k) for k in todo], pa.string()))


def _to_inventory(batch: pa.RecordBatch, m: Manifest, where: str, lake_prefix: str) -> pa.RecordBatch:
    names = batch.schema.names
    cols = {n: batch.column(i) for i, n in enumerate(names)}
    keep = None
    if "islatest" in cols:
        keep = _truthy(cols["islatest"])
    if "isdeletemarker" in cols:
        live = pc.invert(_truthy(cols["isdeletemarker"]))
        keep = live if keep is None else pc.and_(keep, live)
    if keep is not None and not pc.all(keep).as_py():
        batch = batch.filter(keep)
        cols = {n: batch.column(i) for i, n in enumerate(names)}
    keys = cols["key"].cast(pa.string())
    if m.file_format == "CSV":
        keys = _url_decode(keys)
    try:
        size = cols["size"]
        if not pa.types.is_integer(size.type):
            size = pc.if_else(pc.equal(size.cast(pa.string()), ""), None, size.cast(pa.string()))
        size = size.cast(pa.int64())
        mtime = cols["lastmodifieddate"]
        if pa.types.is_timestamp(mtime.type):
            mtime = mtime.cast(pa.timestamp("us", tz=mtime.type.tz or "UTC"))
            if mtime.type.tz != "UTC":
                mtime = mtime.cast(pa.timestamp("us", tz="UTC"))
        elif pa.types.is_integer(mtime.type):  # epoch milliseconds
            mtime = pc.multiply(mtime.cast(pa.int64()), 1000).cast(pa.timestamp("us", tz="UTC"))
        else:
            mtime = mtime.cast(pa.string()).cast(pa.timestamp("us", tz="UTC"))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
        msg = " ".join(str(exc).split())[:200]
        raise BadInput(f"inventory data file {where}: bad Size or LastModifiedDate value ({msg})") from None
    if size.null_count or mtime.null_count or keys.null_count:
        raise BadInput(f"inventory data file {where}: rows without Key, Size or LastModifiedDate")
    if "etag" in cols:
        etag = pc.replace_substring(cols["etag"].cast(pa.string()), '"', "")
        etag = pc.if_else(pc.equal(etag, ""), None, etag)
    else:
        etag = pa.nulls(len(keys), pa.string())
    if lake_prefix:
        inside = pc.starts_with(keys, pattern=lake_prefix)
        if not pc.all(inside).as_py():
            keys, size, mtime, etag = (pc.filter(c, inside) for c in (keys, size, mtime, etag))
        keys = pc.utf8_slice_codeunits(keys, len(lake_prefix))
        nonempty = pc.not_equal(keys, "")  # the "folder" object of the prefix itself
        if not pc.all(nonempty).as_py():
            keys, size, mtime, etag = (pc.filter(c, nonempty) for c in (keys, size, mtime, etag))
    return pa.RecordBatch.from_arrays([keys, size, mtime, etag], schema=INVENTORY_SCHEMA)


def iter_inventory(
    storage: Storage, m: Manifest, lake_prefix: str, exclude: list[str], sink=None, etag: bool = True
) -> Iterator[pa.RecordBatch]:
    """Every data file of ``m``, in the manifest's order, checked and read batch by batch into the
    inventory schema; non-empty batches only, each also written to ``sink`` when given. A file
    downloaded from S3 is deleted once read: the disk holds one data file at a time. ``etag=False``:
    the ETag column is not read (left empty), for a coverage that does not need it."""
    tmpdir = tempfile.mkdtemp(prefix="nba-inventory-")
    try:
        for f in m.files:
            fetched = _Fetched(storage, f, tmpdir)
            for raw in _raw_batches(m, fetched.path, fetched.where, etag):
                batch = drop_excluded_keys(_to_inventory(raw, m, fetched.where, lake_prefix), exclude)
                if batch.num_rows:
                    if sink is not None:
                        sink.write(batch)
                    yield batch
            if fetched.path.startswith(tmpdir):
                os.unlink(fetched.path)
    finally:
        shutil.rmtree(tmpdir, ignore_errors=True)
