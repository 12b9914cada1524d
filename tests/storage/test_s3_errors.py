"""How S3 failures are retried (by botocore only) and mapped, against a stub S3 on 127.0.0.1.

The stub answers every request with the error it is told to; it counts the requests, so the
tests see how many attempts botocore's standard retry mode made.
"""

from __future__ import annotations

import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError, NoCredentialsError, ReadTimeoutError

import nba_simulator.storage.s3 as s3mod
from nba_simulator.errors import AccessDenied, BadInput, LakeNotFound, StorageError, TransientStorageError
from nba_simulator.storage import open_storage
from nba_simulator.storage.s3_errors import map_error

SECRET = "stub-secret-DO-NOT-PRINT-0123456789"
KEY_ID = "STUBKEYIDDONOTPRINT1"
TOKEN = "stub-session-token-DO-NOT-PRINT"


class Stub(ThreadingHTTPServer):
    daemon_threads = True
    status, code = 500, "InternalError"
    requests = 0


class Handler(BaseHTTPRequestHandler):
    def _answer(self):
        server: Stub = self.server  # type: ignore[assignment]
        server.requests += 1
        body = (
            f'<?xml version="1.0" encoding="UTF-8"?><Error><Code>{server.code}</Code>'
            f"<Message>stub says {server.code}</Message><RequestId>1</RequestId></Error>"
        ).encode()
        self.send_response(server.status)
        self.send_header("Content-Type", "application/xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    do_GET = do_HEAD = do_PUT = do_POST = do_DELETE = _answer

    def log_message(self, *args):  # quiet
        pass


@pytest.fixture(scope="module")
def stub():
    server = Stub(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def stub_env(stub, monkeypatch, tmp_path):
    for var in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ENDPOINT_URL_S3"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{stub.server_address[1]}")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", KEY_ID)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
    monkeypatch.setenv("AWS_SESSION_TOKEN", TOKEN)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    stub.requests = 0
    return stub


def _answer(stub, status, code):
    stub.status, stub.code, stub.requests = status, code, 0


def _no_secret(message: str):
    assert "\n" not in message
    for secret in (SECRET, KEY_ID, TOKEN, "X-Amz-Signature", "Signature="):
        assert secret not in message


@pytest.mark.parametrize(
    "code", ["AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch", "ExpiredToken", "InvalidToken"]
)
def test_access_errors_are_never_retried(stub_env, code):
    _answer(stub_env, 403 if code != "ExpiredToken" else 400, code)
    storage = open_storage("s3://lake/raw")
    for call in (storage.check, lambda: list(storage.iter_objects("x/")), lambda: storage.read("k", 0, 10)):
        stub_env.requests = 0
        with pytest.raises(AccessDenied) as err:
            call()
        assert stub_env.requests == 1, code  # one attempt: botocore's standard mode gave up at once
        assert code in str(err.value) and "s3://lake/raw" in str(err.value)
        _no_secret(str(err.value))


def test_missing_bucket_is_not_retried(stub_env):
    _answer(stub_env, 404, "NoSuchBucket")
    with pytest.raises(LakeNotFound, match=r"^bucket not found: s3://lake$"):
        open_storage("s3://lake").check()
    assert stub_env.requests == 1


@pytest.mark.parametrize("status,code", [(500, "InternalError"), (503, "ServiceUnavailable"), (502, "BadGateway")])
def test_server_errors_are_retried_by_botocore_then_transient(stub_env, status, code):
    _answer(stub_env, status, code)
    storage = open_storage("s3://lake")
    with pytest.raises(TransientStorageError) as err:
        list(storage.iter_objects())
    assert stub_env.requests == s3mod.MAX_ATTEMPTS
    assert err.value.transient and not isinstance(err.value, BadInput)
    _no_secret(str(err.value))


def test_throttling_is_retried_then_transient(stub_env, monkeypatch):
    monkeypatch.setattr(s3mod, "MAX_ATTEMPTS", 2)  # throttling backs off from 1 s: keep it short
    _answer(stub_env, 503, "SlowDown")
    with pytest.raises(TransientStorageError, match="SlowDown"):
        open_storage("s3://lake").check()
    assert stub_env.requests == 2


def test_other_client_errors_are_storage_errors(stub_env):
    _answer(stub_env, 400, "InvalidArgument")
    with pytest.raises(StorageError) as err:
        open_storage("s3://lake").check()
    assert not isinstance(err.value, (TransientStorageError, BadInput))
    assert stub_env.requests == 1


def test_unreachable_endpoint_is_transient(stub_env, monkeypatch):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{port}")
    with pytest.raises(TransientStorageError, match="cannot reach S3"):
        open_storage("s3://lake").check()


def test_map_error_messages_never_copy_the_server_message():
    leaky = ClientError(
        {
            "Error": {"Code": "SignatureDoesNotMatch", "Message": f"StringToSign with {KEY_ID} {SECRET}"},
            "ResponseMetadata": {"HTTPStatusCode": 403},
        },
        "ListObjectsV2",
    )
    err = map_error(leaky, "s3://lake", "listing")
    assert isinstance(err, AccessDenied)
    _no_secret(str(err))
    assert isinstance(map_error(NoCredentialsError(), "s3://lake", "listing"), AccessDenied)
    conn = EndpointConnectionError(endpoint_url=f"https://user:{SECRET}@host/?X-Amz-Signature=abc")
    mapped = map_error(conn, "s3://lake", "listing")
    assert isinstance(mapped, TransientStorageError)
    _no_secret(str(mapped))
    timeout = ReadTimeoutError(endpoint_url="https://host/k?X-Amz-Signature=abc")
    assert isinstance(map_error(timeout, "s3://lake", "reading"), TransientStorageError)
    unknown_403 = ClientError({"Error": {"Code": ""}, "ResponseMetadata": {"HTTPStatusCode": 403}}, "GetObject")
    assert isinstance(map_error(unknown_403, "s3://lake", "reading"), AccessDenied)
