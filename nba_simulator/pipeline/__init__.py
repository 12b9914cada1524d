"""The stage notebooks' runner, after papermill's own layout: one module per concern.

* ``params``  the parameter contract (inspect, validate, coerce) checked before anything runs
* ``runner``  stages in sequence into ``runs/<run_id>/``, resume, a killed run closed
* ``plan``    stages, options and parameter values, settled before anything runs
* ``execute`` one stage with papermill: retried, timed, its outputs recorded
* ``warm``    kernels started ahead (pre-importing the package), HTML rendered in the background
* ``engine_entry`` papermill's entry point for the warm engine (loads in any import order)
* ``zygote``  those kernels forked from one process that imported everything once
* ``rundir``  the run folder's bookkeeping: outputs and checksums, temp files, space kept
* ``pages``   the run's pages written (stage pages, report, index), failures reported
* ``retry``   transient vs permanent failures, exponential backoff with jitter
* ``lock``    one run at a time per runs directory, stale locks recovered
* ``monitor`` the kernel's peak memory and the stage timeout
* ``record``  ``run.json`` (secrets redacted), written atomically
* ``render``  the run's navigation bar, a failed run's ``report.html``, ``runs/index.html``
* ``nbhtml``  a stage notebook's HTML page (converted once per notebook)
* ``stage``   what a notebook calls: its parameters resolved, its inputs read, its outputs written
* ``cli``     ``nba-recon run``
"""
__all__ = ["STAGES", "RunOptions", "RunResult", "Runner", "run_pipeline"]


def __getattr__(name):  # lazy: `import nba_simulator.pipeline.lock` must not pay for papermill
    if name in __all__:
        from . import runner

        return getattr(runner, name)
    raise AttributeError(name)
