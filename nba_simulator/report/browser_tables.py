"""A table of a page used as a reader would, in headless Chromium (:func:`table_behaviour`): its
cells measured in lines, its headers clicked to sort, its filters chosen; what the reader then sees."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from .browser import VIEWPORT, NoBrowser, find_browser, why_no_browser

_CELLS_JS = r"""
(sel) => {
  // how many lines each visible cell of the table takes (its content height / its line height)
  const out = [];
  for (const td of document.querySelectorAll(sel + ' tbody tr:not([hidden]) td')) {
    // the content's own height (a cell is as tall as its row), in lines of the cell's text
    const cs = getComputedStyle(td);
    let lh = parseFloat(cs.lineHeight);
    if (!lh) lh = 1.2 * parseFloat(cs.fontSize);
    let top = Infinity, bottom = -Infinity;
    for (const n of td.childNodes) {   // what shows: an element's box (clipped content excluded), a text's lines
      let r;
      if (n.nodeType === 1) r = n.getBoundingClientRect();
      else if (n.nodeType === 3 && n.textContent.trim()) { const g = document.createRange(); g.selectNodeContents(n); r = g.getBoundingClientRect(); }
      if (r && r.height) { top = Math.min(top, r.top); bottom = Math.max(bottom, r.bottom); }
    }
    const h = bottom > top ? bottom - top : 0;
    out.push({lines: h / lh, text: (td.innerText || '').trim().slice(0, 80), row: td.parentElement.rowIndex,
              col: td.cellIndex});
  }
  return out;
}
"""

_ROWS_JS = r"""
(sel) => Array.from(document.querySelectorAll(sel + ' tbody tr')).filter(r => !r.hidden)
  .map(r => Array.from(r.cells).map(c => (c.getAttribute('data-sort') ?? c.innerText).trim()))
"""


@dataclass
class TableBehaviour:
    """What a reader gets from a table in the browser (:func:`table_behaviour`)."""

    problems: list[str]  # console errors and script errors
    tallest_cell: float  # lines
    tallest_text: str
    headers: list[str]
    rows: list[list[str]]  # as first shown
    sorted_rows: dict[str, list[list[str]]]  # header -> rows after one click (then two clicks: "header desc")
    filtered: dict[str, list[list[str]]]  # "select label=value" -> rows shown


def table_behaviour(
    path: str | Path, table: str = "table", *, sort: Iterable[str] = (), filters: Mapping[str, str] | None = None
) -> TableBehaviour:
    """Use ``table`` (a CSS selector) of ``path`` in headless Chromium as a reader would: measure
    its cells (lines), click each ``sort`` header once and twice, choose each ``filters`` value
    (select ``aria-label`` -> option value) on its own. Raises :class:`NoBrowser`."""
    reason = why_no_browser()
    if reason:
        raise NoBrowser(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=find_browser(), args=["--no-sandbox"])
        try:
            page = browser.new_context(viewport=VIEWPORT).new_page()
            events: list[str] = []
            page.on("console", lambda m: events.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
            page.on("pageerror", lambda e: events.append(f"script error: {e}"))
            page.goto(Path(path).resolve().as_uri(), wait_until="load")
            cells = page.evaluate(_CELLS_JS, table)
            tallest = max(cells, key=lambda c: c["lines"]) if cells else {"lines": 0.0, "text": ""}
            headers = [h.strip() for h in page.locator(f"{table} thead th").all_inner_texts()]
            first = page.evaluate(_ROWS_JS, table)
            sorted_rows = {}
            for h in sort:
                th = page.locator(f"{table} thead th", has_text=h).first
                th.click()
                sorted_rows[h] = page.evaluate(_ROWS_JS, table)
                th.click()
                sorted_rows[f"{h} desc"] = page.evaluate(_ROWS_JS, table)
            filtered = {}
            for label, value in (filters or {}).items():
                sel = page.locator(f'select[aria-label="{label}"]')
                sel.select_option(value)
                filtered[f"{label}={value}"] = page.evaluate(_ROWS_JS, table)
                sel.select_option("")
            return TableBehaviour(
                events, float(tallest["lines"]), str(tallest["text"]), headers, first, sorted_rows, filtered
            )
        finally:
            browser.close()
