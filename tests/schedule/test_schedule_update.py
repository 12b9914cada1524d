"""`nba-recon schedule update | show | check` against a local server serving real-format fixtures."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from nba_simulator.cli import main
from nba_simulator.schedule.fetch import Fetcher, FetchError
from nba_simulator.schedule.snapshot import default_dir, latest_snapshot, load_snapshot

from .fixture_server import WORLD, FixtureServer

REPO = Path(__file__).resolve().parents[2]
LAKE = WORLD / "lake"
AS_OF = "2026-02-21"


@pytest.fixture
def server():
    with FixtureServer() as s:
        yield s


def update(server, runs, *extra) -> int:
    return main(
        [
            "schedule",
            "update",
            "--runs-dir",
            str(runs),
            "--as-of",
            AS_OF,
            "--seasons",
            "2025-26",
            "--lake",
            str(LAKE),
            *server.options(),
            *extra,
        ]
    )


def snapshot(runs) -> pd.DataFrame:
    frame, _ = load_snapshot(latest_snapshot(default_dir(runs)))
    return frame.set_index("game_id")


def espn_id(game_id: str, second: bool = False) -> str:  # the fixture world's ESPN ids
    return f"40{'9' if second else '8'}1{game_id[2]}{game_id[5:]}"


def test_update_builds_every_kind_of_game(server, tmp_path, capsys):
    assert update(server, tmp_path) == 0
    out, err = capsys.readouterr()
    assert "schedule snapshot" in out and "2025-26  regular" in out
    assert "espn_schedules/20251215.json: not valid JSON" in err  # the truncated lake file
    g = snapshot(tmp_path)
    # play-in, scheduled after as_of; the one whose teams are not known yet is not owed
    assert g.loc["0052500101", ["season_type", "status", "home_team"]].tolist() == ["play_in", "scheduled", "PHI"]
    assert "0052500111" not in g.index
    # Cup: group and knockout games are regular-season games, the final is its own type
    assert g.loc["0022501201", "season_type"] == "regular"
    assert g.loc["0022501201", "espn_game_id"] == espn_id("0022501201")  # from the lake's old schedule/ prefix
    assert g.loc["0062500001", ["season_type", "espn_game_id"]].tolist() == ["cup_final", espn_id("0062500001")]
    assert "espn_api" in g.loc["0062500001", "provenance"]
    # postponed (version 1 of the league schedule) and cancelled: never owed, no box-score id
    assert g.loc["0022500583", "status"] == "postponed" and pd.isna(g.loc["0022500583", "bbref_game_id"])
    assert g.loc["0022500586", "status"] == "cancelled"
    # a game ESPN lists under two ids keeps both
    assert g.loc["0022500809", ["espn_game_id", "espn_game_id_extra"]].tolist() == [
        espn_id("0022500809"),
        espn_id("0022500809", True),
    ]
    # the neutral-site game (both game-log rows say "@"): the league schedule's home team wins
    assert g.loc["0022500578", "home_team"] == "ORL"
    # every game played before as_of has an ESPN id, from the lake or (dates it lacks) the API
    played = g.loc[(g["season"] == "2025-26") & (g["game_date"] < AS_OF) & (g["status"] == "final")]
    assert len(played) == 32 and played["espn_game_id"].notna().all()
    assert set(played["provenance"].str.split(",").explode()) >= {"league_schedule", "espn_lake", "espn_api"}
    # the API was asked only for dates the lake lacks, before as_of
    asked = sorted(p.split("dates=")[1][:8] for p in server.log if p.startswith("/espn/"))
    assert asked == ["20251216", "20260220"]

    # run again: identical snapshot; then the league reschedules the postponed game
    first = latest_snapshot(default_dir(tmp_path))
    data = first.read_bytes()
    assert update(server, tmp_path) == 0
    assert latest_snapshot(default_dir(tmp_path)) == first and first.read_bytes() == data
    server.state["schedule_version"] = 2
    assert update(server, tmp_path) == 0
    g = snapshot(tmp_path)
    row = g.loc["0022500583"]
    assert (row["status"], str(row["game_date"].date()), str(row["original_date"].date())) == (
        "scheduled",
        "2026-03-10",
        "2026-01-15",
    )
    assert latest_snapshot(default_dir(tmp_path)) != first and first.is_file()  # the old one is kept


def test_show_and_check(server, tmp_path, capsys):
    assert main(["schedule", "show", "--runs-dir", str(tmp_path)]) == 2  # no snapshot yet: bad input
    assert "no schedule snapshot" in capsys.readouterr().err
    assert update(server, tmp_path) == 0
    capsys.readouterr()
    assert main(["schedule", "show", "--runs-dir", str(tmp_path), "--seasons", "2025-26"]) == 0
    out = capsys.readouterr().out
    assert "2025-26  cup_final" in out and "2025-26  play_in" in out
    assert main(["schedule", "check", "--runs-dir", str(tmp_path), "--seasons", "2025-26", "--as-of", AS_OF]) == 0
    assert "ok:" in capsys.readouterr().out
    assert (
        main(["schedule", "check", "--runs-dir", str(tmp_path), "--seasons", "2025-26", "--as-of", "2026-04-20"]) == 1
    )
    assert "without an ESPN id" in capsys.readouterr().out  # the play-in game has no ESPN id yet
    assert main(["schedule", "check", "--runs-dir", str(tmp_path), "--seasons", "2021-22", "--as-of", AS_OF]) == 1
    assert main(["schedule", "check", "--runs-dir", str(tmp_path), "--seasons", "2021-2"]) == 2


def test_completed_season_from_game_logs(server, tmp_path):
    server.state["fail"] = {"/stats/leaguegamelog": [503, 429]}  # transient: retried
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
    g = snapshot(tmp_path)
    assert g.loc["0022500001", "provenance"] == "nbastats_gamelog"
    assert g.loc["0022500578", "home_team"] == "ORL"  # the game log's first row: "MEM @ ORL"
    assert not any(p.startswith("/stats/scheduleleaguev2") for p in server.log)


def test_offline_uses_packaged_lake_and_last_snapshot(server, tmp_path, capsys):
    assert update(server, tmp_path) == 0
    before = snapshot(tmp_path)
    shutil.rmtree(default_dir(tmp_path) / "cache")
    n = len(server.log)
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
                str(LAKE),
                "--offline",
            ]
        )
        == 0
    )
    assert len(server.log) == n  # nothing fetched
    assert "offline:" in capsys.readouterr().err
    after = snapshot(tmp_path)
    assert set(before.index) == set(after.index)
    assert after.loc["0022500001", "espn_game_id"] == espn_id("0022500001")
    # a fresh runs folder offline: nothing but the packaged history and the lake's ids, so no
    # snapshot is written (it would silence every later run's warning), exit 1, one line per
    # source and ONE line for every request not in the cache
    capsys.readouterr()
    fresh = tmp_path / "fresh"
    assert (
        main(
            [
                "schedule",
                "update",
                "--runs-dir",
                str(fresh),
                "--as-of",
                AS_OF,
                "--seasons",
                "2025-26",
                "--lake",
                str(LAKE),
                "--offline",
            ]
        )
        == 1
    )
    out, err = capsys.readouterr()
    assert latest_snapshot(default_dir(fresh)) is None
    assert "no schedule snapshot written" in err
    assert sum(line.startswith("warning: offline:") for line in err.splitlines()) == 1
    assert "league schedule (CDN file): fetched 0, from cache 0, failed 0, not in the cache 1; 0 games" in out
    assert "requests" not in out.split("league schedule")[0]  # no earlier snapshot's request counts


def test_killed_update_leaves_the_previous_snapshot(server, tmp_path):
    assert update(server, tmp_path) == 0
    old = latest_snapshot(default_dir(tmp_path))
    old_bytes = old.read_bytes()
    server.state.update(schedule_version=2, stall=30.0)
    n = len(server.log)
    env = dict(os.environ, PYTHONPATH=str(REPO))
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "nba_simulator.cli",
            "schedule",
            "update",
            "--runs-dir",
            str(tmp_path),
            "--as-of",
            AS_OF,
            "--seasons",
            "2025-26",
            "--lake",
            str(LAKE),
            *server.options(),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while not any(p.startswith("/cdn/") for p in server.log[n:]):
            assert proc.poll() is None and time.monotonic() < deadline
            time.sleep(0.1)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    assert latest_snapshot(default_dir(tmp_path)) == old and old.read_bytes() == old_bytes
    assert len(load_snapshot(old)[0]) > 0


def test_fetcher_retries_transient_errors_only(server, tmp_path):
    f = Fetcher(cache_dir=tmp_path, backoff=0, min_interval=0)
    server.state["fail"] = {"/espn/": [500, 502, 429]}
    url = f"{server.url}/espn/scoreboard?dates=20260220"
    assert b"events" in f.fetch(url)
    assert sum(p.startswith("/espn/") for p in server.log) == 4
    server.state["fail"] = {"/stats/": [404]}
    with pytest.raises(FetchError, match="HTTP 404"):
        f.fetch(f"{server.url}/stats/scheduleleaguev2?Season=1999-00", fresh=False)
    assert sum(p.startswith("/stats/") for p in server.log) == 1  # a 404 is not retried
    # the cache answers past dates; offline only the cache answers
    n = len(server.log)
    assert f.fetch(url) is not None and len(server.log) == n
    off = Fetcher(cache_dir=tmp_path, offline=True)
    assert off.fetch(url) is not None and off.fetch(url + "x") is None and len(server.log) == n


def test_a_users_files_beside_the_snapshots_are_never_touched(server, tmp_path):
    """The runs folder and its schedule/ snapshot folder are write locations of `schedule update`:
    a user's files already there (even named like the tool's) stay byte for byte, twice over."""
    folder = default_dir(tmp_path)
    folder.mkdir(parents=True)
    mine = {
        tmp_path / "notes.txt": b"the user's notes\n",
        folder / "my_schedule.csv": b"game_id\n0022500001\n",
        folder / "snapshot-mine.csv": b"not a snapshot of the tool's\n",
        folder / "cache": None,
    }
    for path, data in mine.items():
        if data is None:
            path.mkdir()
            (path / "mine.txt").write_bytes(b"kept\n")
        else:
            path.write_bytes(data)
    assert update(server, tmp_path) == 0
    assert update(server, tmp_path) == 0  # a second update: a new snapshot, nothing of the user's replaced
    for path, data in mine.items():
        if data is None:
            assert (path / "mine.txt").read_bytes() == b"kept\n"
        else:
            assert path.read_bytes() == data, path
    assert latest_snapshot(folder) is not None
