"""NBA Stats game logs, the league's schedule document, merging with precedence; hostile input."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from nba_simulator.schedule.load import canonical
from nba_simulator.schedule.merge import merge_sources
from nba_simulator.schedule.sources.league_schedule import parse_schedule_league_v2
from nba_simulator.schedule.sources.nbastats import parse_league_game_log
from nba_simulator.schedule.update import _canon

FIXTURES = Path(__file__).parent / "fixtures"


def test_league_game_log_real_response():
    frame, warnings = parse_league_game_log(
        (FIXTURES / "nbastats_leaguegamelog_2025-26_regular.json").read_bytes(), "u"
    )
    assert len(frame) == 39 and set(frame["status"]) == {"final"}
    row = frame.set_index("game_id").loc["0022500002"]
    assert (row["game_date"], row["home_team"], row["away_team"]) == ("2025-10-21", "LAL", "GSW")
    # the Berlin game: both rows say "@"; the first row's reading is kept, with a warning
    assert frame.set_index("game_id").loc["0022500578", "home_team"] == "ORL"
    assert len(warnings) == 1 and "0022500578" in warnings[0]


def test_league_game_log_unplayed_game_is_cancelled_and_bad_rows_warn():
    doc = json.loads((FIXTURES / "nbastats_leaguegamelog_2025-26_regular.json").read_text())
    rows = doc["resultSets"][0]["rowSet"][:2]
    h = doc["resultSets"][0]["headers"]
    for r in rows:  # the 2012-13 BOS-IND game: no WL, no points
        r[h.index("WL")], r[h.index("PTS")] = None, 0
    doc["resultSets"][0]["rowSet"] = rows + [["junk"], rows[0][:6] + ["LAL versus GSW"] + rows[0][7:]]
    frame, warnings = parse_league_game_log(json.dumps(doc).encode(), "u")
    assert frame["status"].tolist() == ["cancelled"]
    assert any("malformed rows" in w for w in warnings) and any("unreadable MATCHUP" in w for w in warnings)
    assert parse_league_game_log(b'{"resultSets": []}', "v").warnings == ["v: no LeagueGameLog result set"]


def test_schedule_document_statuses_labels_and_skips():
    frame, warnings = parse_schedule_league_v2(
        (FIXTURES / "world" / "scheduleleaguev2_2025-26_v1.json").read_bytes(), "s"
    )
    f = frame.set_index("game_id")
    assert f.loc["0022500583", "status"] == "postponed" and f.loc["0022500586", "status"] == "cancelled"
    assert f.loc["0062500001", "label"].startswith("Emirates NBA Cup / Championship")
    assert f.loc["0052500101", ["status", "game_date"]].tolist() == ["scheduled", "2026-04-14"]
    assert "0052500111" not in f.index and any("not known yet" in w for w in warnings)
    # the nba_api copy of a real 2020-21 document: dates from gameDateEst
    real, _ = parse_schedule_league_v2((FIXTURES / "nba_api_scheduleleaguev2_2020_21_trimmed.json").read_bytes(), "r")
    assert real.loc[0, ["game_id", "game_date", "home_team", "away_team", "status"]].tolist() == [
        "0012000001",
        "2020-12-11",
        "ATL",
        "ORL",
        "final",
    ]


def test_hostile_schedule_entries_are_skipped_not_fatal():
    doc = json.loads((FIXTURES / "world" / "scheduleleaguev2_2025-26_v1.json").read_text())
    games = doc["leagueSchedule"]["gameDates"][0]["games"]
    games.append(dict(games[0], gameId="abc"))
    games.append(dict(games[0], gameId="0022599999", gameDateEst="someday", gameDateTimeUTC="never"))
    games.append(dict(games[0], gameId="0022599998", homeTeam=None))
    games.append("junk")
    doc["leagueSchedule"]["gameDates"].append({"gameDate": "x"})
    frame, warnings = parse_schedule_league_v2(json.dumps(doc).encode(), "s")
    w: list[str] = []
    out = _canon(frame, "league_schedule", "s", w)
    assert len(w) == 1 and w[0].startswith("s: 1 games with a malformed id, date or team skipped")
    assert not out["game_id"].str.contains("abc").any() and any("without a date" in x for x in warnings)
    assert "0022599998" not in set(out["game_id"]) and len(out) >= 40
    assert parse_schedule_league_v2(b"[1, 2]", "z").warnings[0].startswith("z: no leagueSchedule.gameDates")


def frame_of(rows: str, provenance: str) -> pd.DataFrame:
    cols = ["game_id", "game_date", "home_team", "away_team", "status", "espn_game_id"]
    raw = pd.DataFrame([r.split(",") for r in rows.strip().splitlines()], columns=cols).replace("", pd.NA)
    return canonical(raw.assign(season=pd.NA, season_type=pd.NA).astype("string"), provenance=provenance)


def test_merge_precedence_dates_ids_and_provenance():
    packaged = frame_of(
        """
0021500654,2016-01-23,PHI,LAL,final,
0021500001,2015-10-27,ATL,DET,final,400827888
""",
        "packaged",
    )
    gamelog = frame_of(
        """
0021500654,2016-01-24,PHI,LAL,final,
0021500001,2015-10-27,ATL,DET,final,
""",
        "nbastats_gamelog",
    )
    league = frame_of("0021500002,2015-10-27,CHI,CLE,scheduled,\n", "league_schedule")
    out, warnings = merge_sources([("packaged", packaged), ("nbastats_gamelog", gamelog), ("league_schedule", league)])
    g = out.set_index("game_id")
    # the blizzard game: played a day later than first scheduled
    assert str(g.loc["0021500654", "game_date"].date()) == "2016-01-24"
    assert str(g.loc["0021500654", "original_date"].date()) == "2016-01-23"
    assert g.loc["0021500654", "bbref_game_id"] == "201601240PHI"  # derived again for the new date
    assert g.loc["0021500001", "espn_game_id"] == "400827888"
    assert g.loc["0021500001", "provenance"] == "packaged,nbastats_gamelog"
    assert g.loc["0021500002", "provenance"] == "league_schedule" and warnings == []
