"""The scan of a run, decided once: the lake listed (all of it, or a deterministic sample) or its
newest S3 Inventory delivery read instead (whole, or as a stream), as :class:`ScanOptions` say
(:func:`scan_lake`, the only step of a run that reads the lake; ``reconcile`` and the ``01_scan``
notebook both call it)."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .coverage import expected_items
from .coverage.dates import check_as_of
from .coverage.lake_check import check_lake
from .coverage.sampling import plan_sample
from .errors import LakeNotFound, ParameterError
from .spec import Spec
from .storage import open_storage
from .storage.inventory_report import load_report
from .storage.scan import scan

log = logging.getLogger(__name__)


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


@dataclass(frozen=True)
class ScanOptions:
    """How the lake is read: ``sample`` (list only a deterministic fraction of the expected
    items' prefixes), parallel ``workers``, a ``progress`` bar; ``inventory``: an S3 Inventory
    destination read instead of listing (else the spec's ``inventory:``), no older than
    ``inventory_max_age_days`` (else the spec's)."""

    sample: float | None = None
    workers: int = 8
    progress: bool = False
    inventory: str | None = None
    inventory_max_age_days: float | None = None

    def __post_init__(self):
        if self.sample is not None and (isinstance(self.sample, bool) or not 0 < self.sample <= 1):
            raise ParameterError(f"--sample must be a fraction in (0, 1], got {self.sample!r}")


def scan_lake(
    spec: Spec,
    lake: str,
    options: ScanOptions | None = None,
    *,
    schedule: pd.DataFrame | None = None,
    as_of=None,
    out_path=None,
    stream: bool | str = False,
) -> tuple[pd.DataFrame | None, dict]:
    """List the lake (all of it, or a deterministic sample) into an inventory.

    With an S3 Inventory source (``options.inventory``, else the spec's ``inventory:``), its
    newest delivery as of ``as_of`` is read instead of listing; when there is none or it is
    older than the max age, a warning goes into ``info["warnings"]`` and the lake is listed.
    ``stream`` (``True`` or ``"auto"``, see :func:`~.storage.inventory_report.load_report`): a
    delivery to be streamed is returned as ``(None, info)`` with the :class:`ReportStream` in
    ``info["stream"]``.
    """
    options = options or ScanOptions()
    sample = options.sample
    started = time.perf_counter()
    if schedule is not None and as_of is not None:
        # before the first expected game nothing can be judged: refused before any listing
        check_as_of(spec, schedule, as_of)
    source, max_age = resolve_inventory(spec, options.inventory)
    if options.inventory_max_age_days is not None:
        max_age = options.inventory_max_age_days
    warnings: list[str] = []
    if stream is True and not source:
        warnings.append(
            "stream yes: there is no S3 Inventory to stream (none given and no inventory: "
            "section in the spec), so the lake was listed into memory"
        )
    if source:
        if as_of is None:
            raise ValueError("reading an S3 Inventory needs as_of (to judge the delivery's age)")
        report = load_report(
            source,
            as_of=as_of,
            lake=lake,
            exclude=list(spec.exclude),
            max_age_days=max_age,
            out_path=out_path,
            stream=stream,
        )
        if report.stream is not None:
            return None, {
                "lake": lake,
                "source": "s3-inventory",
                "sample": None,
                "listed_prefixes": None,
                **report.info,
                "warnings": warnings,
                "stream": report.stream,
            }
        if report.inventory is not None:
            inv = report.inventory
            if sample:
                warnings.append("--sample ignored: the S3 Inventory already holds every object")
            info = {
                "lake": lake,
                "source": "s3-inventory",
                "objects": int(len(inv)),
                "bytes": int(inv["size"].sum()),
                "sample": None,
                "listed_prefixes": None,
                **report.info,
                "warnings": warnings,
                "seconds": round(time.perf_counter() - started, 3),
            }
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
    listed = scan(
        storage,
        prefixes=prefixes,
        exclude=list(spec.exclude),
        workers=options.workers,
        out_path=out_path,
        progress=options.progress,
    )
    skipped = list(getattr(storage, "skipped", ()))
    if skipped:  # each named in its own warning (the log); counted once in the run's warnings
        warnings.append(
            f"{len(skipped):,} entr{'y' if len(skipped) == 1 else 'ies'} of the lake skipped while "
            f"listing (unreadable, not a regular file, or a symbolic link leaving the lake), "
            f"e.g. {skipped[0]}"
        )
    if prefixes is None and listed.empty:
        # An empty lake is a wrong bucket, prefix or folder far more often than a real state:
        # a report saying "everything is missing" (and a task for every game) would be wrong.
        raise LakeNotFound(
            f"the lake {storage.uri} holds no objects (outside the spec's excluded "
            f"folders): wrong bucket, prefix or folder?"
        )
    if prefixes is None:
        # keys, but none of the spec's datasets (a stray file, the wrong prefix): bad input too;
        # a dataset matching nothing: a warning naming it and its layouts
        warnings.extend(check_lake(spec, listed, storage.uri))
    info = {
        "lake": lake,
        "objects": int(len(listed)),
        "bytes": int(listed["size"].sum()),
        "sample": sample,
        "listed_prefixes": len(prefixes) if prefixes is not None else None,
        "seconds": round(time.perf_counter() - started, 3),
    }
    if warnings:
        info["warnings"] = warnings
    return listed, info
