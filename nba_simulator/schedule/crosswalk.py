"""attach_espn_ids: give the canonical schedule the ESPN ids that ESPN's scoreboards list.

A game is matched on (local game date, home team, away team): the ESPN start time (UTC) is
converted to US/Eastern first, so a 10 pm Pacific game that starts on the next UTC day is matched
on the date the league and the schedule give it. Team codes are already the NBA Stats codes of
the season (``sources.espn`` normalises them). A postponed game is matched on its
``original_date`` as well as its ``game_date``.

Rules:
- ``espn_game_id`` is filled when empty; further ids of the same game go to ``espn_game_id_extra``
  (space-separated; the 2011-12 double scheme gives some games two valid ids).
- An ESPN listing marked postponed or cancelled gives its id only to a schedule row that is itself
  postponed or cancelled (the game played later is listed again with its own id).
- An ESPN id already held by another game, or matching two schedule games, is not attached; a
  warning says so.
- A game carries at most ``limits.MAX_IDS_PER_GAME`` ids besides its primary one: a page listing
  one matchup thousands of times does not attach thousands of "extras" (nor make every later
  step carry them); the ids past the limit are not attached, and one warning names the game and
  the file.
- ``provenance`` gains the given source name on every row that got an id.
Everything is vectorised (merges and group-bys), for 100,000+ scoreboard rows.
"""

from __future__ import annotations

import pandas as pd

from .id_lists import all_espn_ids, join_by, join_ids, split_espn_ids
from .load import add_provenance
from .sources.common import local_dates
from .sources.limits import MAX_IDS_PER_GAME

UNPLAYED = ("postponed", "cancelled")
MAX_EXAMPLES = 5


def attach_espn_ids(
    schedule: pd.DataFrame, espn_games: pd.DataFrame, provenance: str = "espn_lake"
) -> tuple[pd.DataFrame, list[str]]:
    """(schedule with ESPN ids attached, warnings). ``schedule`` is canonical (load.COLUMNS);
    ``espn_games`` has ``espn_game_id, start_utc, home_team, away_team, status`` (sources.espn)."""
    out = schedule.copy()
    for col in ("espn_game_id_extra", "provenance"):
        if col not in out:
            out[col] = pd.Series(pd.NA, index=out.index, dtype="string")
    if espn_games.empty or out.empty:
        return out, []
    warnings: list[str] = []

    espn = pd.DataFrame(
        {
            "espn_game_id": espn_games["espn_game_id"].astype("string").array,
            "date": local_dates(espn_games["start_utc"]).array,
            "home_team": espn_games["home_team"].astype("string").array,
            "away_team": espn_games["away_team"].astype("string").array,
            "espn_status": espn_games["status"].astype("string").array,
            "origin": (
                espn_games["origin"].astype("string").array
                if "origin" in espn_games
                else pd.array([provenance] * len(espn_games), dtype="string")
            ),
        }
    ).drop_duplicates(["espn_game_id", "date", "home_team", "away_team"])

    # schedule keys: every row on its game_date; postponed rows (and rows carrying an original
    # date) also on their original_date
    pos = pd.RangeIndex(len(out))
    base = pd.DataFrame(
        {
            "pos": pos,
            "date": out["game_date"].array,
            "home_team": out["home_team"].array,
            "away_team": out["away_team"].array,
            "row_status": out["status"].array,
        }
    )
    orig = base.assign(date=out["original_date"].array).loc[out["original_date"].notna().to_numpy()]
    keys = pd.concat([base, orig]).dropna(subset=["date"]).drop_duplicates(["pos", "date"])
    keys["date"] = keys["date"].astype("datetime64[ns]")

    hits = espn.merge(keys, on=["date", "home_team", "away_team"], how="inner")
    unplayed_listing = hits["espn_status"].isin(UNPLAYED)
    unplayed_row = hits["row_status"].isin(UNPLAYED)
    hits = hits.loc[~unplayed_listing | unplayed_row, ["espn_game_id", "pos", "date", "origin"]]
    hits = hits.drop_duplicates(["espn_game_id", "pos"])

    # one ESPN id -> one game
    multi = hits["espn_game_id"].duplicated(keep=False)
    if multi.any():
        ex = (
            hits.loc[multi]
            .groupby("espn_game_id")["pos"]
            .apply(lambda p: ", ".join(out["game_id"].iloc[list(p)].astype(str)))
        )
        warnings.append(
            f"{provenance}: {ex.size} ESPN ids match several schedule games and were not "
            f"attached (e.g. {'; '.join(f'{k}: {v}' for k, v in ex.head(MAX_EXAMPLES).items())})"
        )
        hits = hits.loc[~multi]

    # an id already held by another game is not given to this one
    held = all_espn_ids(out)
    held_by = pd.DataFrame(
        {"espn_game_id": held.array, "holder": pd.Series(pos, index=out.index).reindex(held.index).array}
    ).drop_duplicates("espn_game_id")
    hits = hits.merge(held_by, on="espn_game_id", how="left")
    clash = hits["holder"].notna() & (hits["holder"] != hits["pos"])
    if clash.any():
        ex = hits.loc[clash].head(MAX_EXAMPLES)
        shown = "; ".join(
            f"{r.espn_game_id} (held by {out['game_id'].iloc[int(r.holder)]}, "
            f"listed for {out['game_id'].iloc[int(r.pos)]})"
            for r in ex.itertuples()
        )
        warnings.append(
            f"{provenance}: {int(clash.sum())} ESPN ids already belong to another game; not attached (e.g. {shown})"
        )
        hits = hits.loc[~clash]
    new = hits.loc[hits["holder"].isna()].sort_values(["pos", "date", "espn_game_id"], kind="stable")
    new, capped = _at_most_per_game(new, held, out, provenance)
    warnings.extend(capped)

    if not new.empty:
        added = join_by(new["pos"], new["espn_game_id"])
        add_col = pd.Series(pd.NA, index=pos, dtype="string")
        add_col.iloc[added.index.to_numpy(dtype=int)] = added.to_numpy()
        add_col.index = out.index
        primary, extra = split_espn_ids(join_ids(out["espn_game_id"], out["espn_game_id_extra"], add_col))
        out["espn_game_id"], out["espn_game_id_extra"] = primary, extra
        got = add_col.notna()
        out["provenance"] = add_provenance(out["provenance"], provenance, got)

    matched = pd.concat([hits["espn_game_id"], pd.Series(held.array)]).astype(object)
    loose = espn.loc[~espn["espn_game_id"].astype(object).isin(matched).to_numpy()]
    loose = loose.loc[~loose["espn_status"].isin(UNPLAYED)]
    if len(loose):
        lo, hi = out["game_date"].min(), out["game_date"].max()
        inside = loose.loc[(loose["date"] >= lo) & (loose["date"] <= hi)] if pd.notna(lo) else loose.iloc[:0]
        if len(inside):
            ex = inside.head(MAX_EXAMPLES)
            shown = "; ".join(
                f"{r.espn_game_id} {r.date:%Y-%m-%d} {r.away_team}@{r.home_team}" for r in ex.itertuples()
            )
            warnings.append(
                f"{provenance}: {len(inside)} ESPN games within the schedule's dates match no "
                f"scheduled game (e.g. {shown})"
            )
    return out, warnings


def _at_most_per_game(
    new: pd.DataFrame, held: pd.Series, out: pd.DataFrame, provenance: str
) -> tuple[pd.DataFrame, list[str]]:
    """``new`` (sorted by pos) without the ids that would give a game more than
    ``1 + MAX_IDS_PER_GAME`` ids; one warning naming the game with the most and its file."""
    has = pd.Series(pd.RangeIndex(len(out)), index=out.index).reindex(held.index).value_counts()
    room = (1 + MAX_IDS_PER_GAME) - new["pos"].map(has).fillna(0).astype(int)
    keep = (new.groupby("pos").cumcount() < room).to_numpy()
    if keep.all():
        return new, []
    dropped = new.loc[~keep]
    per_game = dropped.groupby("pos").size().sort_values(ascending=False, kind="stable")
    worst = int(per_game.index[0])
    origin = dropped.loc[dropped["pos"] == worst, "origin"].iloc[0]
    return new.loc[keep], [
        f"{provenance}: {len(dropped):,} ESPN ids not attached: {len(per_game):,} game(s) would carry more than "
        f"{1 + MAX_IDS_PER_GAME} ids (e.g. {out['game_id'].iloc[worst]}: {int((new['pos'] == worst).sum()):,} "
        f"ids listed for one matchup, in {origin})"
    ]


def crosswalk(schedule: pd.DataFrame) -> pd.DataFrame:
    """(game_id, espn_game_id) pairs, one per ESPN id, primary ids first: every valid key."""
    every = all_espn_ids(schedule)
    return pd.DataFrame(
        {"game_id": schedule["game_id"].reindex(every.index).array, "espn_game_id": every.array}
    ).astype("string")
