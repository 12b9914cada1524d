"""The report's first screen as data: tasks in the order of work, what could not be judged,
every warning with its full text (escaped), nothing said when there is nothing to say."""

from __future__ import annotations

import html

import pandas as pd

from nba_simulator.report.firstscreen import first_screen_html
from nba_simulator.report.warnings import collect_warnings
from nba_simulator.tasks import WORK_ORDER


def _task(tid, priority, n, dataset="espn_play_by_play"):
    return {
        "task_id": tid,
        "priority": priority,
        "n_items": n,
        "action": "collect",
        "reason": "missing",
        "dataset": dataset,
        "scraper": "espn_scraper",
        "season": "2018-19",
        "game_ids": [f"g{i}" for i in range(n)],
        "dates": ["2019-01-16", "2019-01-10"],
        "expected_keys": [f"{dataset}/{i}.json" for i in range(n)],
    }


SUMMARY = {
    "as_of": "2019-03-15",
    "totals": {
        "expected": 8382,
        "missing": 97,
        "undersized": 4,
        "premature": 3,
        "stale": 1,
        "unmapped": 10,
        "complete_pct": 98.75,
    },
    "inventory": {"lake": "/lake", "objects": 8308},
    "tasks": {"HIGH": 9, "CRITICAL": 1},
    "warnings": ["dataset bbref matches no key of the lake (layouts: bbref/{x}.json)"],
    "unparsed": 2,
    "orphans": 0,
}


def test_tasks_in_the_order_of_work_and_caps_in_items():
    """The first screen follows tasks.json's order (a big HIGH task never outranks a CRITICAL
    one), says the order in one sentence, and counts what the caps left out in items and tasks."""
    week = _task("WEEK", "HIGH", 48)
    critical = {**_task("CRIT", "CRITICAL", 2, "espn_box_scores"), "dates": ["2019-03-14"]}
    page = first_screen_html(SUMMARY, [week, critical], capped={"LOW": 3}, capped_items={"LOW": 250})
    assert page.index('of task CRIT"') < page.index('of task WEEK"')
    assert html.escape(WORK_ORDER) in page and "items × priority" not in page
    assert "250 problem items, in 3 more tasks, left out by the spec's per-priority caps" in page


def test_first_screen_sections():
    page = first_screen_html(SUMMARY, [_task("WEEK", "HIGH", 48)])
    assert 'id="headline"' in page and "98.75%" in page and "8,382" in page
    assert 'id="tasks-now"' in page and "2019-01-10 … 2019-01-16" in page and "48 keys" in page
    assert "espn_play_by_play/47.json" in page and 'href="data/tasks.json"' in page
    assert 'id="warnings"' in page and "matches no key of the lake" in page
    assert "2 key(s) in the lake match no dataset" in page
    assert 'id="unjudged"' not in page  # nothing unjudged: nothing said
    with_unjudged = {
        **SUMMARY,
        "unjudged": [
            {
                "dataset": "espn_box_scores",
                "season": "2018-19",
                "season_type": "regular",
                "reason": "ids unknown: <b>x</b>",
                "count": 3,
            }
        ],
    }
    page = first_screen_html(with_unjudged, [])
    assert 'id="unjudged"' in page and "espn_box_scores 2018-19 regular: not judged (3 items)" in page
    assert "&lt;b&gt;x&lt;/b&gt;" in page and "<b>x</b>" not in page  # escaped
    assert "Nothing to collect" in page
    nothing = first_screen_html({"as_of": "1990-01-01", "totals": {"expected": 0}}, [])
    assert "None" not in nothing and "nan" not in nothing and "nothing owed" in nothing


def test_every_warning_collected_once():
    health = pd.DataFrame(
        {
            "check": ["previous runs", "spec valid"],
            "status": ["warn", "ok"],
            "detail": ["no successful run for 30 hours", "fine"],
        }
    )
    got = collect_warnings(
        {**SUMMARY, "warnings": SUMMARY["warnings"] * 2}, health, {"warnings": ["listing fell back"]}
    )
    assert got[0] == "health check 'previous runs' warns: no successful run for 30 hours"
    assert got.count(SUMMARY["warnings"][0]) == 1 and "listing fell back" in got
    assert not any("spec valid" in w for w in got)


def test_unjudged_grouped_by_dataset_and_reason_most_items_first():
    def row(season, kind, count, season_type="regular"):
        reason = (
            f"ids unknown: no espn_game_id for {count} of 1230 games"
            if kind == "ids"
            else f"games unknown: the schedule has no {season_type} game of {season}"
        )
        return {
            "dataset": "espn_box_scores",
            "season": season,
            "season_type": season_type,
            "reason": reason,
            "count": count,
        }

    unjudged = [
        row("2002-03", "games", 0, "playoffs"),
        row("2003-04", "games", 0, "playoffs"),
        row("2002-03", "ids", 1186),
        row("2005-06", "ids", 1230),
        row("2004-05", "ids", 10),
        {
            "dataset": "bbref",
            "season": "2023-24",
            "season_type": "regular",
            "reason": "games unknown: the schedule has no regular game of 2023-24",
            "count": 0,
        },
    ]
    page = first_screen_html({**SUMMARY, "unjudged": unjudged}, [])
    section = page.split('id="unjudged"', 1)[1]
    shown, folded = section.split("<details>", 1)
    assert (
        "espn_box_scores: ids unknown, seasons 2002-03..2005-06 (regular), 2,426 items not judged; "
        "e.g. 2005-06 regular: no espn_game_id for 1230 of 1230 games"
    ) in shown
    assert "espn_box_scores: games unknown, seasons 2002-03..2003-04 (playoffs); e.g. 2002-03" in shown
    assert shown.index("ids unknown") < shown.index("games unknown")  # most items first
    assert "bbref 2023-24 regular: not judged: games unknown" in shown  # a group of one
    assert "every dataset-season (6)" in folded and "2004-05 regular: not judged (10 items)" in folded
    # the runs index's warn badge and the console count a dataset and reason once, not per season
    said = collect_warnings({**SUMMARY, "unjudged": unjudged})
    assert len([w for w in said if "unknown" in w]) == 3
    assert not any(w.startswith("espn_box_scores 2004-05") for w in said)
    assert "unknown" not in page.split('id="warnings"')[1]  # said once, in its own section
