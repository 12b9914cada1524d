#!/usr/bin/env python
"""Generate the six stage notebooks in notebooks/ (run it after editing this file; commit both).

The notebooks are written WITHOUT outputs or execution counts and with stable cell ids, so a
regeneration only shows real changes in review. Each has ONE cell tagged ``parameters`` (the
contract the runner inspects with papermill), markdown that explains, and a few calls into
``nba_simulator``: the logic lives in the package (``pipeline.stage``, ``health``, ``plots``).

    python scripts/make_notebooks.py            # write notebooks/
    python scripts/make_notebooks.py --check    # exit 1 if notebooks/ differ from this script
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import nbformat

OUT = Path(__file__).resolve().parents[1] / "notebooks"

SETUP = """\
from typing import Optional

import pandas as pd
from IPython.display import HTML, Markdown, display

from nba_simulator import plots
from nba_simulator.pipeline.stage import open_stage

pd.set_option("display.max_colwidth", 60)
pd.set_option("display.max_columns", 30)"""

COMMON_PARAMS = """\
run_dir: str = ""  # the run folder (nba-recon run sets it); empty: standalone, in a scratch folder
spec: str = "demo"  # lake spec YAML; "demo": the demo lake's spec; "default": the real bucket's
lake: str = "demo"  # local folder or s3://bucket/prefix; "demo": the demo lake (built on first use)
schedule: str = ""  # builtin, or a CSV/Parquet schedule file; empty: the one the spec names
as_of: str = "2019-03-15"  # the analysis date YYYY-MM-DD; every time rule is evaluated at it"""

OPEN = """\
stage = open_stage({name!r}, run_dir=run_dir, spec=spec, lake=lake, schedule=schedule, as_of=as_of)
stage.describe()"""

MODES = """\
**Ways to run this notebook.** In JupyterLab (`make lab`) it runs on its own with the defaults
below: on the demo lake, recomputing what earlier stages would have produced. `nba-recon run`
runs it as a stage of the pipeline: it then reads the files earlier stages wrote in
`run_dir/data/`. With papermill alone: `papermill {name}.ipynb out.ipynb -p lake s3://bucket/raw`."""


def md(text: str, *tags: str):
    return ("markdown", text.strip("\n"), tags)


def code(text: str, *tags: str):
    return ("code", text.strip("\n"), tags)


def params(extra: str = ""):
    return ("code", (COMMON_PARAMS + ("\n" + extra.strip("\n") if extra else "")), ("parameters",))


#: cell tags the HTML rendering honours (nba_simulator.pipeline.render): for notebook readers only
HIDE = "html-hide"                 # the whole cell is left out of the HTML
HIDE_OUTPUT = "html-hide-output"   # its outputs are left out of the HTML


NOTEBOOKS: dict[str, list] = {}

NOTEBOOKS["00_health_check"] = [
    md("""
# 0 · Health check

Can a reconciliation run at all? Before the scan spends minutes listing the lake, this stage
checks everything it depends on, one row per check, **ok / warn / fail**:

* the **spec** and the **schedule** are valid (and the schedule covers the spec's seasons);
* the **lake** is reachable and listable, and holds the spec's folders;
* the **credentials** can read an object (listing and reading are separate permissions);
* the **database** answers, when one is configured (the `database` parameter, or the spec's
  `database:` section), and the **run history** database (a warning only: the run goes on,
  unrecorded);
* there is enough **free disk** and the **output folder** is writable;
* the **previous runs**: when did one last succeed? (A health check that says "healthy" while no
  run has succeeded for a day is lying.)

With `fail_fast` (the default) a failing check stops the run here, with the check's own error
(an access error is not retried; a throttled S3 is).
"""),
    md(MODES.format(name="00_health_check"), HIDE),
    code(SETUP),
    params("""
fail_fast: bool = True  # stop the run when a check fails
min_free_gb: float = 1.0  # free disk below this fails, below twice this warns
database: str = ""  # the user's database URL (no password: it comes from the environment); empty: $NBA_RECON_DATABASE_URL, else the spec's database.url
history: str = ""  # run history database URL; empty: $NBA_RECON_HISTORY_URL, the spec's database.history, else sqlite:///<runs dir>/history.db; "off": none
max_run_age_hours: float = 26.0  # warn when the last successful run is older than this
"""),
    code(OPEN.format(name="00_health_check")),
    md("## Checks"),
    code("""
# papermill_description=00_health_check:checks
from nba_simulator.health import run_checks

report = run_checks(spec=stage.spec_path, lake=stage.lake, schedule=stage.schedule_source,
                    out_dir=stage.data_dir, database_url=database or None, min_free_gb=min_free_gb,
                    runs_dir=stage.runs_dir(), now=stage.run_started(),
                    max_run_age_hours=max_run_age_hours, history=history)
stage.write_table("health.parquet", report.table)
plots.health_table(report.table)
"""),
    code("""
# papermill_description=00_health_check:verdict
display(plots.verdict(report.status, {"ok": "Every check passed.",
                                      "warn": "Usable, with warnings: read them above.",
                                      "fail": "Not usable: " + ", ".join(report.failed) + "."}[report.status]))
if fail_fast:
    report.raise_for_failures()
"""),
]

NOTEBOOKS["01_scan"] = [
    md("""
# 1 · Scan the lake

What **do** we have? This stage lists the lake into an *inventory*: one row per object with its
key, size, modification time and ETag. The top-level folders are listed in parallel (every
ListObjectsV2 page followed to the end: no 1,000-key ceiling); the spec's `exclude` folders
(`inventory-reports/`, `athena-results/`, `backups/`, `ml-models/`) are never listed nor counted.

`sample` lists only a deterministic fraction of the expected items' key prefixes: fewer LIST
calls, and every number downstream is then marked as an **estimate** over the sampled items.
"""),
    md(MODES.format(name="01_scan"), HIDE),
    code(SETUP),
    params("""
sample: Optional[float] = None  # list only this fraction (0..1] of the lake; numbers become estimates
workers: int = 8  # parallel listings
"""),
    code(OPEN.format(name="01_scan")),
    code("""
# papermill_description=01_scan:list
from nba_simulator.reconcile import scan_lake

inventory, scan_info = scan_lake(stage.spec, stage.lake, schedule=stage.schedule, as_of=stage.as_of,
                                 sample=sample, workers=workers)
stage.write_table("inventory.parquet", inventory)
stage.write_json("scan_info.json", scan_info)
plots.scan_table(scan_info)
"""),
    md("## What the lake holds, by top-level folder"),
    code("""
# papermill_description=01_scan:folders
plots.folder_table(inventory)
"""),
]

NOTEBOOKS["02_coverage"] = [
    md("""
# 2 · Coverage: HAVE vs SHOULD

What **should** we have? The schedule (one row per game) times the spec (which datasets, per game,
per date or per season, in which seasons) gives the *expected items*, each with the exact keys it
may live under. Each is matched to the inventory by its full key, and gets a status, in this order:
**missing**, **undersized** (smaller than the dataset's `min_bytes`: e.g. a 154-byte header-only
file), **empty** (with `probe`: the file fails its dataset's `content` rule, e.g. a 700 KB page
with no plays), **premature** (captured before its game ended), **stale** (a current-season file
not refreshed within `freshness_days`), else **present**. Items the schedule cannot key (no ESPN
id for that game) are **unmapped**: counted apart, never as missing.

Completeness is counted over **game ids**, not file counts. When the spec has a `database:`
section, the user's tables are checked against the same expected games (see the end).
"""),
    md(MODES.format(name="02_coverage"), HIDE),
    code(SETUP),
    params("""
top: int = 10  # rows in the worst-seasons table
probe: bool = False  # read the objects and check them against the spec's content rules (status empty)
probe_sample: Optional[float] = None  # probe only this deterministic fraction (0..1] of the objects; counts become estimates
probe_max_objects: Optional[int] = None  # read at most this many objects this run (cached ones are free)
probe_max_bytes: Optional[int] = None  # read at most this many bytes this run
probe_workers: int = 16  # parallel reads of the probe
database: str = ""  # the user's database URL (no password: it comes from the environment); empty: $NBA_RECON_DATABASE_URL, else the spec's database.url
"""),
    code(OPEN.format(name="02_coverage")),
    code("""
# papermill_description=02_coverage:match
from nba_simulator.coverage import build_coverage, overall

inventory, scan_info = stage.inventory()
cov = build_coverage(stage.spec, stage.schedule, inventory, stage.as_of, scan_info.get("sample"))
content = None
if probe:  # read the objects: present by name is not present in substance (ETag-cached across runs)
    cov, content = stage.probe(cov, inventory, sample=probe_sample, max_objects=probe_max_objects,
                               max_bytes=probe_max_bytes, workers=probe_workers)
stage.write_coverage(cov, scan_info, content)
display(plots.headline(overall(cov.coverage), estimate=bool(scan_info.get("sample"))))
plots.status_table(cov.coverage)
"""),
    md("## Completeness by dataset and season"),
    code("""
# papermill_description=02_coverage:heatmap
plots.completeness_heatmap(cov.completeness)
"""),
    md("## Worst seasons\n\nThe dataset × season cells furthest from complete."),
    code("""
plots.worst_seasons(cov.completeness, top)
"""),
    md("""
## Object sizes

Files below the dataset's `min_bytes` (red line) count as **undersized**: a scraper saved an
error page or an empty shell. Per-season files (hoopR) are few and large.
"""),
    code("""
# papermill_description=02_coverage:sizes
plots.size_distribution(cov.coverage, stage.spec)
"""),
    md("""
## Orphans, unparsed keys and duplicates

*Orphan*: a key that parses for a dataset but matches no expected item (a game id not in the
schedule, a file under the wrong season folder). *Unparsed*: a key that matches no dataset and is
not excluded. *Duplicates*: an expected item found under more than one layout (old `pbp/` and new
`espn_play_by_play/`).
"""),
    code("""
plots.orphan_table(cov.orphans, cov.duplicates, cov.warnings)
"""),
    md("""
## Files present but empty

With `probe` (`nba-recon run -p probe true`), each item's best object is read (whole JSON, the
head of a CSV, the footer of a Parquet file) and checked against its dataset's `content` rule;
an object that fails makes its item **empty**. Outcomes are cached by ETag beside the runs, so an
unchanged object is never read twice; `probe_sample` and the `probe_max_*` budget bound a run
(what they leave out is counted as *unprobed*, never passed silently).
"""),
    code("""
# papermill_description=02_coverage:content
if content is None:
    display(Markdown("Not probed in this run (`probe` is off): a file counts by its name and size."))
else:
    from nba_simulator.content.plots import content_bars, content_table

    display(content_bars(content.datasets))
    display(content_table(content.datasets).set_index("dataset"))
"""),
    md("""
## Each game across the sources

One game has a different id in every source (NBA Stats, ESPN, Basketball-Reference); the schedule
carries all three, so each per-game dataset's status can be lined up game by game. A column with
green in one row and red (missing) or purple (empty) in another is a game one source lacks while
another has it: the scrapers are sent there first. `empty` (a file present by name and size that
holds no plays) is only known with `probe`; without it a file counts as present.
"""),
    code("""
# papermill_description=02_coverage:matrix
from nba_simulator.content import cross_source_gaps, game_matrix
from nba_simulator.content.plots import matrix_strip

matrix = game_matrix(cov.coverage, stage.schedule)
stage.write_table("matrix.parquet", matrix.wide)
display(matrix_strip(matrix))
cross_source_gaps(matrix).head(top)
"""),
    md("""
## The database: loaded, empty, or loaded without its raw file

When the spec has a `database:` section (see docs/database.md), the user's tables are compared
with the same expected games, in set-based SQL: per table and season, games **absent**, games
with no rows (**empty**), rows without a games row, a usable raw file in the lake **not loaded**,
and rows **loaded without a raw file**. Written to `db_coverage.parquet` and `db_problems.parquet`.
"""),
    code("""
# papermill_description=02_coverage:database
if stage.spec.database is None:
    display(Markdown("No database configured: the spec has no `database:` section."))
else:
    from nba_simulator.database.db_coverage import run_db_coverage, write_db_coverage

    db = run_db_coverage(stage.spec, stage.as_of, url=stage.database_url(database),
                         schedule=stage.schedule, lake_coverage=cov.coverage)
    write_db_coverage(db, stage.data_dir)
    display(plots.db_coverage_tables(db, top))
"""),
]

NOTEBOOKS["03_gaps"] = [
    md("""
# 3 · Gaps, with priorities

Problem items (missing, undersized, empty, premature or stale) grouped into **gaps** a person
(or a scraper) can act on: one dataset, one season,
one status, and one run of consecutive scheduled dates (days without games do not break a run).
Each gap gets a priority from the spec's `priorities` rules, evaluated at `as_of`: the first rule
that matches wins (by default CRITICAL for required data of games that ended in the last three
days, HIGH for the current season, MEDIUM for the previous one, LOW for older seasons).
"""),
    md(MODES.format(name="03_gaps"), HIDE),
    code(SETUP),
    params("""
top: int = 15  # rows in the top-gaps table
calendar_seasons: int = 2  # seasons shown on the gaps calendar (the most recent with problems)
"""),
    code(OPEN.format(name="03_gaps")),
    code("""
# papermill_description=03_gaps:find
from nba_simulator.gaps import find_gaps

cov = stage.coverage()
gaps = find_gaps(stage.spec, cov.coverage, cov.completeness, stage.as_of)
stage.write_table("gaps.parquet", gaps)
plots.gap_counts(gaps)
"""),
    md("## Top gaps"),
    code("""
plots.top_gaps(gaps, top)
"""),
    md("## Gaps on the calendar"),
    code("""
# papermill_description=03_gaps:calendar
plots.gaps_calendar(cov.coverage, max_seasons=calendar_seasons)
"""),
]

NOTEBOOKS["04_tasks"] = [
    md("""
# 4 · Collection tasks

Gaps cut into batches a scraper can act on. Each task names the scraper, the action (collect,
recollect, refresh) and the exact **game ids, dates and expected keys** to produce. A task's id is
a hash of what it asks for, so the same gap gives the same task id on every run (a scheduler can
deduplicate). Tasks are ordered by priority, newest games first, and capped per priority as the
spec's `tasks` section says; what a cap leaves out is counted below, never silently lost. When
the coverage stage probed the files' content, within a priority the tasks whose games another
source has come first (a game another source holds surely happened and has data).
"""),
    md(MODES.format(name="04_tasks"), HIDE),
    code(SETUP),
    params("""
top: int = 25  # rows of the task queue shown
"""),
    code(OPEN.format(name="04_tasks")),
    code("""
# papermill_description=04_tasks:queue
from nba_simulator.pipeline.stage import probed
from nba_simulator.tasks import task_queue

coverage = stage.coverage().coverage
queue = task_queue(stage.spec, stage.gaps(), coverage if probed(coverage) else None)
stage.write_json("tasks.json", {"as_of": stage.as_of_ts.strftime("%Y-%m-%d"), "tasks": queue.tasks,
                                "capped": queue.capped})
plots.task_counts(queue.tasks, queue.capped)
"""),
    md("## The task queue"),
    code("""
plots.task_table(queue.tasks, top)
"""),
    code("""
# papermill_description=04_tasks:scrapers
plots.tasks_by_scraper(queue.tasks)
"""),
]

NOTEBOOKS["05_summary"] = [
    md("""
# NBA data lake reconciliation

What we should have, what we have, and what to collect next: the summary of one reconciliation
run. Completeness counts expected items (games, dates, seasons) found with a good file, not
file counts.
"""),
    md(MODES.format(name="05_summary"), HIDE),
    code(SETUP),
    params("""
top: int = 10  # rows in the top-gaps table
trend_runs: int = 60  # past runs shown in the completeness trend
history: str = ""  # run history database URL; empty: $NBA_RECON_HISTORY_URL, the spec's database.history, else sqlite:///<runs dir>/history.db; "off": none
"""),
    code(OPEN.format(name="05_summary"), HIDE_OUTPUT),
    code("""
# papermill_description=05_summary:summarize
from nba_simulator.content import cross_source_gaps, game_matrix
from nba_simulator.reconcile import summarize

cov, gaps, queue = stage.coverage(), stage.gaps(), stage.task_queue()
summary = summarize(stage.spec, stage.as_of, cov, gaps, queue, stage.scan_info())
matrix = game_matrix(cov.coverage, stage.schedule)
content = stage.content()
if content is not None:   # the coverage stage probed the files' content
    summary["content"] = {**content.summary(), "cross_source_gaps": int(len(cross_source_gaps(matrix)))}
stage.write_json("summary.json", summary)
display(plots.headline(summary["totals"], estimate=summary["estimate"], summary=summary))
"""),
    md("## Completeness by dataset"),
    code("""
plots.dataset_table(summary)
"""),
    code("""
# papermill_description=05_summary:heatmap
plots.completeness_heatmap(cov.completeness)
"""),
    md("## What to collect next\n\nThe highest-priority gaps, and the tasks queued for the scrapers."),
    code("""
display(plots.gap_counts(gaps))
plots.top_gaps(gaps, top)
"""),
    code("""
# papermill_description=05_summary:calendar
plots.gaps_calendar(cov.coverage, max_seasons=1)
"""),
    md("""
## Files present but empty

Files that exist by name and size but fail their dataset's content rule (a page with no plays),
per dataset, when the coverage stage probed them (`-p probe true`).
"""),
    code("""
# papermill_description=05_summary:content
if content is None:
    display(Markdown("Not probed in this run: a file counts by its name and size."))
else:
    from nba_simulator.content.plots import content_table

    display(content_table(content.datasets).set_index("dataset"))
"""),
    md("""
## Games one source lacks and another has

Per pair of datasets: how many games the column's dataset has and the row's lacks (a game
another source has surely happened and has data: the best place to send a scraper first).
"""),
    code("""
# papermill_description=05_summary:cross_source
from nba_simulator.content import pair_counts
from nba_simulator.content.plots import cross_source_heatmap

cross_source_heatmap(pair_counts(matrix))
"""),
    md("""
## Since the last run

This run is recorded in the run history database: its coverage per dataset and season, its gaps,
and every problem item and task. A problem item is *new* when the run before did not find it, and
*fixed* when this run finds present what an earlier run found missing or broken; a task stays
*open* until none of its items is a problem any more (*resolved*), so nothing is collected twice.
"""),
    code("""
# papermill_description=05_summary:record
from nba_simulator.pipeline.runhistory import open_run_history

hist = open_run_history(stage, history)   # engine, schema, CloudWatch setting of the history
hist.record(summary, cov, gaps, queue)    # status "running": the runner closes it after the run
display(hist.banner())
"""),
    md("### New problems since the last run"),
    code("""
plots.table_or_note(hist.new_since_last_run(), "No new problem since the last run.")
"""),
    md("### Fixed since the last run"),
    code("""
plots.table_or_note(hist.fixed_since_last_run(), "Nothing fixed since the last run.")
"""),
    md("### Tasks: open, resolved, superseded"),
    code("""
plots.table_or_note(hist.task_lifecycle(), "No task recorded.")
"""),
    md("## Trend over past runs"),
    code("""
# papermill_description=05_summary:trend
plots.completeness_trend(hist.trend(trend_runs))
"""),
    code("""
# papermill_description=05_summary:trend_datasets
hist.completeness_by_dataset()
"""),
    code("""
# papermill_description=05_summary:new_vs_fixed
hist.new_vs_fixed()
"""),
    md("## About this run"),
    code("""
plots.run_details(stage, summary)
"""),
]


def build(name: str, cells: list) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata = {
        "kernelspec": {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"},
        "language_info": {"name": "python"},
    }
    for i, (kind, text, tags) in enumerate(cells):
        if kind == "markdown":
            cell = nbformat.v4.new_markdown_cell(text)
        else:
            cell = nbformat.v4.new_code_cell(text)
            cell.outputs, cell.execution_count = [], None
        if tags:
            cell.metadata["tags"] = list(tags)
        cell["id"] = f"{name[:2]}-{i:02d}"
        nb.cells.append(cell)
    nbformat.validate(nb)
    return nb


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--check", action="store_true", help="only compare; exit 1 when out of date")
    args = ap.parse_args(argv)
    stale = []
    for name, cells in NOTEBOOKS.items():
        text = nbformat.writes(build(name, cells)) + "\n"
        path = args.out / f"{name}.ipynb"
        if args.check:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                stale.append(path.name)
            continue
        args.out.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    if stale:
        print(f"out of date (run scripts/make_notebooks.py): {', '.join(stale)}", file=sys.stderr)
        return 1
    if not args.check:
        print(f"wrote {len(NOTEBOOKS)} notebooks to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
