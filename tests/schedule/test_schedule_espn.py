"""ESPN scoreboards (real page and API formats) and the ESPN crosswalk; ESPN ids in a schedule."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pandas as pd
import pytest

from nba_simulator.schedule import load_schedule
from nba_simulator.schedule.crosswalk import attach_espn_ids, crosswalk
from nba_simulator.schedule.sources.espn import parse_scoreboard_api, parse_scoreboard_page

FIXTURES = Path(__file__).parent / "fixtures"
HEADER = "game_id,season,season_type,game_date,home_team,away_team"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


# --- parsers -----------------------------------------------------------------------------------
def test_page_scoreboard_evts_real_format():
    frame, warnings = parse_scoreboard_page(
        fixture("espn_page_scoreboard_evts_20231024.json"), "espn_schedules/20231024.json"
    )
    assert warnings == []
    assert list(frame["espn_game_id"]) == ["401584689", "401584690"]
    # GS (ESPN) is GSW (NBA Stats); the late game starts on the next UTC day
    assert list(zip(frame["home_team"], frame["away_team"])) == [("DEN", "LAL"), ("GSW", "PHX")]
    assert str(frame.loc[1, "start_utc"]) == "2023-10-25 02:00:00+00:00"
    assert set(frame["status"]) == {"scheduled"} and set(frame["origin"]) == {"espn_schedules/20231024.json"}


def test_page_events_mapping_and_schedule_layouts_give_the_same_games():
    real = json.loads(fixture("espn_page_scoreboard_evts_20231024.json"))["page"]["content"]["scoreboard"]["evts"]
    by_events = json.dumps({"page": {"content": {"events": {"20231024": real}}}}).encode()
    by_schedule = json.dumps({"page": {"content": {"schedule": {"20231024": {"games": real}}}}}).encode()
    a, _ = parse_scoreboard_page(by_events, "a")
    b, _ = parse_scoreboard_page(by_schedule, "b")
    assert list(a["espn_game_id"]) == list(b["espn_game_id"]) == ["401584689", "401584690"]


def test_page_home_away_spelling_and_final_status():
    real = json.loads(fixture("espn_page_scoreboard_evts_20231024.json"))["page"]["content"]["scoreboard"]["evts"]
    game = dict(real[0], status={"id": "3", "description": "Final", "state": "post"})
    game["competitors"] = [
        {k: v for k, v in c.items() if k != "isHome"} | {"homeAway": "home" if c["isHome"] else "away"}
        for c in game["competitors"]
    ]
    frame, warnings = parse_scoreboard_page(
        json.dumps({"page": {"content": {"events": {"20231024": [game]}}}}).encode(), "x"
    )
    assert warnings == [] and frame.loc[0, "status"] == "final" and frame.loc[0, "home_team"] == "DEN"


def test_api_scoreboard_real_format():
    frame, warnings = parse_scoreboard_api(
        fixture("espn_api_scoreboard_20240129.json"), "http://espn/scoreboard?dates=20240129"
    )
    assert warnings == [] and len(frame) == 12
    assert set(frame["status"]) == {"final"}
    row = frame.loc[frame["espn_game_id"] == "401585288"].iloc[0]
    assert (row["home_team"], row["away_team"]) == ("BKN", "UTA")  # ESPN UTAH
    row = frame.loc[frame["espn_game_id"] == "401585293"].iloc[0]
    assert (row["home_team"], row["away_team"]) == ("SAS", "WAS")  # ESPN SA, WSH
    # every game starts on 2024-01-30 UTC but is a 2024-01-29 game in the US
    assert (frame["start_utc"].dt.tz_convert("America/New_York").dt.date.astype(str) == "2024-01-29").all()


def test_api_season_type_and_the_notes_that_say_the_cup_final_or_the_play_in():
    doc = json.loads(fixture("espn_api_scoreboard_20240129.json"))
    event = doc["events"][0]
    cup = json.loads(json.dumps(event))
    cup["competitions"][0]["notes"] = [{"type": "event", "headline": "NBA Cup Championship"}]
    play_in = json.loads(json.dumps(event)) | {"season": {"year": 2024, "type": 3, "slug": "post-season"}}
    play_in["competitions"][0]["notes"] = [{"type": "event", "headline": "East Play-In Tournament - 7th vs 8th"}]
    post = json.loads(json.dumps(event)) | {"season": {"year": 2024, "type": 3, "slug": "post-season"}}
    frame, warnings = parse_scoreboard_api(json.dumps({"events": [event, cup, play_in, post]}).encode(), "api")
    assert warnings == []
    assert frame["season_type"].tolist() == ["regular", "cup_final", "play_in", "playoffs"]
    assert set(frame["season"]) == {"2023-24"}
    # the real web page's games say no type
    page, _ = parse_scoreboard_page(fixture("espn_page_scoreboard_evts_20231024.json"), "p")
    assert page["season_type"].isna().all()


@pytest.mark.parametrize(
    "data, expect",
    [
        (b"", "not valid JSON"),
        (b"{not json", "not valid JSON"),
        (b"[]", "no page.content"),
        (b'{"page": {"content": {}}}', "no events, schedule"),
        (b"\xff\xfe", "not valid JSON"),
    ],
)
def test_malformed_pages_warn_naming_the_origin(data, expect):
    frame, warnings = parse_scoreboard_page(data, "espn_schedules/20230410.json")
    assert frame.empty and len(warnings) == 1
    assert warnings[0].startswith("espn_schedules/20230410.json: ") and expect in warnings[0]


def test_bad_games_are_skipped_with_a_warning_others_kept():
    real = json.loads(fixture("espn_page_scoreboard_evts_20231024.json"))["page"]["content"]["scoreboard"]["evts"]
    games = [
        dict(real[0], id="0"),
        dict(real[1], id=""),
        "junk",
        dict(real[0], competitors=[]),
        dict(real[0], date="yesterday"),
        real[1],
    ]
    frame, warnings = parse_scoreboard_page(json.dumps({"page": {"content": {"events": games}}}).encode(), "f.json")
    assert list(frame["espn_game_id"]) == ["401584690"]
    assert len(warnings) == 5 and all(w.startswith("f.json: ") for w in warnings)
    assert "'0' is not a valid ESPN id" in warnings[0]
    _, api_warn = parse_scoreboard_api(b'{"leagues": []}', "u")
    assert api_warn == ["u: no 'events' list (not an ESPN scoreboard API response)"]


# --- crosswalk ---------------------------------------------------------------------------------
def schedule_of(text: str, tmp_path) -> pd.DataFrame:
    path = tmp_path / "s.csv"
    path.write_text(text)
    return load_schedule(str(path))


def test_crosswalk_matches_on_the_local_date(tmp_path):
    sched = schedule_of(
        f"{HEADER}\n22300001,,,2023-10-24,DEN,LAL\n22300002,,,2023-10-24,GSW,PHX\n22300003,,,2023-10-25,BOS,NYK\n",
        tmp_path,
    )
    espn, _ = parse_scoreboard_page(fixture("espn_page_scoreboard_evts_20231024.json"), "p")
    out, warnings = attach_espn_ids(sched, espn)
    assert list(out["espn_game_id"].fillna("-")) == ["401584689", "401584690", "-"]
    assert list(out["provenance"]) == ["user,espn_lake", "user,espn_lake", "user"]
    assert warnings == []
    again, _ = attach_espn_ids(out, espn)  # idempotent
    pd.testing.assert_frame_equal(again, out)


def test_crosswalk_second_id_postponed_and_clashes(tmp_path):
    sched = schedule_of(
        f"{HEADER},status,original_date,espn_game_id\n"
        "22300001,,,2023-10-24,DEN,LAL,final,,111\n"
        "22300002,,,2023-11-30,GSW,PHX,final,2023-10-24,\n"
        "22300003,,,2023-10-25,BOS,NYK,final,,401584999\n",
        tmp_path,
    )
    espn = pd.DataFrame(
        {
            "espn_game_id": ["401584689", "401584690", "401584999", "401584998"],
            "start_utc": pd.to_datetime(
                ["2023-10-24T23:30Z", "2023-10-25T02:00Z", "2023-10-25T23:30Z", "2023-10-26T23:30Z"], utc=True
            ),
            "home_team": ["DEN", "GSW", "MIA", "MIA"],
            "away_team": ["LAL", "PHX", "ORL", "ORL"],
            "status": ["final", "final", "final", "final"],
        }
    )
    out, warnings = attach_espn_ids(sched, espn)
    # a second id goes to espn_game_id_extra; the postponed game matched on its original date
    assert (out.loc[0, "espn_game_id"], out.loc[0, "espn_game_id_extra"]) == ("111", "401584689")
    assert out.set_index("game_id").loc["0022300002", "espn_game_id"] == "401584690"
    assert sorted(crosswalk(out)["espn_game_id"]) == ["111", "401584689", "401584690", "401584999"]
    # 401584999 is held by 22300003 and listed for nobody else; 401584998 matches no game
    assert len(warnings) == 1 and "401584998" in warnings[0] and "match no scheduled game" in warnings[0]


def test_postponed_listing_does_not_give_its_id_to_the_played_game(tmp_path):
    sched = schedule_of(f"{HEADER},status,original_date\n22300002,,,2023-11-30,GSW,PHX,final,2023-10-24\n", tmp_path)
    espn = pd.DataFrame(
        {
            "espn_game_id": ["5"],
            "start_utc": pd.to_datetime(["2023-10-25T02:00Z"], utc=True),
            "home_team": ["GSW"],
            "away_team": ["PHX"],
            "status": ["postponed"],
        }
    )
    out, _ = attach_espn_ids(sched, espn)
    assert out["espn_game_id"].isna().all()


def test_crosswalk_on_real_espn_ids(reference):
    """Real ESPN ids and NBA games of 2023-24 from the reference data (home = team_1)."""
    combined = pd.read_csv(reference / "espn_ids_davidxia3" / "nba_espn_combined.csv", dtype=str)
    season = combined.loc[combined["tournament"] == "NBA_2024"].head(300)
    dates = pd.to_datetime(season["date"], format="%d-%m-%Y")
    rows = pd.DataFrame(
        {
            "game_id": [f"00223{i:05d}" for i in range(1, len(season) + 1)],
            "season": "",
            "season_type": "",
            "game_date": dates.dt.strftime("%Y-%m-%d").to_numpy(),
            "home_team": season["team_1"].to_numpy(),
            "away_team": season["team_2"].to_numpy(),
        }
    )
    from nba_simulator.schedule.load import canonical

    sched = canonical(rows.astype("string"), provenance="user")
    # ESPN lists them at 7 pm Eastern, i.e. 00:00 UTC of the next day
    espn = pd.DataFrame(
        {
            "espn_game_id": season["espn_id"].to_numpy(),
            "start_utc": (dates + pd.Timedelta(hours=24)).dt.tz_localize("UTC").to_numpy(),
            "home_team": season["team_1"].to_numpy(),
            "away_team": season["team_2"].to_numpy(),
            "status": "final",
        }
    )
    from nba_simulator.schedule.teams import to_nba_abbrs

    espn["home_team"] = to_nba_abbrs(espn["home_team"], "2023-24").to_numpy()
    espn["away_team"] = to_nba_abbrs(espn["away_team"], "2023-24").to_numpy()
    out, warnings = attach_espn_ids(sched, espn)
    assert out["espn_game_id"].tolist() == season["espn_id"].tolist() and warnings == []


# --- ESPN ids in a user schedule ---------------------------------------------------------------
def test_zero_blank_and_non_numeric_espn_ids_dropped_with_a_warning(write_csv, caplog):
    path = write_csv(
        f"{HEADER},espn_game_id\n22300001,,,2023-10-24,DEN,LAL,0\n22300002,,,2023-10-24,GSW,PHX,\n"
        "22300003,,,2023-10-25,BOS,NYK,abc\n22300004,,,2023-10-25,MIA,ORL,401584700.0\n"
    )
    with caplog.at_level(logging.WARNING, logger="nba_simulator.schedule"):
        df = load_schedule(str(path))
    assert df["espn_game_id"].isna().sum() == 3
    assert df.loc[df["game_id"] == "0022300004", "espn_game_id"].item() == "401584700"
    assert f"{path}: espn_game_id '0' in line 2" in caplog.text and "'abc' in line 4" in caplog.text


def test_a_game_with_two_espn_ids_is_accepted(write_csv):
    two_rows = write_csv(
        f"{HEADER},espn_game_id\n21100001,,,2011-12-25,NYK,BOS,320101001\n21100001,,,2011-12-25,NYK,BOS,400277720\n",
        "a.csv",
    )
    extra_col = write_csv(
        f"{HEADER},espn_game_id,espn_game_id_extra\n21100001,,,2011-12-25,NYK,BOS,320101001,400277720\n", "b.csv"
    )
    for path in (two_rows, extra_col):
        df = load_schedule(str(path))
        assert len(df) == 1
        assert (df.loc[0, "espn_game_id"], df.loc[0, "espn_game_id_extra"]) == ("320101001", "400277720")
    shared = write_csv(
        f"{HEADER},espn_game_id,espn_game_id_extra\n21100001,,,2011-12-25,NYK,BOS,320101001,400277720\n"
        "21100002,,,2011-12-25,LAL,CHI,400277720,\n",
        "c.csv",
    )
    from nba_simulator.errors import ScheduleError

    with pytest.raises(ScheduleError, match="espn_game_id 400277720 is given to several games"):
        load_schedule(str(shared))


def test_provenance_column(write_csv, builtin):
    assert set(builtin["provenance"]) == {"packaged"}
    path = write_csv(
        f'{HEADER},provenance\n22300001,,,2023-10-24,DEN,LAL,"ESPN_LAKE, user"\n22300002,,,2023-10-24,GSW,PHX,\n'
    )
    df = load_schedule(str(path))
    assert df["provenance"].tolist() == ["user,espn_lake", "user"]
    bad = write_csv(f"{HEADER},provenance\n22300001,,,2023-10-24,DEN,LAL,rumour\n", "bad.csv")
    from nba_simulator.errors import ScheduleError

    with pytest.raises(ScheduleError, match="bad provenance 'rumour' in line 2"):
        load_schedule(str(bad))
