"""The S3 listing (obstore) gives exactly what boto3's paginator gives, on the real S3 server:
the same rows for any key prefix (obstore's own prefixes are whole path segments), no key twice,
with the identity of boto3's credential chain (a profile in a credentials file).

No timing here: speed is measured by ``make bench``.
"""

from __future__ import annotations

import pyarrow as pa
import pytest

import nba_simulator.storage.s3_store as s3_store
from nba_simulator.storage import INVENTORY_SCHEMA, open_storage
from nba_simulator.storage.scan import scan
from tests.s3server import READONLY_KEY, READONLY_SECRET

pytestmark = pytest.mark.s3

BUCKET = "obstore-listing"


def lake_objects() -> dict[str, bytes]:
    objects: dict[str, bytes] = {}
    for i in range(1150):  # > 1,000 under one prefix: several pages, cut into ranges
        objects[f"raw/espn_play_by_play/4015{84000 + i * 3}.json"] = b"x" * (i % 5)
    for i in range(260):
        objects[f"raw/espn_play_by_play/2812{i:05d}.json"] = b"legacy"  # another id scheme
    for i in range(120):
        objects[f"raw/espn_schedules/2023{i:04d}.json"] = b"{}"
    for i in range(60):
        objects[f"raw/nba_api_comprehensive/boxscores_advanced/advanced_00223{i:05d}.json"] = b"{}"
    objects.update(
        {
            "raw/odd/a b+c%d&e<f>.json": b"1",  # XML entities and URL encoding
            "raw/odd/é/ü €.json": b"22",
            "raw/odd/zz~!'()*.json": b"333",
            "raw/top.json": b"top",
            "raw/backups/2024/db.dump": b"x",
            "raw/inventory-reports/m.json": b"x",
            "other/not-in-the-lake.json": b"x",
        }
    )
    return objects


@pytest.fixture(scope="module")
def fast_bucket(s3_server):
    objects = lake_objects()
    s3_server.make_bucket(BUCKET, objects)
    return {k[len("raw/") :]: v for k, v in objects.items() if k.startswith("raw/")}


def _listing(storage, prefix="", recursive=True) -> pa.Table:
    batches = list(storage.iter_objects(prefix, recursive=recursive))
    assert all(b.schema.equals(INVENTORY_SCHEMA) for b in batches)
    table = pa.Table.from_batches(batches, schema=INVENTORY_SCHEMA)
    return table.sort_by("key")


def _paginated(storage, prefix="", recursive=True) -> pa.Table:
    batches = list(storage.iter_objects_paginated(prefix, recursive=recursive))
    return pa.Table.from_batches(batches, schema=INVENTORY_SCHEMA).sort_by("key")


def _paginated(storage, prefix="", recursive=True) -> pa.Table:
    batches = list(storage.iter_objects_paginated(prefix, recursive=recursive))
    return pa.Table.from_batches(batches, schema=INVENTORY_SCHEMA).sort_by("key")


PREFIXES = [
    "",
    "espn_play_by_play/",
    "espn_play_by_play/4015",
    "espn_play_by_play/2",
    "espn_play_by_play/28120",
    "odd/",
    "odd/a b",
    "odd/é",
    "espn_sch",
    "t",
    "nope/",
    "zzzz",
]


@pytest.mark.parametrize("chunk", [1000, 37])
def test_listing_equals_the_paginator(s3_readonly_env, fast_bucket, monkeypatch, chunk):
    monkeypatch.setattr(s3_store, "LIST_CHUNK", chunk)
    fast = open_storage(f"s3://{BUCKET}/raw")
    slow = open_storage(
        f"s3://{BUCKET}/raw",
    )
    slow.listing = "paginator"
    assert fast.listing == "obstore"
    for prefix in PREFIXES:
        a, b = _listing(fast, prefix), _paginated(slow, prefix)
        assert a.column("key").to_pylist() == b.column("key").to_pylist(), prefix
        assert a.equals(b), prefix
        assert a.num_rows == sum(k.startswith(prefix) for k in fast_bucket)
        top_a, top_b = _listing(fast, prefix, recursive=False), _paginated(slow, prefix, recursive=False)
        assert top_a.equals(top_b), prefix
        assert fast.list_prefixes(prefix) == slow.list_prefixes(prefix), prefix
    assert _listing(fast, "", recursive=False).column("key").to_pylist() == ["top.json"]
    assert "odd/" in fast.list_prefixes("")


def test_no_key_is_listed_twice(s3_readonly_env, fast_bucket):
    storage = open_storage(f"s3://{BUCKET}/raw")
    for prefix in ["", "espn_play_by_play/", "espn_play_by_play/4015"]:
        keys = [k for b in storage.iter_objects(prefix) for k in b.column("key").to_pylist()]
        assert len(keys) == len(set(keys)) == sum(k.startswith(prefix) for k in fast_bucket), prefix


def test_scan_with_exclusions_is_identical(s3_readonly_env, fast_bucket, monkeypatch):
    exclude = ["backups/", "inventory-reports/", "espn_play_by_play/2812000"]
    fast = scan(open_storage(f"s3://{BUCKET}/raw"), exclude=exclude, workers=4)
    monkeypatch.setenv("NBA_RECON_S3_LISTING", "paginator")
    slow = scan(open_storage(f"s3://{BUCKET}/raw"), exclude=exclude, workers=4)
    assert open_storage(f"s3://{BUCKET}/raw").listing == "paginator"
    assert fast.equals(slow)
    want = sorted(k for k in fast_bucket if not k.startswith(tuple(exclude)))
    assert fast["key"].tolist() == want
    assert "odd/a b+c%d&e<f>.json" in want and "odd/é/ü €.json" in want


def test_listing_and_reading_use_boto3s_credential_chain(
    s3_server, s3_readonly_env, fast_bucket, monkeypatch, tmp_path
):
    """A profile of a shared credentials file (no key in the environment) lists and reads."""
    creds = tmp_path / "credentials"
    creds.write_text(f"[reader]\naws_access_key_id = {READONLY_KEY}\naws_secret_access_key = {READONLY_SECRET}\n")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(creds))
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    storage = open_storage(f"s3://{BUCKET}/raw", profile="reader")
    assert len(_listing(storage, "espn_schedules/")) == 120
    assert storage.read("odd/zz~!'()*.json") == b"333"
    assert storage.read("odd/é/ü €.json", 1) == b"2"


def test_unknown_listing_is_bad_input(s3_readonly_env):
    from nba_simulator.errors import BadInput

    with pytest.raises(BadInput, match="listing must be one of obstore, paginator"):
        open_storage(f"s3://{BUCKET}/raw").__class__(f"s3://{BUCKET}", listing="lean")
    assert open_storage(f"s3://{BUCKET}").__class__(f"s3://{BUCKET}", listing="fast").listing == "obstore"
