"""The reconciliation core in a few calls: scan, analyse, write.

``scan_run.scan_lake`` is the only step that touches the lake; ``analyse`` is pure (DataFrames in, a
:class:`Result` out, every time rule at the explicit ``as_of``); ``write_outputs`` writes the files
atomically. ``reconcile`` chains them for the CLI.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd

from . import coverage_run
from .analysis import (
    CoverageStage,
    coverage_files,
    coverage_stage,
    gaps_stage,
    summary_stage,
    tasks_document,
    tasks_stage,
)
from .asof import parse_as_of
from .content.probe import ProbeResult
from .coverage import CoverageResult
from .coverage_run import CoverageOptions, ScannedInventory
from .errors import BadInput, OutputError, ParameterError
from .outputs import FileSet, check_out_dir
from .scan_run import ScanOptions, resolve_inventory, scan_lake
from .schedule.auto import auto_schedule
from .schedule.load import load_schedule
from .spec import Spec, load_spec
from .storage.scoreboards import lake_scoreboards, scoreboard_layouts
from .tasks import TaskQueue

log = logging.getLogger(__name__)

OUTPUT_FILES = (
    "inventory.parquet",
    "coverage.parquet",
    "orphans.parquet",
    "duplicates.parquet",
    "completeness.parquet",
    "gaps.parquet",
    "tasks.json",
    "summary.json",
)


@dataclass
class Result:
    as_of: pd.Timestamp
    inventory: pd.DataFrame
    coverage: pd.DataFrame
    orphans: pd.DataFrame
    duplicates: pd.DataFrame
    completeness: pd.DataFrame
    gaps: pd.DataFrame
    tasks: list[dict]
    summary: dict
    warnings: list[str] = field(default_factory=list)
    matrix: pd.DataFrame | None = None  # per game x per-game dataset (content.matrix, wide)
    probe: ProbeResult | None = None  # content probing (reconcile --probe)
    #: output files already written while streaming (name -> a hidden file in the output folder);
    #: a streamed run has ``inventory`` None and only the first orphans in ``orphans``
    streamed: dict[str, Path] = field(default_factory=dict)


@contextlib.contextmanager
def _stream_targets(out_dir, wanted: bool):
    """Where a streamed run writes inventory.parquet and orphans.parquet while it reads: hidden
    names in the output folder, adopted by ``write_outputs``. On any failure they are removed, and
    so is the output folder when this run created it (bad input leaves nothing behind)."""
    if not wanted:
        yield {}
        return
    out = Path(out_dir)
    created = not out.exists()
    out.mkdir(parents=True, exist_ok=True)
    paths = {
        "inventory.parquet": out / ".inventory.streamed.parquet",
        "orphans.parquet": out / ".orphans.streamed.parquet",
    }
    try:
        yield paths
    except BaseException:
        for path in paths.values():
            path.unlink(missing_ok=True)
        if created:
            with contextlib.suppress(OSError):
                out.rmdir()
        raise


def resolve_schedule(spec: Spec, override: str | None = None) -> str:
    """The schedule to use: the CLI's override, else the spec's; relative paths from the spec file."""
    source = override or spec.schedule
    if source in ("builtin", "db", "auto") or Path(source).is_absolute() or override:
        return source
    return str(Path(spec.path).parent / source)


def schedule_for(
    spec: Spec, source: str, *, lake=None, as_of=None, runs_dir=None, read_db: Callable | None = None
) -> pd.DataFrame:
    """The schedule ``source`` names (``resolve_schedule``'s answer): ``"db"`` reads the spec's
    games table with ``read_db(spec.database)`` (the database layer's
    ``database.user_tables.schedule_from_db``, passed in by the callers above it), ``"auto"``
    builds the packaged history + the newest snapshot in ``runs_dir`` + the ESPN ids of
    ``lake``'s scoreboards (a URI or an open storage; ``schedule.auto`` with
    ``storage.scoreboards``), anything else goes to ``schedule.load_schedule``.

    What the schedule is made of (``{"source", "warnings", ...}``) is in
    ``games.attrs["schedule_info"]``: coverage reports its warnings."""
    if source == "db":
        if read_db is None:
            raise BadInput(
                f"{spec.path}: schedule: db needs the database reader (pass "
                "read_db=nba_simulator.database.user_tables.schedule_from_db)"
            )
        games = read_db(getattr(spec, "database", None))
        info = {"source": "db", "warnings": []}
    elif source == "auto":
        read = lake is not None and scoreboard_layouts(spec)  # a spec without scoreboards: no lake read
        pages = lake_scoreboards(lake, spec, runs_dir=runs_dir) if read else None
        games, info = auto_schedule(spec, pages, as_of=as_of, runs_dir=runs_dir)
    else:
        games = load_schedule(source)
        info = {"source": "builtin" if source == "builtin" else "file", "warnings": []}
    games.attrs["schedule_info"] = info
    return games


def analyse(
    spec: Spec,
    schedule: pd.DataFrame,
    inventory: pd.DataFrame | None,
    as_of,
    scan_info: dict | None = None,
    *,
    stage: CoverageStage | None = None,
) -> Result:
    """The analysis: the stage functions of :mod:`.analysis` in sequence, from ``stage`` (the
    coverage stage already run: :func:`~.coverage_run.run_coverage`) or the coverage of
    ``inventory`` built here. A probed coverage's items whose object failed its content rule are
    ``empty``, and the task queue ranks first the tasks whose games another source has (only
    then is "has" more than a file name)."""
    as_of = parse_as_of(as_of)
    scan_info = scan_info or {}
    st = stage or coverage_stage(spec, schedule, inventory, as_of, scan_info)
    cov, probe = st.coverage, st.content
    gaps = gaps_stage(spec, cov, as_of)
    queue = tasks_stage(spec, gaps, cov.coverage)
    summary = summary_stage(spec, as_of, cov, gaps, queue, scan_info, st.matrix, probe)
    return Result(
        as_of,
        inventory,
        cov.coverage,
        cov.orphans,
        cov.duplicates,
        cov.completeness,
        gaps,
        queue.tasks,
        summary,
        cov.warnings,
        st.matrix.wide,
        probe,
    )


def result_files(result: Result) -> dict:
    """The result's data files but the inventory and the summary, shaped by the stages' shapers."""
    cov = CoverageResult(result.coverage, result.orphans, result.duplicates, result.completeness, result.warnings)
    return {
        **coverage_files(cov, result.matrix, result.probe),
        "gaps.parquet": result.gaps,
        "tasks.json": tasks_document(
            result.as_of,
            TaskQueue(result.tasks, result.summary["tasks_capped"], result.summary.get("tasks_capped_items", {})),
        ),
    }


def write_outputs(result: Result, out_dir) -> dict[str, Path]:
    """Write the result's files into ``out_dir``, together or not at all (:class:`FileSet`): a
    failure (a full disk...) leaves a previous result there untouched. ``summary.json`` goes
    last: its presence says the other files are complete."""
    files = FileSet(out_dir, last="summary.json")
    try:
        for name, path in result.streamed.items():
            files.adopt(name, path)
        if result.inventory is not None:
            files.parquet("inventory.parquet", result.inventory)
        for name, content in result_files(result).items():
            if name in result.streamed:
                continue
            if name.endswith(".json"):
                files.json(name, content)
            else:
                files.parquet(name, content)
        files.json("summary.json", result.summary)
    except OSError as exc:
        files.abort()
        reason = os.strerror(exc.errno) if exc.errno else str(exc)
        raise OutputError(f"cannot write the results into {out_dir}: {reason}; no file there was replaced") from exc
    except BaseException:
        files.abort()
        raise
    return files.commit()


def check_probe(spec: Spec, what: str = "--probe") -> None:
    """Probing needs content rules: refused before any work when the spec has none."""
    if not any(d.content is not None for d in spec.datasets):
        raise BadInput(
            f"{what}: the spec {spec.path} has no content rules (a dataset's "
            "content: section), so there is nothing to probe"
        )


@dataclass(frozen=True)
class ReconcileOptions:
    """One ``nba-recon reconcile``: the spec and the lake, the analysis date, where results go
    (``out_dir``; ``None``: not written), the scan's options (:class:`ScanOptions`) and the
    coverage's (:class:`~.coverage_run.CoverageOptions`: probe, stream, engine). Checked when made.

    ``runs_dir``: where ``schedule: auto`` finds the newest schedule snapshot and keeps its
    scoreboard cache (``nba-recon run``'s runs folder); ``None``: no snapshot, no cache.
    ``read_db``: how ``schedule: db`` reads the games table (see :func:`schedule_for`).
    With probe options and no cache given, the cache is ``out_dir/content_cache.sqlite``: a rerun
    into the same folder reads only changed objects. The Dask engine's workers read the
    inventory Parquet file written to ``out_dir``."""

    spec: str
    lake: str
    as_of: Any
    out_dir: str | Path | None = None
    schedule: str | None = None
    scan: ScanOptions = field(default_factory=ScanOptions)
    coverage: CoverageOptions = field(default_factory=CoverageOptions)
    runs_dir: str | Path | None = None
    read_db: Callable | None = None

    def __post_init__(self):
        for name, kind in (("scan", ScanOptions), ("coverage", CoverageOptions)):
            if not isinstance(getattr(self, name), kind):
                raise ParameterError(f"{name}: expected {kind.__name__}, got {getattr(self, name)!r}")
        if self.coverage.engine.dask:
            if self.scan.sample:
                raise BadInput("--engine dask computes the full coverage: drop --sample")
            if self.out_dir is None:
                raise BadInput("--engine dask needs an output folder (the workers read its inventory.parquet)")
        self.coverage.scan_stream(self.scan.sample)  # --stream yes with --sample: refused now

    @property
    def probe_cache(self) -> Path | None:
        """The probe's default cache: in the output folder."""
        return None if self.out_dir is None else Path(self.out_dir) / "content_cache.sqlite"


def reconcile(options: ReconcileOptions) -> Result:
    """Scan, analyse (through :func:`~.coverage_run.run_coverage`: probing, streaming, Dask),
    write. ``options.coverage.stream``: an S3 Inventory delivery is read batch by batch into the
    streamed coverage (:mod:`.coverage.stream`, memory bounded by the expected items), ``"auto"``
    when its data files exceed ``STREAM_ABOVE_BYTES``; never with ``--sample`` or the Dask engine."""
    o = options
    spec = load_spec(o.spec, as_of=o.as_of)
    if o.coverage.probe is not None:
        check_probe(spec)
    if o.out_dir is not None:
        check_out_dir(o.out_dir)
    games = schedule_for(
        spec, resolve_schedule(spec, o.schedule), lake=o.lake, as_of=o.as_of, runs_dir=o.runs_dir, read_db=o.read_db
    )
    log.info("spec %s: %d datasets; schedule: %d games", o.spec, len(spec.datasets), len(games))
    inv_path = Path(o.out_dir) / "inventory.parquet" if o.coverage.engine.dask else None
    stream = o.coverage.scan_stream(o.scan.sample)
    wants_stream = bool(stream and o.out_dir is not None and resolve_inventory(spec, o.scan.inventory)[0])
    with _stream_targets(o.out_dir, wants_stream) as targets:
        inventory, info = scan_lake(
            spec,
            o.lake,
            o.scan,
            schedule=games,
            as_of=o.as_of,
            out_path=inv_path or targets.get("inventory.parquet"),
            stream=stream,
        )
        log.info(
            "lake %s: %s objects %s", o.lake, info.get("objects", "?"), "streamed" if inventory is None else "listed"
        )
        report = info.pop("stream", None)  # an S3 Inventory delivery, streamed
        if report is None:  # read in memory: inventory.parquet is written with the other files
            for path in targets.values():
                path.unlink(missing_ok=True)
        streamed = targets if report is not None else {}
        scanned = ScannedInventory(
            o.lake, inventory, report.batches if report is not None else None, inv_path, info.get("sample")
        )
        coverage = (
            replace(o.coverage, probe=o.coverage.probe.with_cache(o.probe_cache))
            if o.coverage.probe is not None
            else o.coverage
        )
        stage = coverage_run.run_coverage(
            spec, games, scanned, o.as_of, coverage, orphans_path=streamed.get("orphans.parquet")
        )
        if report is not None:
            info.update({"objects": report.objects, "bytes": report.bytes})
        result = analyse(spec, games, inventory, o.as_of, info, stage=stage)
        result.streamed = streamed
        if o.out_dir is not None:
            write_outputs(result, o.out_dir)
    return result
