"""The real user's question on a lake in the real bucket's layout, with the packaged spec and no
``--schedule`` (``schedule: auto``), as of a date in the season in progress (2026-12-01).

Offline (no snapshot): the packaged history + the lake's own scoreboards must give ESPN verdicts
for every date whose scoreboard is in the lake, find every planted missing file of the games the
schedule knows, and name in ``summary.json`` (``unjudged``) every dataset x season that cannot be
judged, with why. The lake is built by ``tests/reallake.py``.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest

from nba_simulator.cli import main
from nba_simulator.schedule import load_schedule
from tests.reallake import ESPN_DATASETS, build_real_lake, synthetic_season

pytest.importorskip(
    "nba_simulator.schedule.crosswalk",
    reason="schedule: auto needs the ESPN scoreboard parser and crosswalk (branch sched)",
)

AS_OF = "2026-12-01"
CURRENT = "2026-27"


def truth_games() -> pd.DataFrame:
    """The games that happened: the packaged history, a few days of each season it lacks
    (2019-20..2025-26 regular seasons) and the season in progress up to as_of."""
    extra = [
        synthetic_season(f"{y}-{(y + 1) % 100:02d}", f"{y}-11-02", f"{y}-11-03", seed=y, games_per_day=5)
        for y in range(2019, 2026)
    ]
    extra.append(synthetic_season(CURRENT, "2026-10-20", "2026-11-30", seed=2026, games_per_day=3))
    return pd.concat([load_schedule("builtin"), *extra], ignore_index=True)


@pytest.fixture(scope="module")
def offline(tmp_path_factory):
    root = tmp_path_factory.mktemp("real")
    lake = build_real_lake(root, truth_games(), as_of=AS_OF, dates_per_type=1)
    out, runs = root / "out", root / "runs"
    import contextlib
    import io

    console = io.StringIO()
    with contextlib.redirect_stdout(console):
        rc = main(["reconcile", "--lake", str(lake.lake), "--as-of", AS_OF, "--out", str(out), "--runs-dir", str(runs)])
    assert rc == 0
    read = lambda name: pd.read_parquet(out / name)  # noqa: E731
    summary = json.loads((out / "summary.json").read_text())
    return lake, read, summary, console.getvalue()


def _known(lake) -> set:
    """Game ids the offline schedule knows (the packaged history)."""
    return set(load_schedule("builtin")["game_id"])


def test_espn_verdicts_for_every_date_with_a_scoreboard(offline):
    lake, read, _, _ = offline
    cov = read("coverage.parquet")
    espn = cov[cov["dataset"].isin(ESPN_DATASETS) & cov["game_date"].isin(lake.scoreboard_dates)]
    assert len(espn) > 200
    # every ESPN item of a date whose scoreboard is in the lake gets a verdict
    assert (espn["status"] == "unmapped").sum() == 0, espn[espn["status"] == "unmapped"].head()
    # and the games in the lake are found present (not missing) under their ESPN ids
    present = espn[espn["status"] == "present"]
    assert len(present) >= 0.95 * len(espn)
    # the 2011-12 double scheme: a game listed under two ESPN ids is one item, present
    double = lake.truth[lake.truth["espn_game_id_extra"].notna() & lake.truth["game_id"].isin(_known(lake))]
    assert len(double)
    rows = cov[(cov["dataset"] == "espn_play_by_play") & cov["game_id"].isin(double["game_id"])]
    assert len(rows) == rows["game_id"].nunique()


def test_every_planted_missing_file_of_a_known_game_is_found(offline):
    lake, read, _, _ = offline
    cov = read("coverage.parquet")
    known = _known(lake)
    checked = 0
    for dataset, items in lake.planted.items():
        rows = cov[cov["dataset"] == dataset]
        if dataset == "espn_schedules":
            for day in items:
                hit = rows[rows["game_date"] == pd.Timestamp(day)]
                if pd.Timestamp(day).year < 2026:
                    assert hit["status"].tolist() == ["missing"], (dataset, day)
                    checked += 1
        elif dataset == "hoopr_play_by_play":
            for season in items:
                assert rows.loc[rows["season"] == season, "status"].tolist() == ["missing"], (dataset, season)
                checked += 1
        else:
            for game_id in items:
                if game_id in known:
                    assert rows.loc[rows["game_id"] == game_id, "status"].tolist() == ["missing"], (dataset, game_id)
                    checked += 1
    assert checked >= 8


def test_unjudged_names_each_dataset_season_and_why(offline):
    lake, _, summary, console = offline
    records = summary["unjudged"]
    assert records and all(set(r) == {"dataset", "season", "season_type", "reason", "count"} for r in records)
    by = {(r["dataset"], r["season"], r["season_type"]): r for r in records}
    # the season in progress is not in the packaged history: its games come from the lake's
    # scoreboard pages, without NBA ids: the ESPN datasets are judged, the NBA-id ones are not
    for ds in ESPN_DATASETS:
        assert not by.get((ds, CURRENT, "regular"), {"reason": ""})["reason"].startswith("games unknown")
    assert by[("nba_api_incremental_pbp", CURRENT, "regular")]["reason"].startswith("games unknown: no NBA ids offline")
    # the regular seasons the packaged history lacks: known from their pages; 2020-21's November
    # games (a season that began in December) are of no type the calendar can tell
    for season in ("2019-20", "2023-24"):
        assert ("espn_box_scores", season, "regular") not in by
    assert by[("espn_box_scores", "2020-21", None)]["reason"].startswith("type unknown")
    # the play-in and the Cup final it never had
    assert by[("espn_box_scores", "2021-22", "play_in")]["reason"].startswith("games unknown")
    assert by[("espn_box_scores", "2023-24", "cup_final")]["reason"].startswith("games unknown")
    # the NBA Stats daily files of 2026-27 are in the lake: they are counted as unexplained files
    assert by[("nba_api_incremental_pbp", CURRENT, "regular")]["count"] > 0
    # playoffs before the play-in existed are not reported; nor are seasons not begun
    assert ("espn_box_scores", "2012-13", "play_in") not in by
    assert not any(r["season"] > CURRENT for r in records)
    # ESPN games the schedule knows but whose date has no scoreboard: their ids are unknown
    ids = [r for r in records if r["reason"].startswith("ids unknown")]
    assert all("espn_game_id" in r["reason"] and r["count"] > 0 for r in ids)
    assert "dataset-season-types cannot be judged" in console
    assert any("schedule update" in w for w in summary["warnings"])
    assert summary["schedule"]["source"] == "auto" and summary["schedule"]["scoreboards"]["files"] > 0


def test_orphans_and_unmapped_say_the_id_is_unknown(offline):
    lake, read, _, _ = offline
    orphans = read("orphans.parquet")
    cur = lake.truth[lake.truth["season"] == CURRENT]
    keys = {f"espn_play_by_play/{i}.json" for i in cur["espn_game_id"]}
    mine = orphans[orphans["key"].isin(keys)]
    # the season in progress' files that stay orphans: the games of the day without a page (id
    # unknown) and those of the last days of preseason-or-opening week (type unknown)
    assert len(mine) and mine["detail"].str.contains("espn_game_id not in the schedule|whose season type").all()
    cov = read("coverage.parquet")
    unmapped = cov[cov["status"] == "unmapped"]
    assert unmapped["detail"].str.contains("no espn_game_id").all()
    # the non-data prefixes never count
    inv = read("inventory.parquet")
    assert not inv["key"].str.startswith(("inventory-reports/", "athena-results/", "backups/", "ml-models/")).any()
