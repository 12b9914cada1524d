"""Run the stage notebooks in sequence with papermill: ``runs/<run_id>/NN_name.ipynb``.

One run::

    runs/.lock, runs/.lock.json      one run at a time (see lock.py)
    runs/index.html                  every run
    runs/<run_id>/run.json           the record (record.py), rewritten after every stage
    runs/<run_id>/NN_name.ipynb      each executed notebook (a failed one keeps its error)
    runs/<run_id>/NN_name.html       each rendered with code hidden
    runs/<run_id>/report.html        the summary stage (or, on failure, what failed and where)
    runs/<run_id>/data/              what the stages hand each other (reconcile's file names)

Before anything runs, every selected notebook's parameters are inspected and the given ones
validated (params.py): a typo fails in a second, not after the scan. The clock is read here only,
for bookkeeping (the run id, start times, durations) and to default ``as_of`` to today's UTC date
for a real lake; the notebooks themselves only ever see the explicit ``as_of``.
"""
from __future__ import annotations

import copy
import datetime as dt
import os
import secrets
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import nbformat
import papermill

import nba_simulator
from nba_simulator import masking
from nba_simulator.errors import ParameterError, is_bad_input
from nba_simulator.outputs import atomic_path

from . import params as P
from .kernels import EncryptedKernelManager
from .lock import RunsLock
from .monitor import KernelMonitor
from .nbio import papermill_output, write_notebook
from .record import library_versions, new_stage, read_record, redact, write_record
from .render import (REPORT_NAME, failure_report, notebook_to_html, page_title, run_failure,
                     stage_label, write_index)
from .retry import Backoff, Failure, classify, with_retries
from .runhistory import close_run
from .warm import ENGINE_NAME, KernelPool, Renderer, kernel_pid, warm_enabled
from nba_simulator.report.warnings import read_run_warnings

STAGES = ("00_health_check", "01_scan", "02_coverage", "03_gaps", "04_tasks", "05_summary")
SUMMARY_STAGE = "05_summary"
KERNEL_NAME = "python3"
DEFAULT_TIMEOUT = 3600.0
DEFAULT_RETRIES = 2
RUNNER_PARAMS = ("run_dir",)                      # set by the runner, never by the user
# The TCP warning is answered by encryption (kernels.py). The kernel app's own log stays quiet:
# jupyter_client interrupts a kernel before shutting it down, and ipykernel logs that as
# "ERROR | KeyboardInterrupt caught in kernel." when it lands mid-message (a cell's errors reach
# the run through papermill, not this log)
KERNEL_ARGS = ["--IPKernelApp.log_level=CRITICAL"]
PATH_PARAMS = ("spec", "lake", "schedule")          # local paths made absolute (kernels run in run_dir)
_NOT_PATHS = {"", "demo", "default", "builtin", "db"}
ERROR_TAG = "nba-recon-error"


def default_notebooks_dir() -> Path:
    """``$NBA_RECON_NOTEBOOKS``, else ``notebooks/`` of the source tree, else the packaged copy."""
    env = os.environ.get("NBA_RECON_NOTEBOOKS")
    if env:
        return Path(env)
    pkg = Path(nba_simulator.__file__).resolve().parent
    for candidate in (pkg.parent / "notebooks", pkg / "notebooks"):
        if (candidate / f"{STAGES[0]}.ipynb").exists():
            return candidate
    return pkg.parent / "notebooks"


def utc_now() -> dt.datetime:
    """The clock, for run bookkeeping only (run ids, started/finished timestamps)."""
    started_or_finished_timestamp = dt.datetime.now(dt.timezone.utc)
    return started_or_finished_timestamp


def new_run_id(now: dt.datetime | None = None) -> str:
    """``20261130T012233Z-3fa9c1``: sorts by start time; the suffix keeps ids unique."""
    now = now or utc_now()
    return f"{now.strftime('%Y%m%dT%H%M%SZ')}-{secrets.token_hex(3)}"


def select_stages(names: Sequence[str] | None) -> list[str]:
    """Stage names from ``--stages`` (``02_coverage``, ``coverage``, ``2`` or ``02``), in run order."""
    if not names:
        return list(STAGES)
    chosen = set()
    for raw in names:
        for name in str(raw).split(","):
            name = name.strip()
            if not name:
                continue
            hits = [s for s in STAGES if name in (s, s[3:]) or (name.isdigit() and int(name) == int(s[:2]))]
            if not hits:
                raise ParameterError(f"unknown stage {name!r} (stages: {', '.join(STAGES)})")
            chosen.update(hits)
    return [s for s in STAGES if s in chosen]


#: what a run's results depend on: resuming with any of them different would mix two runs
FINGERPRINTED = ("spec", "lake", "schedule", "as_of")


def fingerprint(values: Mapping[str, Any]) -> dict[str, str]:
    """``run.json``'s ``fingerprint``: each of :data:`FINGERPRINTED` as given (masked), a local
    file with the SHA-256 of its content (an edited spec is a different spec)."""
    out = {}
    for name in FINGERPRINTED:
        if name not in values:
            continue
        value = values[name]
        text = "" if value is None else str(value)
        if text and text not in _NOT_PATHS and "://" not in text:
            try:
                path = Path(text)
                if path.is_file():
                    text = f"{text} (sha256 {_sha256(path)[:16]})"
            except OSError:
                pass
        out[name] = masking.mask(text)
    return out


def _check_run_id(run_id: Any, runs_dir: Path) -> str:
    """A run id of THIS runs folder: a plain folder name, never a path."""
    text = str(run_id or "")
    if (not text or text in (".", "..") or "/" in text or "\\" in text or "\0" in text
            or len(text) > 128 or Path(text).name != text):
        raise ParameterError(f"--resume takes the id of a run of {runs_dir} (a folder name there), "
                             f"got {text!r}")
    return text


def _absolute(value: Any) -> Any:
    if not isinstance(value, str) or value in _NOT_PATHS or "://" in value:
        return value
    return str(Path(value).expanduser().resolve())


@dataclass
class RunOptions:
    runs_dir: Path = Path("runs")
    stages: Sequence[str] | None = None
    notebooks_dir: Path | None = None
    timeout: float | None = DEFAULT_TIMEOUT       # seconds per stage (wall clock, and per cell)
    retries: int = DEFAULT_RETRIES                # extra attempts for transient failures
    backoff: Backoff = field(default_factory=Backoff)
    progress: bool | None = None                  # None: when stderr is a terminal
    kernel_name: str = KERNEL_NAME
    warm_kernels: bool | None = None              # None: NBA_RECON_WARM_KERNELS (default on), see warm.py
    sleep: Callable[[float], None] = time.sleep
    echo: Callable[[str], None] = lambda msg: print(msg, file=sys.stderr, flush=True)


@dataclass
class RunResult:
    run_id: str
    run_dir: Path
    status: str
    record: dict
    report: Path | None
    failed_stage: str | None = None

    @property
    def ok(self) -> bool:
        return self.status == "succeeded"


class Runner:
    def __init__(self, options: RunOptions | None = None):
        self.o = options or RunOptions()
        self.runs_dir = Path(self.o.runs_dir).resolve()
        self.notebooks_dir = Path(self.o.notebooks_dir or default_notebooks_dir()).resolve()

    def _check_runs_dir(self) -> None:
        """The runs folder must be a folder this process can write (checked before any stage)."""
        from nba_simulator.errors import BadInput

        d = self.runs_dir
        if d.exists() and not d.is_dir():
            raise BadInput(f"--runs-dir {d}: not a folder")
        try:
            d.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise BadInput(f"--runs-dir {d}: cannot be made ({exc.strerror or exc})") from None
        if not os.access(d, os.W_OK | os.X_OK):
            raise BadInput(f"--runs-dir {d}: read-only (runs cannot be written there)")

    # ---------------------------------------------------------------- parameters, before anything
    def notebooks(self, stages: Sequence[str]) -> dict[str, Path]:
        return {s: self.notebooks_dir / f"{s}.ipynb" for s in stages}

    def declared(self, stages: Sequence[str]) -> dict[str, P.Param]:
        decl = P.declared(self.notebooks(stages))
        for stage in stages:
            if stage not in decl.get("run_dir", P.Param("run_dir", "str", "")).stages:
                raise ParameterError(f"{stage}.ipynb does not declare the parameter run_dir")
        return decl

    def prepare(self, stages: Sequence[str], given: Mapping[str, Any],
                base: Mapping[str, Any] | None = None) -> tuple[dict[str, P.Param], dict[str, Any]]:
        """Validate ``given`` and return (declared, the full parameter values of the run)."""
        for name in RUNNER_PARAMS:
            if name in given:
                raise ParameterError(f"parameter {name} is set by the runner (use --runs-dir)")
        decl = self.declared(stages)
        checked = P.validate(decl, given)
        values = P.run_defaults(decl)   # a default that differs by stage stays each stage's own
        values.update(base or {})
        values.update(checked)
        lake = values.get("lake")
        if "lake" in checked and lake not in ("", "demo"):
            # a real lake: the packaged spec of the real bucket, and today's date, unless given
            if "spec" in decl and "spec" not in checked and not base:
                values["spec"] = "default"
            if "as_of" in decl and "as_of" not in checked and not base:
                values["as_of"] = utc_now().date().isoformat()
        if values.get("as_of"):
            # a future as_of would count unplayed games as missing (the past: the scan refuses)
            from nba_simulator.coverage.dates import check_not_future

            check_not_future(values["as_of"], utc_now().date())
        for name in PATH_PARAMS:
            if name in values:
                values[name] = _absolute(values[name])
        if isinstance(values.get("history"), str):
            # kernels run inside the run folder: a relative SQLite history is the user's folder's
            from nba_simulator.database.engine import absolute_sqlite

            values["history"] = absolute_sqlite(values["history"])
        masking.register_params(values)   # masked wherever they appear from now on
        if values.get("probe") is True and "spec" in values:
            # a combination that cannot work fails now, not at the last stage
            from nba_simulator.reconcile import check_probe
            from nba_simulator.spec import load_spec

            from .stage import resolve_spec

            check_probe(load_spec(resolve_spec(str(values["spec"] or "demo"))), "parameter probe true")
        for name in ("lake", "inventory"):
            if masking.lake_credentials(values.get(name)):
                raise ParameterError(f"parameter {name} {masking.mask(values[name])}: credentials in "
                                     "the lake URI are refused; put credentials in the environment "
                                     "or a profile")
        missing = [k for k, v in values.items() if masking.was_masked(v)]
        if missing:
            raise ParameterError(f"parameter {missing[0]} was redacted from run.json; "
                                 f"pass it again with -p {missing[0]} VALUE")
        return decl, values

    # ---------------------------------------------------------------- entry points
    def run(self, given: Mapping[str, Any] | None = None) -> RunResult:
        stages = select_stages(self.o.stages)
        decl, values = self.prepare(stages, dict(given or {}))
        self._check_runs_dir()
        started = utc_now()
        run_id = new_run_id(started)
        with RunsLock(self.runs_dir, run_id, started.isoformat(timespec="seconds")) as lock:
            self._recover(lock)
            run_dir = self.runs_dir / run_id
            (run_dir / "data").mkdir(parents=True)
            values["run_dir"] = str(run_dir)
            record = {
                "run_id": run_id, "status": "running", "started": started.isoformat(timespec="seconds"),
                "finished": None, "duration_s": None, "parameters": redact(values),
                "stages": [new_stage(s, f"{s}.ipynb") for s in stages],
                "fingerprint": fingerprint(values),
                "notebooks_dir": str(self.notebooks_dir), "kernel": self.o.kernel_name,
                "timeout_s": self.o.timeout, "max_attempts": 1 + max(0, self.o.retries),
                "versions": library_versions(), "headline": None, "report": None, "resumed": [],
            }
            return self._execute(run_dir, record, decl, values, 0, time.monotonic())

    def resume(self, run_id: str, given: Mapping[str, Any] | None = None) -> RunResult:
        run_id = _check_run_id(run_id, self.runs_dir)
        run_dir = self.runs_dir / run_id
        if not (run_dir / "run.json").is_file():
            raise ParameterError(f"no run {run_id!r} in {self.runs_dir} (no run.json)")
        try:
            record = read_record(run_dir)
            stages = [s["name"] for s in record["stages"]]
            base = {k: v for k, v in record["parameters"].items() if k != "run_dir"}
        except (ValueError, KeyError, TypeError, AttributeError, OSError) as exc:
            raise ParameterError(f"{run_dir / 'run.json'}: not a run record this runner can resume "
                                 f"({type(exc).__name__}: {exc})") from None
        if record.get("run_id") not in (None, run_id):
            raise ParameterError(f"{run_dir / 'run.json'} is the record of run {record.get('run_id')!r}, "
                                 f"not {run_id!r}: it was copied from elsewhere")
        decl, values = self.prepare(stages, dict(given or {}), base=base)
        values["run_dir"] = str(run_dir)
        self._check_runs_dir()
        earlier = record.get("fingerprint")
        if isinstance(earlier, dict):
            now = fingerprint(values)
            differ = [k for k in FINGERPRINTED if k in earlier and earlier.get(k) != now.get(k)]
            if differ:
                what = "; ".join(f"{k}: was {earlier.get(k)!r}, now {now.get(k)!r}" for k in differ)
                raise ParameterError(f"cannot resume run {run_id} with a different "
                                     f"{', '.join(differ)} ({what}): start a new run")
        started = utc_now()
        with RunsLock(self.runs_dir, run_id, started.isoformat(timespec="seconds")) as lock:
            self._recover(lock)
            record = read_record(run_dir)   # _recover may have just closed it
            _remove_temp_files(run_dir, run_dir / "data")
            n = len(record["stages"])
            first = next((i for i, s in enumerate(record["stages"]) if s["status"] != "succeeded"), n)
            damaged = self._damaged(run_dir, record["stages"][:first])
            if damaged is not None:
                first = damaged
            if first == n:
                report = run_dir / REPORT_NAME
                if record.get("status") == "succeeded" and report.exists():
                    self.o.echo(f"run {run_id} already succeeded: nothing to resume")
                    return RunResult(run_id, run_dir, record["status"], record, report)
                # every stage finished, but the run was stopped before it was closed: close it
            for st in record["stages"][first:]:
                if st["attempts"]:
                    st.setdefault("earlier", []).append(
                        {k: st.get(k) for k in ("status", "start", "duration_s", "attempts", "error")})
                st.pop("checksums", None)
                st.update({k: v for k, v in new_stage(st["name"], st["notebook"]).items()})
            record.setdefault("resumed", []).append(
                {"at": started.isoformat(timespec="seconds"),
                 "from_stage": record["stages"][first]["name"] if first < n else None,
                 "changed": sorted(k for k in (given or {}))})
            record.update(status="running", finished=None, parameters=redact(values),
                          notebooks_dir=str(self.notebooks_dir), versions=library_versions())
            prior = float(record.get("duration_s") or 0.0)
            return self._execute(run_dir, record, decl, values, first, time.monotonic() - prior)

    def _damaged(self, run_dir: Path, finished: Sequence[dict]) -> int | None:
        """The first of the ``finished`` stages whose outputs are missing or not the bytes it
        wrote (their SHA-256 is in run.json): a damaged file is rebuilt, never trusted."""
        last_writer: dict[str, tuple[int, str | None]] = {}
        for i, st in enumerate(finished):
            sums = st.get("checksums") or {}
            for rel in st.get("outputs") or []:
                last_writer[rel] = (i, sums.get(rel))
        bad = None
        for rel, (i, digest) in sorted(last_writer.items(), key=lambda kv: kv[1][0]):
            path = run_dir / rel
            if not path.is_file() or (digest is not None and _sha256(path) != digest):
                self.o.echo(f"{rel} (from stage {finished[i]['name']}) is missing or damaged: "
                            f"stage {finished[i]['name']} runs again")
                bad = i if bad is None else min(bad, i)
        return bad

    # ---------------------------------------------------------------- the loop
    def _recover(self, lock: RunsLock) -> None:
        """A stale lock means a killed run: close its record so nobody waits for it."""
        stale = lock.stale
        if not stale or not stale.get("run_id"):
            return
        run_dir = self.runs_dir / str(stale["run_id"])
        self.o.echo(f"recovered a stale lock: run {stale['run_id']} (pid {stale.get('pid')}) "
                    f"is no longer running")
        _remove_temp_files(self.runs_dir, run_dir, run_dir / "data")
        try:
            record = read_record(run_dir)
        except Exception:  # noqa: BLE001 - nothing to close
            return
        if record.get("status") != "running":
            return
        for st in record["stages"]:
            if st["status"] == "running":
                st["status"] = "failed"
                st["error"] = {"ename": "Interrupted", "evalue": f"the runner (pid {stale.get('pid')}) "
                               "died during this stage", "transient": True,
                               "reason": "killed run (resume it)", "cell_index": None}
            elif st["status"] == "pending":
                st["status"] = "skipped"
        record["status"] = "failed"
        write_record(record, run_dir)
        # killed after the summary stage recorded it: the history must not say "running" forever
        close_run(record, run_dir, record.get("parameters") or {}, self.runs_dir, self.o.echo)

    def _execute(self, run_dir: Path, record: dict, decl: dict[str, P.Param],
                 values: dict[str, Any], first: int, t0: float) -> RunResult:
        warm = self.o.warm_kernels if self.o.warm_kernels is not None else warm_enabled()
        # warm: kernels started ahead of need, HTML rendered while the next stage runs (warm.py)
        self._renderer = Renderer(parallel=warm)
        self._pool = (KernelPool(self.o.kernel_name, run_dir, KERNEL_ARGS)
                      if warm and first < len(record["stages"]) else None)
        try:
            return self._execute_stages(run_dir, record, decl, values, first, t0)
        finally:
            if self._pool is not None:
                self._pool.close()
            self._renderer.close()
            self._pool = None

    def _execute_stages(self, run_dir: Path, record: dict, decl: dict[str, P.Param],
                        values: dict[str, Any], first: int, t0: float) -> RunResult:
        write_record(record, run_dir)
        reserve_space(run_dir)   # room for the final record when the stages fill the disk
        try:
            return self._run_stages(run_dir, record, decl, values, first, t0)
        finally:
            release_space(run_dir)

    def _run_stages(self, run_dir: Path, record: dict, decl: dict[str, P.Param],
                    values: dict[str, Any], first: int, t0: float) -> RunResult:
        self._index()
        failed: str | None = None
        stages = record["stages"]
        for i, st in enumerate(stages[:first]):
            # a run killed while a finished stage's HTML was still being rendered (background):
            # render it now, on resume
            if (st.get("status") == "succeeded" and not st.get("html")
                    and (run_dir / f"{st['name']}.ipynb").exists()):
                self._render(run_dir, record, st, f"[{i + 1}/{len(stages)}]")
        try:
            for i, st in enumerate(stages):
                if i < first:
                    continue
                if failed:
                    st["status"] = "skipped"
                    continue
                self._last_stage = i == len(stages) - 1
                ok = self._stage(run_dir, record, st, P.for_stage(decl, values, st["name"]),
                                 f"[{i + 1}/{len(stages)}]")
                if not ok:
                    failed = st["name"]
                record["duration_s"] = round(time.monotonic() - t0, 3)
                write_record(record, run_dir)
        except BaseException as exc:  # Ctrl-C or a bug of ours: close the record, then re-raise
            self._renderer.collect(block=True)
            for st in stages:
                if st["status"] == "running":
                    st["status"] = "failed"
                    st["error"] = Failure(type(exc).__name__, str(exc), False, "runner interrupted").as_dict()
                elif st["status"] == "pending":
                    st["status"] = "skipped"
            record.update(status="failed", finished=utc_now().isoformat(timespec="seconds"),
                          duration_s=round(time.monotonic() - t0, 3))
            write_final_record(record, run_dir)
            self._index()
            raise
        self._renderer.collect(block=True)  # every stage's HTML (the report copies the summary's)
        record["status"] = "failed" if failed else "succeeded"
        record["finished"] = utc_now().isoformat(timespec="seconds")
        record["duration_s"] = round(time.monotonic() - t0, 3)
        record["headline"] = headline(run_dir)
        record["failure"] = run_failure(record) if failed else None
        if failed:   # the outcome first: on a full disk the pages below may not fit, the record must
            write_final_record(record, run_dir)
        if failed:   # the pages again: the skipped stages have none, their links go grey
            for st in stages:
                if st["status"] in ("succeeded", "failed"):
                    self._render(run_dir, record, st)
        report = self._report(run_dir, record)
        record["report"] = report.name if report else None
        write_record(record, run_dir)
        close_run(record, run_dir, values, self.runs_dir, self.o.echo)
        self._index()
        return RunResult(record["run_id"], run_dir, record["status"], record, report, failed)

    def _stage(self, run_dir: Path, record: dict, st: dict, stage_params: dict, tag: str) -> bool:
        name = st["name"]
        nb_in = self.notebooks_dir / f"{name}.ipynb"
        nb_out = run_dir / f"{name}.ipynb"
        before = _snapshot(run_dir / "data")
        st.update(status="running", start=utc_now().isoformat(timespec="seconds"), attempts=0,
                  error=None, attempt_errors=[])
        write_record(record, run_dir)
        if self._shows_progress():   # with --no-progress (or off a terminal): only the outcome
            self.o.echo(f"{tag} {name}")
        t = time.monotonic()
        peak: list[float] = []

        def attempt(n: int) -> None:
            st["attempts"] = n
            pool = getattr(self, "_pool", None)
            km = pool.take(prepare_next=not getattr(self, "_last_stage", False)) if pool else None
            pid = kernel_pid(km) if km is not None else None
            engine = {"engine_name": ENGINE_NAME, "km": km} if km is not None else {}
            monitor = KernelMonitor(timeout=self.o.timeout, pids=[pid] if pid else None)
            try:
                with monitor, papermill_output(run_dir, stage_params):
                    papermill.execute_notebook(
                        str(nb_in), str(nb_out), parameters=stage_params,
                        kernel_name=self.o.kernel_name, progress_bar=self._progress(name),
                        execution_timeout=int(self.o.timeout) if self.o.timeout else None,
                        cwd=str(run_dir), log_output=False,
                        extra_arguments=KERNEL_ARGS, **(engine or {
                            "kernel_manager_class": EncryptedKernelManager}))
            except BaseException as exc:
                exc._nba_timed_out = monitor.timed_out or type(exc).__name__ == "CellTimeoutError"
                raise
            finally:
                if monitor.peak_mb is not None:
                    peak.append(monitor.peak_mb)

        def on_failure(n: int, failure: Failure, wait: float | None) -> None:
            st["attempt_errors"].append({"attempt": n, **failure.as_dict()})
            if wait is not None:
                self.o.echo(f"{tag} {name}: attempt {n} failed ({failure.ename}: "
                            f"{_short(failure.evalue)}; {failure.reason}); retrying in {wait:.1f} s")

        def classify_fn(exc: BaseException) -> Failure:
            failure = classify(exc, timed_out=getattr(exc, "_nba_timed_out", False))
            if getattr(exc, "_nba_timed_out", False):
                failure = Failure("StageTimeout", f"stage ran past its timeout of {self.o.timeout:g} s "
                                  f"({failure.ename})", False, failure.reason, failure.cell_index)
            return failure

        ok = True
        try:
            with_retries(attempt, attempts=1 + max(0, self.o.retries), backoff=self.o.backoff,
                         classify_fn=classify_fn, sleep=self.o.sleep, on_failure=on_failure)
        except Exception as exc:  # noqa: BLE001 - recorded; the run fails, later stages skip
            ok = False
            failure = classify_fn(exc)
            st["error"] = failure.as_dict()
            _mark_failure(nb_in, nb_out, failure, exc)
            if not is_bad_input(failure.ename):   # bad input: the CLI's one line says it
                self.o.echo(f"{tag} {name} FAILED after {st['attempts']} attempt(s): {failure.ename}: "
                            f"{_short(failure.evalue)} ({failure.reason})")
        st["status"] = "succeeded" if ok else "failed"
        st["duration_s"] = round(time.monotonic() - t, 3)
        st["peak_memory_mb"] = max(peak) if peak else None
        st["outputs"] = _changed(run_dir / "data", before, run_dir)
        st["checksums"] = {rel: _sha256(run_dir / rel) for rel in st["outputs"]}
        if not st["attempt_errors"]:
            st.pop("attempt_errors")
        if nb_out.exists():
            def rendered(_result, exc: BaseException | None) -> None:
                if exc is None:
                    st["html"] = f"{name}.html"
                else:  # a rendering problem must not hide the result
                    self.o.echo(f"{tag} {name}: could not render HTML ({type(exc).__name__}: {exc})")

            title, snapshot = page_title(record, stage_label(name)), copy.deepcopy(record)
            self._renderer.submit(lambda: notebook_to_html(nb_out, run_dir / f"{name}.html", title=title,
                                                           record=snapshot), rendered)
        return ok

    def _render(self, run_dir: Path, record: dict, st: dict, tag: str = "") -> None:
        """The stage's HTML page (code hidden, the run's navigation bar)."""
        name = st["name"]
        nb_out = run_dir / f"{name}.ipynb"
        if not nb_out.exists():
            return
        try:
            notebook_to_html(nb_out, run_dir / f"{name}.html", title=page_title(record, stage_label(name)),
                             record=record)
            st["html"] = f"{name}.html"
        except Exception as exc:  # noqa: BLE001 - a rendering problem must not hide the result
            self.o.echo(f"{tag} {name}: could not render HTML ({type(exc).__name__}: {exc})".strip())

    def _shows_progress(self) -> bool:
        return bool(self.o.progress if self.o.progress is not None else sys.stderr.isatty())

    def _progress(self, stage: str) -> bool | dict:
        return {"desc": stage, "unit": "cell", "leave": False} if self._shows_progress() else False

    def _report(self, run_dir: Path, record: dict) -> Path | None:
        out = run_dir / REPORT_NAME
        summary = next((s for s in record["stages"] if s["name"] == SUMMARY_STAGE), None)
        if summary and summary["status"] == "succeeded" and summary.get("html"):
            try:
                return notebook_to_html(run_dir / summary["notebook"], out,
                                        title=page_title(record, "Report"), record=record)
            except Exception as exc:  # noqa: BLE001 - the stage page is the report then
                self.o.echo(f"could not render {REPORT_NAME} ({type(exc).__name__}: {exc})")
                with atomic_path(out) as tmp:
                    shutil.copyfile(run_dir / summary["html"], tmp)
                return out
        try:
            return failure_report(record, out)
        except OSError as exc:   # a full disk: the run's record and console still say what failed
            self.o.echo(f"could not write {out.name} ({type(exc).__name__}: {exc})")
            return None

    def _index(self) -> None:
        try:
            write_index(self.runs_dir)
        except Exception as exc:  # noqa: BLE001 - the index is a convenience
            self.o.echo(f"could not write {self.runs_dir / 'index.html'}: {exc}")


def headline(run_dir: Path) -> dict | None:
    """The numbers the index shows, from ``data/summary.json`` (None before the summary stage)."""
    path = Path(run_dir) / "data" / "summary.json"
    if not path.exists():
        return None
    try:
        import json

        s = json.loads(path.read_text(encoding="utf-8"))
        totals = s.get("totals", {})
        return {"completeness_pct": totals.get("complete_pct"), "have_pct": totals.get("have_pct"),
                "expected": totals.get("expected"), "missing": totals.get("missing"),
                "gaps": sum((s.get("gaps") or {}).values()), "tasks": sum((s.get("tasks") or {}).values()),
                "estimate": s.get("estimate"), "as_of": s.get("as_of"),
                "warnings": read_run_warnings(Path(run_dir) / "data")}
    except (OSError, ValueError, AttributeError, TypeError):
        return None


def _short(text: str, n: int = 160) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= n else text[: n - 1] + "…"


RESERVE_NAME = ".space-reserve"
RESERVE_BYTES = 512 * 1024


def reserve_space(run_dir: Path) -> None:
    """A ballast file in the run folder: released to write the final record when the stages
    filled the disk, so a failed run never stays ``running``. No room for it: no ballast."""
    try:
        (Path(run_dir) / RESERVE_NAME).write_bytes(b"\0" * RESERVE_BYTES)
    except OSError:
        release_space(run_dir)


def release_space(run_dir: Path) -> None:
    (Path(run_dir) / RESERVE_NAME).unlink(missing_ok=True)


def write_final_record(record: dict, run_dir: Path) -> None:
    """run.json with the run's outcome; on a full disk the ballast is released and it is tried
    once more."""
    try:
        write_record(record, run_dir)
    except OSError:
        release_space(run_dir)
        write_record(record, run_dir)


def _sha256(path: Path) -> str:
    import hashlib

    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _remove_temp_files(*folders: Path) -> None:
    """Temporary files of atomic writes (``.NAME.XXXXXXXX.tmp``...) left by a killed runner."""
    import re

    temp = re.compile(r"^\..+\.\w{6,}\.(tmp|parquet)$")
    for folder in folders:
        if folder.is_dir():
            for path in folder.iterdir():
                if temp.match(path.name) and path.is_file():
                    path.unlink(missing_ok=True)


def _snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    if not folder.exists():
        return {}
    return {str(p.relative_to(folder)): (p.stat().st_mtime_ns, p.stat().st_size)
            for p in folder.rglob("*") if p.is_file() and not p.name.startswith(".")}


def _changed(folder: Path, before: dict, run_dir: Path) -> list[str]:
    after = _snapshot(folder)
    rel = folder.relative_to(run_dir)
    return sorted(f"{rel.as_posix()}/{k}" for k, v in after.items() if before.get(k) != v)


def _mark_failure(nb_in: Path, nb_out: Path, failure: Failure, exc: BaseException) -> None:
    """Make the failure visible in the kept notebook when papermill could not (dead kernel,
    timeout, kernel that never started). papermill's own error cells already mark cell errors."""
    if type(exc).__name__ == "PapermillExecutionError" and nb_out.exists():
        return
    try:
        nb = nbformat.read(str(nb_out if nb_out.exists() else nb_in), as_version=4)
    except Exception:  # noqa: BLE001
        return
    nb.cells = [c for c in nb.cells if ERROR_TAG not in c.get("metadata", {}).get("tags", [])]
    text = (f"<span style=\"color:#a40e26;font-size:1.4em\">This stage failed: "
            f"<b>{_html(failure.ename)}</b>: {_html(_short(failure.evalue, 500))}</span><br>"
            f"{_html(failure.reason)}. Cells below ran until the failure; later ones did not run.")
    cell = nbformat.v4.new_markdown_cell(text)
    cell.metadata["tags"] = [ERROR_TAG]
    nb.cells.insert(0, cell)
    write_notebook(nb, nb_out)


def _html(text: Any) -> str:
    import html

    return html.escape(str(text))


def run_pipeline(params: Mapping[str, Any] | None = None, *, resume: str | None = None,
                 **options: Any) -> RunResult:
    """The runner in one call: ``run_pipeline({"lake": "..."}, runs_dir="runs", stages=[...])``."""
    runner = Runner(RunOptions(**options))
    return runner.resume(resume, params) if resume else runner.run(params)
