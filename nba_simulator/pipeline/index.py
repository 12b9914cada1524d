"""``runs/index.html``: every run of a runs folder, one row each, newest first.

A table people can work with: each run id on one line; a failed run's reason and the lake folded
to three lines at most (the whole text one click away, and in the cell's title); filters by lake
and status (runs of several lakes share one ``runs/``: each lake is its own view) and a text
filter; every column sortable; all by a small script inside the page (``report.interactive``), so
the index works offline and as one file. The warn badge counts the warnings the run's report lists
(``report.warnings.read_run_warnings``: what could not be judged is counted apart, as the report
shows it apart).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from nba_simulator.masking import mask_text
from nba_simulator.outputs import write_text
from nba_simulator.report.interactive import TABLE_CSS, script_tag

from .record import RECORD_NAME
from .render import (
    INDEX_NAME,
    REPORT_NAME,
    badge,
    esc,
    fmt_int,
    fmt_pct,
    fmt_s,
    fmt_time,
    href,
    html_page,
    run_failure,
    stage_chip,
)

#: the index's own styles: one-line run ids, cells folded to three lines
INDEX_CSS = (
    TABLE_CSS
    + """
body{max-width:100rem}
table.runs{table-layout:auto;font-size:.88rem}
table.runs th,table.runs td{padding:.35rem .45rem}
table.runs th{white-space:nowrap}
table.runs td.stages{min-width:6.8rem;max-width:8rem;white-space:normal;line-height:1.6}
table.runs td.rid{white-space:nowrap;font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:.85rem}
.fold3{display:-webkit-box;-webkit-box-orient:vertical;-webkit-line-clamp:3;line-clamp:3;overflow:hidden;
  overflow-wrap:anywhere;max-height:4.4em}
details.fold>summary{list-style:none;cursor:pointer} details.fold>summary::-webkit-details-marker{display:none}
details.fold[open] .fold3{-webkit-line-clamp:unset;line-clamp:unset;max-height:none;display:block}
td.lake{min-width:9rem;max-width:22rem}
td.spec{min-width:4rem;max-width:14rem}
td.why{min-width:14rem;max-width:36rem}
"""
)


def _records(runs_dir: Path) -> Iterable[dict[str, Any]]:
    for path in sorted(runs_dir.glob(f"*/{RECORD_NAME}"), reverse=True):
        try:
            rec = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(rec, dict):
            rec.setdefault("run_id", path.parent.name)
            yield rec


def _fold(text: str, css: str = "") -> str:
    """``text`` shown on three lines at most; a click shows it all (and the title holds it)."""
    return (
        f'<details class="fold {css}"><summary title="{esc(text)}"><span class="fold3 {css}">'
        f"{esc(text)}</span></summary></details>"
    )


def _warn_cell(rec: Mapping[str, Any]) -> str:
    head = rec.get("headline") or {}
    warnings = head.get("warnings") or []
    f = run_failure(rec) if rec.get("status") == "failed" else None
    if f:
        return _fold(f"{f['kind']}: {f['line']}", "failtext")
    parts = []
    if warnings:
        items = "".join(f"<li>{esc(w)}</li>" for w in warnings)
        parts.append(
            f'<details><summary><span class="st warn">{len(warnings)} warning'
            f"{'s' if len(warnings) > 1 else ''}</span></summary><ul>{items}</ul></details>"
        )
    unjudged = head.get("unjudged")
    if unjudged:
        parts.append(f'<span class="st skipped" title="summary.json: unjudged">{int(unjudged):,} not judged</span>')
    return " ".join(parts)


def _num(value: Any) -> str:
    """A ``data-sort`` attribute for a number cell (empty: no value)."""
    try:
        return f' data-sort="{float(value)}"'
    except (TypeError, ValueError):
        return ' data-sort=""'


def _row(runs_dir: Path, rec: Mapping[str, Any]) -> str:
    rid = str(rec.get("run_id"))
    params = rec.get("parameters", {})
    report = runs_dir / rid / REPORT_NAME
    name = f'<a href="{href(rid, REPORT_NAME)}">{esc(rid)}</a>' if report.exists() else esc(rid)
    stages = " ".join(stage_chip(rid, s) for s in rec.get("stages", []))
    head = rec.get("headline") or {}
    lake, status = str(params.get("lake") or ""), str(rec.get("status") or "pending")
    spec = str(params.get("spec") or "")
    return (
        f"<tr><td class=nw>{esc(params.get('as_of'))}</td><td class=rid>{name}</td>"
        f"<td class=nw>{esc(fmt_time(rec.get('started')))}</td>"
        f'<td data-filter="{esc(status)}">{badge(status)}</td>'
        f'<td class=lake data-filter="{esc(lake)}" data-sort="{esc(lake)}">{_fold(lake)}</td>'
        f'<td class="lake spec" data-filter="{esc(spec)}" data-sort="{esc(spec)}">{_fold(spec)}</td>'
        f"<td class=num{_num(head.get('completeness_pct'))}>{fmt_pct(head.get('completeness_pct'), head.get('estimate'))}</td>"
        f"<td class=num{_num(head.get('tasks'))}>{fmt_int(head.get('tasks'))}</td>"
        f"<td class=num{_num(rec.get('duration_s'))}>{fmt_s(rec.get('duration_s'))}</td>"
        f"<td class=stages>{stages}</td><td class=why>{_warn_cell(rec)}</td></tr>"
    )


def index_html(runs_dir: str | Path) -> str:
    """The index page of ``runs_dir`` (a string; :func:`write_index` writes it)."""
    runs_dir = Path(runs_dir)
    recs = list(_records(runs_dir))
    rows = [_row(runs_dir, rec) for rec in recs]
    lakes = {str((r.get("parameters") or {}).get("lake") or "") for r in recs}
    filters = (
        '<form class="tablefilter" data-table="runs" aria-label="filter the runs">'
        '<label>lake <select data-col="4" aria-label="lake"><option value="">every lake'
        f" ({len(lakes)})</option></select></label>"
        '<label>status <select data-col="3" aria-label="status"><option value="">every status'
        "</option></select></label>"
        '<label>text <input type="search" data-col="*" aria-label="text in the row"></label>'
        "<output></output></form>"
    )
    body = (
        '<div class="page"><h1>Reconciliation runs</h1>'
        f"<p class=sub>{len(rows)} run(s) in {esc(runs_dir.resolve().name)}/ · newest first · a run's id "
        "opens its report · a column's header sorts by it</p>"
        + filters
        + '<table id="runs" class="runs sortable"><thead><tr><th>as of</th><th>run</th>'
        "<th>started (UTC)</th><th>status</th><th>lake</th><th>spec</th><th class=num>complete</th>"
        "<th class=num>tasks</th><th class=num>duration</th><th>stages</th><th>warnings</th></tr>"
        "</thead><tbody>" + "".join(rows) + "</tbody></table></div>"
    )
    page = html_page("Reconciliation runs · NBA lake", body)
    return page.replace("</style>", INDEX_CSS + "</style>", 1).replace("</body>", script_tag() + "\n</body>", 1)


def write_index(runs_dir: str | Path) -> Path:
    """``runs/index.html``: every run, newest first, with status, warnings, completeness, links."""
    return write_text(mask_text(index_html(runs_dir)), Path(runs_dir) / INDEX_NAME)
