"""One order of work, one lake per view (issue 20), on real pipeline runs into one ``runs/``:

* lake A: the demo lake; lake B: a small lake with a 100-item LOW backlog (a whole old season of
  an optional dataset missing) and a 2-item CRITICAL gap from yesterday (two games of the day
  before as_of missing);
* runs A, B, A, alternately, into one runs folder and one history.

The order of work is stated once (:data:`ORDER`) and checked in ``tasks.json``, on the report's
first screen, on the 04 page and in ``nba-recon history tasks``. Each report, health check, trend
and history view shows only its own lake; the index filters by lake.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
from pathlib import Path

import pandas as pd
import pytest
from bs4 import BeautifulSoup

from nba_simulator.cli import main
from nba_simulator.database import history as H
from nba_simulator.tasks import WORK_ORDER, work_order_key

AS_OF = "2019-03-15"
#: the order of work on lake B, stated once: (priority, items) of each task, first to last
ORDER = [("CRITICAL", 2), ("LOW", 100)]

SPEC = """\
version: 1
schedule: schedule.csv
datasets:
  pbp:
    source: nba_stats
    data_type: play_by_play
    keys: "pbp/{game_id}.json"
    per: game
    seasons: 2017-18..2018-19
    season_types: [regular]
    required: true
    min_bytes: 10
  box:
    source: nba_stats
    data_type: box_score
    keys: "box/{game_id}.json"
    per: game
    seasons: 2017-18
    season_types: [regular]
    required: false
    min_bytes: 10
priorities:
  - {priority: CRITICAL, required: true, within_days: 3}
  - {priority: LOW}
tasks: {batch_size: 100}
"""


def small_lake(root: Path) -> tuple[Path, Path]:
    """Lake B: 100 games of 2017-18 (one a day), 10 of 2018-19 up to the day before as_of (two
    that day); every pbp file but the last day's two; no box file (an old optional season)."""
    rows = [(f"00217{i + 1:05d}", "2017-18", pd.Timestamp("2017-10-17") + pd.Timedelta(days=i)) for i in range(100)]
    days = [pd.Timestamp("2019-03-06") + pd.Timedelta(days=i) for i in range(8)] + [pd.Timestamp("2019-03-14")] * 2
    rows += [(f"00218{i + 1:05d}", "2018-19", d) for i, d in enumerate(days)]
    teams = ["BOS", "LAL", "NYK", "CHI", "MIA", "DAL", "DEN", "PHX"]
    sched = pd.DataFrame(
        [
            {
                "game_id": g,
                "season": s,
                "season_type": "regular",
                "game_date": d.strftime("%Y-%m-%d"),
                "home_team": teams[n % 4],
                "away_team": teams[4 + n % 4],
                "espn_game_id": f"4009{n:05d}",
                "bbref_game_id": "",
                "status": "final",
            }
            for n, (g, s, d) in enumerate(rows)
        ]
    )
    folder = root / "small"
    (folder / "lake" / "pbp").mkdir(parents=True)
    sched.to_csv(folder / "schedule.csv", index=False)
    (folder / "spec.yaml").write_text(SPEC)
    for g, _, d in rows:
        if d != pd.Timestamp("2019-03-14"):
            (folder / "lake" / "pbp" / f"{g}.json").write_text(json.dumps({"game": g, "plays": [1, 2, 3]}))
    return folder / "spec.yaml", folder / "lake"


def _run(runs: Path, spec: Path, lake: Path) -> Path:
    before = {p.name for p in runs.iterdir()} if runs.exists() else set()
    assert (
        main(
            [
                "run",
                "--spec",
                str(spec),
                "--lake",
                str(lake),
                "--as-of",
                AS_OF,
                "--runs-dir",
                str(runs),
                "--no-progress",
            ]
        )
        == 0
    )
    (new,) = [p for p in runs.iterdir() if p.is_dir() and p.name not in before and (p / "run.json").exists()]
    return new


def _cli(*argv: str) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(list(argv)) == 0
    return out.getvalue()


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    from nba_simulator.demo import build_demo

    root = tmp_path_factory.mktemp("lakes")
    demo = build_demo(root / "demo")
    spec_b, lake_b = small_lake(root)
    runs = root / "runs"
    a1 = _run(runs, demo.spec, demo.lake)
    b1 = _run(runs, spec_b, lake_b)
    a2 = _run(runs, demo.spec, demo.lake)
    return dict(runs=runs, lake_a=str(demo.lake), lake_b=str(lake_b), a1=a1, b1=b1, a2=a2)


@pytest.mark.slow
def test_the_order_of_work_is_the_same_everywhere(world):
    runs, b1 = world["runs"], world["b1"]
    # the case the rule is for: by items x weight (8 per CRITICAL item, 1 per LOW) LOW came first
    assert ORDER[1][1] * 1 > ORDER[0][1] * 8
    tasks = json.loads((b1 / "data" / "tasks.json").read_text())["tasks"]
    assert [(t["priority"], t["n_items"]) for t in tasks] == ORDER
    assert tasks[0]["dates"] == ["2019-03-14"]  # yesterday's gap
    ids = [t["task_id"] for t in tasks]
    assert tasks == sorted(tasks, key=work_order_key)
    # the report's first screen: the tasks in that order, the order said in one sentence
    report = (b1 / "report.html").read_text()
    screen = report[report.index('id="tasks-now"') :]
    assert re.findall(r"expected keys of task (T[0-9a-f]{16})", screen) == ids
    assert "The order of work: " in screen and WORK_ORDER.split(",")[0] in screen
    # the tasks stage page
    page = (b1 / "04_tasks.html").read_text()
    assert list(dict.fromkeys(re.findall(r"\bT[0-9a-f]{16}\b", page))) == ids
    # nba-recon history tasks
    got = json.loads(_cli("history", "tasks", "--runs-dir", str(runs), "--lake", world["lake_b"], "--json"))
    assert [t["task_id"] for t in got["tasks"]] == ids and got["order"] == WORK_ORDER
    text = _cli("history", "tasks", "--runs-dir", str(runs), "--lake", world["lake_b"])
    assert text.index(ids[0]) < text.index(ids[1])


def _lifecycle_total(report: str) -> int:
    """The "all" row of the report's task lifecycle table (open + resolved + superseded)."""
    soup = BeautifulSoup(report, "html.parser")
    for table in soup.find_all("table"):
        head = [th.get_text(strip=True) for th in table.find_all("th")]
        if {"open", "resolved", "superseded"} <= set(head):
            for tr in table.find_all("tr"):
                cells = [c.get_text(strip=True) for c in tr.find_all(["th", "td"])]
                if cells and cells[0] == "all":
                    return sum(int(c.replace(",", "")) for c in cells[1:] if c)
    raise AssertionError("no task lifecycle table in the report")


@pytest.mark.slow
def test_each_view_shows_only_its_own_lake(world):
    runs, a1, b1, a2 = world["runs"], world["a1"], world["b1"], world["a2"]
    engine, _, _ = H.open_history(None, runs_dir=runs)
    try:
        assert list(H.runs(engine, lake=world["lake_a"])["run_id"]) == [a1.name, a2.name]
        assert list(H.runs(engine, lake=world["lake_b"])["run_id"]) == [b1.name]
        tasks_a = H.tasks(engine, lake=world["lake_a"])
        tasks_b = H.tasks(engine, lake=world["lake_b"])
        assert len(tasks_b) == len(ORDER) and not set(tasks_a["task_id"]) & set(tasks_b["task_id"])
        changes = H.changes_by_run(engine, lake=world["lake_b"])
        assert list(changes["run_id"]) == [b1.name] and set(changes["lake"]) == {world["lake_b"]}
    finally:
        engine.dispose()
    # history views: lake and spec columns, --lake
    shown = _cli("history", "runs", "--runs-dir", str(runs), "--lake", world["lake_b"])
    assert b1.name in shown and a1.name not in shown and "lake" in shown and "spec" in shown
    shown = _cli("history", "changes", "--runs-dir", str(runs), "--lake", world["lake_a"])
    assert a2.name in shown and b1.name not in shown and world["lake_a"] in shown
    # the reports: lifecycle tables, new and fixed since the last run (A2 after B1: compared with A1)
    assert _lifecycle_total((a2 / "report.html").read_text()) == len(tasks_a)
    assert _lifecycle_total((b1 / "report.html").read_text()) == len(tasks_b)
    recorded = json.loads((a2 / "data" / "history.json").read_text())
    assert recorded["new_items"] == 0 and recorded["fixed_items"] == 0
    # trends: A2's has A's two runs; B1's is one run
    a2_report, b1_report = (a2 / "report.html").read_text(), (b1 / "report.html").read_text()
    assert re.search(
        r"completeness by as_of for this lake and spec: [\d.]+% as of 2019-03-15, "
        r"[\d.]+% as of 2019-03-15",
        a2_report,
    )
    assert "One run of this lake and spec so far" in b1_report
    # the health check's last success: A1 for A2 (B1 ran in between), nothing before B1 of lake B
    health = pd.read_parquet(a2 / "data" / "health.parquet").set_index("check")
    assert a1.name in health.loc["previous runs", "detail"] and b1.name not in health.loc["previous runs", "detail"]
    health_b = pd.read_parquet(b1 / "data" / "health.parquet").set_index("check")
    assert "first run" in health_b.loc["previous runs", "detail"]
    # the index: rows carry their lake, a filter by lake lists both
    index = BeautifulSoup((runs / "index.html").read_text(), "html.parser")
    lakes = {td["data-filter"] for td in index.select("#runs tbody td.lake:not(.spec)")}
    assert lakes == {world["lake_a"], world["lake_b"]}
    assert index.select_one('select[aria-label="lake"][data-col="4"]') is not None
