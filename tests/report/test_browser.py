"""The run's pages in a real browser (headless Chromium via Playwright, nba_simulator.report.browser):
the report, the runs index and every stage page of a demo run and of a failed run open without
a console error, a sideways scroll, text cut by CSS, a broken link or a Python warning, and the
report's first screen (1366x768) holds the headline and the tasks to run now. Screenshots go to
each run's ``screenshots/`` folder.

First, a test of the test: pages built to break each rule must fail it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nba_simulator.report.browser import check_pages, check_run, format_reports, why_no_browser

NO_BROWSER = why_no_browser()
pytestmark = pytest.mark.skipif(NO_BROWSER is not None, reason=f"no browser to test with: {NO_BROWSER}")

ROWS = "".join(
    f"<tr><td>{'x' * 12}</td>" + "".join(f"<td>column value {i}-{j}</td>" for j in range(40)) + "</tr>"
    for i in range(3)
)
BAD_PAGES = {
    "overflowing_table.html": f"<div style='overflow-x:auto'><table>{ROWS}</table></div>",
    "wide_page.html": f"<table>{ROWS}</table>",
    "cut_text.html": "<p style='width:8em;overflow:hidden;text-overflow:ellipsis;white-space:nowrap'>"
    "espn_play_by_play/401071234.json and more keys</p>",
    "console_error.html": "<p>hello</p><script>console.error('boom')</script>",
    "broken_link.html": "<a href='nowhere.html'>a page that is not there</a> <a href='#nope'>anchor</a>",
    "python_warning.html": "<pre>/x/plots.py:12: UserWarning: Attempting to set identical low and high xlims</pre>",
    "none_percent.html": "<p>complete None% of 0 expected items</p>",
    "stderr_output.html": "<div class='jp-RenderedText' data-mime-type='application/vnd.jupyter.stderr'>"
    "<pre>Locator attempting to generate 3098 ticks</pre></div>",
    "report.html": "<div style='height:2000px'>a long preamble</div><h2 id='headline'>98%</h2>",
    "broken_header.html": "<table style='table-layout:fixed;width:3em'><tr><th style='overflow-wrap:anywhere'>"
    "expected</th></tr><tr><td>1</td></tr></table>",
}
GOOD_PAGE = (
    "<h1 id='headline'>98.75% complete</h1><div id='tasks-now'><a href='good.html'>tasks</a>"
    "<a href='#headline'>top</a></div><table><tr><td>2018-19</td><td>1,234</td></tr></table>"
)


def _page(folder: Path, name: str, body: str) -> Path:
    path = folder / name
    path.write_text(
        f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{name}</title>"
        f"</head><body>{body}</body></html>",
        encoding="utf-8",
    )
    return path


def test_the_check_fails_pages_built_to_fail_it(tmp_path):
    pages = [_page(tmp_path, name, body) for name, body in BAD_PAGES.items()]
    good = _page(tmp_path, "good.html", GOOD_PAGE)
    fold = {
        "report.html": {"the headline": "#headline", "the tasks": "#tasks-now"},
        "good.html": {"the headline": "#headline", "the tasks": "#tasks-now"},
    }
    reports = {r.page.name: r for r in check_pages([*pages, good], screenshots=tmp_path / "shots", first_screen=fold)}
    problems = {name: " | ".join(r.problems) for name, r in reports.items()}
    assert reports["good.html"].ok, problems["good.html"]
    assert "horizontal overflow" in problems["overflowing_table.html"]
    assert "must be scrolled sideways" in problems["overflowing_table.html"]
    assert "the page is" in problems["wide_page.html"]
    assert "text cut" in problems["cut_text.html"]
    assert "boom" in problems["console_error.html"]
    assert "nowhere.html does not exist" in problems["broken_link.html"] and "#nope" in problems["broken_link.html"]
    assert "UserWarning" in problems["python_warning.html"]
    assert "None%" in problems["none_percent.html"]
    assert "stderr: Locator attempting" in problems["stderr_output.html"]
    assert "first screen lacks the headline" in problems["report.html"]
    assert "first screen lacks the tasks" in problems["report.html"]
    assert 'header broken inside the word "expected"' in problems["broken_header.html"]
    assert (tmp_path / "shots" / "good.png").stat().st_size > 1000


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """A demo run and, in the same runs folder, a failed one (a lake of one stray file)."""
    from nba_simulator.cli import main
    from nba_simulator.demo import build_demo

    root = tmp_path_factory.mktemp("browser")
    demo = build_demo(root / "demo")
    runs = root / "runs"
    common = ["--spec", str(demo.spec), "--as-of", demo.as_of, "--runs-dir", str(runs), "--no-progress"]
    assert main(["run", "--lake", str(demo.lake), *common]) == 0
    stray = root / "stray" / "notes"
    stray.mkdir(parents=True)
    (stray / "readme.txt").write_text("not a dataset")
    assert main(["run", "--lake", str(stray.parent), *common]) == 2
    ok, failed = sorted(
        (p for p in runs.iterdir() if p.is_dir()),
        key=lambda p: json.loads((p / "run.json").read_text())["status"],
        reverse=True,
    )
    return ok, failed


@pytest.mark.slow
def test_demo_and_failed_run_pages_pass_in_chromium(runs):
    ok, failed = runs
    assert json.loads((failed / "run.json").read_text())["status"] == "failed"
    reports = check_run(ok) + check_run(failed)
    assert all(r.ok for r in reports), format_reports(reports)
    names = {r.page.name for r in reports}
    assert {"report.html", "index.html", "00_health_check.html", "05_summary.html", "01_scan.html"} <= names
    for run in runs:
        shots = list((run / "screenshots").glob("*.png"))
        assert any(s.name.endswith("report.png") for s in shots) and all(s.stat().st_size > 1000 for s in shots)


LONG_REASON = (
    "the S3 listing of s3://nba-sim-raw-data-lake/espn_play_by_play/ failed after 5 attempts: "
    "An error occurred (SlowDown) when calling the ListObjectsV2 operation "
    "(reached max retries: 4): Please reduce your request rate. "
) * 3


def _failed_runs(runs: Path, failed: Path, n: int = 10) -> list[Path]:
    """``n`` failed runs, copies of a real one with long reasons, half of them of a second lake."""
    import shutil

    made = []
    for i in range(n):
        rec = json.loads((failed / "run.json").read_text())
        rid = f"20990101T0000{i:02d}Z-long{i:02d}"
        rec["run_id"], rec["started"] = rid, f"2099-01-01T00:00:{i:02d}+00:00"
        rec["parameters"] = {
            **rec["parameters"],
            "lake": f"s3://nba-sim-raw-data-lake/{'other/' if i % 2 else ''}a/very/long/prefix/of/the/lake/{'x' * 40}",
        }
        stage = next(s for s in rec["stages"] if s["status"] == "failed")
        stage["error"] = {
            **(stage.get("error") or {}),
            "ename": "TransientStorageError",
            "evalue": f"{i}: {LONG_REASON}",
            "transient": True,
        }
        shutil.copytree(failed, runs / rid)
        (runs / rid / "run.json").write_text(json.dumps(rec))
        made.append(runs / rid)
    return made


@pytest.mark.slow
def test_index_of_many_failed_runs_folds_sorts_and_filters(runs):
    """Ten failed runs with long reasons: no cell of the index taller than 3 lines, run ids on one
    line, every column sortable, filters by lake and status, no console error."""
    from nba_simulator.pipeline.index import write_index
    from nba_simulator.report.browser_tables import table_behaviour

    ok, failed = runs
    folder = ok.parent
    _failed_runs(folder, failed)
    index = write_index(folder)
    reports = check_pages([index], screenshots=folder / "shots")
    assert all(r.ok for r in reports), format_reports(reports)
    lake = json.loads((ok / "run.json").read_text())["parameters"]["lake"]
    got = table_behaviour(index, "#runs", sort=["run", "tasks"], filters={"lake": lake, "status": "failed"})
    assert not got.problems, got.problems
    assert got.tallest_cell <= 3.05, f"a cell of {got.tallest_cell:.1f} lines: {got.tallest_text}"
    assert len(got.rows) == 12
    col = got.headers.index("run")
    ids = [r[col] for r in got.sorted_rows["run"]]
    assert ids == sorted(ids) and [r[col] for r in got.sorted_rows["run desc"]] == sorted(ids, reverse=True)
    assert all(" " not in i and "\n" not in i for i in ids)  # one line each
    tasks = [r[got.headers.index("tasks")] for r in got.sorted_rows["tasks desc"]]
    assert tasks[0] == str(float(json.loads((ok / "run.json").read_text())["headline"]["tasks"]))
    status, lakes = got.headers.index("status"), got.headers.index("lake")
    assert [r[lakes] for r in got.filtered[f"lake={lake}"]] == [lake]
    assert len(got.filtered["status=failed"]) == 11 and all(
        r[status] == "failed" for r in got.filtered["status=failed"]
    )
