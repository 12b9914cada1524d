"""Engines from URLs, with passwords kept out of every message, log line and output file.

``sqlite:///runs/history.db`` is the embedded default (its folder is created);
``postgresql+psycopg2://user@host:5432/db`` is production. Write the URL WITHOUT a password: it
comes from the environment — ``NBA_RECON_DB_PASSWORD`` (added to the URL in memory only) or
libpq's own ``PGPASSWORD`` — or from ``~/.pgpass`` (``PGPASSFILE``), which libpq reads itself.
A password written in the URL works too, but is a secret in a file.

Wherever a URL is shown, it goes through :func:`nba_simulator.masking.mask`
(``postgresql+psycopg2://user:***@host/db``; :func:`redact` is its name here).
Engines are created with ``hide_parameters=True``, so SQLAlchemy's error messages never carry
bound values, and connection errors are re-raised as :class:`DatabaseUnavailable` with the
password scrubbed from the driver's message.
"""

from __future__ import annotations

import logging
import warnings
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from .. import settings
from ..deadline import seconds
from ..errors import BadInput, ReconError
from ..masking import REDACTED, mask, mask_text, register, secret_values  # noqa: F401 - REDACTED re-exported

log = logging.getLogger(__name__)

DEFAULT_HISTORY_URL = "sqlite:///runs/history.db"
PASSWORD_ENV = "NBA_RECON_DB_PASSWORD"
HISTORY_URL_ENV = "NBA_RECON_HISTORY_URL"
#: the user's database (``database:`` section; ``schedule: db``; the health check)
DATABASE_URL_ENV = "NBA_RECON_DATABASE_URL"
#: its former name, still read (with a DeprecationWarning) when the new one is not set
DEPRECATED_DATABASE_URL_ENV = "NBA_RECON_DB_URL"


def database_url(given: str | None = None, config=None, *, required: str | None = None) -> str | None:
    """The user's database URL, resolved the one way every entry point uses: ``given`` (an
    option or parameter), else the spec's ``database.url`` (``config``: its ``database``
    section), else ``$NBA_RECON_DATABASE_URL``, else the deprecated ``$NBA_RECON_DB_URL``.
    ``required``: the option to name in the :class:`BadInput` raised when none is set
    (else None is returned)."""
    found = given or getattr(config, "url", None) or settings.get(DATABASE_URL_ENV)
    if not found and settings.get(DEPRECATED_DATABASE_URL_ENV):
        warnings.warn(
            f"${DEPRECATED_DATABASE_URL_ENV} is deprecated: set ${DATABASE_URL_ENV}", DeprecationWarning, stacklevel=2
        )
        found = settings.get(DEPRECATED_DATABASE_URL_ENV)
    if not found and required:
        raise BadInput(f"no database URL: give {required}, set ${DATABASE_URL_ENV}, or database.url in the spec")
    return found or None


class DatabaseUnavailable(ReconError):
    """The database cannot be reached (refused, timed out, authentication failed)."""

    transient = True


def redact(url: Any) -> str:
    """A URL (string or SQLAlchemy URL) safe to show: :func:`nba_simulator.masking.mask`."""
    return "" if url is None else mask(url)


def scrub(text: str, *secrets: str | None) -> str:
    """``text`` masked (:func:`nba_simulator.masking.mask_text`), ``secrets`` too."""
    return mask_text(str(text), [s for s in secrets if s])


def absolute_sqlite(url: str, base=None) -> str:
    """``sqlite:///relative.db`` made absolute (from ``base``, default the current folder): the
    runner and the stage kernels (which run inside the run folder) then mean the same file."""
    prefix = "sqlite:///"
    if not isinstance(url, str) or not url.startswith(prefix):
        return url
    path, _, query = url[len(prefix) :].partition("?")
    if not path or path == ":memory:" or path.startswith("file:") or Path(path).is_absolute():
        return url
    return prefix + str((Path(base or Path.cwd()) / path).resolve()) + (f"?{query}" if query else "")


def _password_from_env() -> str | None:
    return settings.get(PASSWORD_ENV)


def resolve_url(url: Any = None, *, default: str | None = DEFAULT_HISTORY_URL):
    """A SQLAlchemy ``URL``: ``url`` as given (else ``default``), with the password from
    ``NBA_RECON_DB_PASSWORD`` when the URL has none (never for SQLite)."""
    raw = url if url not in (None, "") else default
    if raw in (None, ""):
        raise BadInput("no database URL given")
    try:
        u = make_url(raw)
    except (ArgumentError, ValueError):
        raise BadInput(
            f"not a database URL: {redact(raw)!r} (expected e.g. "
            "sqlite:///runs/history.db or postgresql+psycopg2://user@host:5432/db)"
        ) from None
    if isinstance(raw, str):
        register(*secret_values({"url": raw}))  # masked wherever a driver's message repeats it
    if u.host and "@" in u.host:  # failing closed: a password holding '@'
        raise BadInput(
            f"cannot use {redact(raw)}: its user info holds more than one '@'; write an '@' in the password as %40"
        )
    if u.get_backend_name() != "sqlite" and not u.password:
        pw = _password_from_env()
        if pw:
            u = u.set(password=pw)
    return u


def make_engine(url: Any = None, *, default: str | None = DEFAULT_HISTORY_URL, **kwargs):
    """An Engine for ``url`` (see :func:`resolve_url`). A file SQLite database gets its folder
    created and foreign keys enforced. No connection is opened here."""
    u = resolve_url(url, default=default)
    backend = u.get_backend_name()
    if backend == "sqlite" and u.database and u.database != ":memory:" and not u.database.startswith("file:"):
        folder = Path(u.database).expanduser().parent
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise BadInput(
                f"cannot use {redact(u)}: its folder {folder} cannot be made ({exc.strerror or exc})"
            ) from None
        if not folder.is_dir():
            raise BadInput(f"cannot use {redact(u)}: {folder} is not a folder")
    kwargs.setdefault("hide_parameters", True)
    kwargs["connect_args"] = _deadlines(u, dict(kwargs.get("connect_args") or {}))
    if backend != "sqlite":
        kwargs.setdefault("pool_pre_ping", True)
    try:
        engine = sa.create_engine(u, **kwargs)
    except ModuleNotFoundError as exc:
        raise BadInput(f"no driver for {redact(u)}: {exc.name} is not installed") from None
    except sa.exc.ArgumentError as exc:
        raise BadInput(f"cannot use {redact(u)}: {scrub(str(exc), u.password)}") from None
    if backend == "sqlite":
        sa.event.listen(engine, "connect", _sqlite_pragmas)
    log.info("database %s", redact(u))
    return engine


def _deadlines(u, connect_args: dict) -> dict:
    """Connect and statement timeouts on every engine (``nba_simulator.deadline``): a server
    that accepts and never answers, or a statement that never ends, cannot hang a command.
    PostgreSQL (libpq drivers): ``connect_timeout`` and ``-c statement_timeout`` added to the
    URL's own ``options``; SQLite: the busy timeout (how long to wait for another writer)."""
    connect = seconds("NBA_RECON_DB_CONNECT_TIMEOUT")
    statement = seconds("NBA_RECON_DB_STATEMENT_TIMEOUT")
    backend, driver = u.get_backend_name(), u.get_driver_name()
    if backend == "sqlite":
        connect_args.setdefault("timeout", connect)
    elif backend == "postgresql" and driver in ("psycopg2", "psycopg", "psycopg2cffi"):
        connect_args.setdefault("connect_timeout", max(1, int(round(connect))))
        options = str(connect_args.get("options") or u.query.get("options") or "")
        if "statement_timeout" not in options:
            options = f"{options} -c statement_timeout={int(statement * 1000)}".strip()
        connect_args["options"] = options
    elif backend == "postgresql" and driver == "pg8000":
        connect_args.setdefault("timeout", connect)
    return connect_args


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cur = dbapi_connection.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


def check_connection(engine) -> None:
    """Open and close one connection; :class:`DatabaseUnavailable` (password-free) if it fails."""
    with connect(engine):
        pass


class connect:
    """``with connect(engine) as conn``: a connection, with connection failures turned into
    :class:`DatabaseUnavailable` naming the redacted URL (never the password)."""

    def __init__(self, engine, begin: bool = False):
        self.engine, self.begin, self._cm = engine, begin, None

    def __enter__(self):
        try:
            self._cm = self.engine.begin() if self.begin else self.engine.connect()
            return self._cm.__enter__()
        except sa.exc.OperationalError as exc:
            raise unavailable(self.engine, exc) from None

    def __exit__(self, *exc):
        return self._cm.__exit__(*exc)


def unavailable(engine, exc: BaseException) -> DatabaseUnavailable:
    detail = getattr(exc, "orig", None) or exc
    first = str(detail).strip().splitlines()[0] if str(detail).strip() else type(detail).__name__
    return DatabaseUnavailable(f"cannot connect to {redact(engine.url)}: {scrub(first, engine.url.password)}")
