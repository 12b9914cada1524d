"""reconcile --probe on the demo lake served by the real S3 server (read-only identity) gives the
same content verdicts and statuses as on the local folder; a rerun reads nothing."""

import json

import pandas as pd
import pytest

from nba_simulator.cli import main
from nba_simulator.demo import build_demo

pytestmark = [pytest.mark.s3, pytest.mark.slow]


def test_probe_local_and_s3_agree(tmp_path, s3_server, s3_readonly_env):
    demo = build_demo(tmp_path / "demo")
    objects = {p.relative_to(demo.lake).as_posix(): p.read_bytes() for p in demo.lake.rglob("*") if p.is_file()}
    s3_server.make_bucket("demo-probe", objects)
    outs = {}
    for name, lake in (("local", str(demo.lake)), ("s3", "s3://demo-probe")):
        outs[name] = tmp_path / name
        assert (
            main(
                [
                    "reconcile",
                    "--spec",
                    str(demo.spec),
                    "--lake",
                    lake,
                    "--as-of",
                    "2026-12-01",
                    "--out",
                    str(outs[name]),
                    "--probe",
                    "--probe-workers",
                    "8",
                ]
            )
            == 0
        ), name
    cols = ["key", "dataset", "verdict", "n_items", "detail"]
    a = pd.read_parquet(outs["local"] / "content.parquet")[cols]
    b = pd.read_parquet(outs["s3"] / "content.parquet")[cols]
    pd.testing.assert_frame_equal(a, b, check_dtype=False)
    planted = json.loads((tmp_path / "demo" / "imperfections.json").read_text())["planted"]
    for out in outs.values():
        cov = pd.read_parquet(out / "coverage.parquet")
        assert set(cov.loc[cov["status"] == "empty", "game_id"]) == set(planted["empty_pbp"])
    info = json.loads((outs["s3"] / "content_info.json").read_text())
    assert info["read"] == info["targets"] and info["bytes_read"] > 10_000_000
    assert (
        main(
            [
                "reconcile",
                "--spec",
                str(demo.spec),
                "--lake",
                "s3://demo-probe",
                "--as-of",
                "2026-12-01",
                "--out",
                str(outs["s3"]),
                "--probe",
            ]
        )
        == 0
    )
    again = json.loads((outs["s3"] / "content_info.json").read_text())
    assert again["read"] == 0 and again["cached"] == info["targets"]
