"""pipeline.pages: the index written, a failure reported not raised (what a warm kernel imports
ahead of the stages: test_preload.py)."""

from __future__ import annotations

from nba_simulator.pipeline.pages import update_index


def test_the_index_is_written_and_a_failure_is_one_echoed_line(tmp_path):
    said = []
    (tmp_path / "runs").mkdir()
    update_index(tmp_path / "runs", said.append)
    assert said == [] and (tmp_path / "runs" / "index.html").read_text(encoding="utf-8").startswith("<!")
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    update_index(blocker, said.append)
    assert len(said) == 1 and said[0].startswith(f"could not write {blocker / 'index.html'}")
