"""Odd content is a verdict, never a crash: an object that cannot be parsed within bounded depth,
size and time is ``invalid`` with a reason (coverage status ``invalid``); an entry of a local lake
that cannot be listed (a FIFO, a socket, a broken or looping link, an unreadable folder) is
skipped with a warning naming it."""

from __future__ import annotations

import json
import logging
import os
import socket

import pandas as pd

from nba_simulator.cli import main
from nba_simulator.content.check import check_json, check_object, count_items
from nba_simulator.storage.local import LocalStorage
from tests.builders import pbp_spec

SPEC = pbp_spec(extra="    content: {format: json, non_empty: [plays]}\n")


def _rule():
    from nba_simulator.spec.load import parse_spec

    return parse_spec(SPEC).datasets[0].content


def test_deeply_nested_json_is_invalid_not_a_crash(tmp_path):
    deep = b"[" * 200_000 + b"]" * 200_000
    out = check_json(deep, _rule())
    assert out.verdict == "invalid" and "nested too deeply" in out.detail
    (tmp_path / "pbp").mkdir()
    (tmp_path / "pbp" / "x.json").write_bytes(b'{"plays": ' + deep + b"}")
    got = check_object(LocalStorage(tmp_path), "pbp/x.json", len(deep) + 11, _rule())
    assert got.verdict == "invalid" and "nested too deeply" in got.detail


def test_lists_of_lists_are_counted_without_recursion():
    value = [[1, 2]]
    for _ in range(5000):
        value = [value]
    assert count_items(value) >= 1
    assert count_items([[1, 2], [3]]) == 3


def test_probe_of_a_lake_with_odd_objects(tmp_path, capsys):
    lake = tmp_path / "lake" / "pbp"
    lake.mkdir(parents=True)
    (lake / "0021800001.json").write_text(json.dumps({"plays": [1, 2]}))
    (lake / "0021800002.json").write_bytes(b'{"plays": ' + b"[" * 100_000 + b"]" * 100_000 + b"}")
    (lake / "0021800003.json").write_bytes(b"\xff\xfe not json")
    (lake / "0021800004.json").write_text(json.dumps({"plays": []}))
    spec = tmp_path / "spec.yaml"
    spec.write_text(SPEC)
    out = tmp_path / "out"
    rc = main(
        [
            "reconcile",
            "--spec",
            str(spec),
            "--lake",
            str(tmp_path / "lake"),
            "--as-of",
            "2018-10-20",
            "--out",
            str(out),
            "--probe",
        ]
    )
    assert rc == 0, capsys.readouterr().err
    cov = pd.read_parquet(out / "coverage.parquet").set_index("game_id")
    assert cov.loc["0021800001", "status"] == "present"
    assert cov.loc["0021800002", "status"] == "invalid"
    assert cov.loc["0021800003", "status"] == "invalid"
    assert cov.loc["0021800004", "status"] == "empty"
    content = pd.read_parquet(out / "content.parquet").set_index("key")
    assert "nested too deeply" in content.loc["pbp/0021800002.json", "detail"]
    tasks = json.loads((out / "tasks.json").read_text())["tasks"]
    assert any(t["reason"] == "invalid" and t["action"] == "recollect" for t in tasks)


def test_entries_that_cannot_be_listed_are_skipped_with_a_warning(tmp_path, caplog):
    lake = tmp_path / "lake"
    (lake / "pbp").mkdir(parents=True)
    (lake / "pbp" / "0021800001.json").write_text("{}")
    os.mkfifo(lake / "pbp" / "fifo.json")
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(lake / "pbp" / "sock.json"))
    os.symlink(lake / "nowhere", lake / "pbp" / "broken.json")
    os.symlink("loop.json", lake / "pbp" / "loop.json")
    locked = lake / "locked"
    locked.mkdir()
    (locked / "a.json").write_text("{}")
    os.chmod(locked, 0)
    try:
        with caplog.at_level(logging.WARNING):
            batches = list(LocalStorage(lake).iter_objects(""))
    finally:
        os.chmod(locked, 0o755)
        sock.close()
    keys = {k for b in batches for k in b.column("key").to_pylist()}
    assert "pbp/0021800001.json" in keys
    assert not keys & {"pbp/fifo.json", "pbp/sock.json", "pbp/broken.json", "pbp/loop.json"}
    text = caplog.text
    assert "skipped pbp/fifo.json: a named pipe" in text
    assert "skipped pbp/sock.json: a socket" in text
    assert "skipped pbp/broken.json: a broken symbolic link" in text
    assert "skipped pbp/loop.json" in text
    if os.geteuid() != 0:  # root reads any folder: the mode bits cannot stop it
        assert "skipped locked: folder cannot be listed" in text
        assert "locked/a.json" not in keys
