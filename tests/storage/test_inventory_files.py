"""storage.inventory_files: a delivery's data files read batch by batch into the inventory schema
(keys under the lake prefix, URL-decoded where the delivery encodes them, excluded prefixes left out)."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa

from nba_simulator.storage import INVENTORY_SCHEMA
from nba_simulator.storage.factory import open_storage
from nba_simulator.storage.inventory_files import iter_inventory
from nba_simulator.storage.inventory_manifest import find_deliveries, read_manifest
from tests.inventory_writer import write_delivery


def test_a_delivery_reads_into_the_inventory_schema(tmp_path):
    objects = pd.DataFrame(
        {
            "key": ["raw/pbp/a b.json", "raw/pbp/2.json", "raw/backups/x", "other/y"],
            "size": [10, 20, 30, 40],
            "last_modified": pd.to_datetime(["2024-02-01"] * 4, utc=True),
            "etag": ["e1", "e2", "e3", "e4"],
        }
    )
    write_delivery(tmp_path, objects, files=2)
    storage = open_storage(str(tmp_path))
    folders = find_deliveries(storage)
    assert len(folders) == 1
    batches = list(iter_inventory(storage, read_manifest(storage, folders[0]), "raw/", ["backups/"]))
    table = pa.Table.from_batches(batches)
    assert table.schema.names == INVENTORY_SCHEMA.names
    got = table.to_pandas().sort_values("key")
    assert got["key"].tolist() == ["pbp/2.json", "pbp/a b.json"]  # under the lake, not excluded
    assert got["size"].tolist() == [20, 10] and got["etag"].tolist() == ["e2", "e1"]
