# %% [markdown]
# # 3 · Gaps, with priorities
#
# Problem items (missing, undersized, empty, premature or stale) grouped into **gaps** a person
# (or a scraper) can act on: one dataset, one season,
# one status, and one run of consecutive scheduled dates (days without games do not break a run).
# Each gap gets a priority from the spec's `priorities` rules, evaluated at `as_of`: the first rule
# that matches wins (by default CRITICAL for required data of games that ended in the last three
# days, HIGH for the current season, MEDIUM for the previous one, LOW for older seasons).

# %% [markdown] tags=["html-hide"]
# **Ways to run this notebook.** In JupyterLab (`make lab`) it runs on its own with the defaults
# below: on the demo lake, recomputing what earlier stages would have produced. `nba-recon run`
# runs it as a stage of the pipeline: it then reads the files earlier stages wrote in
# `run_dir/data/`. With papermill alone: `papermill 03_gaps.ipynb out.ipynb -p lake s3://bucket/raw`.

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
top: int = 15  # rows in the top-gaps table
calendar_seasons: int = 2  # seasons shown on the gaps calendar (the most recent with problems)

# %%
stage = open_stage("03_gaps", run_dir=run_dir, spec=spec, lake=lake, schedule=schedule, as_of=as_of)
stage.describe()

# %%
# papermill_description=03_gaps:find
gaps = stage.run_gaps()
plots.gap_counts(gaps)

# %% [markdown]
# ## Top gaps

# %%
plots.top_gaps(gaps, top)

# %% [markdown]
# ## Gaps on the calendar

# %%
# papermill_description=03_gaps:calendar
plots.gaps_calendar(stage.coverage().coverage, max_seasons=calendar_seasons)
