"""Benchmark: database coverage on a realistic PostgreSQL database. Prints figures; not a test.

    .venv/bin/python bench/bench_db_coverage.py [--url URL] [--seasons 30] [--plays 1000000]
                                                [--box-rows 700000] [--repeat 3] [--sqlite] [--keep]

Builds, in a fresh schema (dropped afterwards unless --keep): ``games`` (one row per game: 30
seasons x 1,310 games = 39,300 games, 1% of the expected ones absent), ``play_by_play``
(``--plays`` rows spread over the games, 2% of loaded games with none), ``box_scores`` (integer
game ids, zeros lost) and ``espn_box_scores`` (ESPN ids); and the lake's coverage of a per-game
dataset (95% present, 3% missing, 2% undersized). Then times ``db_coverage`` (every table,
season and problem, lake <-> database included) without indexes on the child game-id columns,
and again with them (what a loaded database usually has). ``--sqlite`` repeats it on SQLite.

The server is ``--url``, else ``$NBA_RECON_TEST_PG_URL``, else postgresql+psycopg2://postgres@127.0.0.1:5432/test.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

import numpy as np
import pandas as pd
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from nba_simulator.database.db_coverage import db_coverage
from nba_simulator.database.engine import make_engine, redact
from nba_simulator.spec import parse_spec

DEFAULT_URL = "postgresql+psycopg2://postgres@127.0.0.1:5432/test"
AS_OF = "2025-07-01"
SPEC = """\
version: 1
datasets:
  nba_pbp:
    source: nba_stats
    data_type: play_by_play
    keys: "nba_api_playbyplay/play_by_play/play_by_play_{{game_id}}.json"
    per: game
    seasons: {first}..2024-25
  espn_box:
    source: espn
    data_type: box_score
    keys: "espn_box_scores/{{espn_game_id}}.json"
    per: game
    seasons: {first}..2024-25
database:
{schema_line}  games: {{table: games}}
  children:
    - {{table: play_by_play, datasets: [nba_pbp]}}
    - {{table: box_scores, game_id: gid}}
    - {{table: espn_box_scores, game_id: espn_id, ids: espn, datasets: [espn_box]}}
"""


def synthetic_schedule(n_seasons: int) -> pd.DataFrame:
    """1,230 regular-season and 80 playoff games per season, dated October to June."""
    frames = []
    for start in range(2025 - n_seasons, 2025):
        yy = f"{start % 100:02d}"
        reg = [f"002{yy}{i:05d}" for i in range(1, 1231)]
        po = [f"004{yy}{i:05d}" for i in range(1, 81)]
        reg_dates = pd.Timestamp(f"{start}-10-22") + pd.to_timedelta(np.arange(1230) * 170 // 1230, "D")
        po_dates = pd.Timestamp(f"{start + 1}-04-18") + pd.to_timedelta(np.arange(80) * 55 // 80, "D")
        frames.append(
            pd.DataFrame(
                {
                    "game_id": reg + po,
                    "season": f"{start}-{(start + 1) % 100:02d}",
                    "season_type": ["regular"] * 1230 + ["playoffs"] * 80,
                    "game_date": list(reg_dates) + list(po_dates),
                }
            )
        )
    s = pd.concat(frames, ignore_index=True)
    s["espn_game_id"] = (400000000 + np.arange(len(s))).astype(str)
    s["status"] = "final"
    return s


def build(engine, schema: str | None, games: pd.DataFrame, plays: int, box_rows: int) -> dict:
    rng = np.random.default_rng(20250701)
    loaded = games[rng.random(len(games)) >= 0.01].reset_index(drop=True)  # 1% absent
    with_plays = loaded[rng.random(len(loaded)) >= 0.02]  # 2% empty
    per_game = rng.multinomial(plays, np.full(len(with_plays), 1 / len(with_plays)))
    pbp_ids = np.repeat(with_plays["game_id"].to_numpy(), per_game)
    with_box = loaded[rng.random(len(loaded)) >= 0.02]
    box_per = rng.multinomial(box_rows, np.full(len(with_box), 1 / len(with_box)))
    box_ids = np.repeat(with_box["game_id"].str.lstrip("0").astype("int64").to_numpy(), box_per)
    espn_ids = np.repeat(with_box["espn_game_id"].to_numpy(), box_per)

    md = sa.MetaData(schema=schema)
    sa.Table(
        "games",
        md,
        sa.Column("game_id", sa.String(10), primary_key=True),
        sa.Column("game_date", sa.Date),
        sa.Column("season", sa.String(7)),
    )
    sa.Table(
        "play_by_play",
        md,
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column("game_id", sa.String(10)),
        sa.Column("event_num", sa.Integer),
        sa.Column("description", sa.String(60)),
    )
    sa.Table(
        "box_scores",
        md,
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column("gid", sa.BigInteger),
        sa.Column("pts", sa.Integer),
    )
    sa.Table(
        "espn_box_scores",
        md,
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column("espn_id", sa.String(12)),
        sa.Column("pts", sa.Integer),
    )
    md.drop_all(engine)
    md.create_all(engine)
    t = time.perf_counter()
    _load(
        engine,
        schema,
        "games",
        loaded.assign(game_date=loaded["game_date"].dt.date)[["game_id", "game_date", "season"]],
    )
    _load(
        engine,
        schema,
        "play_by_play",
        pd.DataFrame(
            {
                "id": np.arange(1, len(pbp_ids) + 1),
                "game_id": pbp_ids,
                "event_num": np.arange(len(pbp_ids)) % 500,
                "description": "Jump ball",
            }
        ),
    )
    _load(engine, schema, "box_scores", pd.DataFrame({"id": np.arange(1, len(box_ids) + 1), "gid": box_ids, "pts": 10}))
    _load(
        engine,
        schema,
        "espn_box_scores",
        pd.DataFrame({"id": np.arange(1, len(espn_ids) + 1), "espn_id": espn_ids, "pts": 10}),
    )
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            for name in ("games", "play_by_play", "box_scores", "espn_box_scores"):
                conn.execute(sa.text(f"ANALYZE {_q(schema, name)}"))
    return {
        "games": len(loaded),
        "plays": len(pbp_ids),
        "box_rows": len(box_ids),
        "espn_rows": len(espn_ids),
        "load_s": round(time.perf_counter() - t, 1),
    }


def _q(schema, name):
    return f'"{schema}"."{name}"' if schema else f'"{name}"'


def _load(engine, schema, name, frame: pd.DataFrame) -> None:
    if engine.dialect.name == "postgresql":  # COPY: the fast way in
        import io

        buf = io.StringIO()
        frame.to_csv(buf, index=False, header=False)
        buf.seek(0)
        raw = engine.raw_connection()
        try:
            with raw.cursor() as cur:
                cur.copy_expert(
                    f"COPY {_q(schema, name)} ({', '.join(frame.columns)}) FROM STDIN WITH (FORMAT csv)", buf
                )
            raw.commit()
        finally:
            raw.close()
    else:
        frame.to_sql(name, engine, schema=schema, if_exists="append", index=False, chunksize=50_000)


def index_children(engine, schema) -> float:
    t = time.perf_counter()
    with engine.begin() as conn:
        for name, col in (("play_by_play", "game_id"), ("box_scores", "gid"), ("espn_box_scores", "espn_id")):
            conn.execute(sa.text(f'CREATE INDEX IF NOT EXISTS "ix_{name}_{col}" ON {_q(schema, name)} ({col})'))
            if engine.dialect.name == "postgresql":
                conn.execute(sa.text(f"ANALYZE {_q(schema, name)}"))
    return round(time.perf_counter() - t, 1)


def lake_coverage(games: pd.DataFrame) -> pd.DataFrame:
    rng = np.random.default_rng(7)
    frames = []
    for ds in ("nba_pbp", "espn_box"):
        status = rng.choice(["present", "missing", "undersized"], size=len(games), p=[0.95, 0.03, 0.02])
        frames.append(pd.DataFrame({"dataset": ds, "game_id": games["game_id"], "status": status}))
    return pd.concat(frames, ignore_index=True)


def measure(engine, spec, schedule, lake, repeat: int) -> tuple[list[float], object]:
    times, result = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        result = db_coverage(engine, spec.database, schedule, AS_OF, lake_coverage=lake)
        times.append(time.perf_counter() - t)
    return times, result


def report(label: str, times: list[float], result) -> None:
    s = result.summary
    print(
        f"  {label}: db_coverage {min(times):.2f} s best of {len(times)} "
        f"(first {times[0]:.2f} s; {', '.join(f'{x:.2f}' for x in times)}); last run: "
        + ", ".join(f"{k} {v:.2f} s" for k, v in result.timings.items())
    )
    totals = s.groupby("table", sort=False)[
        ["expected", "loaded", "absent", "empty", "raw_not_loaded", "loaded_no_raw"]
    ].sum()
    print("    " + totals.to_string().replace("\n", "\n    "))
    print(f"    {len(s)} table x season rows, {len(result.problems)} problem rows")


def run(engine, schema, args, schedule, lake) -> None:
    spec = parse_spec(
        SPEC.format(first=schedule["season"].min(), schema_line=f"  schema: {schema}\n" if schema else ""), "bench.yaml"
    )
    sizes = build(engine, schema, schedule, args.plays, args.box_rows)
    print(
        f"  loaded {sizes['games']:,} games, {sizes['plays']:,} play rows, {sizes['box_rows']:,} box "
        f"rows, {sizes['espn_rows']:,} ESPN box rows in {sizes['load_s']} s"
    )
    report("no indexes on the child game ids", *measure(engine, spec, schedule, lake, args.repeat))
    print(f"  indexes created in {index_children(engine, schema)} s")
    report("with indexes", *measure(engine, spec, schedule, lake, args.repeat))


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--url", default=os.environ.get("NBA_RECON_TEST_PG_URL") or DEFAULT_URL)
    p.add_argument("--seasons", type=int, default=30)
    p.add_argument("--plays", type=int, default=1_000_000)
    p.add_argument("--box-rows", type=int, default=700_000)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--sqlite", action="store_true", help="also on SQLite (a temporary file)")
    p.add_argument("--keep", action="store_true", help="keep the PostgreSQL schema")
    args = p.parse_args(argv)

    schedule = synthetic_schedule(args.seasons)
    lake = lake_coverage(schedule)
    print(
        f"schedule: {len(schedule):,} expected games in {schedule['season'].nunique()} seasons; "
        f"lake coverage: {len(lake):,} items"
    )

    engine = make_engine(args.url, default=None)
    schema = f"nbabench_{uuid.uuid4().hex[:8]}"
    with engine.begin() as conn:
        version = conn.execute(sa.text("select version()")).scalar().split(",")[0]
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    print(f"PostgreSQL: {redact(engine.url)} ({version}), schema {schema}")
    try:
        run(engine, schema, args, schedule, lake)
    finally:
        if not args.keep:
            with engine.begin() as conn:
                conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()

    if args.sqlite:
        with tempfile.TemporaryDirectory() as tmp:
            engine = make_engine(f"sqlite:///{tmp}/bench.db")
            print(f"SQLite {sa.__version__ and __import__('sqlite3').sqlite_version}: {tmp}/bench.db")
            try:
                run(engine, None, args, schedule, lake)
            finally:
                engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
