"""The report's first screen: the answer, before anything else.

1. the headline numbers (``#headline``);
2. the tasks to run now (``#tasks-now``), in the one order of work (``tasks.WORK_ORDER``, the
   order of ``tasks.json``), said in one sentence; each with its scraper, games, dates, item
   count and a copyable key list, and a link to ``tasks.json``; what the spec's caps left out,
   in items and tasks;
3. what could not be judged and why (``#unjudged``: nothing when there is nothing);
4. every warning, with its full text (``#warnings``: nothing when there is none).

Pure functions: the summary and the task list in, escaped HTML out (``first_screen`` returns an
IPython HTML object a notebook cell displays; ``first_screen_html`` the string).
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ..tasks import WORK_ORDER, in_work_order
from .warnings import collect_warnings, unjudged_groups, unjudged_lines, without_unjudged

PRIORITY_COLORS = {"CRITICAL": "#a40e26", "HIGH": "#bc4c00", "MEDIUM": "#7d4e00", "LOW": "#59636e"}
PROBLEMS = ("undersized", "invalid", "empty", "premature", "stale")

CSS = """
.fs{font-family:-apple-system,'Segoe UI',Helvetica,Arial,sans-serif;color:#1f2328;line-height:1.4}
.fs h2{font-size:1.15rem;margin:.9rem 0 .3rem}
.fs .tiles{display:flex;flex-wrap:wrap;gap:.4rem 1.2rem;margin:.3rem 0}
.fs .tile{padding:.1rem .7rem;border-left:4px solid #d1d9e0}
.fs .tile b{display:block;font-size:1.6rem;font-weight:600;line-height:1.2}
.fs .tile span{color:#59636e;font-size:.85rem}
.fs .sub{color:#59636e;margin:.2rem 0 .4rem;font-size:.9rem}
.fs table{border-collapse:collapse;width:100%;font-size:.88rem;margin:.3rem 0}
.fs table{table-layout:auto!important}
.fs th,.fs td{border-bottom:1px solid #d1d9e0;padding:.25rem .5rem!important;text-align:left!important;
  vertical-align:top!important;overflow-wrap:normal}
.fs th{background:#f6f8fa}
.fs td.num,.fs th.num{text-align:right!important;font-variant-numeric:tabular-nums;white-space:nowrap}
.fs td.nw{white-space:nowrap} .fs .pri{font-weight:600;font-size:.8rem}
.fs td.task{min-width:18em}
.fs details summary{cursor:pointer;color:#0969da}
.fs textarea{width:100%;box-sizing:border-box;font-family:monospace;font-size:.8rem;height:6em}
.fs .warnbox{background:#fff8c5;border-left:4px solid #d4a72c;padding:.3rem .8rem;margin:.4rem 0}
.fs .warnbox li,.fs .unjudged li{overflow-wrap:anywhere}
.fs .unjudged{background:#eaeef2;border-left:4px solid #59636e;padding:.3rem .8rem;margin:.4rem 0}
"""


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _n(value: Any) -> str:
    try:
        return f"{int(value):,}"
    except (TypeError, ValueError):
        return "–"


def _dates(dates: Sequence[str]) -> str:
    dates = sorted(d for d in dates or [] if d)
    if not dates:
        return "–"
    return dates[0] if len(dates) == 1 else f"{dates[0]} … {dates[-1]}"


def headline_html(summary: Mapping[str, Any], lake: str | None = None) -> str:
    totals = summary.get("totals") or {}
    expected = int(totals.get("expected") or 0)
    pct = totals.get("complete_pct")
    estimate = bool(summary.get("estimate"))
    if expected and isinstance(pct, (int, float)):
        color = "#116329" if pct >= 99 else "#7d4e00" if pct >= 90 else "#a40e26"
        big = f"{pct:.2f}%"
    else:
        color, big = "#59636e", "nothing owed"
    other = sum(int(totals.get(s) or 0) for s in PROBLEMS)
    # the statuses summed in the tile, by name (empty and invalid only exist after probing)
    named = [s for s in PROBLEMS if s not in ("invalid", "empty") or totals.get(s)]
    tasks = sum((summary.get("tasks") or {}).values())
    tiles = [
        (big, "complete" + (" (estimate)" if estimate else ""), color),
        (_n(expected), "expected items", "#1f2328"),
        (_n(totals.get("missing")), "missing", "#a40e26"),
        (_n(other), ", ".join(named[:-1]) + " or " + named[-1], "#7d4e00"),
        (_n(tasks), "tasks to run", "#0969da"),
        (_n(totals.get("unmapped")), "unmapped (not counted)", "#59636e"),
    ]
    inv = summary.get("inventory") or {}
    sub = (
        f"as of <b>{_e(summary.get('as_of'))}</b> · lake <code>{_e(lake or inv.get('lake'))}</code> · "
        f"{_n(inv.get('objects'))} objects listed (excluded folders not counted)"
        + (f" · sampled {_e(summary.get('sample_fraction'))} of the items: numbers are estimates" if estimate else "")
    )
    return (
        '<section id="headline" aria-label="headline numbers"><div class="tiles">'
        + "".join(
            f'<div class="tile" style="border-color:{c}"><b style="color:{c}">{_e(v)}</b><span>{_e(label)}</span></div>'
            for v, label, c in tiles
        )
        + f'</div><p class="sub">{sub}</p></section>'
    )


def tasks_html(
    tasks: Sequence[Mapping[str, Any]],
    n: int = 8,
    tasks_link: str | None = "data/tasks.json",
    capped: Mapping[str, int] | None = None,
    capped_items: Mapping[str, int] | None = None,
) -> str:
    ranked = in_work_order(tasks)
    link = (
        f' · all {len(ranked):,} in <a href="{_e(tasks_link)}">tasks.json</a>, in this order'
        if tasks_link and ranked
        else ""
    )
    head = (
        '<section id="tasks-now" aria-label="tasks to run now"><h2>Tasks to run now</h2>'
        f'<p class="sub" id="work-order">The order of work: {_e(WORK_ORDER)}{link}.</p>'
    )
    if not ranked:
        return head + "<p>Nothing to collect: every expected item is present.</p></section>"
    rows = []
    for i, t in enumerate(ranked[:n], start=1):
        keys = [k for k in t.get("expected_keys") or [] if k]
        games = t.get("game_ids") or []
        key_cell = (
            f"<details><summary>{len(keys):,} key{'s' if len(keys) != 1 else ''}</summary>"
            f'<textarea readonly aria-label="expected keys of task {_e(t.get("task_id"))}">'
            f"{_e(chr(10).join(keys))}</textarea></details>"
            if keys
            else "–"
        )
        pri = str(t.get("priority"))
        rows.append(
            f"<tr><td class=num>{i}</td>"
            f'<td class=nw><span class="pri" style="color:{PRIORITY_COLORS.get(pri, "#1f2328")}">{_e(pri)}</span></td>'
            f"<td class=task>{_e(t.get('action'))} <b>{_e(t.get('dataset'))}</b> with <code>{_e(t.get('scraper'))}</code>"
            f" <span class=sub>({_e(t.get('reason'))})</span></td>"
            f"<td class=nw>{_e(t.get('season'))}</td>"
            f"<td class=num>{_n(len(games)) if games else '–'}</td>"
            f"<td class=nw>{_e(_dates(t.get('dates') or []))}</td>"
            f"<td class=num>{_n(t.get('n_items'))}</td><td>{key_cell}</td></tr>"
        )
    more = len(ranked) - n
    foot = ""
    if more > 0:
        foot += f"<p class=sub>{more:,} more task(s){link.replace(' · all', '; all') if link else ''}.</p>"
    foot += capped_html(capped, capped_items)
    return (
        head + "<table><thead><tr><th class=num>#</th><th>priority</th><th>task</th><th>season</th>"
        "<th class=num>games</th><th>dates</th><th class=num>items</th><th>keys</th></tr></thead><tbody>"
        + "".join(rows)
        + "</tbody></table>"
        + foot
        + "</section>"
    )


def capped_html(capped: Mapping[str, int] | None, capped_items: Mapping[str, int] | None) -> str:
    """What the spec's per-priority caps left out: items, in how many tasks, per priority."""
    capped = {p: int(v) for p, v in (capped or {}).items() if v}
    if not capped:
        return ""
    items = {p: int(v) for p, v in (capped_items or {}).items()}
    n_items = sum(items.values())
    per = "; ".join(
        f"{p} {items[p]:,} items in {n:,} tasks" if p in items else f"{p} {n:,} tasks" for p, n in capped.items()
    )
    what = (
        f"{n_items:,} problem item{'s' if n_items != 1 else ''}, in {sum(capped.values()):,} more "
        f"task{'s' if sum(capped.values()) != 1 else ''},"
        if items
        else f"{sum(capped.values()):,} more task{'s' if sum(capped.values()) != 1 else ''}"
    )
    return (
        f'<p class=sub id="capped">{what} left out by the spec\'s per-priority caps ({_e(per)}): '
        "in no task this run.</p>"
    )


def unjudged_html(unjudged: Iterable[Mapping[str, Any]] | None) -> str:
    """One line per dataset and reason, most items first; every dataset-season's own line folded
    below when there are more of those."""
    lines, groups = unjudged_lines(unjudged), unjudged_groups(unjudged)
    if not lines:
        return ""
    every = (
        f"<details><summary>every dataset-season ({len(lines):,})</summary><ul>"
        + "".join(f"<li>{_e(x)}</li>" for x in lines)
        + "</ul></details>"
        if len(lines) > len(groups)
        else ""
    )
    return (
        '<section id="unjudged" class="unjudged" aria-label="not judged"><h2>What could not be judged, '
        "and why</h2>" + _list(groups, 4) + every + "</section>"
    )


def _list(lines: Sequence[str], first: int = 6) -> str:
    """A list; past ``first`` items the rest fold away (every one still there, in full)."""
    head = "".join(f"<li>{_e(x)}</li>" for x in lines[:first])
    rest = lines[first:]
    more = (
        (
            f"<details><summary>{len(rest):,} more</summary><ul>"
            + "".join(f"<li>{_e(x)}</li>" for x in rest)
            + "</ul></details>"
        )
        if rest
        else ""
    )
    return f"<ul>{head}</ul>{more}"


def warnings_html(warnings: Sequence[str]) -> str:
    if not warnings:
        return ""
    return (
        f'<section id="warnings" class="warnbox" aria-label="warnings"><h2>{len(warnings)} warning'
        f"{'s' if len(warnings) != 1 else ''}</h2>" + _list(warnings, 8) + "</section>"
    )


def first_screen_html(
    summary: Mapping[str, Any],
    tasks: Sequence[Mapping[str, Any]],
    *,
    warnings: Sequence[str] | None = None,
    lake: str | None = None,
    n_tasks: int = 8,
    tasks_link: str | None = "data/tasks.json",
    capped: Mapping[str, int] | None = None,
    capped_items: Mapping[str, int] | None = None,
) -> str:
    """The whole first screen as HTML (``capped``/``capped_items``: default the summary's
    ``tasks_capped``/``tasks_capped_items``). ``warnings`` defaults to the summary's own
    (:func:`collect_warnings` without the health table); unjudged items are shown apart."""
    if warnings is None:
        warnings = collect_warnings(summary)
    capped = summary.get("tasks_capped") if capped is None else capped
    capped_items = summary.get("tasks_capped_items") if capped_items is None else capped_items
    warnings = without_unjudged(warnings, summary.get("unjudged"))
    fit = summary.get("fit")
    banner = f'<section id="fit" class="warnbox" role="alert"><h2>{_e(fit)}</h2></section>' if fit else ""
    return (
        f'<style>{CSS}</style><div class="fs">'
        + banner
        + headline_html(summary, lake)
        + tasks_html(tasks, n_tasks, tasks_link, capped, capped_items)
        + unjudged_html(summary.get("unjudged"))
        + warnings_html(warnings)
        + "</div>"
    )


def first_screen(summary, tasks, **kw):
    """:func:`first_screen_html` as an object a notebook cell displays."""
    from IPython.display import HTML

    return HTML(first_screen_html(summary, tasks, **kw))
