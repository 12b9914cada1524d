"""Plots and display tables for the stage notebooks (kept here so notebooks stay thin).

``figures`` (matplotlib figures with alt text), ``stage_tables`` (the stage notebooks' tables, for people), ``html`` (small
escaped HTML pieces), ``style`` (colours and names), ``content`` (content probing and the cross-source game
matrix). Everything is importable from here:
``from nba_simulator import plots; plots.completeness_heatmap(...)``.
"""

from nba_simulator.report.styled_table import shown as table  # noqa: F401  any frame, for people

from .figures import (  # noqa: F401
    Note,
    Plot,
    completeness_heatmap,
    completeness_trend,
    fingerprint,
    gaps_calendar,
    size_distribution,
    tasks_by_scraper,
)
from .html import headline_tiles, verdict  # noqa: F401
from .stage_tables import (  # noqa: F401
    cross_source_table,
    dataset_table,
    db_coverage_tables,
    folder_table,
    gap_counts,
    health_table,
    orphan_table,
    run_details,
    scan_table,
    status_table,
    table_or_note,
    task_counts,
    task_table,
    top_gaps,
    worst_seasons,
)
from .style import PCT_BOUNDS, PCT_COLORS, PRIORITY_COLORS, PRIORITY_ORDER, PROBLEMS, READABLE  # noqa: F401
