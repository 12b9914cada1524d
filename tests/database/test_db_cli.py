"""database.cli: ``nba-recon db`` and ``nba-recon history`` on a SQLite history."""

from __future__ import annotations

import argparse

import pytest

from nba_simulator.database.cli import add_db_parser
from nba_simulator.database.history_connect import history_for
from nba_simulator.errors import BadInput


def parser():
    p = argparse.ArgumentParser()
    add_db_parser(p.add_subparsers(dest="command"))
    return p


def run(argv):
    args = parser().parse_args(argv)
    return args.func(args)


def test_a_history_not_there_yet_is_read_as_empty_and_not_created(tmp_path):
    args = parser().parse_args(["history", "runs", "--runs-dir", str(tmp_path)])
    engine, schema, hcfg = history_for(args, read_only=True)
    try:
        assert str(engine.url) == "sqlite://" and schema is None and hcfg is None
    finally:
        engine.dispose()
    assert args.history_file == tmp_path / "history.db" and not args.history_file.exists()


def test_upgrade_then_current_then_an_empty_history(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'h.db'}"
    assert run(["db", "upgrade", "--url", url]) == 0
    first = capsys.readouterr().out
    assert run(["db", "current", "--url", url]) == 0
    current = capsys.readouterr().out
    head = first.strip().rsplit("-> ", 1)[1]
    assert "revision (none) -> " in first and f"revision {head} (up to date)" in current
    assert run(["history", "runs", "--url", url]) == 0
    assert "no runs recorded" in capsys.readouterr().out


def test_a_schema_name_that_is_not_a_name_is_refused(tmp_path):
    with pytest.raises(BadInput, match="schema 'a;drop': a schema name is letters, digits and _"):
        run(["history", "runs", "--url", f"sqlite:///{tmp_path / 'h.db'}", "--schema", "a;drop"])
