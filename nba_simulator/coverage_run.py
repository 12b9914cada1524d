"""The coverage stage, decided once: streamed or in memory, pandas or Dask, probed or not.

``nba-recon reconcile`` (:func:`nba_simulator.reconcile.reconcile`) and the ``02_coverage``
notebook (``pipeline.stage.Stage.run_coverage``) both call :func:`run_coverage` with what the
scan gave (:class:`ScannedInventory`) and the user's :class:`CoverageOptions`; the options are
checked when made (:class:`~.content.probe.ProbeOptions`, :class:`StreamOptions`,
:class:`EngineOptions`), so a wrong one fails in one place, before any work.

What runs, by what the scan gave and the engine:

==================  ==========================================  ==========================================
scan gave           pandas                                      dask
==================  ==========================================  ==========================================
a stream            ``coverage.stream.stream_coverage``         the same, chunks reduced on the cluster
in memory           ``coverage.build_coverage``                 ``coverage.dask_engine.dask_coverage``
==================  ==========================================  ==========================================

then, with probe options, ``content.probe.probe_lake`` on the best objects (of the inventory in
memory, or the matched objects the streamed coverage kept), and ``analysis.coverage_stage``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa

from .analysis import CoverageStage, coverage_stage
from .content.probe import ProbeOptions, probe_lake
from .coverage import CoverageResult, build_coverage
from .coverage.stream import stream_coverage
from .errors import BadInput, ParameterError
from .spec import Spec

#: ``--stream`` (and the notebooks' ``stream`` parameter) -> the scan's ``stream`` mode
STREAM_MODES = {"auto": "auto", "yes": True, "no": False}
ENGINES = ("pandas", "dask")
#: the coverage options' names in ``nba-recon reconcile`` and the notebooks (and ``probe_*``)
COVERAGE_PARAMS = frozenset({"probe", "stream", "engine", "scheduler"})


@dataclass(frozen=True)
class StreamOptions:
    """Whether an S3 Inventory delivery is read batch by batch in bounded memory: ``"yes"``,
    ``"no"``, or ``"auto"`` (above ``STREAM_ABOVE_BYTES`` of data files)."""

    mode: str = "auto"

    def __post_init__(self):
        if self.mode not in STREAM_MODES:
            raise ParameterError(f"stream: expected auto, yes or no, got {self.mode!r}")

    @classmethod
    def parse(cls, value, what: str = "--stream") -> StreamOptions:
        """``value`` as options; an unknown one refused in one line naming ``what``."""
        if value not in STREAM_MODES:
            raise ParameterError(f"{what}: expected auto, yes or no, got {value!r}")
        return cls(value)


@dataclass(frozen=True)
class EngineOptions:
    """Where the per-object work of the coverage runs: ``pandas`` (here) or ``dask`` (a cluster
    at ``scheduler``, a local in-process one when ``None``)."""

    name: str = "pandas"
    scheduler: str | None = None

    def __post_init__(self):
        if self.name not in ENGINES:
            raise ParameterError(f"engine must be pandas or dask, got {self.name!r}")
        if self.scheduler is not None and not isinstance(self.scheduler, str):
            raise ParameterError(f"scheduler must be an address (tcp://host:8786), got {self.scheduler!r}")

    @property
    def dask(self) -> bool:
        return self.name == "dask"


@dataclass(frozen=True)
class CoverageOptions:
    """Everything the user chooses about the coverage: ``probe`` (``None``: no content probing),
    ``stream``, ``engine``. Refused when made: streaming ``yes`` with the Dask engine (the Dask
    engine reads the inventory file the scan wrote)."""

    probe: ProbeOptions | None = None
    stream: StreamOptions = field(default_factory=StreamOptions)
    engine: EngineOptions = field(default_factory=EngineOptions)

    def __post_init__(self):
        for name, kind in (("probe", ProbeOptions), ("stream", StreamOptions), ("engine", EngineOptions)):
            value = getattr(self, name)
            if not isinstance(value, kind) and not (name == "probe" and value is None):
                raise ParameterError(f"coverage option {name}: expected {kind.__name__}, got {value!r}")
        if self.stream.mode == "yes" and self.engine.dask:
            raise BadInput("stream yes reads an S3 Inventory in bounded memory: not with the Dask engine")

    @classmethod
    def from_params(
        cls, params: Mapping[str, Any], label: Callable[[str], str] = lambda name: f"parameter {name}"
    ) -> CoverageOptions:
        """The options from the names ``nba-recon reconcile`` and the notebooks share: ``probe``
        (on or off), ``probe_*`` (:class:`ProbeOptions`' fields: checked even when off),
        ``stream``, ``engine``, ``scheduler``. Any other name is refused; ``label`` names an
        option in a message (``--stream``, ``parameter stream``)."""
        unknown = [k for k in params if k not in COVERAGE_PARAMS and not k.startswith("probe_")]
        if unknown:
            raise ParameterError(
                f"{label(unknown[0])}: not a coverage option (known: {', '.join(sorted(COVERAGE_PARAMS))}, probe_*)"
            )
        probe = ProbeOptions.from_mapping({k: v for k, v in params.items() if k.startswith("probe_")}, prefix="probe_")
        stream = StreamOptions.parse(params.get("stream", "auto"), label("stream"))
        engine = EngineOptions(params.get("engine") or "pandas", params.get("scheduler") or None)
        return cls(probe if params.get("probe") else None, stream, engine)

    def scan_stream(self, sample: float | None, what: str = "--stream") -> bool | str:
        """The scan's ``stream`` mode (``scan_lake``): never with sampling (it lists part of the
        lake; ``yes`` is then refused in one line naming ``what``) nor the Dask engine."""
        if sample and self.stream.mode == "yes":
            raise BadInput(f"{what} yes reads an S3 Inventory in bounded memory: not with sampling")
        if sample or self.engine.dask:
            return False
        return STREAM_MODES[self.stream.mode]


@dataclass(frozen=True)
class ScannedInventory:
    """What the scan gave the coverage: the inventory in memory (``frame``), or, streamed,
    ``batches()`` giving its record batches once; ``path``: the inventory Parquet file when one
    is written (what the Dask engine's workers read); ``sample``: the fraction the scan listed;
    ``lake``: where the objects are (content probing reads them)."""

    lake: str
    frame: pd.DataFrame | None = None
    batches: Callable[[], Iterable[pa.RecordBatch]] | None = None
    path: Path | None = None
    sample: float | None = None

    def __post_init__(self):
        if (self.frame is None) == (self.batches is None):
            raise ValueError("a scanned inventory is either in memory (frame) or streamed (batches)")


def run_coverage(
    spec: Spec, schedule: pd.DataFrame, scanned: ScannedInventory, as_of, options: CoverageOptions, *, orphans_path=None
) -> CoverageStage:
    """``02_coverage`` for the CLI and the notebook alike (see the module docstring).
    ``orphans_path``: where a streamed coverage writes every orphan as it reads."""
    cov = _base_coverage(spec, schedule, scanned, as_of, options.engine, orphans_path)
    content = None
    if options.probe is not None:
        objects = scanned.frame if scanned.frame is not None else cov.matched_objects
        content = probe_lake(spec, scanned.lake, cov.coverage, objects, options.probe, as_of=as_of)
    return coverage_stage(
        spec, schedule, scanned.frame, as_of, {"sample": scanned.sample}, coverage=cov, content=content
    )


def _base_coverage(
    spec: Spec, schedule: pd.DataFrame, scanned: ScannedInventory, as_of, engine: EngineOptions, orphans_path
) -> CoverageResult:
    if scanned.batches is not None:
        with _client(engine) as client:
            return stream_coverage(spec, schedule, scanned.batches(), as_of, orphans_path=orphans_path, client=client)
    if engine.dask:
        if scanned.sample:
            raise BadInput("--engine dask computes the full coverage: drop --sample")
        from .coverage.dask_engine import dask_coverage  # optional dependency

        return dask_coverage(
            spec,
            schedule,
            scanned.path if scanned.path is not None else scanned.frame,
            as_of,
            scheduler=engine.scheduler,
        )
    return build_coverage(spec, schedule, scanned.frame, as_of, scanned.sample)


@contextlib.contextmanager
def _client(engine: EngineOptions):
    """A Dask client for the streamed coverage's chunks with the Dask engine, else ``None``."""
    if not engine.dask:
        yield None
        return
    from .coverage.dask_engine import dask_client  # optional dependency

    with dask_client(engine.scheduler) as client:
        yield client
