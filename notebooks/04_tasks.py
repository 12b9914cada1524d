# %% [markdown]
# # 4 · Collection tasks
#
# Gaps cut into batches a scraper can act on. Each task names the scraper, the action (collect,
# recollect, refresh) and the exact **game ids, dates and expected keys** to produce. A task's id is
# a hash of what it asks for, so the same gap gives the same task id on every run (a scheduler can
# deduplicate). Tasks follow **the one order of work** (the order of `tasks.json`, the report and
# `nba-recon history tasks`): by priority, then within a priority the most recent games first, then
# the larger task; the task id breaks ties. They are capped per priority as the spec's `tasks`
# section says; what a cap leaves out is counted below in tasks and in items, never silently lost.
# When the coverage stage probed the files' content, each task counts the games another source has
# (a game another source holds surely happened and has data).

# %% [markdown] tags=["html-hide"]
# **Ways to run this notebook.** In JupyterLab (`make lab`) it runs on its own with the defaults
# below: on the demo lake, recomputing what earlier stages would have produced. `nba-recon run`
# runs it as a stage of the pipeline: it then reads the files earlier stages wrote in
# `run_dir/data/`. With papermill alone: `papermill 04_tasks.ipynb out.ipynb -p lake s3://bucket/raw`.

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
top: int = 25  # rows of the task queue shown

# %%
stage = open_stage("04_tasks", run_dir=run_dir, spec=spec, lake=lake, schedule=schedule, as_of=as_of)
stage.describe()

# %%
# papermill_description=04_tasks:queue
queue = stage.run_tasks()
plots.task_counts(queue.tasks, queue.capped, queue.capped_items)

# %% [markdown]
# ## The task queue

# %%
plots.task_table(queue.tasks, top)

# %%
# papermill_description=04_tasks:scrapers
plots.tasks_by_scraper(queue.tasks)
