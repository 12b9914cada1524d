"""The reconciliation core in a few calls: scan, analyse, write.

``scan_lake`` is the only step that touches the lake; ``analyse`` is pure (DataFrames in, a
:class:`Result` out, every time rule at the explicit ``as_of``); ``write_outputs`` writes the files
atomically. ``reconcile`` chains them for the CLI.
"""
from __future__ import annotations

import contextlib
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .asof import parse_as_of
from .content.probe import ProbeResult, probe_lake
from .coverage import CoverageResult, build_coverage, expected_items
from .coverage.dates import check_as_of
from .coverage.lake_check import check_lake
from .coverage.sampling import plan_sample
from .coverage.stream import stream_coverage
from .errors import BadInput, LakeNotFound, OutputError
from .outputs import FileSet
from .schedule.auto import auto_schedule
from .schedule.load import load_schedule
from .spec import Spec, load_spec
from .stages import coverage_files, coverage_stage, gaps_stage, summary_stage, tasks_document, tasks_stage
from .storage import open_storage
from .storage.inventory_report import load_report
from .storage.scan import scan
from .storage.scoreboards import lake_scoreboards, scoreboard_layouts
from .tasks import TaskQueue

log = logging.getLogger(__name__)

OUTPUT_FILES = ("inventory.parquet", "coverage.parquet", "orphans.parquet", "duplicates.parquet",
                "completeness.parquet", "gaps.parquet", "tasks.json", "summary.json")


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
    matrix: pd.DataFrame | None = None     # per game x per-game dataset (content.matrix, wide)
    probe: ProbeResult | None = None     # content probing (reconcile --probe)
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
    paths = {"inventory.parquet": out / ".inventory.streamed.parquet",
             "orphans.parquet": out / ".orphans.streamed.parquet"}
    try:
        yield paths
    except BaseException:
        for path in paths.values():
            path.unlink(missing_ok=True)
        if created:
            with contextlib.suppress(OSError):
                out.rmdir()
        raise

#: ``--stream`` (and the scan stage's ``stream`` parameter) -> ``scan_lake``'s ``stream``
STREAM_MODES = {"auto": "auto", "yes": True, "no": False}


def stream_mode(value: str, *, sample=None, what: str = "--stream") -> bool | str:
    """``STREAM_MODES[value]`` (checked by :func:`check_stream`); an unknown value is refused in
    one line."""
    if value not in STREAM_MODES:
        raise BadInput(f"{what}: expected auto, yes or no, got {value!r}")
    return check_stream(STREAM_MODES[value], sample=sample, what=what)


def check_stream(mode: bool | str, *, sample=None, engine: str = "pandas",
                 what: str = "--stream") -> bool | str:
    """``mode`` (``True``, ``False`` or ``"auto"``), refused in one line when it is ``True`` with
    what needs the whole inventory in memory: sampling, the Dask engine. (Content probing does
    not: it reads the objects of expected keys, which the streamed coverage keeps.)"""
    needs = "sampling" if sample else "the Dask engine" if engine == "dask" else None
    if mode is True and needs:
        raise BadInput(f"{what} yes reads an S3 Inventory in bounded memory: not with {needs}")
    return mode


def resolve_schedule(spec: Spec, override: str | None = None) -> str:
    """The schedule to use: the CLI's override, else the spec's; relative paths from the spec file."""
    source = override or spec.schedule
    if source in ("builtin", "db", "auto") or Path(source).is_absolute() or override:
        return source
    return str(Path(spec.path).parent / source)


def schedule_for(spec: Spec, source: str, *, lake=None, as_of=None, runs_dir=None,
                 read_db: Callable | None = None) -> pd.DataFrame:
    """The schedule ``source`` names (``resolve_schedule``'s answer): ``"db"`` reads the spec's
    games table with ``read_db(spec.database)`` (the database layer's
    ``database.db_coverage.schedule_from_db``, passed in by the callers above it), ``"auto"``
    builds the packaged history + the newest snapshot in ``runs_dir`` + the ESPN ids of
    ``lake``'s scoreboards (a URI or an open storage; ``schedule.auto`` with
    ``storage.scoreboards``), anything else goes to ``schedule.load_schedule``.

    What the schedule is made of (``{"source", "warnings", ...}``) is in
    ``games.attrs["schedule_info"]``: coverage reports its warnings."""
    if source == "db":
        if read_db is None:
            raise BadInput(f"{spec.path}: schedule: db needs the database reader (pass "
                           "read_db=nba_simulator.database.db_coverage.schedule_from_db)")
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


def resolve_inventory(spec: Spec, override: str | None = None) -> tuple[str | None, float | None]:
    """The S3 Inventory source of a run (the CLI's ``--inventory``, else the spec's) and its max age;
    a relative local folder in the spec is taken from the spec file's folder."""
    if override:
        return override, spec.inventory.max_age_days if spec.inventory else None
    if spec.inventory is None:
        return None, None
    uri = spec.inventory.uri
    if not uri.startswith("s3://") and not Path(uri).is_absolute():
        uri = str(Path(spec.path).parent / uri)
    return uri, spec.inventory.max_age_days


def scan_lake(spec: Spec, lake: str, *, schedule: pd.DataFrame | None = None, as_of=None,
              sample: float | None = None, workers: int = 8, out_path=None,
              progress: bool = False, inventory: str | None = None,
              inventory_max_age_days: float | None = None,
              stream: bool | str = False) -> tuple[pd.DataFrame | None, dict]:
    """List the lake (all of it, or a deterministic sample) into an inventory.

    With an S3 Inventory source (``inventory``, else the spec's ``inventory:``), its newest
    delivery as of ``as_of`` is read instead of listing; when there is none or it is older than
    the max age, a warning goes into ``info["warnings"]`` and the lake is listed. ``stream``
    (``True`` or ``"auto"``, see :func:`~.storage.inventory_report.load_report`): a delivery to be
    streamed is returned as ``(None, info)`` with the :class:`ReportStream` in ``info["stream"]``.
    """
    started = time.perf_counter()
    if schedule is not None and as_of is not None:
        # before the first expected game nothing can be judged: refused before any listing
        check_as_of(spec, schedule, as_of)
    source, max_age = resolve_inventory(spec, inventory)
    if inventory_max_age_days is not None:
        max_age = inventory_max_age_days
    warnings: list[str] = []
    if stream is True and not source:
        warnings.append("stream yes: there is no S3 Inventory to stream (none given and no inventory: "
                        "section in the spec), so the lake was listed into memory")
    if source:
        if as_of is None:
            raise ValueError("reading an S3 Inventory needs as_of (to judge the delivery's age)")
        report = load_report(source, as_of=as_of, lake=lake, exclude=list(spec.exclude),
                             max_age_days=max_age, out_path=out_path, stream=stream)
        if report.stream is not None:
            return None, {"lake": lake, "source": "s3-inventory", "sample": None, "listed_prefixes": None,
                          **report.info, "warnings": warnings, "stream": report.stream}
        if report.inventory is not None:
            inv = report.inventory
            if sample:
                warnings.append("--sample ignored: the S3 Inventory already holds every object")
            info = {"lake": lake, "source": "s3-inventory", "objects": int(len(inv)),
                    "bytes": int(inv["size"].sum()), "sample": None, "listed_prefixes": None,
                    **report.info, "warnings": warnings,
                    "seconds": round(time.perf_counter() - started, 3)}
            return inv, info
        for w in report.warnings:
            log.warning("%s", w)
        warnings.extend(report.warnings)
    storage = open_storage(lake)
    prefixes = None
    if sample:
        if schedule is None or as_of is None:
            raise ValueError("sampling needs the schedule and as_of, to choose what to list")
        prefixes = list(plan_sample(expected_items(spec, schedule, as_of), sample).prefixes)
    inventory = scan(storage, prefixes=prefixes, exclude=list(spec.exclude), workers=workers,
                     out_path=out_path, progress=progress)
    if prefixes is None and inventory.empty:
        # An empty lake is a wrong bucket, prefix or folder far more often than a real state:
        # a report saying "everything is missing" (and a task for every game) would be wrong.
        raise LakeNotFound(f"the lake {storage.uri} holds no objects (outside the spec's excluded "
                           f"folders): wrong bucket, prefix or folder?")
    if prefixes is None:
        # keys, but none of the spec's datasets (a stray file, the wrong prefix): bad input too;
        # a dataset matching nothing: a warning naming it and its layouts
        warnings.extend(check_lake(spec, inventory, storage.uri))
    info = {"lake": lake, "objects": int(len(inventory)), "bytes": int(inventory["size"].sum()),
            "sample": sample, "listed_prefixes": len(prefixes) if prefixes is not None else None,
            "seconds": round(time.perf_counter() - started, 3)}
    if warnings:
        info["warnings"] = warnings
    return inventory, info


def analyse(spec: Spec, schedule: pd.DataFrame, inventory: pd.DataFrame, as_of,
            scan_info: dict | None = None, *, probe: ProbeResult | None = None,
            coverage: CoverageResult | None = None) -> Result:
    """The analysis: the stage functions of :mod:`stages` in sequence. With ``probe`` (content
    probing of ``coverage``'s best objects), items whose object failed its content rule become
    ``empty`` and the task queue ranks first the tasks whose games another source has (only
    then is "has" more than a file name)."""
    as_of = parse_as_of(as_of)
    scan_info = scan_info or {}
    st = coverage_stage(spec, schedule, inventory, as_of, scan_info, coverage=coverage, content=probe)
    cov = st.coverage
    gaps = gaps_stage(spec, cov, as_of)
    queue = tasks_stage(spec, gaps, cov.coverage)
    summary = summary_stage(spec, as_of, cov, gaps, queue, scan_info, st.matrix, probe)
    return Result(as_of, inventory, cov.coverage, cov.orphans, cov.duplicates, cov.completeness,
                  gaps, queue.tasks, summary, cov.warnings, st.matrix.wide, probe)


def result_files(result: Result) -> dict:
    """The result's data files but the inventory and the summary, shaped by the stages' shapers."""
    cov = CoverageResult(result.coverage, result.orphans, result.duplicates, result.completeness,
                         result.warnings)
    return {**coverage_files(cov, result.matrix, result.probe), "gaps.parquet": result.gaps,
            "tasks.json": tasks_document(result.as_of, TaskQueue(result.tasks,
                                                                 result.summary["tasks_capped"]))}


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
        raise OutputError(f"cannot write the results into {out_dir}: {reason}; "
                          f"no file there was replaced") from exc
    except BaseException:
        files.abort()
        raise
    return files.commit()


def check_probe(spec: Spec, what: str = "--probe") -> None:
    """Probing needs content rules: refused before any work when the spec has none."""
    if not any(d.content is not None for d in spec.datasets):
        raise BadInput(f"{what}: the spec {spec.path} has no content rules (a dataset's "
                       "content: section), so there is nothing to probe")


def reconcile(spec_path: str, lake: str, *, schedule: str | None = None, as_of,
              out_dir=None, sample: float | None = None, progress: bool = False,
              probe: bool = False, probe_sample: float | None = None,
              probe_max_objects: int | None = None, probe_max_bytes: int | None = None,
              probe_workers: int = 16, probe_cache=None, inventory: str | None = None,
              inventory_max_age_days: float | None = None, engine: str = "pandas",
              scheduler: str | None = None, runs_dir=None, read_db: Callable | None = None,
              stream: bool | str = "auto") -> Result:
    """Scan, (optionally) probe contents, analyse, write. ``probe_cache`` defaults to
    ``out_dir/content_cache.sqlite``: a rerun into the same folder reads only changed objects.

    ``inventory``: an S3 Inventory destination read instead of listing (see :func:`scan_lake`).
    ``engine="dask"``: the coverage's per-object work runs on a Dask cluster (``scheduler``
    address; a local in-process one when ``None``) over the inventory Parquet file written to
    ``out_dir``, which the cluster's workers must be able to read.
    ``runs_dir``: where ``schedule: auto`` finds the newest schedule snapshot and keeps its
    scoreboard cache (``nba-recon run``'s runs folder); ``None``: no snapshot, no cache.
    ``read_db``: how ``schedule: db`` reads the games table (see :func:`schedule_for`).
    ``stream``: an S3 Inventory delivery is read batch by batch into the streamed coverage
    (:mod:`.coverage.stream`, memory bounded by the expected items) when ``True``, or with
    ``"auto"`` when its data files exceed ``STREAM_ABOVE_BYTES``; not with ``--probe``, ``--sample``
    or the Dask engine (``"auto"`` then reads in memory)."""
    if engine not in ("pandas", "dask"):
        raise BadInput(f"engine must be pandas or dask, got {engine!r}")
    spec = load_spec(spec_path, as_of=as_of)
    if probe:
        check_probe(spec)
    games = schedule_for(spec, resolve_schedule(spec, schedule), lake=lake, as_of=as_of, runs_dir=runs_dir,
                         read_db=read_db)
    inv_path = None
    if engine == "dask":
        if sample:
            raise BadInput("--engine dask computes the full coverage: drop --sample")
        if out_dir is None:
            raise BadInput("--engine dask needs an output folder (the workers read its inventory.parquet)")
        inv_path = Path(out_dir) / "inventory.parquet"
    check_stream(stream, sample=sample, engine=engine)
    stream = stream if not (sample or engine == "dask") else False
    wants_stream = bool(stream and out_dir is not None and inv_path is None
                        and resolve_inventory(spec, inventory)[0])
    with _stream_targets(out_dir, wants_stream) as streamed:
        inventory, info = scan_lake(spec, lake, schedule=games, as_of=as_of, sample=sample,
                                    progress=progress, inventory=inventory,
                                    inventory_max_age_days=inventory_max_age_days,
                                    out_path=inv_path or streamed.get("inventory.parquet"), stream=stream)
        cov = content = None
        if inventory is None:  # an S3 Inventory delivery, streamed
            report = info.pop("stream")
            cov = stream_coverage(spec, games, report.batches(), as_of,
                                  orphans_path=streamed.get("orphans.parquet"))
            info.update({"objects": report.objects, "bytes": report.bytes})
        else:  # read in memory: inventory.parquet is written with the other files
            for path in streamed.values():
                path.unlink(missing_ok=True)
            streamed = {}
        if engine == "dask":
            from .coverage.dask_engine import dask_coverage

            cov = dask_coverage(spec, games, inv_path, as_of, scheduler=scheduler)
        if probe:
            cov = cov or build_coverage(spec, games, inventory, as_of, info.get("sample"))
            if probe_cache is None and out_dir is not None:
                probe_cache = Path(out_dir) / "content_cache.sqlite"
            objects = inventory if inventory is not None else cov.matched_objects
            content = probe_lake(spec, lake, cov.coverage, objects, sample=probe_sample,
                                 max_objects=probe_max_objects, max_bytes=probe_max_bytes,
                                 workers=probe_workers, cache=probe_cache, as_of=as_of)
        result = analyse(spec, games, inventory, as_of, info, probe=content, coverage=cov)
        result.streamed = streamed
        if out_dir is not None:
            write_outputs(result, out_dir)
    return result
