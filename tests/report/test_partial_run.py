"""A run of some stages only (``--stages 00``) succeeded without a summary: its report says so
(not "did not finish"), and the browser check asks its first screen for that sentence, not for
tasks it never computed."""

import json

from nba_simulator.pipeline.render import failure_report
from nba_simulator.report.browser import FAILED_REPORT_FIRST_SCREEN, REPORT_FIRST_SCREEN, run_pages


def _record(status, stages):
    return {
        "run_id": "20190315T000000Z-abcdef",
        "status": status,
        "parameters": {"as_of": "2019-03-15"},
        "stages": [{"name": n, "status": s, "html": f"{n}.html"} for n, s in stages],
    }


def test_partial_run_report_says_what_ran(tmp_path):
    rec = _record("succeeded", [("00_health_check", "succeeded")])
    html = failure_report(rec, tmp_path / "report.html").read_text()
    assert "<h1>Partial run: Health check</h1>" in html and 'id="headline"' in html
    assert "did not finish" not in html and "failed" not in html.split("<h1>", 1)[1].split("</h1>")[0]


def test_first_screen_needs_follow_the_summary_stage(tmp_path):
    cases = {
        "partial": _record("succeeded", [("00_health_check", "succeeded")]),
        "failed": _record("failed", [("00_health_check", "succeeded"), ("01_scan", "failed")]),
        "full": _record("succeeded", [("00_health_check", "succeeded"), ("05_summary", "succeeded")]),
    }
    folds = {}
    for name, rec in cases.items():
        (tmp_path / name).mkdir()
        (tmp_path / name / "run.json").write_text(json.dumps(rec))
        folds[name] = run_pages(tmp_path / name)[1]["report.html"]
    assert folds == {
        "partial": FAILED_REPORT_FIRST_SCREEN,
        "failed": FAILED_REPORT_FIRST_SCREEN,
        "full": REPORT_FIRST_SCREEN,
    }
