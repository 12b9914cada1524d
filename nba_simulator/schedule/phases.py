"""Season and season type of a game known only by its date and teams: a game the lake's
scoreboard pages list that no source with NBA ids knows (yet).

What the page itself says wins (``sources.espn``: ESPN's ``season``); otherwise, in order:

1. **the schedule's known phases**: a date inside the span (first..last game) of exactly one
   season type of that season in the schedule at hand is that type;
2. **the league calendar**: the part of each season when only one type is played
   (:data:`CALENDAR`: preseason to 12 October, regular season 25 October..8 April, playoffs
   22 April..30 June), with the irregular seasons spelt out (:data:`IRREGULAR`: 1998-99, 2011-12,
   2019-20 with its 2020 bubble, 2020-21);
3. a game against a club outside the NBA before November is a preseason exhibition.

Anything else stays ``NA``, undecided: the last week of preseason against the first of the
regular season, the end of the regular season against play-in and the first playoff round, a
lone December game of a Cup season (the Cup final is its own type). Undecided games are counted
under "cannot be judged", never guessed. Everything is vectorised: linear in the games.
"""
from __future__ import annotations

import pandas as pd

from .. import seasons as season_math
from . import teams

#: type -> ((year offset, month, day) first day, (year offset, month, day) last day): the days when
#: only that type is played in a regular season (year offset 0: the season's start year)
CALENDAR = {
    "preseason": ((0, 8, 1), (0, 10, 12)),
    "regular": ((0, 10, 25), (1, 4, 8)),
    "playoffs": ((1, 4, 22), (1, 6, 30)),
}
#: seasons that did not follow the calendar: (type, first day, last day), every phase listed
IRREGULAR = {
    "1998-99": [("preseason", "1999-01-01", "1999-02-04"), ("regular", "1999-02-05", "1999-05-05"),
                ("playoffs", "1999-05-08", "1999-06-25")],
    "2011-12": [("preseason", "2011-12-16", "2011-12-21"), ("regular", "2011-12-25", "2012-04-26"),
                ("playoffs", "2012-04-28", "2012-06-21")],
    "2019-20": [("preseason", "2019-09-30", "2019-10-18"), ("regular", "2019-10-22", "2020-03-11"),
                ("regular", "2020-07-30", "2020-08-14"), ("play_in", "2020-08-15", "2020-08-15"),
                ("playoffs", "2020-08-17", "2020-10-11")],
    "2020-21": [("preseason", "2020-12-11", "2020-12-19"), ("regular", "2020-12-22", "2021-05-16"),
                ("play_in", "2021-05-18", "2021-05-21"), ("playoffs", "2021-05-22", "2021-07-20")],
}
#: dates of one season filed under another by the August rule (the 2020 bubble: 2019-20)
SEASON_OVERRIDES = (("2020-08-01", "2020-10-11", "2019-20"),)
CUP_FIRST_SEASON = 2023     # the NBA Cup (its final: season type cup_final) from 2023-24
CUP_FINAL_WINDOW = ((12, 7), (12, 20))


def seasons_of(dates: pd.Series) -> pd.Series:
    """The season label of each (local) game date: the August rule, with the 2020 bubble in 2019-20."""
    d = pd.to_datetime(dates)
    out = season_math.of_dates(d).astype("string")
    for first, last, season in SEASON_OVERRIDES:
        out = out.mask((d >= pd.Timestamp(first)) & (d <= pd.Timestamp(last)), season)
    return out


def nba_clubs() -> frozenset:
    """Every NBA Stats abbreviation of every era."""
    return frozenset(teams.team_table()["nba_abbr"].dropna())


def season_types(games: pd.DataFrame, known: pd.DataFrame | None = None) -> pd.Series:
    """The season type of each game (``game_date``, ``season``, ``home_team``, ``away_team``,
    and ``season_type`` where already said: kept), from ``known`` (a canonical schedule: its
    phases) and the calendar; ``NA`` where undecided (see the module doc)."""
    out = games["season_type"].astype("string").copy() if "season_type" in games else \
        pd.Series(pd.NA, index=games.index, dtype="string")
    day = pd.to_datetime(games["game_date"])
    season = games["season"].astype("string")
    todo = out.isna() & day.notna() & season.notna()
    if not todo.any():
        return out
    # 1. the schedule's own phases: exactly one type's span holds the date
    if known is not None and len(known):
        k = known.dropna(subset=["season", "season_type", "game_date"])
        spans = k.groupby(["season", "season_type"], observed=True)["game_date"].agg(["min", "max"]).reset_index()
        rows = pd.DataFrame({"pos": range(len(games)), "season": season.array, "day": day.array})[todo.to_numpy()]
        hits = rows.merge(spans, on="season", how="inner")
        hits = hits[(hits["day"] >= hits["min"]) & (hits["day"] <= hits["max"])]
        one = hits.drop_duplicates("pos", keep=False)
        out.iloc[one["pos"].to_numpy()] = one["season_type"].to_numpy()
        todo = out.isna() & day.notna() & season.notna()
    if not todo.any():
        return out
    # 2. the calendar (regular seasons), then the irregular ones spelt out
    start = pd.to_numeric(season.str[:4], errors="coerce")
    irregular = season.isin(list(IRREGULAR)).fillna(False).astype(bool)
    for kind, (lo, hi) in CALENDAR.items():
        first = _dates(start + lo[0], lo[1], lo[2])
        last = _dates(start + hi[0], hi[1], hi[2])
        inside = todo & ~irregular & (day >= first) & (day <= last)
        out = out.mask(inside, kind)
    for name, windows in IRREGULAR.items():
        for kind, first, last in windows:
            inside = todo & (season == name) & (day >= pd.Timestamp(first)) & (day <= pd.Timestamp(last))
            out = out.mask(inside.fillna(False).astype(bool), kind)
    # a lone December game of a Cup season may be the Cup final: undecided unless said
    lone = day.map(day.value_counts()) == 1
    (m0, d0), (m1, d1) = CUP_FINAL_WINDOW
    md = day.dt.month * 100 + day.dt.day
    cup = todo & (start >= CUP_FIRST_SEASON) & lone & (md >= m0 * 100 + d0) & (md <= m1 * 100 + d1)
    out = out.mask(cup.fillna(False).astype(bool), pd.NA)
    # 3. a club outside the NBA: a preseason exhibition before November; else undecided
    clubs = nba_clubs()
    foreign = ~(games["home_team"].isin(clubs) & games["away_team"].isin(clubs))
    early = (day.dt.month >= 8) & (day.dt.month <= 10)
    out = out.mask(todo & foreign & early, "preseason").mask(todo & foreign & ~early, pd.NA)
    return out.astype("string")


def _dates(years: pd.Series, month: int, day: int) -> pd.Series:
    return pd.to_datetime(pd.DataFrame({"year": years, "month": month, "day": day}), errors="coerce")
