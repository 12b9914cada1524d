"""plots: figures with alt text, the stage tables, the HTML pieces and the style constants."""

from __future__ import annotations

import pandas as pd

from nba_simulator.plots.figures import completeness_heatmap, fingerprint, tasks_by_scraper
from nba_simulator.plots.html import escape_html, headline_tiles, human_bytes, redacted, verdict
from nba_simulator.plots.stage_tables import task_table, top_gaps, worst_seasons
from nba_simulator.plots.style import PCT_BOUNDS, PCT_COLORS, PRIORITY_COLORS, PRIORITY_ORDER


def test_style_constants_fit_together():
    assert len(PCT_COLORS) == len(PCT_BOUNDS) - 1 and PCT_BOUNDS == sorted(PCT_BOUNDS)
    assert set(PRIORITY_ORDER) == set(PRIORITY_COLORS) == {"CRITICAL", "HIGH", "MEDIUM", "LOW"}


def test_html_pieces_escape_and_hide_passwords():
    assert [human_bytes(n) for n in (5, 2048, 3 * 1024**3)] == ["5 B", "2.0 KB", "3.0 GB"]
    assert escape_html(None) == "" and escape_html("<a>") == "&lt;a&gt;"
    assert "&lt;script&gt;" in verdict("warn", "<script>").data
    tiles = headline_tiles(
        {"expected": 1200, "present": 1100, "missing": 100, "complete_pct": 91.67}, estimate=True
    ).data
    assert "91.67%" in tiles and "complete (estimate)" in tiles and "1,200" in tiles
    assert "s3cret" not in str(redacted("postgresql://u:s3cret@h/db"))


def test_worst_seasons_and_top_gaps_rank_from_one():
    comp = pd.DataFrame(
        {
            "dataset": ["a", "a", "b"],
            "season": ["2017-18", "2018-19", "2018-19"],
            "expected": [10, 10, 0],
            "present": [10, 5, 0],
            "missing": [0, 5, 0],
            "unmapped": [0, 0, 0],
            "complete_pct": [100.0, 50.0, None],
        }
    )
    worst = worst_seasons(comp, n=5)
    assert list(worst.index) == [1, 2] and worst.iloc[0]["season"] == "2018-19"  # nothing expected: left out
    assert "No gap" in top_gaps(pd.DataFrame(columns=["priority", "gap_id"]))._repr_html_()
    assert len(task_table([])) == 0


def test_figures_say_in_words_what_they_show():
    comp = pd.DataFrame({"dataset": ["a", "b"], "season": ["2018-19", "2018-19"], "complete_pct": [99.0, 40.0]})
    plot = completeness_heatmap(comp)
    assert plot.png().startswith(b"\x89PNG") and "lowest 40.0% for b 2018-19" in plot.alt
    assert "No task" in tasks_by_scraper([]).alt or "no task" in tasks_by_scraper([]).alt.lower()
    assert (
        fingerprint("s3://b/x", "spec.yaml")
        == fingerprint("s3://b/x", "spec.yaml")
        != fingerprint("s3://b/y", "spec.yaml")
    )
