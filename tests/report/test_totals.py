"""Every number has a unit and every total is the sum of its parts (issue 20): for the demo and
for a run on a lake in the real bucket's layout, each headline and console total equals the sum
of its parts in ``summary.json``, ``coverage.parquet``, ``orphans.parquet``, ``gaps.parquet`` and
``tasks.json`` (``db_problems.parquet``'s rows against ``db_coverage.parquet``'s counts:
``tests/database/test_db_coverage.py``). Also: the caps counted in items, an empty schedule
refused, the future-date rule said as it is, ``-v`` logging progress, and a back-dated run calling
no unfinished game an orphan."""

from __future__ import annotations

import contextlib
import io
import json
import re
from pathlib import Path

import pandas as pd
import pytest

from nba_simulator.cli import main
from nba_simulator.coverage.match import ALL_STATUSES, PROBLEM_STATUSES, STATUS_ORDER
from nba_simulator.report.console import totals_line
from nba_simulator.report.firstscreen import PROBLEMS, headline_html
from nba_simulator.spec.model import PRIORITIES

NUM = r"(\d[\d,]*)"


def _int(text: str) -> int:
    return int(text.replace(",", ""))


def reconcile(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = main(["reconcile", *argv])
    return rc, out.getvalue(), err.getvalue()


def check_sums(out: Path, console: str) -> dict:
    """Assert every total of the console and the summary is the sum of its parts; returns the
    summary."""
    summary = json.loads((out / "summary.json").read_text())
    t = summary["totals"]
    status = pd.read_parquet(out / "coverage.parquet", columns=["status"])["status"].value_counts()
    assert {s: t[s] for s in ALL_STATUSES} == {s: int(status.get(s, 0)) for s in ALL_STATUSES}
    assert t["expected"] == sum(t[s] for s in STATUS_ORDER)  # unmapped apart
    # the console's headline: every status under its own name (invalid too), the same numbers
    head = next(line for line in console.splitlines() if "expected items" in line or "nothing expected" in line)
    named = {name: _int(n) for n, name in re.findall(NUM + r" (" + "|".join(ALL_STATUSES) + r")\b", head)}
    assert named == {s: t[s] for s in ALL_STATUSES}, head
    assert _int(re.search(NUM + " expected items", head).group(1)) == t["expected"]
    assert sum(named[s] for s in STATUS_ORDER) == t["expected"]
    orphans = pd.read_parquet(out / "orphans.parquet", columns=["reason"])["reason"].value_counts()
    assert (summary["orphans"], summary["unparsed"]) == (int(orphans.get("orphan", 0)), int(orphans.get("unparsed", 0)))
    assert _int(re.search(NUM + " orphans", head).group(1)) == summary["orphans"]
    assert _int(re.search(NUM + " unparsed", head).group(1)) == summary["unparsed"]
    # gaps and tasks: per priority, in all, and in items
    gaps = pd.read_parquet(out / "gaps.parquet", columns=["priority", "n_items"])
    doc = json.loads((out / "tasks.json").read_text())
    tasks = doc["tasks"]
    for p in PRIORITIES:
        assert summary["gaps"][p] == int((gaps["priority"] == p).sum())
        assert summary["tasks"][p] == sum(x["priority"] == p for x in tasks)
        left = [x for x in tasks if x["priority"] == p]
        in_gaps = int(gaps.loc[gaps["priority"] == p, "n_items"].sum())
        assert sum(x["n_items"] for x in left) + doc["capped_items"].get(p, 0) == in_gaps, p
        assert bool(doc["capped"].get(p)) == bool(doc["capped_items"].get(p)), p
    assert doc["capped"] == summary["tasks_capped"] and doc["capped_items"] == summary["tasks_capped_items"]
    assert int(gaps["n_items"].sum()) == sum(t[s] for s in PROBLEM_STATUSES)
    assert _int(re.search(NUM + " gaps", head).group(1)) == len(gaps) == sum(summary["gaps"].values())
    assert _int(re.search(NUM + " tasks", head).group(1)) == len(tasks) == sum(summary["tasks"].values())
    if summary["tasks_capped"]:
        m = re.search(NUM + r" items in " + NUM + r" more tasks left out", head)
        assert (_int(m.group(1)), _int(m.group(2))) == (sum(doc["capped_items"].values()), sum(doc["capped"].values()))
    # what cannot be judged: the console line counts the records, its parts add up
    records = summary["unjudged"]
    line = next((x for x in console.splitlines() if "cannot be judged" in x), None)
    assert (line is None) == (not records)
    if records:
        m = re.match(NUM + r" dataset-season-types cannot be judged \(" + NUM + r" items\): (.*)", line)
        assert _int(m.group(1)) == len(records)
        assert _int(m.group(2)) == sum(int(r["count"] or 0) for r in records)
        parts = re.findall(r"([a-z ]+?) " + NUM + r" \(seasons [^,]+, " + NUM + " items\\)", m.group(3))
        assert sum(_int(n) for _, n, _ in parts) == len(records), line
        assert sum(_int(i) for _, _, i in parts) == _int(m.group(2)), line
    # the report's headline tiles
    tiles = dict(
        (label, value)
        for value, label in re.findall(r"<b[^>]*>([^<]+)</b><span>([^<]+)</span>", headline_html(summary))
    )
    assert _int(tiles["missing"]) == t["missing"] and _int(tiles["expected items"]) == t["expected"]
    other = next(v for k, v in tiles.items() if k.startswith("undersized"))
    assert _int(other) == sum(int(t.get(s) or 0) for s in PROBLEMS)
    assert _int(tiles["tasks to run"]) == len(tasks)
    return summary


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    from nba_simulator.demo import build_demo

    return build_demo(tmp_path_factory.mktemp("totals") / "demo")


def test_demo_totals_add_up(demo, tmp_path):
    rc, out, _ = reconcile(
        "--spec", str(demo.spec), "--lake", str(demo.lake), "--as-of", demo.as_of, "--out", str(tmp_path / "out")
    )
    assert rc == 0
    summary = check_sums(tmp_path / "out", out)
    assert summary["totals"]["missing"] > 0 and summary["unjudged"]


def test_demo_probed_totals_count_invalid_apart(demo, tmp_path):
    rc, out, _ = reconcile(
        "--spec",
        str(demo.spec),
        "--lake",
        str(demo.lake),
        "--as-of",
        demo.as_of,
        "--out",
        str(tmp_path / "out"),
        "--probe",
    )
    assert rc == 0
    summary = check_sums(tmp_path / "out", out)
    content = next(line for line in out.splitlines() if line.startswith("content of"))
    c = summary["content"]["datasets"]
    assert f"{sum(d['empty'] for d in c)} empty, {sum(d['invalid'] for d in c)} invalid" in content


def test_the_headline_of_a_summary_the_command_wrote(demo, tmp_path):
    """``report.console.totals_line`` on the summary.json the command wrote is the line it printed."""
    rc, out, _ = reconcile(
        "--spec", str(demo.spec), "--lake", str(demo.lake), "--as-of", demo.as_of, "--out", str(tmp_path / "out")
    )
    assert rc == 0
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    gaps = len(pd.read_parquet(tmp_path / "out" / "gaps.parquet"))
    tasks = len(json.loads((tmp_path / "out" / "tasks.json").read_text())["tasks"])
    assert totals_line(summary, gaps, tasks) in out.splitlines()


def test_caps_count_items_and_tasks(demo, tmp_path):
    """A cap of 2 LOW tasks: the items of the tasks it left out are counted, not the tasks."""
    import yaml

    spec = tmp_path / "spec.yaml"
    doc = yaml.safe_load(demo.spec.read_text())
    doc["tasks"] = {**doc.get("tasks", {}), "batch_size": 2, "max_per_priority": {"LOW": 2, "MEDIUM": 1}}
    spec.write_text(yaml.safe_dump(doc, sort_keys=False))
    (tmp_path / "schedule.csv").write_bytes(demo.schedule.read_bytes())
    rc, out, _ = reconcile(
        "--spec", str(spec), "--lake", str(demo.lake), "--as-of", demo.as_of, "--out", str(tmp_path / "out")
    )
    assert rc == 0
    summary = check_sums(tmp_path / "out", out)
    assert sum(summary["tasks_capped_items"].values()) > sum(summary["tasks_capped"].values()) > 0


def test_back_dated_run_calls_no_unfinished_game_an_orphan(demo, tmp_path):
    rc, out, _ = reconcile(
        "--spec", str(demo.spec), "--lake", str(demo.lake), "--as-of", "2019-03-01", "--out", str(tmp_path / "out")
    )
    assert rc == 0
    summary = check_sums(tmp_path / "out", out)
    orphans = pd.read_parquet(tmp_path / "out" / "orphans.parquet")
    later = orphans[orphans["reason"] == "not_yet_owed"]
    assert len(later) == summary["not_yet_owed"] > 300 and f"{len(later):,} not owed yet" in out
    real = orphans[orphans["reason"] == "orphan"]
    assert not real["detail"].str.contains("not finished|not over").any()
    assert summary["orphans"] == 2  # the demo's planted orphans, as at its own as_of


def test_header_only_schedule_is_refused(demo, tmp_path):
    sched = tmp_path / "schedule.csv"
    sched.write_text(demo.schedule.read_text().splitlines()[0] + "\n")
    rc, out, err = reconcile(
        "--spec",
        str(demo.spec),
        "--lake",
        str(demo.lake),
        "--schedule",
        str(sched),
        "--as-of",
        demo.as_of,
        "--out",
        str(tmp_path / "out"),
    )
    assert rc == 2 and "no game at all" in err and "None%" not in out + err
    assert not (tmp_path / "out" / "summary.json").exists()


def test_future_date_message_states_the_rule(demo, tmp_path):
    import datetime as dt

    later = (dt.datetime.now(dt.UTC).date() + dt.timedelta(days=3)).isoformat()  # the CLI's clock
    rc, _, err = reconcile(
        "--spec", str(demo.spec), "--lake", str(demo.lake), "--as-of", later, "--out", str(tmp_path / "out")
    )
    assert rc == 2 and "the latest date allowed is" in err and "plus 1 day" in err and "up to today" not in err


def test_verbose_logs_progress(demo, tmp_path):
    """``-v`` as a user gives it (a fresh process: its logging set up by the CLI alone)."""
    import subprocess
    import sys

    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from nba_simulator.cli import main; sys.exit(main())",
            "-v",
            "reconcile",
            "--spec",
            str(demo.spec),
            "--lake",
            str(demo.lake),
            "--as-of",
            demo.as_of,
            "--out",
            str(tmp_path / "out"),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    for step in ("schedule: ", "objects listed", "coverage: ", "gaps: ", "tasks: "):
        assert step in done.stderr, step
    quiet = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from nba_simulator.cli import main; sys.exit(main())",
            "reconcile",
            "--spec",
            str(demo.spec),
            "--lake",
            str(demo.lake),
            "--as-of",
            demo.as_of,
            "--out",
            str(tmp_path / "out"),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert quiet.returncode == 0 and "INFO" not in quiet.stderr


@pytest.mark.slow
def test_real_layout_totals_add_up(tmp_path):
    pytest.importorskip("nba_simulator.schedule.crosswalk", reason="schedule: auto needs the crosswalk")
    from tests.integration.test_real_layout import AS_OF, truth_games
    from tests.reallake import build_real_lake

    lake = build_real_lake(tmp_path, truth_games(), as_of=AS_OF, dates_per_type=1)
    rc, out, _ = reconcile(
        "--lake", str(lake.lake), "--as-of", AS_OF, "--out", str(tmp_path / "out"), "--runs-dir", str(tmp_path / "runs")
    )
    assert rc == 0
    summary = check_sums(tmp_path / "out", out)
    assert summary["unjudged"] and summary["totals"]["missing"] > 0
