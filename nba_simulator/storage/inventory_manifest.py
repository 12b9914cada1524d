"""S3 Inventory deliveries: finding them under a destination and reading their ``manifest.json``.

A delivery is ``<source-bucket>/<config-id>/<YYYY-MM-DDTHH-MMZ>/manifest.json`` (with
``manifest.checksum``, the MD5 of the manifest) listing the data files under
``<source-bucket>/<config-id>/data/``. :func:`read_manifest` verifies the checksum and the schema
(``Key``, ``Size`` and ``LastModifiedDate`` must be in it) and fails loudly with
:class:`BadInput` naming the file; :func:`choose_delivery` picks the named one or the newest one
created before a given time. See :mod:`.inventory_report` for the whole reader.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass

import pandas as pd

from nba_simulator.errors import BadInput
from nba_simulator.storage.base import ObjectNotFound, Storage

DELIVERY = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}-\d{2}Z$")
FORMATS = ("CSV", "Parquet", "ORC")
NEEDED = ("key", "size", "lastmodifieddate")
OPTIONAL = ("etag", "islatest", "isdeletemarker")  # read when present (the bucket column is not)
#: a manifest lists one entry per data file (~200 bytes each): 64 MiB is ~300,000 files
MAX_MANIFEST_BYTES = 64 << 20
MAX_DEPTH = 3  # destination -> source bucket -> config id -> deliveries


@dataclass(frozen=True)
class DataFile:
    key: str  # as written in the manifest (destination bucket key)
    path: str  # relative to the destination storage root
    size: int | None
    md5: str | None


@dataclass(frozen=True)
class Manifest:
    uri: str  # printable location of manifest.json
    folder: str  # delivery folder relative to the destination root
    source_bucket: str
    created: pd.Timestamp
    file_format: str
    columns: tuple[str, ...]  # as in fileSchema
    files: tuple[DataFile, ...]


def norm_name(name: str) -> str:
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
    normed = [norm_name(n) for n in names]
    if len(set(normed)) != len(normed):
        raise BadInput(f"{where}: fileSchema names a column twice: {text[:200]!r}")
    lacking = [n for n in NEEDED if n not in normed]
    if lacking:
        label = {"key": "Key", "size": "Size", "lastmodifieddate": "LastModifiedDate"}
        raise BadInput(
            f"{where}: fileSchema lacks {', '.join(label[n] for n in lacking)} (the inventory "
            "configuration must include the optional fields Size and LastModifiedDate)"
        )
    return tuple(names)


# -- locating deliveries -----------------------------------------------------------------------
def split_uri(uri: str) -> tuple[str, str | None]:
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
        name = child[len(base) :].rstrip("/")
        if DELIVERY.match(name):
            found.append(child)
        elif depth > 0 and name not in ("data", "hive"):
            found.extend(find_deliveries(storage, child, depth - 1))
    return sorted(found, key=lambda f: (f.rstrip("/").rsplit("/", 1)[-1], f))


def _stamp(folder: str) -> pd.Timestamp:
    name = folder.rstrip("/").rsplit("/", 1)[-1]
    return pd.Timestamp(pd.to_datetime(name, format="%Y-%m-%dT%H-%MZ"), tz="UTC")


def location(storage: Storage, rel: str) -> str:
    return f"{storage.uri.rstrip('/')}/{rel}"


def _read_small(storage: Storage, rel: str, limit: int | None = None) -> bytes:
    """At most ``limit`` (default ``MAX_MANIFEST_BYTES``) bytes of a delivery's small file; more is
    refused (BadInput naming it)."""
    limit = MAX_MANIFEST_BYTES if limit is None else limit
    try:
        data = storage.read(rel, 0, limit + 1)
    except ObjectNotFound:
        raise BadInput(f"inventory delivery is incomplete: {location(storage, rel)} not found") from None
    if len(data) > limit:
        raise BadInput(f"{location(storage, rel)}: more than the {limit:,} bytes such a file may have; refused")
    return data


def read_manifest(storage: Storage, folder: str) -> Manifest:
    """Read and verify one delivery's ``manifest.json`` (against ``manifest.checksum``)."""
    folder = folder if folder.endswith("/") or not folder else folder + "/"
    where = location(storage, folder + "manifest.json")
    raw = _read_small(storage, folder + "manifest.json")
    expected = _read_small(storage, folder + "manifest.checksum", 4096).decode("ascii", "replace").strip().lower()
    actual = hashlib.md5(raw).hexdigest()
    if expected.split()[:1] != [actual]:
        raise BadInput(
            f"{where} does not match manifest.checksum (MD5 {actual}, checksum file says "
            f"{expected[:40]!r}): a corrupt or partial delivery"
        )
    try:
        doc = json.loads(raw)
    except ValueError as exc:
        raise BadInput(f"{where} is not valid JSON: {exc}") from None
    except RecursionError:
        raise BadInput(f"{where}: JSON nested too deeply (over ~1,000 levels)") from None
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
        raise BadInput(
            f"{where}: the delivery lists no data files (an empty inventory): "
            "wrong destination, or a delivery still being written?"
        )
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
        raise BadInput(f"{where}: files[{i}].size must be a whole number of bytes >= 0, got {str(value)[:40]!r}")
    return int(text)


def lake_parts(lake: str | None) -> tuple[str | None, str]:
    if lake and str(lake).startswith("s3://"):
        from nba_simulator.storage.s3 import parse_s3_uri

        return parse_s3_uri(str(lake))
    return None, ""


def choose_delivery(
    storage: Storage,
    base: str = "",
    *,
    delivery: str | None = None,
    before: pd.Timestamp | None = None,
    source_bucket: str | None = None,
) -> str | None:
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
            raise BadInput(f"inventory delivery {delivery!r} not found under {location(storage, base)}")
        if len(named) > 1:
            raise BadInput(
                f"inventory delivery {delivery!r} is in several folders under "
                f"{location(storage, base)}: {', '.join(named)}; give the full path"
            )
        return named[0]
    if before is not None:
        folders = [f for f in folders if _stamp(f) < before]
    configs = {f.rstrip("/").rpartition("/")[0] for f in folders}
    if len(configs) > 1:
        raise BadInput(
            f"several inventory configurations under {location(storage, base)} "
            f"({', '.join(sorted(configs))}): point at one of them"
        )
    return folders[-1] if folders else None
