"""Faults at the storage layer: the fault proxy between the tool and the real S3 server.

* With 20% of requests faulted (503 SlowDown, connection resets, truncated responses, latency),
  a scan gives exactly the inventory of a clean scan, and reads give exactly the bytes: botocore's
  standard retry mode (paginator, check) or storage/s3_store.call (obstore) absorbs the faults.
* With every request faulted, the tool fails with one clear line after exactly
  ``MAX_ATTEMPTS`` attempts (counted by the proxy), in bounded time.
* Permanent errors (access denied, a rejected session token) are not retried: the proxy sees one
  request.
"""

from __future__ import annotations

import time
from collections import Counter

import pandas as pd
import pytest

import nba_simulator.storage.s3 as s3mod
from nba_simulator.cli import main
from nba_simulator.errors import AccessDenied, TransientStorageError
from nba_simulator.spec import load_spec
from nba_simulator.storage import open_storage
from nba_simulator.storage.scan import scan

from .conftest import assert_same_outputs, load_outputs

pytestmark = pytest.mark.s3

LISTINGS = ("obstore", "paginator")
SAFETY_NET_S = 120  # not a speed target: only catches a retry loop that never ends


def _scan(uri: str, spec) -> pd.DataFrame:
    with open_storage(uri) as storage:
        return scan(storage, exclude=list(spec.exclude), workers=8)


@pytest.fixture(scope="module")
def clean(s3_demo, s3_server):
    """The inventory of a scan straight to the server (no proxy)."""
    uri, d = s3_demo
    spec = load_spec(d.spec)
    mp = pytest.MonkeyPatch()
    try:
        for k, v in s3_server.readonly_env().items():
            mp.setenv(k, v)
        mp.delenv("AWS_SESSION_TOKEN", raising=False)
        mp.delenv("AWS_PROFILE", raising=False)
        inv = _scan(uri, spec)
    finally:
        mp.undo()
    assert len(inv) > 3000
    return spec, inv


def test_proxy_without_faults_is_transparent(proxy_env, fault_proxy, s3_demo, clean):
    spec, expected = clean
    inv = _scan(s3_demo[0], spec)
    pd.testing.assert_frame_equal(inv, expected)
    assert fault_proxy.requests == fault_proxy.forwarded >= 8 and not fault_proxy.faults


def test_fault_plan_is_deterministic(proxy_env, fault_proxy, s3_demo, clean):
    spec, _ = clean
    plans = []
    for _ in range(2):
        fault_proxy.configure(rate=0.3, seed=11)
        _scan(s3_demo[0], spec)
        plans.append(sorted(fault_proxy.log, key=repr))
    assert plans[0] == plans[1] and any(f for _, _, f in plans[0])


@pytest.mark.parametrize("listing", LISTINGS)
def test_scan_with_20_percent_faults_equals_clean_scan(proxy_env, fault_proxy, s3_demo, clean, listing, monkeypatch):
    """Six seeds (six fault plans): each scan equals the clean one; every kind of fault happened.
    Both listing paths: obstore (default) and boto3's paginator."""
    monkeypatch.setenv("NBA_RECON_S3_LISTING", listing)
    spec, expected = clean
    seen = {}
    for seed in range(1, 7):
        fault_proxy.configure(rate=0.2, seed=seed, latency=0.05)
        inv = _scan(s3_demo[0], spec)
        pd.testing.assert_frame_equal(inv, expected, obj=f"inventory (seed {seed})")
        # each hard fault cost one request more than the answers forwarded: botocore retried it
        hard = sum(n for kind, n in fault_proxy.faults.items() if kind != "latency")
        assert fault_proxy.requests - fault_proxy.forwarded + fault_proxy.faults["truncate"] == hard
        for kind, n in fault_proxy.faults.items():
            seen[kind] = seen.get(kind, 0) + n
    assert set(seen) == {"slowdown", "reset", "truncate", "latency"}, seen
    assert sum(seen.values()) >= 6, seen


def test_reads_with_20_percent_faults_give_exact_bytes(proxy_env, fault_proxy, s3_demo):
    uri, d = s3_demo
    keys = sorted(p.relative_to(d.lake).as_posix() for p in (d.lake / "pbp").rglob("*.json"))[:150]
    fault_proxy.configure(rate=0.2, seed=5)
    with open_storage(uri) as storage:
        for key in keys:
            assert storage.read(key) == (d.lake / key).read_bytes(), key
            assert storage.read(key, 3, 40) == (d.lake / key).read_bytes()[3:40], key
    assert fault_proxy.faults["truncate"] and fault_proxy.faults["reset"] and fault_proxy.faults["slowdown"]


def test_reconcile_with_20_percent_faults_equals_clean_reconcile(proxy_env, fault_proxy, s3_demo, tmp_path):
    uri, d = s3_demo
    as_of = (pd.Timestamp.now(tz="UTC") + pd.Timedelta(days=1)).strftime("%Y-%m-%d")
    outs = {}
    for name, rate in (("clean", 0.0), ("faulted", 0.2)):
        fault_proxy.configure(rate=rate, seed=9)
        outs[name] = tmp_path / name
        rc = main(["reconcile", "--spec", str(d.spec), "--lake", uri, "--as-of", as_of, "--out", str(outs[name])])
        assert rc == 0, name
    assert sum(fault_proxy.faults.values()) > 0
    assert_same_outputs(load_outputs(outs["clean"]), load_outputs(outs["faulted"]))


@pytest.mark.parametrize("listing", LISTINGS)
@pytest.mark.parametrize("kind", ["slowdown", "reset", "truncate"])
def test_every_request_faulted_fails_after_bounded_retries(
    proxy_env, fault_proxy, s3_demo, tmp_path, capsys, kind, listing, monkeypatch
):
    monkeypatch.setenv("NBA_RECON_S3_LISTING", listing)
    uri, d = s3_demo
    fault_proxy.configure(rate=1.0, faults=(kind,), seed=0)
    t0 = time.monotonic()
    rc = main(
        ["reconcile", "--spec", str(d.spec), "--lake", uri, "--as-of", "2019-03-15", "--out", str(tmp_path / "out")]
    )
    elapsed = time.monotonic() - t0
    err = capsys.readouterr().err.strip()
    assert rc == 1, err
    assert len(err.splitlines()) == 1, err
    assert err.startswith("nba-recon: failed: ")
    assert uri in err and f"after {s3mod.MAX_ATTEMPTS} attempts" in err and "retry later" in err
    if kind == "slowdown":
        assert "SlowDown" in err
    # the first listings (schedule: auto's two scoreboard layouts, in parallel) failed after
    # botocore's attempts each; nothing else was tried
    per_request = Counter((method, path) for method, path, _ in fault_proxy.log)
    assert len(per_request) <= 2 and set(per_request.values()) == {s3mod.MAX_ATTEMPTS}, fault_proxy.log
    assert elapsed < SAFETY_NET_S
    assert not (tmp_path / "out").exists()


def test_storage_errors_say_transient_after_bounded_retries(proxy_env, fault_proxy, s3_demo):
    uri, _ = s3_demo
    fault_proxy.configure(rate=1.0, faults=("reset",), seed=0)
    with open_storage(uri) as storage:
        with pytest.raises(TransientStorageError) as err:
            storage.read("espn_schedules/20190101.json")
    assert err.value.transient
    assert fault_proxy.requests == s3mod.MAX_ATTEMPTS


def test_access_denied_is_not_retried(proxy_env, fault_proxy, s3_demo, monkeypatch, capsys, tmp_path):
    uri, d = s3_demo
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "wrong-secret-for-the-fault-test")
    with open_storage(uri) as storage:
        with pytest.raises(AccessDenied):
            storage.check()
    assert fault_proxy.requests == 1
    fault_proxy.reset_counts()
    rc = main(
        ["reconcile", "--spec", str(d.spec), "--lake", uri, "--as-of", "2019-03-15", "--out", str(tmp_path / "out")]
    )
    err = capsys.readouterr().err
    assert rc == 2 and "access denied" in err and "wrong-secret" not in err
    # schedule: auto lists the scoreboards' two layouts (espn_schedules/, schedule/) in parallel:
    # each denied once, none retried, nothing listed after
    assert 1 <= fault_proxy.requests <= 2


def test_rejected_session_token_is_not_retried(proxy_env, fault_proxy, s3_demo, monkeypatch):
    """An expired/invalid session token: the server rejects it (SeaweedFS answers
    InvalidAccessKeyId to a token it did not issue); one request, AccessDenied."""
    uri, _ = s3_demo
    monkeypatch.setenv("AWS_SESSION_TOKEN", "expired-session-token-FAULTTEST")
    with open_storage(uri) as storage:
        with pytest.raises(AccessDenied) as err:
            storage.check()
    assert fault_proxy.requests == 1
    assert "FAULTTEST" not in str(err.value)
