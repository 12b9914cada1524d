"""The first morning (issue 19): a lake in the real layout with the season in progress up to
yesterday, scoreboard pages in both real shapes, planted defects, the packaged spec.

* Offline, no snapshot: every planted missing or undersized ESPN file of a game listed on a lake
  page is found, yesterday's required ones CRITICAL; the NBA-id datasets of the season are listed
  as not judged, with the reason; the Cup final, a lone December game no page types, is never
  guessed (season type ``undecided``) but judged by the ESPN datasets, which hold both types it
  may be (regular season or Cup final).
* After ``schedule update`` against a local server (the league's CDN schedule, game logs with the
  Cup final, ESPN's API for the day the lake has no page for): every planted defect found, no
  game counted twice.
"""

from __future__ import annotations

import contextlib
import io
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote, urlparse

import pandas as pd
import pytest

from nba_simulator.cli import main
from tests.firstmorning import AS_OF, CURRENT, LAST, YESTERDAY, build_first_morning
from tests.reallake import ESPN_DATASETS, espn_scoreboard_api, league_game_log, schedule_league_v2

pytestmark = pytest.mark.slow  # two reconciles of the packaged history: about a minute each

GAMELOG_TYPES = {"Regular Season": "regular", "PlayIn": "play_in", "Playoffs": "playoffs", "IST": "cup_final"}


def _reconcile(lake, root, name: str):
    out, console = root / name, io.StringIO()
    with contextlib.redirect_stdout(console):
        assert (
            main(
                [
                    "reconcile",
                    "--lake",
                    str(lake),
                    "--as-of",
                    AS_OF,
                    "--out",
                    str(out),
                    "--runs-dir",
                    str(root / "runs"),
                ]
            )
            == 0
        )
    return (
        pd.read_parquet(out / "coverage.parquet"),
        pd.read_parquet(out / "gaps.parquet"),
        json.loads((out / "summary.json").read_text()),
        console.getvalue(),
    )


@pytest.fixture(scope="module")
def morning(tmp_path_factory):
    root = tmp_path_factory.mktemp("morning")
    return root, build_first_morning(root)


@pytest.fixture(scope="module")
def offline(morning):
    root, m = morning
    return _reconcile(m.lake, root, "offline")


def _status(cov, dataset, key):
    return cov.loc[(cov["dataset"] == dataset) & (cov["expected_key"] == key), "status"].tolist()


def test_offline_every_defect_of_a_listed_game_is_found(morning, offline):
    _, m = morning
    cov, gaps, summary, console = offline
    assert not any(
        r["dataset"] in ESPN_DATASETS and r["reason"].startswith("type unknown") for r in summary["unjudged"]
    )
    for dataset, key, status, _day in m.defects:
        assert _status(cov, dataset, key) == [status], (dataset, key, status)
    assert len(m.defects) >= 8
    # the lone December game, when its page is in the lake: judged, its type not guessed
    cup = m.truth[(m.truth["season_type"] == "cup_final") & m.truth["game_date"].isin(m.real.scoreboard_dates)]
    rows = cov[cov["expected_key"].isin([f"espn_play_by_play/{i}.json" for i in cup["espn_game_id"]])]
    assert rows["season_type"].tolist() == ["undecided"] * len(cup)
    # the season in progress is expected from the pages alone, up to yesterday
    cur = cov[(cov["season"] == CURRENT) & cov["dataset"].isin(ESPN_DATASETS)]
    assert cur["game_date"].max() == YESTERDAY and cur["game_id"].isna().all()
    assert (cur["status"] == "present").sum() > 200


def test_offline_yesterdays_required_files_are_critical(morning, offline):
    _, m = morning
    cov, gaps, _, _ = offline
    for dataset, key, _kind, day in m.defects:
        if day != YESTERDAY:
            continue
        hit = gaps[(gaps["dataset"] == dataset) & gaps["expected_keys"].map(lambda keys, k=key: k in list(keys))]
        assert len(hit) == 1, (dataset, key)
        required = dataset != "espn_team_stats"
        assert hit["priority"].iloc[0] == ("CRITICAL" if required else "HIGH"), (dataset, hit["priority"].iloc[0])


def test_offline_nba_id_datasets_are_not_judged_with_the_reason(offline):
    _, _, summary, console = offline
    by = {(r["dataset"], r["season"], r["season_type"]): r for r in summary["unjudged"]}
    rec = by[("nba_api_incremental_pbp", CURRENT, "regular")]
    assert rec["reason"].startswith("games unknown: no NBA ids offline")
    assert "schedule update" in rec["reason"]
    # the ESPN datasets of the season in progress are judged: no "games unknown" for them
    assert not any(
        r["season"] == CURRENT and r["dataset"] in ESPN_DATASETS and r["reason"].startswith("games unknown")
        for r in summary["unjudged"]
    )
    assert summary["schedule"]["lake_games"]["by_season"][CURRENT]["regular"] > 90
    assert "cannot be judged" in console


def _server(truth: pd.DataFrame):
    days = {d.strftime("%Y%m%d"): g for d, g in truth.groupby(truth["game_date"])}
    log: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            parts = [unquote(p) for p in urlparse(self.path).path.strip("/").split("/")]
            log.append(self.path)
            body = None
            if parts[0] == "gamelog" and len(parts) == 3 and parts[2] in GAMELOG_TYPES:
                body = league_game_log(
                    truth[(truth["season"] == parts[1]) & (truth["season_type"] == GAMELOG_TYPES[parts[2]])]
                )
            elif parts[0] == "cdn":  # the league's CDN file: the season in progress
                body = schedule_league_v2(truth[truth["season"] == CURRENT], CURRENT, AS_OF)
            elif parts[0] == "espn" and len(parts) == 2:
                body = espn_scoreboard_api(pd.Timestamp(parts[1]), days.get(parts[1], truth.iloc[:0]))
            if body is None:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, log


@pytest.fixture(scope="module")
def online(morning, offline):
    root, m = morning
    server, log = _server(m.truth)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        assert (
            main(
                [
                    "schedule",
                    "update",
                    "--runs-dir",
                    str(root / "runs"),
                    "--as-of",
                    AS_OF,
                    "--lake",
                    str(m.lake),
                    "--seasons",
                    f"{LAST}..{CURRENT}",
                    "--min-interval",
                    "0",
                    "--nba-stats-url",
                    base + "/gamelog/{season}/{season_type}",
                    "--league-schedule-url",
                    base + "/stats/{season}",
                    "--league-schedule-cdn-url",
                    base + "/cdn/scheduleLeagueV2.json",
                    "--espn-url",
                    base + "/espn/{date}",
                ]
            )
            == 0
        )
    finally:
        server.shutdown()
    return (*_reconcile(m.lake, root, "online"), log)


def test_after_update_every_defect_is_found_and_no_game_counted_twice(morning, online):
    _, m = morning
    cov, gaps, summary, _, log = online
    for dataset, key, status, _ in m.defects:
        assert _status(cov, dataset, key) == [status], (dataset, key, status)
    # every ESPN item once, with its NBA id now: the pages' games merged into the NBA rows
    for ds in ESPN_DATASETS:
        rows = cov[(cov["dataset"] == ds) & cov["season"].isin([LAST, CURRENT])]
        assert rows["expected_key"].is_unique, ds
        assert rows["game_id"].notna().all(), ds
        assert len(rows) == len(m.truth), ds
    left = [
        r
        for r in summary["unjudged"]
        if r["season"] in (LAST, CURRENT)
        and r["dataset"] in ESPN_DATASETS
        and (r["reason"].startswith("type unknown") or r["season_type"] in ("regular", "cup_final"))
    ]
    assert not left, left
    # the Cup final is known with its type, from the game log
    cup = cov[(cov["dataset"] == "espn_play_by_play") & (cov["season_type"] == "cup_final") & (cov["season"] == LAST)]
    assert len(cup) == 1
    assert any("/IST" in p for p in log) and any(p.startswith("/cdn/") for p in log)
    assert not any(p.startswith("/stats/") for p in log)  # the CDN answered: NBA Stats not needed
    # ESPN's API only for the day the lake has no page for
    asked = sorted(p.split("/")[2] for p in log if p.startswith("/espn/"))
    missing_days = {d.replace("-", "") for d in m.real.planted["espn_schedules"]}
    assert asked and set(asked) <= missing_days
