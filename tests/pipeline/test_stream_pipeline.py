"""``nba-recon run`` over an S3 Inventory too big to hold: ``01_scan`` streams the delivery into
``inventory.parquet`` (``-p stream yes``), ``02_coverage`` runs the streamed coverage over that
file, and every later stage reads only what it needs. The data files equal an in-memory run's
(``-p stream no``) on the same delivery; the inventory and orphans only in another order (the
delivery's). Real notebooks and kernels; one run each way, shared by the assertions."""

from __future__ import annotations

import json

import pandas as pd
import pytest
import yaml

from nba_simulator.cli import main
from nba_simulator.demo import build_demo
from nba_simulator.scan_run import scan_lake
from nba_simulator.spec import load_spec
from tests.inventory_writer import write_delivery

pytestmark = pytest.mark.slow

SAME = ("coverage.parquet", "duplicates.parquet", "completeness.parquet", "matrix.parquet", "gaps.parquet")


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("stream-pipeline")
    demo = build_demo(root / "demo")
    inventory, _ = scan_lake(load_spec(demo.spec), str(demo.lake), as_of=demo.as_of)
    dest = root / "inventory-dest"
    write_delivery(dest, inventory, source_bucket="lake", fmt="Parquet", files=3, created="2019-03-14T01:00Z")
    spec = yaml.safe_load(demo.spec.read_text())
    spec["inventory"] = {"uri": str(dest), "max_age_days": 7}
    spec_path = demo.spec.parent / "spec-inventory.yaml"
    spec_path.write_text(yaml.safe_dump(spec, sort_keys=False))
    out = {}
    for mode in ("no", "yes"):
        runs_dir = root / f"runs-{mode}"
        rc = main(
            [
                "run",
                "--spec",
                str(spec_path),
                "--lake",
                str(demo.lake),
                "--as-of",
                demo.as_of,
                "--runs-dir",
                str(runs_dir),
                "--no-progress",
                "-p",
                "stream",
                mode,
            ]
        )
        (run_dir,) = [p for p in runs_dir.iterdir() if p.is_dir()]
        out[mode] = (rc, run_dir)
    return out, spec_path, demo


def test_streamed_run_writes_the_in_memory_runs_files(runs):
    out, _, _ = runs
    (rc_no, memory), (rc_yes, streamed) = out["no"], out["yes"]
    assert rc_no == 0 and rc_yes == 0
    scan = json.loads((streamed / "data" / "scan_info.json").read_text())
    assert scan["streamed"] is True and scan["source"] == "s3-inventory"
    assert "streamed" not in json.loads((memory / "data" / "scan_info.json").read_text())
    assert scan["objects"] == json.loads((memory / "data" / "scan_info.json").read_text())["objects"]
    for name in SAME:
        pd.testing.assert_frame_equal(
            pd.read_parquet(memory / "data" / name), pd.read_parquet(streamed / "data" / name), obj=name
        )
    for name in ("orphans.parquet", "inventory.parquet"):  # streamed: in delivery order
        a, b = (pd.read_parquet(d / "data" / name).sort_values("key", ignore_index=True) for d in (memory, streamed))
        pd.testing.assert_frame_equal(a, b, check_dtype=False, obj=name)
    info = json.loads((streamed / "data" / "coverage_info.json").read_text())
    orphans = pd.read_parquet(streamed / "data" / "orphans.parquet")
    assert info["orphan_counts"] == orphans["reason"].value_counts().to_dict() and len(orphans)
    for name in ("tasks.json",):
        assert (memory / "data" / name).read_text() == (streamed / "data" / name).read_text()
    a, b = (json.loads((d / "data" / "summary.json").read_text()) for d in (memory, streamed))
    assert a == b
    # the scan page shows the folders of the streamed file, the same as in memory
    page = (streamed / "01_scan.html").read_text()
    assert "streamed batch by batch" in page
    for folder in pd.read_parquet(memory / "data" / "inventory.parquet")["key"].str.split("/").str[0].unique():
        assert folder in page


def test_stream_yes_with_sampling_or_an_unknown_value_is_refused_before_any_stage(runs, tmp_path):
    _, spec_path, demo = runs
    base = ["run", "--spec", str(spec_path), "--lake", str(demo.lake), "--as-of", demo.as_of, "--no-progress"]
    for n, extra in enumerate((["-p", "stream", "yes", "-p", "sample", "0.5"], ["-p", "stream", "maybe"])):
        runs_dir = tmp_path / f"runs-{n}"
        assert main(base + ["--runs-dir", str(runs_dir), *extra]) == 2
        assert not runs_dir.exists() or not any(p.is_dir() for p in runs_dir.iterdir())


def test_a_streamed_scan_is_probed_like_one_in_memory(runs, tmp_path, monkeypatch):
    """``-p probe true`` on a streamed scan (here ``auto`` above 1 byte of data files): the coverage
    stage probes the objects the streamed coverage kept, with the same verdicts as in memory."""
    _, spec_path, demo = runs
    base = [
        "run",
        "--spec",
        str(spec_path),
        "--lake",
        str(demo.lake),
        "--as-of",
        demo.as_of,
        "--no-progress",
        "-p",
        "probe",
        "true",
        "--stages",
        "00",
        "01",
        "02",
    ]
    dirs = {}
    for mode in ("no", "auto"):
        if mode == "auto":
            monkeypatch.setenv("NBA_RECON_STREAM_ABOVE_BYTES", "1")
        runs_dir = tmp_path / mode
        assert main(base + ["--runs-dir", str(runs_dir), "-p", "stream", mode]) == 0
        (dirs[mode],) = [p / "data" for p in runs_dir.iterdir() if p.is_dir()]
    assert json.loads((dirs["auto"] / "scan_info.json").read_text())["streamed"] is True
    for name in ("coverage.parquet", "content.parquet", "completeness.parquet"):
        pd.testing.assert_frame_equal(
            pd.read_parquet(dirs["no"] / name), pd.read_parquet(dirs["auto"] / name), obj=name
        )
    cov = pd.read_parquet(dirs["auto"] / "coverage.parquet")
    assert (cov["status"] == "empty").any()  # the demo's planted empty files, found by reading them


def test_a_streamed_inventory_missing_or_damaged_is_named(runs, tmp_path):
    """The coverage stage of a streamed scan whose inventory.parquet is gone or not Parquet: one
    line naming the file (and the stage that makes it), nothing of the stage written."""
    import shutil

    from nba_simulator.errors import BadInput
    from nba_simulator.pipeline.stage import open_stage

    out, spec_path, demo = runs
    run_dir = tmp_path / "run"
    shutil.copytree(out["yes"][1] / "data", run_dir / "data")
    for name in ("coverage.parquet", "orphans.parquet", "coverage_info.json"):
        (run_dir / "data" / name).unlink()
    (run_dir / "data" / "inventory.parquet").unlink()
    stage = open_stage("02_coverage", run_dir=str(run_dir), spec=str(spec_path), lake=str(demo.lake), as_of=demo.as_of)
    with pytest.raises(BadInput, match=r"inventory\.parquet: missing; run stage 01_scan first"):
        stage.run_coverage()
    (run_dir / "data" / "inventory.parquet").write_bytes(b"PAR1 not really")
    stage = open_stage("02_coverage", run_dir=str(run_dir), spec=str(spec_path), lake=str(demo.lake), as_of=demo.as_of)
    with pytest.raises(BadInput, match=r"inventory\.parquet: not a readable Parquet file"):
        stage.run_coverage()
    assert not (run_dir / "data" / "orphans.parquet").exists()
    assert not (run_dir / "data" / "coverage.parquet").exists()
    assert not list((run_dir / "data").glob(".*"))
