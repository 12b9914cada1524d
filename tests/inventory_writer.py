"""Write S3 Inventory deliveries (CSV.gz or Parquet) from an inventory table, as S3 does.

For tests and benchmarks: a local folder written here has the layout, manifest, checksums and file
formats that :mod:`.inventory_report` reads from a real destination bucket (headerless, fully
quoted CSV with form-encoded keys; Parquet with S3's snake_case column names).
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
from pathlib import Path
from urllib.parse import quote_plus

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

CSV_SCHEMA = (
    "Bucket",
    "Key",
    "VersionId",
    "IsLatest",
    "IsDeleteMarker",
    "Size",
    "LastModifiedDate",
    "ETag",
    "StorageClass",
)
PARQUET_SCHEMA_TEXT = (
    "message s3.inventory { required binary bucket (STRING); required binary key (STRING); "
    "optional binary version_id (STRING); optional boolean is_latest; optional boolean is_delete_marker; "
    "optional int64 size; optional int64 last_modified_date (TIMESTAMP(MILLIS,true)); "
    "optional binary e_tag (STRING); optional binary storage_class (STRING);}"
)
_SAFE = re.compile(r"^[A-Za-z0-9/._*-]*$")


def form_encode(keys: pa.Array) -> pa.Array:
    """S3 Inventory's key encoding (form encoding: space -> ``+``), ``/`` kept; vectorised:
    only keys with other characters go through Python."""
    needs = pc.invert(pc.match_substring_regex(keys, _SAFE.pattern))
    if not pc.any(needs).as_py():
        return keys
    todo = pc.filter(keys, needs).to_pylist()
    return pc.replace_with_mask(keys, needs, pa.array([quote_plus(k, safe="/*") for k in todo], pa.string()))


def _data_table(inv: pa.Table, bucket: str, fmt: str) -> pa.Table:
    n = inv.num_rows
    keys = inv.column("key").combine_chunks().cast(pa.string())
    mtime = inv.column("last_modified").combine_chunks().cast(pa.timestamp("ms", tz="UTC"), safe=False)  # S3: ms
    etag = (
        inv.column("etag").combine_chunks().cast(pa.string())
        if "etag" in inv.column_names
        else pa.nulls(n, pa.string())
    )
    size = inv.column("size").combine_chunks().cast(pa.int64())
    if fmt == "CSV":
        # S3 writes 2016-11-05T22:43:45.000Z (Arrow's %S carries the milliseconds of a ms timestamp)
        mt = pc.binary_join_element_wise(pc.strftime(mtime, format="%Y-%m-%dT%H:%M:%S"), "Z", "")
        return pa.table(
            {
                "Bucket": pa.repeat(pa.scalar(bucket), n),
                "Key": form_encode(keys),
                "VersionId": pa.repeat(pa.scalar("", pa.string()), n),
                "IsLatest": pa.repeat(pa.scalar("true"), n),
                "IsDeleteMarker": pa.repeat(pa.scalar("false"), n),
                "Size": size.cast(pa.string()),
                "LastModifiedDate": mt,
                "ETag": pc.fill_null(etag, ""),
                "StorageClass": pa.repeat(pa.scalar("STANDARD"), n),
            }
        )
    return pa.table(
        {
            "bucket": pa.repeat(pa.scalar(bucket), n),
            "key": keys,
            "version_id": pa.nulls(n, pa.string()),
            "is_latest": pa.repeat(pa.scalar(True), n),
            "is_delete_marker": pa.repeat(pa.scalar(False), n),
            "size": size,
            "last_modified_date": mtime,
            "e_tag": etag,
            "storage_class": pa.repeat(pa.scalar("STANDARD"), n),
        }
    )


def write_delivery(
    dest: str | Path,
    inventory,
    *,
    source_bucket: str = "lake",
    config: str = "daily",
    created="2024-03-01T01:00Z",
    fmt: str = "CSV",
    files: int = 1,
    dest_prefix: str = "inventory-reports",
    gzip_level: int = 1,
) -> Path:
    """Write one delivery under ``dest`` (the destination's root); returns the delivery folder.

    ``inventory``: a DataFrame or Arrow table with ``key, size, last_modified[, etag]`` (keys as
    in the source bucket). ``created``: the delivery's creation time (UTC). ``dest_prefix``: the
    destination prefix S3 would write into the manifest's file keys.
    """
    table = inventory if isinstance(inventory, pa.Table) else pa.Table.from_pandas(inventory, preserve_index=False)
    created = pd.Timestamp(created)
    created = created.tz_localize("UTC") if created.tzinfo is None else created.tz_convert("UTC")
    config_dir = Path(dest) / source_bucket / config
    folder = config_dir / created.strftime("%Y-%m-%dT%H-%MZ")
    data_dir = config_dir / "data"
    folder.mkdir(parents=True, exist_ok=True)
    data_dir.mkdir(parents=True, exist_ok=True)
    data = _data_table(table, source_bucket, fmt)
    n = data.num_rows
    per = -(-n // max(1, files)) if n else 0
    entries = []
    stamp = created.strftime("%Y%m%dT%H%M")
    for i in range(max(1, files)):
        part = data.slice(i * per, per) if n else data
        name = f"{stamp}-{i:04d}." + ("csv.gz" if fmt == "CSV" else "parquet")
        path = data_dir / name
        if fmt == "CSV":
            import pyarrow.csv as pacsv

            buf = pa.BufferOutputStream()
            pacsv.write_csv(
                part, buf, write_options=pacsv.WriteOptions(include_header=False, quoting_style="all_valid")
            )
            path.write_bytes(gzip.compress(buf.getvalue().to_pybytes(), compresslevel=gzip_level))
        else:
            import pyarrow.parquet as pq

            pq.write_table(part, path)
        raw = path.read_bytes()
        entries.append(
            {
                "key": f"{dest_prefix}/{source_bucket}/{config}/data/{name}".lstrip("/"),
                "size": len(raw),
                "MD5checksum": hashlib.md5(raw).hexdigest(),
            }
        )
        if not n:
            break
    manifest = {
        "sourceBucket": source_bucket,
        "destinationBucket": "arn:aws:s3:::inventory-destination",
        "version": "2016-11-30",
        "creationTimestamp": str(int(created.timestamp() * 1000)),
        "fileFormat": "CSV" if fmt == "CSV" else "Parquet",
        "fileSchema": ", ".join(CSV_SCHEMA) if fmt == "CSV" else PARQUET_SCHEMA_TEXT,
        "files": entries,
    }
    raw = json.dumps(manifest, indent=2).encode()
    (folder / "manifest.json").write_bytes(raw)
    (folder / "manifest.checksum").write_text(hashlib.md5(raw).hexdigest() + "\n")
    return folder
