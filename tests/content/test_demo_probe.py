"""reconcile --probe on the demo lake: the planted empty ESPN pages are found exactly, the matrix
and cross-source table show them, tasks rank them first, a rerun reads nothing, budgets estimate."""

import json

import pandas as pd
import pytest

from nba_simulator.cli import main
from nba_simulator.content.matrix import GameMatrix, cross_source_gaps, game_matrix, pair_counts
from nba_simulator.demo import build_demo
from nba_simulator.plots.content import content_bars, content_table, cross_source_heatmap, matrix_strip
from nba_simulator.tasks import in_work_order


@pytest.fixture(scope="module")
def demo_runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("demo")
    demo = build_demo(root)
    base = ["reconcile", "--spec", str(demo.spec), "--lake", str(demo.lake), "--as-of", demo.as_of]
    assert main(base + ["--out", str(root / "plain")]) == 0
    assert main(base + ["--out", str(root / "probed"), "--probe"]) == 0
    planted = json.loads((root / "imperfections.json").read_text())["planted"]
    return demo, root, base, planted


def test_planted_empty_pages_found_exactly(demo_runs):
    _, root, _, planted = demo_runs
    assert len(planted["empty_pbp"]) > 50
    plain = pd.read_parquet(root / "plain" / "coverage.parquet")
    probed = pd.read_parquet(root / "probed" / "coverage.parquet")
    empty = probed[probed["status"] == "empty"]
    assert set(empty["dataset"]) == {"espn_play_by_play"}
    assert set(empty["game_id"]) == set(planted["empty_pbp"])
    # present by name and size: without probing the same items were "present"
    assert (plain.set_index("expected_key").loc[empty["expected_key"], "status"] == "present").all()
    # nothing else changed
    other = ~probed["expected_key"].isin(empty["expected_key"])
    assert (plain.loc[other.to_numpy(), "status"].to_numpy() == probed.loc[other, "status"].to_numpy()).all()
    assert set(probed["content"].dropna()) == {"ok", "empty"}
    content = pd.read_parquet(root / "probed" / "content.parquet")
    assert (content["verdict"] != "unprobed").all()
    summary = json.loads((root / "probed" / "summary.json").read_text())
    assert summary["totals"]["empty"] == len(planted["empty_pbp"])
    espn = next(d for d in summary["content"]["datasets"] if d["dataset"] == "espn_play_by_play")
    assert espn["empty"] == len(planted["empty_pbp"]) and espn["estimate"] is False
    assert "content" not in json.loads((root / "plain" / "summary.json").read_text())


def test_matrix_cross_source_and_task_ranking(demo_runs):
    _, root, _, planted = demo_runs
    wide = pd.read_parquet(root / "probed" / "matrix.parquet").set_index("game_id")
    assert {
        "espn_game_id",
        "bbref_game_id",
        "espn_play_by_play",
        "nba_api_play_by_play",
        "espn_box_scores",
        "bbref_box_scores",
    } <= set(wide.columns)
    assert (wide.loc[planted["empty_pbp"], "espn_play_by_play"] == "empty").all()
    assert (wide.loc[wide["season"] == "2017-18", "bbref_box_scores"] == "not_expected").all()
    cov = pd.read_parquet(root / "probed" / "coverage.parquet")
    schedule = pd.read_csv(root / "schedule.csv", dtype=str, parse_dates=["game_date"])
    m = game_matrix(cov, schedule)
    gaps = cross_source_gaps(m)
    espn_empty = gaps[(gaps["dataset"] == "espn_play_by_play") & (gaps["status"] == "empty")]
    # every empty ESPN page whose game NBA Stats has is listed, same data type
    nba_has = set(wide.index[wide["nba_api_play_by_play"] == "present"])
    assert set(espn_empty["game_id"]) == set(planted["empty_pbp"]) & (
        nba_has | set(wide.index[wide["sources_present"] != "espn"])
    )
    assert espn_empty["same_data_type"].any()
    summary = json.loads((root / "probed" / "summary.json").read_text())
    assert summary["content"]["cross_source_gaps"] == len(gaps)
    tasks = json.loads((root / "probed" / "tasks.json").read_text())["tasks"]
    assert all("other_sources_have" in t for t in tasks)
    assert tasks == in_work_order(tasks)  # the count is a hint, the order the one order of work
    empties = [t for t in tasks if t["reason"] == "empty"]
    assert empties and all(t["action"] == "recollect" and t["other_sources_have"] > 0 for t in empties)
    # plots render
    assert matrix_strip(m).png()[:4] == b"\x89PNG"
    assert cross_source_heatmap(pair_counts(m)).png()[:4] == b"\x89PNG"
    info = json.loads((root / "probed" / "content_info.json").read_text())
    ds = pd.DataFrame(info["datasets"])
    assert content_bars(ds).png()[:4] == b"\x89PNG" and len(content_table(ds)) == len(ds)
    assert isinstance(m, GameMatrix)


def test_rerun_reads_nothing_and_gives_the_same_summary(demo_runs, tmp_path):
    demo, root, base, _ = demo_runs
    out = root / "probed"
    first = json.loads((out / "content_info.json").read_text())
    assert first["read"] == first["targets"] > 8000
    summary = (out / "summary.json").read_text()
    assert main(base + ["--out", str(out), "--probe"]) == 0
    again = json.loads((out / "content_info.json").read_text())
    assert again["read"] == 0 and again["cached"] == first["targets"]
    assert (out / "summary.json").read_text() == summary


def test_budget_and_sample_are_labelled_estimates(demo_runs, tmp_path, capsys):
    _, root, base, planted = demo_runs
    assert main(base + ["--out", str(tmp_path / "b"), "--probe", "--probe-max-objects", "1500"]) == 0
    out = capsys.readouterr().out
    assert "1500 read" in out and "estimated counts" in out
    s = json.loads((tmp_path / "b" / "summary.json").read_text())["content"]
    assert s["estimate"] is True and s["max_objects"] == 1500
    assert sum(d["unprobed"] for d in s["datasets"]) == sum(d["targets"] for d in s["datasets"]) - 1500
    espn = next(d for d in s["datasets"] if d["dataset"] == "espn_play_by_play")
    assert espn["estimate"] and espn["estimated_low"] <= espn["estimated_empty"] <= espn["estimated_high"]
    assert main(base + ["--out", str(tmp_path / "s"), "--probe", "--probe-sample", "0.2"]) == 0
    s = json.loads((tmp_path / "s" / "summary.json").read_text())["content"]
    espn = next(d for d in s["datasets"] if d["dataset"] == "espn_play_by_play")
    assert s["estimate"] and s["sample"] == 0.2 and 0.1 < espn["judged"] / espn["targets"] < 0.3
    truth = len(planted["empty_pbp"])
    assert espn["estimated_low"] <= truth <= espn["estimated_high"]
    assert main(base + ["--out", str(tmp_path / "x"), "--probe-max-objects", "-3"]) == 2
