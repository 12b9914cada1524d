"""Trend charts from the run history, for the summary notebook.

Each function returns a :class:`Chart`: a :class:`matplotlib.figure.Figure` built without pyplot
and an alternative text (``plots.Plot(chart.fig, chart.alt)`` displays it in a notebook).
"""

from __future__ import annotations

from typing import NamedTuple

import pandas as pd
from matplotlib.dates import AutoDateLocator, ConciseDateFormatter, DateFormatter, DayLocator
from matplotlib.figure import Figure


class Chart(NamedTuple):
    fig: Figure
    alt: str


def _empty(text: str) -> Chart:
    fig = Figure(figsize=(10, 2), layout="constrained")
    ax = fig.subplots()
    ax.text(0.5, 0.5, text, ha="center", va="center")
    ax.set_axis_off()
    return Chart(fig, text)


def _x(frame: pd.DataFrame) -> tuple[pd.Series, float]:
    """Each run's place on a date axis (its as_of; runs sharing a date side by side within that
    day, in recording order) and the width a bar may take (days)."""
    day = pd.to_datetime(frame["as_of"]).dt.normalize()
    rank = day.groupby(day).cumcount()
    per_day = day.map(day.value_counts())
    x = day + pd.to_timedelta((rank + 0.5) / per_day - 0.5, unit="D") * 0.8
    days = sorted(set(day))
    gap = min((b - a).days for a, b in zip(days, days[1:])) if len(days) > 1 else 1
    return x.reset_index(drop=True), 0.8 * max(gap, 1) / int(per_day.max())


def _date_axis(ax, x: pd.Series) -> None:
    """as_of on a date axis (the same as ``plots.completeness_trend``'s): days, never hours."""
    span = (x.max() - x.min()).days
    pad = pd.Timedelta(days=1)
    ax.set_xlim(x.min() - pad, x.max() + pad)
    if span <= 14:
        ax.xaxis.set_major_locator(DayLocator(interval=max(1, span // 7)))
        ax.xaxis.set_major_formatter(DateFormatter("%Y-%m-%d"))
    else:
        locator = AutoDateLocator(maxticks=8)
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))
    ax.tick_params(axis="x", labelsize=7)


def completeness_by_dataset(trend: pd.DataFrame, max_datasets: int = 12) -> Chart:
    """Lines of complete % per dataset over runs (``history.completeness_trend``'s frame)."""
    if trend.empty:
        return _empty("no run history yet")
    runs = trend.drop_duplicates("run_id").sort_values("seq").reset_index(drop=True)
    x, _ = _x(runs)
    pos = dict(zip(runs["run_id"], x))
    latest = trend[trend["run_id"] == runs["run_id"].iloc[-1]].sort_values("complete_pct")
    shown = list(latest["dataset"].head(max_datasets))
    fig = Figure(figsize=(10, 3.6), layout="constrained")
    ax = fig.subplots()
    for ds in shown:
        d = trend[trend["dataset"] == ds].sort_values("seq")
        ax.plot([pos[r] for r in d["run_id"]], d["complete_pct"], marker="o", ms=3, label=ds)
    _date_axis(ax, x)
    ax.set_ylim(max(0.0, float(trend["complete_pct"].min(skipna=True) or 0) - 2), 100.5)
    ax.set_ylabel("complete %")
    ax.set_xlabel("as of")
    fig.legend(fontsize=7, loc="outside right upper", frameon=False)  # outside the data
    ax.set_title(f"Completeness per dataset over {len(runs)} run(s)", loc="left")
    alt = "Line chart of completeness per dataset over runs; latest: " + ", ".join(
        f"{r.dataset} {r.complete_pct:.2f}%" for r in latest.head(max_datasets).itertuples()
    )
    return Chart(fig, alt)


def new_vs_fixed(changes: pd.DataFrame) -> Chart:
    """Bars of problem items newly found (up) and fixed (down) per run, and the open count
    (``history.changes_by_run``'s frame)."""
    if changes.empty:
        return _empty("no run history yet")
    c = changes.sort_values("seq").reset_index(drop=True)
    x, width = _x(c)
    fig = Figure(figsize=(10, 3.2), layout="constrained")
    ax = fig.subplots()
    ax.bar(x, c["new_items"], width=width, color="#cf222e", label="new problems")
    ax.bar(x, -c["fixed_items"], width=width, color="#1a7f37", label="fixed")
    ax.axhline(0, color="#57606a", lw=0.8)
    ax2 = ax.twinx()
    ax2.plot(x, c["open_items"], color="#0969da", marker=".", label="open after the run")
    ax2.set_ylabel("open", fontsize=8)
    _date_axis(ax, x)
    ax.set_ylabel("items")
    handles = ax.get_legend_handles_labels()[0] + ax2.get_legend_handles_labels()[0]
    ax.set_xlabel("as of")
    fig.legend(handles, [h.get_label() for h in handles], fontsize=7, loc="outside right upper", frameon=False)
    ax.set_title("New vs fixed problem items per run", loc="left")
    last = c.iloc[-1]
    alt = (
        f"Bar chart of new and fixed problem items over {len(c)} run(s); latest run: "
        f"{int(last['new_items'])} new, {int(last['fixed_items'])} fixed, "
        f"{int(last['open_items'])} open"
    )
    return Chart(fig, alt)
