"""Rows of the bad-input matrix for the readers of files this tool did not write (issue 21):
the lake's scoreboard pages, schedules, snapshots, specs, run folders given to ``history
record``, and ``schedule update`` against an endpoint that trickles. Each row names the guarantee
it protects (``docs/guarantees.md``, "Reader limits"); ``test_bad_input_matrix`` runs them with
the other rows (same checks: exit code, one line on exit 2, earlier results intact).

The argv functions take the matrix's ``Ctx`` (duck-typed here to avoid an import cycle).
"""

from __future__ import annotations

import gzip
import json
import shutil
import socket
import threading
import time
from pathlib import Path

import pandas as pd

GOOD_KEYS = {"pbp/0021800001.json": b'{"plays": [1]}', "pbp/0021800003.json": b'{"plays": [2]}'}
AUTO_SPEC = """\
version: 1
schedule: auto
datasets:
  pbp:
    source: nba_stats
    data_type: play_by_play
    keys: "pbp/{game_id}.json"
    per: game
    seasons: 2018-19
  espn_schedules:
    source: espn
    data_type: schedule
    keys: "espn_schedules/{yyyymmdd}.json"
    per: date
    seasons: 2018-19
"""
PAGE_KEY = "espn_schedules/20181016.json"

# guarantees (docs/guarantees.md)
G_PAGE = "reader limits: a scoreboard page past a limit is skipped with one warning naming it"
G_LINEAR = "reader limits: nothing grows worse than linearly in a page's games"
G_IDS = "reader limits: an id that is not an ESPN id is skipped with one warning naming the file"
G_SCHEDULE = "a schedule that is not a table is refused with one line naming the file"
G_SNAPSHOT = "snapshots are verified on load"
G_SPEC = "a spec is checked when it loads: a layout must tell its items apart"
G_MESSAGE = "messages point the right way"
G_RECORD = "history record refuses a run folder of the wrong shape with one line (exit 2)"
G_DEADLINE = "every command that reaches the network ends by its --deadline"


def game(i: int, *, gid=None, date="2018-10-16T23:00Z", home="BOS", away="PHI") -> dict:
    return {
        "id": str(401070000 + i) if gid is None else gid,
        "date": date,
        "competitors": [{"isHome": True, "abbrev": home}, {"isHome": False, "abbrev": away}],
    }


def page(events) -> bytes:
    return json.dumps({"page": {"content": {"events": events}}}).encode()


def _auto(c, name: str, body: bytes, *extra: str):
    runs = c.root / f"runs-{name}"
    runs.mkdir(exist_ok=True)
    return c.reconcile(
        c.spec("auto.yaml", AUTO_SPEC),
        c.lake(name, {**GOOD_KEYS, PAGE_KEY: body}),
        "--runs-dir",
        str(runs),
        *extra,
        out=c.root / f"out-{name}",
    )


def page_case(name: str, body: bytes):
    def argv(c):
        return _auto(c, name, body)

    return argv


DEEP_PAGE = b'{"page": {"content": {"events": ' + b"[" * 100_000 + b"]" * 100_000 + b"}}}"
REPEATED = page({"20181016": [game(i) for i in range(3000)]})


def repeated_matchup(c):
    c.notes["t0"] = time.monotonic()
    return _auto(c, "repeated", REPEATED)


def check_repeated(c, console: str):
    assert time.monotonic() - c.notes["t0"] < 120
    assert (
        "1 game(s) would carry more than 5 ids (e.g. 0021800001: 3,000 ids listed for one matchup, "
        f"in {PAGE_KEY})" in console
    )


def page_too_large(c):
    from nba_simulator.schedule.sources import limits

    c.monkeypatch.setattr(limits, "MAX_PAGE_BYTES", 1000)
    return _auto(c, "large", page({"20181016": [game(i) for i in range(40)]}))


# ------------------------------------------------------------------------------------- schedules
def json_schedule(c):
    path = c.root / "specs" / "games.json"
    path.parent.mkdir(exist_ok=True)
    path.write_text(json.dumps([{"game_id": "0021800001", "season": "2018-19"}]))
    return c.reconcile(
        c.spec("jsonsched.yaml", AUTO_SPEC.replace("schedule: auto", "schedule: games.json")), c.lake("ok", GOOD_KEYS)
    )


def _snapshot_runs(c, name: str) -> Path:
    from nba_simulator.schedule.load import load_schedule
    from nba_simulator.schedule.snapshot import write_snapshot

    runs = c.root / f"runs-{name}"
    shutil.rmtree(runs, ignore_errors=True)
    frame = load_schedule("builtin")
    write_snapshot(frame[frame["season"] == "2018-19"], runs / "schedule", {"sources": {}})
    return runs


def _auto_with(c, runs: Path):
    return c.reconcile(
        c.spec("auto.yaml", AUTO_SPEC),
        c.lake("ok", GOOD_KEYS),
        "--runs-dir",
        str(runs),
        out=c.root / f"out-{runs.name}",
    )


def snapshot_tampered(c):
    runs = _snapshot_runs(c, "tampered")
    (path,) = (runs / "schedule" / "snapshots").glob("*.csv.gz")
    text = gzip.decompress(path.read_bytes()).decode().replace(",BOS,", ",NYK,", 1)
    path.write_bytes(gzip.compress(text.encode()))
    return _auto_with(c, runs)


def snapshot_header_only(c):
    from nba_simulator.schedule.load import COLUMNS

    runs = _snapshot_runs(c, "header")
    (path,) = (runs / "schedule" / "snapshots").glob("*.csv.gz")
    text = ",".join(COLUMNS) + "\n"
    import hashlib

    sid = hashlib.sha256(text.encode()).hexdigest()[:16]  # a consistent, empty snapshot
    path.unlink()
    (path.parent / f"{sid}.csv.gz").write_bytes(gzip.compress(text.encode()))
    (runs / "schedule" / "LATEST").write_text(sid + "\n")
    return _auto_with(c, runs)


def latest_missing(c):
    runs = _snapshot_runs(c, "latest")
    (runs / "schedule" / "LATEST").write_text("0123456789abcdef\n")
    return _auto_with(c, runs)


def check_latest(c, console: str):
    assert "no schedule snapshot (run" not in console
    assert "1 other snapshot file(s) there" in console


# ------------------------------------------------------------------------------------------ specs
PER_GAME_FIXED = AUTO_SPEC.replace("schedule: auto", "schedule: builtin").replace(
    "pbp/{game_id}.json", "pbp/0021800001.json"
)
MERGE_SPEC = """\
version: 1
schedule: builtin
datasets:
  pbp: &base
    source: nba_stats
    data_type: play_by_play
    keys: "pbp/{game_id}.json"
    per: game
    seasons: 2018-19
  pbp_copy:
    <<: *base
    source: espn
    keys: "pbp_copy/{game_id}.json"
"""


def spec_case(name: str, text: str):
    def argv(c):
        return c.reconcile(c.spec(name, text), c.lake("ok", GOOD_KEYS), out=c.root / f"out-{name}")

    return argv


def check_merged(c, console: str):
    comp = pd.read_parquet(c.root / "out-merge.yaml" / "completeness.parquet")
    assert {"pbp", "pbp_copy"} <= set(comp["dataset"])


def layouts_start_with_placeholder(c):
    text = (
        AUTO_SPEC.replace("schedule: auto", "schedule: builtin")
        .replace("pbp/{game_id}.json", "{game_id}.json")
        .replace("espn_schedules/{yyyymmdd}.json", "{yyyymmdd}.json")
    )
    return c.reconcile(c.spec("leading.yaml", text), c.lake("elsewhere", {"tmp/a.json": b"{}"}))


def check_no_empty_list(c, console: str):
    assert "(the spec expects ): " not in console


def espn_wrong_length(c):
    path = c.root / "specs" / "short-espn.csv"
    path.parent.mkdir(exist_ok=True)
    path.write_text(
        "game_id,season,season_type,game_date,home_team,away_team,espn_game_id\n"
        "0021800001,2018-19,regular,2018-10-16,BOS,PHI,12345678\n"
        "0021800002,2018-19,regular,2018-10-16,GSW,OKC,401070002\n"
    )
    text = """\
version: 1
schedule: short-espn.csv
datasets:
  epbp:
    source: espn
    data_type: play_by_play
    keys: "epbp/{espn_game_id}.json"
    per: game
    seasons: 2018-19
"""
    return c.reconcile(
        c.spec("short-espn.yaml", text), c.lake("espn", {"epbp/401070002.json": b"{}"}), out=c.root / "out-short-espn"
    )


def check_wrong_length(c, console: str):
    cov = pd.read_parquet(c.root / "out-short-espn" / "coverage.parquet").set_index("game_id")
    assert cov.loc["0021800001", "status"] == "unmapped"
    assert "espn_game_id '12345678' does not fit the dataset's keys" in cov.loc["0021800001", "detail"]


# --------------------------------------------------------------------------------- history record
def record_case(name: str, change):
    """``history record`` of a copy of the previous result with ``change(folder)`` applied."""

    def argv(c):
        folder = c.root / f"record-{name}"
        shutil.rmtree(folder, ignore_errors=True)
        shutil.copytree(c.prev_out, folder)
        change(folder)
        c.notes["record_db"] = c.root / f"record-{name}.db"
        return ["history", "record", str(folder), "--run-id", f"r-{name}", "--url", f"sqlite:///{c.notes['record_db']}"]

    return argv


def _edit(name: str, edit):
    def change(folder: Path):
        path = folder / name
        doc = json.loads(path.read_text()) if path.exists() else {}
        path.write_text(json.dumps(edit(doc)))

    return change


def check_nothing_recorded(c, console: str):
    import sqlite3

    db = c.notes["record_db"]
    if db.exists():
        tables = {r[0] for r in sqlite3.connect(db).execute("SELECT name FROM sqlite_master")}
        if "runs" in tables:
            assert sqlite3.connect(db).execute("SELECT COUNT(*) FROM runs").fetchone()[0] == 0


# ---------------------------------------------------------------------------------- deadlines
class Trickle:
    """A loopback HTTP server that answers every request with headers, then one byte every
    ``every`` seconds, never finishing."""

    def __init__(self, every: float = 2.0):
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.every, self.stop = every, threading.Event()
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        self.sock.settimeout(0.5)
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            threading.Thread(target=self._one, args=(conn,), daemon=True).start()

    def _one(self, conn):
        try:
            conn.recv(65536)
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n")
            while not self.stop.is_set():
                conn.sendall(b"{")
                time.sleep(self.every)
        except OSError:
            pass
        finally:
            conn.close()

    def close(self):
        self.stop.set()
        self.sock.close()


def update_trickle(c):
    server = Trickle()
    c.request.addfinalizer(server.close)
    runs = c.root / "runs-trickle"
    c.notes["t0"], c.notes["runs"] = time.monotonic(), runs
    return [
        "schedule",
        "update",
        "--runs-dir",
        str(runs),
        "--seasons",
        "2025-26",
        "--as-of",
        "2025-11-01",
        "--nba-stats-url",
        server.url,
        "--league-schedule-url",
        server.url,
        "--espn-url",
        server.url,
        "--league-schedule-cdn-url",
        server.url,
        "--min-interval",
        "0",
        "--deadline",
        "4",
    ]


def check_trickle(c, console: str):
    assert time.monotonic() - c.notes["t0"] < 30, "did not stop near its deadline"
    assert not (c.notes["runs"] / "schedule" / "LATEST").exists()


ROWS = [
    # id, argv, exit code, message, check, one_line, guarantee
    ("page-deeply-nested", page_case("deep", DEEP_PAGE), 0, "JSON nested too deeply", None, False, G_PAGE),
    (
        "page-date-past-2262",
        page_case("far", page({"20181016": [game(1, date="2300-01-01T00:00Z")]})),
        0,
        "outside the years 1946-2100); skipped",
        None,
        False,
        G_PAGE,
    ),
    (
        "page-day-not-a-list",
        page_case("notalist", page({"20181016": "notalist"})),
        0,
        f"{PAGE_KEY}: page.content.events: 1 day(s) whose games are not a list",
        None,
        False,
        G_PAGE,
    ),
    (
        "page-id-unicode-digits",
        page_case("unicode", page({"20181016": [game(1, gid="٤٠١٠٧٠٠٠١")]})),
        0,
        "is not a valid ESPN id (not ASCII digits); skipped",
        None,
        False,
        G_IDS,
    ),
    (
        "page-id-5000-digits",
        page_case("longid", page({"20181016": [game(1, gid="4" * 5000)]})),
        0,
        "is not a valid ESPN id (longer than 12 digits); skipped",
        None,
        False,
        G_IDS,
    ),
    ("page-one-matchup-repeated", repeated_matchup, 0, "ESPN ids not attached", check_repeated, False, G_LINEAR),
    ("page-too-large", page_too_large, 0, "a scoreboard page may have; skipped", None, False, G_PAGE),
    ("schedule-is-json", json_schedule, 2, "a JSON document, not a table", None, True, G_SCHEDULE),
    ("snapshot-tampered", snapshot_tampered, 2, "the snapshot's content does not match its id", None, True, G_SNAPSHOT),
    (
        "snapshot-header-only",
        snapshot_header_only,
        2,
        "the snapshot holds no game (a header only)",
        None,
        True,
        G_SNAPSHOT,
    ),
    (
        "snapshot-latest-missing",
        latest_missing,
        0,
        "names snapshot 0123456789abcdef, but",
        check_latest,
        False,
        G_SNAPSHOT,
    ),
    (
        "spec-per-game-without-placeholder",
        spec_case("fixed.yaml", PER_GAME_FIXED),
        2,
        "layout 'pbp/0021800001.json' names no placeholder telling its items apart",
        None,
        True,
        G_SPEC,
    ),
    ("spec-yaml-merge-key", spec_case("merge.yaml", MERGE_SPEC), 0, "wrote", check_merged, False, G_SPEC),
    (
        "spec-yaml-merge-key-not-a-mapping",
        spec_case("merge-bad.yaml", "version: 1\ndatasets:\n  a:\n    <<: 5\n"),
        2,
        "YAML merge key '<<': expected a mapping",
        None,
        True,
        G_MESSAGE,
    ),
    (
        "lake-layouts-start-with-a-placeholder",
        layouts_start_with_placeholder,
        2,
        "the spec expects keys like '{game_id}.json'",
        check_no_empty_list,
        True,
        G_MESSAGE,
    ),
    ("espn-id-of-the-wrong-length", espn_wrong_length, 0, "wrote", check_wrong_length, False, G_MESSAGE),
    (
        "record-summary-not-an-object",
        record_case("summary-list", _edit("summary.json", lambda d: [d])),
        2,
        "summary.json: expected a JSON object, got a list",
        check_nothing_recorded,
        True,
        G_RECORD,
    ),
    (
        "record-summary-as-of-a-number",
        record_case("asof", _edit("summary.json", lambda d: {**d, "as_of": 20190301})),
        2,
        "summary.json: 'as_of' must be text, got a number",
        check_nothing_recorded,
        True,
        G_RECORD,
    ),
    (
        "record-summary-totals-text",
        record_case("totals", _edit("summary.json", lambda d: {**d, "totals": {"expected": "many"}})),
        2,
        "summary.json: totals.expected must be a number, got text",
        check_nothing_recorded,
        True,
        G_RECORD,
    ),
    (
        "record-tasks-not-a-list",
        record_case("tasks", _edit("tasks.json", lambda d: {"tasks": "all of them"})),
        2,
        "tasks.json: expected a list of tasks",
        check_nothing_recorded,
        True,
        G_RECORD,
    ),
    (
        "record-task-priority-a-list",
        record_case("prio", _edit("tasks.json", lambda d: [{"task_id": "t1", "priority": ["HIGH"], "dataset": "pbp"}])),
        2,
        "tasks.json: tasks[0]: 'priority' must be text, got a list",
        check_nothing_recorded,
        True,
        G_RECORD,
    ),
    (
        "record-run-stages-not-objects",
        record_case("stages", _edit("run.json", lambda d: {"stages": [1]})),
        2,
        "run.json: stages[0]: expected a JSON object, got a number",
        check_nothing_recorded,
        True,
        G_RECORD,
    ),
    # one summary line per source (issue 19), then the verdict: stopped asking at the deadline
    (
        "schedule-update-trickling-endpoint",
        update_trickle,
        1,
        "no schedule snapshot written",
        check_trickle,
        False,
        G_DEADLINE,
    ),
]
