"""schedule.read: a schedule file's rows as text, or one line naming the file, column and row."""

from __future__ import annotations

import pandas as pd
import pytest

from nba_simulator.errors import ScheduleError
from nba_simulator.schedule.read import read_table


def test_csv_rows_are_numbered_by_their_line(tmp_path):
    f = tmp_path / "s.csv"
    f.write_text("Game_ID,game_date\n0021800001,2018-10-16\n\n0021800002,2018-10-17\n")
    frame = read_table(f, required=("game_id",))
    assert list(frame.columns) == ["game_id", "game_date"] and frame.index.tolist() == [2, 4]
    with pytest.raises(ScheduleError, match=r"s.csv.*status"):
        read_table(f, required=("game_id", "status"))


def test_parquet_values_become_text_like_a_csv(tmp_path):
    f = tmp_path / "s.parquet"
    pd.DataFrame(
        {"game_id": ["0021800001"], "game_date": [pd.Timestamp("2018-10-16").date()], "attendance": [18624.0]}
    ).to_parquet(f)
    row = read_table(f).iloc[0]
    assert (row["game_id"], row["game_date"], row["attendance"]) == ("0021800001", "2018-10-16", "18624")


def test_unreadable_files_are_one_line(tmp_path):
    empty = tmp_path / "e.csv"
    empty.write_text("")
    with pytest.raises(ScheduleError, match="e.csv: empty file"):
        read_table(empty)
    junk = tmp_path / "j.parquet"
    junk.write_bytes(b"PAR1 not really")
    with pytest.raises(ScheduleError, match="j.parquet: cannot read as Parquet"):
        read_table(junk)
