"""``schedule: auto`` benchmark: the schedule a run builds from the packaged history and the lake's
own scoreboard pages, cold (every page read and parsed) and warm (pages unchanged: parsed games
from the ETag cache ``runs/scoreboard_cache.sqlite``).

    python -m bench.auto_schedule N DIR

uses the lake of ``bench.crosswalk`` (N ``espn_schedules/YYYYMMDD.json`` pages in the real format,
generated once into DIR) and the packaged spec. Prints JSON lines ``{"stage", "files", "games",
"seconds", "peak_rss_mb", "with_espn_id"}``. On demand, never in the tests.
"""

from __future__ import annotations

import json
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.crosswalk import generate
from bench.stages import Peak


def measure(n: int, folder: Path) -> None:
    from nba_simulator.schedule.auto import auto_schedule
    from nba_simulator.spec import load_spec
    from nba_simulator.storage.scoreboards import lake_scoreboards

    spec = load_spec("default", as_of="2026-12-01")
    runs = folder / "runs_auto"
    shutil.rmtree(runs, ignore_errors=True)
    peak = Peak()
    for stage in ("auto schedule, cold", "auto schedule, cached"):
        peak.reset()
        t = time.perf_counter()
        pages = lake_scoreboards(str(folder / "lake"), spec, runs_dir=runs)
        games, info = auto_schedule(spec, pages, as_of="2026-12-01", runs_dir=runs)
        seconds = time.perf_counter() - t
        peak.peak = max(peak.peak, peak.proc.memory_info().rss)
        print(
            json.dumps(
                {
                    "stage": stage,
                    "files": info["scoreboards"]["files"],
                    "games": info["scoreboards"]["games"],
                    "seconds": round(seconds, 2),
                    "peak_rss_mb": round(peak.peak / 2**20),
                    "with_espn_id": int(games["espn_game_id"].notna().sum()),
                }
            ),
            flush=True,
        )


if __name__ == "__main__":
    count, where = int(sys.argv[1]), Path(sys.argv[2])
    generate(count, where)
    measure(count, where)
