"""Expected items: what SHOULD be in the lake, as of a date (schedule x spec).

An item is one file a dataset owes: one per game, per game date, per season or per team-season.
A game is owed once its date has ended (midnight UTC after ``game_date``) by ``as_of``; cancelled
and postponed schedule rows are never owed on their date. A season is owed once its first
scheduled game has ended, or — when the schedule has no game of it — from 1 October of its start
year. Every layout of a dataset renders the item's key; the first layout that can be rendered is
the ``expected_key`` (where a scraper should write it).

A game known only from the lake's pages whose season type is undecided is owed by a per-game or
per-date dataset whose ``season_types`` hold every type it may be (``schedule.phases.judged_by``):
the same file whichever it is. Its item's ``season_type`` says ``undecided``, never a guess.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from .. import seasons as season_math
from ..asof import parse_as_of
from ..schedule.owed import NOT_OWED_STATUSES, day_end, owed_games
from ..schedule.phases import judged_by, undecided_label
from ..spec.model import Dataset, Spec
from ..spec.template import ALTERNATIVES

SEASON_OPENS = (10, 1)  # month, day: when a season with no scheduled game is owed anyway

ITEM_COLUMNS = [
    "item_id",
    "dataset",
    "source",
    "data_type",
    "per",
    "required",
    "season",
    "season_type",
    "game_id",
    "game_date",
    "team",
    "item_end",
    "expected_key",
]


@dataclass
class Expected:
    items: pd.DataFrame  # ITEM_COLUMNS, one row per owed file
    keys: pd.DataFrame  # item_id, key: every layout's key of every item
    warnings: list[str] = field(default_factory=list)


def expected_items(spec: Spec, schedule: pd.DataFrame, as_of) -> Expected:
    as_of = parse_as_of(as_of)
    spec = spec.at(as_of)
    played = owed_games(schedule, as_of)
    frames, warnings = [], []
    for ds in spec.datasets:
        fields = _FIELDS_BY_PER[ds.per](ds, played, schedule, as_of)
        _warn_uncovered(ds, fields, schedule, as_of, warnings)
        frames.append(_with_keys(ds, fields))
    items = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    items["item_id"] = range(len(items))
    layouts = [items[["item_id", c]].rename(columns={c: "key"}) for c in items.columns if c.startswith("_layout_")]
    if "_alt_keys" in items:  # further keys of items with several ids (ALTERNATIVES)
        alt = items[["item_id", "_alt_keys"]].dropna().explode("_alt_keys")
        layouts.append(alt.rename(columns={"_alt_keys": "key"}))
    keys = pd.concat(layouts, ignore_index=True).dropna().drop_duplicates()
    items = items.drop(columns=[c for c in items.columns if c.startswith("_layout_") or c == "_alt_keys"])
    keys["key"] = keys["key"].astype(str)
    return Expected(items[ITEM_COLUMNS].reset_index(drop=True), keys.reset_index(drop=True), warnings)


def _date_fields(dates: pd.Series) -> dict[str, pd.Series]:
    dates = pd.to_datetime(dates)
    return {"date": dates.dt.strftime("%Y-%m-%d"), "yyyymmdd": dates.dt.strftime("%Y%m%d")}


def _season_fields(season: pd.Series) -> dict[str, pd.Series]:
    start = season.str.slice(0, 4).astype(int)
    return {"season_start": start.astype(str), "season_end": (start + 1).astype(str)}


def needs_nba_id(ds: Dataset) -> bool:
    """Every layout of ``ds`` names its files by the NBA game id: games known without one (only
    from the lake's scoreboard pages) owe it nothing that could be named."""
    return bool(ds.layouts) and all("game_id" in t.placeholders for t in ds.layouts)


def _game_fields(ds: Dataset, played, schedule, as_of) -> pd.DataFrame:
    g = played[played["season"].isin(ds.seasons) & judged_by(played, ds.season_types)]
    if needs_nba_id(ds):  # said in summary.json's unjudged ("no NBA ids offline"), not unmapped
        g = g[g["game_id"].notna()]
    out = pd.DataFrame(
        {
            "season": g["season"],
            "season_type": undecided_label(g["season_type"]),
            "game_id": g["game_id"],
            "game_date": pd.to_datetime(g["game_date"]),
            "team": pd.NA,
            "espn_game_id": g["espn_game_id"],
            "bbref_game_id": g["bbref_game_id"],
            "home": g["home_team"],
            "away": g["away_team"],
        }
    )
    for extra in ALTERNATIVES.values():  # further ids of a game (espn_game_id_extra), when known
        if extra in g.columns:
            out[extra] = g[extra]
    out = out.assign(**_date_fields(out["game_date"]), **_season_fields(out["season"]))
    out["item_end"] = day_end(out["game_date"])
    return out


def _date_items(ds: Dataset, played, schedule, as_of) -> pd.DataFrame:
    g = played[played["season"].isin(ds.seasons) & judged_by(played, ds.season_types)]
    g = g.assign(game_date=pd.to_datetime(g["game_date"]), season_type=undecided_label(g["season_type"]))
    by_day = (
        g.sort_values("season_type")
        .groupby("game_date", as_index=False)
        .agg(season=("season", "first"), season_type=("season_type", "first"))
    )
    out = by_day.assign(game_id=pd.NA, team=pd.NA)
    out = out.assign(**_date_fields(out["game_date"]), **_season_fields(out["season"]))
    out["item_end"] = day_end(out["game_date"])
    return out


def _owed_seasons(ds: Dataset, schedule: pd.DataFrame, as_of: pd.Timestamp) -> list[str]:
    owed = []
    first_game = pd.to_datetime(schedule.groupby("season")["game_date"].min())
    for season in ds.seasons:
        if season in first_game.index:
            start = day_end(first_game[season])
        else:
            month, day = SEASON_OPENS
            start = pd.Timestamp(season_math.start_year(season), month, day, tz="UTC")
        if start <= as_of:
            owed.append(season)
    return owed


def _season_items(ds: Dataset, played, schedule, as_of) -> pd.DataFrame:
    season = pd.Series(_owed_seasons(ds, schedule, as_of), dtype=object)
    out = pd.DataFrame(
        {
            "season": season,
            "season_type": pd.NA,
            "game_id": pd.NA,
            "game_date": pd.NaT,
            "team": pd.NA,
            "item_end": pd.NaT,
        }
    )
    return (
        out.assign(**_season_fields(out["season"]))
        if len(out)
        else out.assign(season_start=pd.Series(dtype=object), season_end=pd.Series(dtype=object))
    )


def _team_season_items(ds: Dataset, played, schedule, as_of) -> pd.DataFrame:
    owed = _owed_seasons(ds, schedule, as_of)
    g = schedule[schedule["season"].isin(owed) & ~schedule["status"].isin(NOT_OWED_STATUSES)]
    teams = pd.concat(
        [
            g[["season", "home_team"]].rename(columns={"home_team": "team"}),
            g[["season", "away_team"]].rename(columns={"away_team": "team"}),
        ]
    )
    out = teams.drop_duplicates().sort_values(["season", "team"]).reset_index(drop=True)
    out = out.assign(season_type=pd.NA, game_id=pd.NA, game_date=pd.NaT, item_end=pd.NaT)
    return (
        out.assign(**_season_fields(out["season"]))
        if len(out)
        else out.assign(season_start=pd.Series(dtype=object), season_end=pd.Series(dtype=object))
    )


_FIELDS_BY_PER = {"game": _game_fields, "date": _date_items, "season": _season_items, "team_season": _team_season_items}


def _with_keys(ds: Dataset, fields: pd.DataFrame) -> pd.DataFrame:
    """The items of one dataset with every layout's key (``_layout_i``: a value that does not
    fit its placeholder renders no key) and, for items with further ids (``ALTERNATIVES``), the
    further keys of every layout (``_alt_keys``, a list)."""
    fields = fields.reset_index(drop=True)
    layout_keys = {f"_layout_{i}": t.render_valid(fields) for i, t in enumerate(ds.layouts)}
    alternatives = pd.concat([t.render_alternatives(fields) for t in ds.layouts], ignore_index=True)
    alt_keys = {}
    if len(alternatives):
        alt_keys["_alt_keys"] = alternatives.groupby("row")["key"].agg(list).reindex(fields.index)
    expected_key = pd.Series(pd.NA, index=fields.index, dtype="string")
    for col in reversed(list(layout_keys)):  # first renderable layout wins
        expected_key = layout_keys[col].where(layout_keys[col].notna(), expected_key)
    return pd.DataFrame(
        {
            "dataset": ds.name,
            "source": ds.source,
            "data_type": ds.data_type,
            "per": ds.per,
            "required": ds.required,
            "season": fields["season"].astype(object),
            "season_type": fields["season_type"].astype(object),
            "game_id": fields["game_id"].astype(object),
            "game_date": pd.to_datetime(fields["game_date"]),
            "team": fields["team"].astype(object),
            "item_end": pd.to_datetime(fields["item_end"], utc=True),
            "expected_key": expected_key,
            **layout_keys,
            **alt_keys,
        },
        index=fields.index,
    )


def _warn_uncovered(ds: Dataset, fields: pd.DataFrame, schedule, as_of, warnings: list[str]) -> None:
    """Say when a started season of the dataset has nothing owed because the schedule lacks it."""
    if ds.per == "season":
        return
    started = [
        s
        for s in ds.seasons
        if season_math.start_year(s) < as_of.year
        or (season_math.start_year(s) == as_of.year and as_of.month >= SEASON_OPENS[0])
    ]
    have = set(fields["season"].dropna())
    lacking = [s for s in started if s not in have]
    # seasons whose games the schedule knows, but not by the NBA id this dataset's keys need (the
    # lake's pages alone, offline): said apart, where the cause is
    no_ids = set()
    if needs_nba_id(ds) and "game_id" in schedule:
        known = schedule.loc[schedule["game_id"].isna(), "season"].dropna()
        no_ids = {s for s in lacking if (known == s).any()}
    for seasons, cause in (
        (
            [s for s in lacking if s not in no_ids],
            "the schedule has no owed games for {span}; nothing is expected there",
        ),
        (
            [s for s in lacking if s in no_ids],
            "the games of {span} are known only from the "
            "lake's scoreboard pages, without NBA ids: nothing of it can be expected offline "
            "(`nba-recon schedule update` gives the ids)",
        ),
    ):
        if seasons:
            span = seasons[0] if len(seasons) == 1 else f"{seasons[0]}..{seasons[-1]} ({len(seasons)} seasons)"
            warnings.append(f"dataset {ds.name}: " + cause.format(span=span))
