"""Health check: can a reconciliation run at all, and is the last one recent?

One row per check, ``status`` ok / warn / fail, with a one-line ``detail`` that never carries a
secret (URLs are shown with their password masked). Checks run even after an earlier one failed,
so the table shows everything that is wrong at once; :meth:`HealthReport.raise_for_failures`
then raises the FIRST failure as the error it was (``AccessDenied``, ``SpecError``,
``TransientStorageError``...), so the pipeline runner can tell a retryable failure from one that a
person must fix.

Checks: the spec is valid; the schedule is valid and covers the spec's seasons; the lake is
reachable; it is listable (and holds the spec's folders); credentials can read an object; the
database answers (when one is configured); free disk; the output folder is writable; the previous
runs (a health check that says "healthy" while no run has succeeded for a day is lying:
``pipeline.previous_runs``).
"""

from __future__ import annotations

import importlib.util
import math
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import pandas as pd
import sqlalchemy as sa

from .database.engine import DATABASE_URL_ENV, make_engine, redact
from .database.engine import database_url as resolve_database_url
from .database.user_tables import schedule_from_db
from .errors import ParameterError, ReconError
from .masking import mask_text
from .pipeline.previous_runs import previous_runs
from .pipeline.runhistory import open_engine
from .reconcile import resolve_schedule, schedule_for
from .schedule import load_schedule
from .spec import load_spec
from .storage import open_storage

CHECK_COLUMNS = ["check", "status", "detail", "seconds"]
DATABASE_ENV = DATABASE_URL_ENV


class HealthCheckFailed(ReconError):
    """A health check failed for a reason that is not itself an error of this package."""


@dataclass
class HealthReport:
    rows: list[dict] = field(default_factory=list)
    errors: dict[str, BaseException] = field(default_factory=dict)

    @property
    def table(self) -> pd.DataFrame:
        return pd.DataFrame(self.rows, columns=CHECK_COLUMNS)

    @property
    def failed(self) -> list[str]:
        return [r["check"] for r in self.rows if r["status"] == "fail"]

    @property
    def status(self) -> str:
        statuses = {r["status"] for r in self.rows}
        return "fail" if "fail" in statuses else "warn" if "warn" in statuses else "ok"

    def add(
        self, check: str, status: str, detail: str, seconds: float = 0.0, error: BaseException | None = None
    ) -> None:
        self.rows.append({"check": check, "status": status, "detail": _safe(detail), "seconds": round(seconds, 3)})
        if status == "fail":
            self.errors[check] = error or HealthCheckFailed(f"{check}: {_safe(detail)}")

    def raise_for_failures(self) -> None:
        """Raise the first failed check's own error: its type tells the runner whether a retry
        can help (``AccessDenied``, ``SpecError``: no; ``TransientStorageError``, a database
        ``OperationalError``: yes)."""
        if not self.failed:
            return
        first = self.failed[0]
        err = self.errors[first]
        others = f" (also failing: {', '.join(self.failed[1:])})" if len(self.failed) > 1 else ""
        if isinstance(err, ReconError) and _rebuildable(err):
            raise type(err)(f"health check {first!r} failed: {err}{others}") from err
        err.add_note(f"health check {first!r} failed{others}")
        raise err


def _rebuildable(err: BaseException) -> bool:
    try:
        type(err)("x")
        return True
    except TypeError:
        return False


def _safe(text: Any) -> str:
    return " ".join(mask_text(str(text)).split())


def _one_line(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {' '.join(str(exc).split())}"[:400]


def _timed(report: HealthReport, check: str, fn: Callable[[], tuple[str, str] | str]) -> Any:
    t = time.perf_counter()
    try:
        out = fn()
    except Exception as exc:  # noqa: BLE001 - every failure becomes a row
        report.add(check, "fail", _one_line(exc), time.perf_counter() - t, exc)
        return None
    status, detail = out if isinstance(out, tuple) else ("ok", out)
    report.add(check, status, detail, time.perf_counter() - t)
    return True


@dataclass
class _Context:
    """What the checks share: the run's inputs, and what earlier checks found (``state``)."""

    spec_path: str
    lake: str
    schedule: str | None
    runs_dir: str | Path | None
    state: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RunChecks:
    """The checks of a pipeline run (``nba-recon run``): ``runs_dir`` holds the runs; ``now``
    (ISO start time of this run, from the runner) enables the previous-runs check (none older
    than ``max_run_age_hours``); ``history``: the run history database (the pipeline's
    parameter; "off": not checked)."""

    runs_dir: str | Path
    now: str | None = None
    max_run_age_hours: float = 26.0
    history: str | None = None


def run_checks(
    *,
    spec: str,
    lake: str,
    out_dir: str | Path,
    schedule: str | None = None,
    database_url: str | None = None,
    min_free_gb: float = 1.0,
    run: RunChecks | None = None,
) -> HealthReport:
    """Run every check; with ``run`` (a pipeline run) the runs and the run history too.

    The database checked is ``database_url``, else the spec's ``database.url``, else
    ``$NBA_RECON_DATABASE_URL`` (else the deprecated ``$NBA_RECON_DB_URL``). An unreachable
    history only warns: the run goes on, unrecorded."""
    runs_dir = run.runs_dir if run is not None else None
    report = HealthReport()
    ctx = _Context(spec, lake, schedule, runs_dir)
    _timed(report, "spec valid", lambda: check_spec(ctx))
    _timed(report, "schedule valid", lambda: check_schedule(ctx))
    if not _timed(report, "lake reachable", lambda: check_reachable(ctx)):
        report.add("lake listable", "warn", "not checked: the lake is not reachable")
        report.add("credentials usable", "warn", "not checked: the lake is not listable")
    elif not _timed(report, "lake listable", lambda: check_listable(ctx)):
        report.add("credentials usable", "warn", "not checked: the lake is not listable")
    else:
        _timed(report, "credentials usable", lambda: check_credentials(ctx))
    url = resolve_database_url(database_url, getattr(ctx.state.get("spec"), "database", None))
    _timed(report, "database reachable", lambda: check_database(url))
    if run is not None and str(run.history or "").strip().lower() not in ("off", "none", "no", "false"):
        _timed(report, "history database", lambda: check_history(ctx, run.history))
    _timed(report, "free disk", lambda: check_disk(Path(out_dir), min_free_gb))
    _timed(report, "output writable", lambda: check_writable(Path(out_dir)))
    if run is not None and run.now:
        _timed(
            report,
            "previous runs",
            lambda: previous_runs(Path(run.runs_dir), run.now, run.max_run_age_hours, lake=lake, spec=spec),
        )
    return report


def check_spec(ctx: _Context):
    ctx.state["spec"] = s = load_spec(ctx.spec_path)
    layouts = sum(len(d.layouts) for d in s.datasets)
    return f"{len(s.datasets)} datasets, {layouts} key layouts ({Path(s.path).name})"


def check_schedule(ctx: _Context):
    spec, schedule = ctx.state.get("spec"), ctx.schedule
    if spec is None and not schedule:
        return "warn", "not checked: the spec is invalid and no schedule was given"
    if spec is not None:
        # schedule: db reads the games table; auto: packaged + the runs' snapshot (the lake's
        # scoreboards are read by the scan, not by a health check)
        games = schedule_for(spec, resolve_schedule(spec, schedule), runs_dir=ctx.runs_dir, read_db=schedule_from_db)
    elif schedule == "db":
        return "warn", "not checked: schedule db needs the spec's database section"
    else:
        games = load_schedule(schedule)
    seasons = sorted(games["season"].dropna().unique())
    detail = f"{len(games)} games, seasons {seasons[0]}..{seasons[-1]}" if seasons else "no games"
    if spec is not None:
        absent = sorted({x for d in spec.datasets for x in d.seasons} - set(seasons))
        if absent:
            return "warn", f"{detail}; no games for spec season(s) {_span(absent)}"
    return ("ok" if len(games) else "fail"), detail


def check_reachable(ctx: _Context):
    ctx.state["storage"] = st = open_storage(ctx.lake)
    st.check()
    return f"{st.uri}"


def check_listable(ctx: _Context):
    folders = ctx.state["folders"] = ctx.state["storage"].list_prefixes("")
    if not folders:
        return "warn", "the lake has no top-level folders"
    detail = f"{len(folders)} top-level folders"
    if "spec" in ctx.state:
        tops = {
            d.name: {lay.literal_prefix.split("/")[0] + "/" for lay in d.layouts} for d in ctx.state["spec"].datasets
        }
        absent = [name for name, t in tops.items() if not t & set(folders)]
        if absent:
            return "warn", f"{detail}; no folder for dataset(s) {', '.join(absent)}"
    return detail


def _first_key(st, folders) -> str | None:
    for folder in folders or [""]:
        for batch in st.iter_objects(folder):
            if batch.num_rows:
                return batch.column("key")[0].as_py()
    return None


def check_credentials(ctx: _Context):
    st = ctx.state["storage"]
    kind = "S3" if str(st.uri).startswith("s3://") else "local"
    key = _first_key(st, ctx.state.get("folders"))
    if key is None:
        return "warn", f"{kind}: no object to read"
    st.read(key, 0, 1)
    how = _credential_source() if kind == "S3" else "no credentials needed"
    return f"{kind}: read an object ({how})"


def check_database(url: str | None):
    if not url:
        return f"not configured (set {DATABASE_ENV}, the database parameter or the spec's database.url)"
    _select_one(_with_driver(url))
    return f"reachable: {url}"


def check_history(ctx: _Context, history: str | None):
    engine, _, _ = open_engine(str(history or ""), ctx.state.get("spec"), Path(ctx.runs_dir))
    where = redact(engine.url)
    try:
        _ping(engine)
    except Exception as exc:  # noqa: BLE001 - the history is not worth stopping a run for
        return "warn", f"{where} unreachable, this run will not be recorded: {_one_line(exc)}"
    finally:
        engine.dispose()
    return f"reachable: {where}"


def check_disk(out: Path, min_free_gb: float):
    if not isinstance(min_free_gb, (int, float)) or not math.isfinite(min_free_gb) or min_free_gb < 0:
        raise ParameterError(f"parameter min_free_gb: expected a number of GB >= 0, got {min_free_gb!r}")
    probe = out
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    free = shutil.disk_usage(probe).free / 2**30
    detail = f"{free:.1f} GB free at {probe} (minimum {min_free_gb:g} GB)"
    if free < min_free_gb:
        raise HealthCheckFailed(detail)
    return ("warn" if free < 2 * min_free_gb else "ok"), detail


def check_writable(out: Path):
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=out, prefix=".write-test-") as f:
        f.write(b"ok")
        f.flush()
    return f"{out}"


def _select_one(url) -> None:
    """Connect (password from the environment or .pgpass, 5 s timeout) and ``SELECT 1``."""
    text = str(url)
    engine = make_engine(
        url,
        default=None,
        pool_pre_ping=False,
        connect_args={"connect_timeout": 5} if text.startswith("postgres") else {},
    )
    try:
        _ping(engine)
    finally:
        engine.dispose()


def _ping(engine) -> None:
    """One connection and ``SELECT 1``; the driver's own error (``OperationalError``: transient
    for the runner) when it fails. The details shown go through ``_safe`` (passwords masked)."""
    with engine.connect() as conn:
        conn.execute(sa.text("SELECT 1"))


def _with_driver(url: str) -> str:
    """``postgresql://`` means psycopg 3 to SQLAlchemy 2.1; use psycopg2 when only it is installed."""
    for plain in ("postgresql://", "postgres://"):
        if (
            url.startswith(plain)
            and importlib.util.find_spec("psycopg") is None
            and importlib.util.find_spec("psycopg2") is not None
        ):
            return "postgresql+psycopg2://" + url[len(plain) :]
    return url


def _span(values: list[str]) -> str:
    return values[0] if len(values) == 1 else f"{values[0]}..{values[-1]} ({len(values)})"


def _credential_source() -> str:
    try:
        creds = boto3.session.Session().get_credentials()
        return f"credentials from {creds.method}" if creds else "anonymous"
    except Exception:  # noqa: BLE001 — only a label for the health table; any failure means unknown
        return "credentials in use"
