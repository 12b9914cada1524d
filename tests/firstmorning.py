"""The first morning's lake: the real bucket's layout with the last season (a few dates and its NBA
Cup final) and the season in progress up to yesterday, scoreboard pages in both real shapes
(``page.content.events`` and ``page.content.schedule``), and planted defects (test support).

``build_first_morning(root)`` -> ``FirstMorning``: the ``RealLake`` of ``tests/reallake.py``
(whose ``plant`` leaves out files of every dataset, games of the season in progress among them)
plus yesterday's defects: one game without its play-by-play and box score, one whose team-stats
file is ``{}`` and one whose box score is cut to 120 bytes (undersized). ``defects``: one entry
per ESPN file planted missing or undersized: ``(dataset, expected_key, status, game_date)``.
The games known to no source with NBA ids: the packaged history lacks both seasons.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from tests.reallake import ESPN_DATASETS, RealLake, assign_espn_ids, build_real_lake, synthetic_season

AS_OF = "2026-12-01"
YESTERDAY = pd.Timestamp("2026-11-30")
CURRENT, LAST = "2026-27", "2025-26"
FOLDER = {
    "espn_play_by_play": "espn_play_by_play",
    "espn_box_scores": "espn_box_scores",
    "espn_team_stats": "espn_team_stats",
}


@dataclass
class FirstMorning:
    real: RealLake
    truth: pd.DataFrame  # every game written (with its ESPN ids)
    defects: list = field(default_factory=list)  # (dataset, expected_key, status, game_date)

    @property
    def lake(self) -> Path:
        return self.real.lake


def truth_games() -> pd.DataFrame:
    last = synthetic_season(LAST, "2025-11-04", "2025-11-05", seed=25, games_per_day=5)
    cup = synthetic_season(LAST, "2025-12-16", "2025-12-16", season_type="cup_final", seed=26, games_per_day=1)
    current = synthetic_season(CURRENT, "2026-10-27", "2026-11-30", seed=27, games_per_day=3)
    games = pd.concat([last, cup, current], ignore_index=True)
    games["game_date"] = pd.to_datetime(games["game_date"])
    return assign_espn_ids(games)


def build_first_morning(root) -> FirstMorning:
    truth = truth_games()
    real = build_real_lake(root, truth, as_of=AS_OF, dates_per_type=3, seed=19, both_shapes=True)
    defects = []
    by_id = truth.set_index("game_id")
    for dataset, items in real.planted.items():
        if dataset in ESPN_DATASETS:
            for gid in items:
                g = by_id.loc[gid]
                defects.append(
                    (dataset, f"{FOLDER[dataset]}/{g['espn_game_id']}.json", "missing", pd.Timestamp(g["game_date"]))
                )
    planted = {(d, k) for d, k, _, _ in defects}
    todays = truth[truth["game_date"] == YESTERDAY].sort_values("game_id")
    free = [
        g
        for g in todays.itertuples()
        if not any((ds, f"{FOLDER[ds]}/{g.espn_game_id}.json") in planted for ds in ESPN_DATASETS)
    ]
    assert len(free) >= 3, "yesterday needs three games without planted defects"
    gone, empty_stats, short_box = free[:3]
    for ds in ("espn_play_by_play", "espn_box_scores"):
        key = f"{FOLDER[ds]}/{gone.espn_game_id}.json"
        (real.lake / key).unlink()
        defects.append((ds, key, "missing", YESTERDAY))
    key = f"espn_team_stats/{empty_stats.espn_game_id}.json"
    _rewrite(real.lake / key, b"{}")
    defects.append(("espn_team_stats", key, "undersized", YESTERDAY))
    key = f"espn_box_scores/{short_box.espn_game_id}.json"
    _rewrite(real.lake / key, (real.lake / key).read_bytes()[:120])
    defects.append(("espn_box_scores", key, "undersized", YESTERDAY))
    return FirstMorning(real, truth, defects)


def _rewrite(path: Path, data: bytes) -> None:
    """New content, the modification time kept (captured after the game ended)."""
    stat = path.stat()
    path.write_bytes(data)
    import os

    os.utime(path, (stat.st_atime, stat.st_mtime))
