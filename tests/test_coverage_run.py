"""Coverage decided once (``nba_simulator.coverage_run``): ``nba-recon reconcile`` and the
``02_coverage`` stage reach the coverage through the same ``run_coverage`` with the same probe,
stream and Dask options, and an option is checked in one place, when the options are made."""

from __future__ import annotations

import argparse

import pandas as pd
import pytest

from nba_simulator import coverage_run
from nba_simulator.cli import _reconcile, main
from nba_simulator.content.probe import ProbeOptions
from nba_simulator.coverage_run import (
    CoverageOptions,
    EngineOptions,
    ScannedInventory,
    StreamOptions,
)
from nba_simulator.demo import build_demo
from nba_simulator.errors import BadInput, ParameterError
from nba_simulator.pipeline import params as P
from nba_simulator.pipeline.plan import run_values
from nba_simulator.pipeline.stage import open_stage

COVERAGE_FILES = (
    "coverage.parquet",
    "orphans.parquet",
    "duplicates.parquet",
    "completeness.parquet",
    "matrix.parquet",
    "content.parquet",
)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    return build_demo(tmp_path_factory.mktemp("demo"))


@pytest.fixture
def calls(monkeypatch):
    """Every call of ``coverage_run.run_coverage``: (what the scan gave, the options)."""
    seen, real = [], coverage_run.run_coverage

    def spy(spec, schedule, scanned, as_of, options, **kw):
        seen.append((scanned, options))
        return real(spec, schedule, scanned, as_of, options, **kw)

    monkeypatch.setattr(coverage_run, "run_coverage", spy)
    return seen


def test_cli_and_stage_reach_the_same_function_with_probe_and_dask_options(demo, tmp_path, calls):
    pytest.importorskip("distributed")
    out = tmp_path / "cli"
    assert (
        main(
            [
                "reconcile",
                "--spec",
                str(demo.spec),
                "--lake",
                str(demo.lake),
                "--as-of",
                demo.as_of,
                "--out",
                str(out),
                "--probe",
                "--probe-sample",
                "0.5",
                "--probe-workers",
                "2",
                "--engine",
                "dask",
                "--stream",
                "no",
            ]
        )
        == 0
    )
    run_dir = tmp_path / "run"
    scan = open_stage("01_scan", run_dir=str(run_dir), spec=str(demo.spec), lake=str(demo.lake), as_of=demo.as_of)
    scan.run_scan(stream="no")
    stage = open_stage("02_coverage", run_dir=str(run_dir), spec=str(demo.spec), lake=str(demo.lake), as_of=demo.as_of)
    # what the 02_coverage notebook does with its parameters
    stage.run_coverage(
        CoverageOptions.from_params(
            dict(
                probe=True,
                probe_sample=0.5,
                probe_max_objects=None,
                probe_max_bytes=None,
                probe_workers=2,
                engine="dask",
                scheduler="",
            )
        )
    )
    (cli_scan, cli_opts), (stage_scan, stage_opts) = calls
    assert cli_opts.stream == StreamOptions("no")  # the pipeline's scan stage decided its own
    for opts in (cli_opts, stage_opts):
        assert opts.engine == EngineOptions("dask")
        assert (opts.probe.sample, opts.probe.workers, opts.probe.max_objects) == (0.5, 2, None)
    # the caller's own default cache: beside the outputs, beside the runs
    assert cli_opts.probe.cache == out / "content_cache.sqlite"
    assert stage_opts.probe.cache == run_dir.resolve().parent / "content_cache.sqlite"
    assert cli_scan.frame is not None and stage_scan.frame is not None  # in memory (stream no)
    assert cli_scan.path == out / "inventory.parquet"  # the Dask workers read the file the scan wrote
    for name in COVERAGE_FILES:
        pd.testing.assert_frame_equal(pd.read_parquet(out / name), pd.read_parquet(run_dir / "data" / name), obj=name)


def test_an_unknown_probe_option_fails_in_one_place_for_every_caller(demo, tmp_path, calls):
    """A --probe-* argument, a probe_* notebook parameter, or a name given to the options: all
    refused by ProbeOptions.from_mapping, before any work, in one line naming it."""

    def refused(call) -> str:
        with pytest.raises(ParameterError) as info:
            call()
        assert info.traceback[-1].name == "from_mapping"  # the one place that knows the names
        return str(info.value)

    said = refused(lambda: ProbeOptions.from_mapping({"probe_sampel": 0.5}, prefix="probe_"))
    assert said == "unknown probe option 'probe_sampel'; did you mean probe_sample?"
    assert refused(lambda: CoverageOptions.from_params({"probe": True, "probe_sampel": 0.5})) == said
    # off, the probe options are checked all the same: a typo never waits for the day probing is on
    assert refused(lambda: CoverageOptions.from_params({"probe": False, "probe_sampel": 0.5})) == said
    # the CLI, with a --probe-sampel argument added but no ProbeOptions field for it
    args = argparse.Namespace(
        spec=str(demo.spec),
        lake=str(demo.lake),
        schedule=None,
        out=str(tmp_path / "o"),
        runs_dir=None,
        sample=None,
        progress=False,
        inventory=None,
        inventory_max_age_days=None,
        engine="pandas",
        stream="auto",
        scheduler=None,
        probe=True,
        probe_sample=None,
        probe_max_objects=None,
        probe_max_bytes=None,
        probe_workers=16,
        probe_cache=None,
        probe_sampel=0.5,
    )
    assert refused(lambda: _reconcile(args, demo.as_of)).endswith("'probe_sampel'; did you mean probe_sample?")
    # the pipeline, with a notebook declaring probe_sampel: refused before the first stage
    decl = {
        "probe": P.Param("probe", "bool", True, stages=["02_coverage"]),
        "probe_sampel": P.Param("probe_sampel", "Optional[float]", None, stages=["02_coverage"]),
    }
    assert refused(lambda: run_values(decl, {"probe_sampel": "0.5"})) == said
    assert calls == [] and not (tmp_path / "o").exists()


def test_options_are_checked_when_made():
    with pytest.raises(ParameterError, match=r"probe sample must be a fraction in \(0, 1\], got 2"):
        ProbeOptions(sample=2)
    with pytest.raises(ParameterError, match="probe max_bytes must be a whole number >= 0, got -1"):
        ProbeOptions(max_bytes=-1)
    with pytest.raises(ParameterError, match="probe max_objects must be a whole number"):
        ProbeOptions(max_objects=True)
    assert ProbeOptions(workers=0).workers == 1  # 0: one reader, as --probe-workers 0 always was
    with pytest.raises(ParameterError, match="engine must be pandas or dask, got 'spark'"):
        EngineOptions("spark")
    with pytest.raises(ParameterError, match="parameter stream: expected auto, yes or no, got 'maybe'"):
        CoverageOptions.from_params({"stream": "maybe"})
    with pytest.raises(ParameterError, match="stream: expected auto, yes or no"):
        StreamOptions("maybe")
    with pytest.raises(BadInput, match="not with the Dask engine"):
        CoverageOptions(stream=StreamOptions("yes"), engine=EngineOptions("dask"))
    with pytest.raises(ParameterError, match="expected ProbeOptions"):
        CoverageOptions(probe={"sample": 0.5})
    with pytest.raises(ParameterError, match="parameter top: not a coverage option"):
        CoverageOptions.from_params({"top": 10})
    with pytest.raises(BadInput, match="--stream yes reads an S3 Inventory in bounded memory: not with sampling"):
        CoverageOptions(stream=StreamOptions("yes")).scan_stream(0.5)
    assert CoverageOptions().scan_stream(0.5) is False and CoverageOptions().scan_stream(None) == "auto"
    assert CoverageOptions(engine=EngineOptions("dask")).scan_stream(None) is False
    with pytest.raises(ValueError, match="either in memory"):
        ScannedInventory("lake")
