"""The whole pipeline with papermill on the demo lake: run.json, the data files (the same as the
library's own ``reconcile``), the HTML report (completeness table, a plot, no secret), the index.

One pipeline run (about 30-60 s: six kernels) is shared by every assertion."""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest

from nba_simulator.cli import main
from nba_simulator.demo import build_demo
from nba_simulator.reconcile import OUTPUT_FILES, ReconcileOptions, reconcile

pytestmark = pytest.mark.slow

SECRET = "hunter2-not-a-real-password"
DB_URL = f"postgresql://recon:{SECRET}@127.0.0.1:1/nba"  # nothing listens on port 1


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    return build_demo(tmp_path_factory.mktemp("demo"))


@pytest.fixture(scope="module")
def run(demo, tmp_path_factory):
    root = tmp_path_factory.mktemp("pipeline")
    runs = root / "runs"
    rc = main(
        [
            "run",
            "--spec",
            str(demo.spec),
            "--lake",
            str(demo.lake),
            "--as-of",
            demo.as_of,
            "--runs-dir",
            str(runs),
            "--no-progress",
            "--timeout",
            "600",
            "-p",
            "database",
            DB_URL,
            "-p",
            "fail_fast",
            "false",
        ]
    )
    (run_dir,) = [p for p in runs.iterdir() if p.is_dir()]
    record = json.loads((run_dir / "run.json").read_text())
    lib = root / "library"
    reconcile(ReconcileOptions(str(demo.spec), str(demo.lake), demo.as_of, out_dir=lib))
    return rc, runs, run_dir, record, lib


def test_run_succeeds_and_records_every_stage(run, demo):
    rc, _, run_dir, rec, _ = run
    assert rc == 0
    assert rec["status"] == "succeeded" and re.fullmatch(r"\d{8}T\d{6}Z-[0-9a-f]{6}", rec["run_id"])
    assert [s["name"] for s in rec["stages"]] == [
        "00_health_check",
        "01_scan",
        "02_coverage",
        "03_gaps",
        "04_tasks",
        "05_summary",
    ]
    for st in rec["stages"]:
        assert st["status"] == "succeeded" and st["attempts"] == 1
        assert st["duration_s"] > 0 and st["start"] and st["peak_memory_mb"] > 50
        assert st["outputs"] and all((run_dir / o).exists() for o in st["outputs"])
        assert (run_dir / st["notebook"]).exists() and (run_dir / st["html"]).exists()
    outputs = {o for st in rec["stages"] for o in st["outputs"]}
    assert {f"data/{name}" for name in OUTPUT_FILES} <= outputs
    assert rec["parameters"]["as_of"] == demo.as_of and rec["parameters"]["lake"] == str(demo.lake)
    assert rec["parameters"]["database"] == "postgresql://recon:***@127.0.0.1:1/nba"
    assert {"papermill", "pandas", "nba_simulator", "python"} <= set(rec["versions"])
    assert rec["headline"]["completeness_pct"] == pytest.approx(98.75, abs=1.0)


def test_data_files_match_the_library(run):
    """The notebooks hand data through files; the result is what reconcile() writes itself."""
    _, _, run_dir, _, lib = run
    for name in OUTPUT_FILES:
        ours, theirs = run_dir / "data" / name, lib / name
        if name.endswith(".parquet"):
            a, b = pd.read_parquet(ours), pd.read_parquet(theirs)
            if name == "inventory.parquet":  # listing order is not specified
                a, b = (x.sort_values("key").reset_index(drop=True) for x in (a, b))
            pd.testing.assert_frame_equal(a, b, check_like=True, obj=name)
        else:
            a, b = json.loads(ours.read_text()), json.loads(theirs.read_text())
            assert a == b


def test_health_stage_reports_every_check(run):
    _, _, run_dir, _, _ = run
    health = pd.read_parquet(run_dir / "data" / "health.parquet").set_index("check")
    assert {
        "spec valid",
        "schedule valid",
        "lake reachable",
        "lake listable",
        "credentials usable",
        "database reachable",
        "free disk",
        "output writable",
    } <= set(health.index)
    assert health.loc["database reachable", "status"] == "fail"  # fail_fast=false: run went on
    assert health.drop(index="database reachable")["status"].isin(["ok", "warn"]).all()


def test_report_has_the_completeness_table_and_plots(run):
    _, _, run_dir, _, _ = run
    html = (run_dir / "report.html").read_text()
    assert "Completeness by dataset" in html and "complete %" in html
    for dataset in ("espn_play_by_play", "nba_api_play_by_play", "hoopr_play_by_play"):
        assert re.search(rf"<t[hd][^>]*>{dataset}</t[hd]>", html), dataset  # a cell of the table
    images = [
        tag
        for tag in re.findall(r"<img [^>]*>", html)
        if re.search(r'src="data:image/png;base64,[A-Za-z0-9+/=]{1000,}"', tag)
    ]
    alts = [m.group(1) for tag in images for m in [re.search(r'alt="([^"]+)"', tag)] if m]
    assert len(images) >= 3 and len(alts) == len(images)
    assert any(alt.startswith("Heatmap of completeness") for alt in alts)
    assert "Ways to run this notebook" not in html  # notebook-only cells hidden
    assert "def " not in html and "import " not in html  # code hidden


def test_no_secret_anywhere_in_the_run(run):
    _, runs, _, _, _ = run
    leaks = [p for p in runs.rglob("*") if p.is_file() and SECRET in p.read_text(errors="ignore")]
    assert leaks == []


def test_index_lists_the_run(run):
    _, runs, run_dir, rec, _ = run
    index = (runs / "index.html").read_text()
    assert f'href="{rec["run_id"]}/report.html"' in index
    assert "succeeded" in index and f"{rec['headline']['completeness_pct']:.2f}%" in index


def test_second_run_shows_a_trend_and_the_first_in_its_health(run, demo):
    _, runs, _, first, _ = run
    rc = main(
        [
            "run",
            "--spec",
            str(demo.spec),
            "--lake",
            str(demo.lake),
            "--as-of",
            demo.as_of,
            "--runs-dir",
            str(runs),
            "--no-progress",
            "--stages",
            "00",
            "01",
            "02",
            "03",
            "04",
            "05",
        ]
    )
    assert rc == 0
    latest = sorted(p for p in runs.iterdir() if p.is_dir())[-1]
    health = pd.read_parquet(latest / "data" / "health.parquet").set_index("check")
    assert first["run_id"] in health.loc["previous runs", "detail"]
    html = (latest / "report.html").read_text()
    trend = re.search(r'alt="Line chart of completeness by as_of for this lake and spec: ([^"]*)"', html)
    assert trend and len(trend.group(1).split(", ")) == 2
