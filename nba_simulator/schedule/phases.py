"""Season and season type of a game known only by its date and teams: a game the lake's
scoreboard pages list that no source with NBA ids knows (yet).

What the page itself says wins (``sources.espn``: ESPN's ``season``, a game's notes); otherwise,
in order:

1. **the schedule's known phases**: a date inside the span (first..last game) of exactly one
   season type of that season in the schedule at hand is that type;
2. **the opening night** (:func:`opening_nights`): since 2010-11 every regular season but the
   irregular ones opened on a Tuesday in mid/late October, after a preseason ending on a Friday
   or Saturday. Within 13..31 October of a season, the listed game dates (the pages' games and
   the schedule's) tell it when exactly one Tuesday there has games, no game on the two days
   before it, and games earlier in that window: games from that Tuesday on are regular season,
   earlier ones (from 13 October) preseason. When that Tuesday's page is missing, the first
   listed day after it (a Wednesday or Thursday, nothing listed from the Sunday before) stands
   for it. No such day, or two: nothing is decided. A lake without the preseason's pages (or
   listing it only before 13 October): the window's first listed day, a Tuesday after two idle
   days, is the opening night;
3. **the league calendar**: the part of each season when only one type is played
   (:data:`CALENDAR`: preseason to 12 October, regular season 25 October..8 April, playoffs
   22 April..30 June), with the irregular seasons spelt out (:data:`IRREGULAR`: 1998-99, 2011-12,
   2019-20 with its 2020 bubble, 2020-21);
4. a game against a club outside the NBA before November is a preseason exhibition.

Anything else stays ``NA``, undecided, never guessed; but :func:`candidate_types` names what it
can be (``season_type_candidates``, e.g. ``preseason|regular``): 13..24 October preseason or
regular season (:data:`OPEN_WINDOWS`), 9..21 April regular season, play-in (from 2020-21,
:data:`PLAY_IN_FIRST_SEASON`) or playoffs, a lone December game of a Cup season regular season
or Cup final, a day between two phases of an irregular season either of them. A dataset whose
``season_types`` hold every candidate owes the game the same file whichever it is, so it judges
it (``coverage.expected``: season type :data:`UNDECIDED`); the others count it under "cannot be
judged: type unknown" with the candidates. A game with no candidate (a club outside the NBA after
October...) is judged by none. Everything is vectorised, but for a loop over the seasons.
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
    "1998-99": [
        ("preseason", "1999-01-01", "1999-02-04"),
        ("regular", "1999-02-05", "1999-05-05"),
        ("playoffs", "1999-05-08", "1999-06-25"),
    ],
    "2011-12": [
        ("preseason", "2011-12-16", "2011-12-21"),
        ("regular", "2011-12-25", "2012-04-26"),
        ("playoffs", "2012-04-28", "2012-06-21"),
    ],
    "2019-20": [
        ("preseason", "2019-09-30", "2019-10-18"),
        ("regular", "2019-10-22", "2020-03-11"),
        ("regular", "2020-07-30", "2020-08-14"),
        ("play_in", "2020-08-15", "2020-08-15"),
        ("playoffs", "2020-08-17", "2020-10-11"),
    ],
    "2020-21": [
        ("preseason", "2020-12-11", "2020-12-19"),
        ("regular", "2020-12-22", "2021-05-16"),
        ("play_in", "2021-05-18", "2021-05-21"),
        ("playoffs", "2021-05-22", "2021-07-20"),
    ],
}
#: dates of one season filed under another by the August rule (the 2020 bubble: 2019-20)
SEASON_OVERRIDES = (("2020-08-01", "2020-10-11", "2019-20"),)
CUP_FIRST_SEASON = 2023  # the NBA Cup (its final: season type cup_final) from 2023-24
CUP_FINAL_WINDOW = ((12, 7), (12, 20))
PLAY_IN_FIRST_SEASON = 2020  # the play-in tournament (season type play_in) from 2020-21
#: the days between CALENDAR's windows of a regular season, and the types a game there may be
OPEN_WINDOWS = (
    ((0, 10, 13), (0, 10, 24), ("preseason", "regular")),
    ((1, 4, 9), (1, 4, 21), ("regular", "play_in", "playoffs")),
)
#: where an opening night is read off the listed dates ((month, day) first and last day), and
#: the first season the rule is known to hold for
OPENING_WINDOW = ((10, 13), (10, 31))
OPENING_FIRST_SEASON = 2010
#: the order candidates are written in (``preseason|regular``)
TYPE_ORDER = ("preseason", "regular", "cup_final", "all_star", "play_in", "playoffs")
#: the season type of an expected item whose game's type is undecided but judged alike under
#: every candidate (the candidates are said in the item's ``detail``)
UNDECIDED = "undecided"
CANDIDATES = "season_type_candidates"


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
    out = (
        games["season_type"].astype("string").copy()
        if "season_type" in games
        else pd.Series(pd.NA, index=games.index, dtype="string")
    )
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
    start = pd.to_numeric(season.str[:4], errors="coerce")
    irregular = season.isin(list(IRREGULAR)).fillna(False).astype(bool)
    # 2. the opening night, read off the listed dates
    listed = (
        games[["game_date", "season"]]
        if known is None
        else pd.concat([games[["game_date", "season"]], known[["game_date", "season"]]], ignore_index=True)
    )
    nights = opening_nights(listed["game_date"], listed["season"])
    if nights:  # games of two NBA clubs (an exhibition against another club: rule 4)
        night = pd.to_datetime(season.map(nights))
        (m0, d0), (m1, d1) = OPENING_WINDOW
        nba = (games["home_team"].isin(nba_clubs()) & games["away_team"].isin(nba_clubs())).fillna(False)
        inside = (
            todo & nba.astype(bool) & night.notna() & (day >= _dates(start, m0, d0)) & (day <= _dates(start, m1, d1))
        )
        out = out.mask(inside & (day < night), "preseason").mask(inside & (day >= night), "regular")
        todo = out.isna() & day.notna() & season.notna()
    # 3. the calendar (regular seasons), then the irregular ones spelt out
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
    out = out.mask(todo & _cup_final_possible(day, start), pd.NA)
    # 4. a club outside the NBA: a preseason exhibition before November; else undecided
    clubs = nba_clubs()
    foreign = ~(games["home_team"].isin(clubs) & games["away_team"].isin(clubs))
    early = (day.dt.month >= 8) & (day.dt.month <= 10)
    out = out.mask(todo & foreign & early, "preseason").mask(todo & foreign & ~early, pd.NA)
    return out.astype("string")


def opening_nights(dates: pd.Series, seasons: pd.Series) -> dict[str, pd.Timestamp]:
    """Season -> its opening night read off the dates with a listed game (see the module doc,
    rule 2): the one Tuesday of 13..31 October with games, none on the two days before, and
    games earlier in that window (or, its page missing, the Wednesday or Thursday after it with
    nothing listed from the Sunday on); failing that, a Tuesday that is the window's first listed
    day, none on the two days before (a lake without the preseason's pages, or whose preseason is
    listed only before 13 October). Irregular seasons, or no single day fits: none."""
    frame = (
        pd.DataFrame({"d": pd.to_datetime(dates).dt.normalize().array, "s": pd.Series(seasons).astype("string").array})
        .dropna()
        .drop_duplicates()
    )
    frame = frame[~frame["s"].isin(list(IRREGULAR))]
    start = pd.to_numeric(frame["s"].str[:4], errors="coerce")
    (m0, d0), (m1, d1) = OPENING_WINDOW
    window = (
        (frame["d"] >= _dates(start, m0, d0)) & (frame["d"] <= _dates(start, m1, d1)) & (start >= OPENING_FIRST_SEASON)
    )
    frame = frame.assign(window=window.fillna(False).astype(bool))
    out: dict[str, pd.Timestamp] = {}
    for name, season in frame.groupby("s"):
        have = set(season["d"])  # every listed day of the season, not only the window's
        days = sorted(season.loc[season["window"], "d"])
        if not days:
            continue
        idle = [
            t
            for t in days
            if 1 <= t.day_of_week <= 3
            and not any(t - pd.Timedelta(days=k) in have for k in range(1, t.day_of_week + 2))
        ]
        after_games = [t for t in idle if days[0] < t]
        if len(after_games) == 1:
            out[str(name)] = after_games[0]
        elif not after_games and idle[:1] == days[:1] and days[0].day_of_week == 1:
            out[str(name)] = days[0]  # the window's pages begin with it: no preseason listed there
    return out


def candidate_types(games: pd.DataFrame, decided: pd.Series) -> pd.Series:
    """What each undecided game (``decided`` NA) may be, as ``a|b`` in :data:`TYPE_ORDER`
    (see the module doc); NA where decided or where no candidate can be named."""
    day = pd.to_datetime(games["game_date"])
    season = games["season"].astype("string")
    start = pd.to_numeric(season.str[:4], errors="coerce")
    todo = (decided.isna() & day.notna() & season.notna()).fillna(False).astype(bool)
    out = pd.Series(pd.NA, index=games.index, dtype="string")
    if not todo.any():
        return out
    clubs = nba_clubs()
    nba = (games["home_team"].isin(clubs) & games["away_team"].isin(clubs)).fillna(False).astype(bool)
    irregular = season.isin(list(IRREGULAR)).fillna(False).astype(bool)
    todo = todo & nba
    for lo, hi, kinds in OPEN_WINDOWS:
        inside = (
            todo
            & ~irregular
            & (day >= _dates(start + lo[0], lo[1], lo[2]))
            & (day <= _dates(start + hi[0], hi[1], hi[2]))
        )
        if "play_in" in kinds:
            without = tuple(k for k in kinds if k != "play_in")
            out = out.mask(inside & (start < PLAY_IN_FIRST_SEASON), _label(without))
            inside = inside & (start >= PLAY_IN_FIRST_SEASON)
        out = out.mask(inside, _label(kinds))
    out = out.mask(todo & ~irregular & _cup_final_possible(day, start), _label(("regular", "cup_final")))
    for name, windows in IRREGULAR.items():
        spans = sorted((pd.Timestamp(a), pd.Timestamp(b), k) for k, a, b in windows)
        for (_, end, before), (begin, _, after) in zip(spans, spans[1:]):
            inside = todo & (season == name) & (day > end) & (day < begin)
            out = out.mask(inside.fillna(False).astype(bool), _label((before, after)))
    return out.astype("string")


def judged_by(games: pd.DataFrame, types) -> pd.Series:
    """Which games a dataset of season types ``types`` judges: their type is one of them, or it
    is undecided and every candidate (``season_type_candidates``) is one of them."""
    said = games["season_type"].isin(list(types)).fillna(False).astype(bool)
    if CANDIDATES not in games:
        return said
    maybe = games[CANDIDATES].where(games["season_type"].isna())
    allowed = set(types)
    fits = {c: set(str(c).split("|")) <= allowed for c in maybe.dropna().unique()}
    return said | maybe.map(fits).fillna(False).astype(bool)


def undecided_label(types: pd.Series) -> pd.Series:
    """Season types as an expected item files them: an undecided one as :data:`UNDECIDED`."""
    return types.astype(object).where(types.notna(), UNDECIDED)


def _label(kinds) -> str:
    return "|".join(k for k in TYPE_ORDER if k in set(kinds))


def _cup_final_possible(day: pd.Series, start: pd.Series) -> pd.Series:
    """A lone game (no other game of ``day``'s frame that date) in the Cup final's December
    window of a Cup season."""
    lone = day.map(day.value_counts()) == 1
    (m0, d0), (m1, d1) = CUP_FINAL_WINDOW
    md = day.dt.month * 100 + day.dt.day
    cup = (start >= CUP_FIRST_SEASON) & lone & (md >= m0 * 100 + d0) & (md <= m1 * 100 + d1)
    return cup.fillna(False).astype(bool)


def _dates(years: pd.Series, month: int, day: int) -> pd.Series:
    return pd.to_datetime(pd.DataFrame({"year": years, "month": month, "day": day}), errors="coerce")
