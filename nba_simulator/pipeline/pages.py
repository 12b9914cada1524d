"""A run's pages, written by the runner: each stage's HTML (in the background while the next
stage runs, :class:`Renderer`, or at once), ``report.html`` and ``runs/index.html``. A page that
cannot be rendered is reported, never allowed to hide the run's result."""

from __future__ import annotations

import copy
import shutil
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from nba_simulator.outputs import atomic_path

from .index import write_index
from .nbhtml import notebook_to_html
from .plan import SUMMARY_STAGE
from .render import REPORT_NAME, failure_report, page_title, stage_label

Echo = Callable[[str], None]


class Renderer:
    """HTML of finished stages: rendered in a background thread while the next stage runs
    (``parallel=True``), or at once. Results are applied by the caller's thread (:meth:`collect`),
    so the run record is only ever changed by one thread."""

    def __init__(self, parallel: bool = True):
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="render-html") if parallel else None
        self._pending: list[tuple[Future, object]] = []

    def submit(self, fn, on_done) -> None:
        """Run ``fn()``; later, in the caller's thread, ``on_done(result, exception)``."""
        if self._executor is None:
            fut: Future = Future()
            try:
                fut.set_result(fn())
            except Exception as exc:  # noqa: BLE001 - handed to on_done
                fut.set_exception(exc)
        else:
            fut = self._executor.submit(fn)
        self._pending.append((fut, on_done))
        self.collect(block=False)

    def collect(self, block: bool = True) -> None:
        """Apply the results of finished renderings (all of them, waiting, when ``block``)."""
        keep = []
        for fut, on_done in self._pending:
            if block or fut.done():
                exc = fut.exception()
                on_done(None if exc else fut.result(), exc)
            else:
                keep.append((fut, on_done))
        self._pending = keep

    def close(self) -> None:
        self.collect(block=True)
        if self._executor is not None:
            self._executor.shutdown(wait=True)


def submit_stage_page(renderer: Renderer, run_dir: Path, record: dict, st: dict, tag: str, echo: Echo) -> None:
    """Render stage ``st``'s page from the record as it is now (a copy: the run goes on); its
    record gets ``html`` when the page is written (applied in the runner's thread)."""
    name = st["name"]
    nb_out = run_dir / f"{name}.ipynb"
    if not nb_out.exists():
        return

    def rendered(_result, exc: BaseException | None) -> None:
        if exc is None:
            st["html"] = f"{name}.html"
        else:  # a rendering problem must not hide the result
            echo(f"{tag} {name}: could not render HTML ({type(exc).__name__}: {exc})")

    title, snapshot = page_title(record, stage_label(name)), copy.deepcopy(record)
    renderer.submit(lambda: notebook_to_html(nb_out, run_dir / f"{name}.html", title=title, record=snapshot), rendered)


def render_stage_page(run_dir: Path, record: dict, st: dict, echo: Echo, tag: str = "") -> None:
    """The stage's HTML page (code hidden, the run's navigation bar), at once."""
    name = st["name"]
    nb_out = run_dir / f"{name}.ipynb"
    if not nb_out.exists():
        return
    try:
        notebook_to_html(nb_out, run_dir / f"{name}.html", title=page_title(record, stage_label(name)), record=record)
        st["html"] = f"{name}.html"
    except Exception as exc:  # noqa: BLE001 - a rendering problem must not hide the result
        echo(f"{tag} {name}: could not render HTML ({type(exc).__name__}: {exc})".strip())


def write_report(run_dir: Path, record: dict, echo: Echo) -> Path | None:
    """``report.html``: the summary stage's page, or (the summary did not run) what failed and
    where."""
    out = run_dir / REPORT_NAME
    summary = next((s for s in record["stages"] if s["name"] == SUMMARY_STAGE), None)
    if summary and summary["status"] == "succeeded" and summary.get("html"):
        try:
            return notebook_to_html(
                run_dir / summary["notebook"], out, title=page_title(record, "Report"), record=record
            )
        except Exception as exc:  # noqa: BLE001 - the stage page is the report then
            echo(f"could not render {REPORT_NAME} ({type(exc).__name__}: {exc})")
            with atomic_path(out) as tmp:
                shutil.copyfile(run_dir / summary["html"], tmp)
            return out
    try:
        return failure_report(record, out)
    except OSError as exc:  # a full disk: the run's record and console still say what failed
        echo(f"could not write {out.name} ({type(exc).__name__}: {exc})")
        return None


def update_index(runs_dir: Path, echo: Echo) -> None:
    """``runs/index.html``; a failure is reported (the index is a convenience)."""
    try:
        write_index(runs_dir)
    except Exception as exc:  # noqa: BLE001 - the index is a convenience
        echo(f"could not write {runs_dir / 'index.html'}: {exc}")
