"""Bad input: one clear line naming the file, key or parameter, exit 2, nothing written."""

import pytest

from nba_simulator.cli import main
from tests.builders import pbp_spec


@pytest.fixture
def workdir(tmp_path):
    (tmp_path / "lake").mkdir()
    (tmp_path / "lake" / "pbp").mkdir()
    (tmp_path / "lake" / "pbp" / "0021800001.json").write_text("{}")
    return tmp_path


def run(capsys, *args):
    rc = main(list(args))
    err = capsys.readouterr().err.strip()
    return rc, err


def test_missing_lake_folder(workdir, capsys):
    (workdir / "spec.yaml").write_text(pbp_spec(schedule="builtin"))
    rc, err = run(
        capsys,
        "reconcile",
        "--spec",
        str(workdir / "spec.yaml"),
        "--lake",
        str(workdir / "nope"),
        "--as-of",
        "2019-03-01",
        "--out",
        str(workdir / "out"),
    )
    assert rc == 2 and str(workdir / "nope") in err and len(err.splitlines()) == 1
    assert not (workdir / "out").exists()


def test_malformed_spec(workdir, capsys):
    (workdir / "spec.yaml").write_text("version: 1\ndatasets: [unclosed\n")
    rc, err = run(
        capsys,
        "reconcile",
        "--spec",
        str(workdir / "spec.yaml"),
        "--lake",
        str(workdir / "lake"),
        "--as-of",
        "2019-03-01",
        "--out",
        str(workdir / "out"),
    )
    assert rc == 2 and f"{workdir / 'spec.yaml'}:3:" in err and "YAML" in err
    assert len(err.splitlines()) == 1 and not (workdir / "out").exists()


def test_schedule_missing_a_column(workdir, capsys):
    (workdir / "games.csv").write_text(
        "game_id,season,season_type,game_date,home_team\n0021800001,2018-19,regular,2018-10-16,BOS\n"
    )
    (workdir / "spec.yaml").write_text(pbp_spec(schedule="games.csv"))
    rc, err = run(
        capsys,
        "reconcile",
        "--spec",
        str(workdir / "spec.yaml"),
        "--lake",
        str(workdir / "lake"),
        "--as-of",
        "2019-03-01",
        "--out",
        str(workdir / "out"),
    )
    assert rc == 2 and "games.csv" in err and "away_team" in err and len(err.splitlines()) == 1


def test_bad_parameters(workdir, capsys):
    rc, err = run(
        capsys, "reconcile", "--lake", str(workdir / "lake"), "--as-of", "2019-13-01", "--out", str(workdir / "out")
    )
    assert rc == 2 and "--as-of" in err and "2019-13-01" in err
    rc, err = run(capsys, "reconcile", "--lake", str(workdir / "lake"), "--sample", "2", "--out", str(workdir / "out"))
    assert rc == 2 and "--sample" in err
    rc, err = run(capsys, "frobnicate")
    assert rc == 2 and "frobnicate" in err


def test_relative_schedule_resolves_from_the_spec_folder(workdir, capsys, monkeypatch):
    (workdir / "games.csv").write_text(
        "game_id,season,season_type,game_date,home_team,away_team\n21800001,2018-19,regular,2018-10-16,BOS,PHI\n"
    )
    (workdir / "spec.yaml").write_text(pbp_spec(schedule="games.csv"))
    monkeypatch.chdir("/")
    rc, err = run(
        capsys,
        "reconcile",
        "--spec",
        str(workdir / "spec.yaml"),
        "--lake",
        str(workdir / "lake"),
        "--as-of",
        "2019-03-01",
        "--out",
        str(workdir / "out"),
    )
    assert rc == 0, err
    import json

    totals = json.loads((workdir / "out" / "summary.json").read_text())["totals"]
    assert totals["present"] == 1 and totals["expected"] == 1
