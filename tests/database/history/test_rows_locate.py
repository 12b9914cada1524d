"""database.history.rows (Python <-> database values) and .locate (which history database)."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from nba_simulator.database.history.locate import open_history
from nba_simulator.database.history.rows import as_date, clip, is_sqlite, records, utc, value_or_none
from nba_simulator.spec import parse_spec
from tests.builders import pbp_spec


def test_values_become_database_values():
    assert clip(None, 3) is None and clip(12345, 3) == "123"
    assert utc("") is None and utc("2023-10-25 02:00") == dt.datetime(2023, 10, 25, 2, tzinfo=dt.UTC)
    assert utc(pd.Timestamp("2023-10-24 22:00", tz="America/New_York")).hour == 2
    assert [value_or_none(v) for v in (pd.NA, float("nan"), None, 0, [1])] == [None, None, None, 0, [1]]
    assert as_date("2023-10-24T23:00") == dt.date(2023, 10, 24) and as_date(pd.NaT) is None
    frame = pd.DataFrame({"d": ["2023-10-24", None], "n": [1, pd.NA]})
    assert records(frame, dates=("d",)) == [{"d": dt.date(2023, 10, 24), "n": 1}, {"d": None, "n": None}]


def test_the_history_is_the_given_url_else_the_environment_else_the_spec_else_the_runs_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("NBA_RECON_HISTORY_URL", raising=False)
    engine, schema, cloudwatch = open_history(runs_dir=tmp_path / "runs")
    assert is_sqlite(engine) and str(engine.url) == f"sqlite:///{tmp_path / 'runs' / 'history.db'}"
    assert (schema, cloudwatch) == (None, None)
    engine.dispose()
    spec = parse_spec(pbp_spec() + "database:\n  history: {url: 'sqlite:////x/h.db', schema: s}\n", "h.yaml")
    engine, schema, _ = open_history(spec=spec, runs_dir=tmp_path)
    assert str(engine.url) == "sqlite:////x/h.db" and schema == "s"
    monkeypatch.setenv("NBA_RECON_HISTORY_URL", "sqlite:////y/env.db")
    assert str(open_history(spec=spec)[0].url) == "sqlite:////y/env.db"
    assert str(open_history("sqlite:////z/given.db", spec=spec)[0].url) == "sqlite:////z/given.db"
