"""What a run will do, settled before anything runs: the stages, the notebooks, the options, the
run id and every parameter value, validated (a typo fails in a second, not after the scan).

The clock is read here only, for bookkeeping (the run id, start times) and to default ``as_of`` to
today's UTC date for a real lake; the notebooks themselves only ever see the explicit ``as_of``.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import nba_simulator
from nba_simulator import masking, settings
from nba_simulator.errors import ParameterError

from . import params as P
from .retry import Backoff
from .rundir import sha256

if TYPE_CHECKING:
    from .zygote import Zygote

STAGES = ("00_health_check", "01_scan", "02_coverage", "03_gaps", "04_tasks", "05_summary")
SUMMARY_STAGE = "05_summary"
KERNEL_NAME = "python3"
DEFAULT_TIMEOUT = 3600.0
DEFAULT_RETRIES = 2
RUNNER_PARAMS = ("run_dir",)  # set by the runner, never by the user
PATH_PARAMS = ("spec", "lake", "schedule")  # local paths made absolute (kernels run in run_dir)
_NOT_PATHS = {"", "demo", "default", "builtin", "db"}
#: what a run's results depend on: resuming with any of them different would mix two runs
FINGERPRINTED = ("spec", "lake", "schedule", "as_of")


#: parameters that are amounts (a negative one would turn its check off)
NON_NEGATIVE = ("min_free_gb", "max_run_age_hours")


@dataclass
class RunOptions:
    runs_dir: Path = Path("runs")
    stages: Sequence[str] | None = None
    notebooks_dir: Path | None = None
    timeout: float | None = DEFAULT_TIMEOUT  # seconds per stage (wall clock, and per cell)
    retries: int = DEFAULT_RETRIES  # extra attempts for transient failures
    backoff: Backoff = field(default_factory=Backoff)
    progress: bool | None = None  # None: when stderr is a terminal
    kernel_name: str = KERNEL_NAME
    warm_kernels: bool | None = None  # None: NBA_RECON_WARM_KERNELS (default on), kernel_pool.py
    zygote: Zygote | None = None  # started early by the caller (Zygote.start_early)
    sleep: Callable[[float], None] = time.sleep
    echo: Callable[[str], None] = lambda msg: print(msg, file=sys.stderr, flush=True)

    def shows_progress(self) -> bool:
        return bool(self.progress if self.progress is not None else sys.stderr.isatty())


def default_notebooks_dir() -> Path:
    """``$NBA_RECON_NOTEBOOKS``, else ``notebooks/`` of the source tree, else the packaged copy."""
    env = settings.get("NBA_RECON_NOTEBOOKS")
    if env:
        return Path(env)
    pkg = Path(nba_simulator.__file__).resolve().parent
    for candidate in (pkg.parent / "notebooks", pkg / "notebooks"):
        if (candidate / f"{STAGES[0]}.ipynb").exists():
            return candidate
    return pkg.parent / "notebooks"


def utc_now() -> dt.datetime:
    """The clock, for run bookkeeping only (run ids, started/finished timestamps)."""
    started_or_finished_timestamp = dt.datetime.now(dt.UTC)
    return started_or_finished_timestamp


def new_run_id(now: dt.datetime | None = None) -> str:
    """``20261130T012233Z-3fa9c1``: sorts by start time; the suffix keeps ids unique."""
    now = now or utc_now()
    return f"{now.strftime('%Y%m%dT%H%M%SZ')}-{secrets.token_hex(3)}"


def select_stages(names: Sequence[str] | None) -> list[str]:
    """Stage names from ``--stages`` (``02_coverage``, ``coverage``, ``2`` or ``02``), in run order."""
    if not names:
        return list(STAGES)
    chosen = set()
    for raw in names:
        for name in str(raw).split(","):
            name = name.strip()
            if not name:
                continue
            hits = [s for s in STAGES if name in (s, s[3:]) or (name.isdigit() and int(name) == int(s[:2]))]
            if not hits:
                raise ParameterError(f"unknown stage {name!r} (stages: {', '.join(STAGES)})")
            chosen.update(hits)
    return [s for s in STAGES if s in chosen]


def fingerprint(values: Mapping[str, Any]) -> dict[str, str]:
    """``run.json``'s ``fingerprint``: each of :data:`FINGERPRINTED` as given (masked), a local
    file with the SHA-256 of its content (an edited spec is a different spec)."""
    out = {}
    for name in FINGERPRINTED:
        if name not in values:
            continue
        value = values[name]
        text = "" if value is None else str(value)
        if text and text not in _NOT_PATHS and "://" not in text:
            try:
                path = Path(text)
                if path.is_file():
                    text = f"{text} (sha256 {sha256(path)[:16]})"
            except OSError:
                pass
        out[name] = masking.mask(text)
    return out


def check_run_id(run_id: Any, runs_dir: Path) -> str:
    """A run id of THIS runs folder: a plain folder name, never a path."""
    text = str(run_id or "")
    if (
        not text
        or text in (".", "..")
        or "/" in text
        or "\\" in text
        or "\0" in text
        or len(text) > 128
        or Path(text).name != text
    ):
        raise ParameterError(f"--resume takes the id of a run of {runs_dir} (a folder name there), got {text!r}")
    return text


def _absolute(value: Any) -> Any:
    if not isinstance(value, str) or value in _NOT_PATHS or "://" in value:
        return value
    return str(Path(value).expanduser().resolve())


def notebooks(notebooks_dir: Path, stages: Sequence[str]) -> dict[str, Path]:
    return {s: Path(notebooks_dir) / f"{s}.ipynb" for s in stages}


def declared(notebooks_dir: Path, stages: Sequence[str]) -> dict[str, P.Param]:
    """Every selected notebook's parameters (each must declare ``run_dir``)."""
    decl = P.declared(notebooks(notebooks_dir, stages))
    for stage in stages:
        if stage not in decl.get("run_dir", P.Param("run_dir", "str", "")).stages:
            raise ParameterError(f"{stage}.ipynb does not declare the parameter run_dir")
    return decl


def refuse_runner_params(given: Mapping[str, Any]) -> None:
    for name in RUNNER_PARAMS:
        if name in given:
            raise ParameterError(f"parameter {name} is set by the runner (use --runs-dir)")


def run_values(
    decl: dict[str, P.Param], given: Mapping[str, Any], base: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """The full parameter values of a run: ``given`` validated against ``decl``, over ``base``
    (a resumed run's), over the notebooks' defaults; local paths made absolute."""
    refuse_runner_params(given)
    checked = P.validate(decl, given)
    values = P.run_defaults(decl)  # a default that differs by stage stays each stage's own
    values.update(base or {})
    values.update(checked)
    lake = values.get("lake")
    if "lake" in checked and lake not in ("", "demo"):
        # a real lake: the packaged spec of the real bucket, and today's date, unless given
        if "spec" in decl and "spec" not in checked and not base:
            values["spec"] = "default"
        if "as_of" in decl and "as_of" not in checked and not base:
            values["as_of"] = utc_now().date().isoformat()
    if "as_of" in decl and not values.get("as_of") and lake in ("", "demo", None):
        from nba_simulator.demo import DEMO_AS_OF

        values["as_of"] = DEMO_AS_OF  # the demo lake: the demo's date (the notebooks' empty default)
    if values.get("as_of"):
        # a future as_of would count unplayed games as missing (the past: the scan refuses)
        from nba_simulator.coverage.dates import check_not_future

        check_not_future(values["as_of"], utc_now().date())
    for name in NON_NEGATIVE:
        if isinstance(values.get(name), (int, float)) and values[name] < 0:
            raise ParameterError(f"parameter {name}: expected a number >= 0, got {values[name]!r}")
    for name in PATH_PARAMS:
        if name in values:
            values[name] = _absolute(values[name])
    if isinstance(values.get("history"), str):
        # kernels run inside the run folder: a relative SQLite history is the user's folder's
        from nba_simulator.database.engine import absolute_sqlite

        values["history"] = absolute_sqlite(values["history"])
    masking.register_params(values)  # masked wherever they appear from now on
    if values.get("probe") is True and "spec" in values:
        # a combination that cannot work fails now, not at the last stage
        from nba_simulator.reconcile import check_probe
        from nba_simulator.spec import load_spec

        from .scratch import resolve_spec

        check_probe(load_spec(resolve_spec(str(values["spec"] or "demo"))), "parameter probe true")
    # the coverage options (probe_*, stream, engine), checked as 02_coverage will make them, and
    # streaming not with sampling (it lists part of the lake): refused before the first stage
    from nba_simulator.coverage_run import COVERAGE_PARAMS, CoverageOptions

    CoverageOptions.from_params(
        {k: v for k, v in values.items() if k in COVERAGE_PARAMS or k.startswith("probe_")}
    ).scan_stream(values.get("sample"), "parameter stream")
    for name in ("lake", "inventory"):
        if masking.lake_credentials(values.get(name)):
            raise ParameterError(
                f"parameter {name} {masking.mask(values[name])}: credentials in "
                "the lake URI are refused; put credentials in the environment "
                "or a profile"
            )
    missing = [k for k, v in values.items() if masking.was_masked(v)]
    if missing:
        raise ParameterError(
            f"parameter {missing[0]} was redacted from run.json; pass it again with -p {missing[0]} VALUE"
        )
    return values


def check_runs_dir(d: Path) -> None:
    """The runs folder must be a folder this process can write (checked before any stage)."""
    from nba_simulator.errors import BadInput

    if d.exists() and not d.is_dir():
        raise BadInput(f"--runs-dir {d}: not a folder")
    try:
        d.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BadInput(f"--runs-dir {d}: cannot be made ({exc.strerror or exc})") from None
    if not os.access(d, os.W_OK | os.X_OK):
        raise BadInput(f"--runs-dir {d}: read-only (runs cannot be written there)")
