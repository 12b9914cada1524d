"""schedule.sources.common: the helpers every schedule source parses with."""

from __future__ import annotations

import pandas as pd

from nba_simulator.schedule.sources.common import capped, load_json, local_dates, seasons_of_dates, text, utc_times


def test_json_or_a_warning_naming_the_origin():
    assert load_json(b'\xef\xbb\xbf{"a": 1}', "x") == ({"a": 1}, None)  # a BOM is fine
    doc, warning = load_json(b"{not json", "lake/espn_schedules/20231024.json")
    assert doc is None and warning.startswith("lake/espn_schedules/20231024.json: not valid JSON")
    assert load_json(b"\xff\xfe", "x")[1].startswith("x: not valid JSON")


def test_times_dates_and_seasons():
    t = utc_times(["2023-10-25T02:30Z", "2023-10-24T23:00:00.000Z", "garbage"])
    assert t.iloc[0] == pd.Timestamp("2023-10-25 02:30", tz="UTC") and pd.isna(t.iloc[2])
    # 02:30 UTC on the 25th is the evening of the 24th in New York
    assert local_dates(t.iloc[:2]).tolist() == [pd.Timestamp("2023-10-24")] * 2
    seasons = seasons_of_dates(pd.Series(["2023-10-24", "2024-06-17", "2020-08-01", None]))
    assert seasons.tolist()[:3] == ["2023-24", "2023-24", "2020-21"] and pd.isna(seasons.iloc[3])


def test_text_and_capped_warnings():
    assert [text(v) for v in (" x ", "", None, [1], {"a": 1}, True, 12)] == ["x", None, None, None, None, None, "12"]
    ws = [f"w{i}" for i in range(25)]
    assert capped(ws[:20], "espn") == ws[:20]
    assert capped(ws, "espn") == ws[:20] + ["espn: 5 more warnings like these"]
