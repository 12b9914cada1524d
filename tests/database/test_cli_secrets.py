"""The CLI, and proof that no password reaches a file under runs/, the console or the log."""

import json
import logging

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from nba_simulator.cli import main
from nba_simulator.database import history as H
from nba_simulator.database.engine import DatabaseUnavailable, check_connection, make_engine, redact, resolve_url
from nba_simulator.errors import BadInput
from nba_simulator.reconcile import write_outputs

from . import fixtures as F
from .conftest import PG_URL

SECRET = "Sup3r-S3cret-pw-4711"


def with_password(url: str, pw: str = SECRET) -> str:
    return make_url(url).set(password=pw).render_as_string(hide_password=False)


def test_redact():
    assert redact("postgresql+psycopg2://u:pw@h:5432/db") == "postgresql+psycopg2://u:***@h:5432/db"
    assert redact(make_url("postgresql://u:p%40ss@h/db")) == "postgresql://u:***@h/db"
    assert redact("postgresql://h/db?user=u&password=pw") == "postgresql://h/db?user=u&password=***"
    assert redact("sqlite:///runs/history.db") == "sqlite:///runs/history.db"
    assert redact("text with s3://key:secret@host/x inside") == "text with s3://***@host/x inside"


def test_password_from_the_environment_stays_in_memory(monkeypatch):
    monkeypatch.setenv("NBA_RECON_DB_PASSWORD", SECRET)
    u = resolve_url("postgresql+psycopg2://recon@db.internal:5432/nba")
    assert u.password == SECRET
    assert SECRET not in str(u) and SECRET not in repr(make_engine(u))
    assert resolve_url("postgresql://recon:given@h/db").password == "given"  # the URL's own wins
    assert resolve_url("sqlite:///x.db").password is None
    with pytest.raises(BadInput, match="not a database URL"):
        resolve_url("nonsense")


def test_unreachable_server_message_is_password_free():
    engine = make_engine(
        with_password("postgresql+psycopg2://postgres@127.0.0.1:1/test"), connect_args={"connect_timeout": 2}
    )
    with pytest.raises(DatabaseUnavailable) as info:
        check_connection(engine)
    assert "cannot connect to postgresql+psycopg2://postgres:***@127.0.0.1:1/test" in str(info.value)
    assert SECRET not in str(info.value)


def _files_contain(root, secret: str) -> list[str]:
    hits = []
    for p in root.rglob("*"):
        if p.is_file() and secret.encode() in p.read_bytes():
            hits.append(str(p))
    return hits


def _write_db_spec(path, schema, url):
    text = F.SPEC.format(schema=schema, schedule="builtin", schema_line=f"  schema: {schema}\n" if schema else "")
    text = text.replace("database:\n", f"database:\n  url: {url}\n")
    path.write_text(text)
    return path


@pytest.mark.postgres
def test_no_password_in_runs_files_console_or_log(postgres, tmp_path, monkeypatch, capfd, caplog):
    """The password given in the URL and in NBA_RECON_DB_PASSWORD appears nowhere."""
    caplog.set_level(logging.DEBUG)
    monkeypatch.chdir(tmp_path)
    runs = tmp_path / "runs"
    F.create_user_tables(postgres.engine, postgres.schema)
    bare_url = make_url(PG_URL).set(password=None).render_as_string(hide_password=False)
    spec = _write_db_spec(tmp_path / "db.yaml", postgres.schema, bare_url)
    F.lake_coverage().to_parquet(tmp_path / "lake_coverage.parquet")
    hist_schema = postgres.schema + "_h"

    # 1. the history on PostgreSQL, the password in the URL
    assert main(["-v", "db", "upgrade", "--url", with_password(PG_URL), "--schema", hist_schema]) == 0
    # 2. database coverage, the password from the environment
    monkeypatch.setenv("NBA_RECON_DB_PASSWORD", SECRET)
    assert (
        main(
            [
                "-v",
                "db",
                "coverage",
                "--spec",
                str(spec),
                "--as-of",
                F.AS_OF,
                "--lake-coverage",
                str(tmp_path / "lake_coverage.parquet"),
                "--out",
                str(runs / "dbcov"),
            ]
        )
        == 0
    )
    # 3. a run recorded into the PostgreSQL history and into the default SQLite one under runs/
    run_dir = runs / "20231110T010000Z-abcdef"
    write_outputs(F.analyse_run(F.HISTORY_GAMES[:2]), run_dir / "data")
    (run_dir / "run.json").write_text(
        json.dumps({"run_id": run_dir.name, "status": "succeeded", "stages": [], "parameters": {"db": "***"}})
    )
    assert main(["-v", "history", "record", str(run_dir), "--url", bare_url, "--schema", hist_schema]) == 0
    assert main(["-v", "history", "record", str(run_dir)]) == 0  # sqlite:///runs/history.db
    assert main(["history", "runs", "--url", bare_url, "--schema", hist_schema]) == 0
    assert main(["history", "tasks", "--json"]) == 0
    # 4. failures: a refused connection, with the password in the URL
    assert main(["-v", "db", "upgrade", "--url", with_password(PG_URL.replace(":5432", ":1"))]) == 1

    out, err = capfd.readouterr()
    console = out + err + "\n".join(r.getMessage() for r in caplog.records)
    assert "postgres:***@127.0.0.1:1/test" in err
    assert "recorded run 20231110T010000Z-abcdef" in out
    assert "play_by_play" in out and "raw_not_loaded" in out
    assert (runs / "history.db").exists() and (runs / "dbcov" / "db_coverage.parquet").exists()
    assert SECRET not in console
    assert _files_contain(tmp_path, SECRET) == []
    with make_engine(bare_url).begin() as conn:  # and nothing in the history tables either
        dump = " ".join(
            str(v)
            for t in ("runs", "stage_runs", "tasks")
            for row in conn.execute(sa.text(f'SELECT * FROM "{hist_schema}".{t}'))
            for v in row
        )
        conn.execute(sa.text(f'DROP SCHEMA "{hist_schema}" CASCADE'))
    assert SECRET not in dump


def test_cli_on_sqlite(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["db", "current"]) == 0
    assert "revision (none)" in capsys.readouterr().out
    assert main(["db", "upgrade"]) == 0
    assert "revision (none) -> 0004" in capsys.readouterr().out
    for i, games in enumerate([F.HISTORY_GAMES[:1], F.HISTORY_GAMES[:3]]):
        out = tmp_path / f"out{i}"
        write_outputs(F.analyse_run(games), out)
        assert main(["history", "record", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "recorded run out1: 0 new and 2 fixed problem items" in printed
    assert main(["history", "runs"]) == 0
    assert "out0" in capsys.readouterr().out
    assert main(["history", "changes", "--items"]) == 0
    assert "pbp/2023-24/0022300002.json" in capsys.readouterr().out
    assert main(["history", "tasks", "--json"]) == 0
    tasks = json.loads(capsys.readouterr().out)["tasks"]
    assert tasks and all(t["status"] == "open" for t in tasks)
    assert main(["history", "tasks", "--status", "all"]) == 0
    assert "resolved" in capsys.readouterr().out
    assert main(["db", "coverage", "--spec", str(tmp_path / "nope.yaml")]) == 2


def test_cloudwatch_publishing_with_moto(sqlite, monkeypatch):
    moto = pytest.importorskip("moto")
    import boto3

    from nba_simulator.database.metrics import publish_cloudwatch
    from nba_simulator.spec.database import CloudWatchConfig

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    with moto.mock_aws():
        got = H.record_run(
            sqlite.engine,
            "run1",
            F.analyse_run(F.HISTORY_GAMES[:1]),
            cloudwatch=CloudWatchConfig("NBARecon/Test", "us-east-1"),
        )
        assert got["published"] == len(got["metrics"]) and "publish_error" not in got
        cw = boto3.client("cloudwatch", region_name="us-east-1")
        names = {m["MetricName"] for m in cw.list_metrics(Namespace="NBARecon/Test")["Metrics"]}
        assert {"complete_pct", "missing", "gaps_CRITICAL", "open_tasks", "new_items"} <= names
        dims = cw.list_metrics(Namespace="NBARecon/Test", MetricName="missing")["Metrics"][0]["Dimensions"]
        assert dims == [{"Name": "Lake", "Value": "s3://nba-lake/raw"}]
        assert publish_cloudwatch({"a": 1.0, "b": None}, "NBARecon/Other", region="us-east-1") == 1


def test_cloudwatch_failure_does_not_undo_the_record(sqlite, caplog):
    from nba_simulator.spec.database import CloudWatchConfig

    class Broken:
        def put_metric_data(self, **kw):
            raise RuntimeError("no credentials")

    import nba_simulator.database.history.record as hist

    orig = hist.publish_cloudwatch
    hist.publish_cloudwatch = lambda *a, **k: orig(*a, client=Broken(), **{x: y for x, y in k.items() if x != "region"})
    try:
        got = H.record_run(sqlite.engine, "run1", F.analyse_run(F.HISTORY_GAMES[:1]), cloudwatch=CloudWatchConfig())
    finally:
        hist.publish_cloudwatch = orig
    assert got["publish_error"] == "RuntimeError: no credentials"
    assert H.latest_run(sqlite.engine) == "run1"
