"""Parallel key ranges of one prefix (storage/s3_ranges.py): exactly the keys of a plain listing.

Against the real S3 server (SeaweedFS): several bucket shapes, cut points that are keys themselves,
empty ranges in the middle and at the end, odd and non-ASCII keys, prefixes of a single page.
Small batches (``LIST_CHUNK``) and small units (``TARGET_KEYS``) make a few thousand keys cut into
many ranges. No timing here: speed is ``make bench-listing``.
"""

from __future__ import annotations

import random
from collections import Counter

import pytest

import nba_simulator.storage.s3_ranges as s3_ranges
import nba_simulator.storage.s3_store as s3_store
from nba_simulator.storage import open_storage
from nba_simulator.storage.keysplit import split_points
from nba_simulator.storage.s3_governor import Governor

BUCKET = "ranges"


def _objects() -> dict[str, bytes]:
    keys = [f"big/{22300000 + i:010d}.json" for i in range(900)]  # consecutive ids
    keys += [
        f"dated/2015-{m:02d}-{d:02d}/game_{k}.json" for m in (10, 11, 12) for d in range(1, 29) for k in range(6)
    ]  # months 13-19 and 2-9 never exist: empty ranges in the middle
    rng = random.Random(5)
    keys += [f"spread/{i}.json" for i in sorted(rng.sample(range(1, 401_999_999), 500))]
    # keys equal to cut points the splitter makes (last[:p] + next character), and next to them
    keys += [
        "edge/0",
        "edge/00",
        "edge/001",
        "edge/002",
        "edge/01",
        "edge/1",
        "edge/2",
        "edge/20",
        "edge/9",
        "edge/a",
        "edge/b",
        "edge/z",
        "edge/Z",
    ]
    keys += [f"edge/0{i:03d}" for i in range(200)]
    keys += [
        "odd/é/ü €.json",
        "odd/a b+c%d&e<f>.json",
        "odd/zz~!'()*.json",
        "odd/日本/1.json",
        "odd/1#2",
        "odd/1~2",
        "odd/1%2",
    ] + [f"odd/{i:03d}é" for i in range(80)]
    keys += ["one/a.json", "one/b.json", "top.json"]  # a prefix of a single (short) page
    return {k: b"" for k in keys}


@pytest.fixture(scope="module")
def ranges_bucket(s3_server):
    objects = _objects()
    s3_server.make_bucket(BUCKET, objects)
    return sorted(objects)


@pytest.fixture
def small(monkeypatch):
    """Batches of 37 keys and units of 60: a few hundred keys are cut into many ranges."""
    monkeypatch.setattr(s3_store, "LIST_CHUNK", 37)
    monkeypatch.setattr(s3_ranges, "TARGET_KEYS", 60)
    monkeypatch.setattr(s3_ranges, "MIN_KEYS", 40)
    cuts: list[list[str]] = []
    real_cut = s3_ranges.Ranges.cut

    def cut(self, r, points):
        cuts.append(list(points))
        return real_cut(self, r, points)

    monkeypatch.setattr(s3_ranges.Ranges, "cut", cut)
    return cuts


def _keys(storage, prefix: str) -> list[str]:
    return [k for b in storage.iter_objects(prefix) for k in b.column("key").to_pylist()]


PREFIXES = [
    "",
    "big/",
    "big/00223004",
    "dated/",
    "dated/2015-1",
    "spread/",
    "spread/3",
    "edge/",
    "edge/0",
    "odd/",
    "odd/0",
    "one/",
    "t",
    "nope/",
    "zzz",
]


@pytest.mark.parametrize("streams", [1, 3, 6])
def test_ranges_list_exactly_the_keys_of_a_plain_listing(s3_readonly_env, ranges_bucket, small, streams, monkeypatch):
    monkeypatch.setenv("NBA_RECON_S3_RANGE_STREAMS", str(streams))
    ranged = open_storage(f"s3://{BUCKET}")
    plain = open_storage(f"s3://{BUCKET}")
    plain.listing = "paginator"
    assert ranged.range_streams == streams
    for prefix in PREFIXES:
        got = _keys(ranged, prefix)
        dup = [k for k, n in Counter(got).items() if n > 1]
        assert not dup, (prefix, dup[:5])
        want = sorted(_keys(plain, prefix))
        assert sorted(got) == want == [k for k in ranges_bucket if k.startswith(prefix)], prefix
    assert len([c for c in small if c]) > 3  # the listings were really cut


@pytest.mark.parametrize(
    "points",
    [
        ["big/0022300100.json", "big/0022300101.json", "big/0022300500.json"],  # cut points that are keys
        ["big/0022300100", "big/0022300100.json", "big/00223001000"],  # a key between two cut points
        ["big/00224", "big/003", "big/1"],  # empty ranges at the end
        [
            "big/0022300200.json",
            "big/0022300200.jsonz",
            "big/0022300200.k",
            "big/0022300201.json",
        ],  # empty ones in the middle
    ],
)
def test_forced_cut_points_at_and_around_keys(s3_readonly_env, ranges_bucket, monkeypatch, points):
    """Whatever the cut points (keys themselves, empty ranges), every key once."""
    monkeypatch.setattr(s3_store, "LIST_CHUNK", 50)
    calls = []

    def forced(first, last, hi, floor, rows, target=0, limit=0, **_):
        if calls:
            return []
        calls.append(last)
        return [p for p in points if p > last and (hi is None or p < hi)]

    monkeypatch.setattr(s3_ranges, "split_points", forced)
    storage = open_storage(f"s3://{BUCKET}")
    got = _keys(storage, "big/")
    assert len(got) == len(set(got)) == 900
    assert sorted(got) == [k for k in ranges_bucket if k.startswith("big/")]
    assert calls == ["big/0022300099.json"]  # cut after two batches of 50


def test_a_prefix_of_one_page_is_never_cut(s3_readonly_env, ranges_bucket, small):
    storage = open_storage(f"s3://{BUCKET}")
    assert sorted(_keys(storage, "one/")) == ["one/a.json", "one/b.json"]
    assert _keys(storage, "nope/") == []
    assert small == []


def test_scan_of_the_bucket_is_each_key_once(s3_readonly_env, ranges_bucket, small):
    from nba_simulator.storage.scan import scan

    inv = scan(open_storage(f"s3://{BUCKET}"), workers=4)
    assert inv["key"].tolist() == ranges_bucket


# -- the cut points alone (no server) ----------------------------------------------------------
def test_cut_points_are_sorted_inside_the_range_and_keep_the_prefix():
    rng = random.Random(3)
    for _ in range(300):
        prefix = rng.choice(["", "p/", "espn_play_by_play/", "a/2015-"])  # keys prefixes of others too
        keys = sorted(
            {
                prefix + "".join(rng.choice("0123456789abcxyzAZ-_./é") for _ in range(rng.randint(1, 9)))
                for _ in range(rng.randint(2, 60))
            }
        )
        lo = rng.randrange(len(keys) - 1)
        first, last = keys[lo], keys[rng.randrange(lo + 1, len(keys))]
        hi = rng.choice([None, last + "5", prefix + "z", prefix + "Zz"])
        if hi is not None and hi <= last:
            hi = None
        points = split_points(first, last, hi, len(prefix), 1000, target=10, limit=50)
        assert points == sorted(set(points))
        assert all(p > last and (hi is None or p < hi) and p.startswith(prefix) for p in points)


def test_cut_points_follow_the_keys():
    # consecutive ids: blocks of ids (10,000 keys each) after the page's own block
    points = split_points("b/0022300000.json", "b/0022300999.json", None, 2, 1000)
    assert points[:3] == ["b/002231", "b/002232", "b/002233"] and len(points) == 12
    # inside a bounded range: nothing at or past the bound
    assert split_points("b/0022300000.json", "b/0022300999.json", "b/002233", 2, 1000) == ["b/002231", "b/002232"]
    # a page that says the units are small: no cut
    assert split_points("b/0022300000.json", "b/0022300999.json", None, 2, 1000, target=10**12) == []
    # one key, or a first key before the prefix (the offset below it): no cut
    assert split_points("b/1", "b/1", None, 2, 1000) == []
    assert split_points("a~", "b/1", None, 2, 1000) == []
    # characters object_store would percent-encode are never inside a cut point
    assert all("%" not in p[2:] for p in split_points("b/0%000", "b/0%999", None, 2, 1000, target=1))


# -- how many streams: the governor (no server; its clock driven by the test) -----------------
class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def _drive(monkeypatch, seconds_per_page_at) -> Governor:
    """Pages of 1,000 keys; ``seconds_per_page_at(limit)``: the time between pages at a limit."""
    clock = Clock()
    monkeypatch.setattr(s3_ranges.time, "monotonic", clock)
    gov = Governor(6)
    for _ in range(2):  # the first range alone
        clock.now += seconds_per_page_at(1)
        gov.page(1000)
    gov.open()
    for _ in range(200):
        if gov.frozen:
            break
        gov.full()  # as many streams as allowed list keys
        clock.now += seconds_per_page_at(gov.limit)
        gov.page(1000)
    return gov


def test_governor_adds_streams_while_they_pay(monkeypatch):
    # a server far away: every stream adds a page per round trip
    gov = _drive(monkeypatch, lambda limit: 0.03 / limit)
    assert gov.limit == 6


def test_governor_falls_back_to_one_stream_when_they_do_not(monkeypatch):
    # a server short of CPU: more streams, the same pages per second
    gov = _drive(monkeypatch, lambda limit: 0.03)
    assert gov.limit == 1 and gov.frozen


def test_governor_with_one_stream_never_opens():
    gov = Governor(1)
    gov.page(1000)
    gov.open()
    assert gov.limit == 1


def test_scan_plan_of_a_whole_s3_lake(s3_readonly_env, ranges_bucket):
    from nba_simulator.storage.scan import plan

    storage = open_storage(f"s3://{BUCKET}")
    assert plan(storage, None, []) == [("", True)]  # one listing, cut into ranges
    tasks = plan(storage, None, ["odd/"])  # exclusions: one listing per top-level folder
    assert ("", False) in tasks and ("big/", True) in tasks and not any(p == "odd/" for p, _ in tasks)
    storage.listing = "paginator"
    assert plan(storage, None, []) != [("", True)]


def test_inner_positions_are_cut_at_the_characters_seen_there():
    """Dated folders: past the year (where the listing first varies), a month's tens digit has
    shown only 0 and 1, so a year is cut at -1x- and not at the empty months 2x..9x."""
    seen: dict[int, set[str]] = {}
    for key in ["d/2015-10-01/g", "d/2015-11-19/g", "d/2015-12-30/g", "d/2016-01-08/g"]:
        for pos, ch in enumerate(key):
            seen.setdefault(pos, set()).add(ch)
    first, last = "d/2017-01-01/g_0.json", "d/2017-02-19/g_9.json"
    assert split_points(first, last, "d/2018", 2, 3000, target=2000, seen=seen, inner=5) == ["d/2017-1"]
    assert split_points(first, last, "d/2018", 2, 3000, target=2000, limit=3) == ["d/2017-1", "d/2017-2", "d/2017-3"]
    # at or before where the listing first varies (the year), the whole class: years not seen yet
    assert split_points("d/2015-10-01/g", "d/2016-01-08/g", None, 2, 2000, target=4000, seen=seen, inner=5)[:2] == [
        "d/202",
        "d/203",
    ]


def test_obstore_errors_are_known_by_their_public_classes():
    """A key obstore cannot represent and a missing object: matched by obstore's exception
    classes (``obstore.exceptions``), not by class-name strings."""
    from obstore.exceptions import GenericError, InvalidPathError, NotFoundError

    assert s3_store.is_invalid_path(InvalidPathError("a/./b")) and not s3_store.is_invalid_path(ValueError("x"))
    assert s3_store.is_not_found(NotFoundError("k")) and s3_store.is_not_found(FileNotFoundError("k"))
    assert not s3_store.is_not_found(GenericError("k")) and not s3_store.is_invalid_path(GenericError("k"))


def test_the_governor_allows_two_streams_at_the_first_cut_and_one_when_told_one():
    one, six = Governor(1), Governor(6)
    for g in (one, six):
        g.page(1000)
        g.open()
    assert (one.limit, one.frozen) == (1, True) and (six.limit, six.frozen) == (2, False)
