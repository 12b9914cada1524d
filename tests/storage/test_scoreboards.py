"""The one reader of the lake's ESPN scoreboard pages (``schedule: auto`` and ``schedule update
--lake`` both use it), on the schedule fixtures' small lake: the packaged spec's two layouts, a
truncated page, and the ETag cache giving what a fresh read gives."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import pandas as pd

from nba_simulator.spec import load_spec
from nba_simulator.storage import open_storage
from nba_simulator.storage.scoreboards import SCOREBOARD_CACHE, lake_scoreboards, scoreboard_layouts

LAKE = Path(__file__).resolve().parents[1] / "schedule" / "fixtures" / "world" / "lake"
KEYS = {
    "espn_schedules/20251021.json",
    "espn_schedules/20251114.json",
    "espn_schedules/20251215.json",
    "espn_schedules/20260115.json",
    "schedule/20251209.json",
    "schedule/20251210.json",
}


def test_both_layouts_read_and_a_truncated_page_is_a_warning(tmp_path):
    lake = tmp_path / "lake"
    shutil.copytree(LAKE, lake)
    (lake / "espn_schedules" / "notes.txt").write_text("not a scoreboard")  # no layout parses it
    pages = lake_scoreboards(str(lake))
    assert pages.stats == {"files": len(KEYS), "unreadable": 0, "games": len(pages.games)}
    assert pages.pages == KEYS - {"espn_schedules/20251215.json"}  # read and parsed
    assert any(w.startswith("espn_schedules/20251215.json: not valid JSON") for w in pages.warnings)
    assert set(pages.games["origin"]) <= pages.pages and pages.games["origin"].str.startswith("schedule/").any()
    assert pages.games["espn_game_id"].str.fullmatch(r"\d+").all() and pages.lake == str(lake)


def test_a_cached_read_equals_a_fresh_one(tmp_path, caplog):
    spec = load_spec("default")
    assert len(scoreboard_layouts(spec)) == 2
    fresh = lake_scoreboards(str(LAKE), spec)
    first = lake_scoreboards(str(LAKE), spec, runs_dir=tmp_path)
    assert (tmp_path / SCOREBOARD_CACHE).is_file()
    caplog.set_level(logging.INFO, logger="nba_simulator.storage.scoreboards")
    with open_storage(str(LAKE)) as storage:  # an open storage is used, not closed
        cached = lake_scoreboards(storage, spec, runs_dir=tmp_path)
        assert storage.read("schedule/20251209.json")
    # every page, the truncated one too (its failed parse is cached: same ETag, same result)
    assert f"scoreboards: {len(KEYS)} files, {len(KEYS)} from the cache" in caplog.text
    for pages in (first, cached):
        pd.testing.assert_frame_equal(pages.games, fresh.games)
        assert (pages.pages, pages.warnings, pages.stats) == (fresh.pages, fresh.warnings, fresh.stats)
