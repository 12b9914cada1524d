"""The spec and the lake do not fit: said first on the console, in summary.json and at the top of
the report's first screen (the demo's spec on a lake in the real layout)."""

from __future__ import annotations

import contextlib
import io
import json

import pytest

from nba_simulator.cli import main
from nba_simulator.coverage.fit import fit_problem
from nba_simulator.report.firstscreen import first_screen_html


def test_fit_problem_thresholds():
    assert fit_problem(10, 9, 1, "s.yaml") is None  # too few objects to say
    assert fit_problem(100, 30, 20, "s.yaml") is None  # half: still fits
    line = fit_problem(100, 40, 21, "s.yaml")
    assert line.startswith("the spec and the lake do not fit: 61 of the lake's 100 keys (61%)") and "s.yaml" in line


def test_first_screen_shows_the_misfit_first():
    summary = {
        "as_of": "2026-12-01",
        "totals": {
            "expected": 10,
            "missing": 1,
            "undersized": 0,
            "premature": 0,
            "stale": 0,
            "unmapped": 0,
            "complete_pct": 90.0,
        },
        "fit": "the spec and the lake do not fit: 61 of 100 keys",
        "warnings": [],
        "unjudged": [],
    }
    page = first_screen_html(summary, [])
    assert page.index('id="fit"') < page.index('id="headline"')


@pytest.mark.slow
def test_demo_spec_on_a_real_layout_lake_says_so_first(tmp_path):
    from nba_simulator.demo import build_demo
    from tests.firstmorning import AS_OF, build_first_morning

    m = build_first_morning(tmp_path / "m")
    demo = build_demo(tmp_path / "demo")
    console = io.StringIO()
    with contextlib.redirect_stdout(console):
        main(
            [
                "reconcile",
                "--spec",
                str(demo.spec),
                "--lake",
                str(m.lake),
                "--as-of",
                AS_OF,
                "--out",
                str(tmp_path / "out"),
                "--runs-dir",
                str(tmp_path / "runs"),
            ]
        )
    first = console.getvalue().splitlines()[0]
    assert first.startswith("WARNING: the spec and the lake do not fit"), console.getvalue()
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["fit"] == summary["warnings"][0]
