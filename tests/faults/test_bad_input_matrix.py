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
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd
import pytest

from nba_simulator.cli import main
from tests.builders import pbp_spec

from .conftest import NBA_RECON, tree_digest
from .matrix_readers import ROWS as READER_ROWS
from .pipeline_runs import assert_complete_files

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
_BUCKETS: set[str] = set()  # buckets made once per session (the S3 server is session-wide)


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
    ok = (
        os.geteuid() == 0
        and subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={size_kb}k", "tmpfs", str(folder)], capture_output=True
        ).returncode
        == 0
    )
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
        return self.spec(
            f"spec{self.notes['specs']}.yaml",
            pbp_spec(exclude=["backups/"], schedule=schedule, seasons=seasons) + extra,
        )

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
        return [
            "reconcile",
            "--spec",
            str(spec),
            "--lake",
            str(lake),
            "--as-of",
            "2019-03-01",
            "--out",
            str(out or self.prev_out),
            *extra,
        ]

    def run(self, *extra: str, runs: Path | None = None, lake=True, as_of=True, spec=True) -> list[str]:
        return [
            "run",
            *(["--spec", str(self.demo.spec)] if spec else []),
            *(["--lake", str(self.demo.lake)] if lake else []),
            *(["--as-of", self.demo.as_of] if as_of else []),
            "--runs-dir",
            str(runs or self.history),
            "--no-progress",
            "--retries",
            "0",
            *extra,
        ]

    def s3(self) -> dict:
        return self.request.getfixturevalue("s3_readonly_env")

    def s3_server(self):
        return self.request.getfixturevalue("s3_server")


@dataclass
class Case:
    id: str
    argv: Callable[[Ctx], list[str]]
    code: int
    message: str  # a substring of the console output (stderr, else stdout)
    check: Callable[[Ctx, str], None] | None = None
    one_line: bool = True  # stderr is exactly one line
    s3: bool = False
    guarantee: str = ""  # what the row protects (docs/guarantees.md)


# ---------------------------------------------------------------------------------------- rows
def malformed_yaml(c: Ctx):
    return c.reconcile(c.spec("malformed.yaml", "version: 1\ndatasets: [unclosed\n"), c.lake("ok", GOOD_KEYS))


def unknown_placeholder(c: Ctx):
    text = pbp_spec(exclude=["backups/"], schedule="builtin", seasons="2018-19").replace("{game_id}", "{gameid}")
    return c.reconcile(c.spec("placeholder.yaml", text), c.lake("ok", GOOD_KEYS))


def overlapping_templates(c: Ctx):
    return c.reconcile(c.base_spec(extra=EXTRA_DATASET), c.lake("ok", GOOD_KEYS))


def season_range_backwards(c: Ctx):
    return c.reconcile(
        c.spec("backwards.yaml", pbp_spec(exclude=["backups/"], schedule="builtin", seasons="2019-20..2017-18")),
        c.lake("ok", GOOD_KEYS),
    )


def schedule_duplicate_ids(c: Ctx):
    (c.root / "specs").mkdir(exist_ok=True)
    (c.root / "specs" / "dups.csv").write_text(
        "game_id,season,season_type,game_date,home_team,away_team\n"
        "0021800001,2018-19,regular,2018-10-16,BOS,PHI\n"
        "0021800002,2018-19,regular,2018-10-16,GSW,OKC\n"
        "21800001,2018-19,regular,2018-10-17,BOS,PHI\n"
    )  # the same id once its zeros were lost
    return c.reconcile(c.base_spec(schedule="dups.csv"), c.lake("ok", GOOD_KEYS))


def non_utf8_key(c: Ctx):
    return c.reconcile(
        c.base_spec(), c.lake("nonutf8", {**GOOD_KEYS, b"tmp/bad\xff\xfe.json": b"x"}), out=c.root / "out-nonutf8"
    )


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


ODD_LOCAL = {
    "tmp/<script>alert(1)</script>.json": b"x",
    "pbp/0021800002%2Ejson": b"{}",
    "pbp/sp ace+plus%20.json": b"{}",
}


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
        assert cov.loc["0021800002", "status"] == "missing"  # %2E was not decoded into "."
        assert cov.loc["0021800001", "status"] == "present"

    return check


S3_ODD = {
    "tmp/dotdot.json": b"x",
    "tmp/<script>alert(1)</script>.json": b"x",
    "pbp/0021800002%2Ejson": b"{}",
    "pbp/sp ace+plus%20.json": b"{}",
    "pbp/a+b.json": b"{}",
}
DOTDOT = "tmp/../../etc/passwd"


def odd_keys_s3(listing: str):
    def argv(c: Ctx):
        c.s3()
        server = c.s3_server()
        if "matrix-odd" not in _BUCKETS:
            server.make_bucket("matrix-odd", {**GOOD_KEYS, **S3_ODD})
            _BUCKETS.add("matrix-odd")
        proxy = c.request.getfixturevalue("fault_proxy")
        proxy.configure(rate=0.0, rewrite=lambda body, target: body.replace(b"tmp/dotdot.json", DOTDOT.encode()))
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
    c.monkeypatch.setenv(
        "NBA_RECON_DATABASE_URL", f"postgresql://recon:{DB_ENV_PASSWORD}@127.0.0.1:{closed_port()}/nba"
    )
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


# ------------------------------------------------------------------- hostile input (issue 14)
LAKE_CREDS = "s3://AKIAMATRIXKEYID00001:matrix/secret+key@matrix-bucket/prefix"


def lake_credentials_reconcile(c: Ctx):
    return c.reconcile(c.base_spec(), LAKE_CREDS)


def lake_credentials_run(c: Ctx):
    return c.run("--lake", LAKE_CREDS, lake=False)


def inventory_credentials(c: Ctx):
    return c.reconcile(c.base_spec(), c.lake("ok", GOOD_KEYS), "--inventory", LAKE_CREDS)


def check_masked(c: Ctx, console: str):
    assert "matrix/secret+key" not in console and "AKIAMATRIXKEYID00001" not in console


def demo_into_user_folder(c: Ctx):
    folder = c.root / "users-folder"
    folder.mkdir(exist_ok=True)
    (folder / "spec.yaml").write_text("mine")
    (folder / "lake").mkdir(exist_ok=True)
    (folder / "lake" / "precious.json").write_text("mine too")
    return ["demo", "--out", str(folder)]


def check_user_folder(c: Ctx, console: str):
    folder = c.root / "users-folder"
    assert (folder / "spec.yaml").read_text() == "mine"
    assert (folder / "lake" / "precious.json").read_text() == "mine too"
    assert sorted(p.name for p in folder.iterdir()) == ["lake", "spec.yaml"]


def demo_out_is_a_file(c: Ctx):
    (c.root / "a-file").write_text("x")
    return ["demo", "--out", str(c.root / "a-file")]


def _history_url(c: Ctx) -> str:
    return f"sqlite:///{c.root / 'matrix-history.db'}"


def history_record_existing(c: Ctx):
    url = _history_url(c)
    if not c.notes.get("recorded"):
        assert main(["history", "record", str(c.prev_out), "--run-id", "matrix-1", "--url", url]) == 0
        c.notes["recorded"] = True
    return ["history", "record", str(c.prev_out), "--run-id", "matrix-1", "--url", url]


def check_history_kept(c: Ctx, console: str):
    from nba_simulator.database import history as H
    from nba_simulator.database.engine import make_engine

    engine = make_engine(_history_url(c))
    try:
        assert list(H.runs(engine)["run_id"]) == ["matrix-1"]
    finally:
        engine.dispose()


def history_newer_revision(c: Ctx):
    import sqlalchemy as sa

    from nba_simulator.database import migrate
    from nba_simulator.database.engine import make_engine

    url = f"sqlite:///{c.root / 'newer-history.db'}"
    engine = make_engine(url)
    migrate.upgrade(engine)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE nba_recon_version SET version_num = '0099'"))
    engine.dispose()
    return ["history", "runs", "--url", url]


def resume_path(run_id: str):
    def argv(c: Ctx):
        return ["run", "--runs-dir", str(c.history), "--resume", run_id, "--no-progress"]

    return argv


def resume_changed(what: str):
    """A run of notebooks declaring spec/lake/schedule/as_of, resumed with one of them changed."""

    def argv(c: Ctx):
        runs, nbs, spec = c.notes.get("fp") or _fingerprinted_run(c)
        extra = {"as_of": ["--as-of", "2019-03-02"], "lake": ["--lake", str(c.lake("other", GOOD_KEYS))], "spec": []}[
            what
        ]
        if what == "spec":
            spec.write_text(spec.read_text() + "\n# edited after the run\n")
        return [
            "run",
            "--runs-dir",
            str(runs),
            "--notebooks",
            str(nbs),
            "--resume",
            c.notes["fp_id"],
            "--no-progress",
            *extra,
        ]

    return argv


FP_PARAMS = 'run_dir: str = ""\nspec: str = ""\nlake: str = ""\nschedule: str = ""\nas_of: str = ""\n'


def _fingerprinted_run(c: Ctx):
    from nba_simulator.pipeline.runner import run_pipeline
    from tests.pipeline.conftest import make_fixture_notebooks

    nbs = make_fixture_notebooks(
        c.root / "fp-nbs",
        params=FP_PARAMS + 'fail_stage: str = ""\n'
        'mode: str = "raise"\nflag: str = ""\nn: int = 1\nratio: float = 0.5\n'
        "sample: Optional[int] = None\nverbose: bool = False\n",
    )
    spec = c.base_spec()
    runs = c.root / "fp-runs"
    result = run_pipeline(
        {"spec": str(spec), "lake": str(c.lake("ok", GOOD_KEYS)), "as_of": "2019-03-01", "fail_stage": "03_gaps"},
        runs_dir=runs,
        notebooks_dir=nbs,
        progress=False,
        retries=0,
        echo=lambda m: None,
    )
    assert not result.ok
    c.notes["fp"], c.notes["fp_id"] = (runs, nbs, spec), result.run_id
    return c.notes["fp"]


def spec_fifo(c: Ctx):
    path = c.root / "specs" / "fifo.yaml"
    path.parent.mkdir(exist_ok=True)
    if not path.exists():
        os.mkfifo(path)
    return c.reconcile(path, c.lake("ok", GOOD_KEYS))


def spec_folder(c: Ctx):
    (c.root / "specs" / "a-folder.yaml").mkdir(parents=True, exist_ok=True)
    return c.reconcile(c.root / "specs" / "a-folder.yaml", c.lake("ok", GOOD_KEYS))


def spec_text(name: str, text: str | bytes):
    def argv(c: Ctx):
        path = c.root / "specs" / name
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(text if isinstance(text, bytes) else text.encode())
        return c.reconcile(path, c.lake("ok", GOOD_KEYS))

    return argv


LAUGHS = (
    "version: 1\na: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
    + "".join(f"{n}: &{n} [{', '.join(['*' + p] * 9)}]\n" for p, n in zip("abcdefgh", "bcdefghi"))
    + "datasets: *i\n"
)
SPEC_HEAD = pbp_spec(exclude=["backups/"], schedule="builtin", seasons="2018-19")


def schedule_file(name: str, write):
    def argv(c: Ctx):
        (c.root / "specs").mkdir(exist_ok=True)
        write(c.root / "specs" / name)
        return c.reconcile(c.base_spec(schedule=name), c.lake("ok", GOOD_KEYS), out=c.root / f"out-{name}")

    return argv


def _parquet(table):
    def write(path):
        import pyarrow.parquet as pq

        pq.write_table(table, path)

    return write


def _fifo(path):
    if not path.exists():
        os.mkfifo(path)


def _csv(text):
    return lambda path: path.write_text(text)


SCHEDULE_HEAD = "game_id,season,season_type,game_date,home_team,away_team\n"


def _pa():
    import pyarrow as pa

    return pa


def parquet_binary_bad():
    pa = _pa()
    return pa.table(
        {
            "game_id": pa.array([b"\xff0021800001"], pa.binary()),
            "season": ["2018-19"],
            "season_type": ["regular"],
            "game_date": ["2018-10-16"],
            "home_team": ["BOS"],
            "away_team": ["PHI"],
        }
    )


def parquet_binary_good():
    pa = _pa()
    return pa.table(
        {
            "game_id": pa.array([b"0021800001", b"0021800003"], pa.binary()),
            "season": pa.array([b"2018-19"] * 2, pa.binary()),
            "season_type": ["regular"] * 2,
            "game_date": pa.array([1539648000000, 1539734400000], pa.timestamp("ms")),
            "home_team": ["BOS", "CHA"],
            "away_team": ["PHI", "MIL"],
        }
    )


def parquet_case_duplicates():
    pa = _pa()
    return pa.table(
        {
            "game_id": ["0021800001"],
            "GAME_ID": ["0021800002"],
            "season": ["2018-19"],
            "season_type": ["regular"],
            "game_date": ["2018-10-16"],
            "home_team": ["BOS"],
            "away_team": ["PHI"],
        }
    )


def run_args(*extra: str, lake=True, as_of=True):
    return lambda c: c.run(*extra, lake=lake, as_of=as_of)


def reconcile_args(*extra: str, spec=None):
    return lambda c: c.reconcile(spec(c) if spec else c.base_spec(), c.lake("ok", GOOD_KEYS), *extra)


def history_args(*argv: str):
    return lambda c: ["history", *argv]


def manifest_lake(change):
    def argv(c: Ctx):
        import hashlib

        from tests.inventory_writer import write_delivery

        dest = c.root / f"inv-{change.__name__}"
        if dest.exists():
            shutil.rmtree(dest)
        inv = pd.DataFrame(
            {
                "key": list(GOOD_KEYS),
                "size": [len(v) for v in GOOD_KEYS.values()],
                "last_modified": pd.Timestamp("2019-02-01", tz="UTC"),
                "etag": ["a", "b"],
            }
        )
        folder = write_delivery(dest, inv, created="2019-02-28T01:00Z")
        doc = json.loads((folder / "manifest.json").read_text())
        change(doc)
        raw = json.dumps(doc).encode()
        (folder / "manifest.json").write_bytes(raw)
        (folder / "manifest.checksum").write_text(hashlib.md5(raw).hexdigest() + "\n")
        return c.reconcile(c.base_spec(), c.lake("ok", GOOD_KEYS), "--inventory", str(dest))

    return argv


def size_not_numeric(doc):
    doc["files"][0]["size"] = "twelve"


def no_files(doc):
    doc["files"] = []


CONTENT_SPEC = (
    pbp_spec(exclude=["backups/"], schedule="builtin", seasons="2018-19")
    + "    content: {format: json, non_empty: [plays]}\n"
)


def deep_json_probe(c: Ctx):
    deep = b'{"plays": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    return c.reconcile(
        c.spec("content.yaml", CONTENT_SPEC),
        c.lake("deep", {**GOOD_KEYS, "pbp/0021800002.json": deep}),
        "--probe",
        out=c.root / "out-deep",
    )


def check_deep(c: Ctx, console: str):
    cov = pd.read_parquet(c.root / "out-deep" / "coverage.parquet").set_index("game_id")
    assert cov.loc["0021800002", "status"] == "invalid"
    assert cov.loc["0021800001", "status"] == "present"


def odd_entries(c: Ctx):
    lake = c.lake("entries", GOOD_KEYS)
    os.mkfifo(lake / "pbp" / "fifo.json")
    os.symlink(lake / "nowhere", lake / "pbp" / "broken.json")
    return c.reconcile(c.base_spec(), lake, out=c.root / "out-entries")


def check_entries(c: Ctx, console: str):
    assert "skipped pbp/fifo.json: a named pipe" in console
    assert "skipped pbp/broken.json: a broken symbolic link" in console
    inv = set(pd.read_parquet(c.root / "out-entries" / "inventory.parquet")["key"])
    assert inv == set(GOOD_KEYS)


def probe_cache_is_history(c: Ctx):
    import sqlite3

    path = c.root / "a-history.db"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE IF NOT EXISTS runs (run_id TEXT)")
    db.close()
    c.notes["cache_before"] = path.read_bytes()
    return c.reconcile(
        c.spec("content.yaml", CONTENT_SPEC),
        c.lake("ok", GOOD_KEYS),
        "--probe",
        "--probe-cache",
        str(path),
        out=c.root / "out-cache",
    )


def check_cache_untouched(c: Ctx, console: str):
    assert (c.root / "a-history.db").read_bytes() == c.notes["cache_before"]
    assert not (c.root / "out-cache").exists()


DIGIT_SPEC = """\
version: 1
schedule: builtin
datasets:
  one:
    source: nba_stats
    data_type: play_by_play
    keys: "x/{season_start}1{yyyymmdd}.json"
    per: date
    seasons: 2018-19
  other:
    source: espn
    data_type: play_by_play
    keys: "x/{season_start}{yyyymmdd}1.json"
    per: date
    seasons: 2018-19
"""


HOSTILE_CASES = [
    Case(
        "lake-uri-credentials-reconcile",
        lake_credentials_reconcile,
        2,
        "credentials in the lake URI are refused; put credentials in the environment or a profile",
        check_masked,
    ),
    Case(
        "lake-uri-credentials-run",
        lake_credentials_run,
        2,
        "parameter lake s3://***@matrix-bucket/prefix: credentials in the lake URI are refused",
        check_masked,
    ),
    Case("inventory-uri-credentials", inventory_credentials, 2, "--inventory s3://***@matrix-bucket", check_masked),
    Case(
        "demo-into-a-users-folder",
        demo_into_user_folder,
        2,
        "is not empty and was not made by `nba-recon demo`",
        check_user_folder,
    ),
    Case("demo-out-is-a-file", demo_out_is_a_file, 2, "not a folder"),
    Case(
        "history-record-existing-run-id",
        history_record_existing,
        2,
        "run matrix-1 is already in the history",
        check_history_kept,
    ),
    Case("history-newer-revision", history_newer_revision, 2, "revision 0099, written by a newer nba-recon"),
    Case(
        "resume-path-traversal",
        resume_path("../other_runs/20260101T000000Z-abcdef"),
        2,
        "--resume takes the id of a run of",
    ),
    Case("resume-dot-dot", resume_path(".."), 2, "--resume takes the id of a run of"),
    Case("resume-unknown-run", resume_path("20260101T000000Z-abcdef"), 2, "no run '20260101T000000Z-abcdef'"),
    Case("resume-different-as-of", resume_changed("as_of"), 2, "with a different as_of"),
    Case("resume-different-lake", resume_changed("lake"), 2, "with a different lake"),
    Case("resume-edited-spec", resume_changed("spec"), 2, "with a different spec"),
    Case("spec-is-a-fifo", spec_fifo, 2, "the spec is a named pipe, not a regular file"),
    Case("spec-is-a-folder", spec_folder, 2, "the spec is a folder, not a regular file"),
    Case(
        "spec-too-large",
        spec_text("big.yaml", "#" * (1 << 20) + "\nversion: 1\n"),
        2,
        "more than the 1,048,576 allowed",
    ),
    Case("spec-billion-laughs", spec_text("laughs.yaml", LAUGHS), 2, "YAML aliases expand to more than"),
    Case(
        "spec-deeply-nested",
        spec_text("deep.yaml", "version: 1\ndatasets: " + "[" * 3000 + "]" * 3000),
        2,
        "deep.yaml:2: YAML nested more than 50 levels deep",
    ),
    Case(
        "spec-complex-key",
        spec_text("complex.yaml", "version: 1\n? [a, b]\n: c\n"),
        2,
        "complex.yaml:2: a key must be a plain value",
    ),
    Case(
        "spec-dataset-named-by-a-number",
        spec_text("number.yaml", SPEC_HEAD.replace("  pbp:", "  123:")),
        2,
        "number.yaml:5: datasets: the key 123 must be text",
    ),
    Case("spec-control-character", spec_text("control.yaml", "version: 1\x1f\n"), 2, "YAML error"),
    Case("spec-not-utf8", spec_text("latin1.yaml", b"version: 1\n# caf\xe9\n"), 2, "not UTF-8 text"),
    Case("spec-empty", spec_text("empty.yaml", ""), 2, "the spec is empty"),
    Case(
        "spec-version-2",
        spec_text("v2.yaml", SPEC_HEAD.replace("version: 1", "version: 2")),
        2,
        "version must be 1, got 2",
    ),
    Case("spec-duplicate-key", spec_text("dupkey.yaml", SPEC_HEAD + "version: 1\n"), 2, "duplicate key 'version'"),
    Case(
        "spec-freshness-out-of-range",
        spec_text("fresh.yaml", SPEC_HEAD + "    freshness_days: 1000000000000000000000\n"),
        2,
        "freshness_days 1000000000000000000000 is out of range",
    ),
    Case(
        "spec-within-days-out-of-range",
        spec_text("within.yaml", SPEC_HEAD + "priorities:\n  - {priority: LOW, within_days: 99999999999}\n"),
        2,
        "within_days 99999999999 is out of range",
    ),
    Case("spec-overlap-by-digit-position", spec_text("digit.yaml", DIGIT_SPEC), 2, "both claim keys like"),
    Case("schedule-is-a-fifo", schedule_file("fifo.csv", _fifo), 2, "the schedule is a named pipe"),
    Case(
        "schedule-parquet-binary-not-utf8",
        schedule_file("bin.parquet", lambda p: _parquet(parquet_binary_bad())(p)),
        2,
        "column 'game_id' row 1: bytes that are not UTF-8 text",
    ),
    Case(
        "schedule-parquet-binary-columns",
        schedule_file("bin_ok.parquet", lambda p: _parquet(parquet_binary_good())(p)),
        0,
        "complete",
        one_line=False,
    ),
    Case(
        "schedule-parquet-duplicate-by-case",
        schedule_file("case.parquet", lambda p: _parquet(parquet_case_duplicates())(p)),
        2,
        "columns 'game_id' and 'GAME_ID' are one name",
    ),
    Case(
        "schedule-csv-duplicate-by-case",
        schedule_file("case.csv", _csv("game_id,Game_ID,season,season_type,game_date,home_team,away_team\n")),
        2,
        "are one name",
    ),
    Case(
        "schedule-date-out-of-range",
        schedule_file("far.csv", _csv(SCHEDULE_HEAD + "0021800001,2018-19,regular,9999-99-99,BOS,PHI\n")),
        2,
        "bad game_date '9999-99-99'",
    ),
    Case(
        "schedule-missing-column",
        schedule_file("nocol.csv", _csv("game_id,season\n0021800001,2018-19\n")),
        2,
        "missing column",
    ),
    Case(
        "as-of-out-of-range",
        lambda c: [a if a != "2019-03-01" else "9999-12-31" for a in reconcile_args()(c)],
        2,
        "out of range (years 1900..2200)",
    ),
    Case(
        "parameter-as-of-out-of-range",
        run_args("-p", "as_of", "9999-12-31", as_of=False),
        2,
        "parameter as_of: 9999-12-31 is out of range",
    ),
    Case(
        "inventory-max-age-nan",
        reconcile_args("--inventory-max-age-days", "nan"),
        2,
        "expected a number of days in 0..36600, got 'nan'",
    ),
    Case("timeout-nan", run_args("--timeout", "nan"), 2, "expected a number of seconds > 0, got 'nan'"),
    Case("deadline-zero", reconcile_args("--deadline", "0"), 2, "expected a number of seconds > 0"),
    Case("sample-out-of-range", reconcile_args("--sample", "2"), 2, "--sample must be a fraction in (0, 1]"),
    Case(
        "manifest-size-not-a-number",
        manifest_lake(size_not_numeric),
        2,
        "files[0].size must be a whole number of bytes >= 0, got 'twelve'",
    ),
    Case("inventory-delivery-without-files", manifest_lake(no_files), 2, "the delivery lists no data files"),
    Case(
        "schema-name-with-quotes",
        history_args("runs", "--url", "sqlite:///unused.db", "--schema", 'a"b'),
        2,
        "schema 'a\"b': a schema name is letters, digits and _",
    ),
    Case("history-url-not-a-database", history_args("runs", "--url", "nonsense"), 2, "not a database URL"),
    Case(
        "history-runs-dir-is-a-file",
        lambda c: (
            (c.root / "runs-file").write_text("x") and ["history", "runs", "--runs-dir", str(c.root / "runs-file")]
        ),
        2,
        "is not a folder (nothing was created)",
    ),
    Case(
        "runs-dir-is-a-file",
        lambda c: (c.root / "runs-file").write_text("x") and c.run(runs=c.root / "runs-file"),
        2,
        "not a folder",
    ),
    Case("unknown-stage", run_args("--stages", "99"), 2, "unknown stage '99'"),
    Case(
        "resume-with-stages",
        lambda c: ["run", "--runs-dir", str(c.history), "--resume", c.prev_run.name, "--stages", "00"],
        2,
        "drop --stages",
    ),
    Case("parameter-set-by-the-runner", run_args("-p", "run_dir", "/tmp/x"), 2, "set by the runner"),
    Case("parameter-unknown", run_args("-p", "no_such_parameter", "1"), 2, "no_such_parameter"),
    Case(
        "probe-without-content-rules-run",
        lambda c: c.run("--spec", str(c.base_spec()), "-p", "probe", "true", spec=False),
        2,
        "parameter probe true: the spec",
    ),
    Case("probe-without-content-rules-reconcile", reconcile_args("--probe"), 2, "has no content rules"),
    Case(
        "probe-cache-is-another-database",
        probe_cache_is_history,
        2,
        "is another database (tables runs)",
        check_cache_untouched,
    ),
    Case("deeply-nested-json-object", deep_json_probe, 0, "1 invalid", check_deep, one_line=False),
    Case("lake-fifo-and-broken-link", odd_entries, 0, "complete", check_entries, one_line=False),
    Case("lake-not-found", lambda c: c.reconcile(c.base_spec(), c.root / "no-such-lake"), 2, "lake folder not found"),
    Case(
        "history-record-missing-folder",
        history_args("record", "/nonexistent/folder", "--url", "sqlite:///unused.db"),
        2,
        "summary.json",
    ),
]


# ------------------------------------- issue 21: writes, secrets, the filesystem, the tool's stores
# Each row names the guarantee it protects (docs/guarantees.md):
#   [writes]   nothing of the user's is deleted, renamed or overwritten
#   [masking]  masking fails closed
#   [lake]     a local lake stays inside the lake
#   [stores]   the tool's own stores, busy or damaged: one line
#   [message]  a clear line naming the parameter, never a silent change
def _user_file(c: Ctx, name: str, text: str = "the user's own\n") -> Path:
    path = c.root / "users" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def probe_cache_user_file(c: Ctx):
    """[writes] --probe-cache naming a user's file (with a .corrupt beside it already)."""
    cache = _user_file(c, "notes.sqlite")
    _user_file(c, "notes.sqlite.corrupt", "an earlier file of the user's\n")
    return c.reconcile(c.demo.spec, c.demo.lake, "--probe", "--probe-cache", str(cache))


def check_user_files_untouched(c: Ctx, console: str):
    assert (c.root / "users/notes.sqlite").read_text() == "the user's own\n"
    assert (c.root / "users/notes.sqlite.corrupt").read_text() == "an earlier file of the user's\n"
    assert not list((c.root / "users").glob("*.corrupt.*"))


def probe_cache_is_the_spec(c: Ctx):
    """[writes] the spec itself given as the probe cache."""
    spec = c.spec(
        "probe-spec.yaml",
        Path(c.demo.spec).read_text().replace("schedule: schedule.csv", f"schedule: {c.demo.schedule}"),
    )
    c.notes["probe-spec"] = spec.read_bytes()
    return c.reconcile(spec, c.demo.lake, "--probe", "--probe-cache", str(spec))


def check_spec_untouched(c: Ctx, console: str):
    assert (c.root / "specs/probe-spec.yaml").read_bytes() == c.notes["probe-spec"]
    assert not (c.root / "specs/probe-spec.yaml.corrupt").exists()


def history_missing_runs_dir(c: Ctx):
    """[writes] history runs --runs-dir missing/sub creates no folder and no database."""
    return ["history", "runs", "--runs-dir", str(c.root / "missing" / "sub")]


def check_nothing_created(c: Ctx, console: str):
    assert not (c.root / "missing").exists()


def history_damaged(command: str):
    """[stores] a damaged history database: one line naming it and what to do, never rewritten."""

    def argv(c: Ctx):
        folder = c.root / "damaged-history"
        folder.mkdir(exist_ok=True)
        (folder / "history.db").write_bytes(b"not a database at all " * 100)
        extra = [str(c.prev_out), "--run-id", "damaged-1"] if command == "record" else []
        return ["history", command, *extra, "--runs-dir", str(folder)]

    return argv


def check_damaged_kept(c: Ctx, console: str):
    assert (c.root / "damaged-history/history.db").read_bytes() == b"not a database at all " * 100


def changes_no_such_run(c: Ctx):
    """[stores] history changes --run NOSUCHRUN: exit 2, not 0 with "(none)"."""
    url = f"sqlite:///{c.root / 'w21-changes-history.db'}"
    if not (c.root / "w21-changes-history.db").exists():
        assert main(["history", "record", str(c.prev_out), "--run-id", "w21-1", "--url", url]) == 0
    return ["history", "changes", "--url", url, "--run", "NOSUCHRUN"]


def current_newer_revision(c: Ctx):
    """[stores] db current at a revision newer than this nba-recon: never advise `db upgrade`."""
    import sqlalchemy as sa

    from nba_simulator.database import migrate
    from nba_simulator.database.engine import make_engine

    url = f"sqlite:///{c.root / 'w21-newer-history.db'}"
    if not (c.root / "w21-newer-history.db").exists():
        engine = make_engine(url)
        migrate.upgrade(engine)
        with engine.begin() as conn:
            conn.execute(sa.text("UPDATE nba_recon_version SET version_num = '0099'"))
        engine.dispose()
    return ["db", "current", "--url", url]


def check_no_upgrade_advice(c: Ctx, console: str):
    assert "db upgrade" not in console


def lake_odd_links(c: Ctx):
    """[lake] a link to / and one to /dev/zero (leaving the lake), one to a fifo in the lake."""
    root = c.lake("links", GOOD_KEYS)
    os.symlink("/", root / "to-root")
    os.symlink("/dev/zero", root / "pbp" / "zero.json")
    os.mkfifo(root / "fifo")
    os.symlink(root / "fifo", root / "pbp" / "fifo-link.json")
    return c.reconcile(c.base_spec(), root, out=c.root / "out-links")


def check_links(c: Ctx, console: str):
    assert console.count("skipped to-root: a symbolic link leaving the lake (to /), not followed") == 1
    assert "skipped pbp/zero.json: a symbolic link leaving the lake (to /dev/zero)" in console
    assert "skipped pbp/fifo-link.json: a symbolic link to a named pipe, not a file" in console
    assert "broken" not in console
    summary = json.loads((c.root / "out-links/summary.json").read_text())
    assert any(w.startswith("4 entries of the lake skipped while listing") for w in summary["warnings"])
    inv = set(pd.read_parquet(c.root / "out-links/inventory.parquet")["key"])
    assert inv == set(GOOD_KEYS)


def out_dir_of_the_user(c: Ctx):
    """[writes] reconcile --out into a folder whose coverage.parquet is the user's."""
    _user_file(c, "out/coverage.parquet")
    _user_file(c, "out/notes.txt")
    return c.reconcile(c.base_spec(), c.lake("ok", GOOD_KEYS), out=c.root / "users" / "out")


def check_out_untouched(c: Ctx, console: str):
    assert sorted(p.name for p in (c.root / "users/out").iterdir()) == ["coverage.parquet", "notes.txt"]
    assert (c.root / "users/out/coverage.parquet").read_text() == "the user's own\n"


WRITE_CASES = [
    Case(
        "w21-reconcile-out-holds-a-users-file",
        out_dir_of_the_user,
        2,
        "holds coverage.parquet not written by nba-recon reconcile",
        check_out_untouched,
    ),
    Case(
        "w21-probe-cache-user-file",
        probe_cache_user_file,
        2,
        "notes.sqlite is not an SQLite database; it is left as it is",
        check_user_files_untouched,
    ),
    Case(
        "w21-probe-cache-is-the-spec",
        probe_cache_is_the_spec,
        2,
        "probe-spec.yaml is not an SQLite database; it is left as it is",
        check_spec_untouched,
    ),
    Case(
        "w21-history-runs-missing-runs-dir",
        history_missing_runs_dir,
        2,
        "sub does not exist (nothing was created)",
        check_nothing_created,
    ),
    Case(
        "w21-history-runs-damaged",
        history_damaged("runs"),
        2,
        "history.db is damaged (file is not a database): restore a copy, or move it away",
        check_damaged_kept,
    ),
    Case(
        "w21-history-record-damaged",
        history_damaged("record"),
        2,
        "history.db is damaged (file is not a database)",
        check_damaged_kept,
    ),
    Case("w21-history-changes-no-such-run", changes_no_such_run, 2, "history changes --run NOSUCHRUN: no such run in"),
    Case(
        "w21-db-current-newer-revision",
        current_newer_revision,
        0,
        "written by a newer nba-recon, this one knows up to",
        check_no_upgrade_advice,
    ),
    Case(
        "w21-lake-path-100k-characters",
        lambda c: c.reconcile(c.base_spec(), "a" * 100_000),
        2,
        "lake path too long (100,0",
    ),
    Case(
        "w21-as-of-with-time-zone",
        lambda c: [a if a != "2019-03-01" else "2019-03-01T23:00-05:00" for a in reconcile_args()(c)],
        2,
        "carries the time zone -05:00; give the analysis date itself",
    ),
    Case(
        "w21-parameter-as-of-with-time-zone",
        run_args("-p", "as_of", "2019-03-14T23:00-05:00", as_of=False),
        2,
        "parameter as_of: 2019-03-14T23:00-05:00 carries the time zone -05:00",
    ),
    Case(
        "w21-min-free-gb-nan",
        run_args("-p", "min_free_gb", "nan"),
        2,
        "parameter min_free_gb: expected a finite number, got 'nan'",
    ),
    Case(
        "w21-min-free-gb-inf",
        run_args("-p", "min_free_gb", "inf"),
        2,
        "parameter min_free_gb: expected a finite number, got 'inf'",
    ),
    Case(
        "w21-min-free-gb-negative",
        run_args("-p", "min_free_gb", "-1"),
        2,
        "parameter min_free_gb: expected a number >= 0, got -1.0",
    ),
    Case("w21-lake-links-leaving-the-lake", lake_odd_links, 0, "complete", check_links, one_line=False),
]


#: what each issue-21 write/store/message row protects (docs/guarantees.md)
WRITE_GUARANTEES = {
    "w21-reconcile-out-holds-a-users-file": "nothing of the user's is deleted, renamed or overwritten",
    "w21-probe-cache-user-file": "nothing of the user's is deleted, renamed or overwritten",
    "w21-probe-cache-is-the-spec": "nothing of the user's is deleted, renamed or overwritten",
    "w21-history-runs-missing-runs-dir": "a read-only command creates nothing",
    "w21-history-runs-damaged": "a damaged store: one line naming the file and what to do",
    "w21-history-record-damaged": "a damaged store: one line naming the file and what to do",
    "w21-history-changes-no-such-run": "bad input is exit 2 with one line",
    "w21-db-current-newer-revision": "messages point the right way",
    "w21-lake-path-100k-characters": "bad input is exit 2 with one line",
    "w21-as-of-with-time-zone": "the analysis date is never silently moved",
    "w21-parameter-as-of-with-time-zone": "the analysis date is never silently moved",
    "w21-min-free-gb-nan": "a check is never silently turned off",
    "w21-min-free-gb-inf": "a check is never silently turned off",
    "w21-min-free-gb-negative": "a check is never silently turned off",
    "w21-lake-links-leaving-the-lake": "a local lake is read inside the lake only",
}
WRITE_CASES = [replace(c, guarantee=c.guarantee or WRITE_GUARANTEES[c.id]) for c in WRITE_CASES]


CASES = [
    Case("malformed-yaml", malformed_yaml, 2, "malformed.yaml:3:"),
    Case("unknown-placeholder", unknown_placeholder, 2, "unknown placeholder {gameid}"),
    Case("overlapping-templates", overlapping_templates, 2, "both claim keys like 'pbp/{game_id}.json'"),
    Case("season-range-backwards", season_range_backwards, 2, "season range runs backwards: 2019-20..2017-18"),
    Case("schedule-duplicate-ids", schedule_duplicate_ids, 2, "game 0021800001 appears 2 times"),
    Case("non-utf8-key", non_utf8_key, 0, "unparsed", check_non_utf8, one_line=False),
    Case("very-long-key", long_key, 0, "1 unparsed", check_long, one_line=False),
    Case("odd-keys-local", odd_keys_local, 0, "3 unparsed", check_odd("out-odd", ODD_LOCAL), one_line=False),
    Case(
        "odd-keys-s3-fast",
        odd_keys_s3("fast"),
        0,
        "5 unparsed",
        check_odd("out-s3-fast", [DOTDOT, *list(S3_ODD)[1:]]),
        one_line=False,
        s3=True,
    ),
    Case(
        "odd-keys-s3-paginator",
        odd_keys_s3("paginator"),
        0,
        "5 unparsed",
        check_odd("out-s3-paginator", [DOTDOT, *list(S3_ODD)[1:]]),
        one_line=False,
        s3=True,
    ),
    Case("empty-bucket", empty_bucket, 2, "s3://matrix-empty holds no objects", s3=True),
    Case("missing-bucket", missing_bucket, 2, "bucket not found: s3://matrix-no-such-bucket", s3=True),
    Case("access-denied", access_denied, 2, "access denied (SignatureDoesNotMatch)", s3=True),
    Case("expired-credentials", expired_token, 2, "access denied (InvalidAccessKeyId)", s3=True),
    Case(
        "database-down", database_down, 1, "cannot connect to postgresql+psycopg2://recon@127.0.0.1:", check_no_password
    ),
    Case(
        "database-down-pipeline",
        database_down_run,
        1,
        "FAILED at stage 00_health_check: OperationalError",
        check_no_password,
        one_line=False,
    ),
    Case("parameter-wrong-type", wrong_type, 2, "parameter sample: expected a number, got 'abc'"),
    Case("parameter-bad-date", bad_date, 2, "parameter as_of: expected a date YYYY-MM-DD, got '2019-02-30'"),
    Case(
        "parameter-injection",
        injected_parameter,
        2,
        "nba-recon: error: health check 'lake reachable' failed",
        check_not_injected,
    ),
    *HOSTILE_CASES,
    # issue 21: the readers of files this tool did not write (tests/faults/matrix_readers.py)
    *[
        Case(id_, argv, code, message, check, one_line, guarantee=guarantee)
        for id_, argv, code, message, check, one_line, guarantee in READER_ROWS
    ],
    *WRITE_CASES,
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
    assert (
        main(
            [
                "reconcile",
                "--spec",
                str(demo.spec),
                "--lake",
                str(demo.lake),
                "--as-of",
                demo.as_of,
                "--out",
                str(prev_out),
            ]
        )
        == 0
    )
    history = root / "runs"
    previous = run_pipeline(
        {}, runs_dir=history, notebooks_dir=make_fixture_notebooks(root / "nbs"), progress=False, echo=lambda m: None
    )
    assert previous.ok
    prev_run = previous.run_dir
    return root, prev_out, history, prev_run, {"prev_out": tree_digest(prev_out), "prev_run": tree_digest(prev_run)}


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


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id, marks=[pytest.mark.s3] if c.s3 else []) for c in CASES])
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
        case.check(ctx, out + err + caplog.text)  # in-process, log records go to caplog
    assert console
    assert_history_intact(world)


# ---------------------------------------------------------------------------------------- full disk
def _run_limited(argv: list[str], limit: int) -> subprocess.CompletedProcess:
    return subprocess.run(
        [NBA_RECON, *argv], capture_output=True, text=True, timeout=600, preexec_fn=_limit_file_size(limit)
    )


def test_full_disk_under_the_output_dir(ctx: Ctx, world, capsys):
    """reconcile into a folder holding a previous result on a disk too small for a second one:
    exit 1, one line naming the folder, and the previous result untouched (no file replaced)."""
    folder = ctx.root / "tiny-reconcile"
    with tiny_disk(folder, 900) as mounted:
        out = folder / "out"
        shutil.copytree(ctx.prev_out, out)
        before = tree_digest(out)
        argv = [
            "reconcile",
            "--spec",
            str(ctx.demo.spec),
            "--lake",
            str(ctx.demo.lake),
            "--as-of",
            "2019-03-16",
            "--out",
            str(out),
        ]
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
    size_kb = used // 1024 + 600  # the previous run fits; a new one does not
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
        assert "report: " in console[-1] and "--resume" not in proc.stderr  # not transient
        assert tree_digest(prev) == before
        index = (runs / "index.html").read_text(encoding="utf-8")
        assert index.rstrip().endswith("</html>") and prev.name in index
        assert index == index_before or prev.name in index
        assert not (runs / ".lock.json").exists()
        assert_complete_files(runs)  # the failed run's files are whole too (atomic writes)
        (new,) = [p for p in runs.iterdir() if p.is_dir() and p.name not in earlier]
        assert json.loads((new / "run.json").read_text())["status"] == "failed"
    assert_history_intact(world)


# ------------------------------- issue 21: writes, secrets, the filesystem, the tool's stores (2)
SPECIAL_URLS = [  # [masking] what a URL parser may cut at: the whole password is masked anyway
    ("postgresql+psycopg2://user:pa/ss-w21@host/db", "pa/ss-w21"),
    ("postgresql://user:p@ss-w21@host:5432/db", "p@ss-w21"),
    ("postgresql://user:pa#ss-w21@host/db", "pa#ss-w21"),
    ("postgresql://user:pa?ss-w21@host/db", "pa?ss-w21"),
    ("postgresql://user:pa%ss-w21@host/db", "pa%ss-w21"),
    ("postgresql://user:pa ss-w21@host/db", "pa ss-w21"),
    ("postgresql://user:unplaced-w21", "unplaced-w21"),
    ("s3://AKIAW21KEYID0000001:se/cr@et-w21@bucket/prefix", "se/cr@et-w21"),
    ("https://api.example/scoreboard?api_key=key-w21&dates=20250101", "key-w21"),
    ("https://api.example/scoreboard?apikey=key2-w21", "key2-w21"),
    ("https://api.example/scoreboard?access_token=tok-w21&x=1", "tok-w21"),
]


@pytest.mark.parametrize("url,secret", SPECIAL_URLS)
def test_w21_masking_fails_closed(url, secret):
    """[masking] every piece of the password is gone, in text, in a mapping (run.json, notebook
    metadata) and in a logged line; masking twice changes nothing."""
    import re

    from nba_simulator.masking import mask, mask_text

    pieces = [secret, *(p for p in re.split(r"[/@#?% ]", secret) if len(p) >= 3 and p != "w21")]
    for shown in (mask_text(f"history {url} failed"), json.dumps(mask({"history": url, "nested": [url]}))):
        for piece in pieces:
            assert piece not in shown, (url, shown)
    assert mask_text(mask_text(url)) == mask_text(url)


def test_w21_bidi_and_control_characters_shown_escaped(tmp_path, capsys):
    """[message] a name with U+202E reads as an escape on the console and in masked documents."""
    from nba_simulator.masking import mask

    evil = tmp_path / "evil\u202egnp.yaml"
    assert (
        main(
            [
                "reconcile",
                "--spec",
                str(evil),
                "--lake",
                str(tmp_path),
                "--as-of",
                "2019-03-01",
                "--out",
                str(tmp_path / "out"),
            ]
        )
        == 2
    )
    err = capsys.readouterr().err
    assert "evil\\u202egnp.yaml" in err and "\u202e" not in err
    nb = {"cells": [{"outputs": [{"text": "key tmp/a\u202ejs.txt\x07\n"}]}]}
    assert mask(nb)["cells"][0]["outputs"][0]["text"] == "key tmp/a\\u202ejs.txt\\x07\n"


def test_w21_scratch_home_never_clears_a_user_folder(tmp_path, monkeypatch):
    """[writes] NBA_RECON_HOME=DIR nba-recon run (no --lake): DIR/demo of the user's (no marker)
    is refused in one line; its lake, spec and schedule are untouched. DIR/lab likewise."""
    from nba_simulator.errors import BadInput
    from nba_simulator.pipeline.scratch import lab_folder

    home = tmp_path / "home"
    (home / "demo" / "lake").mkdir(parents=True)
    mine = {
        "demo/spec.yaml": "my spec\n",
        "demo/schedule.csv": "my schedule\n",
        "demo/lake/precious.json": "{}",
        "lab/data/coverage.parquet": "my data\n",
    }
    for rel, text in mine.items():
        (home / rel).parent.mkdir(parents=True, exist_ok=True)
        (home / rel).write_text(text)
    proc = subprocess.run(
        [NBA_RECON, "run", "--runs-dir", str(tmp_path / "runs"), "--no-progress", "--retries", "0", "--stages", "00"],
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "NBA_RECON_HOME": str(home)},
        cwd=tmp_path,
    )
    assert proc.returncode == 2, proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert f"{home / 'demo'}: the folder is not empty and was not made by `nba-recon demo`" in proc.stderr
    monkeypatch.setenv("NBA_RECON_HOME", str(home))
    with pytest.raises(BadInput, match="lab: the folder is not empty and was not made by nba-recon"):
        lab_folder()
    for rel, text in mine.items():
        assert (home / rel).read_text() == text, rel
    assert sorted(p.name for p in (home / "demo").iterdir()) == ["lake", "schedule.csv", "spec.yaml"]


def test_w21_default_scratch_folder_must_be_ours(tmp_path, monkeypatch):
    """[writes] the default <tmp>/nba_recon-<uid>: made 0700; a symbolic link, a folder of another
    user's or one others may write into is refused (one line), nothing in it touched."""
    import tempfile

    from nba_simulator.errors import BadInput
    from nba_simulator.pipeline.scratch import LAB_MARKER, lab_folder, scratch_root

    monkeypatch.delenv("NBA_RECON_HOME", raising=False)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    home = tmp_path / f"nba_recon-{os.getuid()}"
    assert scratch_root() == home and (home.stat().st_mode & 0o777) == 0o700
    (home / "lab" / "data").mkdir(parents=True)  # an earlier version's, without its marker
    (home / "lab" / "data" / "x.parquet").write_text("kept")
    assert lab_folder() == home / "lab" and (home / "lab" / LAB_MARKER).is_file()
    assert (home / "lab" / "data" / "x.parquet").read_text() == "kept"
    shutil.rmtree(home / "lab")
    home.chmod(0o755)  # ours, from an earlier version: tightened
    assert scratch_root() == home and (home.stat().st_mode & 0o777) == 0o700
    home.chmod(0o777)
    with pytest.raises(BadInput, match="can be written by other users"):
        scratch_root()
    home.rmdir()
    planted = tmp_path / "planted"
    planted.mkdir()
    (planted / "x").write_text("another user's")
    home.symlink_to(planted)
    with pytest.raises(BadInput, match="is a symbolic link: it is not used"):
        scratch_root()
    assert (planted / "x").read_text() == "another user's"
    home.unlink()
    if os.geteuid() == 0:
        home.mkdir(mode=0o700)
        os.chown(home, 65534, 65534)
        with pytest.raises(BadInput, match=r"belongs to another user \(uid 65534\)"):
            scratch_root()


def _hold_lock(path: Path):
    import sqlite3

    db = sqlite3.connect(path, isolation_level=None)
    db.execute("BEGIN EXCLUSIVE")
    return db


def test_w21_history_locked_is_one_line(ctx: Ctx, tmp_path, monkeypatch, capsys):
    """[stores] a history database locked by another process: waited for the bounded busy
    timeout, then one line naming the file, exit 1 (transient); the lock's holder is unharmed."""
    runs = tmp_path / "runs"
    assert main(["history", "record", str(ctx.prev_out), "--runs-dir", str(runs), "--run-id", "a"]) == 0
    capsys.readouterr()
    monkeypatch.setenv("NBA_RECON_DB_CONNECT_TIMEOUT", "1")
    holder = _hold_lock(runs / "history.db")
    try:
        for argv in (["history", "record", str(ctx.prev_out), "--run-id", "b"], ["history", "runs"]):
            assert main([*argv, "--runs-dir", str(runs)]) == 1
            err = capsys.readouterr().err
            assert err.strip().splitlines() == [
                f"nba-recon: failed: history database {runs / 'history.db'} is "
                "locked by another process (waited for 1 s): try again once it "
                "has finished"
            ], err
    finally:
        holder.rollback() if holder.in_transaction else None
        holder.close()
    assert main(["history", "runs", "--runs-dir", str(runs)]) == 0
    out = capsys.readouterr().out
    assert "a" in out.split() and "b" not in out.split()


def test_w21_history_read_only_is_one_line(ctx: Ctx, tmp_path, capsys):
    """[stores] a read-only history database (opened read-only: root ignores file modes)."""
    runs = tmp_path / "runs"
    assert main(["history", "record", str(ctx.prev_out), "--runs-dir", str(runs), "--run-id", "a"]) == 0
    capsys.readouterr()
    before = (runs / "history.db").read_bytes()
    url = f"sqlite:///file:{runs / 'history.db'}?mode=ro&uri=true"
    assert main(["history", "record", str(ctx.prev_out), "--url", url, "--run-id", "b"]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "cannot be written (attempt to write a readonly database)" in err
    assert (runs / "history.db").read_bytes() == before


def test_w21_scoreboard_cache_locked_or_not_ours(tmp_path, caplog):
    """[stores]/[writes] the scoreboard cache locked by a reader: one warning, the pages are read
    all the same; a user's file at its path: never written to."""
    from nba_simulator.storage.local import LocalStorage
    from nba_simulator.storage.scoreboards import SCOREBOARD_CACHE, lake_scoreboards

    world = Path(__file__).parents[1] / "schedule/fixtures/world/lake"
    cache = tmp_path / SCOREBOARD_CACHE
    first = lake_scoreboards(LocalStorage(world), runs_dir=tmp_path)
    assert cache.is_file()
    holder = _hold_lock(cache)
    try:
        os.environ["NBA_RECON_DB_CONNECT_TIMEOUT"] = "1"
        again = lake_scoreboards(LocalStorage(world), runs_dir=tmp_path)
    finally:
        os.environ.pop("NBA_RECON_DB_CONNECT_TIMEOUT", None)
        holder.close()
    assert len(again.pages) == len(first.pages)
    assert "scoreboard cache" in caplog.text and "locked" in caplog.text
    cache.unlink()
    cache.write_text("the user's own\n")
    lake_scoreboards(LocalStorage(world), runs_dir=tmp_path)
    assert cache.read_text() == "the user's own\n"
    assert "is not an SQLite database (left as it is)" in caplog.text


def _unreadable_runner() -> list[str] | None:
    """A prefix running a command that cannot read a mode-000 file: nothing for a normal user;
    for root (who reads everything) setpriv without the DAC capabilities; None if neither."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    return [setpriv, "--bounding-set=-dac_override,-dac_read_search"] if setpriv else None


def test_w21_unreadable_files_and_folders_skipped_when_listing_and_probing(ctx: Ctx, tmp_path):
    """[lake] an unreadable folder is skipped when listing and one unreadable file when probing,
    each with a warning, counted in the run's warnings; the run does not fail."""
    prefix = _unreadable_runner()
    if prefix is None:
        pytest.skip("running as root (root reads everything) and no setpriv to drop that")
    lake = tmp_path / "lake"
    shutil.copytree(ctx.demo.lake, lake)
    files = sorted((lake / "espn_play_by_play").rglob("*.json"))
    locked_file = files[len(files) // 2]
    locked_dir = lake / "locked-folder"
    locked_dir.mkdir()
    (locked_dir / "a.json").write_text("{}")
    locked_file.chmod(0)
    locked_dir.chmod(0)
    out = tmp_path / "out"
    try:
        proc = subprocess.run(
            [
                *prefix,
                NBA_RECON,
                "reconcile",
                "--spec",
                str(ctx.demo.spec),
                "--lake",
                str(lake),
                "--as-of",
                ctx.demo.as_of,
                "--out",
                str(out),
                "--probe",
            ],
            capture_output=True,
            text=True,
            timeout=600,
        )
    finally:
        locked_file.chmod(0o644)
        locked_dir.chmod(0o755)
    assert proc.returncode == 0, proc.stderr
    assert "skipped locked-folder: folder cannot be listed (permission denied" in proc.stderr
    summary = json.loads((out / "summary.json").read_text())
    warnings = summary["warnings"] + summary["content"]["warnings"]
    assert any(w.startswith("1 entry of the lake skipped while listing") for w in warnings), warnings
    assert any("1 object(s) could not be read" in w for w in warnings), warnings
