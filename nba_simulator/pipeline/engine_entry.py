"""papermill's entry point for the warm engine (``papermill -e nba-warm``, group ``papermill.engine``).

papermill loads every registered engine while ``import papermill`` itself runs. If that entry point
named :class:`nba_simulator.pipeline.warm_engine.WarmEngine` directly, a program whose first import is
``nba_simulator.pipeline.warm_engine`` would crash: it imports papermill, papermill loads the entry
point, and the entry point asks for a class of the half-imported module. So the entry point
is this module, which imports nothing at load time: :class:`WarmEngine` here hands each call of
papermill's engine interface to the real engine, imported on first use (by then papermill is
whole). Importing :mod:`~nba_simulator.pipeline.warm_engine` also registers the real class under the same
name through papermill's public registry, replacing this stand-in.
"""

from __future__ import annotations


def _engine():
    from .warm_engine import WarmEngine  # deferred on purpose: see the module's docstring

    return WarmEngine


class WarmEngine:
    """Stand-in for :class:`nba_simulator.pipeline.warm_engine.WarmEngine` with papermill's engine interface."""

    @classmethod
    def execute_notebook(cls, nb, kernel_name, **kwargs):
        return _engine().execute_notebook(nb, kernel_name, **kwargs)

    @classmethod
    def nb_kernel_name(cls, nb, name=None):
        return _engine().nb_kernel_name(nb, name)

    @classmethod
    def nb_language(cls, nb, language=None):
        return _engine().nb_language(nb, language)
