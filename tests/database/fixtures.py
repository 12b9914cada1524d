"""One small world for the database tests: a schedule, the user's tables, the lake's coverage.

Expected games as of 2023-11-10 (regular season and playoffs, 2022-23..2023-24): 0022200001,
0022300001, -02, -04, -05, -06, -07 (03 is cancelled, 08 not over, 0012300001 preseason).
"""

from __future__ import annotations

import functools

import pandas as pd
import sqlalchemy as sa

from nba_simulator.spec import parse_spec

AS_OF = "2023-11-10"

SCHEDULE_ROWS = [  # game_id, date, home, away, status, espn id
    ("0022200001", "2022-10-18", "BOS", "PHI", "final", None),
    ("0012300001", "2023-10-10", "LAL", "GSW", "final", None),
    ("0022300001", "2023-10-24", "LAL", "DEN", "final", "401580001"),
    ("0022300002", "2023-10-24", "BOS", "NYK", "final", "401580002"),
    ("0022300003", "2023-10-25", "NYK", "BOS", "cancelled", None),
    ("0022300004", "2023-10-26", "MIA", "CHI", "final", "401580004"),
    ("0022300005", "2023-10-27", "PHI", "MIL", "final", "401580005"),
    ("0022300006", "2023-10-28", "PHX", "GSW", "final", None),
    ("0022300007", "2023-11-04", "LAL", "BOS", "final", "401580007"),
    ("0022300008", "2023-11-10", "LAC", "POR", "final", "401580008"),
]


def schedule() -> pd.DataFrame:
    df = pd.DataFrame(
        SCHEDULE_ROWS, columns=["game_id", "game_date", "home_team", "away_team", "status", "espn_game_id"]
    )
    season = df["game_id"].str[3:5].map(lambda yy: f"20{yy}-{int(yy) + 1:02d}")
    stype = df["game_id"].str[2].map({"1": "preseason", "2": "regular", "4": "playoffs"})
    return df.assign(
        season=season,
        season_type=stype,
        game_date=pd.to_datetime(df["game_date"]),
        bbref_game_id=pd.NA,
        original_date=pd.NaT,
    )


GAMES = [
    "0022200001",
    "0022300001",
    "0022300002",
    "0022300004",
    "0022300005",
    "0022300007",
    "0022300099",
]  # 06 absent; 99 not in the schedule
PLAYS = {"0022200001": 4, "0022300001": 3, "0022300002": 2, "0022300005": 1, "0022300006": 2}
BOXES = [22200001, 22300001, 22300002, 22300004, 22300007]  # integer ids, zeros lost
ESPN_BOXES = ["401580001", "401580005"]

LAKE = {  # dataset -> game -> status (the lake's coverage.parquet, reduced)
    "nba_pbp": {
        "0022300001": "present",
        "0022300002": "missing",
        "0022300004": "present",
        "0022300005": "undersized",
        "0022300006": "present",
        "0022300007": "missing",
    },
    "espn_box": {
        "0022300001": "missing",
        "0022300002": "present",
        "0022300004": "present",
        "0022300005": "present",
        "0022300006": "unmapped",
        "0022300007": "missing",
    },
}

SPEC = """\
version: 1
schedule: {schedule}
datasets:
  nba_pbp:
    source: nba_stats
    data_type: play_by_play
    keys: "pbp/{{game_id}}.json"
    per: game
    seasons: 2022-23..2023-24
  espn_box:
    source: espn
    data_type: box_score
    keys: "box/{{espn_game_id}}.json"
    per: game
    seasons: 2022-23..2023-24
database:
{schema_line}  seasons: 2022-23..2023-24
  games: {{table: games, game_date: game_date, season: season}}
  children:
    - {{table: play_by_play, datasets: [nba_pbp]}}
    - {{table: box_scores, game_id: gid}}
    - {{table: espn_box_scores, game_id: espn_id, ids: espn, datasets: [espn_box]}}
"""


def spec(schema: str | None, schedule_source: str = "builtin"):
    line = f"  schema: {schema}\n" if schema else ""
    return parse_spec(SPEC.format(schema=schema, schema_line=line, schedule=schedule_source), "db.yaml")


def lake_coverage() -> pd.DataFrame:
    rows = [(ds, g, s) for ds, games in LAKE.items() for g, s in games.items()]
    return pd.DataFrame(rows, columns=["dataset", "game_id", "status"])


def create_user_tables(engine, schema: str | None) -> None:
    """The user's tables, as a loader would have made them."""
    md = sa.MetaData(schema=schema)
    games = sa.Table(
        "games",
        md,
        sa.Column("game_id", sa.String(10), primary_key=True),
        sa.Column("game_date", sa.Date),
        sa.Column("season", sa.String(7)),
        sa.Column("home_team", sa.String(3)),
        sa.Column("away_team", sa.String(3)),
    )
    plays = sa.Table(
        "play_by_play",
        md,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("game_id", sa.String(10), index=True),
        sa.Column("event", sa.String(20)),
    )
    boxes = sa.Table(
        "box_scores",
        md,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("gid", sa.BigInteger),
        sa.Column("pts", sa.Integer),
    )
    espn = sa.Table(
        "espn_box_scores",
        md,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("espn_id", sa.String(12)),
        sa.Column("pts", sa.Integer),
    )
    md.create_all(engine)
    sched = schedule().set_index("game_id")
    with engine.begin() as conn:
        conn.execute(
            games.insert(),
            [
                {
                    "game_id": g,
                    "game_date": sched["game_date"].get(g, pd.Timestamp("2023-12-01")).date(),
                    "season": sched["season"].get(g, "2023-24"),
                    "home_team": sched["home_team"].get(g, "LAL"),
                    "away_team": sched["away_team"].get(g, "BOS"),
                }
                for g in GAMES
            ],
        )
        conn.execute(plays.insert(), [{"game_id": g, "event": f"e{i}"} for g, n in PLAYS.items() for i in range(n)])
        conn.execute(plays.insert(), [{"game_id": None, "event": "orphan"}])
        conn.execute(boxes.insert(), [{"gid": g, "pts": 100} for g in BOXES])
        conn.execute(espn.insert(), [{"espn_id": g, "pts": 100} for g in ESPN_BOXES])


EXPECTED_SUMMARY = [  # table, season, expected, loaded, absent, empty, no_game_row, rows,
    #   raw_present, raw_not_loaded, loaded_no_raw
    ("games", "2022-23", 1, 1, 0, 0, 0, 1, 0, 0, 0),
    ("games", "2023-24", 6, 5, 1, 0, 0, 5, 0, 0, 0),
    ("play_by_play", "2022-23", 1, 1, 0, 0, 0, 4, 0, 0, 0),
    ("play_by_play", "2023-24", 6, 4, 0, 2, 1, 8, 3, 1, 1),
    ("box_scores", "2022-23", 1, 1, 0, 0, 0, 1, 0, 0, 0),
    ("box_scores", "2023-24", 6, 4, 1, 1, 0, 4, 0, 0, 0),
    ("espn_box_scores", "2022-23", 1, 0, 0, 1, 0, 0, 0, 0, 0),
    ("espn_box_scores", "2023-24", 6, 2, 1, 3, 0, 2, 3, 2, 1),
]

EXPECTED_PROBLEMS = {  # (table, problem) -> game ids
    ("games", "absent"): {"0022300006"},
    ("play_by_play", "empty"): {"0022300004", "0022300007"},
    ("play_by_play", "no_game_row"): {"0022300006"},
    ("play_by_play", "raw_not_loaded"): {"0022300004"},
    ("play_by_play", "loaded_no_raw"): {"0022300002"},
    ("box_scores", "absent"): {"0022300006"},  # in neither the games table nor this one
    ("box_scores", "empty"): {"0022300005"},
    ("espn_box_scores", "absent"): {"0022300006"},
    ("espn_box_scores", "empty"): {"0022200001", "0022300002", "0022300004", "0022300007"},
    ("espn_box_scores", "raw_not_loaded"): {"0022300002", "0022300004"},
    ("espn_box_scores", "loaded_no_raw"): {"0022300001"},
}


# ---------------------------------------------------------------------------------- run history
HISTORY_SPEC = """\
version: 1
datasets:
  pbp:
    source: nba_stats
    data_type: play_by_play
    keys: "pbp/{season}/{game_id}.json"
    per: game
    seasons: 2023-24
    min_bytes: 100
  hoopr:
    source: hoopr
    data_type: pbp
    keys: "hoopr/nba_data_{season_end}.parquet"
    per: season
    seasons: 2023-24
tasks:
  batch_size: 2
"""
HISTORY_GAMES = ["0022300001", "0022300002", "0022300004", "0022300005", "0022300006", "0022300007"]


def history_spec():
    return parse_spec(HISTORY_SPEC, "history.yaml")


def history_schedule() -> pd.DataFrame:
    return schedule()


def pbp_key(game: str) -> str:
    return f"pbp/2023-24/{game}.json"


def inventory(games: dict[str, int] | list[str], hoopr: bool = False) -> pd.DataFrame:
    """Objects for the given games (size 500, or the size given), plus the hoopR file."""
    sizes = games if isinstance(games, dict) else {g: 500 for g in games}
    rows = [(pbp_key(g), size, "2023-11-09T12:00:00Z", "e") for g, size in sizes.items()]
    if hoopr:
        rows.append(("hoopr/nba_data_2024.parquet", 5000, "2023-11-09T12:00:00Z", "e"))
    df = pd.DataFrame(rows, columns=["key", "size", "last_modified", "etag"])
    return df.assign(last_modified=pd.to_datetime(df["last_modified"], utc=True), size=df["size"].astype("int64"))


def analyse_run(games, as_of=AS_OF, hoopr=False, sample=None):
    """The reconcile result for a lake holding ``games`` (cached: treat it as read-only)."""
    frozen = tuple(sorted(games.items())) if isinstance(games, dict) else tuple(games)
    return _analyse(frozen, as_of, hoopr, sample)


@functools.cache
def _analyse(games, as_of, hoopr, sample):
    from nba_simulator.reconcile import analyse

    games = dict(games) if games and isinstance(games[0], tuple) else list(games)
    info = {"lake": "s3://nba-lake/raw", "objects": len(games), "sample": sample}
    return analyse(history_spec(), history_schedule(), inventory(games, hoopr), as_of, info)
