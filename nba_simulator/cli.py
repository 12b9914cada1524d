"""``nba-recon``: the command line. Exit 0 on success, 2 on bad input (one line naming what is
wrong), 1 on any other failure. The clock is read here only, to default ``--as-of`` to today.

Each command imports what it runs when it runs (here and in the packages' ``cli`` modules): the
one place with imports inside functions besides optional dependencies, so that ``nba-recon
--help`` or a refused option does not load SQLAlchemy, Alembic and the whole package (about
twice the start-up time)."""

from __future__ import annotations

import argparse
import logging
import os
import sys

from . import settings
from .asof import as_of_arg, today_utc
from .deadline import COMMAND_DEADLINES
from .errors import BadInput, ParameterError, ReconError

log = logging.getLogger("nba_simulator")


def _number(cast, ok, what: str):
    """An argparse ``type=``: ``cast(text)`` when ``ok(value)`` (nan fails every range), else a
    usage error (exit 2) saying ``what`` was expected."""

    def parse(text: str):
        try:
            value = cast(text)
        except ValueError:
            value = None
        if value is None or not ok(value):
            raise argparse.ArgumentTypeError(f"{what}, got {text!r}")
        return value

    return parse


_fraction = _number(float, lambda v: 0 < v <= 1, "--sample must be a fraction in (0, 1]")
_count = _number(int, lambda v: v >= 0, "expected a whole number >= 0")
_days = _number(float, lambda v: 0 <= v <= 36600, "expected a number of days in 0..36600")
_seconds = _number(float, lambda v: 0 < v < 1e7, "expected a number of seconds > 0")


DESCRIPTION = """\
Reconcile an NBA data lake with the games that should be in it: what is there, what is
missing, and the collection tasks for the scrapers.

Exit codes: 0 success; 2 bad input (one line naming what is wrong); 1 any other failure.
-v/--verbose may come before or after the command. `nba-recon COMMAND --help` for each."""

VERBOSE_HELP = "log progress and details"


class _Parser(argparse.ArgumentParser):
    """Every subcommand's parser (argparse builds them with the top parser's class) accepts the
    global options too: ``nba-recon run -v`` as well as ``nba-recon -v run``."""

    def __init__(self, *args, top: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        # a subcommand's copy has no default, so it never overrides the global one it follows
        self.add_argument(
            "-v", "--verbose", action="store_true", help=VERBOSE_HELP, **({} if top else {"default": argparse.SUPPRESS})
        )

    def error(self, message):  # argparse's usage errors are bad input too: one line, exit 2
        raise ParameterError(message)


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog="nba-recon", description=DESCRIPTION, top=True, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = p.add_subparsers(title="commands", dest="command", required=True, parser_class=_Parser, metavar="COMMAND")

    r = sub.add_parser(
        "reconcile",
        help="scan a lake and write coverage, gaps and tasks",
        description="Scan a lake (a folder or s3://bucket/prefix) as of a date and "
        "write coverage, completeness, gaps and tasks to --out.",
    )
    r.add_argument("--spec", default="default", help="lake spec YAML ('default': the real bucket)")
    r.add_argument("--lake", required=True, help="local folder or s3://bucket/prefix")
    r.add_argument("--schedule", default=None, help="builtin | PATH (default: the spec's)")
    r.add_argument("--as-of", type=as_of_arg, default=None, help="analysis date (default: today, UTC)")
    r.add_argument("--out", required=True, help="output folder")
    r.add_argument(
        "--runs-dir",
        default="runs",
        help="where `nba-recon schedule update` keeps its snapshots (schedule: auto reads the "
        "newest; its scoreboard cache lives there too); default: runs",
    )
    r.add_argument(
        "--sample",
        type=_fraction,
        default=None,
        help="list only a deterministic fraction of the lake (numbers become estimates)",
    )
    r.add_argument("--progress", action="store_true", help="show a progress bar while listing")
    r.add_argument(
        "--inventory",
        default=None,
        metavar="URI",
        help="read the newest S3 Inventory delivery under URI (s3://dest/prefix/ or a folder) "
        "instead of listing; falls back to listing when none is fresh enough",
    )
    r.add_argument(
        "--inventory-max-age-days",
        type=_days,
        default=None,
        metavar="DAYS",
        help="oldest S3 Inventory delivery to use, in days before --as-of (default: the spec's)",
    )
    r.add_argument(
        "--engine",
        choices=("pandas", "dask"),
        default="pandas",
        help="coverage engine: pandas (one machine) or dask (a distributed cluster)",
    )
    r.add_argument(
        "--stream",
        choices=("auto", "yes", "no"),
        default="auto",
        help="read an S3 Inventory batch by batch in bounded memory (auto: deliveries over "
        "2 GiB of data files, $NBA_RECON_STREAM_ABOVE_BYTES)",
    )
    r.add_argument(
        "--scheduler",
        default=None,
        metavar="ADDRESS",
        help="Dask scheduler address (tcp://host:8786) for --engine dask (default: local)",
    )
    r.add_argument(
        "--probe", action="store_true", help="read objects to check the spec's content rules (files present but empty)"
    )
    r.add_argument(
        "--probe-sample",
        type=_fraction,
        default=None,
        metavar="F",
        help="probe only a deterministic fraction of the objects (counts become estimates)",
    )
    r.add_argument(
        "--probe-max-objects",
        type=_count,
        default=None,
        metavar="N",
        help="read at most N objects this run (cached ones are free); the rest: unprobed",
    )
    r.add_argument(
        "--probe-max-bytes",
        type=_count,
        default=None,
        metavar="B",
        help="read at most B bytes this run (e.g. 500000000)",
    )
    r.add_argument("--probe-workers", type=_count, default=16, metavar="N", help="parallel reads (default 16)")
    r.add_argument(
        "--probe-cache", default=None, metavar="PATH", help="probe cache file (default: OUT/content_cache.sqlite)"
    )
    r.add_argument(
        "--deadline",
        type=_seconds,
        default=COMMAND_DEADLINES["reconcile"],
        metavar="SECONDS",
        help="stop (exit 1, nothing written) when the whole command takes longer "
        f"(default {COMMAND_DEADLINES['reconcile']:g})",
    )
    r.set_defaults(func=cmd_reconcile)

    d = sub.add_parser(
        "demo",
        help="build the demo lake, its spec and its schedule",
        description="Build the demo lake, its spec and its schedule in --out "
        "(`nba-recon run` without --lake uses its own copy).",
    )
    d.add_argument("--out", required=True, help="folder to build the demo in")
    d.set_defaults(func=cmd_demo)

    from .database.cli import add_db_parser  # nba-recon db ..., nba-recon history ...

    add_db_parser(sub)

    from .schedule.cli import add_schedule_parser  # nba-recon schedule update | show | check

    add_schedule_parser(sub, read_scoreboards=_lake_scoreboards)

    from .pipeline.cli import add_run_parser  # nba-recon run

    add_run_parser(sub)
    return p


def check_lake_uri(lake, name: str = "--lake") -> None:
    """Credentials written into a lake URI are refused (exit 2), masked in the refusal."""
    from .masking import lake_credentials, mask

    if lake_credentials(lake):
        raise ParameterError(
            f"{name} {mask(lake)}: credentials in the lake URI are refused; "
            "put credentials in the environment or a profile"
        )


def cmd_reconcile(args) -> int:
    check_lake_uri(args.lake)
    if args.inventory:
        check_lake_uri(args.inventory, "--inventory")

    as_of = args.as_of or today_utc()
    if not args.as_of:
        print(f"as of {as_of} (today, UTC; pass --as-of to reproduce this run)", file=sys.stderr)
    from .coverage.dates import check_not_future
    from .deadline import deadline

    check_not_future(as_of, today_utc())
    with deadline(args.deadline, "reconcile"):
        result = _reconcile(args, as_of)
    from .report.console import print_result

    print_result(result, args.out)
    return 0


def _lake_scoreboards(lake: str, runs_dir):
    """``schedule update --lake``: the lake's scoreboard pages (the schedule layer is handed the
    reader: it does not open the lake itself)."""
    from .storage.scoreboards import lake_scoreboards

    return lake_scoreboards(lake, runs_dir=runs_dir, workers=16)


def _schedule_from_db(database):
    """``schedule: db``'s reader, imported when used (SQLAlchemy: ~0.3 s of CPU otherwise)."""
    from .database.user_tables import schedule_from_db

    return schedule_from_db(database)


def _reconcile(args, as_of):
    from .coverage_run import CoverageOptions
    from .reconcile import ReconcileOptions, reconcile
    from .scan_run import ScanOptions

    # every --probe-* option by name: a new one needs its argument and its ProbeOptions field only
    coverage = CoverageOptions.from_params(
        {k: v for k, v in vars(args).items() if k.startswith("probe") or k in ("stream", "engine", "scheduler")},
        label=lambda name: "--" + name.replace("_", "-"),
    )
    scan = ScanOptions(
        args.sample,
        progress=args.progress,
        inventory=args.inventory,
        inventory_max_age_days=args.inventory_max_age_days,
    )
    return reconcile(
        ReconcileOptions(
            args.spec,
            args.lake,
            as_of,
            out_dir=args.out,
            schedule=args.schedule,
            scan=scan,
            coverage=coverage,
            runs_dir=args.runs_dir,
            read_db=_schedule_from_db,
        )
    )


def cmd_demo(args) -> int:
    from .demo import build_demo

    demo = build_demo(args.out)
    import json

    try:  # the planted non-data objects live under the spec's excluded folders: never listed
        excluded = len(json.loads((demo.root / "imperfections.json").read_text())["planted"]["non_data"])
    except (OSError, ValueError, KeyError, TypeError):
        excluded = 0
    objects = (
        f"{demo.n_objects:,} objects, {demo.n_objects - excluded:,} of them listed: "
        f"{excluded} are under the spec's excluded folders"
        if excluded
        else f"{demo.n_objects:,} objects"
    )
    print(f"demo lake: {demo.lake} ({objects}); spec: {demo.spec}; schedule: {demo.schedule}; as of {demo.as_of}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """The command line; everything it prints or logs goes through the masking function."""
    from .deadline import DeadlineExceeded
    from .masking import MaskingStream

    out, err = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = MaskingStream(out), MaskingStream(err)
    try:
        try:
            return _main(argv)
        except DeadlineExceeded as exc:
            print(f"nba-recon: stopped: {exc}; nothing was half-written", file=sys.stderr)
            if argv is None:
                _exit_now(1)
            return 1
    finally:
        sys.stdout, sys.stderr = out, err


def _exit_now(code: int) -> None:
    """Past a deadline a worker thread may still be blocked in a read that never ends, and the
    interpreter would wait for it at exit: leave now (files are written atomically, so nothing
    is half-written; locks are released by the runner before this)."""
    import threading

    if any(t.is_alive() and not t.daemon for t in threading.enumerate() if t is not threading.main_thread()):
        logging.shutdown()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def _install_log_masking() -> None:
    from .masking import MaskingFilter

    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, MaskingFilter) for f in handler.filters):
            handler.addFilter(MaskingFilter())


def _command(args) -> str:
    """'schedule update', 'history record', 'reconcile'...: the command as typed."""
    words = [args.command] + [str(getattr(args, f"{args.command}_command", "") or "")]
    return " ".join(w for w in words if w)


def _main(argv: list[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
        settings.check()  # a bad NBA_RECON_* value: one line, exit 2, before anything runs
        logging.basicConfig(
            level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s"
        )
        _install_log_masking()
        from .deadline import deadline

        # every command that has a --deadline (those reaching the network) runs within it; a command
        # that keeps its own (schedule update: stops asking at it, keeps what it had) says so
        bound = None if getattr(args, "own_deadline", False) else getattr(args, "deadline", None)
        with deadline(bound, _command(args)):
            return args.func(args)
    except BadInput as exc:
        print(f"nba-recon: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except ReconError as exc:
        print(f"nba-recon: failed: {exc}", file=sys.stderr)
        return exc.exit_code
    except BrokenPipeError:  # e.g. `nba-recon ... | head`: the reader left (Python docs' recipe)
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    except KeyboardInterrupt:
        print("nba-recon: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # one line for the user; the traceback with -v
        if log.isEnabledFor(logging.INFO):
            log.exception("unexpected error")
        print(f"nba-recon: unexpected error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
