"""``schedule: auto``: the games a run expects, from what is at hand, with no network access.

Three layers, each optional but the first:

1. the packaged history (``load_schedule("builtin")``, provenance ``packaged``);
2. the newest snapshot ``nba-recon schedule update`` left beside the runs
   (``schedule.snapshot.default_dir(runs_dir)``): its rows replace the packaged ones of the same
   game and add the games the packaged history lacks (the season in progress among them);
3. the lake's own scoreboard pages (read by the caller with
   ``storage.scoreboards.lake_scoreboards``: this layer does not touch the lake): their ESPN ids
   are attached by (local date, home, away) through ``schedule.crosswalk.attach_espn_ids``, and
   every game a page lists that no row is becomes a row of its own, without an NBA id
   (``schedule.lake_games``): the season in progress is expected from the lake itself, offline.

``auto_schedule`` returns ``(schedule, info)``: ``info`` says which layers were used (the snapshot's
path and metadata, how many scoreboard files and games) and holds the warnings a report must show.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .crosswalk import attach_espn_ids
from .lake_games import lake_only_games
from .load import load_schedule
from .phases import CANDIDATES
from .snapshot import default_dir, latest_problem, latest_snapshot, load_snapshot
from .sources.espn import LakePages

AUTO = "auto"
EXTRA_COLUMNS = ("espn_game_id_extra", "provenance")


def _with_extra_columns(frame: pd.DataFrame, provenance: str) -> pd.DataFrame:
    out = frame.copy()
    if "espn_game_id_extra" not in out:
        out["espn_game_id_extra"] = pd.Series(pd.NA, index=out.index, dtype="string")
    if "provenance" not in out:
        out["provenance"] = pd.Series(provenance, index=out.index, dtype="string")
    return out


def merge_snapshot(base: pd.DataFrame, snapshot: pd.DataFrame) -> pd.DataFrame:
    """The snapshot's rows replace the base's rows of the same game; games only the base knows
    stay. Sorted by date and game id, as ``load_schedule`` sorts."""
    base = _with_extra_columns(base, "packaged")
    snapshot = _with_extra_columns(snapshot, "snapshot")
    columns = list(dict.fromkeys([*base.columns, *snapshot.columns]))
    kept = base[~base["game_id"].isin(snapshot["game_id"])]
    out = pd.concat([kept.reindex(columns=columns), snapshot.reindex(columns=columns)], ignore_index=True)
    for col in columns:  # the dtypes of the base (concat of an all-NA column loses them)
        if col in base and out[col].dtype != base[col].dtype:
            try:
                out[col] = out[col].astype(base[col].dtype)
            except (TypeError, ValueError):
                pass
    out = out.sort_values(["game_date", "game_id"], na_position="last", kind="stable")
    return out.reset_index(drop=True)


def auto_schedule(
    spec,
    scoreboards: LakePages | None = None,
    *,
    as_of=None,
    runs_dir: str | Path | None = None,
    use_snapshot: bool = True,
) -> tuple[pd.DataFrame, dict]:
    """The ``schedule: auto`` schedule (see the module docstring) and what it is made of.

    ``scoreboards``: the lake's scoreboard pages, read (``None``: no ESPN ids from the lake).
    ``runs_dir``: where the snapshot lives; ``None``: no snapshot. ``as_of`` is recorded only:
    which games are owed is decided later."""
    warnings: list[str] = []
    info: dict = {"source": AUTO, "layers": ["packaged"], "snapshot": None, "snapshot_meta": None, "scoreboards": None}
    schedule = _with_extra_columns(load_schedule("builtin"), "packaged")
    if runs_dir is not None and use_snapshot:
        found = latest_snapshot(default_dir(Path(runs_dir)))
        if found is not None:
            snap, meta = load_snapshot(found)
            schedule = merge_snapshot(schedule, snap)
            info["layers"].append("snapshot")
            info["snapshot"] = str(found)
            # what identifies it (its counts and warnings are `schedule show`'s business)
            info["snapshot_meta"] = _plain({k: v for k, v in dict(meta).items() if k not in ("counts", "warnings")})
    problem = latest_problem(default_dir(Path(runs_dir))) if runs_dir is not None and use_snapshot else None
    if info["snapshot"] is None and problem:
        warnings.append(f"no schedule snapshot used: {problem}")
    elif info["snapshot"] is None:
        warnings.append(
            "no schedule snapshot (run `nba-recon schedule update`): only the packaged history "
            "and the lake's scoreboards say which games exist"
        )
    if scoreboards is not None:
        warnings.extend(scoreboards.warnings)
        lake_rows = lake_only_games(schedule, None)
        if len(scoreboards.games):
            schedule, attach_warnings = attach_espn_ids(schedule, scoreboards.games, provenance="espn_lake")
            warnings.extend(str(w) for w in attach_warnings)
            lake_rows = lake_only_games(schedule, scoreboards.games)
            if len(lake_rows):
                if CANDIDATES not in schedule:  # what an undecided game may be (phases.candidate_types)
                    schedule[CANDIDATES] = pd.Series(pd.NA, index=schedule.index, dtype="string")
                schedule = pd.concat([schedule, lake_rows.reindex(columns=schedule.columns)], ignore_index=True)
                schedule = schedule.sort_values(
                    ["game_date", "game_id", "espn_game_id"], na_position="last", kind="stable"
                )
        info["layers"].append("espn_lake")
        info["scoreboards"] = dict(scoreboards.stats)
        info["lake_games"] = _lake_counts(lake_rows)
    schedule = _with_extra_columns(schedule, "packaged").reset_index(drop=True)
    info["games"] = int(len(schedule))
    info["as_of"] = None if as_of is None else str(pd.Timestamp(as_of).date())
    info["warnings"] = warnings
    return schedule, info


def _lake_counts(rows: pd.DataFrame) -> dict:
    """What the pages alone made known: games per season x season type (``undecided``: the
    page does not say the type and the season's phases cannot tell it; ``undecided:
    preseason|regular``: what it may be)."""
    if rows.empty:
        return {"games": 0, "by_season": {}}
    maybe = rows[CANDIDATES] if CANDIDATES in rows else pd.Series(pd.NA, index=rows.index, dtype="string")
    kinds = rows["season_type"].fillna(("undecided: " + maybe.astype("string")).fillna("undecided"))
    table = rows.groupby([rows["season"].fillna("unknown"), kinds]).size()
    by_season: dict = {}
    for (season, kind), n in table.items():
        by_season.setdefault(str(season), {})[str(kind)] = int(n)
    return {"games": int(len(rows)), "by_season": by_season}


def _plain(value):
    """JSON-ready copy of snapshot metadata (timestamps as ISO text)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, (pd.Timestamp,)) or hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)
