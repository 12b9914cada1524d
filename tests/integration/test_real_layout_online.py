"""The real user's first morning on a lake in the real layout, after ``nba-recon schedule update``
against a local fixture server (NBA Stats game logs for the completed seasons, the league's
schedule for the season in progress, ESPN's scoreboard API for dates the lake has no page for),
then ``nba-recon reconcile`` with the packaged spec and no ``--schedule``, as of 2026-12-01:

* every planted missing file is found, in every dataset, the season in progress included;
* fewer than 1% of the ESPN items of dates whose scoreboard is in the lake are ``unmapped``;
* the season in progress is expected up to the day before ``as_of``, and ``priority: season:
  current`` fires for it.
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
from tests.integration.test_real_layout import AS_OF, CURRENT, truth_games
from tests.reallake import (
    ESPN_DATASETS,
    assign_espn_ids,
    build_real_lake,
    espn_scoreboard_api,
    league_game_log,
    schedule_league_v2,
    synthetic_season,
)

pytest.importorskip("nba_simulator.schedule.update", reason="schedule update is on branch sched")
# a schedule update over eight seasons (~250 fixture requests) and a reconcile of the whole packaged
# history: about 2-4 minutes on 2 busy cores
pytestmark = pytest.mark.slow

GAMELOG_TYPES = {"Regular Season": "regular", "PlayIn": "play_in", "Playoffs": "playoffs", "IST": "cup_final"}


def _server(truth: pd.DataFrame, unplayed: pd.DataFrame):
    """A local HTTP server answering as NBA Stats and ESPN would for ``truth`` (plus the season in
    progress' games not played yet, in the league schedule only)."""
    days = {d.strftime("%Y%m%d"): g for d, g in truth.groupby(truth["game_date"])}
    requests: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            parts = [unquote(p) for p in urlparse(self.path).path.strip("/").split("/")]
            requests.append(self.path)
            body = None
            if parts[0] == "gamelog" and len(parts) == 3 and parts[2] in GAMELOG_TYPES:
                body = league_game_log(
                    truth[(truth["season"] == parts[1]) & (truth["season_type"] == GAMELOG_TYPES[parts[2]])]
                )
            elif parts[0] == "league" and len(parts) == 2:
                season = pd.concat([truth[truth["season"] == parts[1]], unplayed[unplayed["season"] == parts[1]]])
                body = schedule_league_v2(season, parts[1], AS_OF)
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
    return server, requests


@pytest.fixture(scope="module")
def online(tmp_path_factory):
    root = tmp_path_factory.mktemp("online")
    truth = assign_espn_ids(truth_games())
    truth = truth.assign(game_date=pd.to_datetime(truth["game_date"]))
    unplayed = synthetic_season(CURRENT, "2026-12-01", "2026-12-20", seed=7, games_per_day=3, number_from=500)
    lake = build_real_lake(root, truth, as_of=AS_OF, dates_per_type=1)
    server, requests = _server(truth, unplayed)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    runs, out = root / "runs", root / "out"
    try:
        assert (
            main(
                [
                    "schedule",
                    "update",
                    "--runs-dir",
                    str(runs),
                    "--as-of",
                    AS_OF,
                    "--lake",
                    str(lake.lake),
                    "--seasons",
                    f"2019-20..{CURRENT}",
                    "--min-interval",
                    "0",
                    "--nba-stats-url",
                    base + "/gamelog/{season}/{season_type}",
                    "--league-schedule-url",
                    base + "/league/{season}",
                    # the CDN file first (absent here: 404), then NBA Stats' schedule
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
    console = io.StringIO()
    with contextlib.redirect_stdout(console):
        assert (
            main(["reconcile", "--lake", str(lake.lake), "--as-of", AS_OF, "--out", str(out), "--runs-dir", str(runs)])
            == 0
        )
    read = lambda name: pd.read_parquet(out / name)  # noqa: E731
    return lake, read, json.loads((out / "summary.json").read_text()), requests


def test_every_planted_missing_file_is_found_in_every_dataset(online):
    lake, read, _, _ = online
    cov = read("coverage.parquet")
    current = 0
    for dataset, items in lake.planted.items():
        rows = cov[cov["dataset"] == dataset]
        assert items, dataset
        for item in items:
            if dataset == "espn_schedules":
                got = rows.loc[rows["game_date"] == pd.Timestamp(item), "status"].tolist()
            elif dataset == "hoopr_play_by_play":
                got = rows.loc[rows["season"] == item, "status"].tolist()
            else:
                got = rows.loc[rows["game_id"] == item, "status"].tolist()
                current += item[3:5] == CURRENT[2:4]
            assert got == ["missing"], (dataset, item, got)
    assert current >= 8  # games of the season in progress among them


def test_espn_items_of_dates_with_a_scoreboard_are_mapped(online):
    lake, read, _, _ = online
    cov = read("coverage.parquet")
    espn = cov[cov["dataset"].isin(ESPN_DATASETS) & cov["game_date"].isin(lake.scoreboard_dates)]
    assert len(espn) > 500
    bad = espn[espn["status"] == "unmapped"]
    assert len(bad) < 0.01 * len(espn), (
        bad[["dataset", "season", "season_type", "game_id", "game_date"]].drop_duplicates("game_id").to_string()
    )
    assert set(espn["season"]) >= {"2019-20", "2023-24", CURRENT}


def test_the_season_in_progress_is_expected_up_to_the_day_before(online):
    _, read, summary, _ = online
    cov = read("coverage.parquet")
    cur = cov[(cov["season"] == CURRENT) & cov["game_date"].notna()]
    assert cur["game_date"].max() == pd.Timestamp(AS_OF) - pd.Timedelta(days=1)
    assert set(cur["dataset"]) >= {*ESPN_DATASETS, "espn_schedules", "nba_api_incremental_pbp"}
    gaps = read("gaps.parquet")
    cur_gaps = gaps[gaps["season"] == CURRENT]
    assert len(cur_gaps) and cur_gaps["priority"].isin(["CRITICAL", "HIGH"]).all()
    assert (cur_gaps["rule"] == "current season").any()  # {priority: HIGH, season: current}, by its meaning
    assert not any(
        r["season"] == CURRENT and r["reason"].startswith("games unknown") and r["season_type"] == "regular"
        for r in summary["unjudged"]
    )
    assert summary["schedule"]["snapshot"]
