"""``nba-recon run``: the argparse wiring of the runner (nba_simulator/cli.py calls it).

Exit codes: 0 the run succeeded; 2 bad input, in one line naming what is wrong: found before
anything ran (unknown parameter, wrong type, unknown stage, unknown run id), or by a stage (a
spec, schedule, lake or date the stage refuses: the run is then recorded as failed with that
line); 1 any other failure (a stage failed: its notebook is kept, later stages are skipped, and
``--resume`` is suggested only when the failure was transient) or the runs directory is locked.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from nba_simulator.deadline import COMMAND_DEADLINES, seconds_arg
from nba_simulator.errors import ParameterError

# Nothing heavy at import time: nba_simulator/cli.py builds this parser for EVERY command, and
# papermill/nbformat take seconds to import. They are imported when `run` actually runs.
STAGE_NAMES = "00_health_check, 01_scan, 02_coverage, 03_gaps, 04_tasks, 05_summary"


def _count(text: str) -> int:
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"expected a whole number >= 0, got {text!r}")
    return int(text)


def add_run_parser(subparsers) -> argparse.ArgumentParser:
    r = subparsers.add_parser(
        "run",
        help="run the stage notebooks with papermill into runs/<run_id>/ (report.html)",
        description=f"Run the stage notebooks ({STAGE_NAMES}) in sequence with "
        "papermill. Without --spec/--lake it runs on the demo lake.",
    )
    r.add_argument(
        "--spec",
        default=None,
        help="lake spec YAML (default: the demo's; 'default' for the real bucket, implied by --lake)",
    )
    r.add_argument("--lake", default=None, help="local folder or s3://bucket/prefix (default: the demo lake)")
    r.add_argument("--schedule", default=None, help="builtin | PATH (default: the spec's)")
    r.add_argument(
        "--as-of",
        dest="as_of",
        default=None,
        help="analysis date YYYY-MM-DD (default: the demo's, or today UTC with --lake)",
    )
    r.add_argument("--runs-dir", default="runs", help="where runs are kept (default: runs)")
    r.add_argument(
        "--history",
        default=None,
        metavar="URL",
        help="run history database (default: $NBA_RECON_HISTORY_URL, else the spec's "
        "database.history, else sqlite:///<runs-dir>/history.db; 'off': none). Write "
        "it without a password: it comes from NBA_RECON_DB_PASSWORD, PGPASSWORD or .pgpass",
    )
    r.add_argument(
        "--stages",
        nargs="+",
        default=None,
        metavar="STAGE",
        help="run only these stages (e.g. 00 01, or health_check,scan)",
    )
    r.add_argument(
        "--resume",
        default=None,
        metavar="RUN_ID",
        help="rerun RUN_ID from its first unfinished stage, reusing finished outputs",
    )
    r.add_argument(
        "-p",
        "--parameter",
        dest="parameters",
        nargs=2,
        action="append",
        metavar=("NAME", "VALUE"),
        help="a notebook parameter (see --list-parameters)",
    )
    r.add_argument(
        "--timeout", type=seconds_arg, default=None, help="seconds per stage before it is stopped (default 3600)"
    )
    r.add_argument(
        "--deadline",
        type=seconds_arg,
        default=COMMAND_DEADLINES["run"],
        metavar="SECONDS",
        help="stop the whole run (stage failed, later ones skipped, lock released, "
        f"exit 1) when it takes longer (default {COMMAND_DEADLINES['run']:g})",
    )
    r.add_argument(
        "--retries", type=_count, default=None, help="retries of a stage after a transient failure (default 2)"
    )
    r.add_argument("--notebooks", default=None, help="folder of the stage notebooks (default: notebooks/)")
    r.add_argument("--kernel", default="python3", help="Jupyter kernel (default: python3)")
    prog = r.add_mutually_exclusive_group()
    prog.add_argument(
        "--progress",
        dest="progress",
        action="store_true",
        default=None,
        help="show stage and cell progress (default: when on a terminal)",
    )
    prog.add_argument(
        "--no-progress", dest="progress", action="store_false", help="no progress display (e.g. in a log file)"
    )
    r.add_argument(
        "--list-parameters",
        action="store_true",
        help="print every notebook parameter with its type and default, and exit",
    )
    r.set_defaults(func=run_command)
    return r


def _given(args) -> dict[str, str]:
    from . import params as P

    given = P.parse_pairs(args.parameters)
    for name in ("spec", "lake", "schedule", "as_of", "history"):
        value = getattr(args, name, None)
        if value is not None:
            if name in given:
                raise ParameterError(f"{name} given twice (--{name.replace('_', '-')} and -p {name})")
            given[name] = value
    return given


def run_command(args) -> int:
    if args.resume and args.stages:
        raise ParameterError("--resume reruns the run's own stages: drop --stages")
    from nba_simulator.compat import without_module

    from .zygote import Zygote

    # the kernels' zygote imports (~2 s) on the other core while this process imports the
    # runner (~2 s: papermill, nbclient, nbconvert); the IRI grammars are never used (compat.py)
    zygote = None if args.list_parameters else Zygote.start_early()
    try:
        with without_module("rfc3987_syntax"):
            from .runner import Runner, RunOptions
        return _run(args, RunOptions, Runner, zygote)
    finally:
        if zygote is not None:
            zygote.close()


def _run(args, RunOptions, Runner, zygote) -> int:
    from . import params as P
    from .retry import Backoff
    from .runner import DEFAULT_RETRIES, DEFAULT_TIMEOUT, select_stages

    options = RunOptions(
        runs_dir=Path(args.runs_dir),
        stages=select_stages(args.stages),
        notebooks_dir=Path(args.notebooks) if args.notebooks else None,
        timeout=DEFAULT_TIMEOUT if args.timeout is None else args.timeout,
        retries=DEFAULT_RETRIES if args.retries is None else args.retries,
        backoff=Backoff(),
        progress=args.progress,
        kernel_name=args.kernel,
        zygote=zygote,
    )
    runner = Runner(options)
    if args.list_parameters:
        print(P.describe(runner.declared(options.stages)))
        return 0
    given = _given(args)
    _stop_on_sigterm()
    from nba_simulator.deadline import deadline

    try:
        with deadline(args.deadline, "run"):
            result = runner.resume(args.resume, given) if args.resume else runner.run(given)
    except OSError as exc:  # the run's own bookkeeping could not be written (a full disk)
        print(
            f"nba-recon: failed: {type(exc).__name__}: {exc} · report: not written "
            f"(the failed stage, if any, is in run.json)",
            file=sys.stderr,
        )
        return 1
    rel = _display(result.report) if result.report else None
    if result.ok:
        head = result.record.get("headline") or {}
        pct = head.get("completeness_pct")
        est = "estimated " if head.get("estimate") else ""  # a sample: every percentage says so
        extra = (
            f" · {est}completeness {pct:.2f}% · {head.get('gaps'):,} gaps · {head.get('tasks'):,} tasks"
            if isinstance(pct, (int, float))
            else ""
        )
        print(f"run {result.run_id} succeeded in {result.record.get('duration_s')} s{extra}")
        unjudged = _print_unjudged(result.run_dir / "data" / "summary.json")
        for w in head.get("warnings") or []:
            if w not in unjudged:  # said in the unjudged line above
                print(f"warning: {w}", file=sys.stderr)
        if rel:
            print(f"report: {rel}")
        from .runhistory import not_recorded

        why = not_recorded(result.run_dir)
        if why:  # the docs promise a recorded run: a silent gap in the history is a failure
            print(
                f"run {result.run_id} was NOT recorded in the run history ({why}); fix the "
                "history or pass --history off",
                file=sys.stderr,
            )
            return 1
        return 0
    from .render import run_failure

    f = run_failure(result.record) or {
        "line": "the run did not finish",
        "kind": "permanent",
        "stage": result.failed_stage,
    }
    where = f"run {result.run_id} recorded as failed; report: {rel}" if rel else f"run {result.run_id}"
    if f["kind"] == "bad input":  # the README's rule: one line naming what is wrong, exit 2
        print(f"nba-recon: error: {f['line']} ({where})", file=sys.stderr)
        return 2
    print(
        f"run {result.run_id} FAILED at stage {f['stage']}: {f.get('ename') or 'error'}: {f['line']}", file=sys.stderr
    )
    if f["kind"] == "transient":
        print(
            f"this can pass: nba-recon run --runs-dir {args.runs_dir} --resume {result.run_id} (report: {rel})",
            file=sys.stderr,
        )
    else:
        log = result.run_dir / "logs" / f"{f['stage']}.log"
        detail = (
            f"details: {_display(log)}"
            if log.exists()
            else f"executed notebook: {_display(result.run_dir / (str(f['stage']) + '.ipynb'))}"
        )
        print(f"{detail} · report: {rel or 'not written'}", file=sys.stderr)
    return 1


def _print_unjudged(summary_path: Path) -> set[str]:
    """The run's "N dataset-season-types cannot be judged: ..." line (as ``reconcile`` prints it);
    returns the unjudged records as the warnings list words them (not to be said twice)."""
    import json

    from nba_simulator.report.warnings import unjudged_groups, unjudged_lines

    from ..coverage.unjudged import unjudged_line

    try:
        summary = json.loads(summary_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return set()
    line = unjudged_line(summary.get("unjudged") or [])
    if line:
        print(line)
    said = unjudged_lines(summary.get("unjudged")) + unjudged_groups(summary.get("unjudged"))
    return {" ".join(x.split()) for x in said}


def _stop_on_sigterm() -> None:
    """A scheduler's SIGTERM (cron timeout, systemd stop, CI cancel) ends the run like Ctrl-C:
    the running stage is marked failed, later ones skipped, the lock released; exit 130."""
    import signal
    import threading

    def interrupt(signum, frame):
        raise KeyboardInterrupt(f"stopped by signal {signal.Signals(signum).name}")

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, interrupt)


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)
