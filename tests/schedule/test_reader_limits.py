"""The limits of the readers of files this tool did not write (issue 21), one by one:
``schedule.sources.limits``, the scoreboard and probe caches trusting only their own shapes, the
S3 Inventory manifest's size, a user schedule's further ESPN ids."""

from __future__ import annotations

import json
import sqlite3

import pandas as pd
import pytest

from nba_simulator.content.cache import ContentCache
from nba_simulator.content.check import Outcome
from nba_simulator.errors import BadInput
from nba_simulator.schedule.load import _at_most_extra
from nba_simulator.schedule.sources import limits
from nba_simulator.schedule.sources.espn import parse_scoreboard_page
from nba_simulator.storage.factory import open_storage
from nba_simulator.storage.inventory_manifest import read_manifest
from nba_simulator.storage.scoreboards import lake_scoreboards


@pytest.mark.parametrize(
    "gid, reason",
    [
        ("401584793", None),
        ("0", "zero"),
        ("٤٠١", "not ASCII digits"),
        ("4" * 13, "longer than 12 digits"),
        ("4" * 5000, "longer than 12 digits"),
        ("12a", "not all digits"),
        (None, "none given"),
    ],
)
def test_espn_id_problem(gid, reason):
    assert limits.espn_id_problem(gid) == reason


def test_years_are_checked_on_the_text():
    start = pd.Series(["2018-10-16T23:00Z", "2300-01-01T00:00Z", "1900-01-01", "soon", None, "99999-01-01"])
    assert list(limits.bounded_years(start)) == [True, False, False, False, False, False]


def test_a_warning_never_repeats_a_huge_value():
    assert len(limits.shown("4" * 5000)) < 80 and "5,002 characters" in limits.shown("4" * 5000)


def test_page_past_the_game_limit_reads_the_first(monkeypatch):
    monkeypatch.setattr("nba_simulator.schedule.sources.espn.MAX_PAGE_GAMES", 3)
    games = [
        {
            "id": str(401000000 + i),
            "date": "2018-10-16T23:00Z",
            "competitors": [{"isHome": True, "abbrev": "BOS"}, {"isHome": False, "abbrev": "PHI"}],
        }
        for i in range(5)
    ]
    parsed = parse_scoreboard_page(json.dumps({"page": {"content": {"events": games}}}).encode(), "p.json")
    assert len(parsed.frame) == 3
    assert parsed.warnings == ["p.json: 5 games, more than the 3 a page may list; the first 3 are read"]


def test_a_schedules_further_ids_are_capped(caplog):
    extra = pd.Series(["1 2 3 4 5 6", pd.NA, "7"], dtype="string")
    assert list(_at_most_extra(extra, "games.csv").fillna("-")) == ["1 2 3 4", "-", "7"]
    assert "games.csv: 1 game(s) list more than 4 further ESPN ids" in caplog.text


def test_scoreboard_cache_rows_of_another_shape_are_read_again(tmp_path):
    lake = tmp_path / "lake"
    (lake / "espn_schedules").mkdir(parents=True)
    game = {
        "id": "401070001",
        "date": "2018-10-16T23:00Z",
        "competitors": [{"isHome": True, "abbrev": "BOS"}, {"isHome": False, "abbrev": "PHI"}],
    }
    (lake / "espn_schedules" / "20181016.json").write_text(json.dumps({"page": {"content": {"events": [game]}}}))
    first = lake_scoreboards(str(lake), runs_dir=tmp_path)
    db = sqlite3.connect(tmp_path / "scoreboard_cache.sqlite")
    db.execute("UPDATE pages SET records = ?", (json.dumps([[1, 2], {"a": 1}]),))
    db.commit()
    db.close()
    again = lake_scoreboards(str(lake), runs_dir=tmp_path)
    pd.testing.assert_frame_equal(first.games, again.games)
    assert list(again.games["espn_game_id"]) == ["401070001"]


def test_probe_cache_rows_of_another_shape_are_not_trusted(tmp_path):
    with ContentCache(tmp_path / "c.sqlite") as cache:
        cache.store(
            [
                ("k1", "r", "e1", Outcome("ok", 3, True, True, "", 10)),
                ("k2", "r", "e2", Outcome("empty", 0, True, True, "x", 10)),
            ]
        )
        cache.db.execute("UPDATE probes SET verdict = 'present' WHERE key = 'k1'")
        cache.db.execute("UPDATE probes SET n_items = 'many' WHERE key = 'k2'")
        cache.db.commit()
        assert cache.lookup({("k1", "r"): "e1", ("k2", "r"): "e2"}) == {}


def test_manifest_larger_than_its_limit_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr("nba_simulator.storage.inventory_manifest.MAX_MANIFEST_BYTES", 100)
    folder = tmp_path / "inv" / "2019-03-01T00-00Z"
    folder.mkdir(parents=True)
    (folder / "manifest.json").write_text(json.dumps({"files": [{"key": "x" * 200}]}))
    (folder / "manifest.checksum").write_text("0" * 32)
    storage = open_storage(str(tmp_path / "inv"))
    with pytest.raises(BadInput, match="manifest.json: more than the 100 bytes such a file may have"):
        read_manifest(storage, "2019-03-01T00-00Z")
