"""The Dask engine gives exactly the pandas engine's results (LocalCluster, in-process, small)."""

from __future__ import annotations

import pandas as pd
import pytest

pytest.importorskip("dask.dataframe")
pytest.importorskip("distributed")

from nba_simulator.cli import main
from nba_simulator.coverage import build_coverage
from nba_simulator.coverage.dask_engine import dask_coverage
from nba_simulator.demo import build_demo
from nba_simulator.reconcile import resolve_schedule, schedule_for
from nba_simulator.scan_run import scan_lake
from nba_simulator.spec import load_spec

FRAMES = ("coverage", "orphans", "duplicates", "completeness")


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    return build_demo(tmp_path_factory.mktemp("dask-demo"))


def test_dask_equals_pandas_on_the_same_inventory(demo, tmp_path):
    from distributed import LocalCluster

    spec = load_spec(demo.spec)
    games = schedule_for(spec, resolve_schedule(spec), lake=str(demo.lake), as_of=demo.as_of)
    inv_path = tmp_path / "inventory.parquet"
    inventory, _ = scan_lake(spec, str(demo.lake), as_of=demo.as_of, out_path=inv_path)
    # the demo's planted flaws: orphans, unparsed keys, duplicates, every status
    pandas_result = build_coverage(spec, games, inventory, demo.as_of)
    assert len(pandas_result.orphans) and len(pandas_result.duplicates)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None) as cluster:
        # several partitions: small row groups
        import pyarrow.parquet as pq

        pq.write_table(pq.read_table(inv_path), inv_path, row_group_size=1000)
        dask_result = dask_coverage(spec, games, inv_path, demo.as_of, scheduler=cluster.scheduler_address)
        from_frame = dask_coverage(spec, games, inventory, demo.as_of, scheduler=cluster.scheduler_address)
    for name in FRAMES:
        pd.testing.assert_frame_equal(getattr(pandas_result, name), getattr(dask_result, name), obj=name)
        pd.testing.assert_frame_equal(getattr(pandas_result, name), getattr(from_frame, name), obj=name)
    assert dask_result.warnings == pandas_result.warnings


def test_cli_engine_dask_writes_the_same_outputs(demo, tmp_path):
    outs = {}
    for engine in ("pandas", "dask"):
        outs[engine] = tmp_path / engine
        assert (
            main(
                [
                    "reconcile",
                    "--spec",
                    str(demo.spec),
                    "--lake",
                    str(demo.lake),
                    "--as-of",
                    str(demo.as_of),
                    "--out",
                    str(outs[engine]),
                    "--engine",
                    engine,
                ]
            )
            == 0
        )
    for f in (
        "coverage.parquet",
        "orphans.parquet",
        "duplicates.parquet",
        "completeness.parquet",
        "gaps.parquet",
        "inventory.parquet",
    ):
        pd.testing.assert_frame_equal(pd.read_parquet(outs["pandas"] / f), pd.read_parquet(outs["dask"] / f), obj=f)
    assert (outs["pandas"] / "tasks.json").read_text() == (outs["dask"] / "tasks.json").read_text()


def test_dask_refuses_sampling_and_bad_scheduler(demo, tmp_path):
    assert (
        main(
            [
                "reconcile",
                "--spec",
                str(demo.spec),
                "--lake",
                str(demo.lake),
                "--as-of",
                str(demo.as_of),
                "--out",
                str(tmp_path / "o"),
                "--engine",
                "dask",
                "--sample",
                "0.5",
            ]
        )
        == 2
    )
    assert (
        main(
            [
                "reconcile",
                "--spec",
                str(demo.spec),
                "--lake",
                str(demo.lake),
                "--as-of",
                str(demo.as_of),
                "--out",
                str(tmp_path / "o"),
                "--engine",
                "spark",
            ]
        )
        == 2
    )
