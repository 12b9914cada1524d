"""nba_simulator.settings: every NBA_RECON_* variable declared once, read through it; a bad value
is one line naming the variable, once, and the CLI refuses it with exit 2 before running anything;
docs/settings.md is the generated table."""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest

from nba_simulator import cli, settings
from nba_simulator.errors import BadInput, ParameterError

ROOT = Path(__file__).resolve().parents[1]

GOOD = {
    "NBA_RECON_WARM_KERNELS": [
        ("", "fork"),
        ("1", "fork"),
        ("On", "fork"),
        ("fork", "fork"),
        ("start", "start"),
        ("0", "off"),
        ("false", "off"),
        ("OFF", "off"),
        ("no", "off"),
    ],
    "NBA_RECON_SAVE_EVERY": [("", 5.0), ("0", 0.0), ("2.5", 2.5), (" 7 ", 7.0)],
    "NBA_RECON_S3_RANGE_STREAMS": [("", 6), ("1", 1), ("12", 12)],
    "NBA_RECON_S3_LISTING": [("", "obstore"), ("fast", "obstore"), ("paginator", "paginator")],
    "NBA_RECON_STREAM_ABOVE_BYTES": [("", 2 << 30), ("0", 0), ("1", 1)],
    "NBA_RECON_S3_READ_TIMEOUT": [("", 60.0), ("0.5", 0.5)],
    "NBA_RECON_MIN_INTERVAL": [("", 1.0), ("0", 0.0)],
    "NBA_RECON_ESPN_URL": [("", "https://site.api.espn.com"), ("http://127.0.0.1:9/e", "http://127.0.0.1:9/e")],
    "NBA_RECON_DATABASE_URL": [("", None), ("sqlite:///x.db", "sqlite:///x.db")],
    "NBA_RECON_HOME": [("", None), ("/tmp/x", "/tmp/x")],
}

BAD = {
    "NBA_RECON_WARM_KERNELS": ["maybe", "2", "forked"],
    "NBA_RECON_SAVE_EVERY": ["xyz", "-1", "inf", "nan", "1e9"],
    "NBA_RECON_S3_RANGE_STREAMS": ["0", "-3", "2.5", "many"],
    "NBA_RECON_S3_LISTING": ["s5cmd"],
    "NBA_RECON_STREAM_ABOVE_BYTES": ["-1", "2GiB"],
    "NBA_RECON_S3_CONNECT_TIMEOUT": ["0", "-5", "soon"],
    "NBA_RECON_DB_STATEMENT_TIMEOUT": ["0", "nan"],
    "NBA_RECON_MIN_INTERVAL": ["-0.5", "x"],
    "NBA_RECON_NBA_STATS_URL": ["ftp://example.com", "stats.nba.com"],
    "NBA_RECON_HISTORY_URL": ["history.db"],
}


@pytest.mark.parametrize("name, raw, value", [(n, r, v) for n, cases in GOOD.items() for r, v in cases])
def test_good_values_and_defaults(monkeypatch, name, raw, value):
    monkeypatch.setenv(name, raw)
    assert settings.get(name) == value
    assert settings.problems() == [] or all(name not in p for p in settings.problems())


@pytest.mark.parametrize("name, raw", [(n, r) for n, values in BAD.items() for r in values])
def test_a_bad_value_is_one_line_naming_the_variable(monkeypatch, name, raw):
    monkeypatch.setenv(name, raw)
    with pytest.raises(ParameterError) as err:
        settings.get(name)
    message = str(err.value)
    assert isinstance(err.value, BadInput) and "\n" not in message
    assert message.startswith(f"${name} must be ")
    assert (repr(raw) in message) is (not settings.SETTINGS[name].secret)  # a secret is never shown
    assert settings.problems() == [message]


def test_every_declared_setting_has_a_meaning_a_check_and_a_parsable_default():
    for s in settings.SETTINGS.values():
        assert s.name.startswith("NBA_RECON_") and s.meaning and s.expect
        assert s.scope in {"package", "tests", "internal"}
        if isinstance(s.default, float):
            assert math.isfinite(s.default)
            assert s.parse(repr(s.default)) == s.default
        elif isinstance(s.default, (int, str)):
            assert s.parse(str(s.default)) == s.default


def test_the_docs_table_is_the_generated_one():
    doc = (ROOT / "docs" / "settings.md").read_text()
    table = re.search(r"do not edit by hand -->\n(.*)<!-- end of generated table -->", doc, re.S)
    assert table, "docs/settings.md lost its generated table markers"
    assert table.group(1) == settings.markdown_table(), (
        "docs/settings.md is out of date: python -m nba_simulator.settings prints the table"
    )
    for name in settings.SETTINGS:
        assert f"`{name}`" in doc


def test_the_cli_refuses_bad_values_with_one_line_and_exit_2_before_running(monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("NBA_RECON_SAVE_EVERY", "xyz")
    monkeypatch.setenv("NBA_RECON_WARM_KERNELS", "maybe")
    monkeypatch.setenv("NBA_RECON_DB_PASSWORD", "hunter2-secret")
    code = cli.main(["demo", "--out", str(tmp_path / "demo")])
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("nba-recon: error: ")
    assert "$NBA_RECON_SAVE_EVERY" in err and "'xyz'" in err and "$NBA_RECON_WARM_KERNELS" in err
    assert not (tmp_path / "demo").exists()  # nothing ran


def test_a_good_environment_passes_the_cli_check(monkeypatch):
    for name in settings.SETTINGS:
        monkeypatch.delenv(name, raising=False)
    settings.check()
    monkeypatch.setenv("NBA_RECON_SAVE_EVERY", "0")
    settings.check({"NBA_RECON_SAVE_EVERY": "0"})


def test_secret_settings_are_masked(monkeypatch):
    from nba_simulator.masking import mask_text

    monkeypatch.setenv("NBA_RECON_DB_PASSWORD", "s3cr3t-password")
    monkeypatch.setenv("NBA_RECON_HISTORY_URL", "postgresql://u:other-s3cret@db.example/h")
    text = mask_text("pw s3cr3t-password and other-s3cret at db.example")
    assert "s3cr3t-password" not in text and "other-s3cret" not in text and "db.example" in text


def test_the_runner_refuses_bad_values_before_any_stage(monkeypatch, tmp_path):
    """Through the library too (not the CLI): one error, before the run folder exists."""
    from nba_simulator.pipeline.runner import Runner, RunOptions

    monkeypatch.setenv("NBA_RECON_SAVE_EVERY", "xyz")
    with pytest.raises(ParameterError, match=r"^\$NBA_RECON_SAVE_EVERY must be"):
        Runner(RunOptions(runs_dir=tmp_path / "runs")).run({})
    assert not (tmp_path / "runs").exists() or not any((tmp_path / "runs").iterdir())
