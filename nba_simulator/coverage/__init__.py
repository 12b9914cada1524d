"""HAVE vs SHOULD: expected items, matching, statuses, completeness."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from ..spec.model import Spec
from .completeness import completeness, overall
from .expected import Expected, expected_items
from .match import ALL_STATUSES, PROBLEM_STATUSES, STATUS_ORDER, match
from .sampling import plan_sample
from .unjudged import unjudged


@dataclass
class CoverageResult:
    coverage: pd.DataFrame
    orphans: pd.DataFrame
    duplicates: pd.DataFrame
    completeness: pd.DataFrame
    warnings: list[str] = field(default_factory=list)
    #: what cannot be judged, and why (``coverage.unjudged``): summary.json's ``unjudged``
    unjudged: list[dict] = field(default_factory=list)
    #: what the schedule is made of (``schedule_for``'s ``attrs["schedule_info"]``, no warnings)
    schedule_info: dict | None = None
    #: orphans and unparsed keys counted over the whole inventory, when ``orphans`` holds only some
    #: of them (the streamed coverage, :mod:`.stream`); ``None``: ``orphans`` is complete
    orphan_counts: dict[str, int] | None = None
    #: the inventory rows of the objects whose key is an expected key (``key, size,
    #: last_modified, etag``), when the whole inventory is not held (the streamed coverage): what
    #: content probing needs of the inventory (bounded by the expected items); ``None`` otherwise
    matched_objects: pd.DataFrame | None = None


def schedule_info(schedule: pd.DataFrame) -> tuple[dict | None, list[str]]:
    """(info without warnings, warnings) of a schedule built by ``schedule_for``."""
    info = dict(schedule.attrs.get("schedule_info") or {})
    warnings = list(info.pop("warnings", []) or [])
    return (info or None), warnings


def judged(
    spec: Spec,
    schedule: pd.DataFrame,
    expected: Expected,
    cov,
    orphans,
    dups,
    as_of,
    *,
    unexplained: dict | None = None,
) -> CoverageResult:
    """The CoverageResult of matched items: completeness, the schedule's warnings first, and what
    cannot be judged (``unexplained``: :func:`~.unjudged.unexplained_files` of every orphan, when
    ``orphans`` holds only some of them)."""
    info, warnings = schedule_info(schedule)
    return CoverageResult(
        cov,
        orphans,
        dups,
        completeness(cov),
        warnings + expected.warnings,
        unjudged(spec, schedule, cov, as_of, orphans, unexplained=unexplained),
        info,
    )


def build_coverage(
    spec: Spec, schedule: pd.DataFrame, inventory: pd.DataFrame, as_of, sample: float | None = None
) -> CoverageResult:
    """The coverage stage in one call: expected items matched to the inventory, with completeness.

    With ``sample`` (the fraction the scan listed), only the sampled items are judged, and keys
    owed by unsampled items are not taken for orphans.
    """
    expected = expected_items(spec, schedule, as_of)
    if sample:
        plan = plan_sample(expected, sample)
        others = expected.keys[~expected.keys["item_id"].isin(plan.item_ids)]["key"]
        inventory = inventory[~inventory["key"].isin(others)]
        expected = plan.restrict(expected)
    cov, orphans, dups = match(spec, expected, inventory, as_of, schedule)
    return judged(spec, schedule, expected, cov, orphans, dups, as_of)


__all__ = [
    "ALL_STATUSES",
    "CoverageResult",
    "Expected",
    "PROBLEM_STATUSES",
    "STATUS_ORDER",
    "build_coverage",
    "completeness",
    "expected_items",
    "match",
    "overall",
]
