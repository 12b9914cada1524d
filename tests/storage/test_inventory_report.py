"""S3 Inventory reports as the inventory: manifest + checksum, headerless CSV, Parquet, URL-encoded
keys, per-file MD5, newest/named delivery, and the fallback to listing when none is fresh."""

from __future__ import annotations

import gzip
import hashlib
import json
from pathlib import Path

import pandas as pd
import pytest

from nba_simulator.errors import BadInput
from nba_simulator.storage import open_storage
from nba_simulator.storage.inventory_report import find_deliveries, load_report, parse_file_schema, read_report
from nba_simulator.storage.scan import scan
from tests.inventory_writer import write_delivery

KEYS = {
    "espn_schedules/20230410.json": 120,
    "espn_play_by_play/401584800.json": 700_000,
    "odd/a b+c%d&e.json": 3,  # space, plus, percent, ampersand
    "odd/é/ü €.json": 4,  # non-ASCII
    "backups/old.json": 5,  # excluded below
}


def inventory_frame(keys=KEYS, when="2024-02-28T12:00:00.123Z") -> pd.DataFrame:
    return pd.DataFrame(
        {
            "key": list(keys),
            "size": list(keys.values()),
            "last_modified": pd.to_datetime([when] * len(keys), utc=True),
            "etag": [hashlib.md5(k.encode()).hexdigest() for k in keys],
        }
    )


def expected_frame(keys=KEYS, exclude=("backups/",)) -> pd.DataFrame:
    df = inventory_frame(keys)
    df = df[~df["key"].str.startswith(exclude)].sort_values("key").reset_index(drop=True)
    return df


def rewrite_manifest(folder: Path, change) -> None:
    doc = json.loads((folder / "manifest.json").read_text())
    change(doc)
    raw = json.dumps(doc).encode()
    (folder / "manifest.json").write_bytes(raw)
    (folder / "manifest.checksum").write_text(hashlib.md5(raw).hexdigest())


@pytest.mark.parametrize("fmt", ["CSV", "Parquet"])
def test_delivery_reads_as_the_scan_contract(tmp_path, fmt):
    write_delivery(tmp_path, inventory_frame(), source_bucket="lake", fmt=fmt, files=2)
    df, manifest = read_report(str(tmp_path), exclude=["backups/"])
    assert manifest.file_format == fmt and len(manifest.files) == 2
    want = expected_frame()
    pd.testing.assert_frame_equal(df, want, check_dtype=False)
    assert str(df["last_modified"].dtype) == "datetime64[ns, UTC]"
    assert df["size"].dtype == "int64"
    assert df.attrs["inventory"]["source"] == "s3-inventory"


def test_csv_has_no_header_and_keys_are_url_encoded_in_it(tmp_path):
    folder = write_delivery(tmp_path, inventory_frame(), fmt="CSV")
    manifest = json.loads((folder / "manifest.json").read_text())
    data = next((folder.parent / "data").glob("*.csv.gz"))
    lines = gzip.decompress(data.read_bytes()).decode().splitlines()
    assert len(lines) == len(KEYS)  # no header row
    assert lines[0].startswith('"lake",')  # first row is data (Bucket, Key, ...)
    assert any('"odd/a+b%2Bc%25d%26e.json"' in line for line in lines)  # form-encoded as S3 does
    assert manifest["fileSchema"].startswith("Bucket, Key")
    df, _ = read_report(str(tmp_path))
    assert set(df["key"]) == set(KEYS)  # decoded, nothing lost to a "header"


def test_csv_column_order_comes_from_the_file_schema(tmp_path):
    """A CSV whose columns are in another order (and with extra fields) is read by fileSchema."""
    cfg = tmp_path / "lake" / "cfg"
    (cfg / "data").mkdir(parents=True)
    rows = [
        '"STANDARD","12","2024-01-02T03:04:05.000Z","k%2B1.json","lake","abc"',
        '"STANDARD","7","2024-01-02T03:04:06.000Z","dir/k+2.json","lake",""',
    ]
    body = gzip.compress(("\n".join(rows) + "\n").encode())
    (cfg / "data" / "x.csv.gz").write_bytes(body)
    folder = cfg / "2024-01-03T00-00Z"
    folder.mkdir()
    raw = json.dumps(
        {
            "sourceBucket": "lake",
            "creationTimestamp": "1704240000000",
            "fileFormat": "CSV",
            "fileSchema": "StorageClass, Size, LastModifiedDate, Key, Bucket, ETag",
            "files": [
                {"key": "dest/lake/cfg/data/x.csv.gz", "size": len(body), "MD5checksum": hashlib.md5(body).hexdigest()}
            ],
        }
    ).encode()
    (folder / "manifest.json").write_bytes(raw)
    (folder / "manifest.checksum").write_text(hashlib.md5(raw).hexdigest() + "\n")
    df, _ = read_report(str(tmp_path))
    assert df["key"].tolist() == ["dir/k 2.json", "k+1.json"]
    assert df["size"].tolist() == [7, 12]
    assert df["etag"].isna().tolist() == [True, False]
    assert df["last_modified"].iloc[1] == pd.Timestamp("2024-01-02T03:04:05Z")


def test_manifest_checksum_mismatch_is_bad_input_naming_it(tmp_path):
    folder = write_delivery(tmp_path, inventory_frame())
    (folder / "manifest.checksum").write_text("0" * 32)
    with pytest.raises(BadInput, match=r"manifest\.json does not match manifest\.checksum"):
        read_report(str(tmp_path))


def test_missing_manifest_checksum_is_bad_input(tmp_path):
    folder = write_delivery(tmp_path, inventory_frame())
    (folder / "manifest.checksum").unlink()
    with pytest.raises(BadInput, match=r"manifest\.checksum not found"):
        read_report(str(tmp_path))


@pytest.mark.parametrize("fmt", ["CSV", "Parquet"])
def test_data_file_md5_mismatch_names_the_file(tmp_path, fmt):
    folder = write_delivery(tmp_path, inventory_frame(), fmt=fmt)
    rewrite_manifest(folder, lambda d: d["files"][0].update(MD5checksum="f" * 32))
    with pytest.raises(BadInput, match=r"data/.*does not match its MD5checksum"):
        read_report(str(tmp_path))


def test_data_file_size_mismatch_and_missing_file(tmp_path):
    folder = write_delivery(tmp_path, inventory_frame())
    rewrite_manifest(folder, lambda d: d["files"][0].update(size=d["files"][0]["size"] + 1))
    with pytest.raises(BadInput, match="bytes, the manifest says"):
        read_report(str(tmp_path))
    rewrite_manifest(folder, lambda d: d["files"][0].update(key="x/data/gone.csv.gz", size=None))
    with pytest.raises(BadInput, match=r"data file not found: .*gone\.csv\.gz"):
        read_report(str(tmp_path))


def test_schema_without_size_is_bad_input(tmp_path):
    folder = write_delivery(tmp_path, inventory_frame())
    rewrite_manifest(folder, lambda d: d.update(fileSchema="Bucket, Key, VersionId, IsLatest"))
    with pytest.raises(BadInput, match=r"manifest\.json: fileSchema lacks Size, LastModifiedDate"):
        read_report(str(tmp_path))


def test_schema_not_matching_the_csv_rows_names_the_file(tmp_path):
    folder = write_delivery(tmp_path, inventory_frame())
    # one column fewer than the rows have
    rewrite_manifest(
        folder,
        lambda d: d.update(fileSchema="Bucket, Key, VersionId, IsLatest, IsDeleteMarker, Size, LastModifiedDate, ETag"),
    )
    with pytest.raises(BadInput, match=r"data file .*\.csv\.gz cannot be read as CSV .*8 columns"):
        read_report(str(tmp_path))


def test_unknown_format_and_bad_json(tmp_path):
    folder = write_delivery(tmp_path, inventory_frame())
    rewrite_manifest(folder, lambda d: d.update(fileFormat="Avro"))
    with pytest.raises(BadInput, match="unsupported fileFormat 'Avro'"):
        read_report(str(tmp_path))
    raw = b"{not json"
    (folder / "manifest.json").write_bytes(raw)
    (folder / "manifest.checksum").write_text(hashlib.md5(raw).hexdigest())
    with pytest.raises(BadInput, match="not valid JSON"):
        read_report(str(tmp_path))


def test_file_schema_parsing():
    assert parse_file_schema("Bucket, Key, Size, LastModifiedDate", "CSV", "m")[1] == "Key"
    parquet = (
        "message s3.inventory { required binary bucket (STRING); required binary key (STRING); "
        "optional int64 size; optional int64 last_modified_date (TIMESTAMP(MILLIS,true)); "
        "optional binary e_tag (STRING);}"
    )
    assert parse_file_schema(parquet, "Parquet", "m") == ("bucket", "key", "size", "last_modified_date", "e_tag")
    orc = "struct<bucket:string,key:string,size:bigint,last_modified_date:timestamp,e_tag:string>"
    assert parse_file_schema(orc, "ORC", "m")[3] == "last_modified_date"
    with pytest.raises(BadInput, match="fileSchema is missing"):
        parse_file_schema("", "CSV", "m")


def test_newest_named_and_as_of_bounded_delivery(tmp_path):
    old = inventory_frame({"a.json": 1})
    new = inventory_frame({"a.json": 1, "b.json": 2})
    write_delivery(tmp_path, old, created="2024-03-01T01:00Z")
    write_delivery(tmp_path, new, created="2024-03-02T01:00Z")
    later = inventory_frame({"a.json": 1, "b.json": 2, "c.json": 3})
    write_delivery(tmp_path, later, created="2024-03-05T01:00Z")
    storage = open_storage(str(tmp_path))
    assert [f.rsplit("/", 2)[-2] for f in find_deliveries(storage)] == [
        "2024-03-01T01-00Z",
        "2024-03-02T01-00Z",
        "2024-03-05T01-00Z",
    ]
    assert len(read_report(str(tmp_path))[0]) == 3  # newest
    assert len(read_report(str(tmp_path), delivery="2024-03-01T01-00Z")[0]) == 1  # named
    named = tmp_path / "lake" / "daily" / "2024-03-02T01-00Z" / "manifest.json"
    assert len(read_report(str(named))[0]) == 2  # its manifest
    # a run as of 2024-03-02 uses the delivery of that day, never one created after it
    r = load_report(str(tmp_path), as_of="2024-03-02", max_age_days=3)
    assert r.info["delivery"] == "2024-03-02T01-00Z" and len(r.inventory) == 2 and not r.warnings
    with pytest.raises(BadInput, match="delivery '2023-01-01T00-00Z' not found"):
        read_report(str(tmp_path), delivery="2023-01-01T00-00Z")


def test_too_old_or_missing_delivery_falls_back_with_a_warning(tmp_path):
    write_delivery(tmp_path, inventory_frame(), created="2024-03-01T01:00Z")
    r = load_report(str(tmp_path), as_of="2024-03-10", max_age_days=7)
    assert r.inventory is None
    assert "9.0 days old as of 2024-03-10 (max_age_days 7" in r.warnings[0]
    ok = load_report(str(tmp_path), as_of="2024-03-10", max_age_days=None)  # no age limit
    assert ok.inventory is not None and ok.info["age_days"] == pytest.approx(8.96, abs=0.01)
    none = load_report(str(tmp_path), as_of="2024-02-15", max_age_days=7)  # all created later
    assert none.inventory is None and "no inventory delivery under" in none.warnings[0]
    empty = load_report(str(tmp_path / "nothing-here"), as_of="2024-03-10")
    assert empty.inventory is None and "no inventory delivery" in empty.warnings[0]


def test_lake_prefix_bucket_and_versions(tmp_path):
    keys = {"raw/a.json": 1, "raw/b.json": 2, "other/c.json": 3, "raw/": 0}
    frame = inventory_frame(keys)
    folder = write_delivery(tmp_path, frame, source_bucket="nba-lake", fmt="Parquet")
    df, _ = read_report(str(tmp_path), lake="s3://nba-lake/raw")
    assert df["key"].tolist() == ["a.json", "b.json"]  # prefix removed, others (and the folder) dropped
    with pytest.raises(BadInput, match="describes bucket 'nba-lake', the lake is in bucket 'elsewhere'"):
        read_report(str(tmp_path), lake="s3://elsewhere")
    assert folder.exists()


def test_versioned_inventory_keeps_latest_and_no_delete_markers(tmp_path):
    cfg = tmp_path / "lake" / "cfg"
    (cfg / "data").mkdir(parents=True)
    rows = [
        '"lake","a.json","v1","false","false","1","2024-01-01T00:00:00.000Z","e1"',
        '"lake","a.json","v2","true","false","2","2024-01-02T00:00:00.000Z","e2"',
        '"lake","b.json","v1","true","true","","2024-01-02T00:00:00.000Z",""',
    ]
    body = gzip.compress(("\n".join(rows) + "\n").encode())
    (cfg / "data" / "v.csv.gz").write_bytes(body)
    folder = cfg / "2024-01-03T00-00Z"
    folder.mkdir()
    raw = json.dumps(
        {
            "sourceBucket": "lake",
            "creationTimestamp": "1704240000000",
            "fileFormat": "CSV",
            "fileSchema": "Bucket, Key, VersionId, IsLatest, IsDeleteMarker, Size, LastModifiedDate, ETag",
            "files": [
                {"key": "d/lake/cfg/data/v.csv.gz", "size": len(body), "MD5checksum": hashlib.md5(body).hexdigest()}
            ],
        }
    ).encode()
    (folder / "manifest.json").write_bytes(raw)
    (folder / "manifest.checksum").write_text(hashlib.md5(raw).hexdigest())
    df, _ = read_report(str(tmp_path))
    assert df[["key", "size", "etag"]].values.tolist() == [["a.json", 2, "e2"]]


def test_parquet_out_path_is_the_scan_format(tmp_path):
    from nba_simulator.storage.scan import read_inventory

    write_delivery(tmp_path / "dest", inventory_frame(), fmt="Parquet")
    df, _ = read_report(str(tmp_path / "dest"), out_path=tmp_path / "inv.parquet")
    back = read_inventory(tmp_path / "inv.parquet")
    pd.testing.assert_frame_equal(back, df, check_dtype=False)


def test_reconcile_reads_the_inventory_and_falls_back(tmp_path):
    """End to end: the same results from the inventory as from listing; a stale one is listed."""
    from nba_simulator.cli import main
    from nba_simulator.demo import build_demo

    demo = build_demo(tmp_path / "demo")
    listed = scan(open_storage(str(demo.lake)))
    write_delivery(tmp_path / "inv", listed, source_bucket="demo", created=f"{demo.as_of}T00:30Z", fmt="CSV", files=3)
    outs = {}
    for name, extra in (("list", []), ("inv", ["--inventory", str(tmp_path / "inv")])):
        outs[name] = tmp_path / name
        assert (
            main(
                [
                    "reconcile",
                    "--spec",
                    str(demo.spec),
                    "--lake",
                    str(demo.lake),
                    "--as-of",
                    str(demo.as_of),
                    "--out",
                    str(outs[name]),
                    *extra,
                ]
            )
            == 0
        )
    for f in ("coverage.parquet", "orphans.parquet", "duplicates.parquet", "gaps.parquet"):
        pd.testing.assert_frame_equal(
            pd.read_parquet(outs["list"] / f), pd.read_parquet(outs["inv"] / f), check_dtype=False, obj=f
        )
    summary = json.loads((outs["inv"] / "summary.json").read_text())
    assert summary["inventory"]["source"] == "s3-inventory"
    assert (
        summary["inventory"]["objects"]
        == json.loads((outs["list"] / "summary.json").read_text())["inventory"]["objects"]
    )
    # the spec's inventory section, with an age limit the delivery exceeds: listing + warning
    spec_text = Path(demo.spec).read_text() + f"\ninventory: {{uri: {tmp_path / 'inv'}, max_age_days: 0.5}}\n"
    spec2 = Path(demo.spec).with_name("spec2.yaml")  # next to the demo schedule it names
    spec2.write_text(spec_text)
    later = (pd.Timestamp(str(demo.as_of)) + pd.Timedelta(days=2)).strftime("%Y-%m-%d")
    assert (
        main(
            [
                "reconcile",
                "--spec",
                str(spec2),
                "--lake",
                str(demo.lake),
                "--as-of",
                later,
                "--out",
                str(tmp_path / "old"),
            ]
        )
        == 0
    )
    summary = json.loads((tmp_path / "old" / "summary.json").read_text())
    assert "source" not in summary["inventory"]
    assert any("days old" in w and "listing the lake" in w for w in summary["warnings"])


@pytest.mark.s3
def test_delivery_in_a_real_s3_bucket(s3_server, s3_readonly_env, tmp_path):
    """A delivery uploaded to S3 is read through s3:// (ranged reads, MD5 of the download)."""
    write_delivery(tmp_path, inventory_frame(), source_bucket="lake", fmt="CSV", files=2, dest_prefix="reports")
    objects = {
        f"reports/{p.relative_to(tmp_path).as_posix()}": p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()
    }
    s3_server.make_bucket("inventory-dest", objects)
    df, m = read_report("s3://inventory-dest/reports/", exclude=["backups/"])
    pd.testing.assert_frame_equal(df, expected_frame(), check_dtype=False)
    r = load_report("s3://inventory-dest/reports", as_of="2024-03-02", max_age_days=2, exclude=["backups/"])
    assert r.inventory is not None and len(r.inventory) == len(KEYS) - 1
    # corrupt one data file in the bucket: the download's MD5 catches it
    key = next(k for k in objects if k.endswith(".csv.gz"))
    s3_server.admin_client().put_object(
        Bucket="inventory-dest",
        Key=key,
        Body=gzip.compress(b'"lake","x","","true","false","1","2024-01-01T00:00:00.000Z","e","S"\n'),
    )
    with pytest.raises(BadInput, match="s3://inventory-dest/reports/lake/daily/data/.*(MD5|bytes)"):
        read_report("s3://inventory-dest/reports/")
    missing = load_report("s3://no-such-inventory-bucket/x/", as_of="2024-03-02")
    assert missing.inventory is None and missing.warnings


def test_several_configurations_pick_the_lake_bucket(tmp_path):
    write_delivery(tmp_path, inventory_frame({"a.json": 1}), source_bucket="nba-lake")
    write_delivery(tmp_path, inventory_frame({"b.json": 1, "c.json": 2}), source_bucket="other-bucket")
    with pytest.raises(BadInput, match="several inventory configurations"):
        read_report(str(tmp_path))
    df, m = read_report(str(tmp_path), lake="s3://nba-lake")
    assert df["key"].tolist() == ["a.json"] and m.source_bucket == "nba-lake"
    r = load_report(str(tmp_path), as_of="2024-03-02", lake="s3://other-bucket")
    assert r.inventory["key"].tolist() == ["b.json", "c.json"]
