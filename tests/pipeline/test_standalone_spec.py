"""A stage notebook run on its own picks the spec and date the way ``nba-recon run`` does: with
a real lake, the packaged spec and today (UTC). ``papermill 02_coverage.ipynb out.ipynb -p lake
<real-layout lake>`` gives the same verdicts as ``nba-recon reconcile`` (which writes what ``run``
writes: tests/pipeline/test_real_layout_pipeline.py)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from nba_simulator.asof import today_utc
from nba_simulator.demo import DEMO_AS_OF
from nba_simulator.pipeline.standalone import standalone_choice

REPO = Path(__file__).resolve().parents[2]


def test_standalone_choice_follows_run():
    # the demo lake keeps the notebook's defaults
    assert standalone_choice("demo", "demo", "", today="2026-12-07") == ("demo", "", [])
    # a real lake: the packaged spec and today, each said in a note
    spec, as_of, notes = standalone_choice("demo", "/data/lake", "", today="2026-12-07")
    assert (spec, as_of) == ("default", "2026-12-07") and len(notes) == 2
    assert all("nba-recon run" in n for n in notes)
    # what the user gave is kept
    assert standalone_choice("my.yaml", "s3://b/raw", "2026-11-30", today="2026-12-07") == ("my.yaml", "2026-11-30", [])
    # the demo's date given on purpose is kept
    assert standalone_choice("demo", "/data/lake", DEMO_AS_OF, today="2026-12-07")[1] == DEMO_AS_OF


@pytest.mark.slow
def test_papermill_alone_gives_the_verdicts_of_run(tmp_path, monkeypatch):
    papermill = pytest.importorskip("papermill")
    from nba_simulator.reconcile import ReconcileOptions, reconcile
    from tests.firstmorning import build_first_morning

    m = build_first_morning(tmp_path / "lake")
    home = tmp_path / "home"
    monkeypatch.setenv("NBA_RECON_HOME", str(home))  # the standalone scratch folder (the kernel inherits it)
    today = today_utc()
    out = tmp_path / "out.ipynb"
    papermill.execute_notebook(
        str(REPO / "notebooks" / "02_coverage.ipynb"),
        str(out),
        parameters={"lake": str(m.lake)},
        kernel_name="python3",
        progress_bar=False,
        cwd=str(tmp_path),
    )
    text = out.read_text()
    assert "the packaged spec of the real bucket" in text and f"today, {today}" in text
    ours = pd.read_parquet(home / "lab" / "data" / "coverage.parquet")
    lib = tmp_path / "library"
    reconcile(ReconcileOptions("default", str(m.lake), today, out_dir=lib, runs_dir=tmp_path / "runs"))
    theirs = pd.read_parquet(lib / "coverage.parquet")
    cols = ["dataset", "season", "season_type", "game_id", "expected_key", "status"]
    a, b = (x[cols].sort_values(["dataset", "expected_key"]).reset_index(drop=True) for x in (ours, theirs))
    pd.testing.assert_frame_equal(a, b)
    assert (a["status"] == "missing").sum() > 0 and (a["season"] == "2026-27").any()


@pytest.mark.slow
def test_papermill_with_a_spec_that_does_not_fit_says_so_before_any_figure(tmp_path, monkeypatch):
    papermill = pytest.importorskip("papermill")
    import nbformat

    from nba_simulator.demo import build_demo
    from tests.firstmorning import AS_OF, build_first_morning

    m = build_first_morning(tmp_path / "lake")
    demo = build_demo(tmp_path / "demo")
    monkeypatch.setenv("NBA_RECON_HOME", str(tmp_path / "home"))
    out = tmp_path / "out.ipynb"
    papermill.execute_notebook(
        str(REPO / "notebooks" / "02_coverage.ipynb"),
        str(out),
        parameters={"lake": str(m.lake), "spec": str(demo.spec), "as_of": AS_OF},
        kernel_name="python3",
        progress_bar=False,
        cwd=str(tmp_path),
    )
    nb = nbformat.read(str(out), as_version=4)
    outputs = [
        o
        for c in nb.cells
        if c.cell_type == "code"
        for o in c.get("outputs", [])
        if "text/html" in o.get("data", {}) or o.get("text")
    ]
    texts = [o.get("data", {}).get("text/html", "") or o.get("text", "") for o in outputs]
    first_figure = next(i for i, t in enumerate(texts) if "complete" in t and "do not fit" not in t)
    fit = next(i for i, t in enumerate(texts) if "the spec and the lake do not fit" in t)
    assert fit < first_figure
