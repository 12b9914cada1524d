"""The user's database as the spec's ``database:`` section maps it: its URL (``data_url``), a
mapped table checked (``reflect``: a table or column that is not there is refused naming the
spec's line) and selected from (``table_clause``), and ``schedule: db``, the canonical schedule
read from the games table (``schedule_from_db``)."""

from __future__ import annotations

import pandas as pd
import sqlalchemy as sa

from ..errors import BadInput, ScheduleError
from ..schedule.dedupe import one_row_per_game
from ..schedule.load import COLUMNS, canonical
from ..spec.database import DatabaseConfig, GamesMap, TableMap
from .engine import connect, database_url, make_engine, redact


def reflect(conn, cfg: DatabaseConfig, t: TableMap, columns: list[str]) -> dict[str, bool]:
    """{column: is_integer} for ``columns`` of table ``t``; BadInput naming the spec line when
    the table or a column does not exist."""
    insp = sa.inspect(conn)
    if not insp.has_table(t.table, schema=t.schema):
        raise BadInput(f"{cfg.where(t)}: database: no table {t.label!r} in {redact(conn.engine.url)}")
    cols = {c["name"]: c["type"] for c in insp.get_columns(t.table, schema=t.schema)}
    out = {}
    for name in columns:
        if name not in cols:
            raise BadInput(
                f"{cfg.where(t)}: database: table {t.label!r} has no column {name!r} (columns: {', '.join(cols)})"
            )
        out[name] = isinstance(cols[name], sa.Integer)
    return out


def table_clause(t: TableMap, *columns: str) -> sa.TableClause:
    return sa.table(t.table, *(sa.column(c) for c in dict.fromkeys(columns)), schema=t.schema)


def schedule_from_db(config: DatabaseConfig, engine=None) -> pd.DataFrame:
    """The canonical schedule (``schedule.load``'s contract) from the configured games table:
    one SELECT of the mapped columns, then the schedule loader's own normalisation and checks.
    A season column that is not written like ``2023-24`` is ignored (the game id says the season)."""
    if config is None or config.games is None:
        raise ScheduleError("schedule: db needs the spec's database.games section")
    g: GamesMap = config.games
    wanted = {name: g.column(name) for name in COLUMNS if g.column(name)}
    lacking = [c for c in ("game_date", "home_team", "away_team") if c not in wanted]
    if lacking:
        raise ScheduleError(f"{config.where(g)}: schedule: db needs database.games.{lacking[0]}")
    own = engine is None
    engine = engine or make_engine(data_url(config), default=None)
    try:
        with connect(engine) as conn:
            reflect(conn, config, g, list(dict.fromkeys(wanted.values())))
            tab = table_clause(g, *wanted.values())
            q = sa.select(*(tab.c[col].label(name) for name, col in wanted.items()))
            raw = pd.read_sql(q, conn)
    finally:
        if own:
            engine.dispose()
    name = f"database table {g.label}"
    raw.index = pd.RangeIndex(1, len(raw) + 1, name="row")
    for col in raw.columns:
        if col not in ("game_date", "original_date"):
            raw[col] = raw[col].map(lambda v: None if v is None or pd.isna(v) else str(v)).astype("string")
    if "season" in raw:
        raw["season"] = raw["season"].where(raw["season"].str.fullmatch(r"\d{4}-\d{2}").fillna(False))
    for col in ("season", "season_type"):
        if col not in raw:
            raw[col] = pd.Series(pd.NA, index=raw.index, dtype="string")
    if "game_date" in raw and not pd.api.types.is_datetime64_any_dtype(raw["game_date"]):
        raw["game_date"] = pd.to_datetime(raw["game_date"].astype("string"), format="ISO8601", errors="coerce")
    try:
        frame = canonical(raw)
    except ScheduleError as exc:
        raise ScheduleError(f"{name}: {exc}") from None
    frame = one_row_per_game(frame, name)
    return frame.sort_values(["game_date", "game_id"], na_position="last", kind="stable").reset_index(drop=True)


def data_url(config: DatabaseConfig | None, url: str | None = None) -> str:
    return database_url(url, config, required="the database parameter")
