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
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pytest

from nba_simulator.cli import main
from tests.builders import pbp_spec

from .conftest import NBA_RECON, tree_digest
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
                         pbp_spec(exclude=["backups/"], schedule=schedule, seasons=seasons) + extra)

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

    def run(self, *extra: str, runs: Path | None = None, lake=True, as_of=True, spec=True) -> list[str]:
        return ["run", *(["--spec", str(self.demo.spec)] if spec else []),
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
    text = pbp_spec(exclude=["backups/"], schedule="builtin", seasons="2018-19").replace("{game_id}", "{gameid}")
    return c.reconcile(c.spec("placeholder.yaml", text), c.lake("ok", GOOD_KEYS))


def overlapping_templates(c: Ctx):
    return c.reconcile(c.base_spec(extra=EXTRA_DATASET), c.lake("ok", GOOD_KEYS))


def season_range_backwards(c: Ctx):
    return c.reconcile(c.spec("backwards.yaml", pbp_spec(exclude=["backups/"], schedule="builtin",
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
        extra = {"as_of": ["--as-of", "2019-03-02"], "lake": ["--lake", str(c.lake("other", GOOD_KEYS))],
                 "spec": []}[what]
        if what == "spec":
            spec.write_text(spec.read_text() + "\n# edited after the run\n")
        return ["run", "--runs-dir", str(runs), "--notebooks", str(nbs), "--resume", c.notes["fp_id"],
                "--no-progress", *extra]
    return argv


FP_PARAMS = 'run_dir: str = ""\nspec: str = ""\nlake: str = ""\nschedule: str = ""\nas_of: str = ""\n'


def _fingerprinted_run(c: Ctx):
    from nba_simulator.pipeline.runner import run_pipeline
    from tests.pipeline.conftest import make_fixture_notebooks

    nbs = make_fixture_notebooks(c.root / "fp-nbs", params=FP_PARAMS + "fail_stage: str = \"\"\n"
                                 "mode: str = \"raise\"\nflag: str = \"\"\nn: int = 1\nratio: float = 0.5\n"
                                 "sample: Optional[int] = None\nverbose: bool = False\n")
    spec = c.base_spec()
    runs = c.root / "fp-runs"
    result = run_pipeline({"spec": str(spec), "lake": str(c.lake("ok", GOOD_KEYS)), "as_of": "2019-03-01",
                           "fail_stage": "03_gaps"}, runs_dir=runs, notebooks_dir=nbs, progress=False,
                          retries=0, echo=lambda m: None)
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


LAUGHS = "version: 1\na: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"{n}: &{n} [{', '.join(['*' + p] * 9)}]\n" for p, n in zip("abcdefgh", "bcdefghi")) + "datasets: *i\n"
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
    return pa.table({"game_id": pa.array([b"\xff0021800001"], pa.binary()), "season": ["2018-19"],
                     "season_type": ["regular"], "game_date": ["2018-10-16"], "home_team": ["BOS"],
                     "away_team": ["PHI"]})


def parquet_binary_good():
    pa = _pa()
    return pa.table({"game_id": pa.array([b"0021800001", b"0021800003"], pa.binary()),
                     "season": pa.array([b"2018-19"] * 2, pa.binary()), "season_type": ["regular"] * 2,
                     "game_date": pa.array([1539648000000, 1539734400000], pa.timestamp("ms")),
                     "home_team": ["BOS", "CHA"], "away_team": ["PHI", "MIL"]})


def parquet_case_duplicates():
    pa = _pa()
    return pa.table({"game_id": ["0021800001"], "GAME_ID": ["0021800002"], "season": ["2018-19"],
                     "season_type": ["regular"], "game_date": ["2018-10-16"], "home_team": ["BOS"],
                     "away_team": ["PHI"]})


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
        inv = pd.DataFrame({"key": list(GOOD_KEYS), "size": [len(v) for v in GOOD_KEYS.values()],
                            "last_modified": pd.Timestamp("2019-02-01", tz="UTC"), "etag": ["a", "b"]})
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


CONTENT_SPEC = pbp_spec(exclude=["backups/"], schedule="builtin", seasons="2018-19") + \
    "    content: {format: json, non_empty: [plays]}\n"


def deep_json_probe(c: Ctx):
    deep = b'{"plays": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    return c.reconcile(c.spec("content.yaml", CONTENT_SPEC),
                       c.lake("deep", {**GOOD_KEYS, "pbp/0021800002.json": deep}), "--probe",
                       out=c.root / "out-deep")


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
    return c.reconcile(c.spec("content.yaml", CONTENT_SPEC), c.lake("ok", GOOD_KEYS), "--probe",
                       "--probe-cache", str(path), out=c.root / "out-cache")


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
    Case("lake-uri-credentials-reconcile", lake_credentials_reconcile, 2,
         "credentials in the lake URI are refused; put credentials in the environment or a profile",
         check_masked),
    Case("lake-uri-credentials-run", lake_credentials_run, 2,
         "parameter lake s3://***@matrix-bucket/prefix: credentials in the lake URI are refused",
         check_masked),
    Case("inventory-uri-credentials", inventory_credentials, 2, "--inventory s3://***@matrix-bucket",
         check_masked),
    Case("demo-into-a-users-folder", demo_into_user_folder, 2,
         "is not empty and was not made by `nba-recon demo`", check_user_folder),
    Case("demo-out-is-a-file", demo_out_is_a_file, 2, "not a folder"),
    Case("history-record-existing-run-id", history_record_existing, 2,
         "run matrix-1 is already in the history", check_history_kept),
    Case("history-newer-revision", history_newer_revision, 2,
         "revision 0099, written by a newer nba-recon"),
    Case("resume-path-traversal", resume_path("../other_runs/20260101T000000Z-abcdef"), 2,
         "--resume takes the id of a run of"),
    Case("resume-dot-dot", resume_path(".."), 2, "--resume takes the id of a run of"),
    Case("resume-unknown-run", resume_path("20260101T000000Z-abcdef"), 2, "no run '20260101T000000Z-abcdef'"),
    Case("resume-different-as-of", resume_changed("as_of"), 2, "with a different as_of"),
    Case("resume-different-lake", resume_changed("lake"), 2, "with a different lake"),
    Case("resume-edited-spec", resume_changed("spec"), 2, "with a different spec"),
    Case("spec-is-a-fifo", spec_fifo, 2, "the spec is a named pipe, not a regular file"),
    Case("spec-is-a-folder", spec_folder, 2, "the spec is a folder, not a regular file"),
    Case("spec-too-large", spec_text("big.yaml", "#" * (1 << 20) + "\nversion: 1\n"), 2,
         "more than the 1,048,576 allowed"),
    Case("spec-billion-laughs", spec_text("laughs.yaml", LAUGHS), 2, "YAML aliases expand to more than"),
    Case("spec-deeply-nested", spec_text("deep.yaml", "version: 1\ndatasets: " + "[" * 3000 + "]" * 3000),
         2, "deep.yaml:2: YAML nested more than 50 levels deep"),
    Case("spec-complex-key", spec_text("complex.yaml", "version: 1\n? [a, b]\n: c\n"), 2,
         "complex.yaml:2: a key must be a plain value"),
    Case("spec-dataset-named-by-a-number",
         spec_text("number.yaml", SPEC_HEAD.replace("  pbp:", "  123:")), 2,
         "number.yaml:5: datasets: the key 123 must be text"),
    Case("spec-control-character", spec_text("control.yaml", "version: 1\x1f\n"), 2, "YAML error"),
    Case("spec-not-utf8", spec_text("latin1.yaml", b"version: 1\n# caf\xe9\n"), 2, "not UTF-8 text"),
    Case("spec-empty", spec_text("empty.yaml", ""), 2, "the spec is empty"),
    Case("spec-version-2", spec_text("v2.yaml", SPEC_HEAD.replace("version: 1", "version: 2")), 2,
         "version must be 1, got 2"),
    Case("spec-duplicate-key", spec_text("dupkey.yaml", SPEC_HEAD + "version: 1\n"), 2, "duplicate key 'version'"),
    Case("spec-freshness-out-of-range",
         spec_text("fresh.yaml", SPEC_HEAD + "    freshness_days: 1000000000000000000000\n"), 2,
         "freshness_days 1000000000000000000000 is out of range"),
    Case("spec-within-days-out-of-range",
         spec_text("within.yaml", SPEC_HEAD + "priorities:\n  - {priority: LOW, within_days: 99999999999}\n"),
         2, "within_days 99999999999 is out of range"),
    Case("spec-overlap-by-digit-position", spec_text("digit.yaml", DIGIT_SPEC), 2, "both claim keys like"),
    Case("schedule-is-a-fifo", schedule_file("fifo.csv", _fifo), 2, "the schedule is a named pipe"),
    Case("schedule-parquet-binary-not-utf8", schedule_file("bin.parquet", lambda p: _parquet(parquet_binary_bad())(p)),
         2, "column 'game_id' row 1: bytes that are not UTF-8 text"),
    Case("schedule-parquet-binary-columns", schedule_file("bin_ok.parquet",
                                                          lambda p: _parquet(parquet_binary_good())(p)),
         0, "complete", one_line=False),
    Case("schedule-parquet-duplicate-by-case", schedule_file("case.parquet",
                                                             lambda p: _parquet(parquet_case_duplicates())(p)),
         2, "columns 'game_id' and 'GAME_ID' are one name"),
    Case("schedule-csv-duplicate-by-case", schedule_file("case.csv", _csv(
        "game_id,Game_ID,season,season_type,game_date,home_team,away_team\n")), 2, "are one name"),
    Case("schedule-date-out-of-range", schedule_file("far.csv", _csv(
        SCHEDULE_HEAD + "0021800001,2018-19,regular,9999-99-99,BOS,PHI\n")), 2, "bad game_date '9999-99-99'"),
    Case("schedule-missing-column", schedule_file("nocol.csv", _csv("game_id,season\n0021800001,2018-19\n")),
         2, "missing column"),
    Case("as-of-out-of-range", lambda c: [a if a != "2019-03-01" else "9999-12-31" for a in
                                          reconcile_args()(c)], 2, "out of range (years 1900..2200)"),
    Case("parameter-as-of-out-of-range", run_args("-p", "as_of", "9999-12-31", as_of=False), 2,
         "parameter as_of: 9999-12-31 is out of range"),
    Case("inventory-max-age-nan", reconcile_args("--inventory-max-age-days", "nan"), 2,
         "expected a number of days in 0..36600, got 'nan'"),
    Case("timeout-nan", run_args("--timeout", "nan"), 2, "expected a positive number of seconds, got 'nan'"),
    Case("deadline-zero", reconcile_args("--deadline", "0"), 2, "expected a number of seconds > 0"),
    Case("sample-out-of-range", reconcile_args("--sample", "2"), 2, "--sample must be a fraction in (0, 1]"),
    Case("manifest-size-not-a-number", manifest_lake(size_not_numeric), 2,
         "files[0].size must be a whole number of bytes >= 0, got 'twelve'"),
    Case("inventory-delivery-without-files", manifest_lake(no_files), 2, "the delivery lists no data files"),
    Case("schema-name-with-quotes", history_args("runs", "--url", "sqlite:///unused.db", "--schema", 'a"b'), 2,
         "schema 'a\"b': a schema name is letters, digits and _"),
    Case("history-url-not-a-database", history_args("runs", "--url", "nonsense"), 2, "not a database URL"),
    Case("history-runs-dir-is-a-file", lambda c: (c.root / "runs-file").write_text("x") and
         ["history", "runs", "--runs-dir", str(c.root / "runs-file")], 2, "cannot be made"),
    Case("runs-dir-is-a-file", lambda c: (c.root / "runs-file").write_text("x") and
         c.run(runs=c.root / "runs-file"), 2, "not a folder"),
    Case("unknown-stage", run_args("--stages", "99"), 2, "unknown stage '99'"),
    Case("resume-with-stages", lambda c: ["run", "--runs-dir", str(c.history), "--resume", c.prev_run.name,
                                          "--stages", "00"], 2, "drop --stages"),
    Case("parameter-set-by-the-runner", run_args("-p", "run_dir", "/tmp/x"), 2, "set by the runner"),
    Case("parameter-unknown", run_args("-p", "no_such_parameter", "1"), 2, "no_such_parameter"),
    Case("probe-without-content-rules-run", lambda c: c.run("--spec", str(c.base_spec()), "-p", "probe", "true",
                                                            spec=False), 2,
         "parameter probe true: the spec"),
    Case("probe-without-content-rules-reconcile", reconcile_args("--probe"), 2, "has no content rules"),
    Case("probe-cache-is-another-database", probe_cache_is_history, 2, "is another database (tables runs)",
         check_cache_untouched),
    Case("deeply-nested-json-object", deep_json_probe, 0, "1 invalid", check_deep, one_line=False),
    Case("lake-fifo-and-broken-link", odd_entries, 0, "complete", check_entries, one_line=False),
    Case("lake-not-found", lambda c: c.reconcile(c.base_spec(), c.root / "no-such-lake"), 2,
         "lake folder not found"),
    Case("history-record-missing-folder", history_args("record", "/nonexistent/folder", "--url",
                                                       "sqlite:///unused.db"), 2, "summary.json"),
]

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
    *HOSTILE_CASES,
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


