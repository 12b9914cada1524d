"""Look at the pages in a real browser: headless Chromium (the system's, e.g. Debian's
``chromium``) driven by Playwright over the DevTools protocol.

:func:`check_pages` opens each HTML page at 1366x768 and reports, page by page, what a reader
would trip on:

* a console error, an uncaught script error, or a resource that failed to load;
* a horizontal overflow: the page wider than the window, or a box that must be scrolled sideways
  to be read (a table wider than its column);
* text cut by CSS (``overflow: hidden`` / ``text-overflow: ellipsis`` with more text than room);
* a broken link (a local file that does not exist, an ``#anchor`` with no target);
* a Python warning or traceback shown as text (``UserWarning``, ``Traceback (most recent...``),
  or anything a stage's code wrote to stderr (a library's log line: not for the reader);
* ``None%``, ``nan%`` or ``<NA>`` shown as a value; a table header broken inside a word;
* a first screen lacking what must be on it (``first_screen``: CSS selectors that must be
  visible above the fold, e.g. the headline and the top tasks).

A screenshot of each page's first screen (and of the whole page) goes to ``screenshots``;
``python -m nba_simulator.report.browser RUN_DIR`` checks a run's pages (exit 1: a problem, 2: no browser).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlparse

from nba_simulator import settings

VIEWPORT = {"width": 1366, "height": 768}
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
#: what must be on a run's report's first screen (ids written by nba_simulator.report.firstscreen)
REPORT_FIRST_SCREEN = {"the headline numbers": "#headline", "the tasks to run now": "#tasks-now"}
FAILED_REPORT_FIRST_SCREEN = {"why there is no summary (failed or partial run)": "#headline"}

_CHECK_JS = r"""
() => {
  const out = {overflow: [], cut: [], anchors: [], links: [], texts: []};
  const de = document.documentElement;
  const label = (el) => {
    let s = el.tagName.toLowerCase();
    if (el.id) s += '#' + el.id;
    const cls = (el.getAttribute('class') || '').trim().split(/\s+/).filter(Boolean).slice(0, 2);
    if (cls.length) s += '.' + cls.join('.');
    const text = (el.innerText || el.textContent || '').trim().replace(/\s+/g, ' ').slice(0, 60);
    return s + (text ? ` "${text}"` : '');
  };
  if (de.scrollWidth > window.innerWidth + 1)
    out.overflow.push(`the page is ${de.scrollWidth}px wide in a ${window.innerWidth}px window`);
  for (const el of document.body.querySelectorAll('*')) {
    const cs = getComputedStyle(el);
    if (cs.display === 'none' || cs.visibility === 'hidden' || el.clientWidth === 0) continue;
    const wide = el.scrollWidth > el.clientWidth + 1;
    if (!wide) continue;
    const ox = cs.overflowX;
    if (ox === 'hidden' || ox === 'clip' || cs.textOverflow === 'ellipsis')
      out.cut.push(`${label(el)}: ${el.scrollWidth}px of text in ${el.clientWidth}px`);
    else if (ox === 'auto' || ox === 'scroll')
      out.overflow.push(`${label(el)} must be scrolled sideways: ${el.scrollWidth}px in ${el.clientWidth}px`);
  }
  for (const a of document.querySelectorAll('a[href]')) {
    const raw = a.getAttribute('href');
    if (raw.startsWith('#')) {
      const id = raw.slice(1);
      let dec = id;
      try { dec = decodeURIComponent(id); } catch (e) {}
      const found = (x) => document.getElementById(x) || document.getElementsByName(x).length;
      if (id && !found(id) && !found(dec))
        out.anchors.push(`${label(a)} -> ${raw}`);
    } else {
      out.links.push({href: a.href, text: label(a)});
    }
  }
  // a table header broken inside a word ("expecte d"): a word laid out on two lines
  for (const th of document.querySelectorAll('th')) {
    if (getComputedStyle(th).display === 'none' || !th.offsetWidth) continue;
    const walker = document.createTreeWalker(th, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const re = /\S+/g;
      let m;
      while ((m = re.exec(n.textContent)) !== null) {
        const r = document.createRange();
        r.setStart(n, m.index);
        r.setEnd(n, m.index + m[0].length);
        const lines = new Set(Array.from(r.getClientRects()).filter(x => x.width > 0).map(x => Math.round(x.top)));
        if (lines.size > 1) out.texts.push(`header broken inside the word "${m[0]}"`);
      }
    }
  }
  const body = document.body.innerText;
  const bad = [/\b[A-Z]\w*Warning: /, /Traceback \(most recent call last\)/, /\bNone%/, /\bnan%/i,
               /<NA>/];
  for (const re of bad) {
    const m = body.match(re);
    if (m) {
      const i = m.index;
      out.texts.push(body.slice(Math.max(0, i - 60), i + 80).replace(/\s+/g, ' '));
    }
  }
  // anything a stage wrote to stderr (a library's log line, a warning) is not for the reader
  for (const el of document.querySelectorAll('[data-mime-type="application/vnd.jupyter.stderr"]')) {
    const text = (el.innerText || '').trim();
    if (text) out.texts.push('stderr: ' + text.slice(0, 120).replace(/\s+/g, ' '));
  }
  return out;
}
"""

_FOLD_JS = r"""
(selectors) => {
  const out = {};
  for (const [name, sel] of Object.entries(selectors)) {
    const el = document.querySelector(sel);
    if (!el) { out[name] = 'not on the page'; continue; }
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) out[name] = 'not visible';
    else if (r.top >= window.innerHeight) out[name] = `starts ${Math.round(r.top)}px down, below the first screen (${window.innerHeight}px)`;
    else out[name] = '';
  }
  return out;
}
"""


class NoBrowser(RuntimeError):
    """No Chromium (or Playwright) on this machine."""


@dataclass
class PageReport:
    page: Path
    problems: list[str] = field(default_factory=list)
    screenshots: list[Path] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def find_browser() -> str | None:
    """``$NBA_RECON_CHROMIUM``, else the first Chromium/Chrome on ``PATH``; None when none."""
    env = settings.get("NBA_RECON_CHROMIUM")
    if env:
        return env if Path(env).exists() else shutil.which(env)
    for name in BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    return None


def why_no_browser() -> str | None:
    """Why pages cannot be checked here (None when they can)."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright for Python is not installed (pip install playwright)"
    if find_browser() is None:
        return "no Chromium found (apt-get install chromium, or set NBA_RECON_CHROMIUM to a Chromium/Chrome executable)"
    return None


def _page_name(page: Path, root: Path | None) -> str:
    try:
        rel = page.resolve().relative_to(root.resolve()) if root else Path(page.name)
    except ValueError:
        rel = Path(page.name)
    return "_".join(rel.with_suffix("").parts)


def check_pages(
    pages: Iterable[str | Path],
    *,
    screenshots: str | Path | None = None,
    first_screen: Mapping[str, Mapping[str, str]] | None = None,
    root: str | Path | None = None,
    full_page: bool = False,
) -> list[PageReport]:
    """Open each page in headless Chromium; one :class:`PageReport` per page.

    ``first_screen``: ``{page file name: {what: CSS selector}}``, what must start within the
    first 1366x768 screen of that page. ``screenshots``: folder for ``<page>.png`` (the first
    screen) and, with ``full_page``, ``<page>.full.png``. Raises :class:`NoBrowser` when no
    browser can be started.
    """
    reason = why_no_browser()
    if reason:
        raise NoBrowser(reason)
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright

    shots = Path(screenshots) if screenshots else None
    if shots:
        shots.mkdir(parents=True, exist_ok=True)
    root_path = Path(root) if root else None
    reports: list[PageReport] = []
    with sync_playwright() as p:
        try:
            browser = p.chromium.launch(executable_path=find_browser(), args=["--no-sandbox"])
        except PlaywrightError as exc:
            raise NoBrowser(f"could not start {find_browser()}: {str(exc).splitlines()[0]}") from None
        try:
            context = browser.new_context(viewport=VIEWPORT)
            for page_path in pages:
                page_path = Path(page_path).resolve()
                reports.append(
                    _check_one(
                        context,
                        page_path,
                        shots,
                        _page_name(page_path, root_path),
                        (first_screen or {}).get(page_path.name),
                        full_page,
                    )
                )
        finally:
            browser.close()
    return reports


def _check_one(
    context, path: Path, shots: Path | None, name: str, fold: Mapping[str, str] | None, full_page: bool
) -> PageReport:
    report = PageReport(path)
    if not path.is_file():
        report.problems.append("page not found")
        return report
    page = context.new_page()
    events: list[str] = []
    page.on("console", lambda m: events.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: events.append(f"script error: {e}"))
    page.on("requestfailed", lambda r: events.append(f"failed to load {r.url[:120]}: {r.failure}"))
    try:
        page.goto(path.as_uri(), wait_until="load")
        found = page.evaluate(_CHECK_JS)
        report.problems += events
        report.problems += [f"horizontal overflow: {x}" for x in found["overflow"]]
        report.problems += [f"text cut: {x}" for x in found["cut"]]
        report.problems += [f"broken anchor: {x}" for x in found["anchors"]]
        report.problems += [f"shows {x!r}" for x in dict.fromkeys(found["texts"])]
        for link in found["links"]:
            problem = _broken_link(link["href"])
            if problem:
                report.problems.append(f"broken link: {link['text']} -> {problem}")
        if fold:
            for what, where in page.evaluate(_FOLD_JS, dict(fold)).items():
                if where:
                    report.problems.append(f"first screen lacks {what} ({fold[what]}): {where}")
        if shots:
            shot = shots / f"{name}.png"
            page.screenshot(path=str(shot))
            report.screenshots.append(shot)
            if full_page:
                full = shots / f"{name}.full.png"
                page.screenshot(path=str(full), full_page=True)
                report.screenshots.append(full)
    finally:
        page.close()
    return report


def _broken_link(url: str) -> str | None:
    """Why a link is broken, or None. Local files must exist; web links are not fetched."""
    parsed = urlparse(url)
    if parsed.scheme in ("http", "https", "mailto", "data", "javascript"):
        return None
    if parsed.scheme == "file":
        target = Path(unquote(parsed.path))
        return None if target.exists() else f"{target} does not exist"
    return f"unexpected link {url[:120]}"


def run_pages(run_dir: str | Path) -> tuple[list[Path], dict[str, dict[str, str]]]:
    """A run folder's pages (report, stage pages, the runs index) and their first-screen needs."""
    run_dir = Path(run_dir)
    pages = [run_dir / "report.html", *sorted(run_dir.glob("[0-9][0-9]_*.html"))]
    index = run_dir.parent / "index.html"
    if index.exists():
        pages.append(index)
    summary = _has_summary(run_dir)
    fold = {"report.html": REPORT_FIRST_SCREEN if summary else FAILED_REPORT_FIRST_SCREEN}
    return pages, fold


def _has_summary(run_dir: Path) -> bool:
    """The run succeeded through its summary stage (else its report says why there is none:
    a failed run, or a run of some stages only)."""
    try:
        record = json.loads((run_dir / "run.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    stages = {s.get("name"): s.get("status") for s in record.get("stages") or []}
    return record.get("status") == "succeeded" and stages.get("05_summary") == "succeeded"


def check_run(run_dir: str | Path, *, full_page: bool = True) -> list[PageReport]:
    """Check every page of a run; screenshots into ``RUN_DIR/screenshots/``."""
    pages, fold = run_pages(run_dir)
    return check_pages(
        pages,
        screenshots=Path(run_dir) / "screenshots",
        first_screen=fold,
        root=Path(run_dir).parent,
        full_page=full_page,
    )


def format_reports(reports: Iterable[PageReport]) -> str:
    lines = []
    for r in reports:
        lines.append(f"{'ok  ' if r.ok else 'FAIL'} {r.page}")
        lines += [f"     - {p}" for p in r.problems]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m nba_simulator.report.browser", description="Check a run's pages in headless Chromium."
    )
    ap.add_argument("run_dir", nargs="+", help="run folder(s): runs/<run_id>")
    args = ap.parse_args(argv)
    try:
        reports = [r for d in args.run_dir for r in check_run(d)]
    except NoBrowser as exc:
        print(f"cannot check pages: {exc}", file=sys.stderr)
        return 2
    print(format_reports(reports))
    return 0 if all(r.ok for r in reports) else 1


if __name__ == "__main__":
    sys.exit(main())
