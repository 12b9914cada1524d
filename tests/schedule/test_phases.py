"""schedule.phases: the opening night read off the listed dates, what an undecided game may be, and
which datasets judge it (every candidate among their season types)."""

from __future__ import annotations

import pandas as pd

from nba_simulator.schedule import phases


def _games(dates, home="BOS", away="NYK") -> pd.DataFrame:
    g = pd.DataFrame({"game_date": pd.to_datetime(dates), "home_team": home, "away_team": away})
    g["season"] = phases.seasons_of(g["game_date"])
    return g


# 2025-26 as played: preseason to Friday 17 October, nothing on the 18th..20th, opening Tuesday 21st
PRESEASON = ["2025-10-02", "2025-10-13", "2025-10-14", "2025-10-15", "2025-10-16", "2025-10-17"]
OPENING = ["2025-10-21", "2025-10-22", "2025-10-23", "2025-10-24"]


def test_the_opening_night_splits_the_october_window():
    g = _games(PRESEASON + OPENING)
    assert phases.opening_nights(g["game_date"], g["season"]) == {"2025-26": pd.Timestamp("2025-10-21")}
    types = phases.season_types(g)
    assert types.tolist() == ["preseason"] * len(PRESEASON) + ["regular"] * len(OPENING)
    assert phases.candidate_types(g, types).isna().all()


def test_a_lake_without_the_preseason_opens_on_its_first_tuesday():
    """The season's pages begin with the opening night (no preseason scraped), or the preseason
    is listed only before the window: the Tuesday after two idle days is still told."""
    late = _games(OPENING)
    assert phases.opening_nights(late["game_date"], late["season"]) == {"2025-26": pd.Timestamp("2025-10-21")}
    assert phases.season_types(late).tolist() == ["regular"] * len(OPENING)
    early = _games(["2025-10-02", "2025-10-08"] + OPENING)
    assert phases.season_types(early).tolist() == ["preseason"] * 2 + ["regular"] * len(OPENING)
    # a first listed day that is a Wednesday: its Tuesday may be a missing page or a preseason day
    wed = _games(OPENING[1:])
    assert phases.opening_nights(wed["game_date"], wed["season"]) == {}
    assert phases.season_types(wed).isna().all()


def test_no_clear_opening_night_leaves_the_window_undecided():
    # a game on the Monday before the only Tuesday: nothing told
    late = _games(["2025-10-20", "2025-10-21", "2025-10-22"])
    assert phases.opening_nights(late["game_date"], late["season"]) == {}
    # two Tuesdays after two idle days each: ambiguous
    two = _games(["2025-10-13", "2025-10-14", "2025-10-17", "2025-10-21", "2025-10-24", "2025-10-28"])
    assert phases.opening_nights(two["game_date"], two["season"]) == {}
    types = phases.season_types(two)
    assert types.iloc[:5].isna().all() and types.iloc[5] == "regular"
    assert (phases.candidate_types(two, types).iloc[:5] == "preseason|regular").all()
    # a Wednesday with a game on the Monday before is no opening night
    wed = _games(["2025-10-13", "2025-10-15", "2025-10-20", "2025-10-22"])
    assert phases.opening_nights(wed["game_date"], wed["season"]) == {}


def test_the_schedules_own_dates_count_as_listed():
    """The lake-only games of the window and the schedule's games of the same season together."""
    lake = _games(["2025-10-14", "2025-10-16"])
    known = _games(["2025-10-21", "2025-10-23"]).assign(season_type="regular")
    assert phases.season_types(lake, known).tolist() == ["preseason", "preseason"]


def test_candidates_of_each_window():
    g = _games(
        ["2026-10-15", "2026-12-15", "2027-04-10", "2027-04-20", "2019-04-12", "2020-08-16", "2027-02-15", "2026-11-10"]
    )
    g.loc[6, ["home_team", "away_team"]] = ["EST", "WST"]  # all-star teams: anything
    types = phases.season_types(g)
    assert types.iloc[7] == "regular" and types.iloc[:7].isna().all()
    assert phases.candidate_types(g, types).tolist()[:7] == [
        "preseason|regular",
        "regular|cup_final",
        "regular|play_in|playoffs",
        "regular|play_in|playoffs",
        "regular|playoffs",  # before 2020-21: no play-in
        "play_in|playoffs",  # the 2020 bubble: between its play-in and its playoffs
        pd.NA,
    ]


def test_judged_by_every_candidate():
    g = _games(["2026-10-15", "2026-12-15", "2027-04-12", "2026-11-10", "2027-02-15"])
    g.loc[4, ["home_team", "away_team"]] = ["EST", "WST"]
    g["season_type"] = phases.season_types(g)
    g[phases.CANDIDATES] = phases.candidate_types(g, g["season_type"])
    espn = phases.judged_by(g, ("regular", "cup_final", "play_in", "playoffs")).tolist()
    bbref = phases.judged_by(g, ("regular", "playoffs")).tolist()
    assert espn == [False, True, True, True, False]
    assert bbref == [False, False, False, True, False]
    assert phases.judged_by(g.drop(columns=[phases.CANDIDATES]), ("regular",)).tolist() == [
        False,
        False,
        False,
        True,
        False,
    ]
    assert phases.undecided_label(g["season_type"]).tolist() == [phases.UNDECIDED] * 3 + ["regular", "undecided"]


def test_a_missing_opening_night_page_the_next_listed_day_stands_for_it():
    g = _games(PRESEASON + OPENING[1:])  # no page for Tuesday the 21st
    assert phases.opening_nights(g["game_date"], g["season"]) == {"2025-26": pd.Timestamp("2025-10-22")}
    assert phases.season_types(g).tolist() == ["preseason"] * len(PRESEASON) + ["regular"] * 3
    # the Tuesday listed: it is the opening night, not the Wednesday after it
    both = _games(PRESEASON + OPENING)
    assert phases.opening_nights(both["game_date"], both["season"])["2025-26"].day_of_week == 1


def test_an_exhibition_after_the_opening_night_is_no_regular_game():
    g = _games(PRESEASON + OPENING)
    g.loc[len(PRESEASON) + 1, "away_team"] = "MACCABI"  # 22 October, against a club outside the NBA
    types = phases.season_types(g)
    assert types.iloc[len(PRESEASON) + 1] == "preseason" and types.iloc[len(PRESEASON)] == "regular"
