"""Lists of ids in one schedule cell: a game's ESPN ids as one space-separated text (the 2011-12
double scheme gives some games two), joined, split and exploded, vectorised where there is one id
(the usual case) and in Python only for the cells that hold several."""

from __future__ import annotations

import pandas as pd


def join_ids(*columns: pd.Series) -> pd.Series:
    """Space-separated ids of several columns, each id once, in order; NA when none."""
    parts = [c.astype("string").fillna("") for c in columns]
    joined = parts[0]
    for p in parts[1:]:
        joined = joined + " " + p
    joined = joined.str.strip()
    several = joined.str.contains(" ", regex=False).fillna(False).to_numpy()
    if several.any():  # only cells with several ids need the (slow) per-cell de-duplication
        joined = joined.copy()
        joined[several] = [" ".join(dict.fromkeys(v.split())) for v in joined[several].array]
    out = joined.astype("string")
    return out.where(out != "", pd.NA)


def join_by(keys: pd.Series, values: pd.Series) -> pd.Series:
    """Space-joined ``values`` per key, in their order (indexed by key). Keys with one value (the
    usual case) take a vectorised path; only repeated keys are joined in Python."""
    keys = pd.Series(keys.to_numpy(), name="key")
    values = pd.Series(values.astype("string").to_numpy(), dtype="string")
    dup = keys.duplicated(keep=False).to_numpy()
    out = pd.Series(values[~dup].to_numpy(), index=keys[~dup].to_numpy(), dtype="string")
    if dup.any():
        joined = values[dup].groupby(keys[dup].to_numpy(), sort=False).agg(" ".join).astype("string")
        out = pd.concat([out, joined])
    return out


def split_espn_ids(ids_text: pd.Series) -> tuple[pd.Series, pd.Series]:
    """'a b c' -> ('a', 'b c'); NA -> (NA, NA). Only cells with several ids are split."""
    text = ids_text.astype("string")
    text = text.where(text != "", pd.NA)
    first = text.copy()
    rest = pd.Series(pd.NA, index=text.index, dtype="string")
    several = text.str.contains(" ", regex=False).fillna(False).to_numpy()
    if several.any():
        parts = text[several].str.split(" ", n=1, expand=True)
        first[several] = parts[0].astype("string").to_numpy()
        rest[several] = parts[1].astype("string").to_numpy()
    return first, rest.where(rest != "", pd.NA)


def all_espn_ids(frame: pd.DataFrame) -> pd.Series:
    """Every ESPN id of every game, one per row, indexed like ``frame`` (repeated labels)."""
    both = join_ids(
        frame["espn_game_id"],
        frame["espn_game_id_extra"]
        if "espn_game_id_extra" in frame
        else pd.Series(pd.NA, index=frame.index, dtype="string"),
    ).dropna()
    several = both.str.contains(" ", regex=False).to_numpy()
    if not several.any():
        return both
    vals = both.reset_index(drop=True)  # positions 0..n-1; a game is either single or several
    exploded = vals[several].str.split(" ").explode()
    combined = pd.concat([vals[~several], exploded]).sort_index(kind="stable")
    return pd.Series(combined.to_numpy(), index=both.index[combined.index.to_numpy()], dtype="string")
