# %% [markdown]
# # 0 · Health check
#
# Can a reconciliation run at all? Before the scan spends minutes listing the lake, this stage
# checks everything it depends on, one row per check, **ok / warn / fail**:
#
# * the **spec** and the **schedule** are valid (and the schedule covers the spec's seasons);
# * the **lake** is reachable and listable, and holds the spec's folders;
# * the **credentials** can read an object (listing and reading are separate permissions);
# * the **database** answers, when one is configured (the `database` parameter, or the spec's
#   `database:` section), and the **run history** database (a warning only: the run goes on,
#   unrecorded);
# * there is enough **free disk** and the **output folder** is writable;
# * the **previous runs**: when did one last succeed? (A health check that says "healthy" while no
#   run has succeeded for a day is lying.)
#
# With `fail_fast` (the default) a failing check stops the run here, with the check's own error
# (an access error is not retried; a throttled S3 is).

# %% [markdown] tags=["html-hide"]
# **Ways to run this notebook.** In JupyterLab (`make lab`) it runs on its own with the defaults
# below: on the demo lake, recomputing what earlier stages would have produced. `nba-recon run`
# runs it as a stage of the pipeline: it then reads the files earlier stages wrote in
# `run_dir/data/`. With papermill alone: `papermill 00_health_check.ipynb out.ipynb -p lake s3://bucket/raw`.

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
fail_fast: bool = True  # stop the run when a check fails
min_free_gb: float = 1.0  # free disk below this fails, below twice this warns
database: str = ""  # the user's database URL (no password: it comes from the environment); empty: the spec's database.url, else $NBA_RECON_DATABASE_URL
history: str = ""  # run history database URL; empty: $NBA_RECON_HISTORY_URL, the spec's database.history, else sqlite:///<runs dir>/history.db; "off": none
max_run_age_hours: float = 26.0  # warn when the last successful run is older than this

# %%
stage = open_stage("00_health_check", run_dir=run_dir, spec=spec, lake=lake, schedule=schedule, as_of=as_of)
stage.describe()

# %% [markdown]
# ## Checks

# %%
# papermill_description=00_health_check:checks
from nba_simulator.health import RunChecks, run_checks

run = RunChecks(stage.runs_dir(), stage.run_started(), max_run_age_hours, history) if stage.runs_dir() else None
report = run_checks(
    spec=stage.spec_path,
    lake=stage.lake,
    schedule=stage.schedule_source,
    out_dir=stage.data_dir,
    database_url=database or None,
    min_free_gb=min_free_gb,
    run=run,
)
stage.write_table("health.parquet", report.table)
plots.health_table(report.table)

# %%
# papermill_description=00_health_check:verdict
display(
    plots.verdict(
        report.status,
        {
            "ok": "Every check passed.",
            "warn": "Usable, with warnings: read them above.",
            "fail": "Not usable: " + ", ".join(report.failed) + ".",
        }[report.status],
    )
)
if fail_fast:
    report.raise_for_failures()
