"""The reconciliation core in a few calls: scan, analyse, write.

``scan_lake`` is the only step that touches the lake; ``analyse`` is pure (DataFrames in, a
:class:`Result` out, every time rule at the explicit ``as_of``); ``write_outputs`` writes the files
atomically. ``reconcile`` chains them for the CLI.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from . import __version__
from .coverage import CoverageResult, as_of_timestamp, build_coverage, completeness, expected_items, overall
from .gaps import find_gaps
from .outputs import write_json, write_parquet
from .sampling import plan_sample
from .schedule.load import load_schedule
from .spec import Spec, load_spec
from .spec.model import PRIORITIES
from .storage import open_storage
from .storage.scan import scan
from .tasks import TaskQueue, task_queue

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


def resolve_schedule(spec: Spec, override: str | None = None) -> str:
    """The schedule to use: the CLI's override, else the spec's; relative paths from the spec file."""
    source = override or spec.schedule
    if source in ("builtin", "db") or Path(source).is_absolute() or override:
        return source
    return str(Path(spec.path).parent / source)


def scan_lake(spec: Spec, lake: str, *, schedule: pd.DataFrame | None = None, as_of=None,
              sample: float | None = None, workers: int = 8, out_path=None,
              progress: bool = False) -> tuple[pd.DataFrame, dict]:
    """List the lake (all of it, or a deterministic sample) into an inventory."""
    storage = open_storage(lake)
    started = time.perf_counter()
    prefixes = None
    if sample:
        if schedule is None or as_of is None:
            raise ValueError("sampling needs the schedule and as_of, to choose what to list")
        prefixes = list(plan_sample(expected_items(spec, schedule, as_of), sample).prefixes)
    inventory = scan(storage, prefixes=prefixes, exclude=list(spec.exclude), workers=workers,
                     out_path=out_path, progress=progress)
    info = {"lake": lake, "objects": int(len(inventory)), "bytes": int(inventory["size"].sum()),
            "sample": sample, "listed_prefixes": len(prefixes) if prefixes is not None else None,
            "seconds": round(time.perf_counter() - started, 3)}
    return inventory, info


def analyse(spec: Spec, schedule: pd.DataFrame, inventory: pd.DataFrame, as_of,
            scan_info: dict | None = None) -> Result:
    as_of = as_of_timestamp(as_of)
    scan_info = scan_info or {}
    cov = build_coverage(spec, schedule, inventory, as_of, scan_info.get("sample"))
    gaps = find_gaps(spec, cov.coverage, cov.completeness, as_of)
    queue = task_queue(spec, gaps)
    summary = summarize(spec, as_of, cov, gaps, queue, scan_info)
    return Result(as_of, inventory, cov.coverage, cov.orphans, cov.duplicates, cov.completeness,
                  gaps, queue.tasks, summary, cov.warnings)


def summarize(spec: Spec, as_of, cov: CoverageResult, gaps: pd.DataFrame, queue: TaskQueue,
              scan_info: dict) -> dict:
    """Headline numbers of a run, JSON-ready. No clock: the same inputs give the same summary."""
    per_dataset = completeness(cov.coverage, by=("dataset",))
    reasons = cov.orphans["reason"].value_counts()
    sampled = bool(scan_info.get("sample"))
    return {
        "as_of": as_of_timestamp(as_of).strftime("%Y-%m-%d"),
        "spec": str(spec.path),
        "nba_simulator": __version__,
        "estimate": sampled,
        "sample_fraction": scan_info.get("sample"),
        "inventory": {k: scan_info.get(k) for k in ("lake", "objects", "bytes", "listed_prefixes")},
        "totals": overall(cov.coverage),
        "datasets": per_dataset.drop(columns=["source", "data_type"], errors="ignore")
        .to_dict(orient="records"),
        "orphans": int(reasons.get("orphan", 0)),
        "unparsed": int(reasons.get("unparsed", 0)),
        "duplicate_items": int(cov.duplicates.drop_duplicates("expected_key").shape[0]),
        "gaps": {p: int((gaps["priority"] == p).sum()) for p in PRIORITIES},
        "tasks": {p: sum(t["priority"] == p for t in queue.tasks) for p in PRIORITIES},
        "tasks_capped": queue.capped,
        "warnings": list(cov.warnings),
    }


def write_outputs(result: Result, out_dir) -> dict[str, Path]:
    out = Path(out_dir)
    files = {
        "inventory.parquet": write_parquet(result.inventory, out / "inventory.parquet"),
        "coverage.parquet": write_parquet(result.coverage, out / "coverage.parquet"),
        "orphans.parquet": write_parquet(result.orphans, out / "orphans.parquet"),
        "duplicates.parquet": write_parquet(result.duplicates, out / "duplicates.parquet"),
        "completeness.parquet": write_parquet(result.completeness, out / "completeness.parquet"),
        "gaps.parquet": write_parquet(result.gaps, out / "gaps.parquet"),
        "tasks.json": write_json({"as_of": result.summary["as_of"], "tasks": result.tasks},
                                 out / "tasks.json"),
    }
    # summary last: its presence says the other files are complete
    files["summary.json"] = write_json(result.summary, out / "summary.json")
    return files


def reconcile(spec_path: str, lake: str, *, schedule: str | None = None, as_of,
              out_dir=None, sample: float | None = None, progress: bool = False) -> Result:
    spec = load_spec(spec_path)
    games = load_schedule(resolve_schedule(spec, schedule))
    inventory, info = scan_lake(spec, lake, schedule=games, as_of=as_of, sample=sample,
                                progress=progress)
    result = analyse(spec, games, inventory, as_of, info)
    if out_dir is not None:
        write_outputs(result, out_dir)
    return result
