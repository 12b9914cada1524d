"""Content probing on the real S3 server (SeaweedFS, read-only identity): the same verdicts as on
the local folder, ranged GETs for CSV and Parquet, and the ETag cache proven by counting GETs."""

import pytest

from nba_simulator.content import ProbeOptions, probe
from nba_simulator.content.check import CSV_HEAD
from nba_simulator.storage.s3 import S3Storage

from .conftest import targets_of
from .lake import EXPECTED, OBJECTS, spec

pytestmark = pytest.mark.s3


@pytest.fixture(scope="module")
def bucket(s3_server):
    return s3_server.make_bucket("content-probe", OBJECTS)


class GetCounter:
    """Counts the storage's reads, i.e. its GetObject requests (one each, sent by obstore), and
    records the Range header each one sends."""

    def __init__(self, storage: S3Storage):
        self.calls, self.ranges = 0, []
        self.read = storage.read
        storage.read = self  # the instance's read goes through here

    def __call__(self, key, start=None, end=None):
        self.calls += 1
        rng = None
        if start or end is not None:
            rng = f"bytes={start or 0}-{'' if end is None else end - 1}"
        self.ranges.append((key, rng))
        return self.read(key, start, end)


def test_s3_verdicts_ranges_and_etag_cache(bucket, s3_readonly_env, tmp_path):
    storage = S3Storage(f"s3://{bucket}")
    gets = GetCounter(storage)
    targets = targets_of(storage)
    assert targets["etag"].notna().all()  # S3 ETags: the cache key
    cache = tmp_path / "content_cache.sqlite"
    first = probe(storage, spec(), targets, ProbeOptions(cache=cache, workers=8))
    assert dict(zip(first.table["key"], first.table["verdict"])) == EXPECTED
    assert gets.calls >= len(OBJECTS) - 1  # one per object (+1 for the wide footer), 0-byte CSV none
    for key, rng in gets.ranges:
        if key.endswith(".json"):
            assert rng is None
        else:
            assert rng and rng.startswith("bytes=")
            size = len(OBJECTS[key])
            if key.endswith(".csv"):
                assert rng == f"bytes=0-{min(size, CSV_HEAD) - 1}"
    first_gets = gets.calls
    # second run: every object is unchanged, so not one GetObject
    second = probe(storage, spec(), targets, ProbeOptions(cache=cache, workers=8))
    assert gets.calls == first_gets
    assert second.info["read"] == 0 and second.info["cached"] == len(OBJECTS)
    assert list(second.table["verdict"]) == list(first.table["verdict"])


def test_s3_overwritten_object_is_read_again(s3_server, s3_readonly_env, tmp_path):
    name = "content-probe-rewrite"
    s3_server.make_bucket(name, OBJECTS)
    storage = S3Storage(f"s3://{name}")
    gets = GetCounter(storage)
    cache = tmp_path / "c.sqlite"
    probe(storage, spec(), targets_of(storage), ProbeOptions(cache=cache))
    before = gets.calls
    key = "espn_play_by_play/400460000.json"  # was empty: the scraper collected it again
    s3_server.put_objects(name, {key: OBJECTS["espn_play_by_play/400460001.json"]})
    again = probe(storage, spec(), targets_of(storage), ProbeOptions(cache=cache))
    assert gets.calls == before + 1 and again.info["read"] == 1
    assert dict(zip(again.table["key"], again.table["verdict"]))[key] == "ok"


def test_s3_budget_and_sample(bucket, s3_readonly_env, tmp_path):
    storage = S3Storage(f"s3://{bucket}")
    gets = GetCounter(storage)
    r = probe(storage, spec(), targets_of(storage), ProbeOptions(max_objects=4))
    assert r.info["read"] == 4 and (r.table["verdict"] == "unprobed").sum() == len(OBJECTS) - 4
    assert gets.calls <= 5 and r.estimate
    s = probe(storage, spec(), targets_of(storage), ProbeOptions(sample=0.3))
    local_like = {k: v for k, v in zip(s.table["key"], s.table["verdict"]) if v != "unprobed"}
    assert local_like and all(EXPECTED[k] == v for k, v in local_like.items())
