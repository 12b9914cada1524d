"""The coverage stage's parts on their own: matching (match), completeness, the as_of checks
(dates), the lake check (lake_check) and what cannot be judged (unjudged). Spec, schedule and
inventory: tests/builders.py."""

from __future__ import annotations

import pandas as pd
import pytest

from nba_simulator.coverage.completeness import completeness, overall
from nba_simulator.coverage.dates import AsOfRefused, check_as_of, check_not_future, first_expected_date
from nba_simulator.coverage.expected import expected_items
from nba_simulator.coverage.lake_check import check_lake, dataset_hits, nearest_prefixes
from nba_simulator.coverage.match import drop_excluded, match
from nba_simulator.coverage.unjudged import needed_ids, type_opens, unjudged_line
from nba_simulator.errors import BadInput, LakeNotFound
from nba_simulator.spec import parse_spec
from tests.builders import AS_OF, inventory, ts

LAKE = [
    ("pbp/2023-24/0022300001.json", 500, ts("2023-10-25 06:00"), "a"),  # present
    ("old/0022300001.json", 400, ts("2023-10-25 06:00"), "b"),  # a second copy of game 1
    ("pbp/2023-24/0022300002.json", 50, ts("2023-10-25 06:00"), "c"),  # undersized (min 100)
    ("pbp/2023-24/0022300099.json", 500, ts("2023-10-25 06:00"), "d"),  # a game the schedule lacks
    ("backups/pbp/2023-24/0022300004.json", 500, ts("2023-10-27"), "e"),  # excluded folder
]


def test_match_sorts_objects_into_coverage_orphans_and_duplicates(spec, schedule):
    cov, orphans, dups = match(spec, expected_items(spec, schedule, AS_OF), inventory(LAKE), AS_OF, schedule)
    pbp = cov[cov["dataset"] == "pbp"].set_index("game_id")["status"]
    assert pbp["0022300001"] == "present" and pbp["0022300002"] == "undersized"
    assert pbp["0022300004"] == "missing"  # its only copy is under the excluded folder
    assert "0022300099" not in pbp.index
    assert orphans["key"].tolist() == ["pbp/2023-24/0022300099.json"]
    assert set(dups["key"]) == {"pbp/2023-24/0022300001.json", "old/0022300001.json"}


def test_drop_excluded_keeps_everything_else_in_order():
    inv = inventory(LAKE)
    kept = drop_excluded(inv, ["backups/", "old/"])
    assert kept["key"].tolist() == [k for k, *_ in LAKE if not k.startswith(("backups/", "old/"))]
    assert drop_excluded(inv, []) is inv


def test_completeness_per_dataset_season_and_overall_agree(spec, schedule):
    cov, _, _ = match(spec, expected_items(spec, schedule, AS_OF), inventory(LAKE), AS_OF, schedule)
    table = completeness(cov)
    totals = overall(cov)
    assert table["expected"].sum() == totals["expected"] == (cov["status"] != "unmapped").sum()
    pbp = table[table["dataset"] == "pbp"].iloc[0]
    assert pbp["present"] == 1 and pbp["complete_pct"] == round(100 / pbp["expected"], 2)
    assert overall(cov.iloc[:0])["complete_pct"] is None  # nothing expected: no percentage


def test_as_of_before_the_first_expected_game_or_in_the_future_is_refused(spec, schedule):
    assert first_expected_date(spec, schedule) == pd.Timestamp("2023-10-24")
    check_as_of(spec, schedule, "2023-10-25", today="2023-11-05")  # the day after: owed
    with pytest.raises(AsOfRefused, match="nothing is owed yet .*2023-10-24"):
        check_as_of(spec, schedule, "2023-10-24")
    check_not_future("2023-11-06", "2023-11-05")  # a day of time zones
    with pytest.raises(AsOfRefused, match="in the future"):
        check_not_future("2023-11-07", "2023-11-05")
    assert issubclass(AsOfRefused, BadInput)


def test_lake_check_names_datasets_that_match_nothing_and_refuses_a_lake_of_strangers(spec):
    keys = inventory(LAKE)
    assert dataset_hits(spec, keys["key"]) == {"pbp": True, "daily": False, "hoopr": False}
    warnings = check_lake(spec, keys, "lake")
    assert len(warnings) == 2 and warnings[0].startswith("dataset daily matches no key")
    strangers = inventory([("pdp/x.json", 1, ts("2023-10-25"), "z"), ("misc/y", 1, ts("2023-10-25"), "y")])
    assert nearest_prefixes(spec, strangers["key"])[0] == "pdp/ (1 key)"  # most like pbp/
    with pytest.raises(LakeNotFound, match="no key of the lake lake matches any dataset"):
        check_lake(spec, strangers, "lake")
    assert check_lake(spec, keys.iloc[:0], "lake") == []


def test_unjudged_helpers():
    assert type_opens("2023-24", "regular") is not None
    assert type_opens("1980-81", "play_in") is None  # no play-in back then
    spec = parse_spec(
        "version: 1\ndatasets:\n  e:\n    source: espn\n    data_type: pbp\n"
        "    keys: ['a/{espn_game_id}.json', 'b/{bbref_game_id}.json']\n    per: game\n"
        "    seasons: 2023-24\n",
        "u.yaml",
    )
    assert needed_ids(spec.datasets[0]) == "espn_game_id or bbref_game_id"
    assert unjudged_line([]) is None
    line = unjudged_line(
        [
            {"dataset": "e", "season": "2023-24", "reason": "ids unknown: x", "count": 3},
            {"dataset": "e", "season": "2022-23", "reason": "ids unknown: y", "count": 1},
        ]
    )
    assert line.startswith(
        "2 dataset-season-types cannot be judged (4 items): ids unknown 2 (seasons 2022-23..2023-24, 4 items)"
    )


@pytest.mark.parametrize("dtype", ["str", "string[pyarrow]", "string[python]", object])
def test_isin_like_pandas_is_pandas_isin(dtype):
    """The orphans' id checks: one Arrow probe for two Arrow string columns, pandas' own isin
    otherwise; the same answer either way (missing values included)."""
    from nba_simulator.coverage.match import _isin_like_pandas

    keys = pd.Series(["401", None, "402", "403", "401", "x"], index=[5, 3, 1, 0, 2, 4], dtype=dtype)
    for values in (
        pd.Index(["401", "403", None], dtype=dtype),
        pd.Index(["403"], dtype=dtype),
        pd.Series([], dtype=dtype),
    ):
        got = _isin_like_pandas(keys, values)
        pd.testing.assert_series_equal(got, keys.isin(values))
