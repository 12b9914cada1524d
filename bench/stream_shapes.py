"""Streamed coverage at 10M and 30M objects on two bucket shapes: is peak memory flat?

    python -m bench --only stream-shapes [--stream-sizes 10m,30m] [--shapes bucket,bench] [--clean]
    python -m bench.stream_shapes generate SHAPE N DIR     # one delivery (cached in DIR)
    python -m bench.stream_shapes case SHAPE N DIR         # one measured run (a fresh process)

Shapes (both an S3 Inventory Parquet delivery of one data file per million objects, written one
file at a time, so generating 30M objects holds one file in memory):

* ``bucket``: shaped like the real bucket: ~54,000 present expected files (the count does not
  grow with N), everything else outside the spec, **in random order** (every data file holds a
  random sample of every kind, shuffled): orphans (ids the schedule lacks, under the ESPN and
  NBA Stats layouts), unparsed keys under the ESPN prefixes (``espn_play_by_play/<id>_v2.json``,
  ``espn_box_scores/tmp/...``) and under folders no dataset has, and excluded folders
  (``inventory-reports/``, ``athena-results/``, ``backups/``, ``ml-models/``);
* ``bench``: the existing benchmark's shape (``bench.generate.write_report_by_file``: up to 60% of
  N expected, capped at 95% of what the spec expects; each data file sorted, their key ranges
  overlapping).

A case is ``nba-recon reconcile --stream yes`` over the delivery, writing every output file
(``inventory.parquet``, ``orphans.parquet``...) into a fresh folder, in a child process; its peak
resident memory is ``getrusage(RUSAGE_CHILDREN).ru_maxrss`` read by a parent that ran nothing else
(the generator runs in another process). Prints one JSON object per line.
"""

from __future__ import annotations

import hashlib
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

BUCKET = "nba-sim-raw-data-lake"
LAKE = f"s3://{BUCKET}"
PRESENT = 54_000  # expected files present in the ``bucket`` shape, whatever N
PER_FILE = 1_000_000

#: the ``bucket`` shape's objects outside the spec: (share, prefix, suffix, id width, kind)
OUTSIDE = [
    (0.14, "espn_play_by_play/", ".json", 9, "orphan"),  # ESPN ids the schedule lacks
    (0.08, "espn_box_scores/", ".json", 9, "orphan"),
    (0.08, "espn_team_stats/", ".json", 9, "orphan"),
    (0.05, "nba_api_comprehensive/boxscores_advanced/advanced_", ".json", 10, "orphan"),
    (0.10, "espn_play_by_play/", "_v2.json", 9, "unparsed"),  # unparsed ESPN keys
    (0.05, "espn_box_scores/tmp/", ".json", 9, "unparsed"),
    (0.05, "espn_team_stats/", ".json.bak", 9, "unparsed"),
    (0.15, "nba_api_comprehensive/player_game_logs/log_", ".json", 12, "unparsed"),
    (0.10, "basketball_reference/players/", ".html", 10, "unparsed"),
    (0.08, "inventory-reports/nba-sim-raw-data-lake/daily/data/part-", ".parquet", 12, "excluded"),
    (0.06, "athena-results/q-", ".csv", 12, "excluded"),
    (0.04, "backups/2024/", ".tar", 12, "excluded"),
    (0.02, "ml-models/m-", ".pkl", 12, "excluded"),
]


def _ids(kind: str, prefix: str, i: int, j: np.ndarray) -> np.ndarray:
    if prefix.startswith("espn_"):
        return 500_000_000 + j * 3 + (i % 3)  # 9 digits, never scheduled (synthetic ESPN ids: 400M+)
    if "advanced_" in prefix:
        return 9_000_000_000 + j  # "009...": no such NBA game
    return 10**11 + i * 10**10 + j * 7


def _write_file(table: pa.Table, path: Path) -> dict:
    import pyarrow.parquet as pq

    from tests.inventory_writer import _data_table

    pq.write_table(_data_table(table, BUCKET, "Parquet"), path)
    h = hashlib.md5()
    with open(path, "rb") as fh:
        while chunk := fh.read(16 << 20):
            h.update(chunk)
    return {
        "key": f"inventory-reports/{BUCKET}/daily/data/{path.name}",
        "size": path.stat().st_size,
        "MD5checksum": h.hexdigest(),
    }


def _manifest(folder: Path, entries: list[dict], stamp: pd.Timestamp) -> None:
    from tests.inventory_writer import PARQUET_SCHEMA_TEXT

    doc = {
        "sourceBucket": BUCKET,
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


def write_bucket_shape(
    n: int, spec, games: pd.DataFrame, dest, *, as_of: str, created: str = "2024-06-30T01:00Z", per_file: int = PER_FILE
) -> Path:
    """The ``bucket`` shape (module docstring), one data file at a time, each in random order."""
    from bench.generate import SEED, _num_keys
    from nba_simulator.coverage.expected import expected_items

    rng = np.random.default_rng(SEED)
    keys = expected_items(spec, games, as_of).items["expected_key"].dropna().astype(str).to_numpy()
    n_match = min(PRESENT, int(0.95 * len(keys)), n // 2)
    matched = keys[rng.choice(len(keys), size=n_match, replace=False)]
    rest = n - n_match
    shares = [int(rest * share) for share, *_ in OUTSIDE[:-1]]
    shares.append(rest - sum(shares))
    files = max(1, n // per_file)
    stamp = pd.Timestamp(created)
    config_dir = Path(dest) / BUCKET / "daily"
    folder = config_dir / stamp.strftime("%Y-%m-%dT%H-%MZ")
    (config_dir / "data").mkdir(parents=True, exist_ok=True)
    folder.mkdir(parents=True, exist_ok=True)
    t0 = pd.Timestamp(as_of, tz="UTC").value // 1000 - 10 * 365 * 86400 * 10**6
    entries = []
    for k in range(files):
        frng = np.random.default_rng([SEED, 7, k])
        parts = [pa.array(matched[n_match * k // files : n_match * (k + 1) // files], pa.string())]
        for i, ((_, prefix, suffix, width, kind), m) in enumerate(zip(OUTSIDE, shares)):
            j = np.arange(m * k // files, m * (k + 1) // files, dtype=np.int64)
            parts.append(_num_keys(prefix, _ids(kind, prefix, i, j), suffix, width))
        key = pa.concat_arrays(parts)
        rows = len(key)
        order = pa.array(frng.permutation(rows))
        size = frng.integers(1_500, 900_000, size=rows, dtype=np.int64)
        size[frng.random(rows) < 0.02] = 150
        mtime = t0 + frng.integers(0, 10 * 365 * 86400 * 10**3, size=rows, dtype=np.int64) * 1000
        etag = pa.array(frng.integers(0, 2**62, size=rows, dtype=np.int64)).cast(pa.string())
        table = pa.table(
            {
                "key": key,
                "size": pa.array(size),
                "etag": etag,
                "last_modified": pa.array(mtime, pa.timestamp("us", tz="UTC")),
            }
        ).take(order)
        entries.append(_write_file(table, config_dir / "data" / f"{stamp:%Y%m%dT%H%M}-{k:04d}.parquet"))
    _manifest(folder, entries, stamp)
    return folder


def generate(shape: str, n: int, folder: Path) -> None:
    from bench.generate import AS_OF, schedule, write_report_by_file
    from nba_simulator.spec import load_spec

    if (folder / "done").exists():
        return
    shutil.rmtree(folder / "report", ignore_errors=True)
    spec, games = load_spec("default"), schedule()
    games.to_parquet(folder / "schedule.parquet")
    if shape == "bucket":
        write_bucket_shape(n, spec, games, folder / "report", as_of=AS_OF)
    else:
        write_report_by_file(n, spec, games, folder / "report")
    (folder / "done").write_text(str(n))


def case(shape: str, n: int, folder: Path) -> None:
    """``nba-recon reconcile --stream yes`` over the delivery in a child process: seconds, peak RSS."""
    from bench.generate import AS_OF

    out = folder / "out"
    shutil.rmtree(out, ignore_errors=True)
    cmd = [
        sys.executable,
        "-m",
        "nba_simulator.cli",
        "reconcile",
        "--spec",
        "default",
        "--lake",
        LAKE,
        "--inventory",
        str(folder / "report"),
        "--schedule",
        str(folder / "schedule.parquet"),
        "--as-of",
        AS_OF,
        "--out",
        str(out),
        "--runs-dir",
        str(folder / "runs"),
        "--stream",
        "yes",
    ]
    load = os.getloadavg()[0]
    t = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    seconds = time.perf_counter() - t
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    peak_kib, cpu = usage.ru_maxrss, usage.ru_utime + usage.ru_stime
    if proc.returncode:
        sys.stderr.write(proc.stdout[-2000:] + proc.stderr[-4000:])
        raise SystemExit(f"reconcile failed ({proc.returncode})")
    summary = json.loads((out / "summary.json").read_text())
    sizes = {p.name: p.stat().st_size for p in out.glob("*.parquet")}
    shutil.rmtree(out, ignore_errors=True)
    print(
        json.dumps(
            {
                "shape": shape,
                "objects": n,
                "seconds": round(seconds, 2),
                "cpu_seconds": round(cpu, 1),
                "peak_rss_mb": round(peak_kib / 1024),
                "load_before": round(load, 1),
                "load_after": round(os.getloadavg()[0], 1),
                "inventory_objects": summary["inventory"]["objects"],
                "orphans": summary["orphans"],
                "unparsed": summary["unparsed"],
                "present": summary["totals"].get("present"),
                "orphans_parquet_mb": round(sizes.get("orphans.parquet", 0) / 2**20),
            }
        ),
        flush=True,
    )


SIZES = {"1m": 1_000_000, "3m": 3_000_000, "10m": 10_000_000, "30m": 30_000_000}


def _run(args: list[str]) -> list[dict]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(
        [sys.executable, "-m", "bench.stream_shapes", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if proc.returncode:
        sys.stderr.write(proc.stdout[-2000:] + proc.stderr[-4000:])
        raise SystemExit(f"bench step failed: {' '.join(args)}")
    return [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]


def section(sizes: list[str], shapes: list[str], work: Path, clean: bool = False) -> list[str]:
    """Every shape x size, one case at a time (generation cached in ``work``); the table's lines.
    ``clean``: each delivery is deleted once measured."""
    recs = []
    for shape in shapes:
        for size in sizes:
            n = SIZES[size.lower()]
            folder = work / f"shape-{shape}-n{n}"
            print(f"stream-shapes: {shape}, {n:,} objects: generating (cached) ...", flush=True)
            _run(["generate", shape, str(n), str(folder)])
            print(f"stream-shapes: {shape}, {n:,} objects: reconcile --stream yes ...", flush=True)
            rec = _run(["case", shape, str(n), str(folder)])[0]
            print(
                f"  {rec['seconds']:.1f} s, peak {rec['peak_rss_mb']:,} MiB (load {rec['load_before']}"
                f" -> {rec['load_after']})",
                flush=True,
            )
            recs.append(rec)
            if clean:
                shutil.rmtree(folder, ignore_errors=True)
    lines = [
        "Streamed coverage (`reconcile --stream yes`, every output file written), peak RSS of the child process",
        "",
        "| shape | objects | kept after excluded | orphans | unparsed | present | wall | CPU | peak RSS "
        "| peak / smallest size's | load avg (before -> after) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for shape in shapes:
        rows = [r for r in recs if r["shape"] == shape]
        base = rows[0]["peak_rss_mb"] if rows else 1
        for r in rows:
            lines.append(
                f"| {shape} | {r['objects']:,} | {r['inventory_objects']:,} | {r['orphans']:,} | "
                f"{r['unparsed']:,} | {r['present']:,} | {r['seconds']:.1f} s | "
                f"{r.get('cpu_seconds', '?')} s | "
                f"{r['peak_rss_mb']:,} MiB | {r['peak_rss_mb'] / base:.2f}x | "
                f"{r['load_before']} -> {r['load_after']} |"
            )
    return lines + [""]


if __name__ == "__main__":
    what, shape, n, folder = sys.argv[1], sys.argv[2], int(sys.argv[3]), Path(sys.argv[4])
    if shape not in ("bucket", "bench"):
        raise SystemExit(f"unknown shape {shape!r}: bucket or bench")
    folder.mkdir(parents=True, exist_ok=True)
    {"generate": generate, "case": case}[what](shape, n, folder)
