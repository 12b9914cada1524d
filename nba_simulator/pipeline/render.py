"""HTML: the run's navigation bar and page titles, ``report.html`` of a failed run, the pieces
``runs/index.html`` is made of (the index itself: index.py; a stage notebook's own page: nbhtml.py).

Every string this module writes itself goes through :func:`html.escape`; links are URL-quoted.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote

import nba_simulator.coverage.dates  # noqa: F401 - its errors are bad input too (errors.error_class finds subclasses imported)
from nba_simulator.errors import is_bad_input
from nba_simulator.masking import mask_text
from nba_simulator.outputs import write_text

REPORT_NAME = "report.html"
INDEX_NAME = "index.html"
LOGS_DIR = "logs"  # a failed stage's traceback: logs/<stage>.log

_CSS = """
body{font-family:-apple-system,'Segoe UI',Helvetica,Arial,sans-serif;margin:0 auto;max-width:80rem;
     color:#1f2328;line-height:1.45}
h1{font-size:1.6rem;margin-bottom:.2rem} .sub{color:#59636e;margin-top:0}
table{border-collapse:collapse;width:100%;font-size:.92rem;margin:1rem 0}
th,td{border-bottom:1px solid #d1d9e0;padding:.4rem .6rem;text-align:left;vertical-align:top}
th.num{text-align:right}
td.nw{white-space:nowrap}
th{background:#f6f8fa} td.num{text-align:right;font-variant-numeric:tabular-nums}
.st{display:inline-block;padding:0 .5rem;border-radius:1rem;font-size:.8rem;font-weight:600}
.succeeded{background:#dafbe1;color:#116329} .failed{background:#ffebe9;color:#a40e26}
.skipped,.pending{background:#eaeef2;color:#59636e} .running{background:#fff8c5;color:#7d4e00}
.interrupted{background:#ffebe9;color:#a40e26}
pre{background:#f6f8fa;padding:.8rem;white-space:pre-wrap;overflow-wrap:anywhere;font-size:.85rem}
a{color:#0969da} .page{padding:0 1rem} td.key{overflow-wrap:anywhere;font-size:.88rem}
.warn{background:#fff8c5;color:#7d4e00} .failtext{color:#a40e26}
.failline{font-size:1.25rem;color:#a40e26;background:#ffebe9;padding:.6rem 1rem;border-radius:6px}
details>summary{cursor:pointer} details ul{margin:.3rem 0;padding-left:1.2rem;font-size:.88rem}
"""


def esc(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def href(*parts: str) -> str:
    return "/".join(quote(str(p)) for p in parts)


#: styles added to every rendered notebook page (JupyterLab's own styles stay underneath)
PAGE_CSS = """
body.jp-Notebook{max-width:84rem;margin:0 auto}
.jp-CodeCell.jp-mod-noOutputs,.jp-Cell.jp-mod-noOutputs{display:none}
nav.runnav{font-family:-apple-system,'Segoe UI',Helvetica,Arial,sans-serif;font-size:.9rem;
  padding:.5rem 1rem;border-bottom:1px solid #d1d9e0;background:#f6f8fa;display:flex;flex-wrap:wrap;
  gap:.2rem 1rem;align-items:baseline}
nav.runnav a{color:#0969da;text-decoration:none} nav.runnav a:hover{text-decoration:underline}
nav.runnav .here{font-weight:600;color:#1f2328} nav.runnav .off{color:#8c959f}
nav.runnav .when{color:#59636e;margin-left:auto}
.st{display:inline-block;padding:0 .5rem;border-radius:1rem;font-size:.8rem;font-weight:600}
.succeeded{background:#dafbe1;color:#116329} .failed,.interrupted{background:#ffebe9;color:#a40e26}
.skipped,.pending{background:#eaeef2;color:#59636e} .running,.warn{background:#fff8c5;color:#7d4e00}
.jp-RenderedHTMLCommon table{table-layout:auto;margin-left:0;max-width:100%}
.jp-RenderedHTMLCommon td,.jp-RenderedHTMLCommon th{overflow-wrap:break-word;vertical-align:top}
.jp-RenderedHTMLCommon th{overflow-wrap:normal;word-break:normal}
.jp-RenderedHTMLCommon td.nw,.jp-RenderedHTMLCommon th.nw{white-space:nowrap;overflow-wrap:normal}
.jp-RenderedHTMLCommon td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.jp-RenderedHTMLCommon td.txt,.jp-RenderedHTMLCommon th.txt{text-align:left}
.jp-RenderedHTMLCommon td.key{font-family:var(--jp-code-font-family);font-size:.85em;overflow-wrap:anywhere}
.jp-RenderedHTMLCommon details>summary{cursor:pointer;color:#0969da}
"""


def stage_nav(record: Mapping[str, Any] | None, current: str | None) -> str:
    """The navigation bar of a run's pages: its report, the runs index, every stage page.

    Links are relative to the run folder (the pages live there; the index one level up); a stage
    without a page (skipped, not run yet) is shown greyed, not linked."""
    if not record:
        return ""
    parts = []
    here = current == REPORT_NAME
    parts.append('<span class="here">report</span>' if here else f'<a href="{href(REPORT_NAME)}">report</a>')
    parts.append(f'<a href="{href("..", INDEX_NAME)}">all runs</a>')
    stages = []
    for st in record.get("stages", []):
        name = str(st.get("name", ""))
        page = f"{name}.html"
        label = esc(name.replace("_", " "))
        if current == page:
            stages.append(f'<span class="here">{label}</span>')
        elif st.get("status") != "skipped":  # a stage still to run will have its page
            stages.append(f'<a href="{href(page)}">{label}</a>')
        else:
            stages.append(f'<span class="off" title="{esc(st.get("status"))}">{label}</span>')
    if stages:
        parts.append("stages: " + " · ".join(stages))
    params = record.get("parameters") or {}
    status = record.get("status")
    parts.append(
        f'<span class="when">run {esc(record.get("run_id"))} · as of {esc(params.get("as_of"))}'
        + (f" · {badge(status)}" if status in ("succeeded", "failed") else "")
        + "</span>"
    )
    return '<nav class="runnav" aria-label="run pages">' + "".join(f"<span>{p}</span>" for p in parts) + "</nav>"


def page_title(record: Mapping[str, Any] | None, what: str) -> str:
    """``Coverage · NBA lake reconciliation as of 2019-03-15 (run 2026...)``: what and when."""
    if not record:
        return what
    params = record.get("parameters") or {}
    return (
        f"{what} · NBA lake reconciliation as of {params.get('as_of')} "
        f"(run {record.get('run_id')}, {fmt_time(record.get('started'))} UTC)"
    )


def stage_label(name: str) -> str:
    """``02_coverage`` -> ``Coverage``."""
    text = str(name)[3:] if str(name)[:2].isdigit() else str(name)
    return text.replace("_", " ").capitalize()


def badge(status: str | None) -> str:
    status = status or "pending"
    return f'<span class="st {esc(status)}">{esc(status)}</span>'


def html_page(title: str, body: str) -> str:
    return (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(title)}</title><style>{_CSS}{PAGE_CSS}</style></head>\n<body>\n{body}\n</body></html>\n"
    )


def stage_chip(run_id: str, stage: Mapping[str, Any]) -> str:
    status = stage.get("status") or "pending"
    chip = f'<span class="st {esc(status)}" title="{esc(status)}">{esc(str(stage.get("name", ""))[:2])}</span>'
    return f'<a href="{href(run_id, stage["html"])}">{chip}</a>' if stage.get("html") else chip


def fmt_time(value: Any) -> str:
    """``2026-11-30T01:44:26+00:00`` -> ``2026-11-30 01:44``."""
    text = str(value or "")
    return text[:16].replace("T", " ") if len(text) >= 16 else text


def fmt_pct(value: Any, estimate: Any = False) -> str:
    try:
        return f"{float(value):.2f}%" + (" (estimated)" if estimate else "")
    except (TypeError, ValueError):
        return "–"


def fmt_int(value: Any) -> str:
    try:
        return f"{int(value):,}"
    except (TypeError, ValueError):
        return "–"


def fmt_s(value: Any) -> str:
    try:
        return f"{float(value):.1f} s"
    except (TypeError, ValueError):
        return "–"


def stage_table(record: Mapping[str, Any], link_prefix: str = "") -> str:
    rows = []
    for st in record.get("stages", []):
        name = esc(st.get("name"))
        if st.get("html"):
            name = f'<a href="{href(*(link_prefix.split("/") if link_prefix else []), st["html"])}">{name}</a>'
        err = st.get("error") or {}
        detail = " ".join(f"{err.get('evalue', '')} ({err.get('ename', '')})".split()) if err else ""
        mem = st.get("peak_memory_mb")
        rows.append(
            f"<tr><td>{name}</td><td>{badge(st.get('status'))}</td>"
            f"<td class=num>{fmt_s(st.get('duration_s'))}</td>"
            f"<td class=num>{esc(st.get('attempts'))}</td>"
            f"<td class=num>{esc(mem) + ' MB' if mem is not None else '–'}</td>"
            f"<td>{esc(detail)}</td></tr>"
        )
    return (
        "<table><thead><tr><th>stage</th><th>status</th><th>duration</th><th>attempts</th>"
        "<th>kernel peak memory</th><th>error</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table>"
    )


def run_failure(record: Mapping[str, Any]) -> dict[str, Any] | None:
    """The first failed stage's error as the reader needs it: ``stage``, ``line`` (one line, the
    package's own words), ``kind`` (``bad input`` | ``transient`` | ``permanent``) and ``advice``."""
    failed = next((s for s in record.get("stages", []) if s.get("status") == "failed"), None)
    if failed is None:
        return None
    err = failed.get("error") or {}
    line = " ".join(str(err.get("evalue") or err.get("ename") or "unknown error").split())
    rid = record.get("run_id")
    if is_bad_input(err.get("ename")):
        kind, advice = "bad input", "Fix the input named above and start a new run (resuming would fail the same way)."
    elif err.get("transient"):
        kind, advice = "transient", f"This kind of failure can pass: resume with nba-recon run --resume {rid}"
    else:
        kind, advice = (
            "permanent",
            ("A retry would fail the same way: the technical details (traceback) are in the stage's log."),
        )
    return {
        "stage": failed.get("name"),
        "line": line,
        "ename": err.get("ename"),
        "kind": kind,
        "advice": advice,
        "html": failed.get("html"),
    }


def failure_report(record: Mapping[str, Any], out: str | Path) -> Path:
    """``report.html`` for a run that did not reach its summary: what failed and where to look."""
    f = run_failure(record)
    params = record.get("parameters", {})
    body = [stage_nav(record, REPORT_NAME), '<div class="page">']
    if f:
        body.append(f"<h1>Run failed at stage {esc(stage_label(f['stage']))}</h1>")
        body.append(f'<p id="headline" class="failline">{esc(f["line"])}</p>')
        body.append(
            f"<p class=sub>{esc(f['kind'])} ({esc(f['ename'])}) · as of {esc(params.get('as_of'))}"
            f" · lake <code>{esc(params.get('lake'))}</code></p>"
        )
        link = (
            f' The stage page shows where it stopped: <a href="{href(f["html"])}">{esc(stage_label(f["stage"]))}</a>.'
            if f.get("html")
            else ""
        )
        log = Path(out).parent / LOGS_DIR / f"{f['stage']}.log"
        if log.exists():
            link += f' Technical details: <a href="{href(LOGS_DIR, log.name)}">{esc(LOGS_DIR)}/{esc(log.name)}</a>.'
        body.append(f"<p>{esc(f['advice'])}{link} Later stages were skipped; nothing was judged.</p>")
    elif record.get("status") == "succeeded":  # a run of some stages only (--stages)
        ran = [stage_label(s["name"]) for s in record.get("stages", []) if s.get("status") == "succeeded"]
        body.append(
            f"<h1>Partial run: {esc(', '.join(ran) or 'no stage')}</h1>"
            f'<p id="headline">This run ran only the stages asked for; the report with the '
            f"headline numbers and the tasks comes from {esc(stage_label('05_summary'))}. "
            f"The stage pages linked below show what was found.</p>"
        )
    else:
        body.append(
            f"<h1>Run {esc(record.get('status'))}</h1>"
            f'<p id="headline" class="failline">The run did not finish: no summary was produced.</p>'
        )
    body.append("<h2>Stages</h2>" + stage_table(record) + "</div>")
    title = "Partial run" if record.get("status") == "succeeded" else "Run failed"
    return write_text(mask_text(html_page(page_title(record, title), "\n".join(body))), out)
