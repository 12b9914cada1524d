"""Open season ranges (``..current``, ``..previous``), several ids per game, and what cannot be
judged (``coverage.unjudged``)."""

import pandas as pd
import pytest

from nba_simulator.coverage import build_coverage, expected_items
from nba_simulator.errors import SpecError
from nba_simulator.spec import parse_spec
from tests.builders import inventory, ts

SPEC = """\
version: 1
datasets:
  pages:
    source: espn
    data_type: play_by_play
    keys: ["espn/{espn_game_id}.json", "old/{espn_game_id}.json"]
    per: game
    seasons: SEASONS
    season_types: [regular, play_in, playoffs]
  logs:
    source: nba_stats
    data_type: box
    keys: "logs/{game_id}.json"
    per: game
    seasons: 2025-26..current
    season_types: [regular, cup_final]
"""


def spec_with(seasons: str):
    return parse_spec(SPEC.replace("SEASONS", seasons), "open.yaml")


@pytest.mark.parametrize(
    "seasons, as_of, first, last",
    [
        ("2024-25..current", "2026-12-01", "2024-25", "2026-27"),
        ("2024-25..current", "2027-07-15", "2024-25", "2026-27"),  # July: the season just ended
        ("2024-25..current", "2027-08-01", "2024-25", "2027-28"),  # August starts the next one
        ("2024-25..previous", "2026-12-01", "2024-25", "2025-26"),
    ],
)
def test_open_ranges_resolve_at_as_of(seasons, as_of, first, last):
    spec = spec_with(seasons)
    assert spec.dataset("pages").seasons == () and spec.dataset("pages").seasons_open
    got = spec.at(as_of).dataset("pages").seasons
    assert (got[0], got[-1]) == (first, last) and spec.at(as_of).at(as_of) == spec.at(as_of)


def test_a_range_ending_before_it_starts_holds_nothing_and_typos_are_errors():
    assert spec_with("2027-28..previous").at("2026-12-01").dataset("pages").seasons == ()
    with pytest.raises(SpecError, match=r"open.yaml:\d+: .*bad seasons"):
        spec_with("2024-25..currnt")


def _schedule(rows):
    df = pd.DataFrame(
        rows, columns=["game_id", "game_date", "home_team", "away_team", "status", "espn_game_id", "espn_game_id_extra"]
    )
    ids = df["game_id"]
    return df.assign(
        season="20" + ids.str[3:5] + "-" + (ids.str[3:5].astype(int) + 1).astype(str).str.zfill(2),
        season_type=ids.str[2].map({"2": "regular", "4": "playoffs", "6": "cup_final"}),
        game_date=pd.to_datetime(df["game_date"]),
        bbref_game_id=pd.NA,
    ).astype({"espn_game_id": "string", "espn_game_id_extra": "string"})


GAMES = [
    ("0022600001", "2026-10-21", "LAL", "DEN", "final", "401810001", pd.NA),
    ("0022600002", "2026-10-21", "BOS", "NYK", "final", "401810002", "400999001 400999002"),
    ("0022600003", "2026-10-22", "MIA", "CHI", "final", "0", pd.NA),  # a hostile id
    ("0022600004", "2026-10-22", "PHX", "GSW", "final", pd.NA, pd.NA),  # no ESPN id
    ("0022600005", "2026-10-30", "LAC", "POR", "final", "401810005", pd.NA),
]


def test_every_id_of_a_game_is_a_key_and_any_one_makes_it_present():
    spec, schedule = spec_with("2025-26..current"), _schedule(GAMES)
    exp = expected_items(spec, schedule, "2026-11-01")
    item = exp.items[(exp.items["dataset"] == "pages") & (exp.items["game_id"] == "0022600002")].iloc[0]
    assert item["expected_key"] == "espn/401810002.json"  # the primary id
    keys = set(exp.keys.loc[exp.keys["item_id"] == item["item_id"], "key"])
    assert keys == {f"{p}/{i}.json" for p in ("espn", "old") for i in ("401810002", "400999001", "400999002")}
    lake = inventory(
        [
            ("old/400999002.json", 500, ts("2026-10-23"), "a"),  # only a further id
            ("espn/401810001.json", 500, ts("2026-10-23"), "b"),
            ("espn/0.json", 500, ts("2026-10-23"), "c"),
        ]
    )
    cov = build_coverage(spec, schedule, lake, "2026-11-01").coverage.set_index(["dataset", "game_id"])
    assert cov.loc[("pages", "0022600002"), "status"] == "present"
    assert cov.loc[("pages", "0022600001"), "status"] == "present"
    # an id "0" renders no key: unmapped, and the detail says the id does not fit (issue 21: not
    # "the schedule has no espn_game_id"); no id at all: the detail says which id is missing
    for gid in ("0022600003", "0022600004"):
        assert cov.loc[("pages", gid), "status"] == "unmapped"
    assert "espn_game_id '0' does not fit the dataset's keys" in cov.loc[("pages", "0022600003"), "detail"]
    assert "no espn_game_id" in cov.loc[("pages", "0022600004"), "detail"]
    assert cov.loc[("pages", "0022600005"), "status"] == "missing"


def test_unjudged_says_what_and_why():
    spec, schedule = spec_with("2025-26..current"), _schedule(GAMES)
    r = build_coverage(spec, schedule, inventory([("logs/0022500007.json", 500, ts("2026-01-01"), "a")]), "2026-12-15")
    by = {(u["dataset"], u["season"], u["season_type"]): u for u in r.unjudged}
    assert all(set(u) == {"dataset", "season", "season_type", "reason", "count"} for u in r.unjudged)
    # 2025-26: no game at all; its NBA Stats file is counted as unexplained
    assert by[("logs", "2025-26", "regular")]["reason"].startswith("games unknown")
    assert by[("logs", "2025-26", "regular")]["count"] == 1
    assert by[("pages", "2025-26", "playoffs")]["reason"].startswith("games unknown")
    # 2026-27: the schedule stops on 2026-10-30, the day before as_of is 2026-12-14
    part = by[("pages", "2026-27", "regular")]
    assert part["reason"].startswith("partial") and part["count"] == 45
    # the Cup final of 2026-27 (mid-December) has begun to be due; its playoffs have not
    assert by[("logs", "2026-27", "cup_final")]["reason"].startswith("games unknown")
    assert ("pages", "2026-27", "playoffs") not in by
    ids = [u for u in r.unjudged if u["reason"].startswith("ids unknown")]
    assert [(u["dataset"], u["count"]) for u in ids] == [("pages", 2)]
