"""Bad input, one row per case: the exit code and the message, and afterwards earlier results and
the run history are intact.

Exit codes: 2 for bad input (one line naming the file, key or parameter), 1 for other failures
(the database is down, the disk is full), 0 when odd keys in the lake are simply reported.

Before the rows run, the module keeps a previous reconcile result (``prev_out``) and a runs
directory holding a previous pipeline run. ``reconcile`` rows
write to ``prev_out``; ``run`` rows use that runs directory. After every row, ``prev_out`` and
the previous run's folder are byte-identical to before, no lock is left, and ``index.html`` still
lists the previous run.

Odd keys, decided:

* a local file name that is not valid UTF-8 is listed with its bad bytes escaped
  (``tmp/bad\\xff\\xfe.json``), reported as an unparsed key, with a warning naming it;
* a very long key (1,200+ characters) is listed and reported like any other;
* ``../`` (S3 allows it; here the fault proxy shows the client such a listing), ``<script>`` and
  URL-encoded characters (``%2E``, ``+``, spaces) are kept verbatim: never decoded, never
  normalised, never followed. ``pbp/0021800002%2Ejson`` is NOT ``pbp/0021800002.json``.
"""
from __future__ import annotations

import json
import os
import resource
import shutil
import signal
import subprocess
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import pandas as pd
import pytest

from nba_simulator.cli import main

from .conftest import NBA_RECON, tree_digest
from .pipeline_runs import assert_complete_files

BASE_SPEC = """\
version: 1
schedule: {schedule}
exclude: ["backups/"]
datasets:
  pbp:
    source: nba_stats
    data_type: play_by_play
    keys: "pbp/{{game_id}}.json"
    per: game
    seasons: {seasons}
"""
EXTRA_DATASET = """\
  pbp_copy:
    source: espn
    data_type: play_by_play
    keys: "pbp/{game_id}.json"
    per: game
    seasons: 2018-19
"""
DB_SPEC = """\
version: 1
schedule: db
database:
  url: postgresql+psycopg2://recon@127.0.0.1:{port}/nba
  games: {{table: games}}
datasets:
  pbp:
    source: nba_stats
    data_type: play_by_play
    keys: "pbp/{{game_id}}.json"
    per: game
    seasons: 2018-19
"""
GOOD_KEYS = {"pbp/0021800001.json": b'{"plays": [1]}', "pbp/0021800003.json": b'{"plays": [2]}'}
LONG_KEY = "tmp/" + "/".join(["d" * 200] * 6) + "/long.json"
DB_ENV_PASSWORD = "matrix-env-db-password-42"
_BUCKETS: set[str] = set()   # buckets made once per session (the S3 server is session-wide)


def closed_port() -> int:
    import socket

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


@contextmanager
def tiny_disk(folder: Path, size_kb: int):
    """A tmpfs of ``size_kb`` at ``folder`` (root only); yields False when it cannot be mounted."""
    folder.mkdir(parents=True, exist_ok=True)
    ok = os.geteuid() == 0 and subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size_kb}k", "tmpfs", str(folder)],
        capture_output=True).returncode == 0
    try:
        yield ok
    finally:
        if ok:
            subprocess.run(["umount", "-l", str(folder)], capture_output=True)


def _limit_file_size(limit: int):
    def preexec():  # pragma: no cover - runs in the child
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return preexec


@dataclass
class Ctx:
    root: Path
    demo: object
    prev_out: Path
    history: Path
    prev_run: Path
    monkeypatch: pytest.MonkeyPatch
    request: pytest.FixtureRequest
    notes: dict = field(default_factory=dict)

    def spec(self, name: str, text: str) -> Path:
        path = self.root / "specs" / name
        path.parent.mkdir(exist_ok=True)
        path.write_text(text)
        return path

    def base_spec(self, schedule="builtin", seasons="2018-19", extra="") -> Path:
        self.notes["specs"] = self.notes.get("specs", 0) + 1
        return self.spec(f"spec{self.notes['specs']}.yaml",
                         BASE_SPEC.format(schedule=schedule, seasons=seasons) + extra)

    def lake(self, name: str, objects: dict[str | bytes, bytes]) -> Path:
        root = self.root / "lakes" / name
        if root.exists():
            shutil.rmtree(root)
        for key, body in objects.items():
            path = os.path.join(os.fsencode(root), os.fsencode(key))
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb") as fh:
                fh.write(body)
        return root

    def reconcile(self, spec: Path, lake, *extra: str, out: Path | None = None) -> list[str]:
        return ["reconcile", "--spec", str(spec), "--lake", str(lake), "--as-of", "2019-03-01",
                "--out", str(out or self.prev_out), *extra]

    def run(self, *extra: str, runs: Path | None = None, lake=True, as_of=True) -> list[str]:
        return ["run", "--spec", str(self.demo.spec),
                *(["--lake", str(self.demo.lake)] if lake else []),
                *(["--as-of", self.demo.as_of] if as_of else []),
                "--runs-dir", str(runs or self.history), "--no-progress", "--retries", "0", *extra]

    def s3(self) -> dict:
        return self.request.getfixturevalue("s3_readonly_env")

    def s3_server(self):
        return self.request.getfixturevalue("s3_server")


@dataclass
class Case:
    id: str
    argv: Callable[[Ctx], list[str]]
    code: int
    message: str                      # a substring of the console output (stderr, else stdout)
    check: Callable[[Ctx, str], None] | None = None
    one_line: bool = True             # stderr is exactly one line
    s3: bool = False


# ---------------------------------------------------------------------------------------- rows
def malformed_yaml(c: Ctx):
    return c.reconcile(c.spec("malformed.yaml", "version: 1\ndatasets: [unclosed\n"), c.lake("ok", GOOD_KEYS))


def unknown_placeholder(c: Ctx):
    text = BASE_SPEC.format(schedule="builtin", seasons="2018-19").replace("{game_id}", "{gameid}")
    return c.reconcile(c.spec("placeholder.yaml", text), c.lake("ok", GOOD_KEYS))


def overlapping_templates(c: Ctx):
    return c.reconcile(c.base_spec(extra=EXTRA_DATASET), c.lake("ok", GOOD_KEYS))


def season_range_backwards(c: Ctx):
    return c.reconcile(c.spec("backwards.yaml", BASE_SPEC.format(schedule="builtin",
                                                                   seasons="2019-20..2017-18")),
                       c.lake("ok", GOOD_KEYS))


def schedule_duplicate_ids(c: Ctx):
    (c.root / "specs").mkdir(exist_ok=True)
    (c.root / "specs" / "dups.csv").write_text(
        "game_id,season,season_type,game_date,home_team,away_team\n"
        "0021800001,2018-19,regular,2018-10-16,BOS,PHI\n"
        "0021800002,2018-19,regular,2018-10-16,GSW,OKC\n"
        "21800001,2018-19,regular,2018-10-17,BOS,PHI\n")   # the same id once its zeros were lost
    return c.reconcile(c.base_spec(schedule="dups.csv"), c.lake("ok", GOOD_KEYS))


def non_utf8_key(c: Ctx):
    return c.reconcile(c.base_spec(), c.lake("nonutf8", {**GOOD_KEYS, b"tmp/bad\xff\xfe.json": b"x"}),
                       out=c.root / "out-nonutf8")


def check_non_utf8(c: Ctx, console: str):
    orphans = pd.read_parquet(c.root / "out-nonutf8" / "orphans.parquet")
    assert orphans.set_index("key").loc["tmp/bad\\xff\\xfe.json", "reason"] == "unparsed"
    assert "not valid UTF-8" in console and "tmp/bad\\\\xff\\\\xfe.json" in console


def long_key(c: Ctx):
    return c.reconcile(c.base_spec(), c.lake("long", {**GOOD_KEYS, LONG_KEY: b"x"}), out=c.root / "out-long")


def check_long(c: Ctx, console: str):
    assert len(LONG_KEY) > 1200
    orphans = pd.read_parquet(c.root / "out-long" / "orphans.parquet")
    assert LONG_KEY in set(orphans["key"])


ODD_LOCAL = {"tmp/<script>alert(1)</script>.json": b"x", "pbp/0021800002%2Ejson": b"{}",
             "pbp/sp ace+plus%20.json": b"{}"}


def odd_keys_local(c: Ctx):
    return c.reconcile(c.base_spec(), c.lake("odd", {**GOOD_KEYS, **ODD_LOCAL}), out=c.root / "out-odd")


def check_odd(folder: str, expected_keys):
    def check(c: Ctx, console: str):
        out = c.root / folder
        inv = set(pd.read_parquet(out / "inventory.parquet")["key"])
        assert set(expected_keys) <= inv, inv
        orphans = pd.read_parquet(out / "orphans.parquet")
        assert set(expected_keys) <= set(orphans.loc[orphans["reason"] == "unparsed", "key"])
        cov = pd.read_parquet(out / "coverage.parquet").set_index("game_id")
        assert cov.loc["0021800002", "status"] == "missing"     # %2E was not decoded into "."
        assert cov.loc["0021800001", "status"] == "present"
    return check


S3_ODD = {"tmp/dotdot.json": b"x", "tmp/<script>alert(1)</script>.json": b"x",
          "pbp/0021800002%2Ejson": b"{}", "pbp/sp ace+plus%20.json": b"{}", "pbp/a+b.json": b"{}"}
DOTDOT = "tmp/../../etc/passwd"


def odd_keys_s3(listing: str):
    def argv(c: Ctx):
        c.s3()
        server = c.s3_server()
        if "matrix-odd" not in _BUCKETS:
            server.make_bucket("matrix-odd", {**GOOD_KEYS, **S3_ODD})
            _BUCKETS.add("matrix-odd")
        proxy = c.request.getfixturevalue("fault_proxy")
        proxy.configure(rate=0.0, rewrite=lambda body, target: body.replace(b"tmp/dotdot.json",
                                                                             DOTDOT.encode()))
        c.monkeypatch.setenv("AWS_ENDPOINT_URL", proxy.endpoint)
        c.monkeypatch.setenv("NBA_RECON_S3_LISTING", listing)
        return c.reconcile(c.base_spec(), "s3://matrix-odd", out=c.root / f"out-s3-{listing}")
    return argv


def empty_bucket(c: Ctx):
    c.s3()
    c.s3_server().make_bucket("matrix-empty")
    return c.reconcile(c.base_spec(), "s3://matrix-empty")


def missing_bucket(c: Ctx):
    c.s3()
    return c.reconcile(c.base_spec(), "s3://matrix-no-such-bucket")


def access_denied(c: Ctx):
    c.s3()
    c.s3_server().make_bucket("matrix-denied", GOOD_KEYS)
    c.monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "matrix-wrong-secret-key")
    return c.reconcile(c.base_spec(), "s3://matrix-denied")


def expired_token(c: Ctx):
    c.s3()
    c.s3_server().make_bucket("matrix-token", GOOD_KEYS)
    c.monkeypatch.setenv("AWS_SESSION_TOKEN", "matrix-expired-session-token")
    return c.reconcile(c.base_spec(), "s3://matrix-token")


def database_down(c: Ctx):
    c.monkeypatch.setenv("NBA_RECON_DATABASE_URL",
                         f"postgresql://recon:{DB_ENV_PASSWORD}@127.0.0.1:{closed_port()}/nba")
    return c.reconcile(c.spec("db.yaml", DB_SPEC.format(port=closed_port())), c.lake("ok", GOOD_KEYS))


def database_down_run(c: Ctx):
    return c.run("-p", "database", f"postgresql://recon:{DB_ENV_PASSWORD}@127.0.0.1:{closed_port()}/nba")


def check_no_password(c: Ctx, console: str):
    assert DB_ENV_PASSWORD not in console


def wrong_type(c: Ctx):
    return c.run("-p", "sample", "abc")


def bad_date(c: Ctx):
    return c.run("-p", "as_of", "2019-02-30", as_of=False)


def injected_parameter(c: Ctx):
    """A parameter value written like code stays a string: no file is created."""
    return c.run("-p", "lake", f'x"); open({str(c.root / "PWNED")!r}, "w"); ("', lake=False)


def check_not_injected(c: Ctx, console: str):
    assert not (c.root / "PWNED").exists()


CASES = [
    Case("malformed-yaml", malformed_yaml, 2, "malformed.yaml:3:"),
    Case("unknown-placeholder", unknown_placeholder, 2, "unknown placeholder {gameid}"),
    Case("overlapping-templates", overlapping_templates, 2, "both claim keys like 'pbp/{game_id}.json'"),
    Case("season-range-backwards", season_range_backwards, 2, "season range runs backwards: 2019-20..2017-18"),
    Case("schedule-duplicate-ids", schedule_duplicate_ids, 2, "game 0021800001 appears 2 times"),
    Case("non-utf8-key", non_utf8_key, 0, "unparsed", check_non_utf8, one_line=False),
    Case("very-long-key", long_key, 0, "1 unparsed", check_long, one_line=False),
    Case("odd-keys-local", odd_keys_local, 0, "3 unparsed",
         check_odd("out-odd", ODD_LOCAL), one_line=False),
    Case("odd-keys-s3-fast", odd_keys_s3("fast"), 0, "5 unparsed",
         check_odd("out-s3-fast", [DOTDOT, *list(S3_ODD)[1:]]), one_line=False, s3=True),
    Case("odd-keys-s3-paginator", odd_keys_s3("paginator"), 0, "5 unparsed",
         check_odd("out-s3-paginator", [DOTDOT, *list(S3_ODD)[1:]]), one_line=False, s3=True),
    Case("empty-bucket", empty_bucket, 2, "s3://matrix-empty holds no objects", s3=True),
    Case("missing-bucket", missing_bucket, 2, "bucket not found: s3://matrix-no-such-bucket", s3=True),
    Case("access-denied", access_denied, 2, "access denied (SignatureDoesNotMatch)", s3=True),
    Case("expired-credentials", expired_token, 2, "access denied (InvalidAccessKeyId)", s3=True),
    Case("database-down", database_down, 1, "cannot connect to postgresql+psycopg2://recon@127.0.0.1:",
         check_no_password),
    Case("database-down-pipeline", database_down_run, 1, "FAILED at stage 00_health_check: OperationalError",
         check_no_password, one_line=False),
    Case("parameter-wrong-type", wrong_type, 2, "parameter sample: expected a number, got 'abc'"),
    Case("parameter-bad-date", bad_date, 2, "parameter as_of: expected a date YYYY-MM-DD, got '2019-02-30'"),
    Case("parameter-injection", injected_parameter, 2, "nba-recon: error: health check 'lake reachable' failed",
         check_not_injected),
]


# ---------------------------------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def world(tmp_path_factory, demo):
    """A previous reconcile result, and a runs directory holding a previous pipeline run (of the
    small test notebooks of ``tests/pipeline``: a real run folder, in seconds)."""
    from nba_simulator.pipeline.runner import run_pipeline
    from tests.pipeline.conftest import make_fixture_notebooks

    root = tmp_path_factory.mktemp("matrix")
    prev_out = root / "prev_out"
    assert main(["reconcile", "--spec", str(demo.spec), "--lake", str(demo.lake), "--as-of",
                 demo.as_of, "--out", str(prev_out)]) == 0
    history = root / "runs"
    previous = run_pipeline({}, runs_dir=history, notebooks_dir=make_fixture_notebooks(root / "nbs"),
                            progress=False, echo=lambda m: None)
    assert previous.ok
    prev_run = previous.run_dir
    return root, prev_out, history, prev_run, {"prev_out": tree_digest(prev_out),
                                                "prev_run": tree_digest(prev_run)}


@pytest.fixture
def ctx(world, demo, monkeypatch, request):
    root, prev_out, history, prev_run, _ = world
    monkeypatch.delenv("NBA_RECON_DATABASE_URL", raising=False)
    return Ctx(root, demo, prev_out, history, prev_run, monkeypatch, request)


def assert_history_intact(world):
    root, prev_out, history, prev_run, digests = world
    assert tree_digest(prev_out) == digests["prev_out"], "the previous reconcile result changed"
    assert tree_digest(prev_run) == digests["prev_run"], "the previous run changed"
    assert not (history / ".lock.json").exists()
    assert prev_run.name in (history / "index.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id, marks=[pytest.mark.s3] if c.s3 else [])
                                  for c in CASES])
def test_bad_input(case: Case, ctx: Ctx, world, capsys, caplog):
    argv = case.argv(ctx)
    rc = main(argv)
    out, err = capsys.readouterr()
    console = err.strip() or out.strip()
    assert rc == case.code, f"{case.id}: exit {rc}: {err or out}"
    assert case.message in (err if case.code else out + err), f"{case.id}: {err or out}"
    if case.code and case.one_line:
        assert len(err.strip().splitlines()) == 1, err
    if case.check:
        case.check(ctx, out + err + caplog.text)   # in-process, log records go to caplog
    assert console
    assert_history_intact(world)


# ---------------------------------------------------------------------------------------- full disk
def _run_limited(argv: list[str], limit: int) -> subprocess.CompletedProcess:
    return subprocess.run([NBA_RECON, *argv], capture_output=True, text=True, timeout=600,
                          preexec_fn=_limit_file_size(limit))


def test_full_disk_under_the_output_dir(ctx: Ctx, world, capsys):
    """reconcile into a folder holding a previous result on a disk too small for a second one:
    exit 1, one line naming the folder, and the previous result untouched (no file replaced)."""
    folder = ctx.root / "tiny-reconcile"
    with tiny_disk(folder, 900) as mounted:
        out = folder / "out"
        shutil.copytree(ctx.prev_out, out)
        before = tree_digest(out)
        argv = ["reconcile", "--spec", str(ctx.demo.spec), "--lake", str(ctx.demo.lake), "--as-of",
                "2019-03-16", "--out", str(out)]
        if mounted:
            rc = main(argv)
            err = capsys.readouterr().err
        else:  # no tmpfs (not root): a file size limit makes writes fail the same way
            proc = _run_limited(argv, 64 * 1024)
            rc, err = proc.returncode, proc.stderr
        assert rc == 1, err
        assert len(err.strip().splitlines()) == 1, err
        assert f"cannot write the results into {out}" in err and "no file there was replaced" in err
        assert "No space left on device" in err or "File too large" in err
        assert tree_digest(out) == before
        assert not [p for p in out.iterdir() if p.name.startswith(".")], "temp files left behind"
    assert_history_intact(world)


@pytest.mark.parametrize("health_check", [True, False], ids=["caught-by-health-check", "writes-fail"])
def test_full_disk_under_the_runs_dir(ctx: Ctx, world, tmp_path, health_check):
    """A pipeline run on a runs folder with a previous run and too little space: it fails
    (exit 1) and the previous run and the index stay whole. The health check's free-disk check
    stops it first; with that check disabled (``min_free_gb 0``) the writes themselves fail."""
    folder = tmp_path / "tiny-runs"
    used = sum(p.stat().st_blocks * 512 for p in ctx.history.rglob("*"))
    size_kb = used // 1024 + 600     # the previous run fits; a new one does not
    with tiny_disk(folder, size_kb) as mounted:
        runs = folder / "runs"
        shutil.copytree(ctx.history, runs)
        prev = runs / ctx.prev_run.name
        before = tree_digest(prev)
        index_before = (runs / "index.html").read_text(encoding="utf-8")
        earlier = {p.name for p in runs.iterdir()}
        argv = ctx.run(*([] if health_check else ["-p", "min_free_gb", "0"]), runs=runs)
        if mounted:
            proc = subprocess.run([NBA_RECON, *argv], capture_output=True, text=True, timeout=600)
        else:
            proc = _run_limited(argv, 200 * 1024)
        assert proc.returncode == 1, proc.stderr
        console = proc.stderr.strip().splitlines()
        if health_check:
            assert "health check 'free disk' failed" in proc.stderr, proc.stderr
        else:
            assert "No space left on device" in proc.stderr or "File too large" in proc.stderr, proc.stderr
        assert "report: " in console[-1] and "--resume" not in proc.stderr   # not transient
        assert tree_digest(prev) == before
        index = (runs / "index.html").read_text(encoding="utf-8")
        assert index.rstrip().endswith("</html>") and prev.name in index
        assert index == index_before or prev.name in index
        assert not (runs / ".lock.json").exists()
        assert_complete_files(runs)      # the failed run's files are whole too (atomic writes)
        (new,) = [p for p in runs.iterdir() if p.is_dir() and p.name not in earlier]
        assert json.loads((new / "run.json").read_text())["status"] == "failed"
    assert_history_intact(world)


