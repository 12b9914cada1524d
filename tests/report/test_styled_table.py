"""report.styled_table: any frame as a table for people, every value escaped."""

from __future__ import annotations

import pandas as pd

from nba_simulator.report.styled_table import people, shown


def test_people_escapes_hides_the_index_and_shows_whole_numbers_as_integers():
    frame = pd.DataFrame({"dataset": ["<b>x</b>", "y"], "items": [1200.0, float("nan")], "season": ["2018-19", None]})
    out = people(frame).to_html()
    assert "&lt;b&gt;x&lt;/b&gt;" in out and "<b>x</b>" not in out
    assert "1,200" in out and "1200.0" not in out and ">nan<" not in out
    assert ">0<" not in out  # the RangeIndex is not a column
    named = people(frame.set_index("dataset")).to_html()
    assert "dataset" in named


def test_shown_keeps_the_data_and_an_empty_table_is_a_sentence():
    frame = pd.DataFrame({"a": [1, 2]})
    t = shown(frame, empty="Nothing here.")
    assert t.equals(frame) and "<table" in t._repr_html_()
    assert type(t.head(1)) is pd.DataFrame  # computed from it: plain again
    assert (
        shown(frame.iloc[:0], empty="Nothing <here>.")._repr_html_()
        == '<p style="color:#59636e">Nothing &lt;here&gt;.</p>'
    )
