"""A lake in the real bucket's layout (``../shared/docs/domain.md``), small enough for a test.

``build_real_lake(root, truth, as_of=...)`` writes, for a chosen set of game dates, every file the
team's bucket would hold for the games of ``truth`` (a canonical schedule: the games that really
happened, whether or not the tool's schedule knows them):

* ESPN game pages under ``espn_play_by_play/``, ``espn_box_scores/``, ``espn_team_stats/`` (and the
  old ``pbp/``, ``box_scores/``, ``team_stats/`` layouts for games before 2011-12), named by
  real-looking ESPN ids: legacy ``YYMMDDTTT`` ids (date + the home team's ESPN number) before
  2011-12, ``400xxxxxx`` ids for 2011-12..2017-18, ``401xxxxxx`` from 2018-19; some 2011-12 games
  under both schemes (the double scheme: one scoreboard lists one id, the other the other);
* one ESPN scoreboard page per game date (``espn_schedules/YYYYMMDD.json``; ``schedule/`` for
  older dates, some of them with ``page.content.schedule`` instead of ``events``): the games under
  ``page.content.events`` {YYYYMMDD: [{id, date (UTC: evening games fall on the next UTC day),
  competitors [{isHome, abbrev (ESPN's codes: GS, NO, NY, SA, UTAH, WSH), displayName, score}],
  status}]};
* NBA Stats advanced box scores and play-by-play, the daily ``nba_api_incremental/{date}/``
  folders of the season in progress, hoopR season Parquet files (named by the season's end
  year), Basketball-Reference box scores (``box_scores/{season_end}/{bbref_game_id}.json``);
* a few objects under the non-data prefixes (``inventory-reports/``...), which must never count.

Planted missing files (``RealLake.planted``: dataset -> items) in every dataset, among them games
of the season in progress. Modification times are set after each game ended (never premature).
Test support only: the package never imports it.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import pandas as pd

from nba_simulator import seasons as season_math
from nba_simulator.schedule import teams

ESPN_DATASETS = ("espn_play_by_play", "espn_box_scores", "espn_team_stats")
ESPN_FOLDERS = {
    "espn_play_by_play": ("espn_play_by_play", "pbp"),
    "espn_box_scores": ("espn_box_scores", "box_scores"),
    "espn_team_stats": ("espn_team_stats", "team_stats"),
}
NEW_SCHEME_FROM = 2011  # 2011-12 on: 400... / 401... ids
ERA_401_FROM = 2018  # 2018-19 on: 401...
NON_DATA = (
    "inventory-reports/nba-lake/2026-11-30/manifest.json",
    "athena-results/q1.csv",
    "backups/espn_play_by_play/401584800.json",
    "ml-models/win_prob/model.pkl",
)


@dataclass
class RealLake:
    root: Path
    lake: Path
    as_of: str
    truth: pd.DataFrame  # the games written (canonical columns + espn_game_id(_extra))
    scoreboard_dates: set  # local dates (Timestamp) with a scoreboard file in the lake
    planted: dict = field(default_factory=dict)  # dataset -> list of planted-missing items
    n_objects: int = 0


@lru_cache(maxsize=1)
def espn_team_numbers() -> dict[str, int]:
    """Each franchise's ESPN number (1..30), by any of its spellings: stable, not ESPN's own."""
    table = teams.team_table()
    ids = sorted(table["team_id"].unique())
    number = {tid: i + 1 for i, tid in enumerate(ids)}
    out = {}
    for row in table.itertuples():
        for code in (row.nba_abbr, row.bbref_code, row.espn_abbr):
            if isinstance(code, str):
                out[code] = number[row.team_id]
    return out


def assign_espn_ids(games: pd.DataFrame) -> pd.DataFrame:
    """Real-looking ESPN ids per game (see the module doc), unique; 2011-12 games get a legacy id
    too in ``espn_game_id_extra`` for about one game in five."""
    numbers = espn_team_numbers()
    g = games.sort_values(["game_date", "game_id"], kind="stable").copy()
    start = g["season"].str[:4].astype(int)
    rank = g.groupby("season").cumcount()
    legacy = [
        f"{d.year - 1980:02d}{d.month:02d}{d.day:02d}{numbers.get(h, 0):03d}"
        for d, h in zip(pd.to_datetime(g["game_date"]), g["home_team"])
    ]
    new = [
        str(
            (
                401000000 + (y - ERA_401_FROM) * 100000
                if y >= ERA_401_FROM
                else 400000000 + (y - NEW_SCHEME_FROM) * 100000 + 20000
            )
            + r
        )
        for y, r in zip(start, rank)
    ]
    g["espn_game_id"] = pd.array(
        [n if y >= NEW_SCHEME_FROM else old for y, n, old in zip(start, new, legacy)], dtype="string"
    )
    double = (start == NEW_SCHEME_FROM) & (rank % 5 == 0)
    g["espn_game_id_extra"] = pd.array([old if d else pd.NA for d, old in zip(double, legacy)], dtype="string")
    return g.sort_index()


def _pad(doc: dict, size: int) -> bytes:
    text = json.dumps(doc)
    return (text[:-1] + ', "pad": "' + "x" * max(0, size - len(text)) + '"}').encode()


def _espn_page(espn_id: str, kind: str) -> bytes:
    body = {
        "pbp": {"playGrps": [[{"id": f"{espn_id}1", "text": "Jump ball"}]]},
        "bxscr": [{"tm": {"abbrev": "X"}, "stats": []}],
        "gmLdrs": [{"name": "points"}],
    }
    return _pad({"page": {"content": {"gamepackage": {"gmStrp": {"gid": espn_id}, kind: body[kind]}}}}, 1400)


def _start_utc(day: pd.Timestamp, home: str) -> str:
    """19:30 or 22:30 US Eastern (00:30Z / 03:30Z the next UTC day), stable per home team."""
    late = int(hashlib.md5(home.encode()).hexdigest(), 16) % 2
    t = day + pd.Timedelta(hours=24 + (3 if late else 0), minutes=30)
    return t.strftime("%Y-%m-%dT%H:%MZ")


def scoreboard_page(
    day: pd.Timestamp, games: pd.DataFrame, id_col: str = "espn_game_id", block: str = "events"
) -> bytes:
    """One ESPN scoreboard web page saved as JSON (``page.content.<block>`` {YYYYMMDD: [...]})."""
    if "home_espn" in games:
        home_e, away_e = games["home_espn"], games["away_espn"]
    else:
        season = season_math.of_date(day)
        home_e = teams.espn_abbrs(games["home_team"], season)
        away_e = teams.espn_abbrs(games["away_team"], season)
    names = _team_names()
    events = []
    for g, he, ae in zip(games.itertuples(), home_e, away_e):
        hs, as_ = 100 + int(g.game_id[-2:]) % 20, 95 + int(g.game_id[-3:-1]) % 20
        events.append(
            {
                "id": getattr(g, id_col),
                "date": _start_utc(day, g.home_team),
                "competitors": [
                    {
                        "id": str(espn_team_numbers().get(g.home_team, 0)),
                        "isHome": True,
                        "abbrev": he or g.home_team,
                        "displayName": names.get(g.home_team, g.home_team),
                        "score": str(hs),
                    },
                    {
                        "id": str(espn_team_numbers().get(g.away_team, 0)),
                        "isHome": False,
                        "abbrev": ae or g.away_team,
                        "displayName": names.get(g.away_team, g.away_team),
                        "score": str(as_),
                    },
                ],
                "status": {"id": "3", "state": "post", "det": "Final", "description": "Final"},
            }
        )
    return json.dumps({"page": {"content": {block: {day.strftime("%Y%m%d"): events}}}}).encode()


@lru_cache(maxsize=1)
def _team_names() -> dict:
    return teams.team_table().drop_duplicates("nba_abbr", keep="last").set_index("nba_abbr")["team_name"].to_dict()


class _Writer:
    def __init__(self, lake: Path):
        self.lake, self.n = lake, 0

    def put(self, key: str, data: bytes, mtime: pd.Timestamp) -> None:
        path = self.lake / key
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        ts = mtime.timestamp()
        os.utime(path, (ts, ts))
        self.n += 1


def _seasons(spec_name: str, spec, as_of) -> tuple:
    return spec.at(as_of).dataset(spec_name).seasons


def build_real_lake(
    root,
    truth: pd.DataFrame,
    *,
    as_of: str = "2026-12-01",
    dates_per_type: int = 2,
    seed: int = 20261201,
    spec_path: str = "default",
    both_shapes: bool = False,
) -> RealLake:
    """Write the lake for ``truth``'s games (see the module doc). Historic seasons: ``dates_per_type``
    game dates per season and season type; the season in progress: every game date before
    ``as_of``. ``truth`` needs the canonical columns; ESPN ids are assigned when it has none.
    ``both_shapes``: every third ``espn_schedules/`` page keeps its games under
    ``page.content.schedule`` (as some real pages do) instead of ``events``."""
    from nba_simulator.spec import load_spec

    root = Path(root)
    lake = root / "lake"
    lake.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    spec = load_spec(spec_path, as_of=as_of)
    as_of_ts = pd.Timestamp(as_of)
    current = season_math.of_date(as_of_ts)
    games = truth[~truth["status"].isin(["cancelled", "postponed"])].copy()
    games["game_date"] = pd.to_datetime(games["game_date"])
    games = games[games["game_date"] < as_of_ts]
    if "espn_game_id" not in games or games["espn_game_id"].isna().all():
        games = assign_espn_ids(games)
    elif "espn_game_id_extra" not in games:
        games["espn_game_id_extra"] = pd.Series(pd.NA, index=games.index, dtype="string")
    # the dates in the lake
    chosen = []
    for (season, _stype), g in games.groupby(["season", "season_type"]):
        days = sorted(g["game_date"].unique())
        if season == current:
            chosen.extend(days)
        else:
            picks = {days[0], days[-1]} if dates_per_type >= 2 else {days[0]}
            while len(picks) < min(dates_per_type, len(days)):
                picks.add(rng.choice(days))
            chosen.extend(picks)
    chosen = set(pd.to_datetime(chosen))
    games = games[games["game_date"].isin(chosen)].sort_values(["game_date", "game_id"]).reset_index(drop=True)
    games["home_espn"] = teams.espn_abbrs(games["home_team"], games["season"])
    games["away_espn"] = teams.espn_abbrs(games["away_team"], games["season"])

    w = _Writer(lake)
    planted: dict[str, list] = {}
    after = lambda day: pd.Timestamp(day).tz_localize("UTC") + pd.Timedelta(days=1, hours=8)  # noqa: E731

    def plant(dataset: str, rows: pd.DataFrame, n: int) -> set:
        """Pick ``n`` games (at least one of the season in progress when it has some) to leave out."""
        if rows.empty:
            return set()
        cur = rows[rows["season"] == current]
        old = rows[rows["season"] != current]
        picked = list(old.sample(min(n, len(old)), random_state=rng.randrange(10**6))["game_id"]) if len(old) else []
        if len(cur):
            picked += list(cur.sample(min(2, len(cur)), random_state=rng.randrange(10**6))["game_id"])
        planted[dataset] = sorted(picked)
        return set(picked)

    # the scoreboards: one per game date; one historic and one current date left out
    sb_spec = spec.dataset("espn_schedules")
    sb_days = sorted(
        games.loc[
            games["season"].isin(sb_spec.seasons) & games["season_type"].isin(sb_spec.season_types), "game_date"
        ].unique()
    )
    hist = [pd.Timestamp(d) for d in sb_days if season_math.of_date(d) != current]
    cur_days = [pd.Timestamp(d) for d in sb_days if season_math.of_date(d) == current]
    missing_days = set()
    if hist:
        missing_days.add(rng.choice(hist))
    if len(cur_days) > 3:
        missing_days.add(rng.choice(cur_days[:-2]))
    planted["espn_schedules"] = sorted(d.strftime("%Y-%m-%d") for d in missing_days)
    scoreboard_dates = set()
    for day in sorted(games["game_date"].unique()):
        day = pd.Timestamp(day)
        if day in missing_days:
            continue
        todays = games[games["game_date"] == day]
        scoreboard_dates.add(day)
        key_day, start = day.strftime("%Y%m%d"), season_math.start_year(season_math.of_date(day))
        if start < NEW_SCHEME_FROM:  # the old layout; some pages keep the games under "schedule"
            w.put(
                f"schedule/{key_day}.json",
                scoreboard_page(day, todays, block="schedule" if day.day % 3 == 0 else "events"),
                after(day),
            )
            continue
        shape = "schedule" if both_shapes and day.day % 3 == 0 else "events"
        w.put(f"espn_schedules/{key_day}.json", scoreboard_page(day, todays, block=shape), after(day))
        if todays["espn_game_id_extra"].notna().any():  # the double scheme: the old page lists legacy ids
            legacy = todays.assign(espn_game_id=todays["espn_game_id_extra"].fillna(todays["espn_game_id"]))
            w.put(f"schedule/{key_day}.json", scoreboard_page(day, legacy), after(day))
    # ESPN game pages: every season of the spec's ESPN datasets (none planted on a date without
    # its scoreboard: those games have no ESPN id to be missing under)
    for ds in ESPN_DATASETS:
        rows = games[
            games["season"].isin(_seasons(ds, spec, as_of)) & games["season_type"].isin(spec.dataset(ds).season_types)
        ]
        skip = plant(ds, rows[~rows["game_date"].isin(missing_days)], 4)
        kind = {"espn_play_by_play": "pbp", "espn_box_scores": "bxscr", "espn_team_stats": "gmLdrs"}[ds]
        new, old = ESPN_FOLDERS[ds]
        for g in rows.itertuples():
            if g.game_id in skip:
                continue
            folder = old if int(g.season[:4]) < NEW_SCHEME_FROM else new
            w.put(f"{folder}/{g.espn_game_id}.json", _espn_page(g.espn_game_id, kind), after(g.game_date))
            if isinstance(g.espn_game_id_extra, str):
                for extra in g.espn_game_id_extra.split():
                    w.put(f"{old}/{extra}.json", _espn_page(extra, kind), after(g.game_date))
    # NBA Stats
    for ds, key in (
        ("nba_api_advanced_box", "nba_api_comprehensive/boxscores_advanced/advanced_{}.json"),
        ("nba_api_play_by_play", "nba_api_playbyplay/play_by_play/play_by_play_{}.json"),
    ):
        d = spec.dataset(ds)
        rows = games[games["season"].isin(d.seasons) & games["season_type"].isin(d.season_types)]
        skip = plant(ds, rows, 3)
        for g in rows.itertuples():
            if g.game_id not in skip:
                w.put(
                    key.format(g.game_id), _pad({"resultSets": [{"rowSet": [[g.game_id]]}]}, 1200), after(g.game_date)
                )
    d = spec.dataset("nba_api_incremental_pbp")
    rows = games[games["season"].isin(d.seasons) & games["season_type"].isin(d.season_types)]
    skip = plant("nba_api_incremental_pbp", rows, 2)
    for g in rows.itertuples():
        if g.game_id not in skip:
            w.put(
                f"nba_api_incremental/{g.game_date:%Y-%m-%d}/game_{g.game_id}_pbp.json",
                _pad({"game": {"gameId": g.game_id, "actions": [{"actionNumber": 1}]}}, 1200),
                after(g.game_date),
            )
    # Basketball-Reference
    d = spec.dataset("bbref_box_scores")
    rows = games[
        games["season"].isin(d.seasons) & games["season_type"].isin(d.season_types) & games["bbref_game_id"].notna()
    ]
    skip = plant("bbref_box_scores", rows, 2)
    for g in rows.itertuples():
        if g.game_id not in skip:
            w.put(
                f"basketball_reference/box_scores/{int(g.season[:4]) + 1}/{g.bbref_game_id}.json",
                _pad({"game": g.bbref_game_id}, 700),
                after(g.game_date),
            )
    # hoopR: one file per season (every season of the dataset, owed from October)
    d = spec.dataset("hoopr_play_by_play")
    owed = [s for s in d.seasons if pd.Timestamp(season_math.start_year(s), 10, 25) < as_of_ts]
    missing_season = rng.choice(owed[:-1]) if len(owed) > 1 else None
    planted["hoopr_play_by_play"] = [missing_season] if missing_season else []
    for s in owed:
        if s != missing_season:
            stamp = min(as_of_ts - pd.Timedelta(days=1), pd.Timestamp(season_math.end_year(s), 7, 1)).tz_localize("UTC")
            w.put(
                f"hoopr_parquet/play_by_play/nba_data_{season_math.end_year(s)}.parquet",
                b"PAR1" + bytes(100_100) + b"PAR1",
                stamp,
            )
    for key in NON_DATA:
        w.put(key, b"not data " * 200, as_of_ts.tz_localize("UTC") - pd.Timedelta(days=2))
    return RealLake(root, lake, as_of, games.drop(columns=["home_espn", "away_espn"]), scoreboard_dates, planted, w.n)


def synthetic_season(
    season: str,
    first: str,
    last: str,
    *,
    season_type: str = "regular",
    games_per_day: int = 7,
    seed: int = 0,
    number_from: int = 1,
) -> pd.DataFrame:
    """Games of a season the packaged history lacks (a canonical frame, NBA-shaped ids): a
    stand-in for what NBA Stats would publish, for tests of seasons the schedule does not know."""
    from nba_simulator.schedule.load import canonical

    rng = random.Random(seed)
    table = teams.team_table()
    current = table[table["last_season"].isna()]["nba_abbr"].tolist()
    digit = {"preseason": "1", "regular": "2", "playoffs": "4", "play_in": "5", "cup_final": "6"}[season_type]
    yy = season[2:4]
    rows, n = [], number_from
    for day in pd.date_range(first, last, freq="D"):
        pool = current[:]
        rng.shuffle(pool)
        for i in range(games_per_day):
            home, away = pool[2 * i], pool[2 * i + 1]
            rows.append(
                {
                    "game_id": f"00{digit}{yy}{n:05d}",
                    "season": season,
                    "season_type": season_type,
                    "game_date": day.strftime("%Y-%m-%d"),
                    "home_team": home,
                    "away_team": away,
                }
            )
            n += 1
    raw = pd.DataFrame(rows, dtype="string")
    return canonical(raw)


# --- what the web sources would answer for the same games (for a local fixture server) ---------
def league_game_log(games: pd.DataFrame) -> bytes:
    """NBA Stats ``LeagueGameLog`` (one row per team and game) for ``games`` (LeagueGameLog's own
    header names; the statistics columns are left out)."""
    headers = ["SEASON_ID", "TEAM_ID", "TEAM_ABBREVIATION", "TEAM_NAME", "GAME_ID", "GAME_DATE", "MATCHUP", "WL", "PTS"]
    names = _team_names()
    rows = []
    for g in games.sort_values(["game_date", "game_id"]).itertuples():
        day = pd.Timestamp(g.game_date).strftime("%Y-%m-%d")
        sid = f"{g.game_id[2]}{g.season[:4]}"
        rows.append(
            [
                sid,
                0,
                g.home_team,
                names.get(g.home_team, g.home_team),
                g.game_id,
                day,
                f"{g.home_team} vs. {g.away_team}",
                "W",
                110,
            ]
        )
        rows.append(
            [
                sid,
                0,
                g.away_team,
                names.get(g.away_team, g.away_team),
                g.game_id,
                day,
                f"{g.away_team} @ {g.home_team}",
                "L",
                100,
            ]
        )
    return json.dumps(
        {
            "resource": "leaguegamelog",
            "parameters": {},
            "resultSets": [{"name": "LeagueGameLog", "headers": headers, "rowSet": rows}],
        }
    ).encode()


def schedule_league_v2(games: pd.DataFrame, season: str, as_of: str) -> bytes:
    """The league's ``scheduleLeagueV2`` document for ``games`` of ``season``: games before
    ``as_of`` final (gameStatus 3), later ones scheduled (1)."""
    cut = pd.Timestamp(as_of)
    dates = []
    for day, todays in games.sort_values(["game_date", "game_id"]).groupby("game_date", sort=True):
        day = pd.Timestamp(day)
        played = day < cut
        dates.append(
            {
                "gameDate": day.strftime("%m/%d/%Y 00:00:00"),
                "games": [
                    {
                        "gameId": g.game_id,
                        "gameCode": f"{day:%Y%m%d}/{g.away_team}{g.home_team}",
                        "gameStatus": 3 if played else 1,
                        "gameStatusText": "Final" if played else "7:30 pm ET",
                        "gameDateEst": day.strftime("%Y-%m-%dT00:00:00Z"),
                        "gameDateTimeUTC": _start_utc(day, g.home_team).replace("Z", ":00Z"),
                        "postponedStatus": "A",
                        "gameLabel": "",
                        "gameSubLabel": "",
                        "gameSubtype": "",
                        "homeTeam": {"teamTricode": g.home_team},
                        "awayTeam": {"teamTricode": g.away_team},
                    }
                    for g in todays.itertuples()
                ],
            }
        )
    return json.dumps(
        {"meta": {"version": 1}, "leagueSchedule": {"seasonYear": season, "leagueId": "00", "gameDates": dates}}
    ).encode()


def espn_scoreboard_api(day: pd.Timestamp, games: pd.DataFrame) -> bytes:
    """ESPN's scoreboard API answer for one date (``events[]``, ``competitions[0].competitors[]``)."""
    season = season_math.of_date(day)
    home_e = teams.espn_abbrs(games["home_team"], season)
    away_e = teams.espn_abbrs(games["away_team"], season)
    events = []
    for g, he, ae in zip(games.itertuples(), home_e, away_e):
        events.append(
            {
                "id": g.espn_game_id,
                "date": _start_utc(day, g.home_team),
                "competitions": [
                    {
                        "id": g.espn_game_id,
                        "competitors": [
                            {"homeAway": "home", "team": {"abbreviation": he or g.home_team}, "score": "110"},
                            {"homeAway": "away", "team": {"abbreviation": ae or g.away_team}, "score": "100"},
                        ],
                    }
                ],
                "status": {"type": {"name": "STATUS_FINAL", "state": "post", "completed": True}},
            }
        )
    return json.dumps({"leagues": [], "day": {"date": day.strftime("%Y-%m-%d")}, "events": events}).encode()
