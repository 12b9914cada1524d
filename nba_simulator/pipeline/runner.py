"""Run the stage notebooks in sequence with papermill: ``runs/<run_id>/NN_name.ipynb``.

One run::

    runs/.lock, runs/.lock.json      one run at a time (see lock.py)
    runs/index.html                  every run
    runs/<run_id>/run.json           the record (record.py), rewritten after every stage
    runs/<run_id>/NN_name.ipynb      each executed notebook (a failed one keeps its error)
    runs/<run_id>/NN_name.html       each rendered with code hidden
    runs/<run_id>/report.html        the summary stage (or, on failure, what failed and where)
    runs/<run_id>/data/              what the stages hand each other (reconcile's file names)

This module is the loop (a new run, a resumed one, a killed one closed); its steps are modules
of their own: plan.py (stages, options, parameters validated before anything runs), execute.py
(one stage with papermill), rundir.py (the run folder's bookkeeping), pages.py (the HTML pages),
record.py and runhistory.py (the run's record and history).
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nba_simulator import settings
from nba_simulator.errors import ParameterError

from . import params as P
from . import plan
from .execute import KERNEL_ARGS, StageJob, run_stage
from .kernel_pool import KernelPool, warm_enabled
from .lock import RunsLock
from .pages import Renderer, render_stage_page, submit_stage_page, update_index, write_report
from .plan import (
    DEFAULT_RETRIES,
    DEFAULT_TIMEOUT,
    FINGERPRINTED,
    KERNEL_NAME,
    STAGES,
    SUMMARY_STAGE,
    RunOptions,
    default_notebooks_dir,
    fingerprint,
    new_run_id,
    select_stages,
    utc_now,
)
from .record import library_versions, new_stage, read_record, redact, write_record
from .render import REPORT_NAME, run_failure
from .retry import Failure
from .rundir import first_damaged, headline_numbers, release_space, remove_temp_files, reserve_space, write_final_record
from .runhistory import close_run

__all__ = [
    "DEFAULT_RETRIES",
    "DEFAULT_TIMEOUT",
    "KERNEL_NAME",
    "STAGES",
    "SUMMARY_STAGE",
    "RunOptions",
    "RunResult",
    "Runner",
    "default_notebooks_dir",
    "new_run_id",
    "run_pipeline",
    "select_stages",
    "utc_now",
]


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
        self._pool: KernelPool | None = None
        self._renderer = Renderer(parallel=False)
        self._last_stage = False

    # ---------------------------------------------------------------- parameters, before anything
    def notebooks(self, stages: Sequence[str]) -> dict[str, Path]:
        return plan.notebooks(self.notebooks_dir, stages)

    def declared(self, stages: Sequence[str]) -> dict[str, P.Param]:
        return plan.declared(self.notebooks_dir, stages)

    def prepare(
        self, stages: Sequence[str], given: Mapping[str, Any], base: Mapping[str, Any] | None = None
    ) -> tuple[dict[str, P.Param], dict[str, Any]]:
        """Validate ``given`` and return (declared, the full parameter values of the run)."""
        plan.refuse_runner_params(given)
        decl = self.declared(stages)
        return decl, plan.run_values(decl, given, base)

    # ---------------------------------------------------------------- entry points
    def run(self, given: Mapping[str, Any] | None = None) -> RunResult:
        settings.check()  # a bad NBA_RECON_* value: one error before anything runs, not one per stage
        stages = select_stages(self.o.stages)
        decl, values = self.prepare(stages, dict(given or {}))
        plan.check_runs_dir(self.runs_dir)
        started = utc_now()
        run_id = new_run_id(started)
        with RunsLock(self.runs_dir, run_id, started.isoformat(timespec="seconds")) as lock:
            self._recover(lock)
            run_dir = self.runs_dir / run_id
            (run_dir / "data").mkdir(parents=True)
            values["run_dir"] = str(run_dir)
            record = {
                "run_id": run_id,
                "status": "running",
                "started": started.isoformat(timespec="seconds"),
                "finished": None,
                "duration_s": None,
                "parameters": redact(values),
                "stages": [new_stage(s, f"{s}.ipynb") for s in stages],
                "fingerprint": fingerprint(values),
                "notebooks_dir": str(self.notebooks_dir),
                "kernel": self.o.kernel_name,
                "timeout_s": self.o.timeout,
                "max_attempts": 1 + max(0, self.o.retries),
                "versions": library_versions(),
                "headline": None,
                "report": None,
                "resumed": [],
            }
            return self._execute(run_dir, record, decl, values, 0, time.monotonic())

    def resume(self, run_id: str, given: Mapping[str, Any] | None = None) -> RunResult:
        settings.check()
        run_id = plan.check_run_id(run_id, self.runs_dir)
        run_dir = self.runs_dir / run_id
        if not (run_dir / "run.json").is_file():
            raise ParameterError(f"no run {run_id!r} in {self.runs_dir} (no run.json)")
        try:
            record = read_record(run_dir)
            stages = [s["name"] for s in record["stages"]]
            base = {k: v for k, v in record["parameters"].items() if k != "run_dir"}
        except (ValueError, KeyError, TypeError, AttributeError, OSError) as exc:
            raise ParameterError(
                f"{run_dir / 'run.json'}: not a run record this runner can resume ({type(exc).__name__}: {exc})"
            ) from None
        if record.get("run_id") not in (None, run_id):
            raise ParameterError(
                f"{run_dir / 'run.json'} is the record of run {record.get('run_id')!r}, "
                f"not {run_id!r}: it was copied from elsewhere"
            )
        decl, values = self.prepare(stages, dict(given or {}), base=base)
        values["run_dir"] = str(run_dir)
        plan.check_runs_dir(self.runs_dir)
        earlier = record.get("fingerprint")
        if isinstance(earlier, dict):
            now = fingerprint(values)
            differ = [k for k in FINGERPRINTED if k in earlier and earlier.get(k) != now.get(k)]
            if differ:
                what = "; ".join(f"{k}: was {earlier.get(k)!r}, now {now.get(k)!r}" for k in differ)
                raise ParameterError(
                    f"cannot resume run {run_id} with a different {', '.join(differ)} ({what}): start a new run"
                )
        started = utc_now()
        with RunsLock(self.runs_dir, run_id, started.isoformat(timespec="seconds")) as lock:
            self._recover(lock)
            record = read_record(run_dir)  # _recover may have just closed it
            remove_temp_files(run_dir, run_dir / "data")
            n = len(record["stages"])
            first = next((i for i, s in enumerate(record["stages"]) if s["status"] != "succeeded"), n)
            damaged = first_damaged(run_dir, record["stages"][:first], self.o.echo)
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
                        {k: st.get(k) for k in ("status", "start", "duration_s", "attempts", "error")}
                    )
                st.pop("checksums", None)
                st.update({k: v for k, v in new_stage(st["name"], st["notebook"]).items()})
            record.setdefault("resumed", []).append(
                {
                    "at": started.isoformat(timespec="seconds"),
                    "from_stage": record["stages"][first]["name"] if first < n else None,
                    "changed": sorted(k for k in (given or {})),
                }
            )
            record.update(
                status="running",
                finished=None,
                parameters=redact(values),
                notebooks_dir=str(self.notebooks_dir),
                versions=library_versions(),
            )
            prior = float(record.get("duration_s") or 0.0)
            return self._execute(run_dir, record, decl, values, first, time.monotonic() - prior)

    # ---------------------------------------------------------------- the loop
    def _recover(self, lock: RunsLock) -> None:
        """A stale lock means a killed run: close its record so nobody waits for it."""
        stale = lock.stale
        if not stale or not stale.get("run_id"):
            return
        run_dir = self.runs_dir / str(stale["run_id"])
        self.o.echo(f"recovered a stale lock: run {stale['run_id']} (pid {stale.get('pid')}) is no longer running")
        remove_temp_files(self.runs_dir, run_dir, run_dir / "data")
        try:
            record = read_record(run_dir)
        except Exception:  # noqa: BLE001 - nothing to close
            return
        if record.get("status") != "running":
            return
        for st in record["stages"]:
            if st["status"] == "running":
                st["status"] = "failed"
                st["error"] = {
                    "ename": "Interrupted",
                    "evalue": f"the runner (pid {stale.get('pid')}) died during this stage",
                    "transient": True,
                    "reason": "killed run (resume it)",
                    "cell_index": None,
                }
            elif st["status"] == "pending":
                st["status"] = "skipped"
        record["status"] = "failed"
        write_record(record, run_dir)
        # killed after the summary stage recorded it: the history must not say "running" forever
        close_run(record, run_dir, record.get("parameters") or {}, self.runs_dir, self.o.echo)

    def _execute(
        self, run_dir: Path, record: dict, decl: dict[str, P.Param], values: dict[str, Any], first: int, t0: float
    ) -> RunResult:
        warm = self.o.warm_kernels if self.o.warm_kernels is not None else warm_enabled()
        # warm: kernels started ahead of need (kernel_pool.py), HTML rendered while the next stage runs
        self._renderer = Renderer(parallel=warm)
        self._pool = (
            KernelPool(self.o.kernel_name, run_dir, KERNEL_ARGS, zygote=self.o.zygote)
            if warm and first < len(record["stages"])
            else None
        )
        try:
            write_record(record, run_dir)
            reserve_space(run_dir)  # room for the final record when the stages fill the disk
            try:
                return self._run_stages(run_dir, record, decl, values, first, t0)
            finally:
                release_space(run_dir)
        finally:
            if self._pool is not None:
                self._pool.close()
            self._renderer.close()
            self._pool = None

    def _run_stages(
        self, run_dir: Path, record: dict, decl: dict[str, P.Param], values: dict[str, Any], first: int, t0: float
    ) -> RunResult:
        echo = self.o.echo
        update_index(self.runs_dir, echo)
        failed: str | None = None
        stages = record["stages"]
        for i, st in enumerate(stages[:first]):
            # a run killed while a finished stage's HTML was still being rendered (background):
            # render it now, on resume
            if st.get("status") == "succeeded" and not st.get("html") and (run_dir / f"{st['name']}.ipynb").exists():
                render_stage_page(run_dir, record, st, echo, f"[{i + 1}/{len(stages)}]")
        try:
            for i, st in enumerate(stages):
                if i < first:
                    continue
                if failed:
                    st["status"] = "skipped"
                    continue
                self._last_stage = i == len(stages) - 1
                tag = f"[{i + 1}/{len(stages)}]"
                job = StageJob(
                    self.notebooks_dir / f"{st['name']}.ipynb", run_dir, st, P.for_stage(decl, values, st["name"]), tag
                )
                ok = run_stage(
                    self.o, job, save=lambda: write_record(record, run_dir), pool=self._pool, last=self._last_stage
                )
                submit_stage_page(self._renderer, run_dir, record, st, tag, echo)
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
            record.update(
                status="failed",
                finished=utc_now().isoformat(timespec="seconds"),
                duration_s=round(time.monotonic() - t0, 3),
            )
            write_final_record(record, run_dir)
            update_index(self.runs_dir, echo)
            raise
        self._renderer.collect(block=True)  # every stage's HTML (the report copies the summary's)
        record["status"] = "failed" if failed else "succeeded"
        record["finished"] = utc_now().isoformat(timespec="seconds")
        record["duration_s"] = round(time.monotonic() - t0, 3)
        record["headline"] = headline_numbers(run_dir)
        record["failure"] = run_failure(record) if failed else None
        if failed:  # the outcome first: on a full disk the pages below may not fit, the record must
            write_final_record(record, run_dir)
        if failed:  # the pages again: the skipped stages have none, their links go grey
            for st in stages:
                if st["status"] in ("succeeded", "failed"):
                    render_stage_page(run_dir, record, st, echo)
        report = write_report(run_dir, record, echo)
        record["report"] = report.name if report else None
        write_record(record, run_dir)
        close_run(record, run_dir, values, self.runs_dir, echo)
        update_index(self.runs_dir, echo)
        return RunResult(record["run_id"], run_dir, record["status"], record, report, failed)


def run_pipeline(params: Mapping[str, Any] | None = None, *, resume: str | None = None, **options: Any) -> RunResult:
    """The runner in one call: ``run_pipeline({"lake": "..."}, runs_dir="runs", stages=[...])``."""
    runner = Runner(RunOptions(**options))
    return runner.resume(resume, params) if resume else runner.run(params)
