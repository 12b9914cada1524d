"""The local-folder backend."""

from __future__ import annotations

import os

import pyarrow as pa
import pytest

from nba_simulator.errors import AccessDenied, BadInput, LakeNotFound
from nba_simulator.storage import INVENTORY_SCHEMA, ObjectNotFound, open_storage
from nba_simulator.storage.local import LocalStorage


def _keys(storage, prefix="", recursive=True):
    return sorted(k for b in storage.iter_objects(prefix, recursive=recursive) for k in b.column("key").to_pylist())


def test_open_storage_picks_local(tmp_path):
    assert isinstance(open_storage(str(tmp_path)), LocalStorage)
    assert isinstance(open_storage(f"file://{tmp_path}"), LocalStorage)
    assert open_storage(str(tmp_path)).uri == str(tmp_path)


def test_batches_have_the_inventory_schema(local_lake, lake_objects):
    storage = open_storage(str(local_lake))
    batches = list(storage.iter_objects())
    assert all(b.schema.equals(INVENTORY_SCHEMA) for b in batches)
    table = pa.Table.from_batches(batches)
    assert sorted(table.column("key").to_pylist()) == sorted(lake_objects)
    sizes = dict(zip(table.column("key").to_pylist(), table.column("size").to_pylist()))
    assert sizes == {k: len(v) for k, v in lake_objects.items()}


def test_list_prefixes_one_level(local_lake):
    storage = open_storage(str(local_lake))
    assert storage.list_prefixes("") == [
        "athena-results/",
        "basketball_reference/",
        "espn_play_by_play/",
        "espn_schedules/",
        "hoopr_parquet/",
        "inventory-reports/",
        "misc/",
        "nba_api_comprehensive/",
        "nba_api_incremental/",
    ]
    assert storage.list_prefixes("nba_api_comprehensive/") == [
        "nba_api_comprehensive/boxscores_advanced/",
        "nba_api_comprehensive/boxscores_traditional/",
    ]
    assert storage.list_prefixes("nba_api_comprehensive/boxscores_a") == ["nba_api_comprehensive/boxscores_advanced/"]
    assert storage.list_prefixes("nope/") == []


def test_arbitrary_string_prefixes(local_lake, lake_objects):
    storage = open_storage(str(local_lake))
    for prefix in ["espn_play_by_play/40158", "espn_play_by_play/4015850", "espn_sch", "nba_api_", "R", "zzz", ""]:
        assert _keys(storage, prefix) == sorted(k for k in lake_objects if k.startswith(prefix)), prefix


def test_non_recursive_lists_one_level(local_lake):
    storage = open_storage(str(local_lake))
    assert _keys(storage, "", recursive=False) == ["README.txt"]
    assert _keys(storage, "nba_api_comprehensive/", recursive=False) == []


def test_etag_is_a_stable_size_mtime_fingerprint(make_tree):
    root = make_tree({"a/x.json": b"12345"})
    storage = open_storage(str(root))
    first = pa.Table.from_batches(list(storage.iter_objects())).to_pylist()[0]
    again = pa.Table.from_batches(list(storage.iter_objects())).to_pylist()[0]
    assert first["etag"] == again["etag"]
    os.utime(root / "a" / "x.json", ns=(1_700_000_000_123_456_789, 1_700_000_000_123_456_789))
    changed = pa.Table.from_batches(list(storage.iter_objects())).to_pylist()[0]
    assert changed["etag"] != first["etag"]
    assert changed["etag"] == f"{5:x}-{1_700_000_000_123_456_789:x}"
    assert changed["last_modified"].timestamp() == pytest.approx(1_700_000_000.123456)


def test_big_folder_is_batched(make_tree, monkeypatch):
    import nba_simulator.storage.local as local

    monkeypatch.setattr(local, "BATCH_ROWS", 7)
    root = make_tree({f"d/{i:03d}": b"" for i in range(30)})
    batches = list(open_storage(str(root)).iter_objects())
    assert [b.num_rows for b in batches] == [7, 7, 7, 7, 2]


def test_symlink_loop_is_walked_once(make_tree):
    root = make_tree({"d/x.json": b"1"})
    os.symlink(root / "d", root / "d" / "loop")
    assert _keys(open_storage(str(root))) == ["d/x.json"]


def test_missing_folder_is_lake_not_found(tmp_path):
    missing = tmp_path / "no-such-lake"
    storage = open_storage(str(missing))
    with pytest.raises(LakeNotFound, match="no-such-lake"):
        storage.check()
    with pytest.raises(LakeNotFound, match="lake folder not found"):
        list(storage.iter_objects())
    with pytest.raises(LakeNotFound):
        storage.list_prefixes()


def test_file_instead_of_folder(tmp_path):
    f = tmp_path / "file.txt"
    f.write_text("x")
    with pytest.raises(LakeNotFound, match="not a folder"):
        open_storage(str(f)).check()


def test_unreadable_folder_is_skipped_with_a_warning(make_tree, monkeypatch, caplog):
    """A folder that cannot be listed is skipped with a warning naming it; the rest is listed
    (one odd entry never aborts a scan)."""
    root = make_tree({"a/x.json": b"1", "b/y.json": b"22"})
    real = os.scandir

    def scandir(path):
        if str(path).endswith(os.sep + "a"):
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)
    storage = open_storage(str(root))
    storage.check()  # the root itself is readable
    with caplog.at_level("WARNING"):
        keys = [k for batch in storage.iter_objects() for k in batch.column("key").to_pylist()]
    assert keys == ["b/y.json"]
    assert "skipped a" in caplog.text


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads everything")
def test_unreadable_folder_for_real(make_tree):  # pragma: no cover - not run as root
    root = make_tree({"a/x.json": b"1"})
    os.chmod(root / "a", 0)
    try:
        with pytest.raises(AccessDenied):
            list(open_storage(str(root)).iter_objects())
    finally:
        os.chmod(root / "a", 0o755)


def test_ranged_read(make_tree):
    storage = open_storage(str(make_tree({"a/x.json": b"0123456789"})))
    assert storage.read("a/x.json") == b"0123456789"
    assert storage.read("a/x.json", 2, 5) == b"234"
    assert storage.read("a/x.json", start=7) == b"789"
    assert storage.read("a/x.json", end=3) == b"012"
    assert storage.read("a/x.json", 8, 100) == b"89"
    assert storage.read("a/x.json", 50) == b""
    assert storage.read("a/x.json", 3, 3) == b""
    with pytest.raises(ObjectNotFound):
        storage.read("a/missing.json")
    with pytest.raises(ObjectNotFound):
        storage.read("a")  # a folder is not an object
    for bad in ["../etc/passwd", "/etc/passwd", "a//x.json", ""]:
        with pytest.raises(BadInput):
            storage.read(bad)


def test_files_are_opened_read_only(make_tree, monkeypatch):
    import builtins

    root = make_tree({"a/x.json": b"abc"})
    modes = []
    real_open = builtins.open

    def spy(file, mode="r", *args, **kwargs):
        modes.append(mode)
        return real_open(file, mode, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", spy)
    storage = open_storage(str(root))
    storage.check()
    list(storage.iter_objects())
    storage.read("a/x.json", 0, 2)
    assert modes == ["rb"]
