"""Database coverage: which expected games the user's tables lack, hold empty, or hold without
the raw file the lake should have — in set-based SQL that runs on PostgreSQL and SQLite alike.

The expected games (schedule rows owed by ``as_of``: played, not cancelled or postponed, in the
configured seasons and season types) go into a temporary table on the connection, with, per
mapped table, what the lake says of the game's raw file (``raw``: 1 a usable file, 0 no file,
NULL not known — the table maps no dataset, the item is unmapped, or the only file is
undersized or empty). One statement then joins them to a ``GROUP BY game_id`` count of every
mapped table (hash aggregates on PostgreSQL; an index on the game id column helps SQLite) into a
second temporary table of flags, from which the per-table x season summary (``GROUP BY``) and the
per-game problems (``UNION ALL`` of filters) are read. No row is looked at in Python.

Summary columns (one row per table x season): ``table, kind (games|child), season, expected,
loaded`` (expected games with at least one row), ``absent`` (games table: expected games not in
it; child: neither in the games table nor here), ``empty`` (child: in the games table, no row
here), ``no_game_row`` (child: rows here, but the game is not in the games table), ``rows``,
``raw_present``, ``raw_not_loaded`` (a usable raw file in the lake, no row here),
``loaded_no_raw`` (rows here, no raw file in the lake), ``loaded_pct``.

Problems (one row per game and problem): ``table, season, season_type, game_id, espn_game_id,
game_date, problem, rows`` with problem ``absent | empty | no_game_row | raw_not_loaded |
loaded_no_raw``.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import sqlalchemy as sa

from ..asof import parse_as_of
from ..errors import BadInput
from ..outputs import write_parquet
from ..reconcile import resolve_schedule, schedule_for
from ..schedule.owed import owed_games
from ..spec.database import DatabaseConfig
from .engine import connect, make_engine
from .history_schema import temp_table
from .user_tables import data_url, reflect, schedule_from_db, table_clause

log = logging.getLogger(__name__)

USABLE = ("present", "premature", "stale")  # a raw file worth loading
PROBLEMS = ("absent", "empty", "no_game_row", "raw_not_loaded", "loaded_no_raw")
SUMMARY_COLUMNS = [
    "table",
    "kind",
    "season",
    "expected",
    "loaded",
    "absent",
    "empty",
    "no_game_row",
    "rows",
    "raw_present",
    "raw_not_loaded",
    "loaded_no_raw",
    "loaded_pct",
]
PROBLEM_COLUMNS = ["table", "season", "season_type", "game_id", "espn_game_id", "game_date", "problem", "rows"]
EXPECTED_TABLE = "_nba_recon_expected"
FLAGS_TABLE = "_nba_recon_flags"


@dataclass
class DbCoverage:
    summary: pd.DataFrame
    problems: pd.DataFrame
    expected_games: int
    seconds: float = 0.0
    warnings: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)  # prepare, load, join, read (s)


# ------------------------------------------------------------------------------------ inputs
def expected_games(schedule: pd.DataFrame, as_of, seasons=None, season_types=None) -> pd.DataFrame:
    """Games owed by ``as_of`` (the lake's rule: the game's date has ended, midnight UTC after it;
    cancelled and postponed rows never), optionally limited to ``seasons`` / ``season_types``."""
    as_of = parse_as_of(as_of)
    g = owed_games(schedule, as_of)
    if seasons is not None:
        g = g[g["season"].isin(list(seasons))]
    if season_types is not None:
        g = g[g["season_type"].isin(list(season_types))]
    # games known only from the lake's scoreboard pages (no NBA id yet) are not checked in the
    # database: its tables are keyed by NBA id
    g = g[g["game_id"].notna()]
    return g.drop_duplicates("game_id").reset_index(drop=True)


def raw_flags(lake_coverage: pd.DataFrame | None, datasets: tuple[str, ...]) -> pd.Series:
    """Per game id: 1 a usable raw file in one of ``datasets``, 0 no file in any, NA unknown."""
    if lake_coverage is None or not datasets or lake_coverage.empty:
        return pd.Series(dtype="Int64")
    c = lake_coverage[
        lake_coverage["dataset"].isin(datasets)
        & lake_coverage["game_id"].notna()
        & (lake_coverage["status"] != "unmapped")
    ]
    if c.empty:
        return pd.Series(dtype="Int64")
    by_game = (
        c.assign(usable=c["status"].isin(USABLE), none=c["status"] == "missing")
        .groupby(c["game_id"].astype(str))[["usable", "none"]]
        .agg({"usable": "any", "none": "all"})
    )
    flag = pd.Series(pd.NA, index=by_game.index, dtype="Int64")
    flag[by_game["none"]] = 0
    flag[by_game["usable"]] = 1
    return flag


# ------------------------------------------------------------------------------------ coverage
def db_coverage(
    engine,
    config: DatabaseConfig,
    schedule: pd.DataFrame,
    as_of,
    *,
    lake_coverage: pd.DataFrame | None = None,
    seasons=None,
    season_types=None,
) -> DbCoverage:
    """Coverage of the mapped tables against the expected games (see the module docstring).
    ``lake_coverage``: the lake's coverage table (``coverage.parquet``) for the lake <-> database
    comparison; without it the raw columns are 0. ``seasons`` / ``season_types`` default to the
    config's."""
    if config.games is None:
        raise BadInput(f"{config.where()}: database: no games table mapped (database.games)")
    started = time.perf_counter()
    tables = config.tables
    games = expected_games(
        schedule,
        as_of,
        seasons if seasons is not None else config.seasons_at(as_of),
        season_types if season_types is not None else config.season_types,
    )
    warnings = []
    if games.empty:
        warnings.append("no expected games: check seasons, season_types and as_of")
    rows = _expected_rows(games, tables, lake_coverage)
    marks = [("prepare", time.perf_counter())]
    with connect(engine, begin=True) as conn:
        ints = [reflect(conn, config, t, [t.game_id])[t.game_id] for t in tables]
        exp = temp_table(
            conn,
            EXPECTED_TABLE,
            [
                sa.Column("game_id", sa.String(10), primary_key=True),
                sa.Column("game_num", sa.BigInteger),
                sa.Column("espn_game_id", sa.String(20)),
                sa.Column("espn_num", sa.BigInteger),
                sa.Column("season", sa.String(7)),
                sa.Column("season_type", sa.String(16)),
                sa.Column("game_date", sa.Date),
                *(sa.Column(f"raw_{i}", sa.SmallInteger) for i in range(len(tables))),
            ],
            rows,
        )
        marks.append(("load", time.perf_counter()))
        flags = _flags(conn, exp, tables, ints)
        marks.append(("join", time.perf_counter()))
        summary = pd.read_sql(_summary_query(flags, tables), conn)
        problems = pd.read_sql(_problems_query(flags, tables), conn)
        flags.drop(conn)
        exp.drop(conn)
    summary = _tidy_summary(summary, tables)
    problems = _tidy_problems(problems, tables)
    marks.append(("read", time.perf_counter()))
    timings, before = {}, started
    for name, at in marks:
        timings[name], before = round(at - before, 3), at
    seconds = round(time.perf_counter() - started, 3)
    log.info("database coverage of %d tables x %d expected games in %.2f s", len(tables), len(games), seconds)
    return DbCoverage(summary, problems, len(games), seconds, warnings, timings)


def _expected_rows(games: pd.DataFrame, tables, lake_coverage) -> pd.DataFrame:
    espn = games["espn_game_id"] if "espn_game_id" in games else pd.Series(pd.NA, index=games.index)
    frame = pd.DataFrame(
        {
            "game_id": games["game_id"].astype(str),
            "game_num": pd.to_numeric(games["game_id"], errors="coerce").astype("Int64"),
            "espn_game_id": espn.astype("string"),
            "espn_num": pd.to_numeric(espn, errors="coerce").astype("Int64"),
            "season": games["season"].astype(str),
            "season_type": games["season_type"].astype("string"),
            "game_date": pd.to_datetime(games["game_date"]).dt.normalize(),
        }
    )
    for i, t in enumerate(tables):
        frame[f"raw_{i}"] = frame["game_id"].map(raw_flags(lake_coverage, t.datasets)).astype("Int64")
    return frame


def _flags(conn, exp: sa.Table, tables, ints: list[bool]) -> sa.Table:
    """One row per expected game: n_i = rows of table i for the game (NULL: none), raw_i."""
    flags = temp_table(
        conn,
        FLAGS_TABLE,
        [
            sa.Column("game_id", sa.String(10), primary_key=True),
            sa.Column("espn_game_id", sa.String(20)),
            sa.Column("season", sa.String(7)),
            sa.Column("season_type", sa.String(16)),
            sa.Column("game_date", sa.Date),
            *(sa.Column(f"n_{i}", sa.BigInteger) for i in range(len(tables))),
            *(sa.Column(f"raw_{i}", sa.SmallInteger) for i in range(len(tables))),
        ],
    )
    src = exp
    counts = []
    for i, (t, is_int) in enumerate(zip(tables, ints)):
        tab = table_clause(t, t.game_id)
        gid = tab.c[t.game_id]
        sub = (
            sa.select(gid.label("gid"), sa.func.count().label("n"))
            .where(gid.is_not(None))
            .group_by(gid)
            .subquery(f"c{i}")
        )
        key = {
            ("nba", False): exp.c.game_id,
            ("nba", True): exp.c.game_num,
            ("espn", False): exp.c.espn_game_id,
            ("espn", True): exp.c.espn_num,
        }[(t.ids, is_int)]
        src = src.outerjoin(sub, sub.c.gid == key)
        counts.append(sub.c.n)
    select = sa.select(
        exp.c.game_id,
        exp.c.espn_game_id,
        exp.c.season,
        exp.c.season_type,
        exp.c.game_date,
        *counts,
        *(exp.c[f"raw_{i}"] for i in range(len(tables))),
    ).select_from(src)
    conn.execute(flags.insert().from_select([c.name for c in flags.columns], select))
    return flags


def _count(cond) -> sa.ColumnElement:
    return sa.func.coalesce(sa.func.sum(sa.case((cond, 1), else_=0)), 0)


def _summary_query(f: sa.Table, tables):
    parts = []
    n0 = f.c.n_0
    for i in range(len(tables)):
        n, raw = f.c[f"n_{i}"], f.c[f"raw_{i}"]
        child = i > 0
        zero = sa.literal(0)
        parts.append(
            sa.select(
                sa.literal(i).label("position"),
                f.c.season,
                sa.func.count().label("expected"),
                _count(n.is_not(None)).label("loaded"),
                _count(sa.and_(n.is_(None), n0.is_(None)) if child else n.is_(None)).label("absent"),
                (_count(sa.and_(n0.is_not(None), n.is_(None))) if child else zero).label("empty"),
                (_count(sa.and_(n0.is_(None), n.is_not(None))) if child else zero).label("no_game_row"),
                sa.func.coalesce(sa.func.sum(n), 0).label("rows"),
                _count(raw == 1).label("raw_present"),
                _count(sa.and_(raw == 1, n.is_(None))).label("raw_not_loaded"),
                _count(sa.and_(raw == 0, n.is_not(None))).label("loaded_no_raw"),
            ).group_by(f.c.season)
        )
    return sa.union_all(*parts)


def _problems_query(f: sa.Table, tables):
    parts = []
    n0 = f.c.n_0
    base = (f.c.season, f.c.season_type, f.c.game_id, f.c.espn_game_id, f.c.game_date)

    def part(i, problem, cond, n):
        return sa.select(
            sa.literal(i).label("position"), *base, sa.literal(problem).label("problem"), n.label("rows")
        ).where(cond)

    for i, _t in enumerate(tables):
        n, raw = f.c[f"n_{i}"], f.c[f"raw_{i}"]
        if i == 0:
            parts.append(part(i, "absent", n.is_(None), n))
        else:  # the same conditions as _summary_query's counts: every count has its rows
            parts.append(part(i, "absent", sa.and_(n.is_(None), n0.is_(None)), n))
            parts.append(part(i, "empty", sa.and_(n0.is_not(None), n.is_(None)), n))
            parts.append(part(i, "no_game_row", sa.and_(n0.is_(None), n.is_not(None)), n))
        parts.append(part(i, "raw_not_loaded", sa.and_(raw == 1, n.is_(None)), n))
        parts.append(part(i, "loaded_no_raw", sa.and_(raw == 0, n.is_not(None)), n))
    return sa.union_all(*parts)


def _tidy_summary(df: pd.DataFrame, tables) -> pd.DataFrame:
    ints = [c for c in SUMMARY_COLUMNS if c not in ("table", "kind", "season", "loaded_pct")]
    df = df.copy()
    for c in ints:
        df[c] = pd.to_numeric(df[c]).fillna(0).astype("int64")
    df["position"] = df["position"].astype(int)
    df["table"] = df["position"].map({i: t.table for i, t in enumerate(tables)})
    df["kind"] = df["position"].map(lambda i: "games" if i == 0 else "child")
    df["loaded_pct"] = (100 * df["loaded"] / df["expected"].where(df["expected"] > 0)).round(2)
    df = df.sort_values(["position", "season"], kind="mergesort")
    return df[SUMMARY_COLUMNS].reset_index(drop=True)


def _tidy_problems(df: pd.DataFrame, tables) -> pd.DataFrame:
    df = df.copy()
    df["position"] = df["position"].astype(int)
    df["table"] = df["position"].map({i: t.table for i, t in enumerate(tables)})
    df["game_date"] = pd.to_datetime(df["game_date"])
    df["rows"] = pd.to_numeric(df["rows"]).astype("Int64")
    order = {p: i for i, p in enumerate(PROBLEMS)}
    df = df.assign(_p=df["problem"].map(order)).sort_values(
        ["position", "_p", "game_date", "game_id"], kind="mergesort"
    )
    return df[PROBLEM_COLUMNS].reset_index(drop=True)


def write_db_coverage(result: DbCoverage, out_dir) -> dict[str, Path]:
    out = Path(out_dir)
    return {
        "db_coverage.parquet": write_parquet(result.summary, out / "db_coverage.parquet"),
        "db_problems.parquet": write_parquet(result.problems, out / "db_problems.parquet"),
    }


# ------------------------------------------------------------------------------------ schedule: db
# ------------------------------------------------------------------------------------ one call
def run_db_coverage(
    spec,
    as_of,
    *,
    url: str | None = None,
    schedule: pd.DataFrame | None = None,
    lake_coverage: pd.DataFrame | None = None,
    engine=None,
) -> DbCoverage:
    """The database coverage stage for a spec with a ``database`` section: the engine from
    ``url`` (else as :func:`engine.database_url` resolves it), the schedule as the spec says unless
    given, the seasons and season types of the section, else those of the lake datasets."""
    cfg: DatabaseConfig | None = getattr(spec, "database", None)
    if cfg is None:
        raise BadInput(f"{spec.path}: the spec has no database section")
    spec = spec.at(as_of)
    own = engine is None
    engine = engine or make_engine(data_url(cfg, url), default=None)
    try:
        if schedule is None:
            source = resolve_schedule(spec)
            schedule = (
                schedule_from_db(cfg, engine)
                if source == "db"
                else schedule_for(spec, source, read_db=schedule_from_db)
            )
        seasons = cfg.seasons_at(as_of) or tuple(sorted({s for d in spec.datasets for s in d.seasons}))
        types = cfg.season_types or tuple(sorted({s for d in spec.datasets for s in d.season_types}))
        return db_coverage(
            engine, cfg, schedule, as_of, lake_coverage=lake_coverage, seasons=seasons, season_types=types
        )
    finally:
        if own:
            engine.dispose()
