"""Where the run history lives: the URL given, the environment, the spec, or the runs folder."""
from __future__ import annotations

from pathlib import Path

from ... import settings
from ..engine import HISTORY_URL_ENV, make_engine


def open_history(url: str | None = None, *, spec=None, runs_dir="runs"):
    """``(engine, schema, cloudwatch)`` of the history database: ``url``, else
    ``$NBA_RECON_HISTORY_URL``, else the spec's ``database.history``, else
    ``sqlite:///<runs_dir>/history.db``. ``cloudwatch`` is the spec's setting (None: off).
    The caller disposes of the engine."""
    db = getattr(spec, "database", None)
    hcfg = db.history if db is not None else None
    url = (url or settings.get(HISTORY_URL_ENV) or (hcfg.url if hcfg else None)
           or f"sqlite:///{Path(runs_dir) / 'history.db'}")
    return make_engine(url), (hcfg.schema if hcfg else None), (hcfg.cloudwatch if hcfg else None)
