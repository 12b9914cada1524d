"""One row per game: drop exact duplicates and superseded postponements, refuse real conflicts."""

from __future__ import annotations

import logging

import pandas as pd

from ..errors import ScheduleError

log = logging.getLogger(__name__)

SUPERSEDING = ("final", "scheduled")  # a game played, or rescheduled, after a postponement


def one_row_per_game(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    """``frame`` is canonical (normalised values). Rows identical after normalisation are dropped
    (count logged). A ``postponed`` row whose game also has a final or scheduled row is dropped;
    its date fills that row's ``original_date`` when empty. Any other repeated game_id raises
    ScheduleError naming the id, the differing columns and where the rows are in file ``name``."""
    before = len(frame)
    frame = frame.drop_duplicates()
    if len(frame) < before:
        log.warning("%s: dropped %d exact duplicate rows", name, before - len(frame))

    superseding = frame["status"].isin(SUPERSEDING)
    postponed = frame["status"] == "postponed"
    later = frame.loc[superseding & frame["game_id"].isin(frame.loc[postponed, "game_id"]), "game_id"]
    stale = postponed & frame["game_id"].isin(later)
    if stale.any():
        first_date = frame.loc[stale].groupby("game_id")["game_date"].min()
        fill = superseding & frame["original_date"].isna() & frame["game_id"].isin(first_date.index)
        frame = frame.copy()
        frame.loc[fill, "original_date"] = frame.loc[fill, "game_id"].map(first_date)
        frame = frame.loc[~stale]
        log.info("%s: dropped %d postponed rows of games played or rescheduled later", name, int(stale.sum()))

    repeated = frame["game_id"].duplicated(keep=False)
    if repeated.any():
        gid = frame.loc[repeated, "game_id"].iloc[0]
        rows = frame.loc[frame["game_id"] == gid]
        differ = [c for c in rows.columns if rows[c].nunique(dropna=False) > 1]
        where = ", ".join(str(i) for i in rows.index)
        n_ids = frame.loc[repeated, "game_id"].nunique()
        more = f"; {n_ids} game ids repeated in all" if n_ids > 1 else ""
        raise ScheduleError(
            f"{name}: game {gid} appears {len(rows)} times with different {', '.join(differ)} "
            f"({rows.index.name or 'row'} {where}){more}"
        )
    return frame
