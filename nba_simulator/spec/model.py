"""What the lake SHOULD hold: datasets, their key layouts, and the rules that rank and batch gaps."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import pandas as pd

from .. import seasons as season_math
from .template import KeyTemplate

PER_VALUES = ("game", "date", "season", "team_season")
#: the moving ends a season range may have (``seasons: 2002-03..current``), resolved at as_of
OPEN_SEASON_ENDS = ("current", "previous")
SEASON_TYPES = ("preseason", "regular", "all_star", "playoffs", "play_in", "cup_final")
PRIORITIES = ("CRITICAL", "HIGH", "MEDIUM", "LOW")
CONTENT_FORMATS = ("json", "csv", "parquet")

#: placeholders an item of each granularity can fill
PLACEHOLDERS_BY_PER = {
    "game": {
        "game_id",
        "espn_game_id",
        "bbref_game_id",
        "season",
        "season_start",
        "season_end",
        "date",
        "yyyymmdd",
        "home",
        "away",
    },
    "date": {"season", "season_start", "season_end", "date", "yyyymmdd"},
    "season": {"season", "season_start", "season_end"},
    "team_season": {"season", "season_start", "season_end", "team"},
}
#: a layout of these granularities must name one of these placeholders, else every item of it
#: would be the same one file (``per: game`` with ``pbp/0021800001.json`` is "complete" from it)
IDENTIFYING_BY_PER = {
    "game": {"game_id", "espn_game_id", "bbref_game_id", "date", "yyyymmdd"},
    "date": {"date", "yyyymmdd"},
    "team_season": {"team"},
}


@dataclass(frozen=True)
class ContentRule:
    """What "holds something" means for a dataset's files (checked by ``nba_simulator.content``).

    * ``json``: one of the ``non_empty`` paths (dotted, ``*`` for every element, digits for a list
      index: ``page.content.gamepackage.pbp.playGrps``) holds at least ``min_rows`` items; a list
      of lists (plays grouped by period) counts the items of its inner lists.
    * ``csv``: at least ``min_rows`` data rows (after the header when ``header``), with ``columns``
      in the header.
    * ``parquet``: at least ``min_rows`` rows (from the footer) and the ``columns``.
    """

    format: str
    non_empty: tuple[str, ...] = ()
    min_rows: int = 1
    columns: tuple[str, ...] = ()
    header: bool = True
    line: int | None = None

    def fingerprint(self) -> str:
        """Identifies what the rule asks, so a changed rule re-probes cached objects."""
        return "|".join(
            [self.format, ",".join(self.non_empty), str(self.min_rows), ",".join(self.columns), str(self.header)]
        )


@dataclass(frozen=True)
class Dataset:
    """One kind of file in the lake: where its files are (``layouts``, the first the canonical
    one), one per what (``per``: game, date, season, team_season), for which seasons and season
    types, and what makes a file good enough (``min_bytes``, ``freshness_days``, ``content``)."""

    name: str
    source: str
    data_type: str
    layouts: tuple[KeyTemplate, ...]
    per: str
    seasons: tuple[str, ...]
    season_types: tuple[str, ...]
    required: bool = True
    min_bytes: int = 0
    freshness_days: int | None = None
    scraper: str | None = None
    line: int | None = None
    content: ContentRule | None = None  # what a non-empty file holds; None: not checked
    #: an open-ended ``seasons: FIRST..current`` (or ``..previous``): the range's first season and
    #: its moving end, resolved against ``as_of`` by :meth:`at`; ``None`` for a fixed list
    seasons_open: tuple[str, str] | None = None

    @property
    def canonical(self) -> KeyTemplate:
        """The first layout: where new files are expected to land."""
        return self.layouts[0]


@dataclass(frozen=True)
class PriorityRule:
    """First matching rule wins. Unset conditions match everything."""

    priority: str
    required: bool | None = None
    within_days: int | None = None  # newest problem game ended within N days of as_of
    season: str | None = None  # current | previous | older
    max_completeness: float | None = None  # dataset x season completeness (%) at most this
    min_completeness: float | None = None
    statuses: tuple[str, ...] | None = None
    datasets: tuple[str, ...] | None = None
    line: int | None = None


@dataclass(frozen=True)
class TaskRules:
    batch_size: int = 100
    max_per_priority: dict[str, int] = field(default_factory=dict)
    scrapers: dict[str, str] = field(default_factory=dict)  # dataset name or source -> scraper

    def scraper_for(self, dataset: Dataset) -> str:
        return (
            dataset.scraper
            or self.scrapers.get(dataset.name)
            or self.scrapers.get(dataset.source)
            or f"{dataset.source}_scraper"
        )


DEFAULT_PRIORITIES = (
    PriorityRule("CRITICAL", required=True, within_days=3),
    PriorityRule("HIGH", season="current"),
    PriorityRule("MEDIUM", season="previous"),
    PriorityRule("LOW"),
)


@dataclass(frozen=True)
class InventorySource:
    """Read the lake's inventory from S3 Inventory reports instead of listing (``inventory:``)."""

    uri: str  # s3://dest/prefix/ or a local folder with that layout
    max_age_days: float | None = None  # older deliveries (as of the run) fall back to listing
    line: int | None = None


@dataclass(frozen=True)
class Spec:
    """A validated spec file (``spec.load.load_spec``): the datasets, the schedule they are judged
    against, the prefixes never listed, the priority and task rules, and the optional
    ``database:`` and ``inventory:`` sections."""

    path: str
    version: int
    schedule: str
    exclude: tuple[str, ...]
    datasets: tuple[Dataset, ...]
    priorities: tuple[PriorityRule, ...] = DEFAULT_PRIORITIES
    tasks: TaskRules = field(default_factory=TaskRules)
    database: object = None  # spec.database.DatabaseConfig, or None
    inventory: InventorySource | None = None  # S3 Inventory reports instead of listing

    def dataset(self, name: str) -> Dataset:
        for d in self.datasets:
            if d.name == name:
                return d
        raise KeyError(name)

    def at(self, as_of) -> Spec:
        """The spec with every open-ended season range (``2002-03..current``) resolved at
        ``as_of``: ``current`` is the season ``as_of`` belongs to (``seasons.of_date``: August
        starts the next season, so in July the season just ended is still current), ``previous``
        the one before. A range whose end comes before its first season holds no season.
        Idempotent; a spec without open ranges is returned as is."""
        if not any(d.seasons_open for d in self.datasets):
            return self
        out = []
        for d in self.datasets:
            if d.seasons_open:
                d = dataclasses.replace(d, seasons=resolve_open_range(d.seasons_open, as_of))
            out.append(d)
        return dataclasses.replace(self, datasets=tuple(out))


def resolve_open_range(open_range: tuple[str, str], as_of) -> tuple[str, ...]:
    """The seasons of an open range ``(first, "current" | "previous")`` at ``as_of`` (see
    :meth:`Spec.at`); empty when the end comes before the first season."""
    first, end = open_range
    current = season_math.start_year(season_math.of_date(as_of_date(as_of)))
    last = {"current": current, "previous": current - 1}[end]
    return tuple(season_math.label(y) for y in range(season_math.start_year(first), last + 1))


def as_of_date(as_of):
    """The calendar date (UTC) of an ``as_of`` value (a date, a timestamp or its text)."""
    ts = pd.Timestamp(as_of)
    if ts.tzinfo is not None:
        ts = ts.tz_convert("UTC").tz_localize(None)
    return ts.normalize()
