"""One function per stage of the analysis, and the shape of each stage's files.

Each stage function is pure: DataFrames and plain values in, a result out, every time rule at
the explicit ``as_of``. ``reconcile.analyse`` chains them for the CLI; each stage notebook calls
its own once (through ``pipeline.stage``) and adds only display. The files a stage writes are
shaped here, in one place, so ``nba-recon reconcile --out`` and ``nba-recon run`` write the same
bytes:

* ``01_scan``      ``scan_run.scan_lake`` (the only step that reads the lake)
* ``02_coverage``  :func:`coverage_stage` -> :class:`CoverageStage`; files :func:`coverage_files`
* ``03_gaps``      :func:`gaps_stage`
* ``04_tasks``     :func:`tasks_stage`; file :func:`tasks_document`
* ``05_summary``   :func:`summary_stage`
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass
from typing import Any

import pandas as pd

from . import __version__
from .asof import parse_as_of
from .content.matrix import GameMatrix, cross_source_gaps, game_matrix
from .content.probe import ProbeResult, apply_content
from .coverage import CoverageResult, build_coverage, completeness, overall
from .coverage.fit import fit_problem
from .gaps import find_gaps
from .spec import Spec
from .spec.model import PRIORITIES
from .tasks import TaskQueue, task_queue

log = logging.getLogger(__name__)  # progress, shown with -v


@dataclass
class CoverageStage:
    """``02_coverage``'s result: the coverage (content-checked when probed), the content probe,
    and each game across the sources."""

    coverage: CoverageResult
    content: ProbeResult | None
    matrix: GameMatrix


def probed(coverage: pd.DataFrame) -> bool:
    """Was this coverage checked by content probing? (``apply_content`` adds the column.)"""
    return "content" in coverage.columns


def with_content(cov: CoverageResult, content: ProbeResult) -> CoverageResult:
    """``cov`` with the probe's verdicts: items whose object failed become ``empty``, the
    completeness recounted, the probe's warnings added."""
    checked = apply_content(cov.coverage, content.table)
    return dataclasses.replace(
        cov, coverage=checked, completeness=completeness(checked), warnings=cov.warnings + content.warnings
    )


def coverage_stage(
    spec: Spec,
    schedule: pd.DataFrame,
    inventory: pd.DataFrame,
    as_of,
    scan_info: dict | None = None,
    *,
    coverage: CoverageResult | None = None,
    content: ProbeResult | None = None,
) -> CoverageStage:
    """HAVE vs SHOULD. ``coverage``: one already built (the Dask engine's, or the one the probe
    read); ``content``: the probe of its best objects (then checked items may become ``empty``)."""
    cov = coverage or build_coverage(spec, schedule, inventory, as_of, (scan_info or {}).get("sample"))
    if content is not None:
        cov = with_content(cov, content)
    log.info("coverage: %d items expected or unmapped, %d orphan or unparsed keys", len(cov.coverage), len(cov.orphans))
    return CoverageStage(cov, content, game_matrix(cov.coverage, schedule))


def gaps_stage(spec: Spec, cov: CoverageResult, as_of) -> pd.DataFrame:
    """Problem items grouped into gaps with priorities."""
    gaps = find_gaps(spec, cov.coverage, cov.completeness, as_of)
    log.info("gaps: %d, of %d problem items", len(gaps), int(gaps["n_items"].sum()) if len(gaps) else 0)
    return gaps


def tasks_stage(spec: Spec, gaps: pd.DataFrame, coverage: pd.DataFrame) -> TaskQueue:
    """The task queue, in the order of work; after probing, each task counts the games another
    source has."""
    queue = task_queue(spec, gaps, coverage if probed(coverage) else None)
    log.info(
        "tasks: %d (%d items); left out by the caps: %d tasks, %d items",
        len(queue.tasks),
        sum(t["n_items"] for t in queue.tasks),
        queue.capped_tasks_total,
        queue.capped_items_total,
    )
    return queue


def summary_stage(
    spec: Spec,
    as_of,
    cov: CoverageResult,
    gaps: pd.DataFrame,
    queue: TaskQueue,
    scan_info: dict,
    matrix: GameMatrix,
    content: ProbeResult | None = None,
) -> dict:
    """Headline numbers of a run, JSON-ready. No clock: the same inputs give the same summary."""
    per_dataset = completeness(cov.coverage, by=("dataset",))
    reasons = pd.Series(cov.orphan_counts) if cov.orphan_counts is not None else cov.orphans["reason"].value_counts()
    sampled = bool(scan_info.get("sample"))
    summary = {
        "as_of": parse_as_of(as_of).strftime("%Y-%m-%d"),
        "spec": str(spec.path),
        "nba_simulator": __version__,
        "estimate": sampled,
        "sample_fraction": scan_info.get("sample"),
        "inventory": {k: scan_info.get(k) for k in ("lake", "objects", "bytes", "listed_prefixes")}
        | (
            {k: scan_info.get(k) for k in ("source", "delivery", "created", "age_days")}
            if scan_info.get("source")
            else {}
        ),
        "totals": overall(cov.coverage),
        "datasets": per_dataset.drop(columns=["source", "data_type"], errors="ignore").to_dict(orient="records"),
        "orphans": int(reasons.get("orphan", 0)),
        "unparsed": int(reasons.get("unparsed", 0)),
        # files of games (or days) not over at as_of: a back-dated run's lake holds them, not owed yet
        "not_yet_owed": int(reasons.get("not_yet_owed", 0)),
        "duplicate_items": int(cov.duplicates.drop_duplicates("expected_key").shape[0]),
        "gaps": {p: int((gaps["priority"] == p).sum()) for p in PRIORITIES},
        "tasks": {p: sum(t["priority"] == p for t in queue.tasks) for p in PRIORITIES},
        "tasks_capped": queue.capped,  # priority -> tasks the spec's caps left out
        "tasks_capped_items": queue.capped_items,  # priority -> the items of those tasks
        "warnings": list(scan_info.get("warnings", ())) + list(cov.warnings) + _nothing_owed(cov, as_of),
        # what cannot be judged, and why: one record per dataset x season x season type
        "unjudged": [dict(r) for r in cov.unjudged],
        "schedule": cov.schedule_info,
    }
    misfit = fit_problem(scan_info.get("objects"), summary["orphans"], summary["unparsed"], str(spec.path))
    if misfit:  # said first, wherever the summary is shown
        summary["fit"] = misfit
        summary["warnings"].insert(0, misfit)
    if content is not None:
        summary["content"] = {**content.summary(), "cross_source_gaps": int(len(cross_source_gaps(matrix)))}
    return summary


def _nothing_owed(cov: CoverageResult, as_of) -> list[str]:
    """A warning when no item is expected at all (every number would be 0 of 0)."""
    if int((cov.coverage["status"] != "unmapped").sum()):
        return []
    return [
        f"nothing is expected at {parse_as_of(as_of):%Y-%m-%d}: no dataset of the spec owes an "
        "item for the schedule's games (check the schedule and the spec's seasons and season "
        "types); every count is 0"
    ]


# ---------------------------------------------------------------------------- the stages' files
def content_info(content: ProbeResult) -> dict:
    """``content_info.json``: the probe's figures, per dataset, and its warnings."""
    return {**content.info, "datasets": content.summary()["datasets"], "warnings": content.warnings}


def coverage_files(
    cov: CoverageResult, matrix: pd.DataFrame | None = None, content: ProbeResult | None = None
) -> dict[str, Any]:
    """``02_coverage``'s data files, name -> DataFrame (Parquet) or dict (JSON): the coverage,
    ``matrix`` (:class:`GameMatrix`'s wide table), and with ``content`` the probe's files."""
    files: dict[str, Any] = {
        "coverage.parquet": cov.coverage,
        "orphans.parquet": cov.orphans,
        "duplicates.parquet": cov.duplicates,
        "completeness.parquet": cov.completeness,
    }
    if matrix is not None:
        files["matrix.parquet"] = matrix
    if content is not None:
        files["content.parquet"] = content.table
        files["content_info.json"] = content_info(content)
    return files


def coverage_info(cov: CoverageResult, scan_info: dict, content: ProbeResult | None) -> dict:
    """``coverage_info.json``: what a later stage needs to rebuild the CoverageResult."""
    info = {
        "warnings": cov.warnings,
        "sample": scan_info.get("sample"),
        "probe": content is not None,
        "unjudged": cov.unjudged,
        "schedule": cov.schedule_info,
    }
    if cov.orphan_counts is not None:  # streamed: orphans.parquet holds more than a stage reads
        info["orphan_counts"] = cov.orphan_counts
    return info


def tasks_document(as_of, queue: TaskQueue) -> dict:
    """``tasks.json``."""
    return {
        "as_of": parse_as_of(as_of).strftime("%Y-%m-%d"),
        "tasks": queue.tasks,
        "capped": queue.capped,
        "capped_items": queue.capped_items,
    }
