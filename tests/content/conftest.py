import threading

import pandas as pd
import pytest

from nba_simulator.storage.base import Storage
from nba_simulator.storage.local import LocalStorage

from .lake import OBJECTS

FORMATS = {"espn_pbp": "json", "nba_pbp": "csv", "hoopr": "parquet"}
PREFIXES = {"espn_play_by_play/": "espn_pbp", "nba_pbp/": "nba_pbp", "hoopr_parquet/": "hoopr"}


class CountingStorage(Storage):
    """Wraps a backend and counts ``read`` calls, bytes, and the most reads at once."""

    def __init__(self, inner: Storage, delay: float = 0.0):
        self.inner, self.uri, self.delay = inner, inner.uri, delay
        self.reads, self.bytes, self.ranges = 0, 0, []
        self.active = self.max_active = 0
        self.lock = threading.Lock()

    def read(self, key, start=None, end=None):
        with self.lock:
            self.reads += 1
            self.active += 1
            self.max_active = max(self.max_active, self.active)
            self.ranges.append((key, start, end))
        try:
            if self.delay:
                import time

                time.sleep(self.delay)
            data = self.inner.read(key, start, end)
        finally:
            with self.lock:
                self.active -= 1
        with self.lock:
            self.bytes += len(data)
        return data

    def list_prefixes(self, prefix=""):
        return self.inner.list_prefixes(prefix)

    def iter_objects(self, prefix="", *, recursive=True):
        return self.inner.iter_objects(prefix, recursive=recursive)

    def check(self):
        self.inner.check()


def write_lake(root, objects=OBJECTS):
    for key, data in objects.items():
        path = root / key
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return root


def targets_of(storage: Storage) -> pd.DataFrame:
    """Probe targets straight from a listing (the coverage step is tested elsewhere)."""
    batches = [b.to_pandas() for b in storage.iter_objects("")]
    inv = pd.concat(batches, ignore_index=True)
    inv["dataset"] = inv["key"].map(lambda k: next(d for p, d in PREFIXES.items() if k.startswith(p)))
    inv["format"] = inv["dataset"].map(FORMATS)
    inv["etag"] = inv["etag"].astype(object)
    return inv[["key", "dataset", "format", "size", "etag"]].sort_values("key").reset_index(drop=True)


@pytest.fixture
def local_lake(tmp_path):
    root = write_lake(tmp_path / "lake")
    return CountingStorage(LocalStorage(root))
