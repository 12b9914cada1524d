"""HTML: each executed stage notebook with its code hidden, the run's ``report.html``, and
``runs/index.html`` listing every run.

Notebook outputs reach the page as the kernel produced them (pandas tables are escaped by
pandas, plots are PNGs embedded as ``data:`` URIs, tracebacks are escaped by nbconvert). Every
string this module writes itself goes through :func:`html.escape`; links are URL-quoted.
"""
from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any, Iterable, Mapping
from urllib.parse import quote

import nbformat

from nba_simulator.masking import mask, mask_text
from nba_simulator.outputs import write_text

from .record import RECORD_NAME

REPORT_NAME = "report.html"
HIDE_TAG = "html-hide"                  # notebook-only cells (how to run it...)
HIDE_OUTPUT_TAG = "html-hide-output"    # cells whose outputs only make sense in the notebook
INDEX_NAME = "index.html"

_CSS = """
body{font-family:-apple-system,'Segoe UI',Helvetica,Arial,sans-serif;margin:2rem auto;max-width:72rem;
     padding:0 1rem;color:#1f2328;line-height:1.45}
h1{font-size:1.6rem;margin-bottom:.2rem} .sub{color:#59636e;margin-top:0}
table{border-collapse:collapse;width:100%;font-size:.92rem;margin:1rem 0}
th,td{border-bottom:1px solid #d1d9e0;padding:.4rem .6rem;text-align:left;vertical-align:top}
td.nw{white-space:nowrap}
th{background:#f6f8fa} td.num{text-align:right;font-variant-numeric:tabular-nums}
.st{display:inline-block;padding:0 .5rem;border-radius:1rem;font-size:.8rem;font-weight:600}
.succeeded{background:#dafbe1;color:#116329} .failed{background:#ffebe9;color:#a40e26}
.skipped,.pending{background:#eaeef2;color:#59636e} .running{background:#fff8c5;color:#7d4e00}
.interrupted{background:#ffebe9;color:#a40e26}
pre{background:#f6f8fa;padding:.8rem;overflow:auto;font-size:.85rem}
a{color:#0969da}
"""


def esc(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def href(*parts: str) -> str:
    return "/".join(quote(str(p)) for p in parts)


def notebook_to_html(notebook: str | Path, out: str | Path, *, title: str | None = None,
                     show_code: bool = False) -> Path:
    """Render an executed notebook to a standalone HTML page, code hidden unless ``show_code``."""
    from nbconvert import HTMLExporter
    from nbconvert.preprocessors import TagRemovePreprocessor

    nb = nbformat.from_dict(mask(nbformat.read(str(notebook), as_version=4)))
    _images_with_alt(nb)
    exporter = HTMLExporter()
    exporter.register_preprocessor(TagRemovePreprocessor(
        remove_cell_tags={HIDE_TAG}, remove_all_outputs_tags={HIDE_OUTPUT_TAG}, enabled=True), enabled=True)
    exporter.exclude_input = not show_code
    exporter.exclude_input_prompt = True
    exporter.exclude_output_prompt = True
    # papermill's red "An Exception was encountered" markers are kept: they point at the error
    resources = {"metadata": {"name": title or Path(notebook).stem}}
    body, _ = exporter.from_notebook_node(nb, resources=resources)
    return write_text(body, out)


def _images_with_alt(nb) -> None:
    """PNG outputs carrying an ``alt`` text (nba_simulator.plots.Plot) become an ``<img>`` with
    that alt text: nbconvert's lab template drops it, and readers with a screen reader need it."""
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            alt = out.get("metadata", {}).get("image/png", {}).get("alt")
            if "image/png" in data and alt and "text/html" not in data:
                png = "".join(data["image/png"].split())
                data["text/html"] = (f'<img src="data:image/png;base64,{png}" alt="{esc(alt)}" '
                                     f'style="max-width:100%;height:auto">')


def _badge(status: str | None) -> str:
    status = status or "pending"
    return f'<span class="st {esc(status)}">{esc(status)}</span>'


def _page(title: str, body: str) -> str:
    return (f"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>{esc(title)}</title><style>{_CSS}</style></head>\n<body>\n{body}\n</body></html>\n")


def _stage_chip(run_id: str, stage: Mapping[str, Any]) -> str:
    status = stage.get("status") or "pending"
    chip = (f'<span class="st {esc(status)}" title="{esc(status)}">'
            f'{esc(str(stage.get("name", ""))[:2])}</span>')
    return f'<a href="{href(run_id, stage["html"])}">{chip}</a>' if stage.get("html") else chip


def _fmt_time(value: Any) -> str:
    """``2026-11-30T01:44:26+00:00`` -> ``2026-11-30 01:44``."""
    text = str(value or "")
    return text[:16].replace("T", " ") if len(text) >= 16 else text


def _fmt_pct(value: Any) -> str:
    try:
        return f"{float(value):.2f}%"
    except (TypeError, ValueError):
        return "–"


def _fmt_s(value: Any) -> str:
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
        detail = f"{err.get('ename', '')}: {err.get('evalue', '')}" if err else ""
        mem = st.get("peak_memory_mb")
        rows.append(
            f"<tr><td>{name}</td><td>{_badge(st.get('status'))}</td>"
            f"<td class=num>{_fmt_s(st.get('duration_s'))}</td>"
            f"<td class=num>{esc(st.get('attempts'))}</td>"
            f"<td class=num>{esc(mem) + ' MB' if mem is not None else '–'}</td>"
            f"<td>{esc(detail[:300])}</td></tr>")
    return ("<table><thead><tr><th>stage</th><th>status</th><th>duration</th><th>attempts</th>"
            "<th>kernel peak memory</th><th>error</th></tr></thead><tbody>"
            + "".join(rows) + "</tbody></table>")


def failure_report(record: Mapping[str, Any], out: str | Path) -> Path:
    """``report.html`` for a run that did not reach its summary: what failed and where to look."""
    failed = next((s for s in record.get("stages", []) if s.get("status") == "failed"), None)
    body = [f"<h1>Reconciliation run {esc(record.get('run_id'))}</h1>",
            f"<p class=sub>status {_badge(record.get('status'))} · as of "
            f"{esc(record.get('parameters', {}).get('as_of'))} · lake "
            f"{esc(record.get('parameters', {}).get('lake'))}</p>"]
    if failed:
        err = failed.get("error") or {}
        link = (f' — <a href="{href(failed["html"])}">open the executed notebook</a>'
                if failed.get("html") else "")
        body.append(f"<p>The run stopped at stage <b>{esc(failed.get('name'))}</b>{link}. "
                    f"Later stages were skipped; no summary was produced.</p>")
        body.append(f"<pre>{esc(err.get('ename'))}: {esc(err.get('evalue'))}</pre>")
        if err.get("reason"):
            body.append(f"<p>{esc(err.get('reason'))}. Fix the cause, then "
                        f"<code>nba-recon run --resume {esc(record.get('run_id'))}</code>.</p>")
    body.append(stage_table(record))
    return write_text(mask_text(_page(f"run {record.get('run_id')}: {record.get('status')}",
                                      "\n".join(body))), out)


def _records(runs_dir: Path) -> Iterable[dict[str, Any]]:
    for path in sorted(runs_dir.glob(f"*/{RECORD_NAME}"), reverse=True):
        try:
            rec = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(rec, dict):
            rec.setdefault("run_id", path.parent.name)
            yield rec


def write_index(runs_dir: str | Path) -> Path:
    """``runs/index.html``: every run, newest first, with status, completeness and links."""
    runs_dir = Path(runs_dir)
    rows = []
    for rec in _records(runs_dir):
        rid = str(rec.get("run_id"))
        params = rec.get("parameters", {})
        report = runs_dir / rid / REPORT_NAME
        name = (f'<a href="{href(rid, REPORT_NAME)}">{esc(rid)}</a>' if report.exists() else esc(rid))
        stages = " ".join(_stage_chip(rid, s) for s in rec.get("stages", []))
        head = rec.get("headline") or {}
        rows.append(
            f"<tr><td class=nw>{name}</td><td class=nw>{esc(_fmt_time(rec.get('started')))}</td>"
            f"<td>{_badge(rec.get('status'))}</td>"
            f"<td class=nw>{esc(params.get('as_of'))}</td><td>{esc(params.get('lake'))}</td>"
            f"<td class=num>{_fmt_pct(head.get('completeness_pct'))}</td>"
            f"<td class=num>{esc(head.get('gaps', '–'))}</td>"
            f"<td class=num>{_fmt_s(rec.get('duration_s'))}</td><td class=nw>{stages}</td></tr>")
    body = ("<h1>Reconciliation runs</h1>"
            f"<p class=sub>{len(rows)} run(s) in {esc(runs_dir.resolve().name)}/ · newest first</p>"
            "<table><thead><tr><th>run</th><th>started (UTC)</th><th>status</th><th>as of</th>"
            "<th>lake</th><th>completeness</th><th>gaps</th><th>duration</th><th>stages</th></tr>"
            "</thead><tbody>" + "".join(rows) + "</tbody></table>")
    return write_text(mask_text(_page("Reconciliation runs", body)), runs_dir / INDEX_NAME)
