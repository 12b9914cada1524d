"""The S3 backend against a real S3 server (SeaweedFS), as the READ-ONLY identity."""

from __future__ import annotations

import botocore.exceptions
import pandas as pd
import pyarrow as pa
import pytest

from nba_simulator.errors import AccessDenied, BadInput, LakeNotFound, StorageError
from nba_simulator.storage import INVENTORY_SCHEMA, ObjectNotFound, open_storage
from nba_simulator.storage.s3 import S3Storage, parse_s3_uri
from nba_simulator.storage.scan import scan
from tests.s3server import READONLY_KEY, READONLY_SECRET

pytestmark = pytest.mark.s3


def _keys(storage, prefix="", recursive=True):
    return sorted(k for b in storage.iter_objects(prefix, recursive=recursive) for k in b.column("key").to_pylist())


@pytest.fixture
def counted(s3_server, s3_readonly_env, monkeypatch):
    """An HTTP proxy (no faults) between the tool and the server, counting every request sent,
    whichever client sends it (boto3 for ``check``, obstore for listing and reading)."""
    from tests.faultproxy import FaultProxy

    with FaultProxy(s3_server.endpoint) as proxy:
        monkeypatch.setenv("AWS_ENDPOINT_URL", proxy.endpoint)
        yield proxy


# -- the fixture itself ---------------------------------------------------------------------
def test_readonly_identity_cannot_write_or_delete(s3_server):
    s3_server.make_bucket("fixture-proof", {"a/x.json": b"keep me"})
    ro = s3_server.readonly_client()
    assert ro.get_object(Bucket="fixture-proof", Key="a/x.json")["Body"].read() == b"keep me"
    assert ro.list_objects_v2(Bucket="fixture-proof")["KeyCount"] == 1
    for attempt in (
        lambda: ro.put_object(Bucket="fixture-proof", Key="a/new.json", Body=b"x"),
        lambda: ro.put_object(Bucket="fixture-proof", Key="a/x.json", Body=b"overwrite"),
        lambda: ro.delete_object(Bucket="fixture-proof", Key="a/x.json"),
        lambda: ro.delete_objects(Bucket="fixture-proof", Delete={"Objects": [{"Key": "a/x.json"}]}),
        lambda: ro.create_bucket(Bucket="fixture-proof-2"),
        lambda: ro.delete_bucket(Bucket="fixture-proof"),
    ):
        with pytest.raises(botocore.exceptions.ClientError) as err:
            result = attempt()
            # DeleteObjects reports per-key errors in a 200 response
            if result.get("Errors"):
                raise botocore.exceptions.ClientError({"Error": result["Errors"][0]}, "DeleteObjects")
        assert err.value.response["Error"]["Code"] == "AccessDenied"
    assert s3_server.admin_client().get_object(Bucket="fixture-proof", Key="a/x.json")["Body"].read() == b"keep me"
    assert ro.list_objects_v2(Bucket="fixture-proof")["KeyCount"] == 1


def test_server_started_quickly(s3_server):
    assert s3_server.startup_seconds is not None and s3_server.startup_seconds < 30


# -- listing ------------------------------------------------------------------------------
def test_open_storage_picks_s3(s3_readonly_env):
    storage = open_storage("s3://lake/raw/")
    assert isinstance(storage, S3Storage)
    assert storage.uri == "s3://lake/raw"
    assert parse_s3_uri("s3://b") == ("b", "")
    assert parse_s3_uri("s3://b/a/b") == ("b", "a/b/")
    with pytest.raises(BadInput):
        parse_s3_uri("s3:///x")


def test_s3_and_local_inventories_are_identical(s3_readonly_env, s3_lake, local_lake, lake_objects):
    s3 = scan(open_storage(s3_lake))
    local = scan(open_storage(str(local_lake)))
    assert len(s3) == len(lake_objects)
    assert s3["key"].tolist() == local["key"].tolist() == sorted(lake_objects)
    assert s3["size"].tolist() == local["size"].tolist()
    assert (s3["key"].str.startswith("espn_play_by_play/")).sum() == 1101  # > 1,000: paginated
    assert str(s3["last_modified"].dtype) == "datetime64[ns, UTC]"
    assert s3["etag"].notna().all() and not s3["etag"].str.contains('"').any()


def test_pagination_passes_1000_keys(s3_lake, counted):
    storage = open_storage(s3_lake)
    batches = list(storage.iter_objects("espn_play_by_play/"))
    assert sum(b.num_rows for b in batches) == 1101
    assert counted.requests == 2  # two ListObjectsV2 pages
    keys = [k for b in batches for k in b.column("key").to_pylist()]
    assert len(keys) == len(set(keys))  # no key listed twice
    assert all(b.schema.equals(INVENTORY_SCHEMA) for b in batches)


def test_arbitrary_string_prefixes(s3_readonly_env, s3_lake, lake_objects):
    storage = open_storage(s3_lake)
    for prefix in ["espn_play_by_play/40158", "espn_play_by_play/4015850", "espn_sch", "R", "zzz"]:
        assert _keys(storage, prefix) == sorted(k for k in lake_objects if k.startswith(prefix)), prefix


def test_list_prefixes_and_top_level(s3_readonly_env, s3_lake, local_lake):
    s3, local = open_storage(s3_lake), open_storage(str(local_lake))
    for prefix in ["", "nba_api_comprehensive/", "nba_api_comprehensive/boxscores_a", "nope/"]:
        assert s3.list_prefixes(prefix) == local.list_prefixes(prefix), prefix
    assert _keys(s3, "", recursive=False) == ["README.txt"]


def test_keys_are_relative_to_the_uri_prefix(s3_server, s3_readonly_env):
    s3_server.make_bucket(
        "prefixed", {"raw/espn_schedules/20230410.json": b"1", "raw/top.json": b"22", "other/x.json": b"333"}
    )
    storage = open_storage("s3://prefixed/raw")
    storage.check()
    assert _keys(storage) == ["espn_schedules/20230410.json", "top.json"]
    assert storage.list_prefixes() == ["espn_schedules/"]
    assert storage.read("top.json") == b"22"
    inv = scan(storage)
    assert inv["key"].tolist() == ["espn_schedules/20230410.json", "top.json"]
    with pytest.raises(LakeNotFound, match="no objects under s3://prefixed/nothing-here"):
        open_storage("s3://prefixed/nothing-here").check()


def test_scan_sampled_prefixes(s3_readonly_env, s3_lake, lake_objects):
    inv = scan(open_storage(s3_lake), prefixes=["espn_play_by_play/40158405", "espn_schedules/"], workers=2)
    expected = sorted(k for k in lake_objects if k.startswith(("espn_play_by_play/40158405", "espn_schedules/")))
    assert inv["key"].tolist() == expected


def test_scan_excludes_are_never_listed(s3_lake, counted):
    storage = open_storage(s3_lake)
    inv = scan(storage, exclude=["inventory-reports/", "athena-results/"])
    assert not inv["key"].str.startswith(("inventory-reports/", "athena-results/")).any()
    sent = [target for _, target, _ in counted.log]
    assert sent and not any("inventory-reports" in url or "athena-results" in url for url in sent)


# -- reads --------------------------------------------------------------------------------
def test_ranged_read(s3_readonly_env, s3_server):
    s3_server.make_bucket("ranged", {"a/x.json": b"0123456789"})
    storage = open_storage("s3://ranged")
    assert storage.read("a/x.json") == b"0123456789"
    assert storage.read("a/x.json", 2, 5) == b"234"
    assert storage.read("a/x.json", start=7) == b"789"
    assert storage.read("a/x.json", end=3) == b"012"
    assert storage.read("a/x.json", 8, 100) == b"89"
    assert storage.read("a/x.json", 50) == b""
    assert storage.read("a/x.json", 3, 3) == b""
    with pytest.raises(ObjectNotFound):
        storage.read("a/missing.json")
    with pytest.raises(ObjectNotFound):
        storage.read("a/missing.json", 3, 3)


# -- errors -------------------------------------------------------------------------------
def test_missing_bucket(s3_readonly_env):
    storage = open_storage("s3://no-such-bucket")
    with pytest.raises(LakeNotFound, match=r"^bucket not found: s3://no-such-bucket$"):
        storage.check()
    with pytest.raises(LakeNotFound):
        scan(storage)


def test_wrong_secret_is_access_denied_and_not_retried(s3_lake, counted, monkeypatch):
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "wrong-secret-value-123")
    storage = open_storage(s3_lake)
    with pytest.raises(AccessDenied) as err:
        storage.check()
    assert counted.requests == 1  # botocore's standard mode does not retry it
    message = str(err.value)
    assert "SignatureDoesNotMatch" in message and "\n" not in message
    assert "wrong-secret-value-123" not in message and READONLY_KEY not in message
    assert isinstance(err.value, BadInput)  # exit code 2
    counted.configure(rate=0.0)  # counts from 0
    with pytest.raises(AccessDenied, match="SignatureDoesNotMatch"):
        scan(storage)
    assert counted.requests == 1  # nor does obstore


def test_unknown_access_key_is_access_denied(s3_lake, counted, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "UNKNOWNKEY0000000000")
    storage = open_storage(s3_lake)
    with pytest.raises(AccessDenied, match="InvalidAccessKeyId") as err:
        list(storage.iter_objects("espn_schedules/"))
    assert counted.requests == 1
    assert "UNKNOWNKEY" not in str(err.value)


def test_reading_is_allowed_writing_is_not(s3_server, s3_readonly_env, s3_lake):
    """The tool's own client is the read-only identity: a write would fail loudly."""
    storage = open_storage(s3_lake)
    with pytest.raises(botocore.exceptions.ClientError):
        storage.client.put_object(Bucket="lake", Key="oops.json", Body=b"x")


def test_no_credentials_is_access_denied(s3_server, s3_readonly_env, monkeypatch):
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    with pytest.raises(AccessDenied, match="no AWS credentials"):
        open_storage("s3://lake").check()


def test_unknown_profile_is_access_denied(s3_readonly_env):
    with pytest.raises(AccessDenied, match="profile not found: nobody"):
        open_storage("s3://lake", profile="nobody")


def test_profile_from_config_file(s3_server, s3_readonly_env, s3_lake, monkeypatch, tmp_path):
    creds = tmp_path / "credentials"
    creds.write_text(f"[reader]\naws_access_key_id = {READONLY_KEY}\naws_secret_access_key = {READONLY_SECRET}\n")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(creds))
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    monkeypatch.delenv("AWS_ENDPOINT_URL")
    storage = open_storage(s3_lake, profile="reader", endpoint_url=s3_server.endpoint)
    storage.check()
    monkeypatch.setenv("AWS_PROFILE", "reader")
    monkeypatch.setenv("AWS_ENDPOINT_URL", s3_server.endpoint)
    open_storage(s3_lake).check()


def test_inventory_dataframe_contract(s3_readonly_env, s3_lake):
    inv = scan(open_storage(s3_lake), prefixes=["espn_schedules/"])
    assert list(inv.columns) == ["key", "size", "last_modified", "etag"]
    assert inv["size"].dtype == "int64"
    assert isinstance(inv["last_modified"].dtype, pd.DatetimeTZDtype)
    assert inv["key"].is_monotonic_increasing and inv["key"].is_unique
    assert pa.Table.from_pandas(inv).num_rows == 2


def test_storage_errors_are_recon_errors(s3_readonly_env):
    with pytest.raises(StorageError):
        open_storage("s3://no-such-bucket").check()
