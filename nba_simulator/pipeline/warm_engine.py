"""The papermill engine ``nba-warm``: papermill's own nbclient engine, run on a kernel started
ahead of need (:mod:`.kernel_pool`), with the output notebook's saves throttled.

* It is registered through papermill's public engine registry (and the ``papermill.engine``
  entry point, :mod:`.engine_entry`).
* The kernel reaches nbclient the documented way: ``papermill.execute_notebook(..., km=km)``
  passes ``km`` through papermill's ``NBClientEngine`` to ``nbclient.NotebookClient(km=...)``.
  One kernel serves one notebook: it is shut down when the notebook ends, whatever happened.
* :class:`ThrottledSaves` is papermill's execution manager saving at the start, at the end and at
  most every ``NBA_RECON_SAVE_EVERY`` seconds between, instead of twice per cell. papermill
  builds its manager inside ``Engine.execute_notebook``, so that method is written again here
  (ten lines; ``compat.py`` lists it and ``tests/test_compat.py`` checks papermill's own
  still does what this copy does).
"""

from __future__ import annotations

import time
from contextlib import contextmanager

from papermill.engines import NBClientEngine, NotebookExecutionManager, papermill_engines

from .. import settings
from .kernels import shutdown

ENGINE_NAME = "nba-warm"


class ThrottledSaves(NotebookExecutionManager):
    """papermill's execution manager, saving the output notebook at the start, at the end (also
    after an error, a timeout or a dead kernel: papermill's ``notebook_complete``) and, in
    between, at most every ``save_every`` seconds instead of at every cell's start and end. Every
    save goes through the secret-scrubbing atomic handler (nbio.py) and costs a parse, a mask and
    a serialisation of the whole notebook (its plots included): twice per cell, that was more CPU
    than most cells. A runner killed during a stage leaves that stage's notebook as it was at
    most that long before."""

    def __init__(self, nb, *, save_every: float, **kwargs):
        super().__init__(nb, **kwargs)
        self.save_every = save_every
        self._throttled = False
        self._saved_at = float("-inf")

    @contextmanager
    def _per_cell(self):
        """The saves papermill asks for inside (at every cell's start and end) are throttled."""
        self._throttled = True
        try:
            yield
        finally:
            self._throttled = False

    def cell_start(self, cell, cell_index=None, **kwargs):
        with self._per_cell():
            return super().cell_start(cell, cell_index, **kwargs)

    def cell_complete(self, cell, cell_index=None, **kwargs):
        with self._per_cell():
            return super().cell_complete(cell, cell_index, **kwargs)

    def save(self, **kwargs):
        if self._throttled and time.monotonic() - self._saved_at < self.save_every:
            return None
        self._saved_at = time.monotonic()
        return super().save(**kwargs)


class WarmEngine(NBClientEngine):
    """papermill's nbclient engine on a kernel started in advance (``km=``, or one taken from
    ``pool=``, a :class:`.kernel_pool.KernelPool`); without either, on a kernel nbclient starts."""

    @classmethod
    def execute_notebook(
        cls, nb, kernel_name, output_path=None, progress_bar=True, log_output=False, autosave_cell_every=30, **kwargs
    ):
        # papermill's Engine.execute_notebook, with ThrottledSaves for its manager (compat.py)
        nb_man = ThrottledSaves(
            nb,
            save_every=settings.get("NBA_RECON_SAVE_EVERY"),
            output_path=output_path,
            progress_bar=progress_bar,
            log_output=log_output,
            autosave_cell_every=autosave_cell_every,
        )
        nb_man.notebook_start()
        try:
            cls.execute_managed_notebook(nb_man, kernel_name, log_output=log_output, **kwargs)
        finally:
            nb_man.cleanup_pbar()
            nb_man.notebook_complete()
        return nb_man.nb

    @classmethod
    def execute_managed_notebook(cls, nb_man, kernel_name, km=None, pool=None, **kwargs):
        if km is None and pool is not None:
            km = pool.take()
        try:
            return super().execute_managed_notebook(nb_man, kernel_name, km=km, **kwargs)
        finally:
            if km is not None:  # one kernel, one notebook (nbclient leaves a given km running)
                shutdown(km)


papermill_engines.register(ENGINE_NAME, WarmEngine)
