import pandas as pd

from nba_simulator.coverage import build_coverage, expected_items
from tests.builders import AS_OF, inventory, ts

LAKE = [
    ("pbp/2023-24/0022300001.json", 500, ts("2023-10-25 06:00"), "a"),  # present
    ("old/0022300001.json", 400, ts("2023-10-25 06:00"), "b"),  # duplicate of 1
    ("pbp/2023-24/0022300002.json", 50, ts("2023-10-25 06:00"), "c"),  # undersized
    ("pbp/2022-23/0022300004.json", 500, ts("2023-10-27"), "d"),  # wrong season folder
    ("pbp/2023-24/0022300003.json", 154, ts("2023-10-27"), "e"),  # cancelled game's file
    ("old/0022300005.json", 500, ts("2023-10-28 05:00"), "f"),  # present, old layout
    ("pbp/2023-24/0022300006.json", 500, ts("2023-10-28 23:00"), "g"),  # premature
    ("pbp/2023-24/0022300007.json", 500, ts("2023-11-05 03:00"), "h"),  # present
    ("daily/20231024.json", 100, ts("2023-10-25 08:00"), "i"),
    ("hoopr/nba_data_2023.parquet", 5000, ts("2023-06-30"), "j"),  # previous season: never stale
    ("hoopr/nba_data_2024.parquet", 5000, ts("2023-11-01"), "k"),  # current, 4 days old: stale
    ("backups/db.dump", 1, ts("2023-11-01"), "l"),  # excluded
    ("random/thing.txt", 1, ts("2023-11-01"), "m"),  # unparsed
]


def test_expected_items_respect_as_of_and_status(spec, schedule):
    exp = expected_items(spec, schedule, AS_OF)
    games = exp.items[exp.items["dataset"] == "pbp"]["game_id"].tolist()
    assert games == ["0022300001", "0022300002", "0022300004", "0022300005", "0022300006", "0022300007"]
    days = exp.items[exp.items["dataset"] == "daily"]["expected_key"].tolist()
    assert days[0] == "daily/20231024.json" and "daily/20231025.json" not in days  # only a cancelled game
    assert exp.items[exp.items["dataset"] == "hoopr"]["season"].tolist() == ["2022-23", "2023-24"]
    # every layout's key is expected for every item
    assert len(exp.keys[exp.keys["item_id"] == 0]) == 2


def test_every_status(spec, schedule):
    r = build_coverage(spec, schedule, inventory(LAKE), AS_OF)
    status = r.coverage.set_index("expected_key")["status"].to_dict()
    assert status["pbp/2023-24/0022300001.json"] == "present"
    assert status["pbp/2023-24/0022300002.json"] == "undersized"
    assert status["pbp/2023-24/0022300004.json"] == "missing"
    assert status["pbp/2023-24/0022300005.json"] == "present"
    assert status["pbp/2023-24/0022300006.json"] == "premature"
    assert status["pbp/2023-24/0022300007.json"] == "present"
    assert status["hoopr/nba_data_2023.parquet"] == "present"
    assert status["hoopr/nba_data_2024.parquet"] == "stale"
    assert status["daily/20231026.json"] == "missing"
    row = r.coverage.set_index("expected_key").loc["pbp/2023-24/0022300005.json"]
    assert row["key"] == "old/0022300005.json" and row["n_objects"] == 1


def test_precedence_undersized_beats_premature_and_stale(spec, schedule):
    lake = [
        ("pbp/2023-24/0022300006.json", 5, ts("2023-10-28 23:00"), "x"),
        ("hoopr/nba_data_2024.parquet", 5000, ts("2023-10-01"), "y"),
    ]
    spec_small = spec
    r = build_coverage(spec_small, schedule, inventory(lake), AS_OF)
    st = r.coverage.set_index("expected_key")["status"]
    assert st["pbp/2023-24/0022300006.json"] == "undersized"


def test_duplicates_orphans_unparsed_never_dropped(spec, schedule):
    r = build_coverage(spec, schedule, inventory(LAKE), AS_OF)
    dup = r.duplicates
    assert set(dup["key"]) == {"pbp/2023-24/0022300001.json", "old/0022300001.json"}
    assert dup.loc[dup["chosen"], "key"].tolist() == ["pbp/2023-24/0022300001.json"]
    orphans = r.orphans.set_index("key")
    assert orphans.loc["pbp/2022-23/0022300004.json", "reason"] == "orphan"
    assert (
        "differs from the expected key pbp/2023-24/0022300004.json"
        in orphans.loc["pbp/2022-23/0022300004.json", "detail"]
    )
    assert orphans.loc["pbp/2023-24/0022300003.json", "detail"] == "game cancelled"
    assert orphans.loc["random/thing.txt", "reason"] == "unparsed"
    assert "backups/db.dump" not in orphans.index
    # every listed non-excluded object is accounted for exactly once
    matched = set(r.coverage["key"].dropna()) | set(dup["key"])
    assert matched | set(orphans.index) == {k for k, *_ in LAKE if not k.startswith("backups/")}


def test_completeness_counts_and_percentages(spec, schedule):
    r = build_coverage(spec, schedule, inventory(LAKE), AS_OF)
    c = r.completeness.set_index(["dataset", "season"]).loc[("pbp", "2023-24")]
    assert (c["expected"], c["present"], c["missing"], c["undersized"], c["premature"]) == (6, 3, 1, 1, 1)
    assert c["complete_pct"] == 50.0 and round(c["have_pct"], 2) == 83.33


def test_unmapped_when_the_schedule_lacks_an_id(schedule):
    from nba_simulator.spec import parse_spec

    spec = parse_spec(
        "version: 1\ndatasets:\n  e:\n    source: espn\n    data_type: pbp\n"
        "    keys: e/{espn_game_id}.json\n    per: game\n    seasons: 2023-24\n"
    )
    sched = schedule.assign(espn_game_id=["401000001"] + [pd.NA] * (len(schedule) - 1))
    r = build_coverage(spec, sched, inventory([("e/401000001.json", 10, ts("2023-10-26"), "z")]), AS_OF)
    assert r.coverage["status"].value_counts().to_dict() == {"unmapped": 5, "present": 1}
    assert r.completeness.loc[0, "expected"] == 1 and r.completeness.loc[0, "complete_pct"] == 100.0
