"""One game across every source: per scheduled game, which datasets have it.

A game has a different id in every source (NBA Stats ``0021201214``, ESPN ``400278403``,
Basketball-Reference ``201304160IND``); the canonical schedule carries all three (the crosswalk,
matched on local date and home/away teams when it was built), and every expected item was keyed
from it. So each per-game coverage row already names its NBA game id, whatever id its key uses,
and the matrix is coverage pivoted on the game, with the crosswalk's columns beside it.

Cells: the item's status (``present``, ``empty``, ``missing``, ``undersized``, ``premature``,
``unmapped``: the schedule lacks the id that source's keys need) or ``not_expected`` (the dataset
does not cover that game's season or type). A source *has* a game when one of its datasets is
``present`` for it: without ``--probe`` an empty page still counts as present.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

GAME_COLUMNS = [
    "game_id",
    "espn_game_id",
    "bbref_game_id",
    "season",
    "season_type",
    "game_date",
    "home_team",
    "away_team",
]
#: display order, best first
MATRIX_STATUSES = ("present", "stale", "premature", "empty", "undersized", "missing", "unmapped", "not_expected")
HAVE = ("present",)
LACK = ("missing", "undersized", "invalid", "empty", "premature")
TIDY_COLUMNS = [*GAME_COLUMNS, "dataset", "source", "data_type", "status", "key"]
GAP_COLUMNS = [
    *GAME_COLUMNS,
    "dataset",
    "source",
    "data_type",
    "status",
    "have_sources",
    "have_datasets",
    "same_data_type",
]


@dataclass
class GameMatrix:
    tidy: pd.DataFrame  # TIDY_COLUMNS: one row per game x per-game dataset
    wide: pd.DataFrame  # one row per game: GAME_COLUMNS, a status column per dataset, counts

    @property
    def datasets(self) -> list[str]:
        return list(dict.fromkeys(self.tidy["dataset"]))


def game_matrix(coverage: pd.DataFrame, schedule: pd.DataFrame, datasets: list[str] | None = None) -> GameMatrix:
    """The matrix of every owed game (a game some per-game dataset expects) x per-game dataset."""
    per_game = coverage[(coverage["per"] == "game") & coverage["game_id"].notna()]
    if datasets is not None:
        per_game = per_game[per_game["dataset"].isin(datasets)]
    names = list(dict.fromkeys(per_game["dataset"]))
    meta = per_game.drop_duplicates("dataset").set_index("dataset")[["source", "data_type"]]
    games = (
        schedule.drop_duplicates("game_id")
        .set_index("game_id")
        .reindex(pd.Index(per_game["game_id"].unique(), name="game_id"))
        .reset_index()
    )
    for c in GAME_COLUMNS:
        if c not in games.columns:
            games[c] = pd.NA
    games = games[GAME_COLUMNS].sort_values(["game_date", "game_id"], kind="mergesort")
    games = games.reset_index(drop=True)
    grid = games.merge(pd.DataFrame({"dataset": pd.Series(names, dtype=per_game["dataset"].dtype)}), how="cross")
    grid = grid.join(meta, on="dataset")
    cells = per_game[["game_id", "dataset", "status", "key"]].drop_duplicates(["game_id", "dataset"])
    tidy = grid.merge(cells, on=["game_id", "dataset"], how="left")
    tidy["status"] = tidy["status"].fillna("not_expected")
    tidy = tidy[TIDY_COLUMNS].reset_index(drop=True)

    wide = tidy.pivot(index="game_id", columns="dataset", values="status").reindex(columns=names)
    wide.columns.name = None
    wide = games.join(wide, on="game_id")
    have = tidy[tidy["status"].isin(HAVE)]
    wide["n_datasets_present"] = wide["game_id"].map(have.groupby("game_id").size()).fillna(0).astype("int64")
    wide["sources_present"] = (
        wide["game_id"]
        .map(have.groupby("game_id")["source"].agg(lambda s: ", ".join(sorted(set(s)))))
        .astype(object)
        .fillna("")
    )
    return GameMatrix(tidy, wide.reset_index(drop=True))


def cross_source_gaps(matrix: GameMatrix | pd.DataFrame) -> pd.DataFrame:
    """Games one source lacks (missing, undersized, empty, premature) while another source has
    them (``present``): where a scraper is most likely to succeed. Same data type first (ESPN
    play-by-play lacking where NBA Stats has play-by-play), then newest games."""
    tidy = matrix.tidy if isinstance(matrix, GameMatrix) else matrix
    have = tidy[tidy["status"].isin(HAVE)][["game_id", "dataset", "source", "data_type"]]
    lack = tidy[tidy["status"].isin(LACK)]
    if lack.empty or have.empty:
        return pd.DataFrame(columns=GAP_COLUMNS)
    pairs = lack.merge(have, on="game_id", suffixes=("", "_have"))
    pairs = pairs[pairs["source"] != pairs["source_have"]]
    if pairs.empty:
        return pd.DataFrame(columns=GAP_COLUMNS)
    pairs["same"] = pairs["data_type"] == pairs["data_type_have"]
    agg = (
        pairs.groupby(["game_id", "dataset"], sort=False)
        .agg(
            have_sources=("source_have", lambda s: ", ".join(sorted(set(s)))),
            have_datasets=("dataset_have", lambda s: ", ".join(sorted(set(s)))),
            same_data_type=("same", "any"),
        )
        .reset_index()
    )
    out = lack.merge(agg, on=["game_id", "dataset"])
    out = out.sort_values(
        ["same_data_type", "game_date", "dataset", "game_id"], ascending=[False, False, True, True], kind="mergesort"
    )
    return out[GAP_COLUMNS].reset_index(drop=True)


def pair_counts(matrix: GameMatrix | pd.DataFrame) -> pd.DataFrame:
    """Lacking dataset (rows) x having dataset (columns): games the column has and the row lacks.
    Pairs of the same source count 0 (the point is what ANOTHER source already has)."""
    tidy = matrix.tidy if isinstance(matrix, GameMatrix) else matrix
    names = list(dict.fromkeys(tidy["dataset"]))
    have = tidy[tidy["status"].isin(HAVE)][["game_id", "dataset", "source"]]
    lack = tidy[tidy["status"].isin(LACK)][["game_id", "dataset", "source"]]
    pairs = lack.merge(have, on="game_id", suffixes=("", "_have"))
    pairs = pairs[pairs["source"] != pairs["source_have"]]
    grid = pd.crosstab(pairs["dataset"], pairs["dataset_have"]) if len(pairs) else pd.DataFrame()
    grid = grid.reindex(index=names, columns=names, fill_value=0).fillna(0).astype("int64")
    grid.index.name, grid.columns.name = "lacking", "has"
    return grid


def sources_present(coverage: pd.DataFrame) -> dict[str, frozenset[str]]:
    """NBA game id -> the sources with a ``present`` per-game item for it (for the task queue)."""
    rows = coverage[(coverage["per"] == "game") & coverage["game_id"].notna() & coverage["status"].isin(HAVE)]
    return {g: frozenset(s) for g, s in rows.groupby("game_id")["source"]}
