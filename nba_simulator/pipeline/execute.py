"""One stage: its notebook executed with papermill (on a warm kernel when the run has a pool,
kernel_pool.py, through the nba-warm engine, warm_engine.py), retried on transient failures,
timed, its memory peak and the files it wrote recorded in its stage record; a failure made
visible in the kept notebook."""

from __future__ import annotations

import html
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat
import papermill
from nbclient.exceptions import CellTimeoutError
from papermill.exceptions import PapermillExecutionError

from nba_simulator.errors import StageTimeout, is_bad_input

from .kernel_pool import KernelPool, kernel_pid
from .kernels import EncryptedKernelManager, shutdown
from .monitor import KernelMonitor
from .nbio import papermill_output, write_notebook
from .plan import RunOptions, utc_now
from .retry import Failure, classify, with_retries
from .rundir import changed, sha256, snapshot
from .warm_engine import ENGINE_NAME

# The TCP warning is answered by encryption (kernels.py). The kernel app's own log stays quiet:
# jupyter_client interrupts a kernel before shutting it down, and ipykernel logs that as
# "ERROR | KeyboardInterrupt caught in kernel." when it lands mid-message (a cell's errors reach
# the run through papermill, not this log). The kernel's tornado logger has a handler of its own
# (ipykernel's configure_tornado_logger): its "Uncaught exception in ZMQStream callback" of a
# socket closed during shutdown reached the run's stderr once under load; same level for it
KERNEL_ARGS = [
    "--IPKernelApp.log_level=CRITICAL",
    '--IPKernelApp.logging_config={"loggers": {"tornado": {"level": "CRITICAL"}}}',
]
ERROR_TAG = "nba-recon-error"


def short(text: str, n: int = 160) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= n else text[: n - 1] + "…"


def _progress(o: RunOptions, stage: str) -> bool | dict:
    return {"desc": stage, "unit": "cell", "leave": False} if o.shows_progress() else False


@dataclass(frozen=True)
class StageJob:
    """One stage to execute: its notebook ``nb_in``, the run folder, its record ``st`` (updated
    in place), its parameters, and its ``[i/n]`` tag for the progress lines."""

    nb_in: Path
    run_dir: Path
    st: dict
    params: dict
    tag: str


def run_stage(
    o: RunOptions, job: StageJob, *, save: Callable[[], None], pool: KernelPool | None = None, last: bool = False
) -> bool:
    """Execute ``job`` (``save()`` writes the run record) into ``run_dir/<name>.ipynb``. True
    when it succeeded; a failure is recorded in ``job.st``, never raised."""
    nb_in, run_dir, st, stage_params, tag = job.nb_in, job.run_dir, job.st, job.params, job.tag
    name = st["name"]
    nb_out = run_dir / f"{name}.ipynb"
    before = snapshot(run_dir / "data")
    st.update(
        status="running", start=utc_now().isoformat(timespec="seconds"), attempts=0, error=None, attempt_errors=[]
    )
    save()
    if o.shows_progress():  # with --no-progress (or off a terminal): only the outcome
        o.echo(f"{tag} {name}")
    t = time.monotonic()
    peak: list[float] = []

    def attempt(n: int) -> None:
        st["attempts"] = n
        km = pool.take(prepare_next=not last) if pool is not None else None
        pid = kernel_pid(km) if km is not None else None
        engine = {"engine_name": ENGINE_NAME, "km": km} if km is not None else {}
        monitor = KernelMonitor(timeout=o.timeout, pids=[pid] if pid else None)
        try:
            with monitor, papermill_output(run_dir, stage_params):
                papermill.execute_notebook(
                    str(nb_in),
                    str(nb_out),
                    parameters=stage_params,
                    kernel_name=o.kernel_name,
                    progress_bar=_progress(o, name),
                    execution_timeout=int(o.timeout) if o.timeout else None,
                    cwd=str(run_dir),
                    log_output=False,
                    extra_arguments=KERNEL_ARGS,
                    **(engine or {"kernel_manager_class": EncryptedKernelManager}),
                )
        except Exception as exc:
            if monitor.timed_out or isinstance(exc, CellTimeoutError):
                raise StageTimeout(o.timeout, exc) from exc
            raise
        finally:
            if km is not None:  # the engine shut it down; not when papermill failed before it ran
                shutdown(km)
            if monitor.peak_mb is not None:
                peak.append(monitor.peak_mb)

    def on_failure(n: int, failure: Failure, wait: float | None) -> None:
        st["attempt_errors"].append({"attempt": n, **failure.as_dict()})
        if wait is not None:
            o.echo(
                f"{tag} {name}: attempt {n} failed ({failure.ename}: "
                f"{short(failure.evalue)}; {failure.reason}); retrying in {wait:.1f} s"
            )

    ok = True
    try:
        with_retries(
            attempt,
            attempts=1 + max(0, o.retries),
            backoff=o.backoff,
            classify_fn=classify,
            sleep=o.sleep,
            on_failure=on_failure,
        )
    except Exception as exc:  # noqa: BLE001 - recorded; the run fails, later stages skip
        ok = False
        failure = classify(exc)
        st["error"] = failure.as_dict()
        mark_failure(nb_in, nb_out, failure, exc)
        if not is_bad_input(failure.ename):  # bad input: the CLI's one line says it
            o.echo(
                f"{tag} {name} FAILED after {st['attempts']} attempt(s): {failure.ename}: "
                f"{short(failure.evalue)} ({failure.reason})"
            )
    st["status"] = "succeeded" if ok else "failed"
    st["duration_s"] = round(time.monotonic() - t, 3)
    st["peak_memory_mb"] = max(peak) if peak else None
    st["outputs"] = changed(run_dir / "data", before, run_dir)
    st["checksums"] = {rel: sha256(run_dir / rel) for rel in st["outputs"]}
    if not st["attempt_errors"]:
        st.pop("attempt_errors")
    return ok


def mark_failure(nb_in: Path, nb_out: Path, failure: Failure, exc: BaseException) -> None:
    """Make the failure visible in the kept notebook when papermill could not (dead kernel,
    timeout, kernel that never started). papermill's own error cells already mark cell errors."""
    if isinstance(exc, PapermillExecutionError) and nb_out.exists():
        return
    try:
        nb = nbformat.read(str(nb_out if nb_out.exists() else nb_in), as_version=4)
    except Exception:  # noqa: BLE001 — a notebook that cannot be read gets no failure cell; the stage error stands
        return
    nb.cells = [c for c in nb.cells if ERROR_TAG not in c.get("metadata", {}).get("tags", [])]
    text = (
        f'<span style="color:#a40e26;font-size:1.4em">This stage failed: '
        f"<b>{_html(failure.ename)}</b>: {_html(short(failure.evalue, 500))}</span><br>"
        f"{_html(failure.reason)}. Cells below ran until the failure; later ones did not run."
    )
    cell = nbformat.v4.new_markdown_cell(text)
    cell.metadata["tags"] = [ERROR_TAG]
    nb.cells.insert(0, cell)
    write_notebook(nb, nb_out)


def _html(text: Any) -> str:
    return html.escape(str(text))
