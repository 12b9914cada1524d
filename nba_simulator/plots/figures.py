"""Figures of the stage notebooks.

Every plot function returns a :class:`Plot`: a :class:`matplotlib.figure.Figure` built without
pyplot (no global state, nothing shown twice) with an alternative text for readers who cannot see
it. A notebook displays it by leaving it as the cell's last value (a PNG, with the alt text in the
output's metadata, which the HTML report uses); ``.fig`` is the Figure for further work.
"""

from __future__ import annotations

import html
import io
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.colors import BoundaryNorm, ListedColormap
from matplotlib.dates import AutoDateLocator, ConciseDateFormatter, DateFormatter, DayLocator
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from .html import human_bytes
from .style import PCT_BOUNDS, PCT_COLORS, PRIORITY_COLORS, PRIORITY_ORDER, PROBLEMS


class Plot:
    """A figure plus its alternative text; displays as a PNG."""

    def __init__(self, fig: Figure, alt: str, dpi: int = 100):
        self.fig, self.alt, self.dpi = fig, " ".join(alt.split()), dpi
        self._png: bytes | None = None

    def png(self) -> bytes:
        if self._png is None:
            buf = io.BytesIO()
            self.fig.savefig(buf, format="png", dpi=self.dpi, facecolor="white")
            self._png = buf.getvalue()
        return self._png

    def _repr_mimebundle_(self, include=None, exclude=None):
        return ({"image/png": self.png(), "text/plain": f"<Plot: {self.alt}>"}, {"image/png": {"alt": self.alt}})

    def save(self, path: str | Path) -> Path:
        Path(path).write_bytes(self.png())
        return Path(path)


def _pct_cmap():
    cmap = ListedColormap(PCT_COLORS).with_extremes(bad="#eaeef2")
    return cmap, BoundaryNorm(PCT_BOUNDS, cmap.N)


# ---------------------------------------------------------------------------------- plots
def completeness_heatmap(completeness: pd.DataFrame, value: str = "complete_pct", title: str | None = None) -> Plot:
    """Season x dataset grid of completeness (%), each cell labelled; grey: nothing owed."""
    grid = completeness.pivot_table(index="dataset", columns="season", values=value, aggfunc="first")
    grid = grid.reindex(sorted(grid.index), axis=0).reindex(sorted(grid.columns), axis=1)
    n_rows, n_cols = grid.shape
    fig = Figure(figsize=(max(8.0, min(18.0, 2.6 + 0.62 * n_cols)), 1.6 + 0.42 * max(n_rows, 1)), layout="constrained")
    ax = fig.subplots()
    title = title or "Completeness by dataset and season (% of expected items present)"
    if grid.empty:
        ax.text(0.5, 0.5, "nothing expected yet", ha="center", va="center")
        ax.set_axis_off()
        return Plot(fig, "No expected items: nothing to show.")
    cmap, norm = _pct_cmap()
    values = grid.to_numpy(dtype=float)
    ax.imshow(np.ma.masked_invalid(values), cmap=cmap, norm=norm, aspect="auto")
    rotate = n_cols > 6
    ax.set_xticks(
        range(n_cols), grid.columns, rotation=45 if rotate else 0, ha="right" if rotate else "center", fontsize=9
    )
    ax.set_yticks(range(n_rows), grid.index, fontsize=9)
    ax.tick_params(length=0)
    if n_rows * n_cols <= 400:
        for (r, c), v in np.ndenumerate(values):
            if not np.isnan(v):
                ax.text(
                    c,
                    r,
                    f"{v:.1f}" if v < 100 else "100",
                    ha="center",
                    va="center",
                    fontsize=8,
                    color="white" if v < 80 or v >= 99.5 else "#1f2328",
                )
    for spine in ax.spines.values():
        spine.set_visible(False)
    bands = (
        [f"< {PCT_BOUNDS[1]:g}%"]
        + [f"{a:g}–{b:g}%" for a, b in zip(PCT_BOUNDS[1:-2], PCT_BOUNDS[2:-1])]
        + [f"≥ {PCT_BOUNDS[-2]:g}%"]
    )
    handles = [Patch(color=c, label=b) for c, b in zip(PCT_COLORS, bands)] + [
        Patch(color="#eaeef2", label="nothing owed")
    ]
    fig.legend(handles=handles, loc="outside lower center", ncols=len(handles), fontsize=8, frameon=False)
    ax.set_title(title, loc="left", fontsize=11)
    flat = completeness[completeness[value].notna()]
    worst = flat.loc[flat[value].idxmin()] if len(flat) else None
    alt = f"Heatmap of completeness for {n_rows} datasets over {n_cols} seasons" + (
        f"; lowest {worst[value]:.1f}% for {worst['dataset']} {worst['season']}." if worst is not None else "."
    )
    return Plot(fig, alt)


def gaps_calendar(coverage: pd.DataFrame, max_seasons: int = 2, seasons: Iterable[str] | None = None) -> Plot:
    """Problem items per game day, on a calendar (weeks x weekdays), one panel per season.

    White: no games that day; light green: games, nothing missing; orange to red: how many
    expected items of that day are missing, undersized, empty, premature or stale.
    """
    dated = coverage.dropna(subset=["game_date"]).copy()
    dated["game_date"] = pd.to_datetime(dated["game_date"]).dt.normalize()
    dated["problem"] = dated["status"].isin(PROBLEMS)
    per_day = dated.groupby(["season", "game_date"])["problem"].sum().reset_index()
    if seasons is None:
        with_problems = per_day[per_day["problem"] > 0]["season"].unique()
        chosen = (
            sorted(with_problems, reverse=True)[:max_seasons] or sorted(per_day["season"].unique(), reverse=True)[:1]
        )
    else:
        chosen = list(seasons)
    fig = Figure(figsize=(13, 0.4 + 2.0 * max(len(chosen), 1)), layout="constrained")
    axes = np.atleast_1d(fig.subplots(max(len(chosen), 1), 1, squeeze=False).ravel())
    vmax = max(1, int(per_day["problem"].max()) if len(per_day) else 1)
    cmap = ListedColormap(["#dafbe1"] + [_heat(i / 8) for i in range(1, 9)]).with_extremes(bad="white")
    for ax, season in zip(axes, chosen):
        days = per_day[per_day["season"] == season].set_index("game_date")["problem"]
        if days.empty:
            ax.set_axis_off()
            continue
        start = days.index.min() - pd.Timedelta(days=days.index.min().weekday())
        end = days.index.max()
        n_weeks = (end - start).days // 7 + 1
        grid = np.full((7, n_weeks), np.nan)
        for day, n in days.items():
            d = (day - start).days
            grid[d % 7, d // 7] = 0 if n == 0 else 1 + min(7, int(np.ceil(7 * n / vmax)))
        ax.imshow(np.ma.masked_invalid(grid), cmap=cmap, vmin=0, vmax=8, aspect="equal")
        months = pd.date_range(start.replace(day=1), end, freq="MS")
        ax.set_xticks(
            [max(0, (m - start).days // 7) for m in months],
            [m.strftime("%b %Y" if i == 0 or m.month == 1 else "%b") for i, m in enumerate(months)],
            fontsize=8,
        )
        ax.set_yticks([0, 2, 4, 6], ["Mon", "Wed", "Fri", "Sun"], fontsize=8)
        ax.tick_params(length=0)
        for spine in ax.spines.values():
            spine.set_visible(False)
        total = int(days.sum())
        worst = days.idxmax()
        ax.set_title(
            f"{season}: {total} problem items on {int((days > 0).sum())} of {len(days)} game days"
            + (f" (worst {worst:%Y-%m-%d}: {int(days.max())})" if total else ""),
            loc="left",
            fontsize=10,
        )
    fig.suptitle(
        "Gaps on the calendar: each square a day; white no games, green nothing missing, "
        "orange to dark red more items missing or broken",
        x=0.01,
        ha="left",
        fontsize=10,
    )
    alt = "Calendar of problem items per game day: " + "; ".join(
        a.get_title(loc="left") for a in axes if a.get_title(loc="left")
    )
    return Plot(fig, alt)


def _heat(t: float) -> str:
    """Orange (t=0) to dark red (t=1)."""
    a, b = np.array([0xF2, 0xB3, 0x3D]), np.array([0x82, 0x07, 0x1E])
    r, g, bl = (a + (b - a) * t).astype(int)
    return f"#{r:02x}{g:02x}{bl:02x}"


def _size_ticks(lo: float, hi: float) -> list[tuple[float, str]]:
    """Ticks of a size axis drawn in log10(bytes) from ``lo`` to ``hi``: 1 B, 10 B, ... 100 GB
    (KB = 1,024 bytes, as human_bytes), with 2s and 5s (or 3s) between when that gives fewer than
    three."""
    ticks: list[tuple[float, str]] = []
    for steps in ((1,), (1, 3), (1, 2, 5)):
        ticks = [
            (float(np.log10(m * 10**k * 1024**i)), f"{m * 10**k} {unit}")
            for i, unit in enumerate(("B", "KB", "MB", "GB"))
            for k in range(3)
            for m in steps
        ]
        ticks = [(t, label) for t, label in ticks if lo <= t <= hi]
        if len(ticks) >= 3:
            break
    return ticks


def size_distribution(coverage: pd.DataFrame, spec, max_datasets: int = 12) -> Plot:
    """Object sizes per dataset (log scale), the spec's undersized threshold marked in red."""
    sized = coverage.dropna(subset=["size"])
    sized = sized[sized["size"] > 0]
    names = [d.name for d in spec.datasets if d.name in set(sized["dataset"])][:max_datasets]
    n = max(len(names), 1)
    cols = min(3, n)
    rows = int(np.ceil(n / cols))
    fig = Figure(figsize=(4.3 * cols, 2.6 * rows + 0.4), layout="constrained")
    axes = np.atleast_1d(fig.subplots(rows, cols, squeeze=False).ravel())
    for ax in axes[len(names) :]:
        ax.set_axis_off()
    for ax, name in zip(axes, names):
        ds = spec.dataset(name)
        sizes = sized.loc[sized["dataset"] == name, "size"].astype(float)
        lo = np.log10(max(min(sizes.min(), ds.min_bytes or sizes.min()) / 1.5, 1))
        hi = np.log10(max(sizes.max() * 1.5, 2))
        # log10 of the size on a linear axis, a tick per power of ten labelled in bytes: the same
        # picture as a log axis at half the drawing time (a log axis lays out its minor ticks)
        ax.hist(np.log10(sizes.to_numpy()), bins=np.linspace(lo, hi, 41), color="#57606a")
        ticks = _size_ticks(lo, hi)
        ax.set_xticks([t for t, _ in ticks], [label for _, label in ticks])
        ax.set_xlim(lo, hi)
        if ds.min_bytes:
            under = int((sizes < ds.min_bytes).sum())
            ax.axvline(np.log10(ds.min_bytes), color="#cf222e", lw=1.5, ls="--")
            # said above the axes, clear of the bars
            ax.set_title(f"undersized < {human_bytes(ds.min_bytes)}: {under}", loc="right", color="#cf222e", fontsize=8)
        ax.set_title(name, loc="left", fontsize=10)
        ax.set_xlabel("bytes (log scale)", fontsize=8)
        ax.tick_params(labelsize=8)
    fig.suptitle("Object sizes per dataset, with the undersized threshold", x=0.01, ha="left", fontsize=11)
    under = {n: int((sized.loc[sized["dataset"] == n, "size"] < spec.dataset(n).min_bytes).sum()) for n in names}
    alt = "Histograms of object sizes per dataset with the undersized threshold marked; undersized: " + ", ".join(
        f"{n} {k}" for n, k in under.items()
    )
    return Plot(fig, alt)


def tasks_by_scraper(tasks: list[dict]) -> Plot:
    """Tasks (and items to collect) per scraper, stacked by priority."""
    frame = pd.DataFrame(tasks, columns=["scraper", "priority", "n_items"])
    fig = Figure(figsize=(10, 0.9 + 0.45 * max(frame["scraper"].nunique(), 1)), layout="constrained")
    ax = fig.subplots()
    if frame.empty:
        ax.text(0.5, 0.5, "no tasks: nothing to collect", ha="center", va="center")
        ax.set_axis_off()
        return Plot(fig, "No tasks: nothing to collect.")
    items = frame.pivot_table(
        index="scraper", columns="priority", values="n_items", aggfunc="sum", fill_value=0
    ).reindex(columns=[p for p in PRIORITY_ORDER], fill_value=0)
    left = np.zeros(len(items))
    for p in PRIORITY_ORDER:
        ax.barh(items.index, items[p], left=left, color=PRIORITY_COLORS[p], label=p)
        left += items[p].to_numpy()
    ax.set_xlabel("items to collect")
    fig.legend(ncols=4, fontsize=8, loc="outside lower center", frameon=False)  # clear of the bars
    ax.invert_yaxis()
    ax.set_title("Task queue: items to collect per scraper and priority", loc="left")
    alt = "Bar chart of items to collect per scraper: " + ", ".join(
        f"{name} {int(total)}" for name, total in items.sum(axis=1).items()
    )
    return Plot(fig, alt)


class Note:
    """A sentence where a chart would have nothing to show (one run: no trend yet)."""

    def __init__(self, text: str):
        self.alt = text

    def _repr_html_(self) -> str:
        return f'<p style="color:#59636e">{html.escape(self.alt)}</p>'

    def __repr__(self) -> str:
        return self.alt


def fingerprint(lake, spec) -> str:
    """What makes runs comparable: the same lake judged by the same spec."""
    return f"{lake or '?'} · {spec or '?'}"


def completeness_trend(history: pd.DataFrame) -> Plot | Note:
    """Completeness (%) by as_of, one line per lake and spec (runs of another lake or spec are
    drawn apart, in grey, never joined to this run's line). With one run: a sentence."""
    if history.empty:
        return Note("No run history yet: the trend starts with the next run.")
    h = history.reset_index(drop=True).copy()
    for c in ("lake", "spec"):
        if c not in h:
            h[c] = None
    h["as_of"] = pd.to_datetime(h["as_of"], errors="coerce")
    h = h.dropna(subset=["as_of"])
    h["group"] = [fingerprint(a, b) for a, b in zip(h["lake"], h["spec"])]
    current = h[h["status"].isin(["this run", "running"])]
    mine = (current["group"].iloc[-1] if len(current) else h["group"].iloc[-1]) if len(h) else None
    same = h[h["group"] == mine].sort_values("as_of", kind="mergesort")
    others = h[h["group"] != mine]
    if len(same) <= 1:
        row = same.iloc[-1] if len(same) else None
        text = (
            "One run of this lake and spec so far"
            + (
                f" (as of {row['as_of']:%Y-%m-%d}: {row['complete_pct']:.2f}% complete)"
                if row is not None and pd.notna(row["complete_pct"])
                else ""
            )
            + ": the trend starts with the next run"
            + (
                f"; {others['group'].nunique()} other lake/spec pair(s) in this history are not compared."
                if len(others)
                else "."
            )
        )
        return Note(text)
    # the x axis spans this lake's runs (a day either side at least); other pairs' runs outside
    # it are counted in the text, not drawn (two lakes years apart would squash this line)
    lo, hi = same["as_of"].min(), same["as_of"].max()
    pad = max(pd.Timedelta(days=1), (hi - lo) * 0.05)
    x0, x1 = lo - pad, hi + pad
    outside = others[(others["as_of"] < x0) | (others["as_of"] > x1)]
    others = others.drop(outside.index)
    fig = Figure(figsize=(10, 3.4), layout="constrained")
    ax = fig.subplots()
    ax.plot(same["as_of"], same["complete_pct"], marker="o", color="#0969da", label="complete (this lake and spec)")
    ax.plot(same["as_of"], same["have_pct"], marker=".", ls="--", color="#8c959f", label="have a file")
    last = same.iloc[-1]
    if pd.notna(last["complete_pct"]):
        ax.annotate(
            f"{last['complete_pct']:.2f}%",
            (last["as_of"], last["complete_pct"]),
            textcoords="offset points",
            xytext=(0, 8),
            ha="center",
            fontsize=8,
        )
    for i, (group, g) in enumerate(others.groupby("group", sort=True)):
        g = g.sort_values("as_of", kind="mergesort")
        ax.plot(
            g["as_of"],
            g["complete_pct"],
            marker="x",
            ls=":",
            color="#bdc3c9",
            label=f"other: {group}" if i < 3 else None,
        )
    vals = pd.concat([same[["complete_pct", "have_pct"]], others[["complete_pct"]]]).to_numpy(dtype=float)
    lo = float(np.nanmin(vals)) if np.isfinite(vals).any() else 0.0
    ax.set_ylim(max(0, lo - 2), 100.5)
    ax.set_ylabel("% of expected items")
    ax.set_xlabel("as of")

    span = (same["as_of"].max() - same["as_of"].min()).days
    if span <= 14:  # as_of is a date: ticks on days, never on hours
        ax.xaxis.set_major_locator(DayLocator(interval=max(1, span // 7)))
        ax.xaxis.set_major_formatter(DateFormatter("%Y-%m-%d"))
    else:
        locator = AutoDateLocator(maxticks=8)
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))
    ax.set_xlim(x0, x1)
    ax.tick_params(labelsize=8)
    fig.legend(loc="outside lower center", ncols=2, fontsize=8, frameon=False)
    ax.set_title(f"Completeness by as_of: {len(same)} runs of this lake and spec", loc="left", fontsize=11)
    alt = "Line chart of completeness by as_of for this lake and spec: " + ", ".join(
        f"{p:.2f}% as of {a:%Y-%m-%d}" for p, a in zip(same["complete_pct"], same["as_of"]) if pd.notna(p)
    )
    if len(others):
        alt += f"; {others['group'].nunique()} other lake/spec pair(s) drawn apart in grey"
    if len(outside):
        alt += f"; {len(outside)} run(s) of other lake/spec pairs at other dates not drawn"
        ax.text(
            1,
            1.01,
            f"{len(outside)} run(s) of other lakes/specs at other dates not shown",
            transform=ax.transAxes,
            ha="right",
            va="bottom",
            fontsize=8,
            color="#59636e",
        )
    return Plot(fig, alt)
