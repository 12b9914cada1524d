"""The secrets sweep: distinct secrets planted in every place a user could put one (a lake URI,
a history URL's user info and query string, the environment, ``-p`` parameters), every command
run (``reconcile``, ``run``, ``history``, ``db``, ``demo``), and none of the secrets found in any
output file, page, notebook, log record, history row or console line.

The pipeline run uses small fixture notebooks (seconds) declaring the parameters a secret can
reach (``history``, ``db_password``, ``lake``); the full six-stage pipeline with secrets is
checked by ``test_secrets_and_escaping.py``.
"""

from __future__ import annotations

import json
import logging
import uuid
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from nba_simulator.cli import main

pytestmark = pytest.mark.postgres

ENV = {
    "AWS_ACCESS_KEY_ID": "AKIASWEEPENVKEYID001",
    "AWS_SECRET_ACCESS_KEY": "sweep-env-aws-secret-7f3a9c",
    "AWS_SESSION_TOKEN": "sweep-env-session-token-55e1",
    "PGPASSWORD": "sweep-env-pgpassword-0b2d",
    "NBA_RECON_DB_PASSWORD": "sweep-env-db-password-c4e8",
}
LAKE_KEY, LAKE_SECRET = "AKIASWEEPLAKEKEY0002", "sweep-lake/secret+key=9d1"
USERINFO_PW = "sweep-userinfo-pw-3a7c"
QUERY_PW = "sweep-query-pw-81fe"
PARAM_PW = "sweep-param-pw-6d20"
PARAM_URL_PW = "sweep-param-url-pw-e913"
SECRETS = (*ENV.values(), LAKE_KEY, LAKE_SECRET, USERINFO_PW, QUERY_PW, PARAM_PW, PARAM_URL_PW)

FIXTURE_PARAMS = """run_dir: str = ""
lake: str = ""
history: str = ""
database: str = ""
db_password: str = ""
"""
FIXTURE_BODY = """import pathlib
data = pathlib.Path(run_dir) / "data"
data.mkdir(parents=True, exist_ok=True)
(data / (STAGE + ".txt")).write_text("done")
print("history", history)
print("database", database, "password", db_password)
"""


def _texts(path: Path) -> list[str]:
    data = path.read_bytes()
    texts = [data.decode("utf-8", "replace")]
    if path.suffix == ".parquet":
        texts.append(json.dumps(pq.read_table(path).to_pylist(), default=str))
    return texts


def _fixture_notebooks(folder: Path) -> Path:
    import nbformat

    from nba_simulator.pipeline.runner import STAGES

    folder.mkdir(parents=True)
    for stage in STAGES:
        nb = nbformat.v4.new_notebook()
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        p = nbformat.v4.new_code_cell(FIXTURE_PARAMS)
        p.metadata["tags"] = ["parameters"]
        nb.cells = [p, nbformat.v4.new_code_cell(f"STAGE = {stage!r}\n" + FIXTURE_BODY)]
        nbformat.write(nb, str(folder / f"{stage}.ipynb"))
    return folder


@pytest.fixture
def pg_schema():
    import sqlalchemy as sa

    from tests.database.conftest import PG_URL, pg_unreachable

    reason = pg_unreachable()
    if reason:
        pytest.skip(reason)
    schema = f"nbat_sweep_{uuid.uuid4().hex[:8]}"
    engine = sa.create_engine(PG_URL)
    with engine.begin() as conn:
        conn.execute(sa.text(f'create schema "{schema}"'))
    yield PG_URL, schema, engine
    with engine.begin() as conn:
        conn.execute(sa.text(f'drop schema "{schema}" cascade'))
    engine.dispose()


def test_no_planted_secret_leaves_the_process(tmp_path, demo, pg_schema, monkeypatch, capsys, caplog):
    from sqlalchemy.engine import make_url

    pg_url, schema, admin = pg_schema
    for k, v in ENV.items():
        monkeypatch.setenv(k, v)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.delenv("NBA_RECON_HISTORY_URL", raising=False)
    monkeypatch.chdir(tmp_path)
    caplog.set_level(logging.DEBUG)
    base = make_url(pg_url).set(query={"options": f"-csearch_path={schema}"})
    userinfo_url = base.set(password=USERINFO_PW).render_as_string(hide_password=False)
    query_url = base.update_query_dict({"password": QUERY_PW}).render_as_string(hide_password=False)
    lake_uri = f"s3://{LAKE_KEY}:{LAKE_SECRET}@sweep-bucket/prefix"
    out = tmp_path / "out"
    codes = {}

    def run(name, *argv):
        codes[name] = main(["-v", *argv])

    run("demo", "demo", "--out", str(tmp_path / "demo"))
    run(
        "reconcile-creds",
        "reconcile",
        "--spec",
        str(demo.spec),
        "--lake",
        lake_uri,
        "--as-of",
        demo.as_of,
        "--out",
        str(tmp_path / "never"),
    )
    run(
        "reconcile",
        "reconcile",
        "--spec",
        str(demo.spec),
        "--lake",
        str(demo.lake),
        "--as-of",
        demo.as_of,
        "--out",
        str(out),
    )
    run("db-upgrade", "db", "upgrade", "--url", userinfo_url)
    run("history-record", "history", "record", str(out), "--run-id", "sweep-1", "--url", userinfo_url)
    run("history-runs", "history", "runs", "--url", query_url)
    run("history-changes", "history", "changes", "--url", query_url)
    run("history-tasks", "history", "tasks", "--url", userinfo_url, "--json")
    run("db-current", "db", "current", "--url", query_url)
    spec = tmp_path / "db_spec.yaml"
    spec.write_text(
        Path(demo.spec).read_text().replace("schedule: schedule.csv", f"schedule: {demo.schedule}")
        + f"database:\n  url: {userinfo_url}\n"
        "  games: {table: no_such_games}\n"
    )
    run("db-coverage", "db", "coverage", "--spec", str(spec), "--as-of", demo.as_of)
    nbs = _fixture_notebooks(tmp_path / "nbs")
    run(
        "run-creds",
        "run",
        "--notebooks",
        str(nbs),
        "--runs-dir",
        str(tmp_path / "runs"),
        "--lake",
        lake_uri,
        "--no-progress",
    )
    run(
        "run",
        "run",
        "--notebooks",
        str(nbs),
        "--runs-dir",
        str(tmp_path / "runs"),
        "--no-progress",
        "--lake",
        str(demo.lake),
        "--history",
        userinfo_url,
        "-p",
        "db_password",
        PARAM_PW,
        "-p",
        "database",
        f"postgresql://recon:{PARAM_URL_PW}@127.0.0.1:1/nba",
    )
    console = capsys.readouterr()
    assert codes["demo"] == codes["reconcile"] == codes["db-upgrade"] == codes["history-record"] == 0, codes
    assert codes["history-runs"] == codes["history-tasks"] == codes["run"] == 0, (codes, console.err)
    assert codes["reconcile-creds"] == codes["run-creds"] == 2
    assert "put credentials in the environment or a profile" in console.err
    assert codes["db-coverage"] in (1, 2)
    assert "sweep-1" in console.out  # the history was really written and read

    # every console line and log record
    logs = "\n".join(r.getMessage() + (r.exc_text or "") for r in caplog.records)
    for secret in SECRETS:
        assert secret not in console.out and secret not in console.err, secret
        assert secret not in logs, secret
    # every file written (outputs, run folder, notebooks, pages, run.json, index)
    files = [p for p in tmp_path.rglob("*") if p.is_file() and p != spec]  # spec: the user's own
    assert any(p.suffix == ".ipynb" for p in files) and any(p.suffix == ".html" for p in files)
    for path in files:
        for text in _texts(path):
            for secret in SECRETS:
                assert secret not in text, f"{secret!r} leaked into {path}"
    # every history row
    import sqlalchemy as sa

    with admin.connect() as conn:
        tables = [
            r[0]
            for r in conn.execute(
                sa.text("select table_name from information_schema.tables where table_schema = :s"), {"s": schema}
            )
        ]
        assert "runs" in tables
        for table in tables:
            rows = conn.execute(sa.text(f'select * from "{schema}"."{table}"')).all()
            text = json.dumps([list(r) for r in rows], default=str)
            for secret in SECRETS:
                assert secret not in text, f"{secret!r} in history table {table}"


# ------------------------------------------------ issue 21: passwords the URL parsers stumble on
#: one password per character a URL parser may cut at; each piece around it is checked too
SPECIAL_PWS = {
    "/": "slashA1/slashB1",
    "@": "atsignA2@atsignB2",
    "#": "hashA3#hashB3",
    "?": "qmarkA4?qmarkB4",
    "%": "pcentA5%pcentB5",
}
API_KEY, API_TOKEN = "sweep-api-key/9f@2#x", "sweep-api-token-4c1e"


def _pieces(secret: str) -> list[str]:
    import re

    return [secret, *(p for p in re.split(r"[/@#?%]", secret) if len(p) >= 5)]


def test_special_passwords_never_leave_the_process(tmp_path, demo, pg_schema, monkeypatch, capsys, caplog):
    """Guarantee: masking fails closed. A password holding '/', '@', '#', '?' or '%' in every URL the
    tool takes -- history URL, spec ``database.url``, lake URI, schedule source URLs -- is never
    written anywhere: console, logs, run.json, notebooks (injected cell and papermill metadata),
    report pages, snapshot metadata, history rows."""
    from urllib.parse import quote

    from sqlalchemy.engine import make_url

    from tests.schedule.fixture_server import FixtureServer

    pg_url, schema, admin = pg_schema
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.delenv("NBA_RECON_HISTORY_URL", raising=False)
    caplog.set_level(logging.DEBUG)
    base = make_url(pg_url)
    query = f"?options={quote(f'-csearch_path={schema}')}"

    def pg(pw: str) -> str:  # written by hand: the password exactly as a user would type it
        return f"postgresql+psycopg2://{base.username}:{pw}@{base.host}:{base.port}/{base.database}{query}"

    out, nbs = tmp_path / "out", _fixture_notebooks(tmp_path / "nbs")
    assert (
        main(
            ["reconcile", "--spec", str(demo.spec), "--lake", str(demo.lake), "--as-of", demo.as_of, "--out", str(out)]
        )
        == 0
    )
    codes: dict[str, int] = {}
    for n, (char, pw) in enumerate(SPECIAL_PWS.items()):
        url = pg(pw)
        codes[f"record{char}"] = main(["history", "record", str(out), "--run-id", f"special-{n}", "--url", url])
        codes[f"runs{char}"] = main(["history", "runs", "--url", url])
        codes[f"db-current{char}"] = main(["db", "current", "--url", url])
        spec = tmp_path / f"db_spec{n}.yaml"
        spec.write_text(
            Path(demo.spec).read_text().replace("schedule: schedule.csv", f"schedule: {demo.schedule}")
            + f"database:\n  url: '{url}'\n  games: {{table: no_such_games}}\n"
        )
        codes[f"db-coverage{char}"] = main(["db", "coverage", "--spec", str(spec), "--as-of", demo.as_of])
        lake = f"s3://AKIASWEEPSPECIAL001:{pw}@sweep-bucket/prefix"
        codes[f"lake{char}"] = main(
            [
                "reconcile",
                "--spec",
                str(demo.spec),
                "--lake",
                lake,
                "--as-of",
                demo.as_of,
                "--out",
                str(tmp_path / "never"),
            ]
        )
    # the pipeline (run.json, injected cells, papermill metadata, pages): history URL and database
    # parameter, two runs covering the four passwords a URL parser accepts
    for history_char, database_char in (("/", "#"), ("%", "?")):
        codes[f"run{history_char}"] = main(
            [
                "run",
                "--notebooks",
                str(nbs),
                "--runs-dir",
                str(tmp_path / "runs"),
                "--no-progress",
                "--lake",
                str(demo.lake),
                "--history",
                pg(SPECIAL_PWS[history_char]),
                "-p",
                "database",
                f"postgresql://recon:{SPECIAL_PWS[database_char]}@127.0.0.1:1/nba",
            ]
        )
    # the schedule's source URLs: an api_key and a token in their query strings, the ESPN API failing
    # (its URL is then named in warnings on the console and in the snapshot's metadata)
    with FixtureServer() as server:
        server.state["fail"] = {"/espn/": [500] * 50}
        codes["schedule"] = main(
            [
                "schedule",
                "update",
                "--runs-dir",
                str(tmp_path / "runs"),
                "--as-of",
                "2026-02-21",
                "--seasons",
                "2025-26",
                "--lake",
                str(Path(__file__).parents[1] / "schedule/fixtures/world/lake"),
                "--nba-stats-url",
                f"{server.url}/stats",
                "--league-schedule-url",
                f"{server.url}/stats",
                "--espn-url",
                f"{server.url}/espn/scoreboard?api_key={quote(API_KEY, safe='')}"
                f"&access_token={API_TOKEN}&dates={{date}}",
                "--min-interval",
                "0",
                "--timeout",
                "2",
            ]
        )
    console = capsys.readouterr()
    assert codes["schedule"] == 0, console.err
    assert any(p.name.endswith(".json") for p in (tmp_path / "runs/schedule/snapshots").iterdir())
    assert codes["run/"] == codes["run%"] == 0, (codes, console.err)
    for char in "/#?%":
        assert codes[f"record{char}"] == codes[f"runs{char}"] == 0, (char, codes, console.err)
        assert codes[f"lake{char}"] == 2 and codes[f"db-coverage{char}"] in (1, 2)
    assert codes["record@"] == codes["runs@"] == 2  # "@" in a password: refused, "write it as %40"
    assert "write an '@' in the password as %40" in console.err

    secrets = [piece for pw in (*SPECIAL_PWS.values(), API_KEY, API_TOKEN) for piece in _pieces(pw)]
    secrets += [quote(API_KEY, safe="")]
    logs = "\n".join(r.getMessage() + (r.exc_text or "") for r in caplog.records)
    for secret in secrets:
        assert secret not in console.out and secret not in console.err, secret
        assert secret not in logs, secret
    files = [p for p in tmp_path.rglob("*") if p.is_file() and not p.name.startswith("db_spec")]
    assert any(p.name == "run.json" for p in files) and any(p.suffix == ".ipynb" for p in files)
    for path in files:
        for text in _texts(path):
            for secret in secrets:
                assert secret not in text, f"{secret!r} leaked into {path}"
    import sqlalchemy as sa

    with admin.connect() as conn:
        tables = [
            r[0]
            for r in conn.execute(
                sa.text("select table_name from information_schema.tables where table_schema = :s"), {"s": schema}
            )
        ]
        assert "runs" in tables
        for table in tables:
            rows = conn.execute(sa.text(f'select * from "{schema}"."{table}"')).all()
            for secret in secrets:
                assert secret not in json.dumps([list(r) for r in rows], default=str), (secret, table)
