"""Imported by a warm kernel at start-up (see :mod:`.warm`): the modules the stage notebooks use,
loaded before a stage needs them. Binds nothing in the kernel's user namespace (the start-up line
deletes the name of this module). A module that fails to import is skipped: the stage that needs
it will raise the error itself, where it is reported."""
from __future__ import annotations

import importlib
import os
import threading
import time


def _exit_with_parent(parent: int) -> None:  # pragma: no cover - runs in the kernel
    """ipykernel watches its parent only once started, i.e. after these imports: a runner killed
    meanwhile (SIGKILL) must not leave this kernel behind."""
    while True:
        time.sleep(0.5)
        if os.getppid() != parent:
            os._exit(1)


if not os.environ.get("NBA_RECON_ZYGOTE"):   # the zygote (zygote.py) watches its runner itself
    # the runner's pid as jupyter_client gave it (read now, os.getppid() would already name init
    # if the runner died while this kernel started)
    _parent = int(os.environ.get("JPY_PARENT_PID") or 0) or os.getppid()
    threading.Thread(target=_exit_with_parent, args=(_parent,), name="exit-with-parent",
                     daemon=True).start()

MODULES = (
    "numpy", "pandas", "pyarrow", "pyarrow.parquet", "pyarrow.compute", "yaml", "IPython.display",
    "matplotlib.figure", "matplotlib.colors",
    "nba_simulator.plots", "nba_simulator.pipeline.stage", "nba_simulator.reconcile",
    "nba_simulator.coverage", "nba_simulator.gaps", "nba_simulator.tasks", "nba_simulator.health",
    "nba_simulator.content", "nba_simulator.plots.content", "nba_simulator.database.db_coverage",
    "nba_simulator.pipeline.runhistory", "nba_simulator.storage", "nba_simulator.storage.scan",
)

for _name in MODULES:
    try:
        importlib.import_module(_name)
    except Exception:  # noqa: BLE001 - see the module docstring
        pass
