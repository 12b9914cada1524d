"""schedule.auto (a snapshot merged over the packaged history) and schedule.cli (the parser)."""

from __future__ import annotations

import argparse

import pandas as pd

from nba_simulator.schedule.auto import merge_snapshot
from nba_simulator.schedule.cli import add_schedule_parser


def games(rows):
    df = pd.DataFrame(rows, columns=["game_id", "game_date", "status"])
    return df.assign(game_date=pd.to_datetime(df["game_date"]))


def test_the_snapshot_replaces_the_games_it_knows_and_keeps_the_others():
    base = games([("1", "2025-10-21", "scheduled"), ("2", "2025-10-22", "scheduled")])
    snap = games([("2", "2025-10-23", "final"), ("3", "2025-10-20", "final")])
    out = merge_snapshot(base, snap)
    assert out["game_id"].tolist() == ["3", "1", "2"]  # by date
    assert out.set_index("game_id").loc["2", "status"] == "final"
    assert out.set_index("game_id")["provenance"].to_dict() == {"1": "packaged", "2": "snapshot", "3": "snapshot"}
    assert out["game_date"].dtype == base["game_date"].dtype


def test_the_schedule_commands_and_their_options():
    p = argparse.ArgumentParser()
    add_schedule_parser(p.add_subparsers(dest="command"), read_scoreboards=lambda lake, cache: None)
    for cmd in ("update", "show", "check"):
        args = p.parse_args(["schedule", cmd, "--runs-dir", "r", "--seasons", "2025-26", "--as-of", "2026-01-15"])
        assert (args.runs_dir, args.seasons) == ("r", "2025-26") and callable(args.func)
