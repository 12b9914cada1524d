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
    url = history_url(url, spec=spec, runs_dir=runs_dir)
    return make_engine(url), (hcfg.schema if hcfg else None), (hcfg.cloudwatch if hcfg else None)


def history_url(url: str | None = None, *, spec=None, runs_dir="runs") -> str:
    """The history database's URL, resolved as :func:`open_history` does (nothing opened)."""
    db = getattr(spec, "database", None)
    hcfg = db.history if db is not None else None
    return (
        url
        or settings.get(HISTORY_URL_ENV)
        or (hcfg.url if hcfg else None)
        or f"sqlite:///{Path(runs_dir) / 'history.db'}"
    )


def sqlite_file(url) -> Path | None:
    """The file of a file SQLite URL (None for other databases and in-memory ones)."""
    from sqlalchemy.engine import make_url

    try:
        u = make_url(url)
    except Exception:  # noqa: BLE001 - make_engine says what is wrong with it
        return None
    if u.get_backend_name() != "sqlite" or not u.database or u.database == ":memory:":
        return None
    if u.database.startswith("file:"):  # a SQLite URI (uri=true): file:PATH?mode=ro...
        path = u.database[len("file:") :].split("?", 1)[0]
        return Path(path).expanduser() if path and not path.startswith(":memory:") else None
    return Path(u.database).expanduser()
