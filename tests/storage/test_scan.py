"""scan(): planning, exclusions, overlap collapse, atomic Parquet, inventory validation."""

from __future__ import annotations

import threading

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from nba_simulator.errors import BadInput, TransientStorageError
from nba_simulator.storage import open_storage
from nba_simulator.storage.base import Storage
from nba_simulator.storage.scan import collapse_prefixes, plan, read_inventory, scan

EXCLUDE = ["inventory-reports/", "athena-results/"]


class Spy(Storage):
    """Records every listing call made to a real backend."""

    def __init__(self, inner: Storage, fail_after: int | None = None, repeat: bool = False):
        self.inner, self.uri = inner, inner.uri
        self.listed: list[tuple[str, bool]] = []
        self.prefix_calls: list[str] = []
        self.threads: set[str] = set()
        self.fail_after, self.repeat = fail_after, repeat
        self.lock = threading.Lock()
        self.batches = 0

    def list_prefixes(self, prefix=""):
        self.prefix_calls.append(prefix)
        return self.inner.list_prefixes(prefix)

    def iter_objects(self, prefix="", *, recursive=True):
        with self.lock:
            self.listed.append((prefix, recursive))
            self.threads.add(threading.current_thread().name)
        for batch in self.inner.iter_objects(prefix, recursive=recursive):
            with self.lock:
                self.batches += 1
                if self.fail_after is not None and self.batches > self.fail_after:
                    raise TransientStorageError("connection reset while listing (simulated)")
            yield batch
            if self.repeat:
                yield batch

    def read(self, key, start=None, end=None):
        return self.inner.read(key, start, end)

    def check(self):
        self.inner.check()


def _expected(lake_objects, exclude=EXCLUDE):
    return sorted(k for k in lake_objects if not k.startswith(tuple(exclude)))


def test_full_scan_lists_each_top_level_prefix_once(local_lake, lake_objects):
    spy = Spy(open_storage(str(local_lake)))
    inv = scan(spy, exclude=EXCLUDE, workers=4)
    assert inv["key"].tolist() == _expected(lake_objects)
    assert inv["key"].is_unique
    assert sorted(spy.listed) == sorted(
        [("", False)]
        + [
            (p, True)
            for p in [
                "basketball_reference/",
                "espn_play_by_play/",
                "espn_schedules/",
                "hoopr_parquet/",
                "misc/",
                "nba_api_comprehensive/",
                "nba_api_incremental/",
            ]
        ]
    )
    assert all(name.startswith("scan") for name in spy.threads)
    assert len(spy.threads) > 1  # parallel


def test_excluded_keys_are_never_listed_nor_counted(local_lake, lake_objects):
    spy = Spy(open_storage(str(local_lake)))
    exclude = EXCLUDE + ["nba_api_comprehensive/boxscores_traditional/", "espn_play_by_play/4015840"]
    inv = scan(spy, exclude=exclude)
    assert inv["key"].tolist() == _expected(lake_objects, exclude)
    listed = [p for p, _ in spy.listed]
    assert not any(p.startswith(tuple(exclude)) for p in listed)
    # the deeper exclusion made the scan descend into its folder instead of listing it whole
    assert ("nba_api_comprehensive/", False) in spy.listed
    assert ("nba_api_comprehensive/boxscores_advanced/", True) in spy.listed
    assert "inventory-reports/" not in spy.prefix_calls


def test_excluded_keys_under_given_prefixes(local_lake, lake_objects):
    inv = scan(open_storage(str(local_lake)), prefixes=[""], exclude=EXCLUDE)
    assert inv["key"].tolist() == _expected(lake_objects)
    inv = scan(open_storage(str(local_lake)), prefixes=["inventory-reports/2024"], exclude=EXCLUDE)
    assert inv.empty and list(inv.columns) == ["key", "size", "last_modified", "etag"]


def test_overlapping_prefixes_are_collapsed(local_lake, lake_objects):
    assert collapse_prefixes(["a/b", "a/", "a/", "ab", "ab/c", "b"]) == ["a/", "ab", "b"]
    assert collapse_prefixes(["x", ""]) == [""]
    spy = Spy(open_storage(str(local_lake)))
    prefixes = ["espn_play_by_play/", "espn_play_by_play/40158", "espn_play_by_play/", "espn_schedules/2023"]
    inv = scan(spy, prefixes=prefixes)
    assert sorted(spy.listed) == [("espn_play_by_play/", True), ("espn_schedules/2023", True)]
    assert inv["key"].tolist() == sorted(
        k for k in lake_objects if k.startswith(("espn_play_by_play/", "espn_schedules/"))
    )


def test_plan_without_listing_calls_for_given_prefixes(local_lake):
    spy = Spy(open_storage(str(local_lake)))
    assert plan(spy, ["espn_play_by_play/40158"], []) == [("espn_play_by_play/40158", True)]
    assert spy.prefix_calls == []


def test_duplicates_are_dropped_defensively(local_lake, tmp_path):
    spy = Spy(open_storage(str(local_lake)), repeat=True)
    out = tmp_path / "inv.parquet"
    inv = scan(spy, prefixes=["espn_schedules/"], out_path=out)
    assert inv["key"].tolist() == ["espn_schedules/20230410.json", "espn_schedules/20230411.json"]
    assert pq.read_table(out).num_rows == 2
    assert read_inventory(out)["key"].tolist() == inv["key"].tolist()


def test_parquet_roundtrip(local_lake, tmp_path):
    out = tmp_path / "cache" / "inventory.parquet"
    inv = scan(open_storage(str(local_lake)), exclude=EXCLUDE, out_path=out, workers=3)
    back = read_inventory(out)
    pd.testing.assert_frame_equal(back, inv)
    assert back.attrs["inventory"] == {"uri": str(local_lake), "prefixes": None, "exclude": EXCLUDE}
    assert [p.name for p in out.parent.iterdir()] == ["inventory.parquet"]  # no temp file left


def test_failed_scan_leaves_no_parquet(local_lake, tmp_path, monkeypatch):
    import nba_simulator.storage.scan as scan_mod

    monkeypatch.setattr(scan_mod, "ROW_GROUP_ROWS", 1)  # write row groups as soon as batches come
    import nba_simulator.storage.local as local

    monkeypatch.setattr(local, "BATCH_ROWS", 50)
    spy = Spy(open_storage(str(local_lake)), fail_after=5)
    out = tmp_path / "inventory.parquet"
    with pytest.raises(TransientStorageError, match="simulated"):
        scan(spy, out_path=out, workers=2)
    assert list(tmp_path.iterdir()) == []  # neither the final file nor a temp file


def test_failed_scan_keeps_the_previous_inventory(local_lake, tmp_path):
    out = tmp_path / "inventory.parquet"
    scan(open_storage(str(local_lake)), prefixes=["espn_schedules/"], out_path=out)
    before = out.read_bytes()
    with pytest.raises(TransientStorageError):
        scan(Spy(open_storage(str(local_lake)), fail_after=0), out_path=out)
    assert out.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["inventory.parquet"]


def test_corrupt_inventory_is_detected(local_lake, tmp_path):
    good = tmp_path / "good.parquet"
    scan(open_storage(str(local_lake)), out_path=good)
    data = good.read_bytes()

    truncated = tmp_path / "truncated.parquet"
    truncated.write_bytes(data[: len(data) // 2])
    garbage = tmp_path / "garbage.parquet"
    garbage.write_bytes(b"this is not parquet at all")
    empty = tmp_path / "empty.parquet"
    empty.write_bytes(b"")
    for path in (truncated, garbage, empty):
        with pytest.raises(BadInput, match=rf"corrupt inventory file {path}"):
            read_inventory(path)

    with pytest.raises(BadInput, match="inventory file not found"):
        read_inventory(tmp_path / "missing.parquet")


def test_wrong_inventory_columns_are_rejected(tmp_path):
    ts = pa.array([0], pa.timestamp("us", tz="UTC"))
    cases = {
        "columns": pa.table({"key": ["a"], "size": [1]}),
        "type": pa.table({"key": ["a"], "size": ["big"], "last_modified": ts, "etag": ["e"]}),
        "naive": pa.table(
            {"key": ["a"], "size": [1], "last_modified": pa.array([0], pa.timestamp("us")), "etag": ["e"]}
        ),
        "null": pa.table({"key": [None], "size": [1], "last_modified": ts, "etag": ["e"]}),
        "dup": pa.table(
            {"key": ["a", "a"], "size": [1, 1], "last_modified": pa.array([0, 0], ts.type), "etag": ["e", "e"]}
        ),
    }
    for name, table in cases.items():
        path = tmp_path / f"{name}.parquet"
        pq.write_table(table, path)
        with pytest.raises(BadInput, match=f"inventory file {path}"):
            read_inventory(path)
    # columns in another order, int32 sizes and ms timestamps are fine
    ok = pa.table(
        {
            "etag": pa.array([None], pa.string()),
            "key": ["a"],
            "last_modified": pa.array([1000], pa.timestamp("ms", tz="UTC")),
            "size": pa.array([5], pa.int32()),
        }
    )
    pq.write_table(ok, tmp_path / "ok.parquet")
    df = read_inventory(tmp_path / "ok.parquet")
    assert list(df.columns) == ["key", "size", "last_modified", "etag"] and df["size"].dtype == "int64"
    assert pd.isna(df["etag"][0])


def test_empty_lake(make_tree, tmp_path):
    root = make_tree({})
    out = tmp_path / "inv.parquet"
    inv = scan(open_storage(str(root)), out_path=out)
    assert inv.empty and list(inv.columns) == ["key", "size", "last_modified", "etag"]
    assert str(inv["last_modified"].dtype) == "datetime64[ns, UTC]"
    assert read_inventory(out).empty


def test_progress_bar(local_lake, capsys):
    inv = scan(open_storage(str(local_lake)), prefixes=["espn_schedules/"], progress=True)
    assert len(inv) == 2
    assert "listing" in capsys.readouterr().err


def test_bad_arguments(local_lake):
    storage = open_storage(str(local_lake))
    with pytest.raises(BadInput):
        scan(storage, exclude=[""])
    with pytest.raises(BadInput):
        scan(storage, prefixes=["/abs"])
    with pytest.raises(BadInput):
        scan(storage, workers=0)


def test_missing_lake_folder(tmp_path):
    from nba_simulator.errors import LakeNotFound

    with pytest.raises(LakeNotFound, match="nowhere"):
        scan(open_storage(str(tmp_path / "nowhere")), out_path=tmp_path / "inv.parquet")
    assert not (tmp_path / "inv.parquet").exists()
