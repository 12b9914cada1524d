"""Colours, orders and readable names shared by the figures and tables."""

from nba_simulator.coverage.match import PROBLEM_STATUSES as PROBLEMS  # noqa: F401  precedence order
from nba_simulator.spec.model import PRIORITIES as PRIORITY_ORDER  # noqa: F401

PRIORITY_COLORS = {"CRITICAL": "#a40e26", "HIGH": "#e16f24", "MEDIUM": "#d4a72c", "LOW": "#8c959f"}
#: completeness bands: reds below 80%, then finer steps where real lakes live (90-100%)
#: column names as a reader should see them in the report's tables
READABLE = {
    "complete_pct": "complete %",
    "have_pct": "have a file %",
    "completeness_pct": "season complete %",
    "n_items": "items",
    "other_sources_have": "games another source has",
}
PCT_BOUNDS = [0, 50, 80, 90, 95, 98, 99.5, 100.001]
PCT_COLORS = ["#a40e26", "#e16f24", "#f2b33d", "#f5e37a", "#c6e48b", "#7bc96f", "#239a3b"]
