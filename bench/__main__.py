"""``make bench`` = ``python -m bench``: every benchmark, one table.

    python -m bench [--sizes 10k,100k,1m,10m[,100m]] [--listing-keys 60000] [--no-listing]
                    [--only listing|pipeline|crosswalk|hostile|stream-shapes] [--crosswalk-files 11600] [--no-crosswalk]
                    [--stream-sizes 10m,30m] [--shapes bucket,bench] [--clean]
                    [--workdir DIR] [--markdown FILE]

Each size runs in fresh processes (generation apart from measurement, the full pipeline apart from
the per-stage measurements), so that one stage's memory never counts against another. Generated
inputs are kept in ``--workdir`` (default ``bench/.data``) and reused by later runs. 10M objects
take a few minutes (about half of it generating the input the first time). From 1M objects the
streamed coverage is measured too; 100M (``--sizes 100m``, 3.4 GB of input, ~20 min on a loaded
2-core machine) only streamed.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SIZES = {"10k": 10_000, "100k": 100_000, "1m": 1_000_000, "10m": 10_000_000, "100m": 100_000_000}
IN_MEMORY_MAX = 10_000_000  # above: the streamed coverage only (in memory, 100M would need ~33 GiB)


def _run(args: list[str]) -> list[dict]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-m", *args], cwd=ROOT, env=env, capture_output=True, text=True)
    if proc.returncode:
        sys.stderr.write(proc.stdout[-2000:] + proc.stderr[-4000:])
        raise SystemExit(f"bench step failed: {' '.join(args)}")
    return [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]


def machine() -> str:
    import psutil

    cpu = ""
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name"))
    except (OSError, StopIteration):
        cpu = platform.processor()
    return (
        f"{os.cpu_count()} cores ({cpu}), {psutil.virtual_memory().total / 2**30:.0f} GiB RAM, "
        f"{platform.system()} {platform.release()}, Python {platform.python_version()}"
    )


def _fmt_rate(n: int, s: float) -> str:
    r = n / s if s else float("inf")
    return f"{r / 1e6:.2f}M" if r >= 1e6 else f"{r / 1e3:.1f}K"


def crosswalk_section(files: int, work: Path, repeats: int = 3) -> list[str]:
    """ESPN crosswalk from ``files`` scoreboard pages: median of ``repeats`` fresh processes."""
    import statistics

    folder = work / f"crosswalk{files}"
    print(f"crosswalk: {files:,} scoreboard pages: generating (cached) ...", flush=True)
    _run(["bench.crosswalk", "generate", str(files), str(folder)])
    runs = [_run(["bench.crosswalk", "measure", str(files), str(folder)]) for _ in range(repeats)]
    out = [
        f"ESPN crosswalk from the lake's scoreboard pages ({files:,} local files, ~10 games each; "
        f"median of {repeats} fresh processes)",
        "",
        "| stage | files | games | seconds | peak RSS |",
        "|---|---:|---:|---:|---:|",
    ]
    for i, first in enumerate(runs[0]):
        secs = statistics.median(r[i]["seconds"] for r in runs)
        peak = statistics.median(r[i]["peak_rss_mb"] for r in runs)
        out.append(f"| {first['stage']} | {first['files']:,} | {first['games']:,} | {secs:.2f} s | {peak:,.0f} MiB |")
        print(f"  {first['stage']:<38} {secs:>8.2f} s  peak {peak:,.0f} MiB", flush=True)
    return out + [""]


def hostile_section(sizes: list[int], work: Path) -> list[str]:
    """One scoreboard page of N games repeating one matchup (bench/hostile_page.py), each size in
    a fresh process."""
    out = [
        "One hostile scoreboard page: N games, all BOS at PHI on 2018-10-16 (fresh process per size)",
        "",
        "| games | page | stage | seconds | peak RSS |",
        "|---:|---:|---|---:|---:|",
    ]
    for n in sizes:
        folder = work / f"hostile{n}"
        print(f"hostile page: {n:,} games: generating (cached) and measuring ...", flush=True)
        _run(["bench.hostile_page", "generate", str(n), str(folder)])
        for r in _run(["bench.hostile_page", "measure", str(n), str(folder)]):
            out.append(
                f"| {n:,} | {r['page_mb']} MB | {r['stage']} | {r['seconds']:.2f} s | {r['peak_rss_mb']:,} MiB |"
            )
            print(f"  {r['stage']:<28} {r['seconds']:>8.2f} s  peak {r['peak_rss_mb']:,} MiB", flush=True)
    return out + [""]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench")
    ap.add_argument("--sizes", default="10k,100k,1m,10m")
    ap.add_argument("--listing-keys", type=int, default=60_000)
    ap.add_argument(
        "--only",
        choices=["listing", "pipeline", "crosswalk", "hostile", "stream-shapes"],
        default=None,
        help="run only this benchmark",
    )
    ap.add_argument(
        "--hostile-games",
        default="10000,60000,300000",
        help="games of the one hostile scoreboard page (--only hostile)",
    )
    ap.add_argument(
        "--stream-sizes",
        default="10m,30m",
        help="stream-shapes: inventory sizes (1m, 3m, 10m, 30m), the first one the baseline",
    )
    ap.add_argument("--shapes", default="bucket,bench", help="stream-shapes: bucket and/or bench")
    ap.add_argument("--clean", action="store_true", help="stream-shapes: delete each delivery once measured")
    ap.add_argument("--no-listing", action="store_true")
    ap.add_argument(
        "--crosswalk-files",
        type=int,
        default=11_600,
        help="scoreboard pages in the ESPN crosswalk benchmark (the real lake has ~11,600)",
    )
    ap.add_argument("--no-crosswalk", action="store_true")
    ap.add_argument("--workdir", default=str(ROOT / "bench" / ".data"))
    ap.add_argument("--markdown", default=None, help="also write the tables to this file")
    args = ap.parse_args(argv)
    sizes = [SIZES[s.strip().lower()] for s in args.sizes.split(",") if s.strip()]
    work = Path(args.workdir)
    lines = [f"Machine: {machine()}", ""]
    print(lines[0], flush=True)

    if args.only == "hostile":  # one scoreboard page repeating one matchup (issue 21)
        lines += hostile_section([int(n) for n in args.hostile_games.split(",") if n.strip()], work)
        print("\n" + "\n".join(lines), flush=True)
        if args.markdown:
            Path(args.markdown).write_text("\n".join(lines) + "\n")
        return 0
    if args.only == "stream-shapes":  # on demand only: 30M objects take ~2 GB of disk and many minutes
        from bench.stream_shapes import section

        lines += section(args.stream_sizes.split(","), args.shapes.split(","), work, args.clean)
        print("\n" + "\n".join(lines), flush=True)
        if args.markdown:
            Path(args.markdown).write_text("\n".join(lines) + "\n")
        return 0
    if args.only in (None, "pipeline"):  # (each benchmark alone: --only NAME)
        print("pipeline: the demo, reconcile vs run with cold and warm kernels ...", flush=True)
        recs = _run(["bench.pipeline"])
        med = next(r["medians"] for r in recs if "medians" in r)
        lines += [
            "Demo pipeline (fresh processes, median of 3 alternating runs)",
            "",
            "| demo | median | minus reconcile |",
            "|---|---:|---:|",
        ]
        for name, sec in med.items():
            extra = "" if name == "reconcile" else f"+{sec - med['reconcile']:.1f} s"
            lines.append(f"| {name} | {sec:.1f} s | {extra} |")
        lines.append("")
        print("\n".join(lines[-len(med) - 5 :]), flush=True)
        if args.only == "pipeline":
            return 0
    if not args.no_listing and args.only in (None, "listing"):
        print(f"listing: five listers, four bucket shapes of {args.listing_keys:,} keys on SeaweedFS ...", flush=True)
        recs = _run(["bench.listing", "--keys", str(args.listing_keys)])
        from bench.listing import table

        load = next((r["load"] for r in recs if "load" in r), "")
        recs = [r for r in recs if "lister" in r]
        lines += [
            "Listing (real S3 server: SeaweedFS on this machine; same read-only credentials)",
            "",
            load,
            "",
            *table(recs),
            "",
        ]
        print("\n".join(lines[2:]), flush=True)
    if args.only == "listing":
        if args.markdown:
            Path(args.markdown).write_text("\n".join(lines) + "\n")
        return 0

    if not args.no_crosswalk and args.only in (None, "crosswalk"):
        lines += crosswalk_section(args.crosswalk_files, work)
    if args.only == "crosswalk":
        print("\n" + "\n".join(lines), flush=True)
        if args.markdown:
            Path(args.markdown).write_text("\n".join(lines) + "\n")
        return 0

    results: dict[int, list[dict]] = {}
    for n in sizes:
        folder = work / f"n{n}"
        print(f"{n:,} objects: generating (cached) ...", flush=True)
        _run(["bench.stages", "generate", str(n), str(folder)])
        print(f"{n:,} objects: measuring ...", flush=True)
        recs = []
        if n <= IN_MEMORY_MAX:
            recs += _run(["bench.stages", "measure", str(n), str(folder)])
            recs += _run(["bench.stages", "pipeline", str(n), str(folder)])
        if n >= 1_000_000:  # the streamed coverage (coverage/stream.py), bounded memory
            recs += _run(["bench.stages", "stream", str(n), str(folder)])
        results[n] = recs
        for r in recs:
            print(
                f"  {r['stage']:<38} {r['seconds']:>8.2f} s  {_fmt_rate(n, r['seconds']):>8} obj/s  "
                f"peak {r['peak_rss_mb']:,} MiB",
                flush=True,
            )

    in_memory = [n for n in sizes if n <= IN_MEMORY_MAX]
    if in_memory and max(in_memory) >= 1_000_000:  # the worst case of reading: files not sorted by key
        n = max(in_memory)
        folder = work / f"n{n}-unsorted"
        print(f"{n:,} objects, unsorted files: generating (cached) and reading ...", flush=True)
        _run(["bench.stages", "generate", str(n), str(folder), "--unsorted"])
        rec = _run(["bench.stages", "read", str(n), str(folder)])[0]
        print(f"  {rec['stage']:<32} {rec['seconds']:>8.2f} s  peak {rec['peak_rss_mb']:,} MiB", flush=True)
        lines_unsorted = [
            f"Worst case of reading, {n:,} objects in data files NOT sorted by key (a full sort): "
            f"{rec['seconds']:.2f} s, peak {rec['peak_rss_mb']:,} MiB.",
            "",
        ]
    else:
        lines_unsorted = []

    stages = list(dict.fromkeys(r["stage"] for n in sizes for r in results[n]))
    if not sizes:  # e.g. --sizes "" --no-listing: the crosswalk benchmark alone
        print("\n" + "\n".join(lines), flush=True)
        if args.markdown:
            Path(args.markdown).write_text("\n".join(lines) + "\n")
        return 0
    head = "| stage | " + " | ".join(f"{n:,} objects" for n in sizes) + " | growth |"
    lines += [
        "Inventory -> coverage -> gaps (S3 Inventory Parquet delivery against 28,428 games; "
        "seconds / objects per second / peak RSS)",
        "",
        head,
        "|---|" + "---:|" * len(sizes) + "---|",
    ]
    for st in stages:
        cells, pts = [], []
        for n in sizes:
            r = next((x for x in results[n] if x["stage"] == st), None)
            if r is None:
                cells.append("-")
                continue
            cells.append(f"{r['seconds']:.2f} s / {_fmt_rate(n, r['seconds'])}/s / {r['peak_rss_mb']:,} MiB")
            pts.append((n, r["seconds"]))
        growth = ""
        big = [(n, s) for n, s in pts if n >= 100_000 and s > 0]
        if len(big) >= 2:
            (n0, s0), (n1, s1) = big[0], big[-1]
            growth = f"time ~ n^{math.log(s1 / s0) / math.log(n1 / n0):.2f} ({n0:,}->{n1:,})"
            (m0, t0), (m1, t1) = big[-2], big[-1]
            if t1 > t0:  # the cost of each extra object, fixed costs (schedule, spec) aside
                growth += f"; marginal {_fmt_rate(m1 - m0, t1 - t0)} obj/s ({m0:,}->{m1:,})"
        lines.append(f"| {st} | " + " | ".join(cells) + f" | {growth} |")
    lines += [""] + lines_unsorted
    print("\n" + "\n".join(lines), flush=True)
    if args.markdown:
        Path(args.markdown).write_text("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
