"""content.cache: probe outcomes kept per (key, rule) while the ETag is the same."""

from __future__ import annotations

import sqlite3

import pytest

from nba_simulator.content.cache import ContentCache
from nba_simulator.content.check import Outcome
from nba_simulator.errors import BadInput
from nba_simulator.sqlite_files import StoreUnusable


def test_outcomes_come_back_only_for_the_same_etag_and_errors_are_not_kept(tmp_path):
    rule = ContentCache.rule_id("fp1")
    with ContentCache(tmp_path / "c.sqlite") as cache:
        cache.store(
            [
                ("a.json", rule, "e1", Outcome("ok", 3, True, True, "", 100)),
                ("b.json", rule, "e2", Outcome("error", detail="timeout")),
                ("c.json", rule, "", Outcome("ok")),
            ],
            as_of="2019-03-15",
        )
        assert len(cache) == 1
    with ContentCache(tmp_path / "c.sqlite") as cache:  # kept across opens
        got = cache.lookup({("a.json", rule): "e1", ("b.json", rule): "e2"})
        assert got == {("a.json", rule): Outcome("ok", 3, True, True, "", 100)}
        assert cache.lookup({("a.json", rule): "changed"}) == {}
        assert cache.lookup({("a.json", ContentCache.rule_id("fp2")): "e1"}) == {}


def test_a_file_not_of_ours_is_refused_untouched_and_another_database_refused(tmp_path):
    bad = tmp_path / "bad.sqlite"
    bad.write_bytes(b"not a database at all" * 100)
    with pytest.raises(StoreUnusable, match="bad.sqlite is not an SQLite database; it is left as it is"):
        ContentCache(bad)
    assert bad.read_bytes() == b"not a database at all" * 100 and not (tmp_path / "bad.sqlite.corrupt").exists()
    other = tmp_path / "history.db"
    with sqlite3.connect(other) as db:
        db.execute("CREATE TABLE runs (id INTEGER)")
    with pytest.raises(BadInput, match="is another database .*runs"):
        ContentCache(other)
