"""The run history inside the pipeline (``nba_simulator.database.history``).

* The summary stage (``05_summary``) records the run with :meth:`RunHistory.record`, its status
  ``running``, and draws the trends from the history database: completeness per dataset over
  runs, new vs fixed problem items, what is new and what was fixed since the last run, the task
  lifecycle. It writes ``data/history.json`` (where, redacted, and what was recorded).
* The runner, once the run is over (succeeded or failed), calls :func:`close_run`: the stage
  records and the final status replace the ``running`` ones.

Where the history lives (:func:`open_run_history`): the ``history`` parameter (``nba-recon run
--history URL``), else ``$NBA_RECON_HISTORY_URL``, else the spec's ``database.history``, else
``sqlite:///<runs dir>/history.db``. ``history="off"`` records nothing. Passwords come from the
environment or ``.pgpass`` only; every URL shown goes through ``database.engine.redact``.

A notebook run on its own (no ``run_dir``) records into a scratch history in memory (nothing
is written); with a ``history`` URL it only reads that history. A finished run explored again
(``run_dir`` set by hand) is re-recorded only when it is the latest run of the history (with its
own final status); an older one is shown read-only. When the history database cannot be reached,
the summary says so and draws the completeness trend from the runs' own files
(``pipeline.history_from_files.load_history``); the run itself does not fail.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd

from nba_simulator.database import history as H
from nba_simulator.database.engine import absolute_sqlite, make_engine, redact, scrub
from nba_simulator.database.history import open_history
from nba_simulator.errors import BadInput
from nba_simulator.outputs import read_json, write_json
from nba_simulator.spec import load_spec
from nba_simulator.spec.model import PRIORITIES as PRIORITY_ORDER

from .history_from_files import load_history, summary_scope
from .scratch import resolve_spec

log = logging.getLogger(__name__)

OFF = ("off", "none", "no", "false")
HISTORY_FILE = "history.json"
SCRATCH_URL = "sqlite://"  # in memory: a standalone notebook writes nothing


@dataclass
class RunHistory:
    engine: Any | None
    schema: str | None
    cloudwatch: Any
    url: str  # redacted
    run_id: str
    mode: str  # record | scratch | read-only | off | unavailable
    note: str = ""
    error: str | None = None
    recorded: dict | None = None
    _stage: Any = field(default=None, repr=False)
    _summary: dict | None = field(default=None, repr=False)
    first: bool = False  # the first run of this history: every problem is "new"

    # ------------------------------------------------------------------ state
    @property
    def usable(self) -> bool:
        return self.engine is not None and self.error is None

    def _fail(self, exc: BaseException) -> None:
        self.error = f"{type(exc).__name__}: {scrub(' '.join(str(exc).split()))}"[:500]
        self.mode = "unavailable"
        log.warning("run history %s unavailable: %s", self.url, self.error)

    # ------------------------------------------------------------------ recording
    def record(self, summary: dict, cov, gaps: pd.DataFrame, queue) -> dict | None:
        """Record this run (a ``CoverageResult``, the gaps, the ``TaskQueue``, the summary).
        Returns what changed (``history.record_run``'s answer) or None when not recorded."""
        stage = self._stage
        self._summary = summary
        if self.mode in ("record", "scratch"):
            try:
                record = {} if stage.standalone else _run_record(stage.run_dir)
                status = "succeeded" if stage.standalone else (record.get("status") or "running")
                known = H.runs(self.engine, schema=self.schema)
                if self.run_id in set(known["run_id"]) and self.run_id != known["run_id"].iloc[-1]:
                    self.mode = "read-only"
                    self.note = (
                        f"run {self.run_id} is already in the history and later runs "
                        f"build on it: shown as recorded, not recorded again"
                    )
                else:
                    parts = H.RunParts(
                        summary=summary,
                        coverage=cov.coverage,
                        completeness=cov.completeness,
                        gaps=gaps,
                        tasks=queue.tasks,
                        stages=record.get("stages"),
                        status=status,
                        started_at=record.get("started"),
                    )
                    self.recorded = H.record_run(
                        self.engine, self.run_id, parts=parts, schema=self.schema, cloudwatch=self.cloudwatch
                    )
                    same = self._same_lake_and_spec()
                    self.first = same is not None and same <= {self.run_id}
            except Exception as exc:  # noqa: BLE001 - the history must not fail the run
                self._fail(exc)
        if stage is not None and not stage.standalone:
            write_json(self.as_dict(), stage.path(HISTORY_FILE))
        return self.recorded

    def as_dict(self) -> dict:
        rec = self.recorded or {}
        return {
            "url": self.url,
            "schema": self.schema,
            "run_id": self.run_id,
            "mode": self.mode,
            "recorded": self.recorded is not None,
            "error": self.error,
            **{
                k: rec.get(k)
                for k in (
                    "new_items",
                    "fixed_items",
                    "still_open_items",
                    "tasks_new",
                    "tasks_open",
                    "tasks_resolved",
                    "tasks_superseded",
                    "published",
                )
                if k in rec
            },
        }

    # ------------------------------------------------------------------ what the summary shows
    def banner(self):
        from nba_simulator import plots  # (matplotlib: not in the runner, which only closes the run)

        if self.mode == "off":
            return plots.verdict("warn", "Run history off (history=off): trends from the runs' files only.")
        if self.error:
            return plots.verdict(
                "warn",
                f"Run history {self.url} unavailable, this run is not recorded "
                f"({self.error}); the trend below comes from the runs' own files.",
            )
        where = f"{self.url}" + (f" (schema {self.schema})" if self.schema else "")
        if self.recorded is not None:
            r = self.recorded
            text = (
                f"Recorded in {where}: {r['new_items']:,} problem items new since the last run "
                f"of this lake and spec, "
                f"{r['fixed_items']:,} fixed, {r['still_open_items']:,} still open; "
                f"{r['tasks_open']:,} open tasks ({r['tasks_resolved']:,} resolved by this run)."
            )
            if self.first:
                text += " This is the first run of this lake and spec in this history: every problem it found is new."
            if self.mode == "scratch":
                text += " (Standalone notebook: a scratch history in memory; run the pipeline to keep it.)"
            return plots.verdict("ok", text)
        return plots.verdict("ok", f"Run history {where}, read only. {self.note}".strip())

    def trend(self, limit: int = 60) -> pd.DataFrame:
        """One row per run (``plots.completeness_trend``'s input): from the history database,
        else (history off or unavailable) from the runs' own files."""
        lake, spec = self.scope()
        if self.usable:
            try:
                return H.summary_by_run(self.engine, schema=self.schema, limit=limit, lake=lake, spec=spec)
            except Exception as exc:  # noqa: BLE001
                self._fail(exc)
        stage = self._stage
        summary = self._summary or {}
        runs = load_history(
            stage.runs_dir(),
            current={**summary, "_started": stage.run_started()},
            current_run=stage.run_dir.name,
            limit=limit,
        )
        if summary:  # this lake judged by this spec only (the runs' files hold the lake as given)
            mine = summary_scope(summary)
            runs = runs[[(a, b) == mine for a, b in zip(runs["lake"], runs["spec"])]].reset_index(drop=True)
        return runs

    def scope(self) -> tuple[str | None, str | None]:
        """``(lake, spec)`` of this run as the history recorded them (else as the summary says);
        every view of earlier runs shows only the runs of this pair."""
        if self.usable:
            try:
                runs = H.runs(self.engine, schema=self.schema)
                me = runs[runs["run_id"] == self.run_id]
                if len(me):
                    return me["lake"].iloc[0], me["spec"].iloc[0]
            except Exception:  # noqa: BLE001 - then the summary says
                pass
        if self._summary:
            lake, spec = summary_scope(self._summary)
            return redact(lake) if lake else lake, spec
        return None, None

    def _chart(self, make, query):
        from nba_simulator import plots

        frame = query() if self.usable else pd.DataFrame()
        if frame.empty and not self.usable:
            return plots.Note("No run history database: no trend per dataset.")
        same = self._same_lake_and_spec()
        if same is not None and "run_id" in frame:  # like with like: this lake, judged by this spec
            frame = frame[frame["run_id"].isin(same)]
        if frame["run_id"].nunique() <= 1 if "run_id" in frame else frame.empty:
            return plots.Note(
                "One run of this lake and spec in the history so far: the trend starts with the next run."
            )
        return plots.Plot(*make(frame))

    def _same_lake_and_spec(self) -> set[str] | None:
        """Run ids of the history's runs of this run's lake and spec (None: not known)."""
        try:
            runs = H.runs(self.engine, schema=self.schema)
        except Exception:  # noqa: BLE001 - then every run is shown
            return None
        me = runs[runs["run_id"] == self.run_id]
        if me.empty:
            return None
        lake, spec = me["lake"].iloc[0], me["spec"].iloc[0]
        return set(runs.loc[(runs["lake"] == lake) & (runs["spec"] == spec), "run_id"])

    def trend_section(self, limit: int = 60) -> list:
        """What the summary shows under "Trend": the completeness trend by as_of, per dataset, and
        new vs fixed, for this lake and spec; one sentence instead when there is nothing to draw."""
        from nba_simulator import plots

        shown = [plots.completeness_trend(self.trend(limit)), self.completeness_by_dataset(), self.new_vs_fixed()]
        if all(isinstance(x, plots.Note) for x in shown):
            return shown[:1]
        return [x for x in shown if not isinstance(x, plots.Note)]

    def completeness_by_dataset(self):
        from nba_simulator.database import charts

        lake, spec = self.scope()
        return self._chart(
            charts.completeness_by_dataset,
            lambda: H.completeness_trend(self.engine, schema=self.schema, lake=lake, spec=spec),
        )

    def new_vs_fixed(self):
        from nba_simulator.database import charts

        lake, spec = self.scope()
        return self._chart(
            charts.new_vs_fixed, lambda: H.changes_by_run(self.engine, schema=self.schema, lake=lake, spec=spec)
        )

    def _items(self, fn) -> pd.DataFrame:
        cols = ["dataset", "season", "status", "n_items", "first_date", "last_date"]
        if not self.usable:
            return pd.DataFrame(columns=cols)
        t = fn(self.engine, self.run_id, grouped=True, schema=self.schema)
        for c in ("first_date", "last_date"):
            t[c] = pd.to_datetime(t[c]).dt.strftime("%Y-%m-%d").fillna("")
        return t.rename(columns={"n_items": "items"})

    def new_since_last_run(self) -> pd.DataFrame:
        """Problems this run found that the run before did not, per dataset x season x status."""
        return self._items(H.new_since_last_run)

    def fixed_since_last_run(self) -> pd.DataFrame:
        """Problems of earlier runs that this run found fixed (``status``: the last problem)."""
        return self._items(H.fixed_since_last_run)

    def task_lifecycle(self) -> pd.DataFrame:
        """Tasks of this lake and spec (last issued by one of its runs) per priority and status
        (open, resolved, superseded)."""
        statuses = list(H.TASK_STATUSES)
        if not self.usable:
            return pd.DataFrame(columns=statuses)
        lake, spec = self.scope()
        t = H.tasks(self.engine, schema=self.schema, lake=lake, spec=spec)
        table = pd.crosstab(t["priority"], t["status"]).reindex(
            index=[p for p in PRIORITY_ORDER if p in set(t["priority"])], columns=statuses, fill_value=0
        )
        table.columns.name = None
        if len(table):
            table.loc["all"] = table.sum()
        return table

    def close(self) -> None:
        if self.engine is not None:
            self.engine.dispose()


def _run_record(run_dir: Path) -> dict:
    path = Path(run_dir) / "run.json"
    try:
        return read_json(path) if path.exists() else {}
    except (OSError, ValueError):
        return {}


def open_engine(history: str, spec, runs_dir: Path):
    """``(engine, schema, cloudwatch)`` of a pipeline run's history (see the module doc)."""
    hcfg = getattr(getattr(spec, "database", None), "history", None)
    if hcfg is not None and hcfg.url and getattr(spec, "path", None):
        # a relative SQLite file in the spec is the spec folder's (like its schedule): the stage
        # kernels run inside the run folder, the runner wherever it was started

        url = absolute_sqlite(hcfg.url, Path(spec.path).parent)
        if url != hcfg.url:
            spec = replace(spec, database=replace(spec.database, history=replace(hcfg, url=url)))
    return open_history(history or None, spec=spec, runs_dir=runs_dir)


def open_run_history(stage, history: str = "") -> RunHistory:
    """The run history the summary stage records into and draws its trends from."""
    history = (history or "").strip()
    run_id = stage.run_dir.name
    if history.lower() in OFF:
        return RunHistory(None, None, None, "", run_id, "off", _stage=stage)
    try:
        if stage.standalone and not history:
            engine, schema, cw, mode = make_engine(SCRATCH_URL), None, None, "scratch"
        else:
            runs_dir = stage.runs_dir() or stage.run_dir.parent
            engine, schema, cw = open_engine(history, stage.spec, runs_dir)
            mode = "read-only" if stage.standalone else "record"
    except Exception as exc:
        if isinstance(exc, BadInput) and history:
            raise  # a history URL given by the user that cannot work: say so, do not guess
        h = RunHistory(None, None, None, redact(history), run_id, "unavailable", _stage=stage)
        h._fail(exc)
        return h
    h = RunHistory(engine, schema, cw, redact(engine.url), run_id, mode, _stage=stage)
    if mode == "read-only":
        h.note = "A notebook run on its own does not record into a history it was given."
    return h


def close_run(record: dict, run_dir: Path, values: dict, runs_dir: Path, echo) -> None:
    """After the run: its stage records, final status and end into the history, when the summary
    stage recorded it there (``data/history.json``). A failure is reported, never raised."""
    path = Path(run_dir) / "data" / HISTORY_FILE
    if not path.exists():
        return
    try:
        info = read_json(path)
        if not info.get("recorded") or info.get("mode") != "record":
            return

        spec = load_spec(resolve_spec(str(values.get("spec") or "demo")))
        engine, schema, _ = open_engine(str(values.get("history") or ""), spec, runs_dir)
        try:
            H.record_stages(
                engine,
                record["run_id"],
                record["stages"],
                status=record["status"],
                finished_at=record.get("finished"),
                schema=schema,
            )
        finally:
            engine.dispose()
    except Exception as exc:  # noqa: BLE001 - the run's result stands; the history lags
        echo(f"could not close run {record.get('run_id')} in the run history: {type(exc).__name__}: {scrub(str(exc))}")


def not_recorded(run_dir: Path) -> str | None:
    """Why a run whose summary stage ran was NOT recorded in its run history (None: it was, or
    the history is off, or the summary stage did not run). ``nba-recon run`` then exits 1."""
    path = Path(run_dir) / "data" / HISTORY_FILE
    if not path.exists():
        return None
    try:
        info = read_json(path)
    except Exception as exc:  # noqa: BLE001 - unreadable: say so
        return f"{path} cannot be read ({type(exc).__name__})"
    if not isinstance(info, dict) or info.get("mode") in ("off", "read-only", "scratch") or info.get("recorded"):
        return None
    return f"{info.get('url') or 'the run history'}: {info.get('error') or 'not recorded'}"
