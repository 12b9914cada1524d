"""Reconcile the demo lake and find exactly the imperfections the demo planted."""

import json

import pandas as pd
import pytest

from nba_simulator.cli import main
from nba_simulator.demo import build_demo


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("demo")
    demo = build_demo(root)
    out = root / "out"
    assert (
        main(
            ["reconcile", "--spec", str(demo.spec), "--lake", str(demo.lake), "--as-of", demo.as_of, "--out", str(out)]
        )
        == 0
    )
    planted = json.loads((root / "imperfections.json").read_text())["planted"]

    def read(name):
        return pd.read_parquet(out / name)

    return demo, out, planted, read


def test_outputs_exist_with_contract_columns(demo_run):
    _, out, _, read = demo_run
    cov = read("coverage.parquet")
    assert {
        "dataset",
        "source",
        "data_type",
        "season",
        "season_type",
        "game_id",
        "game_date",
        "expected_key",
        "status",
        "key",
        "size",
        "last_modified",
        "n_objects",
    } <= set(cov.columns)
    assert set(read("orphans.parquet")["reason"]) == {"orphan", "unparsed"}
    tasks = json.loads((out / "tasks.json").read_text())["tasks"]
    assert tasks and all(t["expected_keys"] and t["scraper"] for t in tasks)
    inv = read("inventory.parquet")
    assert inv["key"].is_unique


def _problems(cov, dataset, status):
    rows = cov[(cov["dataset"] == dataset) & (cov["status"] == status)]
    return set(rows["game_id"])


def test_finds_exactly_the_planted_flaws(demo_run):
    _, _, planted, read = demo_run
    cov = read("coverage.parquet")
    assert _problems(cov, "nba_api_play_by_play", "missing") == set(planted["missing_games"])
    assert _problems(cov, "nba_api_play_by_play", "undersized") == set(planted["header_only"])
    assert _problems(cov, "espn_play_by_play", "missing") == set(planted["missing_date_range"])
    assert _problems(cov, "espn_box_scores", "missing") == set(planted["recent_missing"]) - set(planted["unmapped"])
    assert _problems(cov, "espn_box_scores", "premature") == set(planted["premature"])
    assert _problems(cov, "espn_play_by_play", "unmapped") == set(planted["unmapped"])
    stale = cov[cov["status"] == "stale"]
    assert stale[["dataset", "season"]].values.tolist() == [["hoopr_play_by_play", "2018-19"]]
    dups = read("duplicates.parquet")
    assert set(dups["game_id"]) == set(planted["duplicates"])


def test_orphans_unparsed_and_excluded(demo_run):
    _, _, planted, read = demo_run
    orphans = read("orphans.parquet")
    assert set(orphans.loc[orphans["reason"] == "orphan", "key"]) == set(planted["orphans"])
    assert set(orphans.loc[orphans["reason"] == "unparsed", "key"]) == set(planted["unparsed"])
    inv = read("inventory.parquet")
    assert not inv["key"].isin(planted["non_data"]).any()


def test_recent_gap_is_critical_and_summary_is_reproducible(demo_run, tmp_path):
    demo, out, planted, read = demo_run
    gaps = read("gaps.parquet")
    critical = gaps[gaps["priority"] == "CRITICAL"]
    assert set(critical["dataset"]) == {"espn_box_scores"}
    again = tmp_path / "again"
    assert (
        main(
            [
                "reconcile",
                "--spec",
                str(demo.spec),
                "--lake",
                str(demo.lake),
                "--as-of",
                demo.as_of,
                "--out",
                str(again),
            ]
        )
        == 0
    )
    assert (again / "summary.json").read_text() == (out / "summary.json").read_text()
    assert (again / "tasks.json").read_text() == (out / "tasks.json").read_text()


def test_sampling_lists_less_and_labels_estimates(demo_run, tmp_path):
    demo, out, _, _ = demo_run
    assert (
        main(
            [
                "reconcile",
                "--spec",
                str(demo.spec),
                "--lake",
                str(demo.lake),
                "--as-of",
                demo.as_of,
                "--out",
                str(tmp_path),
                "--sample",
                "0.1",
            ]
        )
        == 0
    )
    full = json.loads((out / "summary.json").read_text())
    est = json.loads((tmp_path / "summary.json").read_text())
    assert est["estimate"] is True and full["estimate"] is False
    assert est["inventory"]["objects"] < full["inventory"]["objects"] / 3
    assert 0 < est["totals"]["expected"] < full["totals"]["expected"] / 3
    # sampled items are judged exactly as in the full run
    cov_full = pd.read_parquet(out / "coverage.parquet").set_index("expected_key")["status"]
    cov_est = pd.read_parquet(tmp_path / "coverage.parquet").set_index("expected_key")["status"]
    assert (cov_full.loc[cov_est.index] == cov_est).all()
    # no key owed by an unsampled item is taken for an orphan
    orphans = pd.read_parquet(tmp_path / "orphans.parquet")
    full_orphans = set(pd.read_parquet(out / "orphans.parquet")["key"])
    assert set(orphans["key"]) <= full_orphans
