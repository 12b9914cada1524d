"""Input nothing can be judged from is bad input (exit 2, one line): a lake whose keys match no
dataset, an as_of before the first expected game or in the future. A dataset matching nothing
is a warning naming it and its layouts."""

from __future__ import annotations

import shutil

import pytest

from nba_simulator.cli import main
from nba_simulator.demo import build_demo


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    return build_demo(tmp_path_factory.mktemp("demo"))


def _reconcile(capsys, demo, lake, as_of, out):
    rc = main(["reconcile", "--spec", str(demo.spec), "--lake", str(lake), "--as-of", as_of, "--out", str(out)])
    captured = capsys.readouterr()
    return rc, captured.out, captured.err


def test_stray_file_lake_is_bad_input(demo, tmp_path, capsys):
    stray = tmp_path / "stray"
    (stray / "notes").mkdir(parents=True)
    (stray / "notes" / "readme.txt").write_text("hello")
    rc, out, err = _reconcile(capsys, demo, stray, demo.as_of, tmp_path / "out")
    assert rc == 2 and len(err.strip().splitlines()) == 1, err
    assert f"no key of the lake {stray}" in err and "notes/ (1 key)" in err and "espn_play_by_play/" in err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    "as_of,words",
    [("1990-01-01", "nothing is owed yet"), ("2150-01-01", "is in the future"), ("2999-01-01", "out of range")],
)
def test_dates_nothing_can_be_judged_at(demo, tmp_path, capsys, as_of, words):
    rc, out, err = _reconcile(capsys, demo, demo.lake, as_of, tmp_path / "out")
    assert rc == 2 and len(err.strip().splitlines()) == 1 and words in err, err
    assert "None" not in err and not (tmp_path / "out").exists()


def test_a_dataset_matching_nothing_is_named(demo, tmp_path, capsys):
    partial = tmp_path / "partial"
    shutil.copytree(demo.lake / "espn_box_scores", partial / "espn_box_scores")
    rc, out, err = _reconcile(capsys, demo, partial, demo.as_of, tmp_path / "out")
    assert rc == 0
    assert (
        "warning: dataset espn_play_by_play matches no key of the lake (layouts: "
        "espn_play_by_play/{espn_game_id}.json, pbp/{espn_game_id}.json)"
    ) in err
    assert "dataset espn_box_scores matches" not in err
