"""The report's first screen as data: tasks ranked by what they buy, what could not be judged,
every warning with its full text (escaped), nothing said when there is nothing to say."""
from __future__ import annotations

from nba_simulator.report.firstscreen import first_screen_html, rank_tasks, task_value
from nba_simulator.report.warnings import collect_warnings

import pandas as pd


def _task(tid, priority, n, dataset="espn_play_by_play"):
    return {"task_id": tid, "priority": priority, "n_items": n, "action": "collect", "reason": "missing",
            "dataset": dataset, "scraper": "espn_scraper", "season": "2018-19",
            "game_ids": [f"g{i}" for i in range(n)], "dates": ["2019-01-16", "2019-01-10"],
            "expected_keys": [f"{dataset}/{i}.json" for i in range(n)]}


SUMMARY = {"as_of": "2019-03-15", "totals": {"expected": 8382, "missing": 97, "undersized": 4, "premature": 3,
                                             "stale": 1, "unmapped": 10, "complete_pct": 98.75},
           "inventory": {"lake": "/lake", "objects": 8308}, "tasks": {"HIGH": 9, "CRITICAL": 1},
           "warnings": ["dataset bbref matches no key of the lake (layouts: bbref/{x}.json)"],
           "unparsed": 2, "orphans": 0}


def test_tasks_ranked_by_items_times_priority():
    one_game = [_task(f"T{i}", "HIGH", 1) for i in range(8)]
    week = _task("WEEK", "HIGH", 48)
    critical = _task("CRIT", "CRITICAL", 12, "espn_box_scores")
    ranked = rank_tasks([critical, *one_game, week])
    assert [t["task_id"] for t in ranked[:2]] == ["WEEK", "CRIT"]     # 48 x 4 = 192 > 12 x 8 = 96
    assert task_value(week) == 192 and [t["task_id"] for t in ranked[2:]] == [f"T{i}" for i in range(8)]


def test_first_screen_sections():
    page = first_screen_html(SUMMARY, [_task("WEEK", "HIGH", 48)])
    assert 'id="headline"' in page and "98.75%" in page and "8,382" in page
    assert 'id="tasks-now"' in page and "2019-01-10 … 2019-01-16" in page and "48 keys" in page
    assert "espn_play_by_play/47.json" in page and 'href="data/tasks.json"' in page
    assert 'id="warnings"' in page and "matches no key of the lake" in page
    assert "2 key(s) in the lake match no dataset" in page
    assert 'id="unjudged"' not in page                        # nothing unjudged: nothing said
    with_unjudged = {**SUMMARY, "unjudged": [{"dataset": "espn_box_scores", "season": "2018-19",
                                              "season_type": "regular", "reason": "ids unknown: <b>x</b>",
                                              "count": 3}]}
    page = first_screen_html(with_unjudged, [])
    assert 'id="unjudged"' in page and "espn_box_scores 2018-19 regular: not judged (3 items)" in page
    assert "&lt;b&gt;x&lt;/b&gt;" in page and "<b>x</b>" not in page   # escaped
    assert "Nothing to collect" in page
    nothing = first_screen_html({"as_of": "1990-01-01", "totals": {"expected": 0}}, [])
    assert "None" not in nothing and "nan" not in nothing and "nothing owed" in nothing


def test_every_warning_collected_once():
    health = pd.DataFrame({"check": ["previous runs", "spec valid"], "status": ["warn", "ok"],
                           "detail": ["no successful run for 30 hours", "fine"]})
    got = collect_warnings({**SUMMARY, "warnings": SUMMARY["warnings"] * 2}, health,
                           {"warnings": ["listing fell back"]})
    assert got[0] == "health check 'previous runs' warns: no successful run for 30 hours"
    assert got.count(SUMMARY["warnings"][0]) == 1 and "listing fell back" in got
    assert not any("spec valid" in w for w in got)
