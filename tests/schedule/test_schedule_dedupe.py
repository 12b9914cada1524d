"""schedule.dedupe: one row per game, or an error naming the game and where its rows are."""

from __future__ import annotations

import pandas as pd
import pytest

from nba_simulator.errors import ScheduleError
from nba_simulator.schedule.dedupe import one_row_per_game


def frame(rows):
    df = pd.DataFrame(rows, columns=["game_id", "game_date", "status", "original_date"])
    df.index = pd.RangeIndex(2, len(df) + 2, name="line")
    return df


def test_exact_duplicates_and_superseded_postponements_go():
    out = one_row_per_game(
        frame(
            [
                ("1", "2023-10-24", "final", None),
                ("1", "2023-10-24", "final", None),
                ("2", "2023-10-25", "postponed", None),
                ("2", "2023-12-01", "final", None),
                ("3", "2023-10-26", "postponed", None),
            ]
        ),
        "s.csv",
    )
    assert out["game_id"].tolist() == ["1", "2", "3"]
    assert out.set_index("game_id").loc["2", "original_date"] == "2023-10-25"


def test_a_game_twice_with_different_values_names_the_rows():
    with pytest.raises(ScheduleError, match=r"s.csv: game 1 appears 2 times with different game_date \(line 2, 3\)"):
        one_row_per_game(frame([("1", "2023-10-24", "final", None), ("1", "2023-10-25", "final", None)]), "s.csv")
