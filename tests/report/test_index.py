"""``runs/index.html`` as HTML (``pipeline.index``) and the table script (``report.interactive``):
the warn badge counts what the report lists, a failed run's reason is folded (its whole text in
the cell's title), rows carry their lake and status for the filters, the script is inside the
page and cannot end its own element. The browser side: tests/report/test_browser.py."""

from __future__ import annotations

import json
import re

from bs4 import BeautifulSoup

from nba_simulator.pipeline.index import index_html, write_index
from nba_simulator.report.interactive import TABLE_SCRIPT, script_tag
from nba_simulator.report.warnings import read_run_warnings, without_unjudged

REASON = "the S3 listing failed: " + "SlowDown, please reduce your request rate; " * 20


def _run(runs, rid, status, lake, **extra):
    (runs / rid).mkdir(parents=True)
    stages = [
        {"name": "00_health_check", "status": "succeeded"},
        {
            "name": "01_scan",
            "status": status,
            **(
                {"error": {"ename": "TransientStorageError", "evalue": REASON, "transient": True}}
                if status == "failed"
                else {}
            ),
        },
    ]
    rec = {
        "run_id": rid,
        "status": status,
        "started": "2026-12-07T10:00:00+00:00",
        "duration_s": 12.5,
        "parameters": {"lake": lake, "spec": "demo", "as_of": "2019-03-15"},
        "stages": stages,
        **extra,
    }
    (runs / rid / "run.json").write_text(json.dumps(rec))


def test_index_rows_fold_filter_and_count_like_the_report(tmp_path):
    runs = tmp_path / "runs"
    _run(
        runs,
        "20261207T100000Z-aaaaaa",
        "succeeded",
        "/lakes/a",
        headline={"completeness_pct": 98.75, "tasks": 42, "warnings": ["w1", "w2"], "unjudged": 3},
    )
    _run(runs, "20261207T110000Z-bbbbbb", "failed", "s3://bucket/b")
    page = index_html(runs)
    soup = BeautifulSoup(page, "html.parser")
    rows = soup.select("#runs tbody tr")
    assert len(rows) == 2 and "sortable" in soup.select_one("#runs")["class"]
    assert {td["data-filter"] for td in soup.select("#runs td.lake:not(.spec)")} == {"/lakes/a", "s3://bucket/b"}
    assert {
        td["data-filter"]
        for td in soup.select("#runs tbody td[data-filter]")
        if td.get("data-filter") in ("succeeded", "failed")
    } == {"succeeded", "failed"}
    assert "2 warnings" in page and "3 not judged" in page
    fold = soup.select_one("#runs td.why .fold3")
    assert fold is not None and REASON.split(";")[0] in fold.get_text() and REASON.strip()[:200] in page
    assert soup.select_one('select[aria-label="lake"]') and soup.select_one('select[aria-label="status"]')
    script = soup.find_all("script")
    assert len(script) == 1 and "tablefilter" in script[0].string and "http" not in script[0].string
    assert write_index(runs).read_text() == page


def test_the_script_cannot_end_its_element():
    assert "</" not in script_tag()[len("<script>") : -len("</script>")]
    assert script_tag().count("</script>") == 1 and "sortable" in TABLE_SCRIPT


def test_the_badge_leaves_out_what_could_not_be_judged(tmp_path):
    unjudged = [
        {
            "dataset": "espn_box_scores",
            "season": "2018-19",
            "season_type": "regular",
            "reason": "ids unknown: no espn_game_id",
            "count": 3,
        }
    ]
    data = tmp_path / "data"
    data.mkdir()
    (data / "summary.json").write_text(
        json.dumps({"warnings": ["a real warning"], "unjudged": unjudged, "orphans": 0, "unparsed": 0})
    )
    assert read_run_warnings(data) == ["a real warning"]
    assert without_unjudged(
        ["a", "espn_box_scores 2018-19 regular: not judged (3 items): ids unknown: no espn_game_id"], unjudged
    ) == ["a"]
    assert re.search(r"not judged", " ".join(read_run_warnings(data))) is None
