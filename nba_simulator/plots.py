"""Plots and small display tables for the stage notebooks (kept here so notebooks stay thin).

Every plot function returns a :class:`Plot`: a :class:`matplotlib.figure.Figure` built without
pyplot (no global state, nothing shown twice) with an alternative text for readers who cannot see
it. A notebook displays it by leaving it as the cell's last value (a PNG, with the alt text in the
output's metadata, which the HTML report uses); ``.fig`` is the Figure for further work.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Iterable

import numpy as np
import pandas as pd
from matplotlib.colors import BoundaryNorm, ListedColormap
from matplotlib.figure import Figure

#: problem statuses, in precedence order (``empty``: only after content probing)
PROBLEMS = ("missing", "undersized", "empty", "premature", "stale")
PRIORITY_ORDER = ("CRITICAL", "HIGH", "MEDIUM", "LOW")
PRIORITY_COLORS = {"CRITICAL": "#a40e26", "HIGH": "#e16f24", "MEDIUM": "#d4a72c", "LOW": "#8c959f"}
#: completeness bands: reds below 80%, then finer steps where real lakes live (90-100%)
#: column names as a reader should see them in the report's tables
READABLE = {"complete_pct": "complete %", "have_pct": "have a file %", "completeness_pct": "season complete %",
            "n_items": "items", "other_sources_have": "games another source has"}
PCT_BOUNDS = [0, 50, 80, 90, 95, 98, 99.5, 100.001]
PCT_COLORS = ["#a40e26", "#e16f24", "#f2b33d", "#f5e37a", "#c6e48b", "#7bc96f", "#239a3b"]


class Plot:
    """A figure plus its alternative text; displays as a PNG."""

    def __init__(self, fig: Figure, alt: str, dpi: int = 100):
        self.fig, self.alt, self.dpi = fig, " ".join(alt.split()), dpi
        self._png: bytes | None = None

    def png(self) -> bytes:
        if self._png is None:
            import io

            buf = io.BytesIO()
            self.fig.savefig(buf, format="png", dpi=self.dpi, facecolor="white")
            self._png = buf.getvalue()
        return self._png

    def _repr_mimebundle_(self, include=None, exclude=None):
        return ({"image/png": self.png(), "text/plain": f"<Plot: {self.alt}>"},
                {"image/png": {"alt": self.alt}})

    def save(self, path: str | Path) -> Path:
        Path(path).write_bytes(self.png())
        return Path(path)


def _pct_cmap():
    cmap = ListedColormap(PCT_COLORS).with_extremes(bad="#eaeef2")
    return cmap, BoundaryNorm(PCT_BOUNDS, cmap.N)


# ---------------------------------------------------------------------------------- plots
def completeness_heatmap(completeness: pd.DataFrame, value: str = "complete_pct",
                         title: str | None = None) -> Plot:
    """Season x dataset grid of completeness (%), each cell labelled; grey: nothing owed."""
    from matplotlib.patches import Patch

    grid = completeness.pivot_table(index="dataset", columns="season", values=value, aggfunc="first")
    grid = grid.reindex(sorted(grid.index), axis=0).reindex(sorted(grid.columns), axis=1)
    n_rows, n_cols = grid.shape
    fig = Figure(figsize=(max(8.0, min(18.0, 2.6 + 0.62 * n_cols)), 1.6 + 0.42 * max(n_rows, 1)),
                 layout="constrained")
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
    ax.set_xticks(range(n_cols), grid.columns, rotation=45 if rotate else 0, ha="right" if rotate else "center",
                  fontsize=9)
    ax.set_yticks(range(n_rows), grid.index, fontsize=9)
    ax.tick_params(length=0)
    if n_rows * n_cols <= 400:
        for (r, c), v in np.ndenumerate(values):
            if not np.isnan(v):
                ax.text(c, r, f"{v:.1f}" if v < 100 else "100", ha="center", va="center", fontsize=8,
                        color="white" if v < 80 or v >= 99.5 else "#1f2328")
    for spine in ax.spines.values():
        spine.set_visible(False)
    bands = [f"< {PCT_BOUNDS[1]:g}%"] + [f"{a:g}–{b:g}%" for a, b in zip(PCT_BOUNDS[1:-2], PCT_BOUNDS[2:-1])] \
        + [f"≥ {PCT_BOUNDS[-2]:g}%"]
    handles = [Patch(color=c, label=b) for c, b in zip(PCT_COLORS, bands)] + \
        [Patch(color="#eaeef2", label="nothing owed")]
    fig.legend(handles=handles, loc="outside lower center", ncols=len(handles), fontsize=8, frameon=False)
    ax.set_title(title, loc="left", fontsize=11)
    flat = completeness[completeness[value].notna()]
    worst = flat.loc[flat[value].idxmin()] if len(flat) else None
    alt = (f"Heatmap of completeness for {n_rows} datasets over {n_cols} seasons"
           + (f"; lowest {worst[value]:.1f}% for {worst['dataset']} {worst['season']}." if worst is not None else "."))
    return Plot(fig, alt)


def gaps_calendar(coverage: pd.DataFrame, max_seasons: int = 2,
                  seasons: Iterable[str] | None = None) -> Plot:
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
        chosen = sorted(with_problems, reverse=True)[:max_seasons] or \
            sorted(per_day["season"].unique(), reverse=True)[:1]
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
        ax.set_xticks([max(0, (m - start).days // 7) for m in months],
                      [m.strftime("%b %Y" if i == 0 or m.month == 1 else "%b") for i, m in enumerate(months)],
                      fontsize=8)
        ax.set_yticks([0, 2, 4, 6], ["Mon", "Wed", "Fri", "Sun"], fontsize=8)
        ax.tick_params(length=0)
        for spine in ax.spines.values():
            spine.set_visible(False)
        total = int(days.sum())
        worst = days.idxmax()
        ax.set_title(f"{season}: {total} problem items on {int((days > 0).sum())} of {len(days)} game days"
                     + (f" (worst {worst:%Y-%m-%d}: {int(days.max())})" if total else ""),
                     loc="left", fontsize=10)
    fig.suptitle("Gaps on the calendar: each square a day; white no games, green nothing missing, "
                 "orange to dark red more items missing or broken", x=0.01, ha="left", fontsize=10)
    alt = "Calendar of problem items per game day: " + "; ".join(a.get_title(loc="left") for a in axes if a.get_title(loc="left"))
    return Plot(fig, alt)


def _heat(t: float) -> str:
    """Orange (t=0) to dark red (t=1)."""
    a, b = np.array([0xf2, 0xb3, 0x3d]), np.array([0x82, 0x07, 0x1e])
    r, g, bl = (a + (b - a) * t).astype(int)
    return f"#{r:02x}{g:02x}{bl:02x}"


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
    for ax in axes[len(names):]:
        ax.set_axis_off()
    for ax, name in zip(axes, names):
        ds = spec.dataset(name)
        sizes = sized.loc[sized["dataset"] == name, "size"].astype(float)
        lo = min(sizes.min(), ds.min_bytes or sizes.min()) / 1.5
        hi = sizes.max() * 1.5
        bins = np.logspace(np.log10(max(lo, 1)), np.log10(max(hi, 2)), 40)
        ax.hist(sizes, bins=bins, color="#57606a")
        ax.set_xscale("log")
        if ds.min_bytes:
            under = int((sizes < ds.min_bytes).sum())
            ax.axvline(ds.min_bytes, color="#cf222e", lw=1.5, ls="--")
            ax.text(ds.min_bytes, ax.get_ylim()[1] * 0.95, f" undersized < {_bytes(ds.min_bytes)}\n {under} object(s)",
                    color="#cf222e", va="top", fontsize=8)
        ax.set_title(name, loc="left", fontsize=10)
        ax.set_xlabel("bytes", fontsize=8)
        ax.tick_params(labelsize=8)
    fig.suptitle("Object sizes per dataset, with the undersized threshold", x=0.01, ha="left", fontsize=11)
    under = {n: int((sized.loc[sized["dataset"] == n, "size"] < spec.dataset(n).min_bytes).sum()) for n in names}
    alt = ("Histograms of object sizes per dataset with the undersized threshold marked; undersized: "
           + ", ".join(f"{n} {k}" for n, k in under.items()))
    return Plot(fig, alt)


def _bytes(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if abs(n) < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GB"  # pragma: no cover


def tasks_by_scraper(tasks: list[dict]) -> Plot:
    """Tasks (and items to collect) per scraper, stacked by priority."""
    frame = pd.DataFrame(tasks, columns=["scraper", "priority", "n_items"])
    fig = Figure(figsize=(10, 0.9 + 0.45 * max(frame["scraper"].nunique(), 1)), layout="constrained")
    ax = fig.subplots()
    if frame.empty:
        ax.text(0.5, 0.5, "no tasks: nothing to collect", ha="center", va="center")
        ax.set_axis_off()
        return Plot(fig, "No tasks: nothing to collect.")
    items = frame.pivot_table(index="scraper", columns="priority", values="n_items", aggfunc="sum",
                              fill_value=0).reindex(columns=[p for p in PRIORITY_ORDER], fill_value=0)
    left = np.zeros(len(items))
    for p in PRIORITY_ORDER:
        ax.barh(items.index, items[p], left=left, color=PRIORITY_COLORS[p], label=p)
        left += items[p].to_numpy()
    ax.set_xlabel("items to collect")
    ax.legend(ncols=4, fontsize=8, loc="lower right")
    ax.invert_yaxis()
    ax.set_title("Task queue: items to collect per scraper and priority", loc="left")
    alt = "Bar chart of items to collect per scraper: " + ", ".join(
        f"{name} {int(total)}" for name, total in items.sum(axis=1).items())
    return Plot(fig, alt)


def completeness_trend(history: pd.DataFrame) -> Plot:
    """Completeness (%) of every earlier successful run and this one, in run order."""
    fig = Figure(figsize=(10, 3.2), layout="constrained")
    ax = fig.subplots()
    if history.empty:
        ax.text(0.5, 0.5, "no run history yet", ha="center", va="center")
        ax.set_axis_off()
        return Plot(fig, "No run history yet.")
    h = history.reset_index(drop=True)
    started = pd.to_datetime(h["started"], utc=True, errors="coerce")
    by_time = bool(started.notna().all()) and len(h) > 1   # one point: no time axis to speak of
    if by_time:
        order = started.sort_values(kind="mergesort").index
        h, x = h.loc[order], started.loc[order]
    else:  # a single run, or a standalone notebook's run (no start time): plot in run order
        x = pd.Series(range(1, len(h) + 1), index=h.index)
    ax.plot(x, h["complete_pct"], marker="o", color="#0969da", label="complete (present)")
    ax.plot(x, h["have_pct"], marker=".", ls="--", color="#8c959f", label="have a file")
    for xi, yi, label in zip(x, h["complete_pct"], h["as_of"]):
        ax.annotate(f"{yi:.2f}%\nas of {label}", (xi, yi), textcoords="offset points", xytext=(0, 8),
                    ha="center", fontsize=7)
    vals = h[["complete_pct", "have_pct"]].to_numpy(dtype=float)
    lo = float(np.nanmin(vals)) if np.isfinite(vals).any() else 0.0
    ax.set_ylim(max(0, lo - 2), 100.5)
    ax.set_ylabel("%")
    ax.legend(fontsize=8, loc="lower left")
    ax.set_title(f"Completeness over the last {len(h)} run(s)", loc="left")
    if by_time:
        from matplotlib.dates import AutoDateLocator, ConciseDateFormatter

        locator = AutoDateLocator()
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))
    else:
        ax.set_xticks(list(x), [str(r) for r in h["run_id"]], fontsize=8)
        ax.set_xlim(0.5, len(h) + 0.5)
    ax.tick_params(labelsize=8)
    alt = "Line chart of completeness over runs: " + ", ".join(
        f"{p:.2f}% as of {a}" for p, a in zip(h["complete_pct"], h["as_of"]))
    return Plot(fig, alt)


# ---------------------------------------------------------------------------------- history
def load_history(runs_dir: str | Path | None, current: dict | None = None,
                 current_run: str | None = None, limit: int = 60) -> pd.DataFrame:
    """One row per run with a summary: run_id, started, as_of, status, completeness numbers."""
    cols = ["run_id", "started", "as_of", "status", "complete_pct", "have_pct", "expected", "missing", "gaps"]
    rows = []
    if runs_dir is not None and Path(runs_dir).is_dir():
        for rec_path in sorted(Path(runs_dir).glob("*/run.json"))[-limit:]:
            run_dir = rec_path.parent
            if run_dir.name == current_run:
                continue
            try:
                rec = json.loads(rec_path.read_text(encoding="utf-8"))
                summary = json.loads((run_dir / "data" / "summary.json").read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            rows.append(_history_row(run_dir.name, rec.get("started"), rec.get("status"), summary))
    if current is not None:
        rows.append(_history_row(current_run or "this run", current.get("_started"), "this run", current))
    return pd.DataFrame(rows, columns=cols)


def _history_row(run_id, started, status, summary: dict) -> dict:
    totals = summary.get("totals", {})
    return {"run_id": run_id, "started": started, "as_of": summary.get("as_of"), "status": status,
            "complete_pct": totals.get("complete_pct"), "have_pct": totals.get("have_pct"),
            "expected": totals.get("expected"), "missing": totals.get("missing"),
            "gaps": sum((summary.get("gaps") or {}).values())}


# ---------------------------------------------------------------------------------- tables
def worst_seasons(completeness: pd.DataFrame, n: int = 10) -> pd.DataFrame:
    """The dataset x season cells furthest from complete."""
    cols = ["dataset", "season", "expected", "present", *PROBLEMS, "unmapped", "complete_pct"]
    t = _unprobed(completeness[[c for c in cols if c in completeness.columns]])
    t = t[t["expected"] > 0].sort_values(["complete_pct", "expected"], ascending=[True, False])
    return _ranked(t.head(n).rename(columns=READABLE))


def top_gaps(gaps: pd.DataFrame, n: int = 15) -> pd.DataFrame:
    cols = ["priority", "dataset", "season", "status", "first_date", "last_date", "n_items",
            "completeness_pct", "rule", "gap_id"]
    t = gaps[[c for c in cols if c in gaps.columns]].head(n).copy()
    for c in ("first_date", "last_date"):
        if c in t:
            t[c] = pd.to_datetime(t[c]).dt.strftime("%Y-%m-%d").fillna("")
    return _ranked(t.rename(columns=READABLE))


def _unprobed(t: pd.DataFrame) -> pd.DataFrame:
    """Without the ``empty`` column when it is all zero: without content probing nothing can be
    empty, and a column of zeros would say every file was checked."""
    if "empty" in t.columns and not t["empty"].fillna(0).astype(bool).any():
        return t.drop(columns="empty")
    return t


def _ranked(t: pd.DataFrame) -> pd.DataFrame:
    """Rows numbered from 1 (a rank a reader can quote), not pandas' 0-based index."""
    t = t.reset_index(drop=True)
    t.index = pd.RangeIndex(1, len(t) + 1, name="#")
    return t


def task_table(tasks: list[dict], n: int = 25) -> pd.DataFrame:
    """The head of the task queue, one row per task, lists shortened for reading."""
    rows = []
    for t in tasks[:n]:
        dates = list(t.get("dates") or [])
        games = list(t.get("game_ids") or [])
        rows.append({"task_id": t["task_id"], "priority": t["priority"], "action": t["action"],
                     "scraper": t["scraper"], "dataset": t["dataset"], "season": t["season"],
                     "n_items": t["n_items"], "other_sources_have": t.get("other_sources_have"),
                     "dates": (f"{dates[0]} .. {dates[-1]}" if len(dates) > 1 else (dates[0] if dates else "")),
                     "game_ids": ", ".join(games[:3]) + (f" (+{len(games) - 3})" if len(games) > 3 else "")})
    cols = ["task_id", "priority", "action", "scraper", "dataset", "season", "n_items",
            "other_sources_have", "dates", "game_ids"]
    if not any("other_sources_have" in t for t in tasks[:n]):   # only a probed run ranks by it
        cols.remove("other_sources_have")
    return _ranked(pd.DataFrame(rows, columns=cols).rename(columns=READABLE))


def table_or_note(frame: pd.DataFrame, note: str):
    """``frame``, or when it has no row a sentence saying so (not a table of headers only)."""
    return frame if len(frame) else _display_html(f"<p>{_html(note)}</p>")


def db_coverage_tables(result, n: int = 15) -> pd.DataFrame:
    """Database coverage (``database.db_coverage``): the per table x season summary, problems
    counted per table, and the first ``n`` problem games (returned)."""
    from IPython.display import display

    summary = result.summary.set_index(["table", "season"])
    display(_display_html(f"<p>{result.expected_games:,} expected games checked in "
                          f"{summary.index.get_level_values(0).nunique()} table(s) in "
                          f"{result.seconds:.1f} s.</p>"
                          + "".join(f"<p>Warning: {_html(w)}</p>" for w in result.warnings)))
    display(summary.rename(columns={"loaded_pct": "loaded %"}))
    problems = result.problems
    if problems.empty:
        display(_display_html("<p>No problem: every expected game is loaded, with its raw file.</p>"))
        return problems
    display(pd.crosstab(problems["table"], problems["problem"]))
    t = problems.head(n).copy()
    t["game_date"] = pd.to_datetime(t["game_date"]).dt.strftime("%Y-%m-%d").fillna("")
    return _ranked(t)


def status_table(coverage: pd.DataFrame) -> pd.DataFrame:
    """Items per dataset and status (rows: datasets)."""
    t = pd.crosstab(coverage["dataset"], coverage["status"])
    order = ["present", *PROBLEMS, "unmapped"]
    return t.reindex(columns=[c for c in order if c in t.columns], fill_value=0)


def health_table(table: pd.DataFrame) -> pd.DataFrame:
    """The health checks with a readable status column (text marks, no HTML)."""
    marks = {"ok": "✓ ok", "warn": "! warn", "fail": "✗ FAIL"}
    return table.assign(status=table["status"].map(lambda s: marks.get(s, s))).set_index("check")


def scan_table(scan_info: dict) -> pd.DataFrame:
    """What the scan did, as a one-column table."""
    rows = [("lake", scan_info.get("lake")), ("objects", f"{scan_info.get('objects', 0):,}"),
            ("bytes", _bytes(scan_info.get("bytes") or 0)),
            ("sample", "all (full scan)" if not scan_info.get("sample") else f"{scan_info['sample']:g} of the items"),
            ("prefixes listed", scan_info.get("listed_prefixes") or "every top-level folder"),
            ("listing time", f"{scan_info.get('seconds', 0):.1f} s")]
    return pd.DataFrame(rows, columns=["scan", "value"]).set_index("scan")


def folder_table(inventory: pd.DataFrame) -> pd.DataFrame:
    """Objects, bytes, smallest/largest and newest object per top-level folder."""
    if inventory.empty:
        return pd.DataFrame(columns=["objects", "total", "smallest", "largest", "newest"])
    folder = inventory["key"].str.split("/", n=1).str[0].where(inventory["key"].str.contains("/"), "(top level)")
    g = inventory.assign(folder=folder).groupby("folder")
    t = pd.DataFrame({"objects": g.size(), "total": g["size"].sum().map(_bytes),
                      "smallest": g["size"].min().map(_bytes), "largest": g["size"].max().map(_bytes),
                      "newest": g["last_modified"].max().dt.strftime("%Y-%m-%d %H:%M")})
    return t.sort_values("objects", ascending=False)


def _html(text) -> str:
    import html

    return html.escape("" if text is None else str(text))


def _display_html(body: str):
    from IPython.display import HTML

    return HTML(body)


def verdict(status: str, text: str):
    """A coloured one-line verdict (the text is escaped)."""
    colors = {"ok": ("#dafbe1", "#116329"), "warn": ("#fff8c5", "#7d4e00"), "fail": ("#ffebe9", "#a40e26")}
    bg, fg = colors.get(status, ("#eaeef2", "#1f2328"))
    return _display_html(f'<div style="background:{bg};color:{fg};padding:.6em 1em;border-radius:6px;'
                         f'font-weight:600">{_html(status.upper())} · {_html(text)}</div>')


def headline(totals: dict, estimate: bool = False, summary: dict | None = None):
    """The run's headline numbers as large figures (every value escaped)."""
    def tile(value, label, color="#1f2328"):
        return (f'<div style="flex:1;min-width:9em;padding:.4em .8em;border-left:4px solid {color}">'
                f'<div style="font-size:1.7em;font-weight:600;color:{color}">{_html(value)}</div>'
                f'<div style="color:#59636e;font-size:.9em">{_html(label)}</div></div>')
    pct = totals.get("complete_pct")
    tiles = [tile(f"{pct:.2f}%" if pct is not None else "–", "complete" + (" (estimate)" if estimate else ""),
                  "#116329" if (pct or 0) >= 99 else "#7d4e00" if (pct or 0) >= 90 else "#a40e26"),
             tile(f"{totals.get('expected', 0):,}", "expected items"),
             tile(f"{totals.get('missing', 0):,}", "missing", "#a40e26"),
             tile(f"{sum(totals.get(s, 0) for s in PROBLEMS[1:]):,}",
                  "undersized, empty, premature or stale" if totals.get("empty") else
                  "undersized, premature or stale", "#7d4e00"),
             tile(f"{totals.get('unmapped', 0):,}", "unmapped (not counted)", "#59636e")]
    if summary is not None:
        tiles.append(tile(f"{sum(summary.get('gaps', {}).values()):,}", "gaps", "#0969da"))
        tiles.append(tile(f"{sum(summary.get('tasks', {}).values()):,}", "tasks queued", "#0969da"))
    sub = ""
    if summary is not None:
        inv = summary.get("inventory") or {}
        objects = f"{inv.get('objects') or 0:,}"
        sub = (f'<p style="color:#59636e;margin:.3em 0 0">as of <b>{_html(summary.get("as_of"))}</b> · lake '
               f'<code>{_html(_redacted(inv.get("lake")))}</code> · {_html(objects)} objects'
               + (f' · sampled {_html(summary.get("sample_fraction"))} of the items: numbers are estimates'
                  if estimate else "") + "</p>")
    return _display_html('<div style="display:flex;flex-wrap:wrap;gap:.5em;margin:.5em 0">'
                         + "".join(tiles) + "</div>" + sub)


def _redacted(value):
    from nba_simulator.masking import mask

    return mask(value)


def orphan_table(orphans: pd.DataFrame, duplicates: pd.DataFrame, warnings: list[str] | None = None,
                 n: int = 15):
    """Orphans and unparsed keys (first ``n``), with duplicates and spec warnings counted."""
    from IPython.display import display

    counts = orphans["reason"].value_counts() if len(orphans) else pd.Series(dtype=int)
    dup_items = duplicates["expected_key"].nunique() if "expected_key" in duplicates and len(duplicates) else 0
    lines = [f"{int(counts.get('orphan', 0))} orphan key(s), {int(counts.get('unparsed', 0))} unparsed "
             f"key(s), {dup_items} item(s) found under more than one key."]
    lines += [f"Warning: {w}" for w in warnings or []]
    display(_display_html("".join(f"<p>{_html(x)}</p>" for x in lines)))
    cols = [c for c in ("reason", "dataset", "key", "detail") if c in orphans.columns]
    return orphans[cols].head(n).reset_index(drop=True)


def gap_counts(gaps: pd.DataFrame) -> pd.DataFrame:
    """Gaps and items per priority and status."""
    if gaps.empty:
        return pd.DataFrame({"gaps": [], "items": []})
    t = gaps.groupby(["priority", "status"]).agg(gaps=("gap_id", "size"), items=("n_items", "sum"))
    order = {p: i for i, p in enumerate(PRIORITY_ORDER)}
    return t.reset_index().sort_values(["priority", "status"], key=lambda s: s.map(order) if s.name == "priority" else s) \
        .set_index(["priority", "status"])


def task_counts(tasks: list[dict], capped: dict | None = None) -> pd.DataFrame:
    """Tasks and items per priority, with what the per-priority caps left out."""
    frame = pd.DataFrame(tasks, columns=["priority", "n_items"])
    rows = []
    for p in PRIORITY_ORDER:
        sub = frame[frame["priority"] == p]
        rows.append({"priority": p, "tasks": len(sub), "items": int(sub["n_items"].sum()),
                     "left out by the cap": int((capped or {}).get(p, 0))})
    return pd.DataFrame(rows).set_index("priority")


def dataset_table(summary: dict) -> pd.DataFrame:
    """Per-dataset completeness from the summary (the report's completeness table)."""
    t = pd.DataFrame(summary.get("datasets", []))
    if t.empty:
        return t
    cols = ["dataset", "expected", "present", *PROBLEMS, "unmapped", "complete_pct", "have_pct"]
    return (_unprobed(t[[c for c in cols if c in t.columns]]).sort_values("complete_pct").set_index("dataset")
            .rename(columns=READABLE))


def run_details(stage, summary: dict) -> pd.DataFrame:
    """Where the numbers come from: inputs, versions, the stage pages of this run."""
    from IPython.display import display

    rows = [("as of", summary.get("as_of")), ("spec", summary.get("spec")),
            ("lake", _redacted(str(stage.lake))), ("schedule", stage.schedule_path),
            ("nba_simulator", summary.get("nba_simulator")),
            ("run folder", str(stage.run_dir))]
    if not stage.standalone:
        links = [f'<a href="{_html(p.name)}">{_html(p.stem)}</a>'
                 for p in sorted(stage.run_dir.glob("0[0-4]_*.html"))]
        if links:
            display(_display_html("<p>Stage pages of this run: " + " · ".join(links) + "</p>"))
    return pd.DataFrame(rows, columns=["input", "value"]).set_index("input")
