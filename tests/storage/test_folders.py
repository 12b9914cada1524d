"""storage.folders: totals per top-level folder, the same whether the inventory comes whole or in
batches (a streamed inventory read back from its file); outputs' batch and head readers."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pytest

from nba_simulator.errors import BadInput
from nba_simulator.outputs import parquet_batches, read_parquet_head, write_parquet
from nba_simulator.plots import folder_table
from nba_simulator.storage.folders import TOP_LEVEL, folder_totals


def _inventory(n: int = 1000) -> pd.DataFrame:
    folders = ["espn/pbp", "nba_api/box", "bbref", "stray.txt", "espn/box"]
    return pd.DataFrame(
        {
            "key": [f"{folders[i % 5]}/{i}.json" if i % 5 != 3 else f"stray-{i}.txt" for i in range(n)],
            "size": [(i * 7919) % 5000 + 1 for i in range(n)],
            "last_modified": pd.to_datetime("2019-01-01", utc=True) + pd.to_timedelta(range(n), unit="min"),
            "etag": None,
        }
    )


@pytest.mark.parametrize("batch", [1, 7, 333, 1000])
def test_batches_total_like_the_whole_inventory(batch):
    inv = _inventory()
    whole = folder_totals([inv])
    parts = folder_totals(inv.iloc[i : i + batch] for i in range(0, len(inv), batch))
    pd.testing.assert_frame_equal(whole, parts, check_dtype=False)
    arrow = folder_totals(pa.Table.from_pandas(inv, preserve_index=False).to_batches(max_chunksize=batch))
    pd.testing.assert_frame_equal(whole, arrow, check_dtype=False)
    assert whole.loc["espn", "objects"] == 400 and whole.loc[TOP_LEVEL, "objects"] == 200
    assert whole["objects"].sum() == len(inv) and whole["bytes"].sum() == inv["size"].sum()
    espn = inv[inv["key"].str.startswith("espn/")]
    assert whole.loc["espn", "smallest"] == espn["size"].min()
    assert whole.loc["espn", "newest"] == espn["last_modified"].max()
    assert list(whole.index[:1]) == ["espn"]  # most objects first


def test_folder_table_takes_totals_or_an_inventory():
    inv = _inventory(50)
    pd.testing.assert_frame_equal(pd.DataFrame(folder_table(inv)), pd.DataFrame(folder_table(folder_totals([inv]))))
    assert folder_table(inv)["objects"].sum() == 50
    assert pd.DataFrame(folder_table(folder_totals([]))).empty


def test_batch_and_head_readers(tmp_path):
    inv = _inventory(2500)
    path = write_parquet(inv, tmp_path / "inventory.parquet")
    got = pd.concat(b.to_pandas() for b in parquet_batches(path, ["key", "size"], batch_rows=1000))
    assert got["key"].tolist() == inv["key"].tolist()
    head = read_parquet_head(path, 1200)
    pd.testing.assert_frame_equal(head, inv.head(1200), check_dtype=False)
    assert len(read_parquet_head(path, 10_000)) == 2500
    with pytest.raises(BadInput, match="missing column 'nope'"):
        list(parquet_batches(path, ["nope"]))
    (tmp_path / "bad.parquet").write_bytes(b"not parquet")
    with pytest.raises(BadInput, match="bad.parquet: not a readable Parquet file"):
        list(parquet_batches(tmp_path / "bad.parquet"))
