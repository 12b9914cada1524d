"""The lake is only ever read.

* S3: the whole ``nba-recon run`` pipeline against the real S3 server with the READ-ONLY identity
  (Read + List only: any write or delete would fail with AccessDenied), through the fault proxy
  used here as a recorder: every request the six stages made is a GET or a HEAD. Its data files
  equal ``reconcile`` of the same lake from a local copy.
* Local: a reconcile with content probing (which reads the files) on a lake made read-only with
  ``chmod -R a-w``. Root ignores file modes, so an audit hook (``sys.addaudithook``) also records
  every ``open`` under the lake (all of them read-only) and every call that could change it
  (none), and the lake's bytes and modification times are the same afterwards.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from nba_simulator.reconcile import ReconcileOptions, reconcile

from .conftest import NBA_RECON, assert_same_outputs, load_outputs, tree_digest

AUDIT_SCRIPT = r"""
import json, os, sys
lake = os.path.realpath(sys.argv[1])
events = {"read_opens": 0, "write_opens": [], "changes": []}
WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
CHANGES = {"os.remove", "os.rename", "os.replace", "os.rmdir", "os.mkdir", "os.chmod", "os.chown",
           "os.utime", "os.truncate", "os.link", "os.symlink", "shutil.rmtree", "shutil.move",
           "shutil.copyfile", "os.chflags", "os.setxattr", "os.removexattr"}

def under_lake(p):
    try:
        p = os.fsdecode(p) if not isinstance(p, int) else None
    except Exception:
        return False
    return p is not None and os.path.realpath(p).startswith(lake + os.sep)

def hook(event, args):
    if event == "open" and args and under_lake(args[0]):
        mode, flags = args[1], args[2]
        writes = (isinstance(mode, str) and any(c in mode for c in "wax+")) or \
                 (isinstance(flags, int) and flags & WRITE_FLAGS)
        if writes:
            events["write_opens"].append([os.fsdecode(args[0]), mode, flags])
        else:
            events["read_opens"] += 1
    elif event in CHANGES and any(under_lake(a) for a in args if isinstance(a, (str, bytes, os.PathLike))):
        events["changes"].append([event, [str(a) for a in args]])

sys.addaudithook(hook)
from nba_simulator.cli import main
rc = main(sys.argv[2:])
print("AUDIT " + json.dumps({"rc": rc, **events}))
"""


def _modes(root: Path) -> dict[str, tuple[int, int]]:
    return {str(p.relative_to(root)): (p.stat().st_mtime_ns, stat.S_IMODE(p.stat().st_mode)) for p in root.rglob("*")}


@pytest.fixture
def readonly_lake(demo, tmp_path):
    import shutil

    lake = tmp_path / "lake"
    shutil.copytree(demo.lake, lake)
    subprocess.run(["chmod", "-R", "a-w", str(lake)], check=True)
    yield lake
    subprocess.run(["chmod", "-R", "u+w", str(lake)], check=True)


def test_local_backend_opens_the_lake_read_only(demo, readonly_lake, tmp_path):
    before, modes = tree_digest(readonly_lake), _modes(readonly_lake)
    out = tmp_path / "out"
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            AUDIT_SCRIPT,
            str(readonly_lake),
            "reconcile",
            "--spec",
            str(demo.spec),
            "--lake",
            str(readonly_lake),
            "--as-of",
            demo.as_of,
            "--out",
            str(out),
            "--probe",
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    line = next(ln for ln in proc.stdout.splitlines() if ln.startswith("AUDIT "))
    audit = json.loads(line[len("AUDIT ") :])
    assert audit["rc"] == 0, proc.stderr
    assert audit["read_opens"] > 1000, audit  # the probe read the files...
    assert audit["write_opens"] == [], audit["write_opens"][:5]  # ...and opened none for writing
    assert audit["changes"] == [], audit["changes"][:5]
    assert tree_digest(readonly_lake) == before and _modes(readonly_lake) == modes
    assert (out / "summary.json").exists()
    if os.geteuid() != 0:  # without root the modes themselves forbid writing
        assert all(not (m & 0o222) for _, m in modes.values())


@pytest.mark.s3
@pytest.mark.slow
def test_whole_pipeline_against_s3_with_the_read_only_identity(s3_demo, proxy_env, fault_proxy, tmp_path):
    uri, d = s3_demo
    as_of = (pd.Timestamp.now(tz="UTC") + pd.Timedelta(days=1)).strftime("%Y-%m-%d")
    runs = tmp_path / "runs"
    env = {**os.environ, **proxy_env}
    proc = subprocess.run(
        [
            NBA_RECON,
            "run",
            "--spec",
            str(d.spec),
            "--lake",
            uri,
            "--as-of",
            as_of,
            "--runs-dir",
            str(runs),
            "--no-progress",
            "--retries",
            "0",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=900,
    )
    assert proc.returncode == 0, proc.stderr
    (run_dir,) = [p for p in runs.iterdir() if p.is_dir()]
    rec = json.loads((run_dir / "run.json").read_text())
    assert rec["status"] == "succeeded" and rec["parameters"]["lake"] == uri
    # every request of the six stages (kernels included) was a read
    methods = {m for m, _, _ in fault_proxy.log}
    assert fault_proxy.requests > 10 and methods <= {"GET", "HEAD"}, methods
    # the same answers as the library on the local copy of the lake
    lib = tmp_path / "lib"
    reconcile(ReconcileOptions(str(d.spec), str(d.lake), as_of, out_dir=lib))
    ours, theirs = load_outputs(run_dir / "data"), load_outputs(lib)
    for outs in (ours, theirs):  # a local file has no ETag (a size/mtime fingerprint instead)
        outs["inventory.parquet"] = outs["inventory.parquet"].drop(columns="etag")
    assert_same_outputs(theirs, ours)
    # the read-only identity's secret is nowhere in what the run wrote or printed
    secret = proxy_env["AWS_SECRET_ACCESS_KEY"].encode()
    for path in runs.rglob("*"):
        if path.is_file():
            assert secret not in path.read_bytes(), path
    assert secret.decode() not in proc.stdout + proc.stderr
