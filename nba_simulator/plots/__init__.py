"""Plots and display tables for the stage notebooks (kept here so notebooks stay thin).

``figures`` (matplotlib figures with alt text), ``tables`` (tables for people), ``html`` (small
escaped HTML pieces), ``style`` (colours and names), ``content`` (content probing and the cross-source game
matrix). Everything is importable from here:
``from nba_simulator import plots; plots.completeness_heatmap(...)``.
"""
from .figures import (Note, Plot, completeness_heatmap, fingerprint, completeness_trend, gaps_calendar,  # noqa: F401
                      size_distribution, tasks_by_scraper)
from .html import headline, verdict  # noqa: F401
from .style import (PCT_BOUNDS, PCT_COLORS, PRIORITY_COLORS, PRIORITY_ORDER, PROBLEMS,  # noqa: F401
                    READABLE)
from .tables import (cross_source_table, dataset_table, db_coverage_tables, folder_table, gap_counts,  # noqa: F401
                     health_table, orphan_table, run_details, scan_table, status_table,
                     table_or_note, task_counts, task_table, top_gaps, worst_seasons)
from nba_simulator.report.tables import shown as table  # noqa: E402,F401  any frame, for people
