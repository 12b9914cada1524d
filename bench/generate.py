"""Synthetic inputs of any size for the benchmarks, generated column-wise with pyarrow/numpy.

* A schedule: the built-in one (28,428 games, 1996-97..2023-24) with synthetic ESPN ids for
  2002-03 onwards (the packaged schedule has none), so that every dataset of the default spec
  (the real bucket's layout) is owed something.
* An inventory of N objects shaped like the real lake: up to ~60% of N (at most 95% of what the
  spec expects) are the expected files of the schedule (some undersized, some captured early);
  the rest are keys that parse for a dataset but match no game (orphans), keys of no dataset
  (unparsed), and keys under excluded prefixes. Unique keys, sizes, times and ETags.
* The inventory as an S3 Inventory delivery (Parquet, the format S3 writes for large buckets),
  one data file per million objects.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

AS_OF = "2024-07-01"
SEED = 20240701


def schedule() -> pd.DataFrame:
    from nba_simulator.schedule.load import load_schedule

    games = load_schedule("builtin").copy()
    start = games["season"].str.slice(0, 4).astype(int)
    espn = games.index.to_series().rank(method="first").astype("int64") + 400_000_000
    games["espn_game_id"] = espn.astype(str).where(start >= 2002)
    return games


def _num_keys(prefix: str, ids: np.ndarray, suffix: str, width: int = 0) -> pa.Array:
    s = pa.array(ids).cast(pa.string())
    if width:
        s = pc.utf8_lpad(s, width, "0")
    return pc.binary_join_element_wise(pa.scalar(prefix), s, pa.scalar(suffix), "")


FILLER = [  # (share of the filler, prefix, suffix, width)
    (0.10, "espn_play_by_play/", ".json", 9),  # orphans: ids not in the schedule
    (0.05, "nba_api_comprehensive/boxscores_advanced/advanced_", ".json", 10),
    (0.35, "nba_api_comprehensive/player_game_logs/log_", ".json", 12),  # unparsed: no dataset
    (0.20, "basketball_reference/players/", ".html", 10),
    (0.20, "nba_api_incremental/raw/", ".json.gz", 12),
    (0.05, "athena-results/q-", ".csv", 12),  # excluded
    (0.05, "inventory-reports/lake/daily/data/part-", ".parquet", 12),
]


def inventory(n: int, spec, games: pd.DataFrame, as_of: str = AS_OF) -> pa.Table:
    from nba_simulator.coverage.expected import expected_items

    rng = np.random.default_rng(SEED)
    exp = expected_items(spec, games, as_of)
    keys = exp.items["expected_key"].dropna().astype(str).to_numpy()
    n_match = min(int(0.95 * len(keys)), int(0.6 * n))
    chosen = rng.choice(len(keys), size=n_match, replace=False)
    matched = pa.array(keys[chosen], pa.string())
    parts = [matched]
    rest = n - n_match
    base = 10**11
    for i, (share, prefix, suffix, width) in enumerate(FILLER):
        m = rest - sum(len(p) for p in parts[1:]) if i == len(FILLER) - 1 else int(rest * share)
        ids = base + i * 10**10 + rng.permutation(m).astype(np.int64) * 7
        if prefix.startswith("espn_play_by_play"):
            ids = 500_000_000 + rng.permutation(m).astype(np.int64)  # 9 digits, never scheduled
        elif "advanced_" in prefix:
            ids = 9_000_000_000 + np.arange(m, dtype=np.int64)  # "009..." ids: no such games
        parts.append(_num_keys(prefix, ids, suffix, width))
    key = pa.concat_arrays(parts)
    size = rng.integers(1_500, 900_000, size=n, dtype=np.int64)
    size[rng.random(n) < 0.02] = 150  # undersized
    t0 = pd.Timestamp(as_of, tz="UTC").value // 1000 - 10 * 365 * 86400 * 10**6
    mtime = t0 + rng.integers(0, 10 * 365 * 86400 * 10**3, size=n, dtype=np.int64) * 1000  # ms, as S3
    etag = pc.utf8_lpad(pa.array(rng.integers(0, 2**62, size=n, dtype=np.int64)).cast(pa.string()), 32, "0")
    return pa.table(
        {
            "key": key,
            "size": pa.array(size),
            "etag": etag,
            "last_modified": pa.array(mtime, pa.timestamp("us", tz="UTC")),
        }
    )


def write_report(table: pa.Table, dest, *, created: str = "2024-06-30T01:00Z", sort: bool = True) -> None:
    """One data file per million objects. ``sort``: each file holds a sorted, disjoint key range
    (files listed in the manifest in shuffled order); else keys in generation order (unsorted)."""
    from tests.inventory_writer import write_delivery

    if sort:
        table = table.sort_by("key")
    files = max(1, table.num_rows // 1_000_000)
    folder = write_delivery(
        dest, table, source_bucket="nba-sim-raw-data-lake", config="daily", created=created, fmt="Parquet", files=files
    )
    if sort and files > 1:  # the manifest need not list the files in key order
        import hashlib
        import json

        doc = json.loads((folder / "manifest.json").read_text())
        np.random.default_rng(SEED).shuffle(doc["files"])
        raw = json.dumps(doc, indent=2).encode()
        (folder / "manifest.json").write_bytes(raw)
        (folder / "manifest.checksum").write_text(hashlib.md5(raw).hexdigest() + "\n")


def write_report_by_file(
    n: int,
    spec,
    games: pd.DataFrame,
    dest,
    *,
    as_of: str = AS_OF,
    created: str = "2024-06-30T01:00Z",
    per_file: int = 1_000_000,
):
    """The delivery :func:`inventory` + :func:`write_report` would give (same expected share, same
    filler prefixes and shares, same id ranges), written one data file at a time, so that memory
    holds one file (~1M objects), not ``n``: for 100M objects. Each file is sorted; the files'
    key ranges overlap (each holds a slice of every prefix)."""
    import hashlib
    import json
    from pathlib import Path

    import pyarrow.parquet as pq

    from nba_simulator.coverage.expected import expected_items
    from tests.inventory_writer import PARQUET_SCHEMA_TEXT, _data_table

    rng = np.random.default_rng(SEED)
    exp = expected_items(spec, games, as_of)
    keys = exp.items["expected_key"].dropna().astype(str).to_numpy()
    n_match = min(int(0.95 * len(keys)), int(0.6 * n))
    matched = keys[rng.choice(len(keys), size=n_match, replace=False)]
    rest = n - n_match
    shares = [int(rest * share) for share, *_ in FILLER[:-1]]
    shares.append(rest - sum(shares))
    files = max(1, n // per_file)
    stamp = pd.Timestamp(created)
    config_dir = Path(dest) / "nba-sim-raw-data-lake" / "daily"
    folder = config_dir / stamp.strftime("%Y-%m-%dT%H-%MZ")
    (config_dir / "data").mkdir(parents=True, exist_ok=True)
    folder.mkdir(parents=True, exist_ok=True)
    t0 = pd.Timestamp(as_of, tz="UTC").value // 1000 - 10 * 365 * 86400 * 10**6
    entries = []
    for k in range(files):
        frng = np.random.default_rng([SEED, k])
        parts = [pa.array(matched[n_match * k // files : n_match * (k + 1) // files], pa.string())]
        for i, ((_, prefix, suffix, width), m) in enumerate(zip(FILLER, shares)):
            j = np.arange(m * k // files, m * (k + 1) // files, dtype=np.int64)
            if prefix.startswith("espn_play_by_play"):
                ids = 500_000_000 + j
            elif "advanced_" in prefix:
                ids = 9_000_000_000 + j
            else:
                ids = 10**11 + i * 10**10 + j * 7
            parts.append(_num_keys(prefix, ids, suffix, width))
        key = pa.concat_arrays(parts)
        rows = len(key)
        size = frng.integers(1_500, 900_000, size=rows, dtype=np.int64)
        size[frng.random(rows) < 0.02] = 150
        mtime = t0 + frng.integers(0, 10 * 365 * 86400 * 10**3, size=rows, dtype=np.int64) * 1000
        etag = pc.utf8_lpad(pa.array(frng.integers(0, 2**62, size=rows, dtype=np.int64)).cast(pa.string()), 32, "0")
        table = pa.table(
            {
                "key": key,
                "size": pa.array(size),
                "etag": etag,
                "last_modified": pa.array(mtime, pa.timestamp("us", tz="UTC")),
            }
        ).sort_by("key")
        name = f"{stamp:%Y%m%dT%H%M}-{k:04d}.parquet"
        path = config_dir / "data" / name
        pq.write_table(_data_table(table, "nba-sim-raw-data-lake", "Parquet"), path)
        h = hashlib.md5()
        with open(path, "rb") as fh:
            while chunk := fh.read(16 << 20):
                h.update(chunk)
        entries.append(
            {
                "key": f"inventory-reports/nba-sim-raw-data-lake/daily/data/{name}",
                "size": path.stat().st_size,
                "MD5checksum": h.hexdigest(),
            }
        )
    doc = {
        "sourceBucket": "nba-sim-raw-data-lake",
        "destinationBucket": "arn:aws:s3:::inventory-destination",
        "version": "2016-11-30",
        "creationTimestamp": str(int(stamp.timestamp() * 1000)),
        "fileFormat": "Parquet",
        "fileSchema": PARQUET_SCHEMA_TEXT,
        "files": entries,
    }
    raw = json.dumps(doc, indent=2).encode()
    (folder / "manifest.json").write_bytes(raw)
    (folder / "manifest.checksum").write_text(hashlib.md5(raw).hexdigest() + "\n")
    return folder
