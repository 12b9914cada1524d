"""Content probing on a local folder: verdicts per format, ranged reads, cache, budget, sample."""

import os

import pandas as pd
import pytest

from nba_simulator.content import ContentCache, ProbeOptions, apply_content, check_object, probe
from nba_simulator.content.check import CSV_HEAD, PARQUET_TAIL, count_csv_rows
from nba_simulator.content.counts import wilson
from nba_simulator.errors import AccessDenied, ParameterError
from nba_simulator.spec.model import ContentRule

from .conftest import targets_of
from .lake import EXPECTED, OBJECTS, PAGE_SIZE, PBP_HEADER, pbp_csv, spec


def verdicts(result):
    return dict(zip(result.table["key"], result.table["verdict"]))


def test_each_format_judged_as_planted(local_lake, tmp_path):
    r = probe(local_lake, spec(), targets_of(local_lake), ProbeOptions(cache=tmp_path / "cache.sqlite"))
    assert verdicts(r) == EXPECTED
    t = r.table.set_index("key")
    # present by name and size, empty in substance: the empty pages are as big as the full ones
    empty_page = t.loc["espn_play_by_play/400460000.json"]
    assert empty_page["size"] >= PAGE_SIZE * 0.9 and empty_page["n_items"] == 0
    assert "holds 0 items" in empty_page["detail"]
    assert t.loc["espn_play_by_play/400460001.json", "n_items"] == 400
    assert "no page.content.gamepackage.pbp.playGrps" in t.loc["espn_play_by_play/400469998.json", "detail"]
    cancelled = t.loc["nba_pbp/2013/0021201214.csv"]
    assert cancelled["size"] == 154 and cancelled["detail"] == "0 data rows (header only)"
    assert "lacks column GAME_ID, EVENTNUM" in t.loc["nba_pbp/2013/0021201216.csv", "detail"]
    assert t.loc["hoopr_parquet/play_by_play/nba_data_2013.parquet", "n_items"] == 5000
    assert "lacks column sequence_number" in t.loc["hoopr_parquet/play_by_play/nba_data_2011.parquet", "detail"]
    assert r.info["read"] == len(OBJECTS) and r.info["cached"] == 0 and not r.estimate
    assert r.info["objects_per_s"] > 0 and r.info["bytes_read"] == local_lake.bytes


def test_ranged_reads_where_the_format_allows(local_lake):
    r = probe(local_lake, spec(), targets_of(local_lake))
    t = r.table.set_index("key")
    for key, start, end in local_lake.ranges:
        size = len(OBJECTS[key])
        if key.endswith(".json"):
            assert (start, end) == (None, None)  # JSON: the whole object
        elif key.endswith(".csv"):
            assert start == 0 and end == min(size, CSV_HEAD)  # CSV: the head only
    big = "hoopr_parquet/play_by_play/nba_data_2013.parquet"
    assert t.loc[big, "bytes_read"] == PARQUET_TAIL < len(OBJECTS[big]) / 1.5  # footer only
    wide = "hoopr_parquet/play_by_play/nba_data_2009.parquet"  # footer > one tail: one more read
    assert [(s, e) for k, s, e in local_lake.ranges if k == wide][1][1] == len(OBJECTS[wide]) - PARQUET_TAIL
    assert t.loc[wide, "bytes_read"] < len(OBJECTS[wide]) / 4


def test_csv_reads_on_only_until_min_rows(tmp_path):
    from nba_simulator.storage.local import LocalStorage

    from .conftest import CountingStorage

    (tmp_path / "big.csv").write_bytes(pbp_csv("0021200001", 5000))  # ~500 KB
    store = CountingStorage(LocalStorage(tmp_path))
    size = (tmp_path / "big.csv").stat().st_size
    one = check_object(store, "big.csv", size, ContentRule("csv", min_rows=1))
    assert one.verdict == "ok" and one.bytes_read == CSV_HEAD and not one.exact
    many = check_object(store, "big.csv", size, ContentRule("csv", min_rows=4000))
    assert many.verdict == "ok" and many.n_items >= 4000 and CSV_HEAD < many.bytes_read <= size
    too_many = check_object(store, "big.csv", size, ContentRule("csv", min_rows=6000))
    assert too_many.verdict == "empty" and too_many.n_items == 5000 and too_many.bytes_read == size


def test_csv_row_counting_edge_cases():
    assert count_csv_rows(PBP_HEADER, True, True)[:2] == (0, PBP_HEADER.decode().strip().split(","))
    assert count_csv_rows(b"a,b\n1,2\n3,4", True, True)[0] == 2  # no final newline
    assert count_csv_rows(b"a,b\n1,2\n3,4", False, True)[0] == 1  # partial last line dropped
    assert count_csv_rows(b'a,b\n"x\ny",2\n\n\n', True, True)[0] == 1  # quoted newline, blank lines
    assert count_csv_rows(b"\xef\xbb\xbfa,b\n1,2\n", True, True)[1] == ["a", "b"]  # BOM
    assert count_csv_rows(b"1,2\n3,4\n", True, False)[0] == 2  # no header row


def test_cache_means_an_unchanged_object_is_never_read_twice(local_lake, tmp_path):
    cache = tmp_path / "runs" / "content_cache.sqlite"
    targets = targets_of(local_lake)
    first = probe(local_lake, spec(), targets, ProbeOptions(cache=cache), as_of="2019-03-15")
    reads = local_lake.reads
    assert reads >= len(OBJECTS)
    second = probe(local_lake, spec(), targets, ProbeOptions(cache=cache))
    assert local_lake.reads == reads  # not one read
    assert second.info["read"] == 0 and second.info["cached"] == len(OBJECTS)
    cols = ["key", "verdict", "n_items", "detail"]
    pd.testing.assert_frame_equal(first.table[cols], second.table[cols])
    # rewrite one object: its fingerprint (size, mtime) changes, only it is read again
    key = "nba_pbp/2013/0021201214.csv"
    path = local_lake.inner.root / key
    path.write_bytes(pbp_csv("0021201214", 3))
    os.utime(path, ns=(path.stat().st_mtime_ns + 10**9,) * 2)
    third = probe(local_lake, spec(), targets_of(local_lake), ProbeOptions(cache=cache))
    assert local_lake.reads == reads + 1 and third.info["read"] == 1
    assert verdicts(third)[key] == "ok"
    # a changed rule probes its dataset again, not the others
    changed = spec().__class__(**{**spec().__dict__})
    from dataclasses import replace

    datasets = tuple(
        replace(d, content=replace(d.content, min_rows=2)) if d.name == "nba_pbp" else d for d in changed.datasets
    )
    probe(local_lake, replace(changed, datasets=datasets), targets_of(local_lake), ProbeOptions(cache=cache))
    n_csv = sum(k.endswith(".csv") and len(v) > 0 for k, v in OBJECTS.items())  # 0 bytes: no read
    assert local_lake.reads == reads + 1 + n_csv


def test_read_errors_are_reported_not_cached(local_lake, tmp_path):
    targets = targets_of(local_lake)
    gone = "espn_play_by_play/400460001.json"
    os.remove(local_lake.inner.root / gone)
    r = probe(local_lake, spec(), targets, ProbeOptions(cache=tmp_path / "c.sqlite"))
    t = r.table.set_index("key")
    assert t.loc[gone, "verdict"] == "error" and "not found" in t.loc[gone, "detail"]
    assert r.estimate and any("could not be read" in w for w in r.warnings)
    with ContentCache(tmp_path / "c.sqlite") as c:
        assert len(c) == len(OBJECTS) - 1


def test_access_denied_stops_the_probe(local_lake):
    class Denied(type(local_lake)):
        def read(self, key, start=None, end=None):
            raise AccessDenied("access denied (AccessDenied) reading s3://lake")

    with pytest.raises(AccessDenied):
        probe(Denied(local_lake.inner), spec(), targets_of(local_lake))


def test_budget_leaves_objects_unprobed_and_labels_estimates(local_lake, tmp_path):
    targets = targets_of(local_lake)
    cache = tmp_path / "c.sqlite"
    r = probe(local_lake, spec(), targets, ProbeOptions(max_objects=5, cache=cache))
    v = r.table["verdict"]
    assert (r.table["source"] == "read").sum() == 5 and local_lake.reads <= 6
    assert (v == "unprobed").sum() == len(OBJECTS) - 5 and r.estimate
    assert set(r.table.loc[v == "unprobed", "detail"]) == {"over the budget of 5 objects"}
    ds = r.datasets.set_index("dataset")
    assert ds["unprobed"].sum() == len(OBJECTS) - 5 and ds["estimate"].all()
    assert r.summary()["estimate"] is True
    # the next run with the same budget reads the NEXT five (the first five are cached)
    again = probe(local_lake, spec(), targets, ProbeOptions(max_objects=5, cache=cache))
    assert again.info["cached"] == 5 and again.info["read"] == 5
    assert set(again.table.loc[again.table["source"] == "read", "key"]).isdisjoint(
        r.table.loc[r.table["source"] == "read", "key"]
    )
    # bytes: JSON pages cost their size, so a 150 KB budget reads only a few
    local_lake.reads = 0
    b = probe(local_lake, spec(), targets, ProbeOptions(max_bytes=150_000))
    assert 0 < b.info["read"] < len(OBJECTS) and b.info["bytes_read"] <= 150_000
    assert (b.table["verdict"] == "unprobed").sum() == len(OBJECTS) - b.info["read"]
    assert probe(local_lake, spec(), targets, ProbeOptions(max_objects=0)).info["read"] == 0


def test_sample_is_deterministic_and_estimates_with_an_interval(local_lake):
    targets = targets_of(local_lake)
    a = probe(local_lake, spec(), targets, ProbeOptions(sample=0.4))
    b = probe(local_lake, spec(), targets.sample(frac=1, random_state=3), ProbeOptions(sample=0.4))
    assert verdicts(a) == verdicts(b)
    judged = a.table[a.table["verdict"] != "unprobed"]
    assert 0 < len(judged) < len(OBJECTS) and set(judged["dataset"]) == {"espn_pbp", "nba_pbp", "hoopr"}
    assert set(a.table.loc[a.table["verdict"] == "unprobed", "detail"]) == {"not in the sample"}
    for row in a.datasets.itertuples():
        if row.unprobed and row.judged:
            assert row.estimate and row.estimated_low <= row.estimated_empty <= row.estimated_high
    lo, hi = wilson(3, 10)
    assert 0.10 < lo < 0.3 < hi < 0.61
    with pytest.raises(ParameterError):
        probe(local_lake, spec(), targets, ProbeOptions(sample=1.5))


def test_bounded_concurrency(tmp_path):
    from nba_simulator.storage.local import LocalStorage

    from .conftest import CountingStorage, write_lake

    store = CountingStorage(LocalStorage(write_lake(tmp_path / "lake")), delay=0.02)
    probe(store, spec(), targets_of(store), ProbeOptions(workers=3))
    assert 2 <= store.max_active <= 3


def test_corrupt_cache_is_set_aside(local_lake, tmp_path):
    """A cache of ours (the marker in its header) damaged: set aside beside an earlier .corrupt
    (never over it) and a new one started; a file that is not SQLite is refused and untouched."""
    from nba_simulator.sqlite_files import StoreUnusable, ours

    cache = tmp_path / "c.sqlite"
    probe(local_lake, spec(), targets_of(local_lake), ProbeOptions(cache=cache))
    assert ours(cache)
    data = cache.read_bytes()
    cache.write_bytes(data[:100] + b"this is not a page, just junk" * 300)
    (tmp_path / "c.sqlite.corrupt").write_text("an earlier one")
    r = probe(local_lake, spec(), targets_of(local_lake), ProbeOptions(cache=cache))
    assert verdicts(r) == EXPECTED
    assert any("unreadable" in w and "c.sqlite.corrupt.1" in w for w in r.warnings), r.warnings
    assert (tmp_path / "c.sqlite.corrupt").read_text() == "an earlier one"
    assert (tmp_path / "c.sqlite.corrupt.1").read_bytes().startswith(data[:100])
    junk = tmp_path / "notes.txt"
    junk.write_bytes(b"this is not a database, just junk" * 100)
    with pytest.raises(StoreUnusable, match="notes.txt is not an SQLite database; it is left as it is"):
        probe(local_lake, spec(), targets_of(local_lake), ProbeOptions(cache=junk))
    assert junk.read_bytes() == b"this is not a database, just junk" * 100
    assert not (tmp_path / "notes.txt.corrupt").exists()


def test_path_never_found_warns_about_the_rule(local_lake):
    from dataclasses import replace

    s = spec()
    wrong = tuple(
        replace(d, content=replace(d.content, non_empty=("gamepackageJSON.plays",))) if d.name == "espn_pbp" else d
        for d in s.datasets
    )
    r = probe(local_lake, replace(s, datasets=wrong), targets_of(local_lake))
    assert any("gamepackageJSON.plays was found in none" in w and "line 9" in w for w in r.warnings)


def test_apply_content_sets_empty_with_precedence():
    cov = pd.DataFrame(
        {
            "key": ["a", "b", "c", "d", None, "f"],
            "status": ["present", "premature", "stale", "undersized", "missing", "present"],
        }
    )
    table = pd.DataFrame({"key": ["a", "b", "c", "d", "f"], "verdict": ["empty", "invalid", "ok", "empty", "unprobed"]})
    out = apply_content(cov, table)
    assert out["status"].tolist() == ["empty", "invalid", "stale", "undersized", "missing", "present"]
    assert out["content"].tolist() == ["empty", "invalid", "ok", None, None, "unprobed"]
