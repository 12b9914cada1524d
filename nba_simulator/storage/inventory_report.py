"""S3 Inventory reports as the lake's inventory: no List calls at all.

S3 Inventory delivers, daily or weekly, under its destination ``s3://dest/prefix/``::

    <source-bucket>/<config-id>/<YYYY-MM-DDTHH-MMZ>/manifest.json     what the delivery holds
    <source-bucket>/<config-id>/<YYYY-MM-DDTHH-MMZ>/manifest.checksum MD5 (hex) of manifest.json
    <source-bucket>/<config-id>/data/<uuid>.csv.gz | .parquet | .orc  the data files
    <source-bucket>/<config-id>/hive/dt=.../symlink.txt               (for Athena; not used)

``manifest.json`` has ``sourceBucket``, ``creationTimestamp`` (ms since the epoch),
``fileFormat`` (``CSV`` | ``Parquet`` | ``ORC``), ``fileSchema`` (the column names: CSV data files
have NO header row) and ``files[]`` (``key``, ``size``, ``MD5checksum``).

:func:`read_report` reads one delivery (the newest, or a named one) from the destination, given as
``s3://dest/prefix/`` (any level down to a delivery folder, or its ``manifest.json``) or a local
folder with the same layout. Every check fails loudly with :class:`BadInput` naming the file:
``manifest.json`` against ``manifest.checksum``; the schema (``Key``, ``Size`` and
``LastModifiedDate`` must be in it); each data file's size and MD5 against the manifest; rows that
do not have the schema's columns. CSV keys are URL-decoded (S3 writes them form-encoded: ``+`` is a
space, ``%2B`` a plus sign); versioned inventories keep the latest version, never delete markers.

The output is the same inventory contract as :func:`~nba_simulator.storage.scan.scan`: a DataFrame
sorted by key with ``key, size, last_modified (UTC), etag``, keys relative to the lake (the lake's
own prefix removed, keys outside it dropped), excluded prefixes dropped, and optionally the same
Parquet file, streamed in batches (data files are read in blocks, never whole into Python
objects).

:func:`load_report` adds the policy for a run at ``as_of``: the newest delivery created before the
end of the ``as_of`` day; ``None`` with a warning when there is none or it is older than
``max_age_days`` (the caller then lists the lake instead). No clock is read.
"""
from __future__ import annotations

import gzip
import hashlib
import json
import logging
import os
import re
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote_plus

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from nba_simulator.errors import BadInput, LakeNotFound
from nba_simulator.storage.base import INVENTORY_SCHEMA, ObjectNotFound, Storage
from nba_simulator.storage.factory import open_storage
from nba_simulator.storage.keysort import has_duplicates, sort_by_key
from nba_simulator.storage.scan import _ParquetSink, _drop_excluded, _empty_table, _to_frame

log = logging.getLogger(__name__)

DELIVERY = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}-\d{2}Z$")
FORMATS = ("CSV", "Parquet", "ORC")
NEEDED = ("key", "size", "lastmodifieddate")
OPTIONAL = ("etag", "islatest", "isdeletemarker", "bucket")
BLOCK_BYTES = 16 << 20      # CSV parse blocks / download chunks
MAX_DEPTH = 3               # destination -> source bucket -> config id -> deliveries


@dataclass(frozen=True)
class DataFile:
    key: str        # as written in the manifest (destination bucket key)
    path: str       # relative to the destination storage root
    size: int | None
    md5: str | None


@dataclass(frozen=True)
class Manifest:
    uri: str                    # printable location of manifest.json
    folder: str                 # delivery folder relative to the destination root
    source_bucket: str
    created: pd.Timestamp
    file_format: str
    columns: tuple[str, ...]    # as in fileSchema
    files: tuple[DataFile, ...]


@dataclass
class ReportResult:
    inventory: pd.DataFrame | None      # None: no usable delivery, list the lake instead
    info: dict = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def _norm(name: str) -> str:
    """``LastModifiedDate`` / ``last_modified_date`` -> ``lastmodifieddate``; ``e_tag`` -> ``etag``."""
    return re.sub(r"[^a-z0-9]", "", name.lower())


def parse_file_schema(schema: str, file_format: str, where: str) -> tuple[str, ...]:
    """Column names from a manifest's ``fileSchema`` (CSV list, Parquet message or ORC struct)."""
    if not isinstance(schema, str) or not schema.strip():
        raise BadInput(f"{where}: fileSchema is missing or empty")
    text = schema.strip()
    if file_format == "Parquet" or text.startswith("message"):
        names = re.findall(r"(?:required|optional|repeated)\s+\w+\s+(\w+)", text)
    elif file_format == "ORC" or text.startswith("struct<"):
        names = re.findall(r"(\w+)\s*:", text)
    else:
        names = [n.strip() for n in text.split(",")]
    if not names or any(not n for n in names):
        raise BadInput(f"{where}: cannot read the column names of fileSchema {text[:200]!r}")
    normed = [_norm(n) for n in names]
    if len(set(normed)) != len(normed):
        raise BadInput(f"{where}: fileSchema names a column twice: {text[:200]!r}")
    lacking = [n for n in NEEDED if n not in normed]
    if lacking:
        label = {"key": "Key", "size": "Size", "lastmodifieddate": "LastModifiedDate"}
        raise BadInput(f"{where}: fileSchema lacks {', '.join(label[n] for n in lacking)} (the inventory "
                       "configuration must include the optional fields Size and LastModifiedDate)")
    return tuple(names)


# -- locating deliveries -----------------------------------------------------------------------
def _split_uri(uri: str) -> tuple[str, str | None]:
    """``.../<delivery>/manifest.json`` -> (root of the destination up to its config folder,
    delivery folder name); any other URI -> (uri, None)."""
    text = str(uri).rstrip("/")
    if text.endswith("/manifest.json"):
        folder = text[: -len("/manifest.json")]
        parent, _, name = folder.rpartition("/")
        return parent or ".", name
    return str(uri), None


def find_deliveries(storage: Storage, base: str = "", depth: int = MAX_DEPTH) -> list[str]:
    """Delivery folders (``.../YYYY-MM-DDTHH-MMZ/``, relative to the storage root) under ``base``,
    oldest first by their timestamp."""
    found: list[str] = []
    for child in storage.list_prefixes(base):
        name = child[len(base):].rstrip("/")
        if DELIVERY.match(name):
            found.append(child)
        elif depth > 0 and name not in ("data", "hive"):
            found.extend(find_deliveries(storage, child, depth - 1))
    return sorted(found, key=lambda f: (f.rstrip("/").rsplit("/", 1)[-1], f))


def _stamp(folder: str) -> pd.Timestamp:
    name = folder.rstrip("/").rsplit("/", 1)[-1]
    return pd.Timestamp(pd.to_datetime(name, format="%Y-%m-%dT%H-%MZ"), tz="UTC")


def _where(storage: Storage, rel: str) -> str:
    return f"{storage.uri.rstrip('/')}/{rel}"


def _read_small(storage: Storage, rel: str) -> bytes:
    try:
        return storage.read(rel)
    except ObjectNotFound:
        raise BadInput(f"inventory delivery is incomplete: {_where(storage, rel)} not found") from None


def read_manifest(storage: Storage, folder: str) -> Manifest:
    """Read and verify one delivery's ``manifest.json`` (against ``manifest.checksum``)."""
    folder = folder if folder.endswith("/") or not folder else folder + "/"
    where = _where(storage, folder + "manifest.json")
    raw = _read_small(storage, folder + "manifest.json")
    expected = _read_small(storage, folder + "manifest.checksum").decode("ascii", "replace").strip().lower()
    actual = hashlib.md5(raw).hexdigest()
    if expected.split()[:1] != [actual]:
        raise BadInput(f"{where} does not match manifest.checksum (MD5 {actual}, checksum file says "
                       f"{expected[:40]!r}): a corrupt or partial delivery")
    try:
        doc = json.loads(raw)
    except ValueError as exc:
        raise BadInput(f"{where} is not valid JSON: {exc}") from None
    if not isinstance(doc, dict):
        raise BadInput(f"{where}: a manifest must be a JSON object")
    fmt = str(doc.get("fileFormat", ""))
    fmt = {f.lower(): f for f in FORMATS}.get(fmt.lower(), fmt)
    if fmt not in FORMATS:
        raise BadInput(f"{where}: unsupported fileFormat {doc.get('fileFormat')!r} (expected CSV, Parquet or ORC)")
    columns = parse_file_schema(doc.get("fileSchema"), fmt, where)
    try:
        created = pd.Timestamp(int(doc["creationTimestamp"]), unit="ms", tz="UTC")
    except (KeyError, TypeError, ValueError, OverflowError):
        try:
            created = _stamp(folder)
        except ValueError:
            raise BadInput(f"{where}: no creationTimestamp and no dated delivery folder") from None
    files = doc.get("files")
    if not isinstance(files, list):
        raise BadInput(f"{where}: 'files' must be a list")
    config = folder.rstrip("/").rpartition("/")[0]
    config = config + "/" if config else ""
    out = []
    for i, f in enumerate(files):
        if not isinstance(f, dict) or not isinstance(f.get("key"), str) or not f["key"]:
            raise BadInput(f"{where}: files[{i}] has no key")
        key = f["key"]
        name = key.rsplit("/data/", 1)[1] if "/data/" in key else key.rsplit("/", 1)[-1]
        size = _manifest_size(f.get("size"), where, i)
        md5 = f.get("MD5checksum")
        out.append(DataFile(key, f"{config}data/{name}", size, str(md5).lower() if md5 else None))
    if not out:
        # a delivery listing no files says nothing about the lake: like an empty listing, refused
        raise BadInput(f"{where}: the delivery lists no data files (an empty inventory): "
                       "wrong destination, or a delivery still being written?")
    return Manifest(where, folder, str(doc.get("sourceBucket", "")), created, fmt, columns, tuple(out))


def _manifest_size(value, where: str, i: int) -> int | None:
    """``files[i].size``: a whole number of bytes >= 0 (as a JSON number or digits), or absent."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise BadInput(f"{where}: files[{i}].size must be a number of bytes, got {value!r}")
    text = str(value).strip()
    if isinstance(value, float) and value.is_integer():
        text = str(int(value))
    if not text.isdigit() or len(text) > 18:
        raise BadInput(f"{where}: files[{i}].size must be a whole number of bytes >= 0, "
                       f"got {str(value)[:40]!r}")
    return int(text)


# -- data files --------------------------------------------------------------------------------
class _Fetched:
    """A data file as a local path (the local file itself, or a verified temporary copy)."""

    def __init__(self, storage: Storage, f: DataFile, tmpdir: str):
        self.where = _where(storage, f.path)
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
            raise BadInput(f"inventory data file {self.where} does not match its MD5checksum in the manifest "
                           f"(MD5 {digest}, expected {f.md5})")


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


def _raw_batches(m: Manifest, path: str, where: str) -> Iterator[pa.RecordBatch]:
    """Batches of the needed columns of one data file, named by their normalised names."""
    by_norm = {_norm(c): c for c in m.columns}
    wanted = [n for n in (*NEEDED, *OPTIONAL) if n in by_norm]
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
                    strings_can_be_null=False),
            )
            for batch in reader:
                yield pa.RecordBatch.from_arrays(batch.columns, names=[_norm(c) for c in batch.schema.names])
        elif m.file_format == "Parquet":
            import pyarrow.parquet as pq

            pf = pq.ParquetFile(path)
            present = {_norm(c): c for c in pf.schema_arrow.names}
            lacking = [n for n in NEEDED if n not in present]
            if lacking:
                raise BadInput(f"inventory data file {where} lacks the columns {lacking} (it has "
                               f"{pf.schema_arrow.names})")
            cols = [present[n] for n in wanted if n in present]
            for batch in pf.iter_batches(batch_size=256 * 1024, columns=cols):
                yield pa.RecordBatch.from_arrays(batch.columns, names=[_norm(c) for c in batch.schema.names])
        else:
            import pyarrow.orc as orc

            of = orc.ORCFile(path)
            present = {_norm(c): c for c in of.schema.names}
            lacking = [n for n in NEEDED if n not in present]
            if lacking:
                raise BadInput(f"inventory data file {where} lacks the columns {lacking}")
            cols = [present[n] for n in wanted if n in present]
            for i in range(of.nstripes):
                batch = of.read_stripe(i, columns=cols)
                yield pa.RecordBatch.from_arrays(batch.columns, names=[_norm(c) for c in batch.schema.names])
    except BadInput:
        raise
    except (pa.ArrowException, OSError, ValueError, EOFError, gzip.BadGzipFile) as exc:
        msg = " ".join(str(exc).split())[:300]
        raise BadInput(f"inventory data file {where} cannot be read as {m.file_format} with the manifest's "
                       f"fileSchema ({len(m.columns)} columns): {msg}") from None


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


# -- reading a delivery ------------------------------------------------------------------------
def _lake_parts(lake: str | None) -> tuple[str | None, str]:
    if lake and str(lake).startswith("s3://"):
        from nba_simulator.storage.s3 import parse_s3_uri

        return parse_s3_uri(str(lake))
    return None, ""


def choose_delivery(storage: Storage, base: str = "", *, delivery: str | None = None,
                    before: pd.Timestamp | None = None, source_bucket: str | None = None) -> str | None:
    """The folder of the named delivery, else the newest one (created before ``before``).

    With several inventory configurations under ``base``, those of ``source_bucket`` (the
    ``<source-bucket>/<config-id>/`` folders S3 writes) are kept; still several is an error.
    """
    folders = find_deliveries(storage, base)
    if source_bucket and len({f.rstrip("/").rpartition("/")[0] for f in folders}) > 1:
        mine = [f for f in folders if f"/{source_bucket}/" in f"/{f}"]
        folders = mine or folders
    if delivery is not None:
        named = [f for f in folders if f.rstrip("/").rsplit("/", 1)[-1] == delivery.strip("/")]
        if not named:
            raise BadInput(f"inventory delivery {delivery!r} not found under {_where(storage, base)}")
        if len(named) > 1:
            raise BadInput(f"inventory delivery {delivery!r} is in several folders under "
                           f"{_where(storage, base)}: {', '.join(named)}; give the full path")
        return named[0]
    if before is not None:
        folders = [f for f in folders if _stamp(f) < before]
    configs = {f.rstrip("/").rpartition("/")[0] for f in folders}
    if len(configs) > 1:
        raise BadInput(f"several inventory configurations under {_where(storage, base)} "
                       f"({', '.join(sorted(configs))}): point at one of them")
    return folders[-1] if folders else None


def read_report(uri: str, *, delivery: str | None = None, lake: str | None = None,
                exclude: Iterable[str] = (), out_path: str | Path | None = None,
                before: pd.Timestamp | None = None, folder: str | None = None,
                storage: Storage | None = None) -> tuple[pd.DataFrame, Manifest]:
    """Read one delivery into an inventory DataFrame (see the module docstring)."""
    exclude = list(exclude)
    own = storage is None
    if storage is None:
        root, named = _split_uri(uri)
        delivery = delivery or named
        storage = open_storage(root)
    try:
        if folder is None:
            folder = choose_delivery(storage, delivery=delivery, before=before,
                                     source_bucket=_lake_parts(lake)[0])
            if folder is None:
                raise BadInput(f"no inventory delivery (a YYYY-MM-DDTHH-MMZ folder with manifest.json) under {uri}")
        m = read_manifest(storage, folder)
        bucket, lake_prefix = _lake_parts(lake)
        if bucket and m.source_bucket and m.source_bucket != bucket:
            raise BadInput(f"{m.uri} describes bucket {m.source_bucket!r}, the lake is in bucket {bucket!r}")
        return _read_files(storage, m, lake_prefix, exclude, out_path), m
    finally:
        if own:
            storage.close()


def _read_files(storage: Storage, m: Manifest, lake_prefix: str, exclude: list[str],
                out_path) -> pd.DataFrame:
    sink = _ParquetSink(out_path, {"uri": m.uri, "source": "s3-inventory", "prefixes": None,
                                   "exclude": exclude}) if out_path is not None else None
    batches: list[pa.RecordBatch] = []
    tmpdir = tempfile.mkdtemp(prefix="nba-inventory-")
    try:
        for f in m.files:
            fetched = _Fetched(storage, f, tmpdir)
            for raw in _raw_batches(m, fetched.path, fetched.where):
                batch = _drop_excluded(_to_inventory(raw, m, fetched.where, lake_prefix), exclude)
                if batch.num_rows:
                    batches.append(batch)
                    if sink is not None:
                        sink.write(batch)
            if fetched.path.startswith(tmpdir):
                os.unlink(fetched.path)
        table = pa.Table.from_batches(batches, schema=INVENTORY_SCHEMA) if batches else _empty_table()
        del batches
        table = sort_by_key(table)
        replacement = None
        if has_duplicates(table.column("key")):
            from nba_simulator.storage.scan import _dedupe

            before = table.num_rows
            table = _dedupe(table).sort_by("key")
            log.warning("inventory %s: %d duplicate rows dropped", m.uri, before - table.num_rows)
            replacement = table
        if sink is not None:
            sink.commit(replacement)
            sink = None
    finally:
        if sink is not None:
            sink.abort()
        shutil.rmtree(tmpdir, ignore_errors=True)
    df = _to_frame(table)  # already sorted: _to_frame's check is one pass
    del table
    pa.default_memory_pool().release_unused()
    df.attrs["inventory"] = {"source": "s3-inventory", "uri": m.uri, "created": m.created.isoformat()}
    return df


def load_report(uri: str, *, as_of, lake: str | None = None, exclude: Iterable[str] = (),
                max_age_days: float | None = None, delivery: str | None = None,
                out_path: str | Path | None = None) -> ReportResult:
    """The inventory for a run at ``as_of``, or ``None`` (with a warning) to list the lake instead.

    The newest delivery created before the end of the ``as_of`` day is used (a named one if
    ``delivery``); its age is counted from ``as_of`` (midnight UTC). ``None`` when there is no
    delivery or it is older than ``max_age_days``. A delivery that exists but is damaged (checksums,
    schema) raises :class:`BadInput`: it is never silently replaced by a listing.
    """
    from nba_simulator.asof import parse_as_of

    as_of = parse_as_of(as_of)
    root, named = _split_uri(uri)
    delivery = delivery or named
    with open_storage(root) as storage:
        try:
            folder = choose_delivery(storage, delivery=delivery, before=as_of + pd.Timedelta(days=1),
                                     source_bucket=_lake_parts(lake)[0])
        except LakeNotFound:
            folder = None
        if folder is None:
            return ReportResult(None, {"inventory_uri": uri},
                                [f"no inventory delivery under {uri} as of {as_of:%Y-%m-%d}; listing the lake"])
        m = read_manifest(storage, folder)
        age = max(0.0, (as_of - m.created) / pd.Timedelta(days=1))
        info = {"inventory_uri": uri, "delivery": folder.rstrip("/").rsplit("/", 1)[-1],
                "created": m.created.strftime("%Y-%m-%dT%H:%M:%SZ"), "age_days": round(age, 2)}
        if max_age_days is not None and age > max_age_days:
            return ReportResult(None, info, [
                f"inventory delivery {info['delivery']} under {uri} is {age:.1f} days old as of "
                f"{as_of:%Y-%m-%d} (max_age_days {max_age_days}); listing the lake"])
        df, _ = read_report(uri, lake=lake, exclude=exclude, out_path=out_path, folder=folder,
                            storage=storage)
    info.update({"objects": int(len(df)), "files": len(m.files), "format": m.file_format})
    return ReportResult(df, info, [])
