"""Tables people can work with: sorted and filtered in the page itself.

:data:`TABLE_SCRIPT` is a small script (no library, nothing fetched: a page works offline and as
one file) that

* makes every column of a table sortable (``table.sortable``, and every table of a notebook's
  outputs with a header row): a click (or Enter) on a header sorts by it, again the other way;
  numbers sort as numbers (``1,234``, ``98.75%``, ``3.2 s``), other text in natural order; a
  cell's ``data-sort`` attribute, when present, is what is sorted;
* wires a filter form (``form.tablefilter`` with ``data-table="<table id>"``): a ``select``
  with ``data-col="N"`` keeps the rows whose column N is the chosen value (its options are the
  column's distinct values, filled in by the script; a cell's ``data-filter`` attribute, when
  present, is its value), an ``input`` with ``data-col="*"`` keeps the rows whose text contains
  what is typed; an ``output`` says how many rows are shown;
* adds such a text filter above every notebook output table of more than :data:`FILTER_ROWS`
  rows.

:data:`TABLE_CSS` styles the sortable headers (an arrow says the direction; ``aria-sort`` too).
"""

from __future__ import annotations

#: notebook output tables with more rows than this get a text filter
FILTER_ROWS = 10

TABLE_CSS = """
th.sorth{cursor:pointer;user-select:none}
th.sorth::after{content:" \\2195";color:#8c959f;font-weight:400;font-size:.8em}
th.sorth[aria-sort=ascending]::after{content:" \\25B2";color:#0969da}
th.sorth[aria-sort=descending]::after{content:" \\25BC";color:#0969da}
form.tablefilter{display:flex;flex-wrap:wrap;gap:.4rem 1rem;align-items:baseline;margin:.6rem 0;
  font-size:.9rem}
form.tablefilter label{color:#59636e}
form.tablefilter select,form.tablefilter input{font:inherit;padding:.1rem .3rem;max-width:20rem}
form.tablefilter output{color:#59636e}
"""

TABLE_SCRIPT = r"""
(function () {
  "use strict";
  var each = function (list, fn) { Array.prototype.forEach.call(list, fn); };
  var NUM = /^[-+]?[\d,]*\.?\d+\s*(%|s|MB|GB|KB|B|h)?$/;
  function value(cell, attr) {
    if (!cell) return "";
    var v = cell.getAttribute(attr);
    return v !== null ? v : cell.textContent.replace(/\s+/g, " ").trim();
  }
  function compare(a, b) {
    var na = NUM.test(a), nb = NUM.test(b);
    if (na && nb) return parseFloat(a.replace(/,/g, "")) - parseFloat(b.replace(/,/g, ""));
    if (na !== nb) return na ? -1 : 1;            /* numbers before text ("–") */
    return a.localeCompare(b, undefined, {numeric: true, sensitivity: "base"});
  }
  function headerRow(table) {
    return table.tHead && table.tHead.rows.length ? table.tHead.rows[table.tHead.rows.length - 1] : null;
  }
  function sortable(table) {
    var head = headerRow(table);
    if (!head || !table.tBodies.length || table.getAttribute("data-sortable") === "done") return;
    table.setAttribute("data-sortable", "done");
    each(head.cells, function (th, i) {
      th.classList.add("sorth");
      th.tabIndex = 0;
      th.setAttribute("aria-sort", "none");
      th.title = "sort by this column";
      function go() {
        var dir = th.getAttribute("aria-sort") === "ascending" ? "descending" : "ascending";
        each(head.cells, function (o) { o.setAttribute("aria-sort", "none"); });
        th.setAttribute("aria-sort", dir);
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows).map(function (r, k) { return [r, k]; });
        rows.sort(function (x, y) {
          var a = value(x[0].cells[i], "data-sort"), b = value(y[0].cells[i], "data-sort");
          var ea = a === "" || a === "–", eb = b === "" || b === "–";
          if (ea || eb) return ea === eb ? x[1] - y[1] : (ea ? 1 : -1);   /* no value: always last */
          var c = compare(a, b);
          return (dir === "ascending" ? c : -c) || x[1] - y[1];
        });
        rows.forEach(function (r) { body.appendChild(r[0]); });
      }
      th.addEventListener("click", go);
      th.addEventListener("keydown", function (e) {
        if (e.key === "Enter" || e.key === " ") { e.preventDefault(); go(); }
      });
    });
  }
  function wire(form) {
    var table = document.getElementById(form.getAttribute("data-table"));
    if (!table || !table.tBodies.length) return;
    var rows = Array.prototype.slice.call(table.tBodies[0].rows);
    var count = form.querySelector("output");
    each(form.querySelectorAll("select[data-col]"), function (sel) {
      var col = +sel.getAttribute("data-col"), seen = {};
      rows.forEach(function (r) { seen[value(r.cells[col], "data-filter")] = true; });
      Object.keys(seen).sort(compare).forEach(function (v) {
        var o = document.createElement("option");
        o.value = v; o.textContent = v || "(none)";
        sel.appendChild(o);
      });
    });
    function apply() {
      var shown = 0, fields = form.querySelectorAll("[data-col]");
      rows.forEach(function (r) {
        var ok = true;
        each(fields, function (f) {
          var want = f.value, col = f.getAttribute("data-col");
          if (!want || !ok) return;
          if (col === "*") ok = r.textContent.toLowerCase().indexOf(want.toLowerCase()) >= 0;
          else ok = value(r.cells[+col], "data-filter") === want;
        });
        r.hidden = !ok;
        shown += ok ? 1 : 0;
      });
      if (count) count.textContent = shown + " of " + rows.length + " shown";
    }
    form.addEventListener("input", apply);
    form.addEventListener("change", apply);
    form.addEventListener("submit", function (e) { e.preventDefault(); });
    apply();
  }
  function filterFor(table, n) {
    if (!table.id) table.id = "t" + n;
    var form = document.createElement("form");
    form.className = "tablefilter";
    form.setAttribute("data-table", table.id);
    form.innerHTML = '<label>filter <input type="search" data-col="*" aria-label="filter the rows"></label><output></output>';
    table.parentNode.insertBefore(form, table);
    wire(form);
  }
  function init() {
    each(document.querySelectorAll("table.sortable"), sortable);
    each(document.querySelectorAll("form.tablefilter"), wire);
    each(document.querySelectorAll(".jp-OutputArea-output table, .jp-RenderedHTMLCommon table"), function (t, n) {
      if (t.closest(".fs") || !headerRow(t)) return;   /* the first screen keeps its order of work */
      sortable(t);
      if (t.tBodies.length && t.tBodies[0].rows.length > %(rows)d && !t.getAttribute("data-filtered")) {
        t.setAttribute("data-filtered", "1");
        filterFor(t, n);
      }
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
""".replace("%(rows)d", str(FILTER_ROWS))


def script_tag() -> str:
    """The script as a ``<script>`` element (it holds no ``</``, so nothing can end it early)."""
    return f"<script>{TABLE_SCRIPT.replace('</', '<' + chr(92) + '/')}</script>"
