"""Imported by a warm kernel at start-up (see :mod:`.kernel_pool`): the modules the stage
notebooks use, loaded before a stage needs them. Binds nothing in the kernel's user namespace (the
start-up line deletes the name of this module). A module that fails to import is skipped: the
stage that needs it raises the error itself, where it is reported.

ipykernel watches its parent only once it has started, i.e. after these imports: a runner killed
meanwhile (SIGKILL) must not leave the kernel behind, so the watchdog starts first (the zygote,
which imports this module too, watches its runner itself)."""

from __future__ import annotations

import importlib

from .. import settings
from .lifeline import exit_with_parent, parent_pid

if not settings.is_set("NBA_RECON_ZYGOTE_OF"):  # (set in the zygote's own environment only)
    exit_with_parent(parent_pid())

MODULES = (
    "numpy",
    "pandas",
    "pyarrow",
    "pyarrow.parquet",
    "pyarrow.compute",
    "pyarrow.dataset",
    "yaml",
    "IPython.display",
    "matplotlib.figure",
    "matplotlib.colors",
    "nba_simulator.plots",
    "nba_simulator.pipeline.stage",
    "nba_simulator.reconcile",
    "nba_simulator.coverage",
    "nba_simulator.gaps",
    "nba_simulator.tasks",
    "nba_simulator.health",
    "nba_simulator.content",
    "nba_simulator.plots.content",
    "nba_simulator.database.db_coverage",
    "nba_simulator.pipeline.runhistory",
    "sqlalchemy.dialects.sqlite",
    "nba_simulator.storage",
    "nba_simulator.storage.scan",
)

for _name in MODULES:
    try:
        importlib.import_module(_name)
    except Exception:  # noqa: BLE001 - see the module docstring
        pass
