"""nba_simulator/pipeline/preload.py, what a warm kernel imports at start-up: the stage notebooks'
modules, and no name left behind. (Its lifeline is tested in test_lifeline.py; the kernels'
namespaces in test_warm.py.)"""

from __future__ import annotations

import os
import sys
import threading


def test_preload_imports_the_stage_modules(monkeypatch):
    # as in the zygote: no lifeline thread in this (test) process
    monkeypatch.setenv("NBA_RECON_ZYGOTE_OF", str(os.getpid()))
    before = {t.name for t in threading.enumerate()}
    import nba_simulator.pipeline.preload as preload

    assert "exit-with-parent" not in {t.name for t in threading.enumerate()} - before
    assert preload.MODULES and all(name in sys.modules for name in preload.MODULES)
    assert "nba_simulator.pipeline.stage" in preload.MODULES


def test_the_start_up_line_binds_no_name(monkeypatch):
    from nba_simulator.pipeline.kernel_pool import PRELOAD_LINE

    namespace: dict = {}
    monkeypatch.setenv("NBA_RECON_ZYGOTE_OF", str(os.getpid()))
    exec(PRELOAD_LINE, namespace)
    assert [k for k in namespace if k != "__builtins__"] == []
