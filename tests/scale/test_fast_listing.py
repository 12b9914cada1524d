"""The lean parallel S3 listing gives exactly what boto3's paginator gives, on the real S3 server.

No timing here: speed is measured by ``make bench``.
"""
from __future__ import annotations

import pyarrow as pa
import pytest

import nba_simulator.storage.s3_fast as s3_fast
from nba_simulator.storage import INVENTORY_SCHEMA, open_storage
from nba_simulator.storage.s3_fast import KeySpace, parse_page
from nba_simulator.storage.scan import scan

pytestmark = pytest.mark.s3

BUCKET = "fast-listing"


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
    objects.update({
        "raw/odd/a b+c%d&e<f>.json": b"1",       # XML entities and URL encoding
        "raw/odd/é/ü €.json": b"22",
        "raw/odd/zz~!'()*.json": b"333",
        "raw/top.json": b"top",
        "raw/backups/2024/db.dump": b"x",
        "raw/inventory-reports/m.json": b"x",
        "other/not-in-the-lake.json": b"x",
    })
    return objects


@pytest.fixture(scope="module")
def fast_bucket(s3_server):
    objects = lake_objects()
    s3_server.make_bucket(BUCKET, objects)
    return {k[len("raw/"):]: v for k, v in objects.items() if k.startswith("raw/")}


def _listing(storage, prefix="", recursive=True) -> pa.Table:
    batches = list(storage.iter_objects(prefix, recursive=recursive))
    assert all(b.schema.equals(INVENTORY_SCHEMA) for b in batches)
    table = pa.Table.from_batches(batches, schema=INVENTORY_SCHEMA)
    return table.sort_by("key")


def _paginated(storage, prefix="", recursive=True) -> pa.Table:
    batches = list(storage.iter_objects_paginated(prefix, recursive=recursive))
    return pa.Table.from_batches(batches, schema=INVENTORY_SCHEMA).sort_by("key")


@pytest.mark.parametrize("page_keys,sequential,streams", [(1000, 3, 8), (100, 1, 8), (37, 1, 3)])
def test_fast_listing_equals_the_paginator(s3_readonly_env, fast_bucket, monkeypatch, page_keys,
                                           sequential, streams):
    # small pages force many ranges, probes and hand-overs on a small bucket
    monkeypatch.setattr(s3_fast, "PAGE_KEYS", page_keys)
    monkeypatch.setattr(s3_fast, "SEQUENTIAL_PAGES", sequential)
    monkeypatch.setattr(s3_fast, "DEFAULT_STREAMS", streams)
    fast = open_storage(f"s3://{BUCKET}/raw")
    slow = open_storage(f"s3://{BUCKET}/raw", )
    slow.listing = "paginator"
    assert fast.listing == "fast"
    for prefix in ["", "espn_play_by_play/", "espn_play_by_play/4015", "espn_play_by_play/2", "odd/",
                   "espn_sch", "nope/"]:
        a, b = _listing(fast, prefix), _paginated(slow, prefix)
        assert a.column("key").to_pylist() == b.column("key").to_pylist(), prefix
        assert a.equals(b), prefix
        assert a.num_rows == sum(k.startswith(prefix) for k in fast_bucket)
    top = _listing(fast, "", recursive=False)
    assert top.column("key").to_pylist() == ["top.json"]
    for prefix in ["", "odd/", "nba_api_comprehensive/", "nope/"]:
        assert fast.list_prefixes(prefix) == slow.list_prefixes(prefix)
    assert "odd/" in fast.list_prefixes("")


def test_scan_with_exclusions_is_identical(s3_readonly_env, fast_bucket, monkeypatch):
    monkeypatch.setattr(s3_fast, "PAGE_KEYS", 50)
    monkeypatch.setattr(s3_fast, "SEQUENTIAL_PAGES", 1)
    exclude = ["backups/", "inventory-reports/", "espn_play_by_play/2812000"]
    fast = scan(open_storage(f"s3://{BUCKET}/raw"), exclude=exclude, workers=4)
    monkeypatch.setenv("NBA_RECON_S3_LISTING", "paginator")
    slow = scan(open_storage(f"s3://{BUCKET}/raw"), exclude=exclude, workers=4)
    assert open_storage(f"s3://{BUCKET}/raw").listing == "paginator"
    assert fast.equals(slow)
    want = sorted(k for k in fast_bucket if not k.startswith(tuple(exclude)))
    assert fast["key"].tolist() == want
    assert "odd/a b+c%d&e<f>.json" in want and "odd/é/ü €.json" in want


def test_requests_are_signed_and_seen_by_before_send_hooks(s3_readonly_env, fast_bucket):
    storage = open_storage(f"s3://{BUCKET}/raw")
    seen = []
    storage.client.meta.events.register("before-send.s3", lambda request, **kw: seen.append(request))
    list(storage.iter_objects("espn_schedules/"))
    assert len(seen) == 1
    auth = seen[0].headers["Authorization"]
    assert (auth.decode() if isinstance(auth, bytes) else auth).startswith("AWS4-HMAC-SHA256 Credential=")
    assert "list-type=2" in seen[0].url


def test_parser_handles_entities_encoding_and_odd_layouts():
    body = (b'<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
            b"<Name>b</Name><Prefix>p/</Prefix><KeyCount>2</KeyCount><MaxKeys>1000</MaxKeys>"
            b"<EncodingType>url</EncodingType><IsTruncated>true</IsTruncated>"
            b"<NextContinuationToken>tok&amp;1</NextContinuationToken>"
            b"<Contents><Key>p/a+b%26c.json</Key><LastModified>2009-10-12T17:50:30.000Z</LastModified>"
            b"<ETag>&quot;abc&quot;</ETag><Size>434234</Size><StorageClass>STANDARD</StorageClass></Contents>"
            b"<Contents><Key>p/%C3%A9.json</Key><LastModified>2009-10-12T17:50:31Z</LastModified>"
            b"<ETag>&#34;def&#34;</ETag><Size>0</Size></Contents>"
            b"<CommonPrefixes><Prefix>p/x%2By/</Prefix></CommonPrefixes></ListBucketResult>")
    page = parse_page(body)
    assert page.keys.to_pylist() == ["p/a b&c.json", "p/é.json"]
    assert page.sizes.to_pylist() == [434234, 0]
    assert page.etags.to_pylist() == ["abc", "def"]
    assert page.truncated and page.token == "tok&1"
    assert page.prefixes == ["p/x+y/"]
    assert str(page.mtimes[1]) .startswith("2009-10-12 17:50:31")
    # an entry without ETag: the tolerant parser takes over
    tolerant = parse_page(body.replace(b"<ETag>&#34;def&#34;</ETag>", b""))
    assert tolerant.keys.to_pylist() == page.keys.to_pylist() and tolerant.etags.to_pylist() == ["abc", None]
    # an entry without Size is not a ListObjectsV2 response: a botocore parser error (StorageError)
    from botocore.parsers import ResponseParserError

    from nba_simulator.errors import StorageError
    from nba_simulator.storage.s3 import map_error

    with pytest.raises(ResponseParserError) as err:
        parse_page(body.replace(b"<Size>0</Size>", b""))
    assert isinstance(map_error(err.value, "s3://b", "listing"), StorageError)


def test_key_space_cut_points_are_ordered_and_strictly_inside():
    space = KeySpace("0123456789.json")
    lo, hi = "p/401584000.json", "p/401590000.json"
    cuts = space.between(lo, hi, 8)
    assert cuts and all(lo < c < hi for c in cuts) and cuts == sorted(set(cuts))
    assert space.between("p/a", "p/a", 4) == []
    assert all("p/40" < c for c in space.between("p/40", space.top("p/"), 16))
