"""The same lake reconciled from a local folder and from a real S3 server gives identical results.

S3 stamps LastModified at upload, so after uploading the demo lake the local copy's modification
times are set to the server's: both backends then describe exactly the same objects.
"""

import json
import os

import pandas as pd
import pytest

from nba_simulator.cli import main
from nba_simulator.demo import build_demo

pytestmark = pytest.mark.s3

OUTPUTS = ["coverage.parquet", "orphans.parquet", "duplicates.parquet", "completeness.parquet", "gaps.parquet"]


@pytest.fixture(scope="module")
def demo_in_both(tmp_path_factory, s3_server):
    demo = build_demo(tmp_path_factory.mktemp("demo"))
    objects = {p.relative_to(demo.lake).as_posix(): p.read_bytes() for p in demo.lake.rglob("*") if p.is_file()}
    s3_server.make_bucket("demo-lake", objects)
    client = s3_server.admin_client()
    for page in client.get_paginator("list_objects_v2").paginate(Bucket="demo-lake"):
        for obj in page.get("Contents", []):
            t = obj["LastModified"].timestamp()
            os.utime(demo.lake / obj["Key"], (t, t))
    return demo


def test_local_and_s3_give_identical_results(demo_in_both, s3_readonly_env, tmp_path):
    demo = demo_in_both
    # as of a day after the upload: nothing premature, the same answers either way
    as_of = (pd.Timestamp.now(tz="UTC") + pd.Timedelta(days=1)).strftime("%Y-%m-%d")
    outs = {}
    for name, lake in (("local", str(demo.lake)), ("s3", "s3://demo-lake")):
        outs[name] = tmp_path / name
        rc = main(["reconcile", "--spec", str(demo.spec), "--lake", lake, "--as-of", as_of, "--out", str(outs[name])])
        assert rc == 0, name
    for f in OUTPUTS:
        a = pd.read_parquet(outs["local"] / f)
        b = pd.read_parquet(outs["s3"] / f)
        pd.testing.assert_frame_equal(a, b, check_dtype=False, obj=f)
    inv_a = pd.read_parquet(outs["local"] / "inventory.parquet")
    inv_b = pd.read_parquet(outs["s3"] / "inventory.parquet")
    pd.testing.assert_frame_equal(
        inv_a[["key", "size", "last_modified"]], inv_b[["key", "size", "last_modified"]], check_dtype=False
    )
    ta = json.loads((outs["local"] / "tasks.json").read_text())
    tb = json.loads((outs["s3"] / "tasks.json").read_text())
    assert ta == tb and ta["tasks"]
    sa = json.loads((outs["local"] / "summary.json").read_text())
    sb = json.loads((outs["s3"] / "summary.json").read_text())
    sa["inventory"].pop("lake"), sb["inventory"].pop("lake")
    assert sa == sb
    assert sa["totals"]["missing"] > 0


def test_missing_bucket_and_access_denied(s3_server, s3_readonly_env, tmp_path, capsys, monkeypatch):
    spec = tmp_path / "spec.yaml"  # the spec only matters up to the scan
    spec.write_text(
        "version: 1\ndatasets:\n  pbp:\n    source: nba_stats\n    data_type: pbp\n"
        "    keys: pbp/{game_id}.json\n    per: game\n    seasons: 2018-19\n"
    )
    rc = main(
        [
            "reconcile",
            "--spec",
            str(spec),
            "--lake",
            "s3://no-such-bucket",
            "--as-of",
            "2019-03-15",
            "--out",
            str(tmp_path / "o1"),
        ]
    )
    err = capsys.readouterr().err
    assert rc == 2 and "no-such-bucket" in err and len(err.strip().splitlines()) == 1
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "wrong-secret-for-this-test")
    s3_server.make_bucket("denied-lake", {"a.json": b"{}"})
    rc = main(
        [
            "reconcile",
            "--spec",
            str(spec),
            "--lake",
            "s3://denied-lake",
            "--as-of",
            "2019-03-15",
            "--out",
            str(tmp_path / "o2"),
        ]
    )
    err = capsys.readouterr().err
    assert rc == 2 and "denied" in err.lower() and "wrong-secret" not in err
    assert not (tmp_path / "o1").exists() and not (tmp_path / "o2").exists()
