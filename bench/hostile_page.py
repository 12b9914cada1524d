"""Hostile scoreboard page benchmark: ONE lake page listing N games that all repeat one matchup.

Issue 21: such a page (a few MB) made memory grow with the square of its games (10k games 0.3 GB,
60k 4.2 GB, a 52 MB page killed at 24 GB): every ESPN id was attached to the one scheduled game of
that matchup as an "extra", and each of the game's expected keys then carried the whole list.
Now a game carries at most ``limits.MAX_IDS_PER_GAME`` further ids (one warning), the key
rendering never copies the list, and the page's parse is linear.

``python -m bench.hostile_page generate N DIR`` writes ``DIR/lake/espn_schedules/20181016.json``
(N games, BOS at PHI on 2018-10-16, compact objects of the real page shape) and a pbp file;
``python -m bench.hostile_page measure N DIR`` times, in this fresh process:

* ``read+parse page``: ``storage.scoreboards.lake_scoreboards`` (the reader of ``schedule: auto``);
* ``schedule auto (attach)``: the packaged history + the page's ids (``schedule.auto``);
* ``reconcile (whole command)``: ``nba-recon reconcile --spec default`` on that lake, in process.

Prints JSON lines ``{"stage", "games", "page_mb", "seconds", "peak_rss_mb"}``; the peak is the
process's resident set size sampled every 10 ms during the stage. ``python -m bench --only
hostile`` runs 10k, 60k and 300k games, each in fresh processes.
"""

from __future__ import annotations

import contextlib
import io
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.stages import Peak

PAGE = "espn_schedules/20181016.json"


def generate(n: int, folder: Path) -> None:
    page = folder / "lake" / PAGE
    if page.is_file() and (folder / "games.txt").is_file() and (folder / "games.txt").read_text() == str(n):
        return
    page.parent.mkdir(parents=True, exist_ok=True)
    games = [
        {
            "id": str(401000000 + i),
            "date": "2018-10-16T23:00Z",
            "competitors": [{"isHome": True, "abbrev": "BOS"}, {"isHome": False, "abbrev": "PHI"}],
        }
        for i in range(n)
    ]
    page.write_text(json.dumps({"page": {"content": {"events": {"20181016": games}}}}))
    (folder / "lake" / "nba_api_playbyplay" / "play_by_play").mkdir(parents=True, exist_ok=True)
    (folder / "lake" / "nba_api_playbyplay" / "play_by_play" / "play_by_play_0021800001.json").write_text("{}")
    (folder / "games.txt").write_text(str(n))


def measure(n: int, folder: Path) -> None:
    from nba_simulator.cli import main
    from nba_simulator.schedule.auto import auto_schedule
    from nba_simulator.spec import load_spec
    from nba_simulator.storage.scoreboards import lake_scoreboards

    lake = folder / "lake"
    mb = round((lake / PAGE).stat().st_size / 2**20, 1)
    spec = load_spec("default")
    peak = Peak()

    def stage(name: str, seconds: float, **extra) -> None:
        print(
            json.dumps(
                {
                    "stage": name,
                    "games": n,
                    "page_mb": mb,
                    "seconds": round(seconds, 3),
                    "peak_rss_mb": round(peak.peak / 2**20),
                    **extra,
                }
            ),
            flush=True,
        )

    peak.reset()
    t = time.perf_counter()
    pages = lake_scoreboards(str(lake), spec)
    stage("read+parse page", time.perf_counter() - t, parsed=int(len(pages.games)))
    peak.reset()
    t = time.perf_counter()
    schedule, info = auto_schedule(spec, pages)
    game = schedule.set_index("game_id").loc["0021800001"]
    extras = 0 if not isinstance(game["espn_game_id_extra"], str) else len(game["espn_game_id_extra"].split())
    stage(
        "schedule auto (attach)",
        time.perf_counter() - t,
        extra_ids=extras,
        capped=any("ESPN ids not attached" in w for w in info["warnings"]),
    )
    del pages, schedule
    peak.reset()
    t = time.perf_counter()
    with (
        tempfile.TemporaryDirectory() as out,
        contextlib.redirect_stdout(io.StringIO()),
        contextlib.redirect_stderr(io.StringIO()),
    ):
        rc = main(
            [
                "reconcile",
                "--spec",
                "default",
                "--lake",
                str(lake),
                "--as-of",
                "2019-03-01",
                "--out",
                str(Path(out) / "out"),
                "--runs-dir",
                str(Path(out) / "runs"),
            ]
        )
    stage("reconcile (whole command)", time.perf_counter() - t, exit=rc)
    peak.stop.set()


if __name__ == "__main__":
    cmd, n, folder = sys.argv[1], int(sys.argv[2]), Path(sys.argv[3])
    {"generate": generate, "measure": measure}[cmd](n, folder)
