"""Plots and tables of content probing and of the cross-source game matrix, for the notebooks.

Like the other figures of :mod:`nba_simulator.plots`, each plot is a :class:`~nba_simulator.plots.Plot` (a Figure
built without pyplot, with an alternative text).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from ..content.matrix import MATRIX_STATUSES, GameMatrix
from .figures import Plot

STATUS_COLORS = {
    "present": "#2da44e",
    "stale": "#8ac926",
    "premature": "#d4a72c",
    "empty": "#8250df",
    "undersized": "#e16f24",
    "missing": "#cf222e",
    "unmapped": "#8c959f",
    "not_expected": "#f6f8fa",
}
VERDICT_COLORS = {"ok": "#2da44e", "empty": "#8250df", "invalid": "#e16f24", "error": "#cf222e", "unprobed": "#d0d7de"}


def matrix_strip(
    matrix: GameMatrix, season: str | None = None, datasets: list[str] | None = None, max_games: int = 4000
) -> Plot:
    """Heat strip: one row per dataset, one column per game (in date order), coloured by status.

    ``season`` limits it to one season (default: the latest with a problem); a column where one
    row is purple (empty) or red (missing) while another is green is a game one source lacks and
    another has.
    """
    tidy = matrix.tidy
    if season is None:
        lacking = tidy[tidy["status"].isin(["missing", "invalid", "empty", "undersized", "premature"])]
        seasons = sorted((lacking if len(lacking) else tidy)["season"].dropna().unique())
        season = seasons[-1] if seasons else None
    if season is not None:
        tidy = tidy[tidy["season"] == season]
    names = datasets or list(dict.fromkeys(tidy["dataset"]))
    games = tidy.drop_duplicates("game_id").sort_values(["game_date", "game_id"])["game_id"]
    games = games.iloc[-max_games:]
    codes = {s: i for i, s in enumerate(MATRIX_STATUSES)}
    cells = tidy[tidy["game_id"].isin(games) & tidy["dataset"].isin(names)]
    # status -> colour code once over the tidy rows (not per game column of the grid)
    values = (
        cells.assign(code=cells["status"].astype(object).map(codes).astype(float))
        .pivot(index="dataset", columns="game_id", values="code")
        .reindex(index=names, columns=list(games))
    ).to_numpy(dtype=float)
    counts = cells["status"].astype(object).value_counts()
    fig = Figure(figsize=(13, 1.0 + 0.38 * max(len(names), 1)), layout="constrained")
    ax = fig.subplots()
    if not len(cells):
        where = f" in {season}" if season else ""
        ax.text(0.5, 0.5, f"no game owed by a per-game dataset{where}", ha="center", va="center")
        ax.set_axis_off()
        return Plot(fig, f"No game owed by a per-game dataset{where}: nothing to show.")
    cmap = ListedColormap([STATUS_COLORS[s] for s in MATRIX_STATUSES]).with_extremes(bad="white")
    ax.imshow(
        np.ma.masked_invalid(values),
        cmap=cmap,
        vmin=-0.5,
        vmax=len(MATRIX_STATUSES) - 0.5,
        aspect="auto",
        interpolation="nearest",
    )
    ax.set_yticks(range(len(names)), names, fontsize=9)
    dates = pd.to_datetime(tidy.drop_duplicates("game_id").set_index("game_id").reindex(list(games))["game_date"])
    months = dates.dt.to_period("M")
    firsts = [i for i in range(len(months)) if i == 0 or months.iloc[i] != months.iloc[i - 1]]
    ax.set_xticks(
        firsts, [dates.iloc[i].strftime("%b %Y" if j == 0 else "%b") for j, i in enumerate(firsts)], fontsize=8
    )
    ax.tick_params(length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)
    present = [s for s in MATRIX_STATUSES if counts.get(s, 0)]
    fig.legend(
        handles=[Patch(color=STATUS_COLORS[s], label=s.replace("_", " ")) for s in present],
        loc="outside lower center",
        ncols=len(present),
        fontsize=8,
        frameon=False,
    )
    ax.set_title(
        f"Each game across the sources{f' ({season})' if season else ''}: {len(games):,} games x {len(names)} datasets",
        loc="left",
        fontsize=11,
    )
    alt = (
        f"Matrix of {len(games)} games by {len(names)} datasets{f' in {season}' if season else ''}; "
        + ", ".join(f"{int(counts.get(s, 0))} {s.replace('_', ' ')}" for s in present)
        + "."
    )
    return Plot(fig, alt)


def cross_source_heatmap(pairs: pd.DataFrame) -> Plot:
    """``pair_counts`` as a grid: games the column's dataset has and the row's dataset lacks."""
    n = len(pairs)
    fig = Figure(figsize=(2.5 + 0.8 * max(n, 2), 1.2 + 0.5 * max(n, 1)), layout="constrained")
    ax = fig.subplots()
    values = pairs.to_numpy(dtype=float)
    ax.imshow(values, cmap="Purples", aspect="auto", vmin=0, vmax=max(1.0, float(values.max(initial=0))))
    ax.set_xticks(range(n), pairs.columns, rotation=35, ha="right", fontsize=9)
    ax.set_yticks(range(n), pairs.index, fontsize=9)
    ax.set_xlabel("has the game")
    ax.set_ylabel("lacks it")
    ax.tick_params(length=0)
    top = float(values.max(initial=0)) or 1.0
    for (r, c), v in np.ndenumerate(values):
        if v:
            ax.text(
                c, r, f"{int(v):,}", ha="center", va="center", fontsize=8, color="white" if v > top / 2 else "#1f2328"
            )
    ax.set_title("Games one source lacks and another has", loc="left", fontsize=11)
    if n and values.max(initial=0) > 0:
        r, c = np.unravel_index(values.argmax(), values.shape)
        alt = (
            f"Grid of datasets lacking games (rows) that other sources have (columns); the largest: "
            f"{int(values[r, c])} games {pairs.index[r]} lacks and {pairs.columns[c]} has."
        )
    else:
        alt = "Grid of datasets lacking games that other sources have: none."
    return Plot(fig, alt)


def content_bars(datasets: pd.DataFrame) -> Plot:
    """Per dataset: objects ok / empty / invalid / error / unprobed (stacked, horizontal)."""
    d = datasets.set_index("dataset")
    kinds = list(VERDICT_COLORS)
    fig = Figure(figsize=(10, 1.0 + 0.4 * max(len(d), 1)), layout="constrained")
    ax = fig.subplots()
    left = np.zeros(len(d))
    for k in kinds:
        vals = d[k].to_numpy(dtype=float) if k in d else np.zeros(len(d))
        ax.barh(range(len(d)), vals, left=left, color=VERDICT_COLORS[k], label=k)
        left += vals
    ax.set_yticks(range(len(d)), d.index, fontsize=9)
    ax.invert_yaxis()
    for i, row in enumerate(d.itertuples()):
        pct = row.empty_pct
        label = "" if pct is None or pd.isna(pct) else f" {pct:.1f}% empty" + (" (est.)" if row.estimate else "")
        ax.text(left[i], i, label, va="center", fontsize=8)
    ax.set_xlabel("objects")
    for spine in ("top", "right"):
        ax.spines[spine].set_visible(False)
    fig.legend(loc="outside lower center", ncols=len(kinds), fontsize=8, frameon=False)
    ax.set_title("Content of the objects present, per dataset", loc="left", fontsize=11)
    alt = (
        "Objects per dataset by content verdict; "
        + "; ".join(
            f"{r.dataset}: {r.empty + r.invalid} empty of {r.judged} judged, {r.unprobed} unprobed"
            for r in datasets.itertuples()
        )
        + "."
    )
    return Plot(fig, alt)


def content_table(datasets: pd.DataFrame) -> pd.DataFrame:
    """Per dataset counts for display; estimates shown with their 95% interval."""
    out = datasets.copy()
    out["estimated empty"] = [
        f"{int(r.estimated_empty):,} ({int(r.estimated_low):,}–{int(r.estimated_high):,})"
        if r.estimate and not pd.isna(r.estimated_empty)
        else ""
        for r in out.itertuples()
    ]
    cols = [
        "dataset",
        "targets",
        "judged",
        "ok",
        "empty",
        "invalid",
        "error",
        "unprobed",
        "empty_pct",
        "estimated empty",
    ]
    return out[cols].rename(columns={"empty_pct": "empty % of judged"})
