"""The spec's ``database:`` section: which of the user's tables hold games and per-game rows, and
where the run history lives. Validated with the spec, with the spec's file:line errors.

::

    database:
      url: postgresql+psycopg2://recon@db.internal:5432/nba   # no password here: see engine.py
      schema: public                    # optional: where the tables below live
      seasons: 2017-18..2024-25         # optional: default, every season of the lake datasets
      season_types: [regular, playoffs] # optional: default, those of the lake datasets
      games:                            # the games table (one row per game)
        table: games
        game_id: game_id                # column names; these are the defaults
        game_date: game_date
        season: season
        home_team: home_team            # needed by `schedule: db`
        away_team: away_team
        datasets: [espn_schedules]      # optional: lake datasets (per game) its rows come from
      children:                         # tables with rows per game
        - {table: play_by_play, game_id: game_id, datasets: [nba_api_play_by_play]}
        - {table: espn_box_scores, game_id: game_id, ids: espn, datasets: [espn_box_scores]}
      history:                          # optional: the run history (default sqlite:///runs/history.db)
        url: postgresql+psycopg2://recon@db.internal:5432/nba
        schema: nba_recon
        cloudwatch: {namespace: NBARecon, region: us-east-1}   # optional, off when absent

``ids: espn`` says a table's game id column holds ESPN ids rather than NBA Stats ids. Column types
are read from the database: an integer column is compared with the ids as numbers (``22300001``),
so lost leading zeros do not matter.

Part of the spec layer (the loader parses the section here); it does not import SQLAlchemy.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from .model import SEASON_TYPES, resolve_open_range

IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
ID_KINDS = ("nba", "espn")
GAME_COLUMNS = ("game_id", "game_date", "season", "season_type", "home_team", "away_team", "espn_game_id", "status")
#: columns of the games table read by ``schedule: db`` when mapped (None = not in the table)
GAME_DEFAULTS = {
    "game_id": "game_id",
    "game_date": "game_date",
    "season": "season",
    "season_type": None,
    "home_team": "home_team",
    "away_team": "away_team",
    "espn_game_id": None,
    "status": None,
}


@dataclass(frozen=True)
class TableMap:
    """One table with rows per game."""

    table: str
    schema: str | None = None
    game_id: str = "game_id"
    ids: str = "nba"  # nba | espn: which schedule id the game_id column holds
    datasets: tuple[str, ...] = ()  # lake datasets whose raw files feed this table
    line: int | None = None

    @property
    def label(self) -> str:
        return f"{self.schema}.{self.table}" if self.schema else self.table


@dataclass(frozen=True)
class GamesMap(TableMap):
    columns: dict[str, str | None] = field(default_factory=lambda: dict(GAME_DEFAULTS))

    def column(self, name: str) -> str | None:
        return self.game_id if name == "game_id" else self.columns.get(name)


@dataclass(frozen=True)
class CloudWatchConfig:
    namespace: str = "NBARecon"
    region: str | None = None


@dataclass(frozen=True)
class HistoryConfig:
    url: str | None = None
    schema: str | None = None
    cloudwatch: CloudWatchConfig | None = None


@dataclass(frozen=True)
class DatabaseConfig:
    url: str | None = None
    schema: str | None = None
    games: GamesMap | None = None
    children: tuple[TableMap, ...] = ()
    seasons: tuple[str, ...] | None = None
    season_types: tuple[str, ...] | None = None
    history: HistoryConfig | None = None
    seasons_open: tuple[str, str] | None = None  # ``2017-18..current``: resolved by seasons_at
    path: str | None = None  # the spec file, for messages
    line: int | None = None

    def seasons_at(self, as_of) -> tuple[str, ...] | None:
        """The section's seasons at ``as_of`` (an open range resolved there); None: not set."""
        if self.seasons_open is None:
            return self.seasons
        return resolve_open_range(self.seasons_open, as_of)

    @property
    def tables(self) -> tuple[TableMap, ...]:
        return ((self.games,) if self.games else ()) + self.children

    def where(self, table: TableMap | None = None) -> str:
        """``spec.yaml:12`` for messages about the section or one of its tables."""
        line = table.line if table is not None and table.line else self.line
        return f"{self.path}:{line}" if self.path and line else (self.path or "database")


SECTION = {"url", "schema", "games", "children", "seasons", "season_types", "history"}
TABLE = {"table", "schema", "game_id", "ids", "datasets"}
GAMES = TABLE | set(GAME_COLUMNS)
HISTORY = {"url", "schema", "cloudwatch"}
CLOUDWATCH = {"namespace", "region"}


def parse_database(v, value: Any, doc, datasets, schedule: str) -> DatabaseConfig:
    """Validate the ``database`` mapping. ``v`` is the spec loader's validator (its ``fail``,
    ``mapping``, ``text`` and ``season_list`` give the file:line errors)."""
    d = v.mapping(value, "database", SECTION, doc, "database")
    by_name = {ds.name: ds for ds in datasets}

    def ident(m, key, what, default=None, dotted=False):
        name = m.get(key, default)
        if name is None:
            return None
        parts = name.split(".") if isinstance(name, str) and dotted else [name]
        if not all(isinstance(p, str) and IDENTIFIER.match(p) for p in parts):
            raise v.fail(f"{what}: {key} must be a plain SQL name (letters, digits, _), got {name!r}", m, key)
        return name

    def table(m, what, cls, **extra):
        if "table" not in m:
            raise v.fail(f"{what} lacks the required field 'table'", m)
        name = ident(m, "table", what, dotted=True)
        schema = ident(m, "schema", what) or section_schema
        if "." in name:
            schema, name = name.split(".", 1)
        ids = m.get("ids", "nba")
        if ids not in ID_KINDS:
            raise v.fail(f"{what}: ids must be one of {', '.join(ID_KINDS)}, got {ids!r}", m, "ids")
        names = m.get("datasets", [])
        names = [names] if isinstance(names, str) else names
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise v.fail(f"{what}: datasets must be a list of dataset names", m, "datasets")
        for n in names:
            if n not in by_name:
                raise v.fail(f"{what}: unknown dataset {n!r} (datasets: {', '.join(by_name)})", m, "datasets")
            if by_name[n].per != "game":
                raise v.fail(
                    f"{what}: dataset {n!r} is per {by_name[n].per}, not per game: its "
                    "files cannot be matched to rows of a game",
                    m,
                    "datasets",
                )
        return cls(
            table=name,
            schema=schema,
            game_id=ident(m, "game_id", what, "game_id"),
            ids=ids,
            datasets=tuple(names),
            line=m.line,
            **extra,
        )

    section_schema = ident(d, "schema", "database")
    games = None
    if "games" in d:
        g = v.mapping(d["games"], "database.games", GAMES, d, "games")
        cols = {k: ident(g, k, "database.games", default) for k, default in GAME_DEFAULTS.items() if k != "game_id"}
        games = table(g, "database.games", GamesMap, columns=cols)
    children = []
    if "children" in d:
        kids = d["children"]
        if not isinstance(kids, list):
            raise v.fail("database.children must be a list of tables", d, "children")
        for i, c in enumerate(kids):
            what = f"database.children[{i}]"
            children.append(table(v.mapping(c, what, TABLE, kids), what, TableMap))
    labels = [t.table for t in ((games,) if games else ()) + tuple(children)]
    if len(set(labels)) < len(labels):  # outputs name tables without their schema
        dup = next(x for x in labels if labels.count(x) > 1)
        raise v.fail(f"database: table {dup!r} is mapped twice", d)
    if children and games is None:
        raise v.fail(
            "database.children need database.games (a child row counts for a game of the games table)", d, "children"
        )

    url = d.get("url")
    if url is not None and (not isinstance(url, str) or "://" not in url):
        raise v.fail(
            "database.url must be a URL like postgresql+psycopg2://user@host:5432/db "
            "(the password comes from NBA_RECON_DB_PASSWORD or ~/.pgpass)",
            d,
            "url",
        )
    seasons, seasons_open = None, None
    if "seasons" in d:
        listed, seasons_open = v.season_list(d["seasons"], d, "database")
        seasons = None if seasons_open else tuple(listed)
    types = d.get("season_types")
    if types is not None:
        types = [types] if isinstance(types, str) else types
        bad = [t for t in types if t not in SEASON_TYPES] if isinstance(types, list) else [types]
        if bad or not types:
            raise v.fail(
                f"database: unknown season type {bad[0] if bad else types!r} (allowed: {', '.join(SEASON_TYPES)})",
                d,
                "season_types",
            )
        types = tuple(types)

    history = None
    if "history" in d:
        h = v.mapping(d["history"], "database.history", HISTORY, d, "history")
        hurl = h.get("url")
        if hurl is not None and (not isinstance(hurl, str) or "://" not in hurl):
            raise v.fail("database.history.url must be a URL like sqlite:///runs/history.db", h, "url")
        cw = None
        if "cloudwatch" in h:
            c = (
                v.mapping(h["cloudwatch"] or {}, "database.history.cloudwatch", CLOUDWATCH, h, "cloudwatch")
                if h["cloudwatch"] is not None
                else None
            )
            if c is not None:
                cw = CloudWatchConfig(
                    namespace=v.text(c, "namespace", "database.history.cloudwatch") if "namespace" in c else "NBARecon",
                    region=v.text(c, "region", "database.history.cloudwatch") if "region" in c else None,
                )
        history = HistoryConfig(url=hurl, schema=ident(h, "schema", "database.history"), cloudwatch=cw)

    if schedule == "db":
        if games is None:
            raise v.fail("schedule: db needs database.games (the table of expected games)", d)
        for col in ("game_date", "home_team", "away_team"):
            if games.column(col) is None:
                raise v.fail(f"schedule: db needs the games table's {col} column (database.games.{col})", d["games"])
    return DatabaseConfig(
        url=url,
        schema=section_schema,
        games=games,
        children=tuple(children),
        seasons=seasons,
        seasons_open=seasons_open,
        season_types=types,
        history=history,
        path=v.name,
        line=doc.key_lines.get("database", d.line),
    )
