"""One benchmark size in a fresh process: ``python -m bench.stages generate|measure|stream|compare|pipeline N DIR``.

``stream``: read + coverage + gaps with the streamed coverage (``coverage/stream.py``: the delivery
read batch by batch, memory bounded by the expected items), every orphan written to Parquet;
``compare``: the in-memory and the streamed coverage on the same delivery, asserted identical.

Prints one JSON object per line: ``{"stage", "objects", "seconds", "peak_rss_mb"}``. Peak memory is
the process's resident set size, sampled every 10 ms during the stage (``pipeline``: the whole
process's maximum, as the OS counts it).
"""

from __future__ import annotations

import json
import resource
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

LAKE = "s3://nba-sim-raw-data-lake"


class Peak:
    """Peak resident memory of this process (``tree``: plus its children, e.g. Dask workers)."""

    def __init__(self, tree: bool = False):
        self.tree = tree
        self.proc = psutil.Process()
        self.peak = 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def rss(self) -> int:
        total = self.proc.memory_info().rss
        if self.tree:
            for child in self.proc.children(recursive=True):
                try:
                    total += child.memory_info().rss
                except psutil.Error:
                    pass
        return total

    def _run(self):
        while not self.stop.is_set():
            self.peak = max(self.peak, self.rss())
            time.sleep(0.01 if not self.tree else 0.1)

    def reset(self):
        self.peak = self.rss()


@contextmanager
def stage(name: str, n: int, peak: Peak, out: list):
    peak.reset()
    t = time.perf_counter()
    yield
    seconds = time.perf_counter() - t
    peak.peak = max(peak.peak, peak.rss())
    rec = {"stage": name, "objects": n, "seconds": round(seconds, 3), "peak_rss_mb": round(peak.peak / 2**20)}
    out.append(rec)
    print(json.dumps(rec), flush=True)


def generate(n: int, folder: Path, sort: bool = True) -> None:
    from bench.generate import inventory, schedule, write_report
    from nba_simulator.spec import load_spec

    if (folder / "done").exists():
        return
    if n > 10_000_000:  # one data file at a time: memory of one file, not of n objects
        from bench.generate import write_report_by_file

        write_report_by_file(n, load_spec("default"), schedule(), folder / "report")
    else:
        table = inventory(n, load_spec("default"), schedule())
        write_report(table, folder / "report", sort=sort)
    (folder / "done").write_text(str(n))


def measure(n: int, folder: Path) -> None:
    from bench.generate import AS_OF, schedule
    from nba_simulator.coverage import build_coverage
    from nba_simulator.gaps import find_gaps
    from nba_simulator.spec import load_spec
    from nba_simulator.storage.inventory_report import read_report
    from nba_simulator.tasks import task_queue

    spec, games = load_spec("default"), schedule()
    peak, out = Peak(), []
    with stage("read inventory report", n, peak, out):
        inv, _ = read_report(str(folder / "report"), lake=LAKE, exclude=list(spec.exclude))
    with stage("parse keys (every layout)", n, peak, out):
        keys = inv["key"]
        for ds in spec.datasets:
            for layout in ds.layouts:
                hit = layout.matches(keys)
                layout.parse(keys[hit.to_numpy()])
    with stage("coverage", n, peak, out):
        cov = build_coverage(spec, games, inv, AS_OF)
    with stage("gaps + tasks", n, peak, out):
        gaps = find_gaps(spec, cov.coverage, cov.completeness, AS_OF)
        task_queue(spec, gaps)
    core = [r for r in out if r["stage"] in ("read inventory report", "coverage", "gaps + tasks")]
    print(
        json.dumps(
            {
                "stage": "read + coverage + gaps",
                "objects": n,
                "seconds": round(sum(r["seconds"] for r in core), 3),
                "peak_rss_mb": max(r["peak_rss_mb"] for r in core),
            }
        ),
        flush=True,
    )
    if n <= 1_000_000:  # the Dask engine on one machine: what its overhead costs
        from nba_simulator.coverage.dask_engine import dask_coverage

        path = folder / "inventory.parquet"
        inv.to_parquet(path, row_group_size=250_000)
        with stage("coverage, dask engine (local cluster)", n, peak, out):
            dask_coverage(spec, games, path, AS_OF)


def stream(n: int, folder: Path) -> None:
    """Read + coverage + gaps, streamed: what 100M objects take in bounded memory."""
    import tempfile

    from bench.generate import AS_OF, schedule
    from nba_simulator.coverage.stream import stream_coverage
    from nba_simulator.gaps import find_gaps
    from nba_simulator.spec import load_spec
    from nba_simulator.storage.inventory_report import open_stream
    from nba_simulator.tasks import task_queue

    spec, games = load_spec("default"), schedule()
    peak, out = Peak(), []
    with tempfile.TemporaryDirectory(dir=folder) as tmp:
        with stage("read + coverage, streamed (orphans written to Parquet)", n, peak, out):
            report = open_stream(str(folder / "report"), lake=LAKE, exclude=list(spec.exclude))
            cov = stream_coverage(spec, games, report.batches(), AS_OF, orphans_path=Path(tmp) / "orphans.parquet")
        with stage("gaps + tasks", n, peak, out):
            gaps = find_gaps(spec, cov.coverage, cov.completeness, AS_OF)
            task_queue(spec, gaps)
    print(
        json.dumps(
            {
                "stage": "read + coverage + gaps, streamed",
                "objects": report.objects,
                "seconds": round(sum(r["seconds"] for r in out), 3),
                "peak_rss_mb": max(r["peak_rss_mb"] for r in out),
                "orphans": cov.orphan_counts,
                "matched_items": int((cov.coverage["n_objects"] > 0).sum()),
                "max_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
            }
        ),
        flush=True,
    )


def stream_dask(n: int, folder: Path, workers: int = 2) -> None:
    """Read + coverage streamed, each chunk's data reduced on a local Dask cluster of ``workers``
    worker processes (no shared folder: the chunks are sent, not paths). Peak memory: the driver
    and its workers together."""
    from distributed import Client, LocalCluster

    from bench.generate import AS_OF, schedule
    from nba_simulator.coverage.stream import stream_coverage
    from nba_simulator.gaps import find_gaps
    from nba_simulator.spec import load_spec
    from nba_simulator.storage.inventory_report import open_stream
    from nba_simulator.tasks import task_queue

    spec, games = load_spec("default"), schedule()
    with (
        LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None) as cluster,
        Client(cluster) as client,
    ):
        peak, out = Peak(tree=True), []
        with stage(f"read + coverage, streamed to {workers} Dask worker processes", n, peak, out):
            report = open_stream(str(folder / "report"), lake=LAKE, exclude=list(spec.exclude))
            cov = stream_coverage(spec, games, report.batches(), AS_OF, client=client)
        with stage("gaps + tasks", n, peak, out):
            task_queue(spec, find_gaps(spec, cov.coverage, cov.completeness, AS_OF))
    print(
        json.dumps(
            {
                "stage": "read + coverage + gaps, streamed to Dask workers",
                "objects": report.objects,
                "seconds": round(sum(r["seconds"] for r in out), 3),
                "peak_rss_mb": max(r["peak_rss_mb"] for r in out),
                "orphans": cov.orphan_counts,
            }
        ),
        flush=True,
    )


def compare(n: int, folder: Path) -> None:
    """The in-memory and the streamed coverage of the same delivery: identical frames."""
    import pandas as pd

    from bench.generate import AS_OF, schedule
    from nba_simulator.coverage import build_coverage
    from nba_simulator.coverage.stream import stream_coverage
    from nba_simulator.spec import load_spec
    from nba_simulator.storage.inventory_report import open_stream, read_report

    spec, games = load_spec("default"), schedule()
    inv, _ = read_report(str(folder / "report"), lake=LAKE, exclude=list(spec.exclude))
    a = build_coverage(spec, games, inv, AS_OF)
    del inv
    report = open_stream(str(folder / "report"), lake=LAKE, exclude=list(spec.exclude))
    b = stream_coverage(spec, games, report.batches(), AS_OF, keep_orphans=0)
    for name in ("coverage", "duplicates", "completeness"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name), check_dtype=False, obj=name)
    counts = a.orphans["reason"].value_counts()
    assert b.orphan_counts == {r: int(counts.get(r, 0)) for r in ("orphan", "unparsed")}, b.orphan_counts
    assert a.unjudged == b.unjudged
    print(
        json.dumps(
            {"stage": "compare in-memory vs streamed", "objects": n, "identical": True, "orphans": b.orphan_counts}
        ),
        flush=True,
    )


def read_only(n: int, folder: Path) -> None:
    """Reading a delivery whose files are NOT sorted: the worst case (a full sort of the keys)."""
    from nba_simulator.spec import load_spec
    from nba_simulator.storage.inventory_report import read_report

    spec = load_spec("default")
    peak, out = Peak(), []
    with stage("read inventory report, unsorted files", n, peak, out):
        read_report(str(folder / "report"), lake=LAKE, exclude=list(spec.exclude))


def pipeline(n: int, folder: Path) -> None:
    """Read the report, analyse (coverage, gaps, tasks, summary), write every output file."""
    import tempfile

    from bench.generate import AS_OF, schedule
    from nba_simulator.reconcile import analyse, write_outputs
    from nba_simulator.spec import load_spec
    from nba_simulator.storage.inventory_report import read_report

    t = time.perf_counter()
    spec, games = load_spec("default"), schedule()
    inv, _ = read_report(str(folder / "report"), lake=LAKE, exclude=list(spec.exclude))
    result = analyse(spec, games, inv, AS_OF, {"lake": LAKE, "objects": len(inv)})
    with tempfile.TemporaryDirectory() as out:
        write_outputs(result, out)
    seconds = time.perf_counter() - t
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB -> MiB
    print(
        json.dumps(
            {
                "stage": "full pipeline (fresh process)",
                "objects": n,
                "seconds": round(seconds, 3),
                "peak_rss_mb": round(peak),
            }
        ),
        flush=True,
    )


if __name__ == "__main__":
    what, n, folder = sys.argv[1], int(sys.argv[2]), Path(sys.argv[3])
    folder.mkdir(parents=True, exist_ok=True)
    if what == "generate":
        generate(n, folder, sort="--unsorted" not in sys.argv)
    elif what == "measure":
        measure(n, folder)
    elif what == "stream":
        stream(n, folder)
    elif what == "stream-dask":
        stream_dask(n, folder)
    elif what == "compare":
        compare(n, folder)
    elif what == "pipeline":
        pipeline(n, folder)
    elif what == "read":
        read_only(n, folder)
    else:
        raise SystemExit(f"unknown {what}")
