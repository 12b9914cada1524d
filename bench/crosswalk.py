"""Crosswalk benchmark: ESPN ids for a schedule from the lake's scoreboard pages.

``python -m bench.crosswalk generate N DIR`` writes a local lake of N ``espn_schedules/YYYYMMDD.json``
pages (one per consecutive date from 1994-10-01, ~10 games each, the real page format of
tests/schedule/fixtures/espn_page_scoreboard_evts_20231024.json, ESPN team codes of each era)
and the matching canonical schedule (``schedule.csv.gz``); ``python -m bench.crosswalk measure N DIR``
times, in this fresh process:

* ``read+parse scoreboards``: listing the lake through ``nba_simulator.storage`` and parsing every
  page (``storage.scoreboards.lake_scoreboards``, the reader of ``schedule update`` and
  ``schedule: auto``: 16 parallel reads);
* ``attach_espn_ids``: the vectorised match on (Eastern date, home, away) against the schedule.

Prints JSON lines ``{"stage", "files", "games", "seconds", "peak_rss_mb", "matched"}``; the peak is
the process's resident set size sampled every 10 ms during the stage.
"""

from __future__ import annotations

import copy
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.stages import Peak

FIXTURE = (
    Path(__file__).resolve().parents[1] / "tests" / "schedule" / "fixtures" / "espn_page_scoreboard_evts_20231024.json"
)
GAMES_PER_DAY = 10


def generate(n: int, folder: Path) -> None:
    import pandas as pd

    from nba_simulator.schedule import teams

    if (folder / "schedule.csv.gz").is_file() and len(list((folder / "lake" / "espn_schedules").glob("*.json"))) == n:
        return
    real = json.loads(FIXTURE.read_text())["page"]["content"]["scoreboard"]["evts"][0]
    current = sorted(teams.team_table().loc[lambda t: t["last_season"].isna(), "nba_abbr"].unique())
    out = folder / "lake" / "espn_schedules"
    out.mkdir(parents=True, exist_ok=True)
    days = pd.date_range("1994-10-01", periods=n, freq="D")
    g = pd.DataFrame({"day": days.repeat(GAMES_PER_DAY), "k": list(range(GAMES_PER_DAY)) * n})
    i = g.index.to_numpy() // GAMES_PER_DAY
    g["home"] = [current[(a + 2 * k) % 30] for a, k in zip(i, g["k"])]
    g["away"] = [current[(a + 2 * k + 1) % 30] for a, k in zip(i, g["k"])]
    start_year = g["day"].dt.year - (g["day"].dt.month < 8)
    g["season"] = start_year.astype(str) + "-" + ((start_year + 1) % 100).astype(str).str.zfill(2)
    g["h_nba"] = teams.to_nba_abbrs(g["home"], g["season"]).to_numpy()
    g["a_nba"] = teams.to_nba_abbrs(g["away"], g["season"]).to_numpy()
    g["h_espn"] = teams.espn_abbrs(g["home"], g["season"]).fillna(g["h_nba"]).to_numpy()
    g["a_espn"] = teams.espn_abbrs(g["away"], g["season"]).fillna(g["a_nba"]).to_numpy()
    g["number"] = g.groupby("season").cumcount() + 1
    g["game_id"] = "002" + g["season"].str[2:4] + g["number"].astype(str).str.zfill(5)
    g["espn"] = (100000000 + g.index.to_numpy()).astype(str)
    g["start"] = (g["day"] + pd.to_timedelta(23 + g["k"] % 4, unit="h")).dt.strftime("%Y-%m-%dT%H:%MZ")
    for day, rows in g.groupby("day", sort=True):
        evts = []
        for r in rows.itertuples():
            e = copy.deepcopy(real)
            e.update(
                id=r.espn,
                date=r.start,
                link=f"/nba/game/_/gameId/{r.espn}",
                status={"id": "3", "description": "Final", "detail": "Final", "state": "post"},
            )
            e["competitors"][0].update(abbrev=r.h_espn, isHome=True)
            e["competitors"][1].update(abbrev=r.a_espn, isHome=False)
            evts.append(e)
        (out / f"{day:%Y%m%d}.json").write_text(json.dumps({"page": {"content": {"events": {f"{day:%Y%m%d}": evts}}}}))
    g.assign(
        game_date=g["day"].dt.strftime("%Y-%m-%d"),
        home_team=g["h_nba"],
        away_team=g["a_nba"],
        season="",
        season_type="",
    )[["game_id", "season", "season_type", "game_date", "home_team", "away_team"]].to_csv(
        folder / "schedule.csv.gz", index=False
    )


def measure(n: int, folder: Path) -> None:
    from nba_simulator.schedule import load_schedule
    from nba_simulator.schedule.crosswalk import attach_espn_ids
    from nba_simulator.storage.scoreboards import lake_scoreboards

    schedule = load_schedule(str(folder / "schedule.csv.gz"))
    peak = Peak()
    peak.reset()
    t = time.perf_counter()
    pages = lake_scoreboards(str(folder / "lake"), workers=16)
    games, dates, warnings = pages.games, pages.pages, pages.warnings
    read_s = time.perf_counter() - t
    rec = {
        "stage": "read+parse scoreboards",
        "files": len(dates),
        "games": len(games),
        "seconds": round(read_s, 3),
        "peak_rss_mb": round(peak.peak / 2**20),
        "warnings": len(warnings),
    }
    print(json.dumps(rec), flush=True)
    peak.reset()
    t = time.perf_counter()
    out, w = attach_espn_ids(schedule, games)
    s = time.perf_counter() - t
    print(
        json.dumps(
            {
                "stage": "attach_espn_ids",
                "files": len(dates),
                "games": len(schedule),
                "seconds": round(s, 3),
                "peak_rss_mb": round(peak.peak / 2**20),
                "matched": int(out["espn_game_id"].notna().sum()),
                "warnings": len(w),
            }
        ),
        flush=True,
    )
    peak.stop.set()


if __name__ == "__main__":
    cmd, n, folder = sys.argv[1], int(sys.argv[2]), Path(sys.argv[3])
    {"generate": generate, "measure": measure}[cmd](n, folder)
