"""schedule.id_lists: a game's ESPN ids in one cell, joined, split and exploded."""

from __future__ import annotations

import pandas as pd

from nba_simulator.schedule.id_lists import all_espn_ids, join_by, join_ids, split_espn_ids


def test_join_ids_keeps_each_id_once_in_order():
    a = pd.Series(["401", "402 403", None, ""], dtype="string")
    b = pd.Series(["405", "403", None, "406"], dtype="string")
    assert join_ids(a, b).tolist() == ["401 405", "402 403", pd.NA, "406"]


def test_split_is_the_inverse_of_join_for_the_first_id():
    first, rest = split_espn_ids(pd.Series(["401 402 403", "404", None, ""], dtype="string"))
    assert first.tolist() == ["401", "404", pd.NA, pd.NA]
    assert rest.tolist() == ["402 403", pd.NA, pd.NA, pd.NA]


def test_join_by_joins_only_the_repeated_keys():
    out = join_by(pd.Series(["g1", "g2", "g1"]), pd.Series(["401", "402", "403"]))
    assert out.to_dict() == {"g2": "402", "g1": "401 403"}


def test_all_espn_ids_one_row_per_id_indexed_like_the_games():
    games = pd.DataFrame(
        {"espn_game_id": ["401", "402", None], "espn_game_id_extra": [None, "403 404", None]},
        index=[10, 11, 12],
    ).astype("string")
    every = all_espn_ids(games)
    assert list(zip(every.index, every)) == [(10, "401"), (11, "402"), (11, "403"), (11, "404")]
