"""How a ``nba-recon db|history`` command reaches the history database: its options
(``add_history_options``), the database they name, opened (``history_for``: a SQLite file not
there yet is read as an empty history, nothing created), and its failures in one line
(``one_line_errors``)."""

from __future__ import annotations

import functools

from ..compat import add_option_once
from ..deadline import add_deadline_option
from ..errors import BadInput, ReconError
from ..masking import mask_text


def add_history_options(p) -> None:
    add_deadline_option(p, "history" if p.prog.split()[-2:-1] == ["history"] else "db")
    p.add_argument(
        "--url",
        default=None,
        help="history database URL (default: $NBA_RECON_HISTORY_URL, "
        "else the spec's database.history.url, else sqlite:///<runs-dir>/history.db)",
    )
    p.add_argument("--schema", default=None, help="PostgreSQL schema of the history tables")
    p.add_argument("--runs-dir", default="runs", help="runs folder of the default SQLite history")
    add_option_once(p, "--spec", default=None, help="a spec whose database.history section to use")


def history_for(args, read_only: bool = False, missing_ok: bool = False):
    """(engine, schema, history config or None). ``read_only`` (runs, changes, tasks, current): a
    SQLite history file that does not exist is read as an empty history and nothing is created; its
    folder missing too is refused in one line (``missing_ok``: read as empty as well)."""
    from .history import open_history
    from .history.locate import history_url, sqlite_file

    spec = None
    if getattr(args, "spec", None):
        from ..spec import load_spec

        spec = load_spec(args.spec)
    from .history_schema import check_schema

    check_schema(args.schema)
    url = history_url(args.url, spec=spec, runs_dir=args.runs_dir)
    path = sqlite_file(url)
    args.history_file = path
    if read_only and path is not None and not path.is_file():
        folder = path.parent
        if path.exists() or (not folder.is_dir() and not (missing_ok and not folder.exists())):
            what = (
                f"{path} is not a file"
                if path.exists()
                else f"its folder {folder} is not a folder"
                if folder.exists()
                else f"its folder {folder} does not exist"
            )
            raise BadInput(
                f"no run history at {path}: {what} (nothing was created); give the --runs-dir "
                "or --url of an existing history"
            )
        url = "sqlite://"  # no history recorded yet: read an empty one, create no file
    engine, schema, _ = open_history(url, spec=spec, runs_dir=args.runs_dir)
    hcfg = spec.database.history if spec is not None and spec.database is not None else None
    return engine, args.schema or schema, hcfg


def one_line_errors(command):
    """A history command whose database fails (locked past the busy timeout, read-only, damaged)
    says so in one line naming the file and what to do, never a multi-line SQL error."""

    @functools.wraps(command)
    def run(args) -> int:
        import sqlite3

        import sqlalchemy as sa

        try:
            return command(args)
        except (sa.exc.DBAPIError, sqlite3.Error) as exc:
            from ..deadline import seconds
            from ..sqlite_files import store_error

            path = getattr(args, "history_file", None)
            if path is not None:
                raise store_error(exc, path, "history database", seconds("NBA_RECON_DB_CONNECT_TIMEOUT")) from None
            detail = str(getattr(exc, "orig", None) or exc).strip().splitlines() or [type(exc).__name__]
            raise ReconError(f"history database: {mask_text(detail[0])}") from None

    return run
