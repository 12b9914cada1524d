"""Soak: scheduled pipeline runs back to back in ONE process, as a long-lived scheduler would run
them, watching what must not grow: kernels, file handles, locks, memory.

    python -m bench.soak [--runs 12] [--lake DIR --spec SPEC] [--workdir DIR] [--failures]

A "compressed hour": a run every 5 minutes for an hour is 12 runs; here they run back to back,
each with the next day as ``as_of`` (a scheduler's daily run). ``--failures`` makes some runs fail
on purpose (a stage raising, a kernel dying, a stage timing out), since failure paths are where
kernels and file handles leak. After each run (and a ``gc.collect()``) it records:

* ``kernels``: processes started by the runs that are still alive, found by a tag in their
  environment (so a kernel orphaned to init is found too, and other programs' kernels are not);
* ``fds``: open file descriptors of this process; ``threads``;
* ``rss_mb``: this process's resident memory;
* ``locks``: lock owner records left in the runs folder (``.lock.json``).

Prints one row per run and a verdict; ``soak()`` is what ``tests/faults/test_soak.py`` calls.
Without ``--lake`` it builds the demo lake into the workdir (default ``bench/.data/soak``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import os
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import psutil

TAG = "NBA_RECON_SOAK_TAG"


def tagged_processes(tag: str) -> list[psutil.Process]:
    """Live processes whose environment carries ``TAG=tag`` (kernels of the soak's runs)."""
    me = os.getpid()
    found = []
    for proc in psutil.process_iter(["pid"]):
        if proc.pid == me:
            continue
        try:
            with open(f"/proc/{proc.pid}/environ", "rb") as fh:
                env = fh.read()
        except OSError:
            continue
        if f"{TAG}={tag}".encode() in env.split(b"\0"):
            try:
                if proc.status() != psutil.STATUS_ZOMBIE:
                    found.append(proc)
            except psutil.Error:
                pass
    return found


@contextmanager
def _tagged(tag: str) -> Iterator[None]:
    old = os.environ.get(TAG)
    os.environ[TAG] = tag
    try:
        yield
    finally:
        if old is None:
            os.environ.pop(TAG, None)
        else:
            os.environ[TAG] = old


def _settle(tag: str, timeout: float = 10.0) -> list[psutil.Process]:
    """Tagged processes still alive after up to ``timeout`` s (kernels shut down asynchronously)."""
    deadline = time.monotonic() + timeout
    alive = tagged_processes(tag)
    while alive and time.monotonic() < deadline:
        time.sleep(0.2)
        alive = tagged_processes(tag)
    return alive


def soak(
    n_runs: int,
    *,
    runs_dir: Path,
    params: dict,
    notebooks_dir: Path | None = None,
    first_as_of: str | None = None,
    failures: dict[int, dict] | None = None,
    timeout: float = 900,
    echo: Callable[[str], None] = lambda s: None,
) -> list[dict]:
    """``n_runs`` pipeline runs in this process; one row of figures after each.

    ``failures`` maps a run number (1-based) to extra parameters (and ``timeout``) for that run,
    e.g. ``{2: {"fail_stage": "02_coverage", "mode": "raise"}}`` with the test notebooks.
    """
    from nba_simulator.pipeline.retry import Backoff
    from nba_simulator.pipeline.runner import run_pipeline

    me = psutil.Process()
    tag = uuid.uuid4().hex
    rows: list[dict] = []
    base = dt.date.fromisoformat(first_as_of) if first_as_of else None
    with _tagged(tag):
        for i in range(1, n_runs + 1):
            extra = dict((failures or {}).get(i, {}))
            run_timeout = extra.pop("timeout", timeout)
            values = {**params, **extra}
            if base is not None:
                values["as_of"] = (base + dt.timedelta(days=i - 1)).isoformat()
            t0 = time.monotonic()
            result = run_pipeline(
                values,
                runs_dir=runs_dir,
                notebooks_dir=notebooks_dir,
                progress=False,
                echo=lambda m: None,
                retries=1,
                timeout=run_timeout,
                backoff=Backoff(base=0.2, cap=1.0),
            )
            seconds = time.monotonic() - t0
            gc.collect()
            left = _settle(tag)
            row = {
                "run": i,
                "status": result.status,
                "failed_stage": result.failed_stage,
                "seconds": round(seconds, 1),
                "kernels": len(left),
                "fds": me.num_fds(),
                "threads": me.num_threads(),
                "rss_mb": round(me.memory_info().rss / 2**20, 1),
                "locks": len(list(Path(runs_dir).glob("**/.lock.json"))),
            }
            rows.append(row)
            echo(" ".join(f"{k}={v}" for k, v in row.items()))
    return rows


def verdict(rows: list[dict], *, warmup: int = 2, max_growth_mb: float = 25.0) -> list[str]:
    """What is wrong with a soak's figures (empty: nothing)."""
    problems = []
    if any(r["kernels"] for r in rows):
        problems.append(f"kernels left alive after runs {[r['run'] for r in rows if r['kernels']]}")
    if any(r["locks"] for r in rows):
        problems.append(f"locks left after runs {[r['run'] for r in rows if r['locks']]}")
    steady = rows[warmup - 1 :] if len(rows) >= warmup else rows
    fds = [r["fds"] for r in steady]
    if fds and max(fds) > fds[0] + 2:
        problems.append(f"file descriptors grew from {fds[0]} to {max(fds)}")
    threads = [r["threads"] for r in steady]
    if threads and max(threads) > threads[0] + 2:
        problems.append(f"threads grew from {threads[0]} to {max(threads)}")
    rss = [r["rss_mb"] for r in steady]
    if rss and max(rss) - rss[0] > max_growth_mb:
        problems.append(f"memory grew by {max(rss) - rss[0]:.1f} MB after warm-up")
    return problems


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=12, help="runs (12: a run every 5 minutes for an hour)")
    ap.add_argument("--lake", default=None, help="lake folder or s3:// URI (default: the demo lake)")
    ap.add_argument("--spec", default=None, help="spec of --lake")
    ap.add_argument("--as-of", default=None, help="as_of of the first run (default: the demo's)")
    ap.add_argument("--workdir", type=Path, default=Path(__file__).resolve().parent / ".data" / "soak")
    ap.add_argument(
        "--failures",
        action="store_true",
        help="also fail some runs on purpose (a bad lake path in run 3, a 1 s timeout in run 6)",
    )
    args = ap.parse_args(argv)
    args.workdir.mkdir(parents=True, exist_ok=True)
    if args.lake:
        params = {"lake": args.lake, **({"spec": args.spec} if args.spec else {})}
        as_of = args.as_of
    else:
        from nba_simulator.pipeline.scratch import ensure_demo

        demo = ensure_demo(args.workdir / "demo")
        params = {"lake": str(demo.lake), "spec": str(demo.spec)}
        as_of = args.as_of or demo.as_of
    failures = {3: {"lake": str(args.workdir / "no-such-lake")}, 6: {"timeout": 1.0}} if args.failures else None
    runs_dir = args.workdir / f"runs-{int(time.time())}"
    print(f"soak: {args.runs} runs into {runs_dir}", flush=True)
    t0 = time.monotonic()
    rows = soak(
        args.runs,
        runs_dir=runs_dir,
        params=params,
        first_as_of=as_of,
        failures=failures,
        echo=lambda s: print(s, flush=True),
    )
    problems = verdict(rows)
    rss = [r["rss_mb"] for r in rows]
    print(
        f"{len(rows)} runs in {time.monotonic() - t0:.0f} s; rss {rss[0]} -> {rss[-1]} MB "
        f"(max {max(rss)}); fds {rows[0]['fds']} -> {rows[-1]['fds']}; "
        f"kernels left {sum(r['kernels'] for r in rows)}; locks left {rows[-1]['locks']}"
    )
    print("OK: nothing leaked" if not problems else "LEAKS: " + "; ".join(problems))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
