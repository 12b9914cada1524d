# %% [markdown]
# # NBA data lake reconciliation

# %% [markdown] tags=["html-hide"]
# **Ways to run this notebook.** In JupyterLab (`make lab`) it runs on its own with the defaults
# below: on the demo lake, recomputing what earlier stages would have produced. `nba-recon run`
# runs it as a stage of the pipeline: it then reads the files earlier stages wrote in
# `run_dir/data/`. With papermill alone: `papermill 05_summary.ipynb out.ipynb -p lake s3://bucket/raw`.

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
top: int = 10  # rows in the top-gaps table
trend_runs: int = 60  # past runs shown in the completeness trend
history: str = ""  # run history database URL; empty: $NBA_RECON_HISTORY_URL, the spec's database.history, else sqlite:///<runs dir>/history.db; "off": none

# %% tags=["html-hide-output"]
stage = open_stage("05_summary", run_dir=run_dir, spec=spec, lake=lake, schedule=schedule, as_of=as_of)
stage.describe()

# %%
# papermill_description=05_summary:summarize
from nba_simulator.report.firstscreen import first_screen

summary = stage.run_summary()
cov, gaps, queue = stage.coverage(), stage.gaps(), stage.task_queue()
matrix, content = stage.matrix(), stage.content()  # content: None unless the coverage stage probed
# the answer first: headline numbers, the tasks to run now, what could not be judged, warnings
first_screen(
    summary, queue.tasks, warnings=stage.warnings(summary), capped=queue.capped, capped_items=queue.capped_items
)

# %% [markdown]
# ## Completeness by dataset
#
# What we should have and what we have: expected items (games, dates, seasons) found with a good
# file, not file counts.

# %%
plots.dataset_table(summary)

# %%
# papermill_description=05_summary:heatmap
plots.completeness_heatmap(cov.completeness)

# %% [markdown]
# ## Gaps by priority
#
# The problem items grouped into gaps (one dataset, season and status over consecutive game
# days), with the priority rule that ranked them; every task above comes from one of them.

# %%
display(plots.gap_counts(gaps))
plots.top_gaps(gaps, top)

# %%
# papermill_description=05_summary:calendar
plots.gaps_calendar(cov.coverage, max_seasons=1)

# %% [markdown]
# ## Files present but empty
#
# Files that exist by name and size but fail their dataset's content rule (a page with no plays),
# per dataset, when the coverage stage probed them (`-p probe true`).

# %%
# papermill_description=05_summary:content
if content is None:
    display(Markdown("Not probed in this run: a file counts by its name and size."))
else:
    from nba_simulator.plots.content import content_table

    display(content_table(content.datasets).set_index("dataset"))

# %% [markdown]
# ## Games one source lacks and another has
#
# Per pair of datasets: how many games the column's dataset has and the row's lacks (a game
# another source has surely happened and has data: the best place to send a scraper first).

# %%
# papermill_description=05_summary:cross_source
from nba_simulator.content import pair_counts
from nba_simulator.plots.content import cross_source_heatmap

cross_source_heatmap(pair_counts(matrix))

# %% [markdown]
# ## Since the last run of this lake and spec
#
# This run is recorded in the run history database: its coverage per dataset and season, its gaps,
# and every problem item and task. Runs of another lake or another spec recorded in the same
# history are never compared with this one. A problem item is *new* when the previous run of this
# lake and spec did not find it, and
# *fixed* when this run finds present what an earlier run found missing or broken; a task stays
# *open* until none of its items is a problem any more (*resolved*), so nothing is collected twice.

# %%
# papermill_description=05_summary:record
from nba_simulator.pipeline.runhistory import open_run_history

hist = open_run_history(stage, history)  # engine, schema, CloudWatch setting of the history
hist.record(summary, cov, gaps, queue)  # status "running": the runner closes it after the run
display(hist.banner())

# %% [markdown]
# ### New problems since the last run of this lake and spec

# %%
plots.table_or_note(hist.new_since_last_run(), "No new problem since the last run.")

# %% [markdown]
# ### Fixed since the last run of this lake and spec

# %%
plots.table_or_note(hist.fixed_since_last_run(), "Nothing fixed since the last run.")

# %% [markdown]
# ### Tasks: open, resolved, superseded

# %%
plots.table_or_note(hist.task_lifecycle(), "No task recorded.")

# %% [markdown]
# ## Trend over past runs
#
# Runs of this lake judged by this spec, by `as_of`; runs of another lake or spec are drawn apart.

# %%
# papermill_description=05_summary:trend
# completeness by as_of, per dataset, new vs fixed: this lake and spec only (one sentence with one run)
for shown in hist.trend_section(trend_runs):
    display(shown)

# %% [markdown]
# ## About this run

# %%
plots.run_details(stage, summary)
