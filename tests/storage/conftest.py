"""Fixtures of the storage tests.

The S3 fixtures live in the plugin module ``tests/s3server.py``. The root ``tests/conftest.py``
should register it (``pytest_plugins = ["tests.s3server"]``); until it does, it is registered
here, once (a non-root conftest may not use ``pytest_plugins``).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

_REPO = str(Path(__file__).resolve().parents[2])
if _REPO not in sys.path:  # `tests` must be importable as a (namespace) package
    sys.path.insert(0, _REPO)


def pytest_configure(config):
    if not config.pluginmanager.has_plugin("tests.s3server"):
        config.pluginmanager.import_plugin("tests.s3server")


@pytest.fixture
def make_tree(tmp_path):
    """Write {key: bytes} under a fresh folder and return its path."""

    def make(objects: dict[str, bytes], name: str = "lake") -> Path:
        root = tmp_path / name
        root.mkdir()
        for key, body in objects.items():
            path = root.joinpath(*key.split("/"))
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(body)
        return root

    return make


def _lake_objects() -> dict[str, bytes]:
    """A small lake shaped like the real one, with > 1,000 keys under one prefix (pagination)."""
    objects: dict[str, bytes] = {}
    for i in range(1100):
        objects[f"espn_play_by_play/4015{84000 + i}.json"] = b"{}" * (i % 37 + 1)
    objects.update(
        {
            "espn_play_by_play/401590000.json": b'{"plays": []}',
            "espn_schedules/20230410.json": b'{"events": [1, 2, 3]}',
            "espn_schedules/20230411.json": b'{"events": []}',
            "nba_api_comprehensive/boxscores_advanced/advanced_0020000991.json": b"x" * 300,
            "nba_api_comprehensive/boxscores_traditional/traditional_0020000991.json": b"y" * 200,
            "nba_api_incremental/2025-11-01/game_0022500123_pbp.json": b"z" * 10,
            "hoopr_parquet/play_by_play/nba_data_2024.parquet": b"PAR1" + b"\0" * 100 + b"PAR1",
            "basketball_reference/box_scores/2024/202312250LAL.json": b"{}",
            "misc/odd name é+%.json": b"unicode and spaces",
            "inventory-reports/2024-01-01/manifest.json": b'{"files": []}',
            "inventory-reports/2024-01-01/data/part-0.csv.gz": b"\x1f\x8b",
            "athena-results/query-1.csv": b"a,b\n",
            "README.txt": b"top-level key",
        }
    )
    return objects


@pytest.fixture(scope="session")
def lake_objects() -> dict[str, bytes]:
    return _lake_objects()


@pytest.fixture(scope="session")
def local_lake(tmp_path_factory, lake_objects) -> Path:
    root = tmp_path_factory.mktemp("local_lake")
    for key, body in lake_objects.items():
        path = root.joinpath(*key.split("/"))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(body)
    return root


@pytest.fixture(scope="session")
def s3_lake(s3_server, lake_objects) -> str:
    """The same lake in a bucket; returns ``s3://lake``."""
    s3_server.make_bucket("lake", lake_objects)
    return "s3://lake"
