"""Files that exist but hold nothing, and one game across every source.

* :mod:`.check`: one object against its dataset's ``content`` rule (JSON path, CSV rows, Parquet
  footer), reading as little as the format allows;
* :mod:`.probe`: which objects to read (all, a deterministic sample, a budget), in parallel,
  cached by ETag (:mod:`.cache`); :func:`apply_content` turns failures into the status ``empty``;
  :mod:`.counts`: per dataset, the outcomes and the estimated empties;
* :mod:`.matrix`: per scheduled game, which datasets have it, through the schedule's id crosswalk
  (its figures: :mod:`nba_simulator.plots.content`).
"""

from .cache import ContentCache
from .check import Outcome, check_object
from .counts import dataset_counts
from .matrix import GameMatrix, cross_source_gaps, game_matrix, pair_counts, sources_present
from .probe import (
    CONTENT_COLUMNS,
    PROBE_STATUSES,
    ProbeOptions,
    ProbeResult,
    apply_content,
    probe,
    probe_lake,
    probe_targets,
)

__all__ = [
    "CONTENT_COLUMNS",
    "ContentCache",
    "GameMatrix",
    "Outcome",
    "PROBE_STATUSES",
    "ProbeOptions",
    "ProbeResult",
    "apply_content",
    "check_object",
    "cross_source_gaps",
    "dataset_counts",
    "game_matrix",
    "pair_counts",
    "probe",
    "probe_lake",
    "probe_targets",
    "sources_present",
]
