"""The stage notebooks' runner, after papermill's own layout: one module per concern.

* ``params``  the parameter contract (inspect, validate, coerce) checked before anything runs
* ``runner``  stages in sequence into ``runs/<run_id>/``, resume, a killed run closed
* ``plan``    stages, options and parameter values, settled before anything runs
* ``execute`` one stage with papermill: retried, timed, its outputs recorded
* ``kernel_pool`` kernels started ahead of need, one per stage (the engine's one switch)
* ``warm_engine`` papermill's engine ``nba-warm`` on such a kernel, the notebook's saves throttled
* ``engine_entry`` papermill's entry point for the warm engine (loads in any import order)
* ``zygote``  those kernels forked from one process that imported everything once
* ``kernel_stub`` a forked kernel's command (hands the zygote its arguments; stands in for it)
* ``preload`` the imports a warm kernel (or the zygote) makes at start-up
* ``lifeline`` the one parent-death watchdog of those processes
* ``kernels`` the kernel manager (transport encryption) and a kernel's shutdown
* ``rundir``  the run folder's bookkeeping: outputs and checksums, temp files, space kept
* ``pages``   the run's pages written (stage pages, report, index; in the background), failures reported
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
