"""Global options before or after the command, and help that reads as sentences."""

import subprocess
import sys

import pytest

from nba_simulator.cli import build_parser, main
from tests.builders import pbp_spec

SPEC = pbp_spec(schedule="games.csv")
COMMANDS = [
    ["reconcile"],
    ["demo"],
    ["db"],
    ["db", "upgrade"],
    ["db", "current"],
    ["db", "coverage"],
    ["history"],
    ["history", "record"],
    ["history", "runs"],
    ["history", "changes"],
    ["history", "tasks"],
    ["schedule"],
    ["schedule", "update"],
    ["schedule", "show"],
    ["schedule", "check"],
    ["run"],
]


@pytest.fixture
def lake(tmp_path):
    (tmp_path / "lake" / "pbp").mkdir(parents=True)
    (tmp_path / "lake" / "pbp" / "0021800001.json").write_text("{}")
    (tmp_path / "games.csv").write_text(
        "game_id,season,season_type,game_date,home_team,away_team\n0021800001,2018-19,regular,2018-10-16,BOS,PHI\n"
    )
    (tmp_path / "spec.yaml").write_text(SPEC)
    return tmp_path


@pytest.fixture
def reconciled(lake):
    rc = main(
        [
            "reconcile",
            "--spec",
            str(lake / "spec.yaml"),
            "--lake",
            str(lake / "lake"),
            "--as-of",
            "2019-03-01",
            "--out",
            str(lake / "out"),
        ]
    )
    assert rc == 0
    return lake


def _record(folder, before=(), after=()):
    """``nba-recon history record`` in its own process (logging is configured once per process)."""
    cmd = [
        sys.executable,
        "-m",
        "nba_simulator.cli",
        *before,
        "history",
        "record",
        str(folder / "out"),
        "--runs-dir",
        str(folder / "runs"),
        "--replace",
        *after,
    ]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("where", ["before", "after"])
def test_verbose_before_or_after_the_command_logs_progress(reconciled, where):
    done = _record(reconciled, **{where: ["-v"]})
    assert done.returncode == 0, done.stderr
    assert "INFO nba_simulator.database.history: recorded run out" in done.stderr


def test_without_verbose_no_progress_is_logged(reconciled):
    done = _record(reconciled)
    assert done.returncode == 0, done.stderr
    assert "recorded run out" in done.stdout and "INFO" not in done.stderr


@pytest.mark.parametrize(
    "argv",
    [["-v", "history", "runs"], ["history", "-v", "runs"], ["history", "runs", "-v"], ["history", "runs", "--verbose"]],
)
def test_verbose_anywhere_in_nested_commands(argv):
    assert build_parser().parse_args(argv).verbose is True


def test_no_verbose_means_false_at_every_level():
    assert build_parser().parse_args(["history", "runs"]).verbose is False
    assert build_parser().parse_args(["demo", "--out", "x"]).verbose is False


def test_top_level_help_is_whole_sentences(capsys):
    with pytest.raises(SystemExit) as done:
        main(["--help"])
    out = capsys.readouterr().out
    assert done.value.code == 0
    description = out.split("\n\n")[1]
    assert description.rstrip().endswith(".") and "``" not in out
    assert "Exit codes: 0 success; 2 bad input" in out
    for command in ("reconcile", "demo", "db", "history", "schedule", "run"):
        assert f"    {command} " in out


@pytest.mark.parametrize("argv", COMMANDS, ids=" ".join)
def test_every_command_help_lists_each_option_with_a_meaning(argv, capsys):
    with pytest.raises(SystemExit) as done:
        main([*argv, "--help"])
    out = capsys.readouterr().out
    assert done.value.code == 0 and out.startswith(f"usage: nba-recon {' '.join(argv)}")
    assert "-v, --verbose" in out
    lines = out.split("options:", 1)[1].splitlines()
    for i, line in enumerate(lines):
        if not (line.startswith("  -") and not line.startswith("   ")):
            continue  # a help text's continuation line
        option, _, meaning = line.strip().partition("  ")
        if not meaning.strip():  # meaning on the next line
            nxt = lines[i + 1] if i + 1 < len(lines) else ""
            meaning = nxt if nxt.startswith(" " * 10) else ""
        assert meaning.strip(), f"{' '.join(argv)}: {option} has no help"
