"""storage.inventory_manifest: the manifest's column names and where deliveries are."""

from __future__ import annotations

import pytest

from nba_simulator.errors import BadInput
from nba_simulator.storage.inventory_manifest import norm_name, parse_file_schema, split_uri


def test_file_schemas_of_each_format():
    assert parse_file_schema("Bucket, Key, Size, LastModifiedDate, ETag", "CSV", "m") == (
        "Bucket",
        "Key",
        "Size",
        "LastModifiedDate",
        "ETag",
    )
    parquet = (
        "message s3.inventory { required binary bucket (STRING); required binary key (STRING); "
        "optional int64 size; optional int64 last_modified_date (TIMESTAMP(MILLIS,true)); }"
    )
    assert parse_file_schema(parquet, "Parquet", "m") == ("bucket", "key", "size", "last_modified_date")
    assert parse_file_schema("struct<bucket:string,key:string,size:bigint,last_modified_date:timestamp>", "ORC", "m")[
        1:
    ] == ("key", "size", "last_modified_date")
    assert norm_name("Last_Modified-Date") == "lastmodifieddate"


@pytest.mark.parametrize(
    "schema, message",
    [
        ("", "m.json: fileSchema is missing or empty"),
        ("Key, , Size", "cannot read the column names"),
        ("Key, key, Size, LastModifiedDate", "names a column twice"),
        ("Bucket, Key", "fileSchema lacks Size, LastModifiedDate"),
    ],
)
def test_bad_schemas_are_one_line_naming_the_manifest(schema, message):
    with pytest.raises(BadInput, match=message):
        parse_file_schema(schema, "CSV", "m.json")


def test_split_uri():
    assert split_uri("s3://inv/b/cfg/2024-01-02T01-00Z/manifest.json") == ("s3://inv/b/cfg", "2024-01-02T01-00Z")
    assert split_uri("s3://inv/b/cfg/") == ("s3://inv/b/cfg/", None)
