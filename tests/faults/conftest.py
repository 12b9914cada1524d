"""Shared fixtures of the fault tests: the demo lake (local, and uploaded once to the real S3
server), the fault proxy in front of that server, the two shared pipeline runs (see
``pipeline_runs.py``), and helpers to compare outputs."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import sys
from pathlib import Path

import pandas as pd
import pytest

from nba_simulator.demo import build_demo
from tests.faultproxy import FaultProxy

NBA_RECON = str(Path(sys.executable).parent / "nba-recon")
S3_DEMO_LEFT_OUT = ("espn_box_scores", "nba_api_playbyplay")
#: the data files of a run whose content must not depend on how the run got there
FINAL_DATA = (
    "inventory.parquet",
    "coverage.parquet",
    "orphans.parquet",
    "duplicates.parquet",
    "completeness.parquet",
    "gaps.parquet",
    "tasks.json",
    "summary.json",
)


@pytest.fixture(scope="session")
def demo(tmp_path_factory):
    """The demo lake, built once; tests must not modify it."""
    return build_demo(tmp_path_factory.mktemp("faults_demo"))


@pytest.fixture(scope="session")
def s3_demo(s3_server, tmp_path_factory):
    """The demo lake uploaded to bucket ``faults-demo``; the local copy's modification times are
    set to the server's (S3 stamps LastModified at upload), so both describe the same objects.
    Returns ``(uri, demo)`` where ``demo.lake`` is that local copy.

    Two of the demo's biggest folders are left out (uploading is the slow part: ~300 objects/s);
    what remains still has folders of more than 1,000 keys (several listing pages)."""
    d = build_demo(tmp_path_factory.mktemp("faults_s3_demo"))
    for folder in S3_DEMO_LEFT_OUT:
        shutil.rmtree(d.lake / folder)
    objects = {p.relative_to(d.lake).as_posix(): p.read_bytes() for p in d.lake.rglob("*") if p.is_file()}
    s3_server.make_bucket("faults-demo", objects)
    client = s3_server.admin_client()
    for page in client.get_paginator("list_objects_v2").paginate(Bucket="faults-demo"):
        for obj in page.get("Contents", []):
            t = obj["LastModified"].timestamp()
            os.utime(d.lake / obj["Key"], (t, t))
    return "s3://faults-demo", d


@pytest.fixture(scope="session")
def fault_proxy(s3_server):
    """A :class:`~tests.faultproxy.FaultProxy` in front of the session's S3 server (no faults
    until a test configures some; every test starts from a clean plan)."""
    with FaultProxy(s3_server.endpoint) as proxy:
        yield proxy


@pytest.fixture
def proxy_env(fault_proxy, s3_readonly_env, monkeypatch):
    """The READ-ONLY identity, with its endpoint pointing at the fault proxy."""
    fault_proxy.configure(rate=0.0, faults=("slowdown", "reset", "truncate", "latency"), seed=0, rewrite=None)
    monkeypatch.setenv("AWS_ENDPOINT_URL", fault_proxy.endpoint)
    return {**s3_readonly_env, "AWS_ENDPOINT_URL": fault_proxy.endpoint}


@pytest.fixture(scope="session")
def hostile_demo_lake(demo, tmp_path_factory):
    """A copy of the demo lake in a folder named like an HTML tag, with keys named like tags."""
    from .pipeline_runs import hostile_lake

    return hostile_lake(demo.lake, tmp_path_factory.mktemp("hostile"))


@pytest.fixture(scope="session")
def reference_proc(demo, hostile_demo_lake, tmp_path_factory):
    """The uninterrupted pipeline run (secrets set, hostile names), started in the background."""
    from .pipeline_runs import start_reference

    runs, proc = start_reference(demo, hostile_demo_lake, tmp_path_factory.mktemp("reference"))
    yield runs, proc
    if proc.p.poll() is None:
        os.killpg(proc.p.pid, signal.SIGKILL)
        proc.p.wait()


@pytest.fixture(scope="session")
def reference(reference_proc):
    """(runs dir, run dir, console output) of the uninterrupted run."""
    from .pipeline_runs import finish_reference

    return finish_reference(*reference_proc)


@pytest.fixture(scope="session")
def crashed(demo, hostile_demo_lake, tmp_path_factory, reference_proc):
    """(runs dir, run dir, log) of the same run killed in each stage and resumed each time."""
    from .pipeline_runs import crash_chain

    return crash_chain(demo, hostile_demo_lake, tmp_path_factory.mktemp("crashed"))


def tree_bytes(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (relative path -> bytes)."""
    folder = Path(folder)
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def tree_digest(folder: Path) -> dict[str, str]:
    return {k: hashlib.sha256(v).hexdigest() for k, v in tree_bytes(folder).items()}


def load_outputs(data_dir: Path) -> dict:
    """The final data files of a run, in comparable form (inventory sorted by key)."""
    out = {}
    for name in FINAL_DATA:
        path = Path(data_dir) / name
        if name.endswith(".parquet"):
            df = pd.read_parquet(path)
            if name == "inventory.parquet":
                df = df.sort_values("key").reset_index(drop=True)
            out[name] = df
        else:
            out[name] = json.loads(path.read_text(encoding="utf-8"))
    return out


def assert_same_outputs(a: dict, b: dict, ignore_summary=("inventory",)) -> None:
    for name in FINAL_DATA:
        if name.endswith(".parquet"):
            pd.testing.assert_frame_equal(a[name], b[name], check_like=True, obj=name)
        elif name == "summary.json":
            sa, sb = dict(a[name]), dict(b[name])
            for k in ignore_summary:
                sa.pop(k, None), sb.pop(k, None)
            assert sa == sb, name
        else:
            assert a[name] == b[name], name
