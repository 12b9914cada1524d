# %% [markdown]
# # 1 · Scan the lake
#
# What **do** we have? This stage lists the lake into an *inventory*: one row per object with its
# key, size, modification time and ETag. The top-level folders are listed in parallel (every
# ListObjectsV2 page followed to the end: no 1,000-key ceiling); the spec's `exclude` folders
# (`inventory-reports/`, `athena-results/`, `backups/`, `ml-models/`) are never listed nor counted.
#
# `sample` lists only a deterministic fraction of the expected items' key prefixes: fewer LIST
# calls, and every number downstream is then marked as an **estimate** over the sampled items.
# With an S3 Inventory (the spec's `inventory:` section) its newest delivery is read instead of
# listing; `stream` reads it batch by batch straight into the inventory file (a 100M-object
# bucket in about 1 GiB), and the coverage stage then streams over that file too.

# %% [markdown] tags=["html-hide"]
# **Ways to run this notebook.** In JupyterLab (`make lab`) it runs on its own with the defaults
# below: on the demo lake, recomputing what earlier stages would have produced. `nba-recon run`
# runs it as a stage of the pipeline: it then reads the files earlier stages wrote in
# `run_dir/data/`. With papermill alone: `papermill 01_scan.ipynb out.ipynb -p lake s3://bucket/raw`.

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
sample: Optional[float] = None  # list only this fraction (0..1] of the lake; numbers become estimates
workers: int = 8  # parallel listings
stream: str = "auto"  # an S3 Inventory delivery read batch by batch (bounded memory): yes, no, or auto (above 2 GiB)

# %%
stage = open_stage("01_scan", run_dir=run_dir, spec=spec, lake=lake, schedule=schedule, as_of=as_of)
stage.describe()

# %%
# papermill_description=01_scan:list
inventory, scan_info = stage.run_scan(sample=sample, workers=workers, stream=stream)
plots.scan_table(scan_info)

# %% [markdown]
# ## What the lake holds, by top-level folder

# %%
# papermill_description=01_scan:folders
plots.folder_table(stage.folders())
