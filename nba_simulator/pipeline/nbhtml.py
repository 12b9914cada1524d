"""A stage notebook's HTML page: executed cells with code hidden, notebook-only cells left out,
errors in one line (the traceback in ``logs/``), plots with their alt text, the run's navigation
bar. Notebook outputs reach the page as the kernel produced them (pandas tables are escaped by
pandas, plots are PNGs embedded as ``data:`` URIs, tracebacks are escaped by nbconvert)."""

from __future__ import annotations

import re
import secrets
import threading
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any

import nbformat
from bs4 import BeautifulSoup
from nbconvert import HTMLExporter
from nbconvert.preprocessors import TagRemovePreprocessor

from nba_simulator.masking import mask, mask_text
from nba_simulator.outputs import write_text
from nba_simulator.report.interactive import TABLE_CSS, script_tag

from .render import LOGS_DIR, PAGE_CSS, esc, href, stage_nav

HIDE_TAG = "html-hide"  # notebook-only cells (how to run it...)
HIDE_OUTPUT_TAG = "html-hide-output"  # cells whose outputs only make sense in the notebook

_EXPORTERS = threading.local()


def _exporter(show_code: bool):
    """One exporter per thread and ``show_code``, built once: building one loads nbconvert's
    templates (a third of a small page's rendering time). The runner renders in two threads at
    most (its own and the background renderer, pages.Renderer)."""
    cache = _EXPORTERS.__dict__
    if show_code not in cache:
        cache[show_code] = _new_exporter(show_code)
    return cache[show_code]


def _new_exporter(show_code: bool):
    templates = str(resources.files("nba_simulator.report").joinpath("templates"))
    exporter = HTMLExporter(extra_template_basedirs=[templates], template_name="nba_report")
    exporter.register_preprocessor(
        TagRemovePreprocessor(remove_cell_tags={HIDE_TAG}, remove_all_outputs_tags={HIDE_OUTPUT_TAG}, enabled=True),
        enabled=True,
    )
    exporter.exclude_input = not show_code
    exporter.exclude_input_prompt = True
    exporter.exclude_output_prompt = True
    return exporter


def notebook_to_html(
    notebook: str | Path,
    out: str | Path,
    *,
    title: str | None = None,
    show_code: bool = False,
    record: Mapping[str, Any] | None = None,
    current: str | None = None,
) -> Path:
    """Render an executed notebook to a standalone HTML page, code hidden unless ``show_code``.

    Nothing is fetched from the web when the page is opened. With the run's ``record``, the page
    gets the run's navigation bar (``current``: this page's file name).

    The notebook is converted once (:func:`_converted`) with stand-ins for the title and the
    navigation bar, which are put in afterwards: the summary stage's page and ``report.html``
    (the same notebook, another title and bar) cost one conversion."""
    nav_html = stage_nav(record, current or Path(out).name)
    body = _converted(Path(notebook), Path(out).parent, show_code, bool(nav_html))
    return write_text(_fill(body, title or Path(notebook).stem, nav_html), out)


_TITLE = f"nba-recon-title-{secrets.token_hex(8)}"
_NAV = f"<!--nba-recon-nav-{secrets.token_hex(8)}-->"
_CONVERTED: dict[tuple, str] = {}
_CONVERTED_LOCK = threading.Lock()


def _converted(notebook: Path, folder: Path, show_code: bool, nav: bool) -> str:
    """The page of ``notebook`` with the stand-ins; the last one is kept while its notebook file
    (path, size, modification time) and its page's folder stay the same."""
    stat = notebook.stat()
    key = (str(notebook.resolve()), stat.st_mtime_ns, stat.st_size, str(folder.resolve()), show_code, nav)
    with _CONVERTED_LOCK:
        body = _CONVERTED.get(key)
    if body is not None:
        return body
    nb = nbformat.from_dict(mask(nbformat.read(str(notebook), as_version=4)))
    _images_with_alt(nb)
    _errors_in_one_line(nb, folder, notebook.stem)
    exporter = _exporter(show_code)
    # papermill's red "An Exception was encountered" markers are kept: they point at the error
    resources = {
        "metadata": {"name": _TITLE},
        "page_css": PAGE_CSS + TABLE_CSS,
        "nav_html": _NAV if nav else "",
        "page_js": script_tag(),
    }
    body, _ = exporter.from_notebook_node(nb, resources=resources)
    with _CONVERTED_LOCK:
        _CONVERTED.clear()
        _CONVERTED[key] = body
    return body


def _fill(body: str, title: str, nav_html: str) -> str:
    """The stand-ins replaced by what the template and nbconvert's final pass (BeautifulSoup)
    would have made of ``title`` and ``nav_html``."""
    escape = _exporter(False).environment.filters["escape_html_keep_quotes"]
    soup = BeautifulSoup(f"<title>{escape(title)}</title>{nav_html}", features="html.parser")
    title_html = soup.title.decode_contents()
    soup.title.decompose()
    body = body.replace(_TITLE, title_html)
    return body.replace(_NAV, str(soup)) if nav_html else body


_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def _errors_in_one_line(nb, folder: Path, stem: str) -> None:
    """A failed cell's error becomes one line on the page (what failed, in the package's own
    words) with a link to ``logs/<stage>.log``, where the traceback goes: a reader of the report
    needs the reason, not forty lines of package code. papermill's red markers are dropped (the
    one line is at the top of the page and where the stage stopped)."""
    errors = [(cell, out) for cell in nb.cells for out in cell.get("outputs", []) if out.get("output_type") == "error"]
    if not errors:
        return
    log = folder / LOGS_DIR / f"{stem}.log"
    text = []
    for _cell, out in errors:
        text.append(
            f"{out.get('ename')}: {out.get('evalue')}\n\n" + _ANSI.sub("", "\n".join(out.get("traceback") or [])) + "\n"
        )
    log.parent.mkdir(parents=True, exist_ok=True)
    write_text(mask_text("\n".join(text)), log)
    first = errors[0][1]
    line = (
        f'<div class="stage-error" id="stage-error" role="alert" style="background:#ffebe9;'
        f'color:#a40e26;padding:.6em 1em;border-radius:6px;margin:.5em 0">'
        f"<b>This stage failed:</b> {esc(' '.join(str(first.get('evalue')).split()))} "
        f'<span style="color:#59636e">({esc(first.get("ename"))})</span> · '
        f'<a href="{href(LOGS_DIR, log.name)}">technical details</a></div>'
    )
    for cell, out in errors:
        idx = cell.outputs.index(out)
        cell.outputs[idx] = nbformat.v4.new_output(
            "display_data",
            data={
                "text/html": line.replace(' id="stage-error"', ""),
                "text/plain": f"{out.get('ename')}: {out.get('evalue')}",
            },
        )
    nb.cells = [
        c
        for c in nb.cells
        if "papermill-error-cell-tag" not in c.get("metadata", {}).get("tags", [])
        and "nba-recon-error" not in c.get("metadata", {}).get("tags", [])
    ]
    top = nbformat.v4.new_code_cell("")
    top.outputs = [nbformat.v4.new_output("display_data", data={"text/html": line, "text/plain": ""})]
    nb.cells.insert(1 if nb.cells and nb.cells[0].cell_type == "markdown" else 0, top)


def _images_with_alt(nb) -> None:
    """PNG outputs carrying an ``alt`` text (nba_simulator.plots.Plot) become an ``<img>`` with
    that alt text: nbconvert's lab template drops it, and readers with a screen reader need it."""
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            alt = out.get("metadata", {}).get("image/png", {}).get("alt")
            if "image/png" in data and alt and "text/html" not in data:
                png = "".join(data["image/png"].split())
                data["text/html"] = (
                    f'<img src="data:image/png;base64,{png}" alt="{esc(alt)}" style="max-width:100%;height:auto">'
                )
