"""`schedule update` where the job runs: a stats.nba.com that accepts connections and never
answers (what cloud hosts see), the league's CDN file first, a bounded run, one line per source,
the Cup final's game log, and `schedule check` with exhibitions against clubs outside the NBA."""

from __future__ import annotations

import socket
import threading
import time

import pandas as pd
import pytest

from nba_simulator.cli import main
from nba_simulator.schedule import phases, tally
from nba_simulator.schedule.snapshot import default_dir, latest_snapshot, load_snapshot
from nba_simulator.schedule.update import gamelog_types

from .fixture_server import WORLD, FixtureServer

AS_OF = "2026-02-21"


@pytest.fixture
def silent_host():
    """A TCP server that accepts every connection and never sends a byte: stats.nba.com as a
    cloud host sees it."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    held, stop = [], threading.Event()

    def accept():
        sock.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = sock.accept()
                held.append(conn)
            except OSError:
                continue

    t = threading.Thread(target=accept, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    stop.set()
    t.join(2)
    for c in held:
        c.close()
    sock.close()


@pytest.fixture
def server():
    with FixtureServer() as s:
        yield s


def _stats_hang(server, silent_host) -> list[str]:
    return [
        "--nba-stats-url",
        f"{silent_host}/stats",
        "--league-schedule-url",
        f"{silent_host}/stats",
        "--league-schedule-cdn-url",
        f"{server.url}/cdn",
        "--espn-url",
        f"{server.url}/espn/scoreboard?dates={{date}}",
        "--min-interval",
        "0",
        "--timeout",
        "2",
    ]


def test_silent_stats_and_no_cdn_file_exits_1_within_the_deadline(server, silent_host, tmp_path, capsys):
    server.state["cdn"] = False
    started = time.monotonic()
    rc = main(
        [
            "schedule",
            "update",
            "--runs-dir",
            str(tmp_path),
            "--as-of",
            AS_OF,
            "--seasons",
            "2023-24..2025-26",
            "--deadline",
            "20",
            *_stats_hang(server, silent_host),
        ]
    )
    took = time.monotonic() - started
    out, err = capsys.readouterr()
    assert rc == 1 and took < 20, (rc, took)
    assert latest_snapshot(default_dir(tmp_path)) is None  # never a history-only snapshot
    cause = [line for line in err.splitlines() if "did not answer" in line and "cloud hosts" in line]
    assert len(cause) == 1, err
    assert "no schedule snapshot written" in err
    # one summary line per source, with counts
    assert "NBA Stats game logs: fetched 0, from cache 0, failed 8; 0 games" in out
    assert "league schedule (CDN file): fetched 0, from cache 0, failed 1; 0 games" in out
    assert "league schedule (NBA Stats): fetched 0, from cache 0, failed 1; 0 games" in out


def test_silent_stats_with_the_cdn_file_exits_0(server, silent_host, tmp_path, capsys):
    started = time.monotonic()
    rc = main(
        [
            "schedule",
            "update",
            "--runs-dir",
            str(tmp_path),
            "--as-of",
            AS_OF,
            "--seasons",
            "2024-25..2025-26",
            "--deadline",
            "30",
            *_stats_hang(server, silent_host),
        ]
    )
    out, err = capsys.readouterr()
    assert rc == 0 and time.monotonic() - started < 30
    assert "league schedule (CDN file): fetched 1, from cache 0, failed 0; " in out
    assert "did not answer" in err and "cloud hosts" in err
    frame, _ = load_snapshot(latest_snapshot(default_dir(tmp_path)))
    assert (frame["season"] == "2025-26").sum() > 30
    assert not any(p.startswith("/stats/") for p in server.log)  # stats.nba.com only after the CDN


def test_the_deadline_stops_asking(server, silent_host, tmp_path, capsys):
    """A deadline shorter than one timeout: the update ends on time, keeping what it had."""
    started = time.monotonic()
    rc = main(
        [
            "schedule",
            "update",
            "--runs-dir",
            str(tmp_path),
            "--as-of",
            AS_OF,
            "--seasons",
            "2025-26",
            "--deadline",
            "3",
            "--nba-stats-url",
            f"{silent_host}/stats",
            "--league-schedule-url",
            f"{silent_host}/stats",
            "--league-schedule-cdn-url",
            f"{silent_host}/cdn",
            "--min-interval",
            "0",
            "--timeout",
            "30",
        ]
    )
    assert time.monotonic() - started < 3 + 5
    assert rc == 1
    assert "no schedule snapshot written" in capsys.readouterr().err


def test_bad_deadline_is_bad_input(tmp_path, capsys):
    assert main(["schedule", "update", "--runs-dir", str(tmp_path), "--deadline", "-1", "--offline"]) == 2
    assert "--deadline" in capsys.readouterr().err


def test_cup_final_from_the_game_log(server, tmp_path):
    assert gamelog_types("2022-23") == ("Regular Season", "PlayIn", "Playoffs")
    assert gamelog_types("2023-24")[-1] == "IST"
    assert (
        main(
            [
                "schedule",
                "update",
                "--runs-dir",
                str(tmp_path),
                "--as-of",
                "2026-10-15",
                "--seasons",
                "2025-26",
                *server.options(),
            ]
        )
        == 0
    )
    frame, _ = load_snapshot(latest_snapshot(default_dir(tmp_path)))
    cup = frame.set_index("game_id").loc["0062500001"]
    assert (cup["season_type"], cup["home_team"], cup["away_team"], str(cup["game_date"].date())) == (
        "cup_final",
        "NYK",
        "SAS",
        "2025-12-16",
    )
    assert any("SeasonType=IST" in p for p in server.log)


def test_check_ignores_exhibitions_against_clubs_outside_the_nba(server, tmp_path, capsys):
    assert (
        main(
            [
                "schedule",
                "update",
                "--runs-dir",
                str(tmp_path),
                "--as-of",
                AS_OF,
                "--seasons",
                "2025-26",
                "--lake",
                str(WORLD / "lake"),
                *server.options(),
            ]
        )
        == 0
    )
    path = latest_snapshot(default_dir(tmp_path))
    frame, meta = load_snapshot(path)
    # a preseason exhibition against a club outside the NBA: no ESPN id known, no bbref id exists
    extra = frame.iloc[:1].assign(
        game_id="0012500099",
        season="2025-26",
        season_type="preseason",
        game_date=pd.Timestamp("2025-10-06"),
        home_team="GSW",
        away_team="MACCABI",
        espn_game_id=pd.NA,
        bbref_game_id=pd.NA,
        espn_game_id_extra=pd.NA,
        status="final",
    )
    out_path = tmp_path / "with_exhibition.csv"
    pd.concat([frame, extra]).to_csv(out_path, index=False)
    capsys.readouterr()
    assert (
        main(
            [
                "schedule",
                "check",
                "--runs-dir",
                str(tmp_path),
                "--snapshot",
                str(out_path),
                "--seasons",
                "2025-26",
                "--as-of",
                AS_OF,
            ]
        )
        == 0
    ), capsys.readouterr()


def test_phases_decide_or_leave_undecided():
    games = pd.DataFrame(
        {
            "game_date": pd.to_datetime(
                [
                    "2026-10-05",
                    "2026-10-18",
                    "2026-11-10",
                    "2027-04-15",
                    "2027-05-10",
                    "2020-08-20",
                    "2026-12-15",
                    "2026-10-05",
                    "2027-02-15",
                ]
            ),
            "home_team": ["BOS", "BOS", "BOS", "BOS", "BOS", "LAL", "NYK", "GSW", "EST"],
            "away_team": ["NYK", "NYK", "NYK", "NYK", "NYK", "DEN", "SAS", "MACCABI", "WST"],
        }
    )
    games["season"] = phases.seasons_of(games["game_date"])
    got = phases.season_types(games).tolist()
    assert games["season"].tolist()[5] == "2019-20"  # the 2020 bubble
    assert (
        got[:3] == ["preseason", pd.NA, "regular"]
        or got[:3] == ["preseason", None, "regular"]
        or (got[0] == "preseason" and pd.isna(got[1]) and got[2] == "regular")
    )
    assert pd.isna(got[3]) and got[4] == "playoffs" and got[5] == "playoffs"
    assert pd.isna(got[6])  # a lone December game of a Cup season
    assert got[7] == "preseason" and pd.isna(got[8])  # exhibition; all-star teams


def test_tally_lines():
    t = tally.Tally()
    t.answered("espn", None, "u1")
    t.answered("espn", None, "u2")
    t.answered("espn", "cache", "u3")
    t.games("espn", 7)
    assert t.lines() == ["ESPN scoreboard API: fetched 0, from cache 1, failed 0, not in the cache 2; 7 games"]
    assert t.problems(None) == ["offline: 2 requests not in the cache (ESPN scoreboard API 2; first u1, last u2)"]
