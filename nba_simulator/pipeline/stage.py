"""What a stage notebook calls: its parameters resolved, its inputs read, its outputs written.

Two modes, chosen by ``run_dir``:

* **pipeline** (``run_dir`` set, as the runner does): inputs are the files earlier stages wrote
  in ``run_dir/data/`` (reconcile's names: ``inventory.parquet``, ``coverage.parquet``...). A
  missing input is a :class:`BadInput` naming the stage that makes it: nothing is recomputed
  behind the user's back.
* **standalone** (``run_dir=""``, the notebooks' default, for JupyterLab and nbval): inputs are
  computed in memory by calling the library, and outputs go to a scratch folder
  (``$NBA_RECON_HOME`` or ``<tmp>/nba_recon-<uid>/lab``).

``spec="demo"`` / ``lake="demo"`` mean the demo lake, built once into the scratch folder
(``nba_simulator.demo``); ``schedule=""`` means the spec's own schedule.
"""
from __future__ import annotations

import dataclasses
import os
import tempfile
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd

from nba_simulator.errors import BadInput
from nba_simulator.outputs import read_json, read_parquet, write_json, write_parquet

DEMO = "demo"
#: which stage writes each data file (for the "run that stage first" message)
PRODUCERS = {
    "health.parquet": "00_health_check", "inventory.parquet": "01_scan", "scan_info.json": "01_scan",
    "coverage.parquet": "02_coverage", "orphans.parquet": "02_coverage",
    "duplicates.parquet": "02_coverage", "completeness.parquet": "02_coverage",
    "coverage_info.json": "02_coverage", "matrix.parquet": "02_coverage",
    "content.parquet": "02_coverage", "content_info.json": "02_coverage",
    "db_coverage.parquet": "02_coverage", "db_problems.parquet": "02_coverage",
    "gaps.parquet": "03_gaps", "tasks.json": "04_tasks",
    "summary.json": "05_summary", "history.json": "05_summary",
    "schedule.parquet": "01_scan", "schedule_info.json": "01_scan",
}
#: the schedule a run judges against, written by the first stage that needs it
SCHEDULE_FILE, SCHEDULE_INFO = "schedule.parquet", "schedule_info.json"
#: the content probe's cache: beside the runs (shared by every run: an unchanged object is read once)
CONTENT_CACHE = "content_cache.sqlite"


def scratch_root() -> Path:
    env = os.environ.get("NBA_RECON_HOME")
    if env:
        return Path(env)
    uid = os.getuid() if hasattr(os, "getuid") else os.getpid()
    return Path(tempfile.gettempdir()) / f"nba_recon-{uid}"


def _demo_fingerprint() -> str:
    """Changes whenever the demo's builder or spec changes: a cached demo is then rebuilt."""
    import hashlib
    from importlib import resources

    import nba_simulator.demo as demo_module

    h = hashlib.sha256(Path(demo_module.__file__).read_bytes())
    h.update(resources.files("nba_simulator").joinpath("data/demo_spec.yaml").read_bytes())
    return h.hexdigest()[:16]


def ensure_demo(root: Path | None = None):
    """The demo (``lake/``, ``spec.yaml``, ``schedule.csv``), built once under the scratch root
    and rebuilt when the demo's code or spec changed since."""
    import filelock

    from nba_simulator.demo import DEMO_AS_OF, Demo, build_demo

    folder = Path(root or scratch_root() / "demo")
    folder.parent.mkdir(parents=True, exist_ok=True)
    stamp = folder / ".fingerprint"
    with filelock.FileLock(str(folder.parent / ".demo.lock")):
        fingerprint = _demo_fingerprint()
        fresh = (stamp.exists() and stamp.read_text() == fingerprint and (folder / "spec.yaml").exists()
                 and (folder / "lake").is_dir() and (folder / "imperfections.json").exists())
        if not fresh:
            demo = build_demo(folder)
            stamp.write_text(fingerprint)
            return demo
        return Demo(folder, folder / "lake", folder / "spec.yaml", folder / "schedule.csv", DEMO_AS_OF,
                    sum(1 for p in (folder / "lake").rglob("*") if p.is_file()))


@dataclass
class Stage:
    name: str
    run_dir: Path
    spec_path: str
    lake: str
    schedule_source: str | None
    as_of: str
    standalone: bool
    _memo: dict = field(default_factory=dict, repr=False)

    # ------------------------------------------------------------------ inputs of every stage
    @property
    def data_dir(self) -> Path:
        return self.run_dir / "data"

    @cached_property
    def spec(self):
        from nba_simulator.spec import load_spec

        return load_spec(self.spec_path, as_of=self.as_of)

    @cached_property
    def schedule_path(self) -> str:
        from nba_simulator.reconcile import resolve_schedule

        return resolve_schedule(self.spec, self.schedule_source or None)

    @cached_property
    def schedule(self) -> pd.DataFrame:
        """The expected games: the schedule file, the built-in one, (``schedule: db``) the spec's
        ``database.games`` table, or (``schedule: auto``) the packaged history + the newest
        snapshot beside the runs + the lake's scoreboards' ESPN ids.

        In a pipeline run the first stage that needs it builds it once and writes it into
        ``data/`` (``schedule.parquet``, ``schedule_info.json``); later stages read those files,
        so every stage of a run judges against the same games (as ``reconcile`` does)."""
        from nba_simulator.database.db_coverage import schedule_for

        if not self.standalone and self.path(SCHEDULE_FILE).exists() and self.path(SCHEDULE_INFO).exists():
            games = read_parquet(self.path(SCHEDULE_FILE))
            games.attrs["schedule_info"] = read_json(self.path(SCHEDULE_INFO))
            return games
        games = schedule_for(self.spec, self.schedule_path, lake=self.lake, as_of=self.as_of,
                             runs_dir=self.runs_dir())
        if not self.standalone:
            info = games.attrs.get("schedule_info", {})
            self.write_table(SCHEDULE_FILE, games)
            self.write_json(SCHEDULE_INFO, info)
            games = read_parquet(self.path(SCHEDULE_FILE))  # exactly what later stages will read
            games.attrs["schedule_info"] = info
        return games

    @property
    def as_of_ts(self) -> pd.Timestamp:
        from nba_simulator.coverage import as_of_timestamp

        return as_of_timestamp(self.as_of)

    def describe(self) -> pd.DataFrame:
        """The resolved inputs, as a small table for the notebook's first output."""
        from nba_simulator.masking import mask

        rows = [("stage", self.name), ("mode", "standalone" if self.standalone else "pipeline"),
                ("as of", self.as_of), ("lake", mask(str(self.lake))),
                ("spec", self.spec_path), ("schedule", self.schedule_source or "(the spec's)"),
                ("run folder", str(self.run_dir))]
        return pd.DataFrame(rows, columns=["", "value"]).set_index("")

    # ------------------------------------------------------------------ files in data/
    def path(self, name: str) -> Path:
        return self.data_dir / name

    def _need(self, name: str) -> Path:
        path = self.path(name)
        if not path.exists():
            raise BadInput(f"{path}: missing; run stage {PRODUCERS.get(name, '?')} first "
                           f"(or leave run_dir empty to compute it here)")
        return path

    def read_table(self, name: str, columns: list[str] | None = None) -> pd.DataFrame:
        return read_parquet(self._need(name), columns)

    def read_json(self, name: str) -> Any:
        return read_json(self._need(name))

    def write_table(self, name: str, df: pd.DataFrame) -> Path:
        return write_parquet(df, self.path(name))

    def write_json(self, name: str, obj: Any) -> Path:
        return write_json(obj, self.path(name))

    def write_coverage(self, cov, scan_info: dict, content=None) -> None:
        """``02_coverage``'s files, named and shaped as ``nba-recon reconcile`` writes them
        (with ``content``, a ProbeResult: ``content.parquet`` and ``content_info.json`` too)."""
        for name, frame in [("coverage.parquet", cov.coverage), ("orphans.parquet", cov.orphans),
                            ("duplicates.parquet", cov.duplicates),
                            ("completeness.parquet", cov.completeness)]:
            self.write_table(name, frame)
        if content is not None:
            self.write_table("content.parquet", content.table)
            self.write_json("content_info.json", {**content.info, "datasets": content.summary()["datasets"],
                                                  "warnings": content.warnings})
        else:   # a file of an earlier probed attempt must not outlive it
            for name in ("content.parquet", "content_info.json"):
                self.path(name).unlink(missing_ok=True)
        self.write_json("coverage_info.json", {"warnings": cov.warnings, "sample": scan_info.get("sample"),
                                               "probe": content is not None, "unjudged": cov.unjudged,
                                               "schedule": cov.schedule_info})

    # ------------------------------------------------------------------ upstream results
    def inventory(self, sample: float | None = None) -> tuple[pd.DataFrame, dict]:
        """(inventory, scan_info): from ``01_scan``'s files, or scanned now when standalone."""
        if "inventory" not in self._memo:
            if self.standalone:
                from nba_simulator.reconcile import scan_lake

                self._memo["inventory"] = scan_lake(self.spec, self.lake, schedule=self.schedule,
                                                    as_of=self.as_of, sample=sample)
            else:
                self._memo["inventory"] = (self.read_table("inventory.parquet"),
                                           self.read_json("scan_info.json"))
        return self._memo["inventory"]

    def coverage(self):
        """A CoverageResult: from ``02_coverage``'s files, or built now when standalone."""
        from nba_simulator.coverage import CoverageResult, build_coverage

        if "coverage" not in self._memo:
            if self.standalone:
                inventory, info = self.inventory()
                self._memo["coverage"] = build_coverage(self.spec, self.schedule, inventory,
                                                        self.as_of, info.get("sample"))
            else:
                info = self.read_json("coverage_info.json")
                self._memo["coverage"] = CoverageResult(
                    self.read_table("coverage.parquet"), self.read_table("orphans.parquet"),
                    self.read_table("duplicates.parquet"), self.read_table("completeness.parquet"),
                    list(info.get("warnings", [])), list(info.get("unjudged", [])),
                    info.get("schedule"))
        return self._memo["coverage"]

    def gaps(self) -> pd.DataFrame:
        from nba_simulator.gaps import find_gaps

        if "gaps" not in self._memo:
            if self.standalone:
                cov = self.coverage()
                self._memo["gaps"] = find_gaps(self.spec, cov.coverage, cov.completeness, self.as_of)
            else:
                self._memo["gaps"] = self.read_table("gaps.parquet")
        return self._memo["gaps"]

    def task_queue(self):
        from nba_simulator.tasks import TaskQueue, task_queue

        if "tasks" not in self._memo:
            if self.standalone:
                cov = self.coverage().coverage
                self._memo["tasks"] = task_queue(self.spec, self.gaps(), cov if probed(cov) else None)
            else:
                doc = self.read_json("tasks.json")
                self._memo["tasks"] = TaskQueue(list(doc["tasks"]), dict(doc.get("capped", {})))
        return self._memo["tasks"]

    def content(self):
        """The content probe of ``02_coverage`` (a ``ProbeResult`` rebuilt from ``content.parquet``
        and ``content_info.json``), or None when the coverage was not probed."""
        from nba_simulator.content.probe import ProbeResult

        if "content" not in self._memo:
            found = None
            if self.standalone:
                found = self._memo.get("probe")
            elif self.path("content_info.json").exists() and probed(self.coverage().coverage):
                info = dict(self.read_json("content_info.json"))
                datasets = pd.DataFrame(info.pop("datasets", []))
                warnings = list(info.pop("warnings", []))
                found = ProbeResult(self.read_table("content.parquet"), datasets, info, warnings)
            self._memo["content"] = found
        return self._memo["content"]

    def probe(self, cov, inventory: pd.DataFrame, *, sample: float | None = None,
              max_objects: int | None = None, max_bytes: int | None = None, workers: int = 16):
        """``cov`` (a CoverageResult) with its objects checked against the spec's content rules:
        ``(cov', ProbeResult)``, exactly as ``nba-recon reconcile --probe`` does (items whose
        object fails become ``empty``; completeness recounted). The ETag cache lives beside the
        runs (``runs/content_cache.sqlite``), so a daily run reads only what changed."""
        from nba_simulator.content.probe import apply_content, probe_lake
        from nba_simulator.coverage import CoverageResult, completeness

        result = probe_lake(self.spec, self.lake, cov.coverage, inventory, sample=sample,
                            max_objects=max_objects, max_bytes=max_bytes, workers=workers,
                            cache=self.content_cache, as_of=self.as_of)
        checked = apply_content(cov.coverage, result.table)
        cov = dataclasses.replace(cov, coverage=checked, completeness=completeness(checked),
                                  warnings=cov.warnings + result.warnings)
        self._memo.update(coverage=cov, probe=result)
        self._memo.pop("content", None)
        return cov, result

    @staticmethod
    def database_url(database: str = "") -> str | None:
        """The user's database as the pipeline names it: the ``database`` parameter, else
        ``$NBA_RECON_DATABASE_URL`` (as the health check), else None: the spec's
        ``database.url``, else ``$NBA_RECON_DB_URL`` (``run_db_coverage``'s own order)."""
        from nba_simulator.health import DATABASE_ENV

        return database or os.environ.get(DATABASE_ENV) or None

    @property
    def content_cache(self) -> Path:
        return (self.run_dir.parent if not self.standalone else self.run_dir) / CONTENT_CACHE

    def scan_info(self) -> dict:
        return self.inventory()[1]

    def health(self) -> pd.DataFrame | None:
        """The health checks ``00_health_check`` wrote (None when standalone or not run)."""
        if self.standalone or not self.path("health.parquet").exists():
            return None
        return self.read_table("health.parquet")

    def warnings(self, summary: dict) -> list[str]:
        """Every warning of the run with its full text (health checks, spec, schedule, scan,
        unparsed keys, orphans): ``nba_simulator.report.warnings.collect_warnings``."""
        from nba_simulator.report.warnings import collect_warnings

        return collect_warnings(summary, self.health(), self.scan_info())

    def runs_dir(self) -> Path | None:
        """The folder holding this run and its predecessors (None when standalone)."""
        return None if self.standalone else self.run_dir.parent

    def run_started(self) -> str | None:
        """This run's start time, as the runner recorded it (bookkeeping only)."""
        path = self.run_dir / "run.json"
        if self.standalone or not path.exists():
            return None
        return read_json(path).get("started")


def probed(coverage: pd.DataFrame) -> bool:
    """Was this coverage checked by content probing? (``apply_content`` adds the column.)"""
    return "content" in coverage.columns


def resolve_spec(spec: str) -> str:
    """The spec file a ``spec`` parameter means (``demo``: the demo's, built on first use)."""
    return str(ensure_demo().spec) if spec == DEMO else spec


def _resolve(value: str, kind: str, demo) -> str:
    if value == DEMO:
        return str({"spec": demo.spec, "lake": demo.lake, "schedule": demo.schedule}[kind]) if demo else value
    return value


def open_stage(name: str, *, run_dir: str = "", spec: str = DEMO, lake: str = DEMO,
               schedule: str = "", as_of: str = "") -> Stage:
    """The context of one stage notebook, from its parameters."""
    import datetime as dt

    needs_demo = DEMO in (spec, lake, schedule)
    demo = ensure_demo() if needs_demo else None
    if not as_of:
        if not demo:
            raise BadInput("as_of is empty: give the analysis date (YYYY-MM-DD)")
        as_of = demo.as_of
    try:
        dt.date.fromisoformat(str(as_of))
    except ValueError:
        raise BadInput(f"as_of must be a date YYYY-MM-DD, got {as_of!r}") from None
    standalone = not run_dir
    folder = Path(run_dir) if run_dir else scratch_root() / "lab"
    (folder / "data").mkdir(parents=True, exist_ok=True)
    return Stage(name, folder.resolve(), _resolve(spec, "spec", demo), _resolve(lake, "lake", demo),
                 _resolve(schedule, "schedule", demo) or None, str(as_of), standalone)
