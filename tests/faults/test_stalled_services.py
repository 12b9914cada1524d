"""Stalled dependencies: every command ends by itself within its documented deadline.

* a PostgreSQL that accepts connections and never answers (a local TCP server that accepts and
  stays silent): ``history runs``, ``history record``, ``db current``, ``db upgrade``,
  ``db coverage`` end with exit 1 ("timeout expired")
  once ``NBA_RECON_DB_CONNECT_TIMEOUT`` passed (libpq may try twice: with and without SSL);
* an S3 endpoint that answers every request with a body trickling one byte a second (a
  per-read timeout never fires): ``reconcile`` ends with exit 1 ("did not finish within its
  deadline") once ``NBA_RECON_S3_LISTING_DEADLINE`` passed;
* ``--deadline`` of ``reconcile`` and ``run`` stops the whole command (a run's record is closed,
  its lock released).

Deadlines are kept short through the environment so each case takes seconds; the bound each
test checks adds a margin for starting Python (the machine is shared).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import threading
import time
from pathlib import Path

import pytest

from .conftest import NBA_RECON

#: starting Python and importing pandas/sqlalchemy on a loaded 2-core machine
STARTUP = 45.0


class SilentServer:
    """Accepts TCP connections and never sends a byte."""

    def __init__(self, trickle: bool = False):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.trickle = trickle
        self.conns: list[socket.socket] = []
        self.stopped = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while not self.stopped.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.conns.append(conn)
            if self.trickle:
                threading.Thread(target=self._trickle, args=(conn,), daemon=True).start()

    def _trickle(self, conn):
        """An HTTP answer announcing 1 MB of XML, then one byte a second."""
        try:
            conn.settimeout(5)
            conn.recv(65536)
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/xml\r\nContent-Length: 1000000\r\n\r\n<")
            while not self.stopped.is_set():
                time.sleep(1.0)
                conn.sendall(b" ")
        except OSError:
            pass

    def close(self):
        self.stopped.set()
        self.sock.close()
        for c in self.conns:
            try:
                c.close()
            except OSError:
                pass


@pytest.fixture
def silent():
    server = SilentServer()
    yield server
    server.close()


@pytest.fixture
def trickling():
    server = SilentServer(trickle=True)
    yield server
    server.close()


def _env(**extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "PG", "NBA_RECON_"))}
    env.update(
        AWS_ACCESS_KEY_ID="stalltest",
        AWS_SECRET_ACCESS_KEY="stalltest-secret",
        AWS_DEFAULT_REGION="us-east-1",
        AWS_EC2_METADATA_DISABLED="true",
    )
    env.update(extra)
    return env


def _timed(argv, env, cwd, bound) -> tuple[subprocess.CompletedProcess, float]:
    t = time.monotonic()
    proc = subprocess.run([NBA_RECON, *argv], capture_output=True, text=True, env=env, cwd=cwd, timeout=bound + 60)
    took = time.monotonic() - t
    assert took < bound, f"{argv[:2]} took {took:.1f} s (bound {bound} s): {proc.stderr}"
    return proc, took


DB_CONNECT = 2


@pytest.fixture(scope="module")
def reconciled(demo, tmp_path_factory) -> Path:
    from nba_simulator.cli import main

    out = tmp_path_factory.mktemp("stalled") / "out"
    assert (
        main(
            ["reconcile", "--spec", str(demo.spec), "--lake", str(demo.lake), "--as-of", demo.as_of, "--out", str(out)]
        )
        == 0
    )
    return out


@pytest.mark.parametrize("command", ["history-runs", "history-record", "db-current", "db-upgrade", "db-coverage"])
def test_stalled_postgresql(command, silent, demo, tmp_path, reconciled):
    url = f"postgresql+psycopg2://recon@127.0.0.1:{silent.port}/nba"
    spec = tmp_path / "db_spec.yaml"
    text = Path(demo.spec).read_text().replace("schedule: schedule.csv", f"schedule: {demo.schedule}")
    spec.write_text(text + f"database:\n  url: {url}\n  games: {{table: games}}\n")
    argv = {
        "history-runs": ["history", "runs", "--url", url],
        "history-record": ["history", "record", str(reconciled), "--url", url],
        "db-current": ["db", "current", "--url", url],
        "db-upgrade": ["db", "upgrade", "--url", url],
        "db-coverage": ["db", "coverage", "--spec", str(spec), "--as-of", demo.as_of],
    }[command]
    env = _env(NBA_RECON_DB_CONNECT_TIMEOUT=str(DB_CONNECT))
    # libpq: up to 2 tries (SSL, then plain) of DB_CONNECT s each, per connection attempt
    proc, took = _timed(argv, env, tmp_path, STARTUP + 6 * DB_CONNECT)
    assert proc.returncode == 1, proc.stderr
    assert "timeout expired" in proc.stderr and f"127.0.0.1:{silent.port}" in proc.stderr, proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert "unexpected error" not in proc.stderr
    assert silent.conns, "the command never reached the stalled server"


LISTING_DEADLINE = 4


@pytest.mark.parametrize("listing", ["obstore", "paginator"])
def test_trickling_s3_listing_ends(listing, trickling, demo, tmp_path):
    env = _env(
        AWS_ENDPOINT_URL=f"http://127.0.0.1:{trickling.port}",
        NBA_RECON_S3_READ_TIMEOUT="3",
        NBA_RECON_S3_LISTING_DEADLINE=str(LISTING_DEADLINE),
        NBA_RECON_S3_LISTING=listing,
    )
    out = tmp_path / "out"
    proc, took = _timed(
        [
            "reconcile",
            "--spec",
            str(demo.spec),
            "--lake",
            "s3://trickle-bucket",
            "--as-of",
            demo.as_of,
            "--out",
            str(out),
        ],
        env,
        tmp_path,
        STARTUP + LISTING_DEADLINE + 10,
    )
    assert proc.returncode == 1, proc.stderr
    assert "listing s3://trickle-bucket did not finish within its deadline of 4 s" in proc.stderr, proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert not out.exists() or not any(out.iterdir())
    assert trickling.conns


def test_reconcile_deadline_over_a_trickling_lake(trickling, demo, tmp_path):
    """--deadline shorter than the listing deadline: the whole command stops at --deadline."""
    env = _env(AWS_ENDPOINT_URL=f"http://127.0.0.1:{trickling.port}", NBA_RECON_S3_READ_TIMEOUT="3")
    proc, took = _timed(
        [
            "reconcile",
            "--spec",
            str(demo.spec),
            "--lake",
            "s3://trickle-bucket",
            "--as-of",
            demo.as_of,
            "--out",
            str(tmp_path / "out"),
            "--deadline",
            "3",
        ],
        env,
        tmp_path,
        STARTUP + 3 + 10,
    )
    assert proc.returncode == 1, proc.stderr
    assert "nba-recon: stopped: reconcile did not finish within its deadline of 3 s" in proc.stderr


def test_run_deadline_closes_the_run(tmp_path):
    """``run --deadline``: a stage that sleeps is stopped; the record says failed, the lock is
    released, exit 1 (the fixture notebooks of tests/pipeline)."""
    from tests.pipeline.conftest import make_fixture_notebooks

    nbs = make_fixture_notebooks(tmp_path / "nbs")
    runs = tmp_path / "runs"
    proc, took = _timed(
        [
            "run",
            "--notebooks",
            str(nbs),
            "--runs-dir",
            str(runs),
            "--no-progress",
            "--retries",
            "0",
            "-p",
            "fail_stage",
            "01_scan",
            "-p",
            "mode",
            "sleep",
            "--deadline",
            "20",
        ],
        _env(),
        tmp_path,
        STARTUP + 20 + 20,
    )
    assert proc.returncode == 1, proc.stderr
    assert "run did not finish within its deadline of 20 s" in proc.stderr
    (run_dir,) = [p for p in runs.iterdir() if p.is_dir()]
    record = json.loads((run_dir / "run.json").read_text())
    assert record["status"] == "failed"
    assert [s["status"] for s in record["stages"]][1:3] == ["failed", "skipped"]
    assert not (runs / ".lock.json").exists()
