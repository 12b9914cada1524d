"""merge_sources: one canonical schedule from several sources, every row saying where it came from.

Sources that carry NBA Stats game ids (packaged history, a user file, the previous snapshot, NBA
Stats game logs, the league's schedule) are joined on ``game_id`` (it encodes season and season
type). Team codes are already the NBA Stats codes of the season (``load.canonical`` normalises
every era and spelling). ESPN scoreboards carry no NBA id: they are joined afterwards on (local
date, home, away) by ``crosswalk.attach_espn_ids``.

Precedence, highest first (``PRECEDENCE``): ``league_schedule`` (the league's current plan, with
explicit home and away teams: reschedules, postponements, cancellations, games not played yet) >
``nbastats_gamelog`` (games played, on the date they were played; home and away read from
``MATCHUP``) > ``user`` > ``snapshot`` (the previous update) > ``packaged``. For each column the highest-ranked source that has a value wins. A game that two
sources put on different dates keeps the winning date as ``game_date`` and the earliest other
date as ``original_date`` (a postponement). ESPN ids of all sources are kept (primary id of the
highest-ranked source first); ``provenance`` lists every source that had the game.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from . import ids, teams
from .id_lists import all_espn_ids, join_by, join_ids, split_espn_ids
from .load import COLUMNS, PROVENANCES, UNPLAYED, add_provenance

log = logging.getLogger(__name__)

PRECEDENCE = ("league_schedule", "nbastats_gamelog", "user", "snapshot", "packaged")


def merge_sources(sources: list[tuple[str, pd.DataFrame]]) -> tuple[pd.DataFrame, list[str]]:
    """(canonical schedule, warnings) from ``[(source name, canonical frame), ...]``."""
    warnings: list[str] = []
    parts = []
    for name, frame in sources:
        if name not in PRECEDENCE:
            raise ValueError(f"unknown schedule source {name!r} (expected one of {', '.join(PRECEDENCE)})")
        if frame is None or frame.empty:
            continue
        f = frame.reindex(columns=list(COLUMNS)).copy()
        prov = f["provenance"].astype("string")
        # a previous snapshot's rows keep the sources they came from (so an update that learns
        # nothing new writes the same snapshot again); "snapshot" names rows that lack one
        f["provenance"] = add_provenance(prov, name, prov.isna() if name == "snapshot" else None)
        f["_rank"] = PRECEDENCE.index(name)
        parts.append(f)
    if not parts:
        empty = pd.DataFrame(
            {c: pd.Series(dtype="datetime64[ns]" if c in ("game_date", "original_date") else "string") for c in COLUMNS}
        )
        return empty, warnings
    allf = pd.concat(parts, ignore_index=True).sort_values(["game_id", "_rank"], kind="stable")
    # a postponed listing loses to a played or rescheduled listing of the same game from any source
    g = allf.groupby("game_id", sort=True)
    cols = [
        c for c in COLUMNS if c not in ("game_id", "espn_game_id", "espn_game_id_extra", "provenance", "original_date")
    ]
    out = g[cols].first()
    chosen_date = out["game_date"]
    other = allf[["game_id", "game_date"]].dropna()
    other = other.loc[other["game_date"].to_numpy() != chosen_date.reindex(other["game_id"]).to_numpy()]
    other_min = other.groupby("game_id")["game_date"].min()
    given_orig = g["original_date"].first()
    out["original_date"] = given_orig.fillna(other_min.reindex(out.index)).astype("datetime64[ns]")
    same = out["original_date"] == out["game_date"]
    out.loc[same, "original_date"] = pd.NaT

    # ESPN ids: every source's, highest rank first
    every = all_espn_ids(allf)
    pairs = pd.DataFrame(
        {
            "game_id": allf["game_id"].reindex(every.index).array,
            "espn": every.array,
            "_rank": allf["_rank"].reindex(every.index).array,
        }
    ).drop_duplicates(["game_id", "espn"])
    shared = pairs.drop_duplicates(["espn", "game_id"])["espn"].duplicated(keep=False)
    if shared.any():
        bad = pairs.loc[shared.to_numpy()]
        first_game = bad.sort_values(["_rank", "game_id"]).drop_duplicates("espn").set_index("espn")["game_id"]
        drop = bad["game_id"].to_numpy() != first_game.reindex(bad["espn"]).to_numpy()
        ex = bad.loc[drop].head(5)
        warnings.append(
            f"{int(drop.sum())} ESPN ids given to several games by the sources; kept for the first "
            f"game only (e.g. {', '.join(f'{r.espn} on {r.game_id}' for r in ex.itertuples())})"
        )
        pairs = pairs.drop(index=bad.index[drop])
    joined = join_by(pairs["game_id"], pairs["espn"])
    ids_text = join_ids(pd.Series(joined.reindex(out.index).array, index=out.index, dtype="string"))
    out["espn_game_id"], out["espn_game_id_extra"] = split_espn_ids(ids_text)

    out["provenance"] = union_provenance(allf["game_id"], allf["provenance"]).reindex(out.index)

    out = out.reset_index()
    out["bbref_game_id"] = _consistent_bbref(out)
    out = out[list(COLUMNS)].sort_values(["game_date", "game_id"], na_position="last", kind="stable")
    return out.reset_index(drop=True), warnings


def union_provenance(keys: pd.Series, provenance: pd.Series) -> pd.Series:
    """Per key, every source name any of its rows lists, in PROVENANCES order (vectorised: the
    few distinct provenance strings are split once, then OR-ed per key)."""
    codes, uniques = pd.factorize(keys.to_numpy(), sort=True)
    pcodes, pvalues = pd.factorize(provenance.astype("string").fillna("").to_numpy())
    names_of = [set(str(v).split(",")) for v in pvalues]
    out = np.full(len(uniques), "", dtype=object)
    for name in PROVENANCES:
        row_has = np.array([name in n for n in names_of], dtype=bool)[pcodes] if len(pvalues) else np.zeros(0, bool)
        key_has = np.zeros(len(uniques), dtype=bool)
        np.logical_or.at(key_has, codes, row_has)
        out = np.where(key_has, np.where(out == "", name, out + "," + name), out)
    result = pd.Series(out, index=pd.Index(uniques, name=keys.name), dtype="string")
    return result.where(result != "", pd.NA)


def _consistent_bbref(out: pd.DataFrame) -> pd.Series:
    """A Basketball-Reference id names the date and home team: when the merged date or home team
    is not the one of the winning id (a rescheduled game), the id is derived again."""
    playable = ~out["status"].isin(UNPLAYED)
    derived = ids.bbref_game_ids(out["game_date"], teams.bbref_codes(out["home_team"], out["season"]))
    given = out["bbref_game_id"].astype("string")
    stale = given.notna() & derived.notna() & (given.str[:8] != derived.str[:8])
    keep = given.where(~stale, derived).fillna(derived)
    return keep.where(playable, pd.NA).astype("string")
