"""Fast checks of the notebooks' helpers (no kernel): plots, health checks."""

from __future__ import annotations

from pathlib import Path

import matplotlib.dates
import pandas as pd
import pytest

from nba_simulator import plots
from nba_simulator.errors import AccessDenied, LakeNotFound, SpecError
from nba_simulator.health import HealthReport, RunChecks, run_checks
from nba_simulator.pipeline.previous_runs import previous_runs

ROOT = Path(__file__).resolve().parents[2]
SPEC = """\
version: 1
schedule: builtin
datasets:
  espn_schedules:
    source: espn
    data_type: schedule
    keys: "espn_schedules/{yyyymmdd}.json"
    per: date
    seasons: 2018-19..2018-19
"""


def test_trend_without_start_times_and_alt_texts():
    hist = pd.DataFrame(
        {
            "run_id": ["a", "this run"],
            "started": [None, None],
            "as_of": ["2019-03-14", "2019-03-15"],
            "status": ["succeeded", "this run"],
            "complete_pct": [97.5, 98.75],
            "have_pct": [98.0, 98.84],
            "expected": [10, 10],
            "missing": [1, 1],
            "gaps": [1, 1],
        }
    )
    plot = plots.completeness_trend(hist)
    assert plot.png().startswith(b"\x89PNG") and "97.50% as of 2019-03-14" in plot.alt
    data, meta = plot._repr_mimebundle_()
    assert meta["image/png"]["alt"] == plot.alt and "image/png" in data
    assert "No run history" in plots.completeness_trend(hist.iloc[:0]).alt


def test_heatmap_marks_the_worst_cell_and_handles_nothing_expected():
    comp = pd.DataFrame(
        {"dataset": ["a", "a", "b"], "season": ["2017-18", "2018-19", "2018-19"], "complete_pct": [100.0, 92.5, 50.0]}
    )
    assert "lowest 50.0% for b 2018-19" in plots.completeness_heatmap(comp).alt
    assert "nothing" in plots.completeness_heatmap(comp.iloc[:0]).alt.lower()


def test_tables_escape_nothing_themselves_and_rank_from_one():
    gaps = pd.DataFrame(
        {
            "priority": ["HIGH"],
            "dataset": ["<b>x</b>"],
            "season": ["2018-19"],
            "status": ["missing"],
            "first_date": [pd.Timestamp("2019-01-01")],
            "last_date": [pd.Timestamp("2019-01-02")],
            "n_items": [3],
            "completeness_pct": [90.0],
            "rule": ["rule 1"],
            "gap_id": ["G1"],
        }
    )
    t = plots.top_gaps(gaps)
    assert list(t.index) == [1] and t.loc[1, "items"] == 3
    assert "&lt;b&gt;" in t.to_html()  # pandas escapes data in HTML
    html = plots.verdict("fail", "<script>alert(1)</script>").data
    assert "<script>" not in html and "&lt;script&gt;" in html


def _lake(tmp_path):
    lake = tmp_path / "lake"
    (lake / "espn_schedules").mkdir(parents=True)
    (lake / "espn_schedules" / "20181016.json").write_text('{"events": []}')
    spec = tmp_path / "spec.yaml"
    spec.write_text(SPEC)
    return spec, lake


def test_health_all_ok_on_a_local_lake(tmp_path):
    spec, lake = _lake(tmp_path)
    report = run_checks(spec=str(spec), lake=str(lake), out_dir=tmp_path / "out")
    table = report.table.set_index("check")
    assert report.status in ("ok", "warn") and not report.failed
    assert table.loc["credentials usable", "detail"].startswith("local: read an object")
    assert table.loc["database reachable", "detail"].startswith("not configured")
    report.raise_for_failures()  # nothing to raise


def test_health_collects_every_failure_and_raises_the_first_as_itself(tmp_path):
    spec, _ = _lake(tmp_path)
    spec.write_text("version: 1\ndatasets: {}\nbogus: 1\n")
    report = run_checks(spec=str(spec), lake=str(tmp_path / "nowhere"), out_dir=tmp_path / "out", min_free_gb=1e9)
    assert report.failed[:1] == ["spec valid"] and {"lake reachable", "free disk"} <= set(report.failed)
    with pytest.raises(SpecError, match="health check 'spec valid' failed.*also failing: lake reachable"):
        report.raise_for_failures()


def test_health_failure_types_drive_retries():
    r = HealthReport()
    r.add("lake reachable", "fail", "denied", error=AccessDenied("access denied (AccessDenied)"))
    with pytest.raises(AccessDenied):
        r.raise_for_failures()
    r = HealthReport()
    r.add("lake reachable", "fail", "gone", error=LakeNotFound("no such folder"))
    with pytest.raises(LakeNotFound):
        r.raise_for_failures()
    r = HealthReport()
    r.add("database reachable", "fail", "refused", error=ConnectionRefusedError("refused"))
    with pytest.raises(ConnectionRefusedError):  # transient for the runner
        r.raise_for_failures()


def test_health_details_never_show_a_password(tmp_path):
    spec, lake = _lake(tmp_path)
    report = run_checks(
        spec=str(spec), lake=str(lake), out_dir=tmp_path / "out", database_url="postgresql://u:s3cret-pw@127.0.0.1:1/db"
    )
    row = report.table.set_index("check").loc["database reachable"]
    assert row["status"] == "fail" and "s3cret-pw" not in report.table.to_string()


def test_previous_runs_check_warns_when_the_last_success_is_old(tmp_path):
    import json

    runs = tmp_path / "runs"
    spec, lake = _lake(tmp_path)
    # r3: a later success of another lake in the same runs folder is not this lake's
    for rid, started, status, of in [
        ("r1", "2026-01-01T00:00:00+00:00", "succeeded", lake),
        ("r2", "2026-01-02T00:00:00+00:00", "failed", lake),
        ("r3", "2026-01-02T12:00:00+00:00", "succeeded", tmp_path / "other"),
    ]:
        (runs / rid).mkdir(parents=True)
        (runs / rid / "run.json").write_text(
            json.dumps(
                {
                    "run_id": rid,
                    "started": started,
                    "status": status,
                    "parameters": {"lake": str(of), "spec": str(spec)},
                }
            )
        )
    report = run_checks(
        spec=str(spec), lake=str(lake), out_dir=tmp_path / "out", run=RunChecks(runs, now="2026-01-03T00:00:00+00:00")
    )
    row = report.table.set_index("check").loc["previous runs"]
    assert row["status"] == "warn" and "r1 48.0 h ago" in row["detail"] and "1 failed" in row["detail"]
    assert "r3" not in row["detail"] and str(lake) in row["detail"]


def test_the_first_run_of_a_lake_is_ok(tmp_path):
    (tmp_path / "runs").mkdir()
    status, detail = previous_runs(tmp_path / "runs", "2026-01-03T00:00:00+00:00", 24, lake="s3://b/p")
    assert (status, detail) == ("ok", "first run of lake s3://b/p in this runs directory")


def test_demo_is_built_once_and_rebuilt_when_its_code_changes(tmp_path, monkeypatch):
    from nba_simulator.pipeline import scratch

    built = []
    monkeypatch.setattr(
        scratch, "build_demo", lambda folder, **options: built.append(folder) or _fake_demo(Path(folder))
    )
    first = scratch.ensure_demo(tmp_path / "demo")
    again = scratch.ensure_demo(tmp_path / "demo")
    assert len(built) == 1 and again.spec == first.spec and again.as_of == "2019-03-15"
    monkeypatch.setattr(scratch, "demo_fingerprint", lambda: "changed")
    scratch.ensure_demo(tmp_path / "demo")
    assert len(built) == 2


def _fake_demo(folder: Path):
    from nba_simulator.demo import MARKER, Demo

    (folder / "lake").mkdir(parents=True, exist_ok=True)
    (folder / MARKER).write_text("")
    for name in ("spec.yaml", "schedule.csv", "imperfections.json"):
        (folder / name).write_text("{}")
    return Demo(folder, folder / "lake", folder / "spec.yaml", folder / "schedule.csv", "2019-03-15", 0)


def test_trend_compares_like_with_like():
    """Two lakes in one runs folder: this lake's runs make the line, the other lake's are drawn
    apart (never joined to it); x is as_of; one run of a lake: a sentence, not empty axes."""
    hist = pd.DataFrame(
        {
            "run_id": ["a1", "b1", "a2", "b2"],
            "started": [None] * 4,
            "as_of": ["2019-03-10", "2019-03-11", "2019-03-14", "2019-03-15"],
            "status": ["succeeded", "succeeded", "succeeded", "this run"],
            "complete_pct": [0.0, 97.0, 1.0, 98.0],
            "have_pct": [0.0, 97.5, 1.0, 98.5],
            "expected": [10] * 4,
            "missing": [1] * 4,
            "gaps": [1] * 4,
            "lake": ["/lake/a", "/lake/b", "/lake/a", "/lake/b"],
            "spec": ["s.yaml"] * 4,
        }
    )
    plot = plots.completeness_trend(hist)
    assert "97.00% as of 2019-03-11, 98.00% as of 2019-03-15" in plot.alt
    assert "0.00%" not in plot.alt.split(";")[0]  # lake a is not on this lake's line
    assert "1 other lake/spec pair(s) drawn apart" in plot.alt
    lines = plot.fig.axes[0].get_lines()
    assert len(lines) == 3 and list(lines[2].get_ydata()) == [0.0, 1.0]  # lake a: its own line
    one = plots.completeness_trend(hist.iloc[[0, 3]])
    assert isinstance(one, plots.Note) and "One run of this lake and spec so far" in one.alt
    assert "98.00% complete" in one.alt and "<p" in one._repr_html_()


def test_trend_of_lakes_years_apart_keeps_this_lakes_dates():
    """Another lake's runs years away are counted, not drawn: the x axis stays on this lake's
    runs (before: a 2019 line squashed against 2026 and thousands of day ticks, which matplotlib
    logged onto the report page)."""
    import logging

    hist = pd.DataFrame(
        {
            "run_id": ["d1", "r1", "d2"],
            "started": [None] * 3,
            "as_of": ["2019-03-15", "2026-11-30", "2019-03-20"],
            "status": ["succeeded", "succeeded", "this run"],
            "complete_pct": [98.75, 1.89, 96.89],
            "have_pct": [99.0, 2.0, 97.0],
            "expected": [10] * 3,
            "missing": [1] * 3,
            "gaps": [1] * 3,
            "lake": ["/demo", "/real", "/demo"],
            "spec": ["demo.yaml", "default.yaml", "demo.yaml"],
        }
    )
    records = []
    handler = logging.Handler()
    handler.emit = records.append
    logging.getLogger("matplotlib").addHandler(handler)
    try:
        plot = plots.completeness_trend(hist)
        png = plot.png()
    finally:
        logging.getLogger("matplotlib").removeHandler(handler)
    assert png and not [r.getMessage() for r in records if r.levelno >= logging.WARNING]
    ax = plot.fig.axes[0]
    left, right = (pd.Timestamp(matplotlib.dates.num2date(x)).tz_localize(None) for x in ax.get_xlim())
    assert left >= pd.Timestamp("2019-03-13") and right <= pd.Timestamp("2019-03-22")
    assert len(ax.get_xticks()) <= 10 and len(ax.get_lines()) == 2
    assert "1 run(s) of other lake/spec pairs at other dates not drawn" in plot.alt


def test_tables_for_people():
    """No index, no <NA>, thousands separators, seasons that do not wrap, keys that do."""
    comp = pd.DataFrame(
        {
            "dataset": ["a", "b"],
            "season": ["2018-19", "2019-20"],
            "expected": [12345, 2],
            "present": [12000, 2],
            "missing": [345, 0],
            "complete_pct": [97.2, 100.0],
        }
    )
    html = plots.worst_seasons(comp)._repr_html_()
    assert "12,345" in html and "<NA>" not in html and "nan" not in html
    assert 'class="data row0 col2 nw" >2018-19' in html or 'nw" >2018-19' in html
    assert "td.num {" in html and "white-space: nowrap" in html
    assert "level0 row0" not in html  # no index column
