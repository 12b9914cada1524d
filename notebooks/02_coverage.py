# %% [markdown]
# # 2 · Coverage: HAVE vs SHOULD
#
# What **should** we have? The schedule (one row per game) times the spec (which datasets, per game,
# per date or per season, in which seasons) gives the *expected items*, each with the exact keys it
# may live under. Each is matched to the inventory by its full key, and gets a status, in this order:
# **missing**, **undersized** (smaller than the dataset's `min_bytes`: e.g. a 154-byte header-only
# file), **empty** (with `probe`: the file fails its dataset's `content` rule, e.g. a 700 KB page
# with no plays), **premature** (captured before its game ended), **stale** (a current-season file
# not refreshed within `freshness_days`), else **present**. Items the schedule cannot key (no ESPN
# id for that game) are **unmapped**: counted apart, never as missing.
#
# Completeness is counted over **game ids**, not file counts. When the spec has a `database:`
# section, the user's tables are checked against the same expected games (see the end).

# %% [markdown] tags=["html-hide"]
# **Ways to run this notebook.** In JupyterLab (`make lab`) it runs on its own with the defaults
# below: on the demo lake, recomputing what earlier stages would have produced. `nba-recon run`
# runs it as a stage of the pipeline: it then reads the files earlier stages wrote in
# `run_dir/data/`. With papermill alone: `papermill 02_coverage.ipynb out.ipynb -p lake s3://bucket/raw`.

# %%
from typing import Optional

import pandas as pd
from IPython.display import HTML, Markdown, display

from nba_simulator import plots
from nba_simulator.pipeline.stage import open_stage

pd.set_option("display.max_colwidth", 60)
pd.set_option("display.max_columns", 30)

# %% tags=["parameters"]
run_dir: str = ""  # the run folder (nba-recon run sets it); empty: standalone, in a scratch folder
spec: str = "demo"  # lake spec YAML; "demo": the demo lake's spec; "default": the real bucket's
lake: str = "demo"  # local folder or s3://bucket/prefix; "demo": the demo lake (built on first use)
schedule: str = ""  # builtin, or a CSV/Parquet schedule file; empty: the one the spec names
as_of: str = ""  # the analysis date YYYY-MM-DD (every time rule is evaluated at it); empty: the demo's date on the demo lake, today (UTC) on any other, as `nba-recon run` picks
top: int = 10  # rows in the worst-seasons table
probe: bool = False  # read the objects and check them against the spec's content rules (status empty)
probe_sample: Optional[float] = (
    None  # probe only this deterministic fraction (0..1] of the objects; counts become estimates
)
probe_max_objects: Optional[int] = None  # read at most this many objects this run (cached ones are free)
probe_max_bytes: Optional[int] = None  # read at most this many bytes this run
probe_workers: int = 16  # parallel reads of the probe
engine: str = "pandas"  # where the coverage's per-object work runs: pandas (here) or dask (a cluster)
scheduler: str = ""  # the Dask scheduler address (tcp://host:8786) for engine dask; empty: a local one
database: str = ""  # the user's database URL (no password: it comes from the environment); empty: the spec's database.url, else $NBA_RECON_DATABASE_URL

# %%
stage = open_stage("02_coverage", run_dir=run_dir, spec=spec, lake=lake, schedule=schedule, as_of=as_of)
stage.describe()

# %%
# papermill_description=02_coverage:match
from nba_simulator.coverage import overall
from nba_simulator.coverage_run import CoverageOptions

# with probe: read the objects, present by name is not present in substance (ETag-cached across runs)
options = CoverageOptions.from_params(
    dict(
        probe=probe,
        probe_sample=probe_sample,
        probe_max_objects=probe_max_objects,
        probe_max_bytes=probe_max_bytes,
        probe_workers=probe_workers,
        engine=engine,
        scheduler=scheduler,
    )
)
result = stage.run_coverage(options)
cov, content, matrix = result.coverage, result.content, result.matrix
scan_info = stage.scan_info()
banner = stage.fit_banner(cov)  # the spec and the lake do not fit: said before any figure
if banner is not None:
    display(banner)
display(plots.headline_tiles(overall(cov.coverage), estimate=bool(scan_info.get("sample"))))
plots.status_table(cov.coverage)

# %% [markdown]
# ## Completeness by dataset and season

# %%
# papermill_description=02_coverage:heatmap
plots.completeness_heatmap(cov.completeness)

# %% [markdown]
# ## Worst seasons
#
# The dataset × season cells furthest from complete.

# %%
plots.worst_seasons(cov.completeness, top)

# %% [markdown]
# ## Object sizes
#
# Files below the dataset's `min_bytes` (red line) count as **undersized**: a scraper saved an
# error page or an empty shell. Per-season files (hoopR) are few and large.

# %%
# papermill_description=02_coverage:sizes
plots.size_distribution(cov.coverage, stage.spec)

# %% [markdown]
# ## Orphans, unparsed keys and duplicates
#
# *Orphan*: a key that parses for a dataset but matches no expected item (a game id not in the
# schedule, a file under the wrong season folder). *Unparsed*: a key that matches no dataset and is
# not excluded. *Duplicates*: an expected item found under more than one layout (old `pbp/` and new
# `espn_play_by_play/`).

# %%
plots.orphan_table(cov.orphans, cov.duplicates, cov.warnings, counts=cov.orphan_counts)

# %% [markdown]
# ## Files present but empty
#
# With `probe` (`nba-recon run -p probe true`), each item's best object is read (whole JSON, the
# head of a CSV, the footer of a Parquet file) and checked against its dataset's `content` rule;
# an object that fails makes its item **empty**. Outcomes are cached by ETag beside the runs, so an
# unchanged object is never read twice; `probe_sample` and the `probe_max_*` budget bound a run
# (what they leave out is counted as *unprobed*, never passed silently).

# %%
# papermill_description=02_coverage:content
if content is None:
    display(Markdown("Not probed in this run (`probe` is off): a file counts by its name and size."))
else:
    from nba_simulator.plots.content import content_bars, content_table

    display(content_bars(content.datasets))
    display(content_table(content.datasets).set_index("dataset"))

# %% [markdown]
# ## Each game across the sources
#
# One game has a different id in every source (NBA Stats, ESPN, Basketball-Reference); the schedule
# carries all three, so each per-game dataset's status can be lined up game by game. A column with
# green in one row and red (missing) or purple (empty) in another is a game one source lacks while
# another has it: the scrapers are sent there first. `empty` (a file present by name and size that
# holds no plays) is only known with `probe`; without it a file counts as present.

# %%
# papermill_description=02_coverage:matrix
from nba_simulator.content import cross_source_gaps
from nba_simulator.plots.content import matrix_strip

display(matrix_strip(matrix))
plots.cross_source_table(cross_source_gaps(matrix), top)

# %% [markdown]
# ## The database: loaded, empty, or loaded without its raw file
#
# When the spec has a `database:` section (see docs/database.md), the user's tables are compared
# with the same expected games, in set-based SQL: per table and season, games **absent**, games
# with no rows (**empty**), rows without a games row, a usable raw file in the lake **not loaded**,
# and rows **loaded without a raw file**. Written to `db_coverage.parquet` and `db_problems.parquet`.

# %%
# papermill_description=02_coverage:database
if stage.spec.database is None:
    display(Markdown("No database configured: the spec has no `database:` section."))
else:
    from nba_simulator.database.db_coverage import run_db_coverage, write_db_coverage

    db = run_db_coverage(
        stage.spec, stage.as_of, url=stage.database_url(database), schedule=stage.schedule, lake_coverage=cov.coverage
    )
    write_db_coverage(db, stage.data_dir)
    display(plots.db_coverage_tables(db, top))
