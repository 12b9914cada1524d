"""What a stage notebook calls: its parameters resolved, its inputs read, its outputs written.

Two modes, chosen by ``run_dir``:

* **pipeline** (``run_dir`` set, as the runner does): inputs are the files earlier stages wrote
  in ``run_dir/data/`` (reconcile's names: ``inventory.parquet``, ``coverage.parquet``...). A
  missing input is a :class:`BadInput` naming the stage that makes it: nothing is recomputed
  behind the user's back.
* **standalone** (``run_dir=""``, the notebooks' default, for JupyterLab and nbval): inputs are
  computed in memory by calling the library, and outputs go to a scratch folder
  (``$NBA_RECON_HOME`` or ``<tmp>/nba_recon-<uid>/lab``, :mod:`nba_simulator.pipeline.scratch`).

``spec="demo"`` / ``lake="demo"`` mean the demo lake, built once into the scratch folder
(``nba_simulator.demo``); ``schedule=""`` means the spec's own schedule.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path

import pandas as pd

from nba_simulator import coverage_run
from nba_simulator.analysis import (
    CoverageStage,
    coverage_files,
    coverage_info,
    gaps_stage,
    probed,
    summary_stage,
    tasks_document,
    tasks_stage,
)
from nba_simulator.asof import as_of_text, parse_as_of
from nba_simulator.content.matrix import game_matrix
from nba_simulator.content.probe import ProbeResult
from nba_simulator.coverage import CoverageResult
from nba_simulator.coverage.stream import KEEP_ORPHANS
from nba_simulator.coverage_run import CoverageOptions, ScannedInventory, StreamOptions
from nba_simulator.database.engine import database_url
from nba_simulator.database.user_tables import schedule_from_db
from nba_simulator.errors import BadInput
from nba_simulator.masking import mask
from nba_simulator.outputs import parquet_batches, read_json, read_parquet, read_parquet_head
from nba_simulator.reconcile import resolve_schedule, schedule_for
from nba_simulator.report.styled_table import shown
from nba_simulator.report.warnings import collect_warnings
from nba_simulator.scan_run import ScanOptions, resolve_inventory, scan_lake
from nba_simulator.spec import load_spec
from nba_simulator.storage.base import INVENTORY_SCHEMA
from nba_simulator.storage.folders import folder_totals
from nba_simulator.tasks import TaskQueue

from .scratch import DEMO, ensure_demo, lab_folder
from .stage_files import SCHEDULE_FILE, SCHEDULE_INFO, StageFiles


@dataclass
class Stage(StageFiles):
    """One stage notebook's context (its files in the run folder: :class:`.stage_files.StageFiles`)."""

    name: str
    run_dir: Path
    spec_path: str
    lake: str
    schedule_source: str | None
    as_of: str
    standalone: bool
    _memo: dict = field(default_factory=dict, repr=False)

    # ------------------------------------------------------------------ inputs of every stage
    @cached_property
    def spec(self):
        return load_spec(self.spec_path, as_of=self.as_of)

    @cached_property
    def schedule_path(self) -> str:
        return resolve_schedule(self.spec, self.schedule_source or None)

    @cached_property
    def schedule(self) -> pd.DataFrame:
        """The expected games: the schedule file, the built-in one, (``schedule: db``) the spec's
        ``database.games`` table, or (``schedule: auto``) the packaged history + the newest
        snapshot beside the runs + the lake's scoreboards' ESPN ids.

        In a pipeline run the first stage that needs it builds it once and writes it into
        ``data/`` (``schedule.parquet``, ``schedule_info.json``); later stages read those files,
        so every stage of a run judges against the same games (as ``reconcile`` does)."""
        if not self.standalone and self.path(SCHEDULE_FILE).exists() and self.path(SCHEDULE_INFO).exists():
            games = read_parquet(self.path(SCHEDULE_FILE))
            games.attrs["schedule_info"] = read_json(self.path(SCHEDULE_INFO))
            return games
        games = schedule_for(
            self.spec,
            self.schedule_path,
            lake=self.lake,
            as_of=self.as_of,
            runs_dir=self.runs_dir(),
            read_db=schedule_from_db,
        )
        if not self.standalone:
            info = games.attrs.get("schedule_info", {})
            self.write_table(SCHEDULE_FILE, games)
            self.write_json(SCHEDULE_INFO, info)
            games = read_parquet(self.path(SCHEDULE_FILE))  # exactly what later stages will read
            games.attrs["schedule_info"] = info
        return games

    @property
    def as_of_ts(self) -> pd.Timestamp:
        return parse_as_of(self.as_of)

    def describe(self) -> pd.DataFrame:
        """The resolved inputs, as a small table for the notebook's first output."""
        rows = [
            ("stage", self.name),
            ("mode", "standalone" if self.standalone else "pipeline"),
            ("as of", self.as_of),
            ("lake", mask(str(self.lake))),
            ("spec", self.spec_path),
            ("schedule", self.schedule_source or "(the spec's)"),
            ("run folder", str(self.run_dir)),
        ]
        return shown(pd.DataFrame(rows, columns=["input", "value"]).set_index("input"), keys=["value"])

    # ------------------------------------------------------------------ each stage, called once
    def run_scan(
        self, sample: float | None = None, workers: int = 8, stream: str = "auto"
    ) -> tuple[pd.DataFrame | None, dict]:
        """``01_scan``: list the lake (``scan_run.scan_lake``); writes the inventory and scan info.

        ``stream`` (as ``reconcile --stream``): an S3 Inventory delivery is read batch by batch
        straight into ``inventory.parquet`` (memory: one batch) when ``"yes"``, or with ``"auto"``
        above ``STREAM_ABOVE_BYTES`` of data files; the inventory is then ``None`` here and
        ``02_coverage`` runs the streamed coverage over that file."""
        mode = CoverageOptions(stream=StreamOptions.parse(stream, "stream")).scan_stream(sample, "stream")
        started = time.perf_counter()
        out = self.path("inventory.parquet")
        streams = bool(mode and resolve_inventory(self.spec)[0])
        inventory, info = scan_lake(
            self.spec,
            self.lake,
            ScanOptions(sample, workers),
            schedule=self.schedule,
            as_of=self.as_of,
            out_path=out if streams else None,
            stream=mode,
        )
        if inventory is None:  # streamed: written to inventory.parquet on the way
            report = info.pop("stream")
            for _batch in report.batches():
                pass
            info.update(
                {
                    "objects": report.objects,
                    "bytes": report.bytes,
                    "streamed": True,
                    "seconds": round(time.perf_counter() - started, 3),
                }
            )
            self.write_json("scan_info.json", info)
        else:
            self.write_files({"inventory.parquet": inventory, "scan_info.json": info})
        self._memo["inventory"] = (inventory, info)
        return inventory, info

    def folders(self) -> pd.DataFrame:
        """What the lake holds per top-level folder (``storage.folders.folder_totals``): of the
        inventory in memory, or of ``inventory.parquet`` read batch by batch when it was streamed."""
        inventory, _ = self.inventory()
        if inventory is not None:
            return folder_totals([inventory])
        return folder_totals(parquet_batches(self._need("inventory.parquet"), columns=["key", "size", "last_modified"]))

    def run_coverage(self, options: CoverageOptions | None = None) -> CoverageStage:
        """``02_coverage``: ``coverage_run.run_coverage`` (as ``nba-recon reconcile`` does) on
        ``01_scan``'s inventory, in memory or streamed from its file; with probe options the ETag
        cache lives beside the runs (a daily run reads only what changed). Writes the stage's files."""
        options = options or CoverageOptions()
        if options.probe is not None:
            options = replace(options, probe=options.probe.with_cache(self.content_cache))
        inventory, info = self.inventory()
        streamed = self._streamed_inventory if inventory is None else None  # streamed by 01_scan
        scanned = ScannedInventory(self.lake, inventory, streamed, self.path("inventory.parquet"), info.get("sample"))
        result = coverage_run.run_coverage(
            self.spec,
            self.schedule,
            scanned,
            self.as_of,
            options,
            orphans_path=self.path("orphans.parquet") if streamed else None,
        )
        files = coverage_files(result.coverage, result.matrix.wide, result.content)
        if streamed:
            del files["orphans.parquet"]  # written whole by the streamed coverage
        self.write_files(files)
        if result.content is None:  # a file of an earlier probed attempt must not outlive it
            for name in ("content.parquet", "content_info.json"):
                self.path(name).unlink(missing_ok=True)
        self.write_json("coverage_info.json", coverage_info(result.coverage, info, result.content))
        self._memo.update(coverage=result.coverage, content=result.content, matrix=result.matrix)
        return result

    def _streamed_inventory(self):
        """The batches of a streamed scan's ``inventory.parquet`` (memory: one batch)."""
        return (
            batch.cast(INVENTORY_SCHEMA)
            for batch in parquet_batches(self._need("inventory.parquet"), columns=INVENTORY_SCHEMA.names)
        )

    def run_gaps(self) -> pd.DataFrame:
        """``03_gaps``: ``analysis.gaps_stage``; writes ``gaps.parquet``."""
        gaps = gaps_stage(self.spec, self.coverage(), self.as_of)
        self.write_table("gaps.parquet", gaps)
        self._memo["gaps"] = gaps
        return gaps

    def run_tasks(self):
        """``04_tasks``: ``analysis.tasks_stage``; writes ``tasks.json``."""
        queue = tasks_stage(self.spec, self.gaps(), self.coverage().coverage)
        self.write_json("tasks.json", tasks_document(self.as_of, queue))
        self._memo["tasks"] = queue
        return queue

    def run_summary(self) -> dict:
        """``05_summary``: ``analysis.summary_stage``; writes ``summary.json``."""
        summary = summary_stage(
            self.spec,
            self.as_of,
            self.coverage(),
            self.gaps(),
            self.task_queue(),
            self.scan_info(),
            self.matrix(),
            self.content(),
        )
        self.write_json("summary.json", summary)
        return summary

    # ------------------------------------------------------------------ upstream results
    def _upstream(self, name: str, run, read):
        """An earlier stage's result, once: computed by its ``run`` (which memoizes it) when
        standalone, else ``read()`` from the files it wrote."""
        if name not in self._memo:
            if self.standalone:
                run()
            else:
                self._memo[name] = read()
        return self._memo[name]

    def inventory(self) -> tuple[pd.DataFrame | None, dict]:
        """(inventory, scan_info): from ``01_scan``'s files, or scanned now when standalone; the
        inventory is ``None`` when the scan streamed it (``scan_info["streamed"]``)."""

        def read():
            info = self.read_json("scan_info.json")
            if info.get("streamed"):  # too big to hold: read batch by batch where it is used
                return None, info
            return self.read_table("inventory.parquet"), info

        return self._upstream("inventory", self.run_scan, read)

    def coverage(self):
        """A CoverageResult: from ``02_coverage``'s files, or built now when standalone."""

        def read():
            info = self.read_json("coverage_info.json")
            counts = info.get("orphan_counts")  # streamed: the file holds every orphan, 100M maybe
            orphans = (
                self.read_table("orphans.parquet")
                if counts is None
                else read_parquet_head(self._need("orphans.parquet"), KEEP_ORPHANS)
            )
            return CoverageResult(
                self.read_table("coverage.parquet"),
                orphans,
                self.read_table("duplicates.parquet"),
                self.read_table("completeness.parquet"),
                list(info.get("warnings", [])),
                list(info.get("unjudged", [])),
                info.get("schedule"),
                orphan_counts=counts,
            )

        return self._upstream("coverage", self.run_coverage, read)

    def matrix(self):
        """Each game across the sources (``content.matrix.GameMatrix``) of the coverage."""
        if "matrix" not in self._memo:
            self._memo["matrix"] = game_matrix(self.coverage().coverage, self.schedule)
        return self._memo["matrix"]

    def gaps(self) -> pd.DataFrame:
        return self._upstream("gaps", self.run_gaps, lambda: self.read_table("gaps.parquet"))

    def task_queue(self):
        def read():
            doc = self.read_json("tasks.json")
            return TaskQueue(list(doc["tasks"]), dict(doc.get("capped", {})), dict(doc.get("capped_items", {})))

        return self._upstream("tasks", self.run_tasks, read)

    def content(self):
        """The content probe of ``02_coverage`` (a ``ProbeResult`` rebuilt from ``content.parquet``
        and ``content_info.json``), or None when the coverage was not probed."""
        if "content" not in self._memo:
            found = None
            if not self.standalone and self.path("content_info.json").exists() and probed(self.coverage().coverage):
                info = dict(self.read_json("content_info.json"))
                datasets = pd.DataFrame(info.pop("datasets", []))
                warnings = list(info.pop("warnings", []))
                found = ProbeResult(self.read_table("content.parquet"), datasets, info, warnings)
            self._memo["content"] = found
        return self._memo["content"]

    def database_url(self, database: str = "") -> str | None:
        """The user's database (``database.engine.database_url``: the ``database`` parameter,
        else the spec's ``database.url``, else ``$NBA_RECON_DATABASE_URL``)."""
        return database_url(database or None, self.spec.database)

    def scan_info(self) -> dict:
        return self.inventory()[1]

    def fit_banner(self, cov):
        """A banner when the spec and the lake do not fit, else None (``standalone.fit_banner``)."""
        from .standalone import fit_banner

        return fit_banner(self.scan_info(), cov, str(self.spec_path))

    def warnings(self, summary: dict) -> list[str]:
        """Every warning of the run with its full text (health checks, spec, schedule, scan,
        unparsed keys, orphans): ``nba_simulator.report.warnings.collect_warnings``."""
        return collect_warnings(summary, self.health(), self.scan_info())


def _resolve(value: str, kind: str, demo) -> str:
    if value == DEMO:
        return str({"spec": demo.spec, "lake": demo.lake, "schedule": demo.schedule}[kind]) if demo else value
    return value


def open_stage(
    name: str, *, run_dir: str = "", spec: str = DEMO, lake: str = DEMO, schedule: str = "", as_of: str = ""
) -> Stage:
    """The context of one stage notebook, from its parameters (on its own: see
    :func:`standalone_choice`)."""
    notes: list[str] = []
    if not run_dir:
        from nba_simulator.asof import today_utc

        from .standalone import standalone_choice

        spec, as_of, notes = standalone_choice(spec, lake, as_of, today=today_utc())
        for note in notes:
            print(f"note: {note}")
    needs_demo = DEMO in (spec, lake, schedule)
    demo = ensure_demo() if needs_demo else None
    if not as_of:
        if not demo:
            raise BadInput("as_of is empty: give the analysis date (YYYY-MM-DD)")
        as_of = demo.as_of
    as_of = as_of_text(as_of)
    standalone = not run_dir
    folder = Path(run_dir) if run_dir else lab_folder()
    (folder / "data").mkdir(parents=True, exist_ok=True)
    return Stage(
        name,
        folder.resolve(),
        _resolve(spec, "spec", demo),
        _resolve(lake, "lake", demo),
        _resolve(schedule, "schedule", demo) or None,
        str(as_of),
        standalone,
    )
