"""HAVE vs SHOULD: match the inventory to expected items and give each item one status.

Objects are matched on their full key, rendered from every placeholder of the item, so a file under
the wrong season folder is never taken for the game. Statuses in precedence order:

- ``missing``     no object for the item
- ``undersized``  the object is smaller than the dataset's ``min_bytes``
- ``empty``       the object fails the dataset's ``content`` rule (a JSON page whose plays list is
                  empty, a header-only CSV, a Parquet file without rows or columns). Only set by
                  content probing (``nba_simulator.content``, ``nba-recon reconcile --probe``),
                  after matching: objects that were not probed keep their status
- ``premature``   last modified before its game's date had ended (midnight UTC after the date)
- ``stale``       per-season / per-team-season dataset of the season in progress at ``as_of``,
                  last modified more than ``freshness_days`` before ``as_of``
- ``present``     none of the above
- ``unmapped``    no key can be expected: the schedule lacks an id the layout needs

When several objects serve one item (a duplicate, e.g. the same game under the old and the new
layout) the best of them decides the status and all of them are listed in ``duplicates``.
Keys that belong to no item are never dropped: ``orphans`` holds those that parse for a dataset
(reason ``orphan``, with why they matched nothing) and those that parse for none (``unparsed``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .. import seasons as season_math
from ..asof import parse_as_of
from ..compat import arrow_strings
from ..schedule.owed import NOT_OWED_STATUSES, day_end
from ..schedule.phases import UNDECIDED, judged_by
from ..spec.model import Spec
from ..spec.template import ALTERNATIVES
from .expected import Expected
from .unjudged import ID_COLUMNS, needed_ids

STATUS_ORDER = ("missing", "undersized", "invalid", "empty", "premature", "stale", "present")
PROBLEM_STATUSES = ("missing", "undersized", "invalid", "empty", "premature", "stale")
ALL_STATUSES = STATUS_ORDER + ("unmapped",)

COVERAGE_COLUMNS = [
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
    "expected_key",
    "status",
    "key",
    "size",
    "last_modified",
    "n_objects",
    "detail",
]
ORPHAN_COLUMNS = ["key", "dataset", "reason", "detail", "size", "last_modified"]
DUPLICATE_COLUMNS = ["dataset", "season", "game_id", "expected_key", "key", "size", "last_modified", "chosen"]


def match(spec: Spec, expected: Expected, inventory: pd.DataFrame, as_of, schedule: pd.DataFrame | None = None):
    """Return ``(coverage, orphans, duplicates)`` DataFrames."""
    as_of = parse_as_of(as_of)
    spec = spec.at(as_of)
    items, item_keys = expected.items, expected.keys
    # masks over the inventory as given (no copy of it): excluded keys, expected keys
    kept = ~_excluded_mask(inventory, spec.exclude)
    # one hash probe of every object against the expected keys; the join then sees only hits
    expected_mask = _isin(inventory["key"], item_keys["key"]) & kept
    hits = item_keys.merge(inventory[expected_mask], on="key", how="inner")
    hits = hits.merge(items[["item_id", "dataset", "per", "season", "item_end", "expected_key"]], on="item_id")
    hits["status"] = _object_status(spec, hits, as_of)
    hits["rank"] = hits["status"].map({s: i for i, s in enumerate(STATUS_ORDER)})
    hits["canonical"] = hits["key"] == hits["expected_key"]
    # best object first: better status, then the canonical layout, then newer, then by key
    hits = hits.sort_values(
        ["item_id", "rank", "canonical", "last_modified", "key"],
        ascending=[True, False, False, False, True],
        kind="mergesort",
    )
    n_objects = hits.groupby("item_id").size().rename("n_objects")
    best = hits.drop_duplicates("item_id")[["item_id", "key", "size", "last_modified", "status"]]

    cov = items.merge(best, on="item_id", how="left").merge(n_objects, on="item_id", how="left")
    cov["n_objects"] = cov["n_objects"].fillna(0).astype("int64")
    cov["size"] = cov["size"].astype("Int64")
    cov["status"] = cov["status"].fillna("missing")
    cov.loc[cov["expected_key"].isna(), "status"] = "unmapped"
    cov["detail"] = _unmapped_detail(spec, cov, schedule)
    coverage = cov[COVERAGE_COLUMNS].reset_index(drop=True)

    dup_ids = n_objects[n_objects > 1].index
    dups = hits[hits["item_id"].isin(dup_ids)].merge(items[["item_id", "game_id"]], on="item_id")
    dups["chosen"] = ~dups.duplicated("item_id")
    duplicates = dups[DUPLICATE_COLUMNS].reset_index(drop=True)

    # the keys of hits are exactly the expected ones present; the rest is classified
    unmatched = inventory.loc[kept & ~expected_mask, ["key", "size", "last_modified"]]
    orphans = classify_unmatched(spec, unmatched, expected, schedule, as_of)
    return coverage, orphans, duplicates


def _unmapped_detail(spec: Spec, cov: pd.DataFrame, schedule: pd.DataFrame | None = None) -> pd.Series:
    """Why an item is unmapped (the id its dataset's keys need is not in the schedule, or is but
    does not fit the layout: an ESPN id of 8 digits); for an item of a game whose season type is
    undecided, that it is owed alike under every type the game may be; NA for every other item."""
    text = {
        d.name: f"the schedule has no {needed_ids(d) or 'value its key needs'} for this game: no key can be expected"
        for d in spec.datasets
    }
    unmapped = cov["status"] == "unmapped"
    out = pd.Series(pd.NA, index=cov.index, dtype="string")
    out[(cov["season_type"] == UNDECIDED).to_numpy()] = (
        "season type undecided (the lake's pages list the game without it): owed alike under every type "
        "it may be (schedule.parquet: season_type_candidates)"
    )
    if unmapped.any():
        out[unmapped] = cov.loc[unmapped, "dataset"].map(text).astype("string")
        for d in spec.datasets:  # an id the schedule has, but that does not fit the layout
            for col in dict.fromkeys(p for t in d.layouts for p in t.placeholders if p in ID_COLUMNS):
                if schedule is None or col not in schedule or col == "game_id":
                    continue
                mine = (unmapped & (cov["dataset"] == d.name)).to_numpy()
                if not mine.any():
                    continue
                known = schedule.drop_duplicates("game_id").set_index("game_id")[col].astype("string")
                value = cov.loc[mine, "game_id"].map(known).astype("string")
                rows = value.notna()
                if rows.any():
                    layouts = ", ".join(t.text for t in d.layouts)
                    out[value.index[rows.to_numpy()]] = (
                        f"the schedule's {col} '"
                        + value[rows].str.slice(0, 40)
                        + f"' does not fit the dataset's keys ({layouts}): no key can be expected"
                    ).to_numpy()
    return out


def _arrow_keys(keys: pd.Series):
    """The Arrow data of a string column, without copying it (chunks stay chunks)."""
    return arrow_strings(keys)


def _isin(keys: pd.Series, values: pd.Series) -> np.ndarray:
    """``keys.isin(values)`` for string columns as one Arrow hash probe (no Python per value)."""
    if not len(keys) or not len(values):
        return np.zeros(len(keys), dtype=bool)
    value_set = _arrow_keys(values.drop_duplicates())
    if isinstance(value_set, pa.ChunkedArray):
        value_set = value_set.combine_chunks()  # the expected keys: small
    found = pc.fill_null(pc.is_in(_arrow_keys(keys), value_set=value_set), False)
    return found.to_numpy()


def _isin_like_pandas(keys: pd.Series, values) -> pd.Series:
    """``keys.isin(values)``, the same answer: for two string columns as one Arrow hash probe
    (pandas' own ``isin`` of an Arrow string column makes a Python scalar of every value first:
    ~0.2 s for the schedule's ids), else pandas' own."""
    values = values if isinstance(values, pd.Series) else pd.Series(values, copy=False)
    if isinstance(keys.array, pd.arrays.ArrowStringArray) and isinstance(values.dtype, pd.StringDtype):
        return pd.Series(_isin(keys, values), index=keys.index)
    return keys.isin(values)


def _is_sorted(keys: pd.Series) -> bool:
    """Whether string keys are in strictly increasing order (one vectorised pass)."""
    if len(keys) < 2:
        return True
    arr = _arrow_keys(keys)
    if arr.null_count:
        return False
    return bool(pc.all(pc.less(arr[:-1], arr[1:])).as_py())


def _excluded_mask(inventory: pd.DataFrame, exclude) -> np.ndarray:
    mask = np.zeros(len(inventory), dtype=bool)
    if len(exclude) and len(inventory):
        keys = _arrow_keys(inventory["key"])
        for prefix in exclude:
            mask |= pc.fill_null(pc.starts_with(keys, pattern=prefix), False).to_numpy()
    return mask


def drop_excluded(inventory: pd.DataFrame, exclude) -> pd.DataFrame:
    if not len(exclude):
        return inventory
    keys = inventory["key"].astype(str)
    mask = np.zeros(len(inventory), dtype=bool)
    for prefix in exclude:
        mask |= keys.str.startswith(prefix).to_numpy()
    return inventory[~mask]


def _object_status(spec: Spec, hits: pd.DataFrame, as_of: pd.Timestamp) -> pd.Series:
    min_bytes = hits["dataset"].map({d.name: d.min_bytes for d in spec.datasets}).astype("float64")
    fresh_days = hits["dataset"].map({d.name: d.freshness_days for d in spec.datasets}).astype("float64")
    modified = pd.to_datetime(hits["last_modified"], utc=True)
    current = season_math.of_date(as_of)
    periodic = hits["per"].isin(["season", "team_season"])
    stale_cut = as_of - pd.to_timedelta(fresh_days.astype(float), unit="D")

    status = pd.Series("present", index=hits.index, dtype=object)
    status[periodic & (hits["season"] == current) & fresh_days.notna() & (modified < stale_cut)] = "stale"
    status[hits["item_end"].notna() & (modified < hits["item_end"])] = "premature"
    status[hits["size"] < min_bytes] = "undersized"
    return status


def classify_unmatched(
    spec: Spec, unmatched: pd.DataFrame, expected: Expected, schedule: pd.DataFrame | None, as_of: pd.Timestamp
) -> pd.DataFrame:
    """Orphans (parse for a dataset) with the reason they matched nothing; the rest unparsed.

    Every key gets one row: the first layout (in spec order) that parses it makes it an orphan of
    that dataset, else it is unparsed. Built in place over the unmatched rows (no copy of them
    per layout), sorted by key.
    """
    rest = unmatched[["key", "size", "last_modified"]].reset_index(drop=True)
    n = len(rest)
    left = np.ones(n, dtype=bool)  # not claimed by a layout yet
    dataset = np.full(n, pd.NA, dtype=object)
    orphan = np.zeros(n, dtype=np.int8)  # reason: 0 unparsed, 1 orphan
    detail_code = np.zeros(n, dtype=np.int32)
    details = ["matches no dataset layout"]  # detail_code -> text (built as Arrow, no object per row)
    for ds in spec.datasets:
        for layout in ds.layouts:
            if not left.any():
                break
            hit = layout.matches(rest["key"]).to_numpy() & left
            if not hit.any():
                continue
            fields = layout.parse(rest["key"][hit])
            dataset[hit] = ds.name
            orphan[hit] = 1
            texts, codes = np.unique(
                _orphan_detail(ds, fields, expected, schedule, as_of).to_numpy(dtype=object).astype(str),
                return_inverse=True,
            )
            detail_code[hit] = len(details) + codes
            # a file of a game (or day) not over at as_of is not an orphan: it is not owed yet
            orphan[np.flatnonzero(hit)[np.isin(texts, NOT_YET_OWED_DETAILS)[codes]]] = 2
            details.extend(texts.tolist())
            left &= ~hit
    reason = pa.DictionaryArray.from_arrays(pa.array(orphan), pa.array(UNMATCHED_REASONS)).cast(pa.string())
    detail = pa.DictionaryArray.from_arrays(pa.array(detail_code), pa.array(details, pa.string())).cast(pa.string())
    out = rest.assign(
        dataset=pd.Series(dataset, index=rest.index, dtype=object),
        reason=pd.array(reason, dtype="str"),
        detail=pd.array(detail, dtype="str"),
    )
    if not _is_sorted(rest["key"]):  # an inventory sorted by key is already in order: O(n) check
        out = out.sort_values("key", kind="mergesort")
    return out[ORPHAN_COLUMNS].reset_index(drop=True)


_ID_COLUMNS = ("game_id", "espn_game_id", "bbref_game_id")
#: an unmatched key's reason: it parses for no dataset, it is an orphan, or its game (or day)
#: is not over at as_of (a back-dated run: the file is not owed yet, it is no orphan)
UNMATCHED_REASONS = ["unparsed", "orphan", "not_yet_owed"]
GAME_NOT_OVER = "game not finished as of the run date"
DAY_NOT_OVER = "date not over as of the run date"
NOT_YET_OWED_DETAILS = [GAME_NOT_OVER, DAY_NOT_OVER]


def _games_by_id(schedule: pd.DataFrame, id_col: str) -> pd.DataFrame:
    """The schedule indexed by ``id_col``, further ids (``ALTERNATIVES``) included."""
    games = schedule.dropna(subset=[id_col])
    extra = ALTERNATIVES.get(id_col)
    if extra and extra in schedule.columns and schedule[extra].notna().any():
        more = schedule.dropna(subset=[extra])
        more = more.assign(**{id_col: more[extra].astype(str).str.split()}).explode(id_col)
        games = pd.concat([games, more], ignore_index=True)
    return games.drop_duplicates(id_col).set_index(id_col)


def _orphan_detail(ds, fields: pd.DataFrame, expected: Expected, schedule, as_of) -> pd.Series:
    """Why a key that parses for ``ds`` matched no expected item."""
    detail = pd.Series(
        "no expected item has this key (outside the spec's seasons, types or dates)", index=fields.index, dtype=object
    )
    id_col = next((c for c in _ID_COLUMNS if c in fields.columns), None)
    if (
        schedule is not None
        and id_col is None
        and ds.per == "date"
        and ("date" in fields.columns or "yyyymmdd" in fields.columns)
    ):
        col, fmt = (fields["date"], "%Y-%m-%d") if "date" in fields.columns else (fields["yyyymmdd"], "%Y%m%d")
        day = pd.to_datetime(col, format=fmt, errors="coerce")
        game_days = (
            pd.to_datetime(schedule.loc[~schedule["status"].isin(NOT_OWED_STATUSES), "game_date"]).dropna().unique()
        )
        no_game = day.notna() & ~day.isin(game_days)
        detail[no_game.to_numpy()] = "no game of the schedule on this date"
        later = day.notna() & (day_end(day) > as_of)
        detail[later.to_numpy()] = DAY_NOT_OVER
        return detail
    if schedule is None or id_col is None:
        return detail
    if id_col not in schedule.columns or schedule[id_col].isna().all():
        return pd.Series(
            f"id unknown: the schedule has no {id_col} for any game, so no file named by "
            f"one can be matched to its game",
            index=fields.index,
            dtype=object,
        )
    games = _games_by_id(schedule, id_col)
    known = _isin_like_pandas(fields[id_col], games.index)
    unmapped = int(
        (expected.items["dataset"] == ds.name).sum()
        - expected.items.loc[expected.items["dataset"] == ds.name, "expected_key"].notna().sum()
    )
    detail[~known] = (
        f"{id_col} not in the schedule (id unknown: {unmapped} owed games of this dataset "
        f"have no {id_col}; it may be one of them)"
        if unmapped
        else f"{id_col} not in the schedule"
    )
    g = games.reindex(fields[id_col])
    g.index = fields.index
    status = g["status"]
    detail[known & (day_end(g["game_date"]) > as_of)] = GAME_NOT_OVER
    judged = judged_by(g, ds.season_types).to_numpy()
    outside = known & (~g["season"].isin(ds.seasons) | ~judged)
    detail[outside] = "game outside the dataset's seasons or season types"
    untyped = known & g["season_type"].isna() & ~judged
    detail[untyped] = (
        "game known only from the lake's scoreboard pages, whose season type neither the page "
        "nor the season's phases tell, and may be one outside the dataset's season types "
        "(summary.json unjudged: type unknown)"
    )
    detail[known & status.isin(NOT_OWED_STATUSES)] = "game " + status.astype(str)
    items = expected.items[expected.items["dataset"] == ds.name]
    owed = items.dropna(subset=["game_id"])
    if len(owed):
        game_ids = fields[id_col] if id_col == "game_id" else g["game_id"]
        where = owed.drop_duplicates("game_id").set_index("game_id")["expected_key"]
        wrong = known & _isin_like_pandas(game_ids, where.index)
        detail[wrong] = "key differs from the expected key " + game_ids[wrong].map(where).astype(str)
    return detail
